"""`flask --app lms api-keys create|revoke|list`: organizations' keys for the verification API."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from lms.errors import DomainError
from lms.extensions import db
from lms.models import ApiKey, Organization
from lms.orgs.api_keys import create_api_key, revoke_api_key

api_keys_cli = AppGroup("api-keys", help="Organizations' keys for the verification API.")


@api_keys_cli.command("create")
@click.option("--organization", "organization_name", required=True, help="The organization's exact name.")
@click.option("--name", default="Command line", show_default=True, help="What the key is for.")
def create_api_key_command(organization_name, name):
    """Create a key and print it once (only its hash is kept)."""
    organization = db.session.scalar(sa.select(Organization).where(Organization.name == organization_name.strip()))
    if organization is None:
        raise click.ClickException(f"No organization is named {organization_name!r}.")
    try:
        key, plaintext = create_api_key(organization, name)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created API key {key.id} ({key.name}) for {organization.name}.")
    click.echo("Copy it now: it is not shown again.")
    click.echo(plaintext)


@api_keys_cli.command("revoke")
@click.argument("key_id", type=int)
def revoke_api_key_command(key_id):
    """Revoke a key by its id."""
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise click.ClickException(f"No API key has the id {key_id}.")
    try:
        revoke_api_key(key)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Revoked API key {key.id} ({key.name}, {key.prefix}…).")


@api_keys_cli.command("list")
def list_api_keys_command():
    """Every key: id, organization, name, prefix, state."""
    keys = db.session.scalars(sa.select(ApiKey).order_by(ApiKey.id))
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.id:>4}  {key.prefix}…  {state:<18} {key.organization.name} · {key.name}")
