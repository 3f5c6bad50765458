"""Command line: `flask --app lms <group> <command>`. One group per feature."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lms.errors import DomainError
from lms.extensions import db
from lms.models import Role

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.TRAINEE.value, show_default=True)
@click.option("--organization", "organization_name", help="Organization name (created if it does not exist).")
@click.option("--password", help="Prompted for when omitted.")
def create_user_command(email, name, role, organization_name, password):
    """Create an account."""
    from lms.auth.passwords import is_too_weak, personal_hints
    from lms.auth.services import create_user
    from lms.orgs.services import get_or_create_organization

    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.ClickException("The password needs at least 10 characters.")
    if is_too_weak(password, personal_hints(name, email)):
        raise click.ClickException("This password is too easy to guess: use a phrase of several unrelated words.")
    organization = get_or_create_organization(organization_name) if organization_name else None
    if Role(role) in {Role.SUPERVISOR, Role.ORG_ADMIN} and organization is None:
        raise click.ClickException(f"A {Role(role).label.lower()} belongs to an organization: pass --organization.")
    try:
        user = create_user(email=email, name=name, password=password, role=Role(role), organization=organization)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.role_label.lower()} {user.email} (id {user.id}).")


@click.command("demo")
def demo_command():
    """Load demo data once (people, cohorts, histories, certificates); print the logins. Needs the courses."""
    from lms.demo import DEMO_PASSWORD, seed_demo
    from lms.errors import CoursesMissing

    try:
        logins = seed_demo()
    except CoursesMissing as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    base = current_app.config["LMS_BASE_URL"]
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}) at {base}/auth/login")
    for role, email in logins:
        click.echo(f"  {role:<28} {email}")
    click.echo("")


@click.command("setup")
@click.option("--demo/--no-demo", default=True, help="Also load the demo data (once).")
def setup_command(demo):
    """Idempotent set-up: migrate the database, sync the courses, load demo data."""
    from flask_migrate import upgrade

    upgrade()
    ctx = click.get_current_context()
    for name in ("courses",):
        group = current_app.cli.commands.get(name)
        if group is not None and "sync" in group.commands:
            ctx.invoke(group.commands["sync"])
    if demo:
        ctx.invoke(demo_command)


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(setup_command)

    from lms.learning.cli import courses_cli

    app.cli.add_command(courses_cli)

    from lms.roleplay.cli import roleplay_cli

    app.cli.add_command(roleplay_cli)

    from lms.jobs_cli import jobs_cli

    app.cli.add_command(jobs_cli)

    from lms.certificates.cli import register as register_certificates

    register_certificates(app)  # certificates, keys

    from lms.orgs.api_keys_cli import api_keys_cli

    app.cli.add_command(api_keys_cli)

    from lms.orgs.cli import orgs_cli

    app.cli.add_command(orgs_cli)

    from lms.lti.cli import lti_cli

    app.cli.add_command(lti_cli)
