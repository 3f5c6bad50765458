"""Accounts: registration, sign-in with lockout, passwords and reset links."""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from lms import audit
from lms.auth.sessions import end_all_sessions
from lms.errors import DomainError, InvalidInput
from lms.extensions import db
from lms.models import Organization, Role, User, utcnow

RESET_MAX_AGE_SECONDS = 3600
# Compared against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountLocked(DomainError):
    status_code = 429


class EmailTaken(DomainError):
    """The address already has an account (found first, or by the unique index in a race).
    Registration must not say so: the owner is mailed instead."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, werkzeug's current default


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def find_organization_by_invite_code(code: str) -> Organization | None:
    code = code.strip()
    if not code:
        return None
    return db.session.scalar(sa.select(Organization).where(Organization.invite_code == code))


def create_user(
    *,
    email: str,
    name: str,
    password: str | None,
    role: Role = Role.TRAINEE,
    organization: Organization | None = None,
    actor: User | None = None,
    password_hash: str | None = None,
) -> User:
    """A new account. `password_hash` is an already hashed password, for the demo's accounts that share one
    published password (hashing it once keeps `flask setup` quick: scrypt is slow on purpose)."""
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise EmailTaken(_("An account with this email address already exists."), field="email")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=password_hash or (hash_password(password) if password else None),
        role=str(role),
        organization_id=organization.id if organization is not None else None,
    )
    try:
        with db.session.begin_nested():  # the unique index decides when two requests register at once
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        raise EmailTaken(_("An account with this email address already exists."), field="email") from None
    # Only now: a user refused above must not linger in the organization's members.
    user.organization = organization
    audit.record("user.created", actor=actor, subject=user, target_user=user, role=str(role))
    return user


def register_trainee(*, email: str, name: str, password: str, invite_code: str, require_code: bool) -> User:
    organization = None
    if invite_code.strip():
        organization = find_organization_by_invite_code(invite_code)
        if organization is None:
            raise InvalidInput(_("This invitation code is not valid. Check it with your program."), field="invite_code")
    elif require_code:
        raise InvalidInput(_("Registration needs an invitation code from your organization."),
                           field="invite_code")
    return create_user(email=email, name=name, password=password, organization=organization)


def authenticate(email: str, password: str, *, max_failures: int, lock_minutes: int) -> User | None:
    """Return the user for correct credentials; count failures and lock after `max_failures`.

    Raises AccountLocked while a lock holds. The same message is used for an unknown email
    and a wrong password, so the form never reveals who has an account.
    """
    user = find_user_by_email(email)
    now = utcnow()
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(lock_message(lock_minutes))
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            audit.record("auth.locked", subject=user, target_user=user)
        return None
    if not user.is_active:
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record("auth.login", actor=user, subject=user, target_user=user)
    return user


def lock_message(minutes: int) -> str:
    return (
        f"Too many unsuccessful sign-in attempts. For your security, sign-in is paused for "
        f"{minutes} minutes. You can reset your password in the meantime."
    )


def change_password(user: User, current: str, new: str) -> None:
    if user.password_hash is None or not check_password_hash(user.password_hash, current):
        raise InvalidInput(_("Your current password is not correct."), field="current_password")
    set_password(user, new)
    audit.record("auth.password_changed", actor=user, subject=user, target_user=user)


def set_password(user: User, new: str) -> None:
    user.password_hash = hash_password(new)
    end_all_sessions(user)  # signs out every session and spends outstanding reset links
    user.failed_logins = 0
    user.locked_until = None


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="password-reset")


def make_reset_token(user: User, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"user": user.id, "v": user.session_version})


def user_for_reset_token(token: str, secret_key: str) -> User | None:
    try:
        data = _serializer(secret_key).loads(token, max_age=RESET_MAX_AGE_SECONDS)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("user"))
    if user is None or user.session_version != data.get("v") or not user.is_active:
        return None
    return user


def reset_password(user: User, new: str) -> None:
    set_password(user, new)
    audit.record("auth.password_reset", actor=user, subject=user, target_user=user)

