"""`flask --app lms courses check|sync`: validate the course files, load them into the database."""

import click
from flask import current_app
from flask.cli import AppGroup

from lms.content import checks
from lms.content.loader import load_courses
from lms.extensions import db

courses_cli = AppGroup("courses", help="Validate and load the course files (COURSES_DIR).")


def _load(slugs: tuple[str, ...]):
    root = current_app.config["COURSES_DIR"]
    result = load_courses(root, only=(lambda name: name in slugs) if slugs else None)
    if slugs:
        missing = sorted(set(slugs) - set(result.checked))
        if missing:
            raise click.ClickException(f"no course folder named {', '.join(missing)} in {root}")
    return result


def _report(result) -> None:
    for warning in result.warnings:
        click.echo(str(warning), err=True)
    for error in result.errors:
        click.echo(str(error), err=True)


@courses_cli.command("check")
@click.argument("slugs", nargs=-1)
def check_command(slugs):
    """Validate every course (or the SLUGS given); list each problem with its file and line.

    Beyond what loading needs, a course must pass the curriculum checks (`lms.content.checks`): hours that
    add up, competencies taught and assessed, cue-free items, safety gates, reference transcripts.
    """
    result = checks.review(_load(slugs))
    _report(result)
    errors, warnings = len(result.errors), len(result.warnings)
    summary = (f"{len(result.checked)} course{'s' if len(result.checked) != 1 else ''} checked: "
               f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}.")
    if errors:
        click.echo(summary, err=True)
        raise SystemExit(1)
    click.echo(summary)


@courses_cli.command("sync")
@click.argument("slugs", nargs=-1)
def sync_command(slugs):
    """Load valid courses into the database; a changed course becomes a new live version."""
    from lms.learning.sync import sync_courses

    result = _load(slugs)
    _report(result)
    outcomes, refusals = sync_courses(result.courses)
    db.session.commit()
    for outcome in outcomes:
        click.echo(str(outcome))
    for refusal in refusals:
        click.echo(refusal, err=True)
    skipped = len(result.checked) - len(result.courses)
    if skipped:
        click.echo(f"{skipped} course{'s' if skipped != 1 else ''} not synced because of the errors above.", err=True)
    if result.errors or refusals:
        raise SystemExit(1)
