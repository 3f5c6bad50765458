"""Outgoing mail: console or file in development, SMTP when configured, memory in tests."""

import smtplib
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, get_locale

from lms import jobs
from lms.i18n.selection import locale_for


def send_mail(to: str, subject, template: str, *, language: str | None = None, **context) -> None:
    """Render `email/<template>.txt` and send it (in the background when a queue is configured).

    Written in `language` (the recipient's: `lms.i18n.language_of`), or in the page's language when None.
    Give `subject` as a lazy string (`lazy_gettext`) so that it is translated into that language too.
    """
    with force_locale(locale_for(language) if language else str(get_locale() or "en_US")):
        subject = str(subject)
        body = render_template(f"email/{template}.txt", **context)
    jobs.enqueue(deliver, to, subject, body)


def mail_folder(config) -> Path | None:
    """Where the file backend keeps its copies (development), or None for the other backends."""
    if config.get("MAIL_BACKEND") != "file":
        return None
    return Path(config.get("MAIL_FILE_DIR") or Path(current_app.instance_path) / "mail")


def copies_mentioning(folder: Path | None, needles: list[str]) -> list[Path]:
    """The stored .eml copies in `folder` whose headers or text mention one of `needles` (case-insensitive)."""
    if folder is None or not folder.is_dir():
        return []
    needles = [needle.lower() for needle in needles if needle]
    found = []
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=default_policy)
        parts = [str(value) for value in message.values()]
        parts += [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
        text = "\n".join(parts).lower()
        if any(needle in text for needle in needles):
            found.append(path)
    return found


def deliver(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
    elif backend == "file":
        folder = mail_folder(config)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{time.time_ns()}.eml").write_bytes(message.as_bytes())
    elif backend == "smtp":
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:  # console: the development default, so reset links can be followed locally
        current_app.logger.warning("Mail to %s: %s\n%s", to, subject, body)
        print(f"\n--- mail to {to}: {subject} ---\n{body}\n--- end of mail ---\n", flush=True)
