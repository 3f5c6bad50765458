"""An organization's LRS settings, the test statement, and the statements page (what was sent, what failed)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import gettext as _

from lms import audit
from lms.errors import InvalidInput, NotFound
from lms.extensions import db
from lms.models import Organization, StatementState, User, XapiSettings, XapiStatement, utcnow
from lms.secret_box import encrypt
from lms.xapi import outbox, sending
from lms.xapi import statements as xs

ENDPOINT_MAX = 500
KEY_MAX = 200
SECRET_MAX = 500
PAGE_SIZE = 100


def settings_for(organization: Organization) -> XapiSettings | None:
    return db.session.scalar(sa.select(XapiSettings).where(XapiSettings.organization_id == organization.id))


def _clean_endpoint(value: str) -> str:
    endpoint = (value or "").strip()
    if not endpoint:
        return ""
    if len(endpoint) > ENDPOINT_MAX:
        raise InvalidInput(_("The address can have at most %(count)s characters.", count=ENDPOINT_MAX),
                           field="endpoint")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise InvalidInput(_("Enter the LRS's xAPI address, starting with https:// (for example "
                             "https://lrs.example.org/xAPI/), without a user name or password in it."),
                           field="endpoint")
    return endpoint


def save_settings(organization: Organization, *, enabled: bool, endpoint: str, key: str, secret: str | None,
                  identify_by_email: bool, actor: User) -> XapiSettings:
    """Create or update the organization's settings. `secret` None or empty keeps the stored one."""
    endpoint = _clean_endpoint(endpoint)
    key = (key or "").strip()
    if len(key) > KEY_MAX:
        raise InvalidInput(_("The key can have at most %(count)s characters.", count=KEY_MAX), field="key")
    if secret is not None and len(secret) > SECRET_MAX:
        raise InvalidInput(_("The secret can have at most %(count)s characters.", count=SECRET_MAX),
                           field="secret")
    settings = settings_for(organization)
    has_secret = bool(secret) or (settings is not None and settings.secret_sealed is not None)
    if enabled:
        if not endpoint:
            raise InvalidInput(_("Enter the LRS's address to switch sending on."), field="endpoint")
        if not key:
            raise InvalidInput(_("Enter the key the LRS gave you."), field="key")
        if not has_secret:
            raise InvalidInput(_("Enter the secret the LRS gave you."), field="secret")
    if settings is None:
        settings = XapiSettings(organization_id=organization.id, actor_salt=secrets.token_hex(32))
        db.session.add(settings)
    secret_changed = bool(secret)
    settings.enabled, settings.endpoint, settings.key = enabled, endpoint, key
    settings.identify_by_email = identify_by_email
    if secret_changed:
        settings.secret_sealed = encrypt(secret)
    settings.updated_by_id = actor.id
    settings.updated_at = utcnow()
    db.session.flush()
    audit.record("xapi.settings_saved", actor=actor, subject=settings, organization=organization.name,
                 enabled=enabled, endpoint=endpoint, key=key, identify_by_email=identify_by_email,
                 secret_changed=secret_changed)
    return settings


def send_test_statement(settings: XapiSettings, actor: User) -> str:
    """POST one statement now (the administrator asked and waits for the answer); returns its id.

    Raises `InvalidInput` with the LRS's error when it is not accepted."""
    if not settings.endpoint or not settings.key:
        raise InvalidInput(_("Save the LRS's address, key and secret first."))
    statement_id = str(uuid.uuid4())
    activity = xs.Activity(f"{outbox.base_url()}/org/xapi", "course", "PeerCert connection test")
    envelope = xs.Envelope(actor=outbox.actor_for(settings, actor), course=None, timestamp=utcnow())
    statement = xs.connection_test(statement_id, envelope, activity)
    try:
        key, secret = sending.credentials(settings)
        sending.post_statements(settings.endpoint, key, secret, [statement], timeout=sending.setting("XAPI_TIMEOUT"))
    except sending.LrsError as error:
        audit.record("xapi.test_failed", actor=actor, subject=settings, error=str(error)[:500])
        raise InvalidInput(_("The LRS did not accept the test statement: %(error)s", error=str(error))) from error
    audit.record("xapi.test_sent", actor=actor, subject=settings, statement_id=statement_id)
    return statement_id


@dataclass(frozen=True)
class StatementsPage:
    rows: list[tuple[XapiStatement, str]]  # each row with the name of its activity
    counts: dict[str, int]  # state -> number of rows
    state: str | None


def activity_name(payload: dict) -> str:
    """What a statement is about, for people: its activity's name, else the id it refers to."""
    target = payload.get("object") or {}
    name = (target.get("definition") or {}).get("name") or {}
    return name.get(xs.LANGUAGE) or next(iter(name.values()), None) or str(target.get("id", ""))


def statements_page(organization: Organization, state: str | None = None) -> StatementsPage:
    """The latest statements of the organization (failed and pending first when no state is chosen)."""
    counts = dict(db.session.execute(
        sa.select(XapiStatement.state, sa.func.count()).where(XapiStatement.organization_id == organization.id)
        .group_by(XapiStatement.state)).all())
    query = sa.select(XapiStatement).where(XapiStatement.organization_id == organization.id)
    if state in set(StatementState):
        query = query.where(XapiStatement.state == state)
    else:
        state = None
    query = query.order_by(XapiStatement.id.desc()).limit(PAGE_SIZE)
    rows = [(row, activity_name(row.payload)) for row in db.session.scalars(query)]
    return StatementsPage(rows, {s.value: counts.get(s.value, 0) for s in StatementState},
                          state)


def statement_of(organization: Organization, statement_row_id: int) -> XapiStatement:
    row = db.session.get(XapiStatement, statement_row_id)
    if row is None or row.organization_id != organization.id:
        raise NotFound(_("There is no such statement."))
    return row


def retry(organization: Organization, rows: list[XapiStatement], actor: User) -> int:
    """Put unsent rows back in line now (attempts start again) and enqueue a send."""
    now = utcnow()
    count = 0
    for row in rows:
        if row.organization_id != organization.id or row.state == StatementState.SENT:
            continue
        row.state, row.attempts, row.next_attempt_at = StatementState.PENDING, 0, now
        count += 1
    db.session.flush()
    audit.record("xapi.retried", actor=actor, subject=organization, organization=organization.name, count=count)
    settings = settings_for(organization)
    if count and settings is not None:
        outbox.schedule_send(settings)  # once the caller commits
    return count


def unsent(organization: Organization) -> list[XapiStatement]:
    return list(db.session.scalars(sa.select(XapiStatement).where(
        XapiStatement.organization_id == organization.id, XapiStatement.state != StatementState.SENT)))


def forget_statements_about(user: User) -> int:
    """Erasure: delete our copies of the person's statements (sent or not; an LRS keeps what it received).
    Returns how many."""
    result = db.session.execute(sa.delete(XapiStatement).where(XapiStatement.user_id == user.id))
    return result.rowcount or 0
