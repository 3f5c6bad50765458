"""`flask --app lms roleplay ...`: the reply analyzer, its measurement, rater agreement, retention, reminders."""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.extensions import db

roleplay_cli = AppGroup("roleplay", help="Role-play feedback, agreement, retention and reminders.")


def _tools():
    """The research code in ``tools/`` (importable when the command runs from the repository root)."""
    try:
        from tools import annomi
    except ImportError as exc:  # pragma: no cover - an installed copy without the repository's tools/
        raise click.ClickException("Run this command from the repository root (it uses tools/annomi.py).") from exc
    return annomi


def _labels_of(analysis) -> list[str]:
    from lms.roleplay.analyzer import LABELS

    return [label for label in LABELS if label in analysis.labels]


def _jsonl_item(line: str) -> tuple[str, str | None]:
    try:
        item = json.loads(line)
    except ValueError as exc:
        raise click.ClickException(f"Not a JSON object: {line[:60]!r}") from exc
    if not isinstance(item, dict) or not isinstance(item.get("reply", ""), str):
        raise click.ClickException(f'Expected {{"reply": "...", "context": "..."}}: {line[:60]!r}')
    context = item.get("context")
    return item.get("reply") or "", context if isinstance(context, str) else None


@roleplay_cli.command("analyze")
@click.option("--jsonl", is_flag=True, help='Read {"reply": "...", "context": "..."} objects, one per line.')
def analyze_command(jsonl):
    """Read replies from standard input, one per line; print a JSON array of labels per line.

    With --jsonl each line is a JSON object whose optional "context" is the other person's preceding line."""
    from lms.roleplay.analyzer import analyze_reply

    for line in sys.stdin:
        raw = line.rstrip("\r\n")
        if jsonl:
            text, context = _jsonl_item(raw) if raw.strip() else ("", None)
        else:
            text, context = raw, None
        click.echo(json.dumps(_labels_of(analyze_reply(text, context)) if text.strip() else []))


@roleplay_cli.command("evaluate")
@click.option("--data", required=True, type=click.Path(exists=True, dir_okay=False), help="AnnoMI development CSV.")
def evaluate_command(data):
    """The analyzer's figures: grouped cross-validation on AnnoMI, the in-domain held part, and on --data."""
    annomi = _tools()
    click.echo(annomi.format_report(annomi.evaluate(Path(data))))


@roleplay_cli.command("agreement")
@click.option("--data", required=True, type=click.Path(exists=True, dir_okay=False), help="AnnoMI CSV.")
def agreement_command(data):
    """Weighted kappa between the AnnoMI experts on the utterances they both annotated."""
    annomi = _tools()
    click.echo(annomi.format_annomi_agreement(annomi.annomi_agreement(Path(data))))


@roleplay_cli.command("purge-recordings")
@click.option("--days", type=int, help="Override RECORDING_RETENTION_DAYS.")
def purge_recordings_command(days):
    """Delete recordings RECORDING_RETENTION_DAYS after their final grade (the scores stay)."""
    from lms.models import utcnow
    from lms.roleplay.retention import purge_recordings

    retention = days if days is not None else current_app.config["RECORDING_RETENTION_DAYS"]
    purged = purge_recordings(utcnow(), retention_days=retention, data_dir=current_app.config["DATA_DIR"])
    db.session.commit()
    click.echo(f"Deleted {len(purged)} recording(s) graded more than {retention} days ago.")


@roleplay_cli.command("notify-waiting")
@click.option("--force", is_flag=True, help="Send even to supervisors already told within the last day.")
def notify_waiting_command(force):
    """Email each supervisor who has role-plays waiting (run once a day, e.g. from cron)."""
    from flask_babel import lazy_gettext as _l

    from lms.i18n import language_of
    from lms.mail import send_mail
    from lms.models import utcnow
    from lms.roleplay.reminders import mark_waiting_notified, supervisors_with_waiting_items

    with current_app.test_request_context():
        from flask import url_for

        link = current_app.config["LMS_BASE_URL"].rstrip("/") + url_for("roleplay.queue")
        due = supervisors_with_waiting_items(utcnow(), force=force)
        for supervisor, waiting in due:
            total = waiting["waiting"] + waiting["second"] + waiting["calibration"]
            send_mail(supervisor.email, _l("%(n)d role-play items are waiting for you", n=total), "roleplay_waiting",
                      language=language_of(supervisor),
                      supervisor=supervisor, waiting=waiting, link=link)
            mark_waiting_notified(supervisor, waiting)
            db.session.commit()
    click.echo(f"Reminded {len(due)} supervisor(s).")
