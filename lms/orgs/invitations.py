"""Invitations: one at a time, or a CSV file checked row by row before anything is saved.

A CSV file is all or nothing: `check_csv` lists every row's problems, and `invite_rows`
is only called on a clean file. The token sent by email is stored hashed.
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms import audit
from lms.csv_import import read_csv as read_csv_rows
from lms.errors import Conflict, InvalidInput, InvalidUpload, NotEligible
from lms.extensions import db
from lms.i18n.selection import DEFAULT_LANGUAGE, supported
from lms.inputs import forbidden_characters
from lms.models import Cohort, Invitation, Organization, Role, User, cohort_supervisors, cohort_trainees, utcnow

INVITATION_DAYS = 14
MAX_ROWS = 1000
INVITABLE_ROLES = (Role.TRAINEE, Role.SUPERVISOR, Role.ORG_ADMIN)
_ROLE_ALIASES = {
    "trainee": Role.TRAINEE, "supervisor": Role.SUPERVISOR, "org_admin": Role.ORG_ADMIN,
    "org admin": Role.ORG_ADMIN, "organization administrator": Role.ORG_ADMIN, "coordinator": Role.ORG_ADMIN,
}
_COLUMN_ALIASES = {
    "email": "email", "e-mail": "email", "email address": "email",
    "name": "name", "full name": "name",
    "role": "role",
    "cohort": "cohort",
    "language": "language", "idioma": "language",
}
PREVIEW_MAX_AGE = 3600  # seconds a checked file may wait for its confirmation


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_role(value: str) -> Role | None:
    value = (value or "").strip().lower()
    if not value:
        return Role.TRAINEE
    return _ROLE_ALIASES.get(value)


# Checking rows --------------------------------------------------------------------------------

@dataclass
class InviteRow:
    line: int  # the spreadsheet row number (the header is row 1)
    email: str
    name: str
    role: str
    cohort: str = ""
    language: str = ""  # en, es, or empty: the organization's default
    problems: list[str] = field(default_factory=list)
    renews: bool = False  # a pending invitation to this address exists and will be replaced

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class CsvCheck:
    rows: list[InviteRow]

    @property
    def bad_rows(self) -> list[InviteRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def ok(self) -> bool:
        return not self.bad_rows and bool(self.rows)


def read_csv(data: bytes | str) -> list[InviteRow]:
    """Parse the file into rows (read by `lms.csv_import`); a problem with the file itself raises `InvalidUpload`."""
    table = read_csv_rows(data, field="file", max_rows=MAX_ROWS + 1)
    if not table:
        raise InvalidUpload(_("The file is empty."), field="file")
    header, *body = table
    columns = [_COLUMN_ALIASES.get(name.lower()) for name in header.cells]
    missing = [name for name in ("email", "name") if name not in columns]
    if missing:
        raise InvalidUpload(_("The first row must name the columns: email, name, and optionally role, cohort and "
                              "language (missing: %(missing)s).", missing=", ".join(missing)), field="file")
    if len(body) > MAX_ROWS:
        raise InvalidUpload(_("The file has more than %(n)d people. Split it into smaller files.", n=MAX_ROWS),
                            field="file")
    if not body:
        raise InvalidUpload(_("The file has a header row but no people."), field="file")
    rows = []
    for row in body:
        record = {column: row.cells[i] for i, column in enumerate(columns) if column and i < len(row.cells)}
        rows.append(InviteRow(line=row.line, email=record.get("email", ""), name=record.get("name", ""),
                              role=record.get("role", ""), cohort=record.get("cohort", ""),
                              language=record.get("language", "")))
    return rows


def _normalize_addresses(rows: list[InviteRow]) -> dict[int, str]:
    """Each row's address, normalized (line number -> address); a row without a valid one gets a problem."""
    normalized = {}
    for row in rows:
        row.problems = []
        row.renews = False
        try:
            email = validate_email(row.email, check_deliverability=False).normalized
            normalized[row.line] = normalize_email(email)
            row.email = normalized[row.line]
        except EmailNotValidError:
            row.problems.append(_("“%(email)s” is not a valid email address.", email=row.email) if row.email
                                else _("The email address is missing."))
    return normalized


def _name_problem(name: str) -> str | None:
    if not name.strip():
        return _("The name is missing.")
    if len(name) > 120:
        return _("The name is longer than 120 characters.")
    if forbidden_characters(name, multiline=False):
        return _("The name contains invisible control characters: remove them from the file.")
    return None


def _check_role_and_cohort(row: InviteRow, cohorts: dict[str, str], default_cohort: Cohort | None) -> None:
    role = parse_role(row.role)
    if role is None:
        row.problems.append(_("Unknown role “%(role)s”: use trainee, supervisor or org_admin.", role=row.role))
    else:
        row.role = str(role)
    if not row.cohort:
        if default_cohort is not None:
            row.cohort = default_cohort.name
    elif row.cohort.lower() in cohorts:
        row.cohort = cohorts[row.cohort.lower()]
    else:
        row.problems.append(_("Unknown cohort “%(cohort)s”: create it first, or leave the cell empty.",
                              cohort=row.cohort))
    if row.language:
        if supported(row.language):
            row.language = supported(row.language)
        else:
            row.problems.append(_("Unknown language “%(language)s”: use en or es, or leave the cell empty.",
                                  language=row.language))


def _known_addresses(emails: set[str], organization: Organization) -> tuple[set[str], set[str]]:
    """Of `emails`: those with an account, and those with a pending invitation to this organization."""
    if not emails:
        return set(), set()
    existing = set(db.session.scalars(sa.select(User.email).where(User.email.in_(emails))))
    pending = set(db.session.scalars(
        sa.select(Invitation.email).where(
            Invitation.email.in_(emails), Invitation.organization_id == organization.id,
            Invitation.accepted_at.is_(None),
        )
    ))
    return existing, pending


def check_rows(rows: list[InviteRow], organization: Organization, *, default_cohort: Cohort | None = None
               ) -> list[InviteRow]:
    """Fill in each row's problems (bad email, unknown role, duplicate, existing account, unknown cohort).

    Three queries whatever the number of rows.
    """
    cohorts = {
        name.lower(): name
        for name in db.session.scalars(sa.select(Cohort.name).where(Cohort.organization_id == organization.id))
    }
    normalized = _normalize_addresses(rows)
    existing, pending = _known_addresses(set(normalized.values()), organization)
    first_seen: dict[str, int] = {}
    for row in rows:
        problem = _name_problem(row.name)
        if problem:
            row.problems.append(problem)
        _check_role_and_cohort(row, cohorts, default_cohort)
        email = normalized.get(row.line)
        if email is None:
            continue
        if email in first_seen:
            row.problems.append(_("Duplicate: this address is already on row %(row)d.", row=first_seen[email]))
        else:
            first_seen[email] = row.line
        if email in existing:
            row.problems.append(_("This person already has an account."))
        elif email in pending:
            row.renews = True
    return rows


def check_csv(data: bytes | str, organization: Organization, *, default_cohort: Cohort | None = None) -> CsvCheck:
    """Every row checked (its problems are shown in the preview); raises `InvalidUpload` if the file is unusable."""
    return CsvCheck(rows=check_rows(read_csv(data), organization, default_cohort=default_cohort))


# The checked file between preview and confirmation: signed, so it cannot be altered in between.

def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="invite-csv")


def sign_rows(rows: list[InviteRow], *, organization_id: int, actor_id: int, secret_key: str) -> str:
    payload = {"org": organization_id, "by": actor_id,
               "rows": [[r.line, r.email, r.name, r.role, r.cohort, r.language] for r in rows]}
    return _serializer(secret_key).dumps(payload)


def expired_check() -> InvalidInput:
    return InvalidInput(_("This check has expired or was changed. Upload the file again."))


def unsign_rows(token: str, *, organization_id: int, actor_id: int, secret_key: str) -> list[InviteRow]:
    """The rows of a checked file, signed for this organization and person within the hour."""
    try:
        payload = _serializer(secret_key).loads(token, max_age=PREVIEW_MAX_AGE)
    except (SignatureExpired, BadSignature):
        raise expired_check() from None
    if payload.get("org") != organization_id or payload.get("by") != actor_id:
        raise expired_check()
    # A file checked before invitations had a language holds five cells a row.
    return [InviteRow(line=line, email=email, name=name, role=role, cohort=cohort, language=(rest or [""])[0])
            for line, email, name, role, cohort, *rest in payload["rows"]]


# Sending, accepting, revoking -------------------------------------------------------------------

def invite(organization: Organization, *, email: str, name: str, role: Role | str, cohort: Cohort | None = None,
           actor: User | None = None, language: str | None = None) -> tuple[Invitation, str]:
    """Create (or renew) an invitation; return it with the clear token for the email link.

    `language` is the person's ("en", "es"; None: the organization's default until they choose)."""
    try:
        email = normalize_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise InvalidInput(_("This is not a valid email address."), field="email") from error
    role = Role(role)
    if role not in INVITABLE_ROLES:
        raise InvalidInput(_("Invite trainees, supervisors or organization administrators."), field="role")
    if cohort is not None and cohort.organization_id != organization.id:
        raise InvalidInput(_("This cohort belongs to another organization."), field="cohort")
    if language and not supported(language):
        raise InvalidInput(_("Choose one of the languages offered."), field="language")
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise Conflict(_("This person already has an account."), field="email")
    # A new invitation to the same address replaces a pending one: only the newest link works.
    db.session.execute(
        sa.delete(Invitation).where(
            Invitation.email == email, Invitation.organization_id == organization.id,
            Invitation.accepted_at.is_(None),
        )
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organization_id=organization.id, cohort_id=cohort.id if cohort else None, email=email,
        name=name.strip(), role=str(role), token_hash=hash_token(token), language=supported(language),
        created_by_id=actor.id if actor is not None else None,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.sent", actor=actor, subject=invitation, email=email, role=str(role),
                 organization_id=organization.id, cohort_id=invitation.cohort_id)
    return invitation, token


def invite_rows(organization: Organization, rows: list[InviteRow], *, actor: User | None = None
                ) -> list[tuple[Invitation, str]]:
    """Invite every row of a checked, clean file. Raises InvalidInput if any row has a problem."""
    if not rows or any(not row.ok for row in rows):
        raise InvalidInput(_("The file has problems: nothing was saved."))
    cohorts = {
        c.name: c for c in db.session.scalars(sa.select(Cohort).where(Cohort.organization_id == organization.id))
    }
    return [
        invite(organization, email=row.email, name=row.name, role=row.role,
               cohort=cohorts.get(row.cohort) if row.cohort else None, actor=actor, language=row.language or None)
        for row in rows
    ]


def language_for(invitation: Invitation) -> str:
    """The language an invitation is written in: the one the organization chose for the person, else its default."""
    return supported(invitation.language) or supported(invitation.organization.default_language) or DEFAULT_LANGUAGE


def find_invitation(token: str) -> Invitation | None:
    """The pending, unexpired invitation for `token`, or None."""
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < utcnow():
        return None
    return invitation


def accept_invitation(invitation: Invitation, *, name: str, password: str) -> User:
    """Create the account, join the cohort, and spend the invitation."""
    from lms.auth.services import create_user

    if invitation.accepted_at is not None or invitation.expires_at < utcnow():
        raise NotEligible(_("This invitation has already been used or has expired."))
    user = create_user(email=invitation.email, name=name, password=password, role=Role(invitation.role),
                       organization=invitation.organization)
    if invitation.cohort_id is not None:
        table = cohort_supervisors if invitation.role == Role.SUPERVISOR else cohort_trainees
        if invitation.role in {Role.SUPERVISOR, Role.TRAINEE}:
            db.session.execute(sa.insert(table).values(cohort_id=invitation.cohort_id, user_id=user.id))
    user.language = supported(invitation.language)
    invitation.accepted_at = utcnow()
    audit.record("invitation.accepted", actor=user, subject=invitation, target_user=user)
    return user


def revoke_invitation(invitation: Invitation, *, actor: User | None = None) -> None:
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation was already accepted."))
    audit.record("invitation.revoked", actor=actor, subject=invitation, email=invitation.email)
    db.session.delete(invitation)


def pending_invitations(organization_id: int) -> list[Invitation]:
    query = (
        sa.select(Invitation)
        .where(Invitation.organization_id == organization_id, Invitation.accepted_at.is_(None))
        .options(so.selectinload(Invitation.cohort))
        .order_by(Invitation.created_at.desc())
    )
    return list(db.session.scalars(query))
