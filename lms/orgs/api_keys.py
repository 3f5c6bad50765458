"""Organizations' API keys: created once (shown once), stored as a SHA-256 hash, revocable."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from lms import audit
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.extensions import db
from lms.models import ApiKey, Organization, Role, User, utcnow

KEY_PREFIX = "pck_"  # PeerCert key: recognizable in logs and by secret scanners
DISPLAY_PREFIX_LENGTH = 12
LAST_USED_RESOLUTION = timedelta(minutes=1)
NAME_MAX_LENGTH = 120


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_api_key(organization: Organization, name: str, *, actor: User | None = None) -> tuple[ApiKey, str]:
    """A new key for `organization`; returns the row and the plaintext, which is never stored."""
    name = " ".join((name or "").replace("\x00", "").split())
    if not name:
        raise InvalidInput(_("Name the key after what uses it (for example, the HR system)."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(_("The name can have at most %(count)s characters.", count=NAME_MAX_LENGTH), field="name")
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        organization_id=organization.id,
        name=name,
        prefix=plaintext[:DISPLAY_PREFIX_LENGTH],
        key_hash=hash_key(plaintext),
        created_by_id=actor.id if actor is not None and actor.is_authenticated else None,
    )
    db.session.add(key)
    db.session.flush()
    audit.record("api_key.created", actor=actor, subject=key, organization=organization.name, name=name)
    return key, plaintext


def find_active_key(plaintext: str) -> ApiKey | None:
    """The unrevoked key for a presented secret, or None."""
    if not plaintext or len(plaintext) > 200:
        return None
    return db.session.scalar(
        sa.select(ApiKey).where(ApiKey.key_hash == hash_key(plaintext), ApiKey.revoked_at.is_(None))
    )


def touch_key(key: ApiKey) -> None:
    """Remember when a key was last used (at most once a minute, to keep requests cheap)."""
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now


def can_manage_keys(user: User, organization_id: int) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.ORG_ADMIN and user.organization_id == organization_id


def keys_for(user: User) -> list[ApiKey]:
    """The keys `user` manages: their organization's, or every organization's for administrators."""
    statement = (
        sa.select(ApiKey)
        .options(so.selectinload(ApiKey.organization))
        .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    if user.role != Role.ADMIN:
        statement = statement.where(ApiKey.organization_id == user.organization_id)
    return list(db.session.scalars(statement))


def revoke_api_key(key: ApiKey, *, actor: User | None = None) -> ApiKey:
    if actor is not None and actor.is_authenticated and not can_manage_keys(actor, key.organization_id):
        raise NotAllowed(_("You can only revoke your own organization's keys."))
    if key.revoked_at is not None:
        raise Conflict(_("This key is already revoked."))
    key.revoked_at = utcnow()
    db.session.flush()
    audit.record("api_key.revoked", actor=actor, subject=key, organization=key.organization.name, name=key.name)
    return key


def organizations_for_keys(user: User) -> list[Organization]:
    """The organizations `user` may create keys for: their own, or every one for administrators."""
    if user.role == Role.ADMIN:
        return list(db.session.scalars(sa.select(Organization).order_by(Organization.name)))
    return [user.organization] if user.organization is not None else []


def organization_for_new_key(user: User, organization_id: int | None) -> Organization:
    """The organization a new key of `user`'s is for: the one chosen (administrators), else their own."""
    if user.role == Role.ADMIN:
        organization = db.session.get(Organization, organization_id) if organization_id else None
        if organization is None:
            raise InvalidInput(_("Create an organization first.") if not organizations_for_keys(user)
                               else _("Choose an organization."), field="organization")
        return organization
    if user.organization is None:
        raise NotAllowed(_("Your account is not part of an organization, so it cannot hold API keys."))
    if not can_manage_keys(user, user.organization.id):
        raise NotAllowed(_("Only an administrator of the organization can create its API keys."))
    return user.organization
