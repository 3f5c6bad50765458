"""`flask --app lms orgs ...`: invite from a CSV file, export a cohort's progress, erase a person."""

from pathlib import Path

import click
from flask import current_app, url_for
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from lms.errors import DomainError
from lms.extensions import db
from lms.mail import mail_folder, send_mail

orgs_cli = AppGroup("orgs", help="Organizations, cohorts and people.")


@orgs_cli.command("invite")
@click.option("--csv", "csv_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with columns email, name, and optionally role and cohort.")
@click.option("--organization", "organization_name", required=True, help="Organization name.")
@click.option("--cohort", "cohort_name", help="Cohort for rows that name none.")
def invite_command(csv_path: Path, organization_name: str, cohort_name: str | None):
    """Invite everyone in a CSV file: all or nothing, like the web page."""
    from lms.orgs import invitations, services

    organization = services.find_organization(organization_name)
    if organization is None:
        raise click.ClickException(f"No organization is named “{organization_name}”.")
    cohort = None
    if cohort_name:
        cohort = services.find_cohort(organization, cohort_name)
        if cohort is None:
            raise click.ClickException(f"{organization.name} has no cohort named “{cohort_name}”.")
    try:
        check = invitations.check_csv(csv_path.read_bytes(), organization, default_cohort=cohort)
    except DomainError as error:
        raise click.ClickException(f"{csv_path.name}: {error.message} Nothing was saved.") from None
    if not check.ok:
        for row in check.bad_rows:
            click.echo(f"{csv_path.name}, row {row.line}: {' '.join(row.problems)}", err=True)
        raise click.ClickException("Nothing was saved: fix the rows above and run the command again.")
    sent = invitations.invite_rows(organization, check.rows)
    db.session.commit()
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base):  # emails and links are rendered as on the web
        for invitation, token in sent:
            subject = _l("You are invited to %(program)s", program=current_app.config["LMS_PROGRAM_NAME"])
            send_mail(invitation.email, subject, "invitation", language=invitations.language_for(invitation),
                      invitation=invitation, organization=organization, days=invitations.INVITATION_DAYS,
                      inviter=None, link=base + url_for("orgs.accept", token=token))
    click.echo(f"Invited {len(sent)} people to {organization.name}.")


@orgs_cli.command("export-cohort")
@click.option("--cohort", "cohort_id", required=True, type=int, help="Cohort id (see the cohort page's address).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="File to write; standard output when omitted.")
def export_cohort_command(cohort_id: int, output: Path | None):
    """Write a cohort's progress as CSV: one row per trainee and course."""
    from lms import audit
    from lms.models import Cohort
    from lms.orgs.exports import cohort_progress_csv

    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise click.ClickException(f"There is no cohort {cohort_id}.")
    text = cohort_progress_csv(cohort)
    audit.record("export.cohort_progress", subject=cohort, via="cli")
    db.session.commit()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {len(text.splitlines()) - 1} rows to {output}.", err=True)


@orgs_cli.command("erase-user")
@click.option("--email", required=True, help="Email address of the person to erase.")
@click.option("--yes", is_flag=True, help="Confirm: this cannot be undone.")
def erase_user_command(email: str, yes: bool):
    """Erase a person's personal data and files; their certificates stay verifiable."""
    from lms.auth.services import find_user_by_email
    from lms.records.erasure import erase_user

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account uses {email}.")
    if not yes:
        raise click.ClickException("Erasure cannot be undone: run again with --yes to confirm.")
    keep_name = bool(current_app.config["ERASURE_KEEP_CERTIFICATE_NAME"])
    try:
        report = erase_user(user, actor=None, data_dir=current_app.config["DATA_DIR"], keep_certificate_name=keep_name,
                            mail_dir=mail_folder(current_app.config))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(
        f"Erased account #{report.user_id}: {report.files_deleted} files deleted, "
        f"{report.submissions_cleared} role-play attempts cleared, {report.certificates_kept} certificates kept "
        f"({'name kept' if report.holder_name_kept else 'name withheld'})."
    )
