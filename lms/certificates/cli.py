"""`flask --app lms certificates ...` and `keys ...` (`api-keys ...` is in `lms.orgs.api_keys_cli`)."""

import json

import click
from flask import Flask
from flask.cli import AppGroup

from lms.certificates import documents, issuers, lifecycle, records, settings
from lms.errors import DomainError
from lms.extensions import db

certificates_cli = AppGroup("certificates", help="Issued certificates: list, revoke, render PDFs.")
keys_cli = AppGroup("keys", help="The keys that sign certificates.")


@certificates_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (number and status of every certificate).")
def list_command(as_json):
    """Every certificate with its status today."""
    today = settings.today()
    rows = []
    for certificate in records.all_certificates():
        revoked_on = records.revoked_on(certificate)
        rows.append({
            "number": certificate.number,
            "status": str(records.status_of(certificate, today)),
            "holder_name": certificate.holder_name,
            "course": certificate.course_title,
            "generation": certificate.generation,
            "reason": certificate.reason,
            "issued_on": certificate.issued_on.isoformat(),
            "expires_on": certificate.expires_on.isoformat(),
            "revoked_on": revoked_on.isoformat() if revoked_on else None,
        })
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No certificates have been issued yet.")
        return
    for row in rows:
        click.echo(f"{row['number']:<24} {row['status']:<8} {row['expires_on']}  "
                   f"{row['holder_name']} · {row['course']}")
    click.echo(f"{len(rows)} certificate(s).")


@certificates_cli.command("revoke")
@click.argument("number")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
def revoke_command(number, reason):
    """Revoke a certificate: it stays verifiable, as revoked."""
    certificate = records.get_certificate(number)
    if certificate is None:
        raise click.ClickException(f"No certificate has the number {number}.")
    try:
        lifecycle.revoke_certificate(certificate, reason)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Revoked {certificate.number} ({certificate.holder_name}).")


@certificates_cli.command("render-missing")
def render_missing_command():
    """Render every PDF that is missing or out of date (after a failed job, or a lost file)."""
    rendered = documents.render_missing_pdfs()
    db.session.commit()
    remaining = len(documents.certificates_needing_pdf())
    click.echo(f"Rendered {len(rendered)} PDF(s).")
    if remaining:
        raise click.ClickException(f"{remaining} PDF(s) still fail to render: see the log above.")


@keys_cli.command("rotate")
def rotate_command():
    """Add a new RSA and Ed25519 signing key; old public keys stay published (JWKS and DID documents)."""
    store = settings.get_keystore()
    new = store.rotate()
    for alg, kid in sorted(new.items()):
        click.echo(f"New {alg} key: {kid}")
    click.echo(f"{len(store.jwks()['keys'])} public keys published at /.well-known/jwks.json; the Ed25519 keys "
               "also in every issuer's did.json, so credentials signed before still verify.")
    size = issuers.did_document_size(issuers.program_issuer())
    if size > issuers.DID_DOCUMENT_WARN_BYTES:
        click.echo(f"Warning: the DID documents are {size:,} bytes; the DCC's wallets read at most 8,192.", err=True)


@keys_cli.command("list")
def list_keys_command():
    """The published signing keys, current ones first."""
    store = settings.get_keystore()
    current = {store.current_kid(alg) for alg in ("RS256", "EdDSA")}
    for key in store.keys():
        click.echo(f"{key.alg:<6} {key.kid}  {key.created}{'  (current)' if key.kid in current else ''}")


def register(app: Flask) -> None:
    app.cli.add_command(certificates_cli)
    app.cli.add_command(keys_cli)
