"""`flask --app lms roleplay ...`: the reply analyzer, its measurement, rater agreement, retention, reminders."""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.extensions import db

roleplay_cli = AppGroup("roleplay", help="Role-play feedback, agreement, retention and reminders.")


def default_annomi_csv() -> Path:
    """The AnnoMI development split in the `shared/data` folder beside the repository."""
    return Path(current_app.root_path).parent.parent / "shared" / "data" / "annomi-dev.csv"


def _csv_path(data: str | None) -> Path:
    path = Path(data) if data else default_annomi_csv()
    if not path.is_file():
        raise click.ClickException(f"No AnnoMI file at {path}: pass --data PATH.")
    return path


@roleplay_cli.command("analyze")
def analyze_command():
    """Read replies from standard input, one per line; print a JSON array of labels per line."""
    from lms.roleplay.analyzer import LABELS, analyze_reply

    order = {label: i for i, label in enumerate(LABELS)}
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        labels = sorted(analyze_reply(text).labels, key=order.get) if text.strip() else []
        click.echo(json.dumps(labels))


@roleplay_cli.command("evaluate")
@click.option("--data", type=click.Path(dir_okay=False), help="AnnoMI CSV (default: shared/data/annomi-dev.csv).")
def evaluate_command(data):
    """Precision, recall and F1 of the analyzer on expert-annotated counselling talk (AnnoMI)."""
    from lms.roleplay.evaluation import evaluate, format_report

    click.echo(format_report(evaluate(_csv_path(data))))


@roleplay_cli.command("agreement")
@click.option("--data", type=click.Path(dir_okay=False), help="AnnoMI CSV (default: shared/data/annomi-dev.csv).")
def agreement_command(data):
    """Weighted kappa between the AnnoMI experts on the utterances they both annotated."""
    from lms.roleplay.agreement import annomi_agreement, format_annomi_agreement

    click.echo(format_annomi_agreement(annomi_agreement(_csv_path(data))))


@roleplay_cli.command("purge-recordings")
@click.option("--days", type=int, help="Override RECORDING_RETENTION_DAYS.")
def purge_recordings_command(days):
    """Delete recordings RECORDING_RETENTION_DAYS after their final grade (the scores stay)."""
    from lms.models import utcnow
    from lms.roleplay.services import purge_recordings

    retention = days if days is not None else current_app.config["RECORDING_RETENTION_DAYS"]
    purged = purge_recordings(utcnow(), retention_days=retention, data_dir=current_app.config["DATA_DIR"])
    db.session.commit()
    click.echo(f"Deleted {len(purged)} recording(s) graded more than {retention} days ago.")


@roleplay_cli.command("notify-waiting")
@click.option("--force", is_flag=True, help="Send even to supervisors already told within the last day.")
def notify_waiting_command(force):
    """Email each supervisor who has role-plays waiting (run once a day, e.g. from cron)."""
    from flask_babel import gettext as _

    from lms.mail import send_mail
    from lms.models import utcnow
    from lms.roleplay.services import mark_waiting_notified, supervisors_with_waiting_items

    with current_app.test_request_context():
        from flask import url_for

        link = current_app.config["LMS_BASE_URL"].rstrip("/") + url_for("roleplay.queue")
        due = supervisors_with_waiting_items(utcnow(), force=force)
        for supervisor, waiting in due:
            total = waiting["waiting"] + waiting["second"] + waiting["calibration"]
            send_mail(supervisor.email, _("%(n)d role-play items are waiting for you", n=total), "roleplay_waiting",
                      supervisor=supervisor, waiting=waiting, link=link)
            mark_waiting_notified(supervisor, waiting)
            db.session.commit()
    click.echo(f"Reminded {len(due)} supervisor(s).")
