"""Server-side session records: a sign-in lasts until the person logs out, or their account changes.

Each sign-in gets a random secret. Flask-Login keeps `user id : session generation : secret` in the
session cookie and, with "keep me signed in", in the remember cookie; the database keeps only the
secret's SHA-256. Loading a user needs the record to exist and the generation to match, so:

- log-out deletes this browser's record: a copy of either cookie taken before opens nothing after;
- "log out of all devices", a password change, deactivation, erasure, a role or organization change
  end every session of the person (`end_all_sessions`).
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_login import login_user, logout_user

from lms.extensions import db
from lms.models import User, UserSession, utcnow


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _max_age() -> timedelta:
    duration = current_app.config.get("REMEMBER_COOKIE_DURATION", timedelta(days=365))
    return duration if isinstance(duration, timedelta) else timedelta(seconds=int(duration))


def start_session(user: User) -> None:
    """A new session record for `user`, whose secret `user.get_id()` now carries. The caller commits."""
    cutoff = utcnow() - _max_age()
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id, UserSession.created_at < cutoff))
    user.session_secret = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, secret_hash=_digest(user.session_secret)))
    db.session.flush()


def end_session(user: User) -> None:
    """End the session `user` was loaded for (this browser only). The caller commits."""
    if user.session_secret:
        db.session.execute(sa.delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.secret_hash == _digest(user.session_secret)))
        user.session_secret = None


def end_all_sessions(user: User) -> None:
    """End every session of `user`, on every device; outstanding reset links are spent too."""
    user.session_version += 1
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))


def load_user(session_id: str) -> User | None:
    """Flask-Login's user loader, for the session cookie and the remember cookie alike."""
    try:
        user_id, version, secret = session_id.split(":", 2)
        user_id, version = int(user_id), int(version)
    except ValueError:
        return None
    if not secret:
        return None
    user = db.session.scalar(
        sa.select(User).join(UserSession, UserSession.user_id == User.id).where(
            User.id == user_id, UserSession.secret_hash == _digest(secret),
            UserSession.created_at >= utcnow() - _max_age())
        # The organization comes in the same statement: its default language may pick the page's.
        .options(so.joinedload(User.organization)))
    if user is None or user.session_version != version or not user.is_active:
        return None
    user.session_secret = secret
    return user


def log_in(user: User, *, remember: bool = False) -> None:
    """Sign `user` in on this browser with a new session record. The caller commits."""
    start_session(user)
    login_user(user, remember=remember)


def log_out(user: User) -> None:
    """End this browser's session, server-side and in its cookies. The caller commits."""
    end_session(user)
    logout_user()
