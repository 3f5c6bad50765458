"""`flask lti ...`: the tool's signing key."""

import click
from flask.cli import AppGroup

from lms.lti import keys

lti_cli = AppGroup("lti", help="The LTI 1.3 tool.")


@lti_cli.command("rotate-key")
def rotate_key_command():
    """A new RSA key signs from now on; the old public key stays in /lti/jwks for tokens platforms still hold."""
    keys.keystore().rotate()
    click.echo(f"New LTI key: {keys.keystore().current_kid(keys.ALG)}")
    click.echo(f"{len(keys.jwks()['keys'])} public keys published at /lti/jwks.")
