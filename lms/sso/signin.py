"""Signing a person in through their organization's identity provider.

1. `begin`: fresh state, nonce and PKCE verifier, kept in the person's session (at most a few pending, for
   ten minutes), and the provider's authorization URL.
2. `take_pending`: the callback's state must match one pending request, which is removed at once: a second
   use of the same callback (a replay, the back button) finds nothing and is refused.
3. `verify`: the code exchanged (client secret and PKCE verifier), the ID token checked (signature, issuer,
   audience, expiry, nonce), then the userinfo claims (the ID token carries no e-mail by default).
4. `person_for`: by the link (issuer, subject) once there is one; the first time, by a verified e-mail
   address in an allowed domain, linking an account of this organization (or of none), or creating a
   trainee of the organization when its administrator allows it.

Refusals raise `SignInRefused` with a `reason` the view writes to the audit log. The caller commits.
"""

import time
from collections.abc import MutableMapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit, secret_box
from lms.auth.services import create_user, find_user_by_email, normalize_email
from lms.errors import DomainError
from lms.extensions import db
from lms.models import ExternalIdentity, IdentityProvider, Role, User, utcnow
from lms.sso import oidc

PENDING_KEY = "sso_pending"
SIGNED_IN_KEY = "sso_signed_in"  # the provider and ID token of this session's sign-in, for RP-initiated logout
LOGOUT_OFFER_KEY = "sso_logout_offer"  # after our log-out: the provider's end-session URL to offer
PENDING_SECONDS = 600
MAX_PENDING = 5
MAX_HINT_LENGTH = 1800  # characters of ID token kept in the session cookie (browsers take about 4 KB)


class SignInRefused(DomainError):
    status_code = 403

    def __init__(self, message: str, *, reason: str, status: int = 403, **details):
        super().__init__(message)
        self.reason = reason
        self.status_code = status
        self.details = details


@dataclass
class Verified:
    subject: str
    claims: dict  # the ID token's
    userinfo: dict
    id_token: str


def client_secret(provider: IdentityProvider) -> str:
    try:
        return secret_box.decrypt(provider.client_secret_encrypted)
    except secret_box.SecretUnreadable:
        raise SignInRefused(_("Sign-in with %(name)s is not working: its settings need the client secret again. "
                              "Tell your organization's administrator.", name=provider.name),
                            reason="secret_unreadable", status=409) from None


def begin(provider: IdentityProvider, session: MutableMapping, *, redirect_uri: str, next_url: str,
          timeout: float) -> str:
    """Remember a new authorization request in `session` and return the provider's URL to send the person to."""
    metadata = oidc.fetch_metadata(provider.discovery_url, timeout=timeout)
    values = oidc.new_request_values()
    now = time.time()
    pending = {state: entry for state, entry in (session.get(PENDING_KEY) or {}).items()
               if isinstance(entry, dict) and entry.get("at", 0) > now - PENDING_SECONDS}
    while len(pending) >= MAX_PENDING:
        pending.pop(min(pending, key=lambda state: pending[state]["at"]))
    pending[values["state"]] = {"provider": provider.id, "nonce": values["nonce"],
                                "verifier": values["code_verifier"], "next": next_url, "at": now}
    session[PENDING_KEY] = pending
    return oidc.authorization_url(metadata, client_id=provider.client_id, redirect_uri=redirect_uri,
                                  state=values["state"], nonce=values["nonce"], code_verifier=values["code_verifier"])


def take_pending(session: MutableMapping, state: str | None) -> dict:
    """The pending request `state` names, removed from the session; refused when there is none."""
    pending = dict(session.get(PENDING_KEY) or {})
    entry = pending.pop(state, None) if state else None
    session[PENDING_KEY] = pending
    if not isinstance(entry, dict) or entry.get("at", 0) < time.time() - PENDING_SECONDS:
        raise SignInRefused(_("This sign-in link has already been used or has expired. Start again from the "
                              "login page."), reason="unknown_state", status=400)
    return entry


def verify(provider: IdentityProvider, pending: dict, *, code: str, redirect_uri: str, timeout: float) -> Verified:
    metadata = oidc.fetch_metadata(provider.discovery_url, timeout=timeout)
    if metadata["issuer"] != provider.issuer:
        raise oidc.ProviderRefused(_("The identity provider now names another issuer: its settings must be "
                                     "saved again."))
    token = oidc.exchange_code(metadata, client_id=provider.client_id, client_secret=client_secret(provider),
                               redirect_uri=redirect_uri, code=code, code_verifier=pending["verifier"],
                               timeout=timeout)
    claims = oidc.validate_id_token(metadata, token, client_id=provider.client_id, nonce=pending["nonce"],
                                    timeout=timeout)
    userinfo = oidc.fetch_userinfo(metadata, token, timeout=timeout)
    if userinfo.get("sub") != claims["sub"]:
        raise oidc.ProviderRefused(_("The identity provider described someone else than the person who signed in."))
    return Verified(subject=claims["sub"], claims=claims, userinfo=userinfo, id_token=token["id_token"])


def _claim(verified: Verified, name: str):
    """A claim from userinfo, else from the ID token (OpenID Connect allows either place)."""
    return verified.userinfo[name] if name in verified.userinfo else verified.claims.get(name)


def _email_of(provider: IdentityProvider, verified: Verified) -> str:
    email = _claim(verified, "email")
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused(_("%(name)s did not tell us your e-mail address, so we cannot sign you in. Ask your "
                              "organization's administrator to release the e-mail claim to this application.",
                              name=provider.name), reason="no_email")
    email = normalize_email(email)
    domain = email.rsplit("@", 1)[1]
    if domain not in provider.domains:
        raise SignInRefused(_("Addresses at %(domain)s cannot sign in through %(name)s here. Use the account your "
                              "organization gave you, or ask its administrator.", domain=domain, name=provider.name),
                            reason="domain_not_allowed", domain=domain)
    return email


def _is_true(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _is_verified(verified: Verified) -> bool:
    """`email_verified`; Entra ID sends none, and says the same with its optional claim `xms_edov` (the
    address's domain is verified as the tenant's own)."""
    return _is_true(_claim(verified, "email_verified")) or _is_true(_claim(verified, "xms_edov"))


def _link(user: User, provider: IdentityProvider, subject: str) -> ExternalIdentity:
    identity = ExternalIdentity(user_id=user.id, issuer=provider.issuer, subject=subject)
    try:
        with db.session.begin_nested():  # two callbacks at once: the unique link decides
            db.session.add(identity)
            db.session.flush()
    except IntegrityError:
        raise SignInRefused(_("This sign-in was completed in another window. Start again from the login page."),
                            reason="link_race", status=409) from None
    return identity


def _refuse_other_organization(user: User, provider: IdentityProvider) -> None:
    raise SignInRefused(_("Your account here belongs to another organization, so it cannot sign in through "
                          "%(name)s. Log in as you usually do, or ask an administrator.", name=provider.name),
                        reason="other_organization", user_id=user.id)


def _refuse_inactive(user: User) -> None:
    raise SignInRefused(_("This account is closed. Ask your organization's administrator."),
                        reason="inactive", user_id=user.id)


def person_for(provider: IdentityProvider, verified: Verified) -> tuple[User, str]:
    """The account `verified` signs in, and how it was found: "linked" (by issuer and subject), "matched" (the
    first time, by verified e-mail) or "joined" (a new trainee of the organization)."""
    email = _email_of(provider, verified)
    identity = db.session.scalar(sa.select(ExternalIdentity).where(
        ExternalIdentity.issuer == provider.issuer, ExternalIdentity.subject == verified.subject))
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        if not user.is_active:
            _refuse_inactive(user)
        if user.organization_id != provider.organization_id:
            _refuse_other_organization(user, provider)
        identity.last_login_at = utcnow()
        return user, "linked"
    if not _is_verified(verified):
        raise SignInRefused(_("%(name)s has not verified your e-mail address %(email)s, so we cannot match it to "
                              "an account. Verify it with %(name)s, or ask your organization's administrator.",
                              name=provider.name, email=email), reason="email_not_verified")
    user = find_user_by_email(email)
    how = "matched"
    if user is not None:
        if not user.is_active:
            _refuse_inactive(user)
        if user.organization_id not in (None, provider.organization_id):
            _refuse_other_organization(user, provider)
        if user.organization_id is None and user.role == Role.TRAINEE:
            user.organization = provider.organization  # the organization's provider vouches for them
    elif provider.join_as_trainee:
        name = _claim(verified, "name")
        name = name.strip()[:120] if isinstance(name, str) and name.strip() else email.split("@")[0]
        user = create_user(email=email, name=name, password=None, role=Role.TRAINEE,
                           organization=provider.organization)
        how = "joined"
    else:
        raise SignInRefused(_("There is no account for %(email)s yet, and %(organization)s adds people by "
                              "invitation. Ask its administrator for one.", email=email,
                              organization=provider.organization.name), reason="no_account")
    identity = _link(user, provider, verified.subject)
    identity.last_login_at = utcnow()
    audit.record("sso.linked", actor=user, subject=identity, target_user=user, issuer=provider.issuer, how=how)
    return user, how


def signed_in(user: User, provider: IdentityProvider, verified: Verified, session: MutableMapping, how: str) -> None:
    """Record the sign-in; keep what RP-initiated logout needs in the session."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    audit.record("auth.login", actor=user, subject=user, target_user=user, method="sso", provider=provider.slug,
                 how=how)
    session.pop(LOGOUT_OFFER_KEY, None)
    # The ID token is the logout hint some providers require; a very large one would overflow the cookie.
    hint = verified.id_token if len(verified.id_token) <= MAX_HINT_LENGTH else None
    session[SIGNED_IN_KEY] = {"provider": provider.id, "id_token": hint}


def provider_requiring_sign_in(user: User) -> IdentityProvider | None:
    """The provider `user` must sign in through, when their organization has turned local passwords off.
    Organization administrators keep their password (a way in when the provider is down or misconfigured),
    as do administrators."""
    if user.organization_id is None or user.role in (Role.ORG_ADMIN, Role.ADMIN):
        return None
    provider = db.session.scalar(sa.select(IdentityProvider).where(
        IdentityProvider.organization_id == user.organization_id))
    return provider if provider is not None and not provider.local_passwords_allowed else None


def logout_offer(session: MutableMapping, *, post_logout_redirect_uri: str, timeout: float) -> dict | None:
    """What "also sign out of <provider>" needs, when this session signed in through a provider whose
    discovery document offers RP-initiated logout; None otherwise, or when the provider cannot be reached
    (our own log-out never waits on it for long, nor fails because of it)."""
    signed = session.pop(SIGNED_IN_KEY, None)
    if not isinstance(signed, dict):
        return None
    provider = db.session.get(IdentityProvider, signed.get("provider"))
    if provider is None:
        return None
    try:
        metadata = oidc.fetch_metadata(provider.discovery_url, timeout=timeout)
    except DomainError:
        return None
    url = oidc.end_session_url(metadata, client_id=provider.client_id, id_token=signed.get("id_token"),
                               post_logout_redirect_uri=post_logout_redirect_uri)
    return {"name": provider.name, "url": url} if url else None
