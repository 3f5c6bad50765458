"""An organization's identity provider: saving, removing and finding it. The caller commits."""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from lms import audit, secret_box
from lms.errors import InvalidInput
from lms.extensions import db
from lms.models import IdentityProvider, Organization, User
from lms.sso import oidc

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
RESERVED_SLUGS = frozenset({"callback", "settings", "signed-out", "start", "login", "logout"})
MAX_DOMAINS = 50


@dataclass
class ProviderSettings:
    """What the settings form says; `client_secret` empty keeps the saved secret."""

    name: str
    slug: str
    discovery_url: str
    client_id: str
    client_secret: str
    allowed_domains: str
    local_passwords_allowed: bool
    join_as_trainee: bool


def provider_for(organization_id: int) -> IdentityProvider | None:
    return db.session.scalar(sa.select(IdentityProvider).where(IdentityProvider.organization_id == organization_id))


def provider_by_slug(slug: str) -> IdentityProvider | None:
    return db.session.scalar(sa.select(IdentityProvider).where(IdentityProvider.slug == slug.lower()))


def providers_for_login() -> list[IdentityProvider]:
    """Every configured provider, for the login page's buttons."""
    return list(db.session.scalars(sa.select(IdentityProvider).order_by(IdentityProvider.name)))


def organizations_with_providers(organization_ids) -> list[tuple[Organization, IdentityProvider | None]]:
    """Organizations (those of `organization_ids`, or all for None) with their provider, by name."""
    query = (sa.select(Organization, IdentityProvider)
             .outerjoin(IdentityProvider, IdentityProvider.organization_id == Organization.id)
             .order_by(Organization.name))
    if organization_ids is not None:
        query = query.where(Organization.id.in_(organization_ids))
    return [(organization, provider) for organization, provider in db.session.execute(query)]


def parse_domains(text: str) -> list[str]:
    """E-mail domains, one or more, separated by spaces, commas or lines; `@` and case ignored."""
    domains: list[str] = []
    for word in re.split(r"[\s,;]+", (text or "").strip().lower()):
        word = word.removeprefix("@")
        if not word:
            continue
        if not DOMAIN.match(word):
            raise InvalidInput(_("“%(domain)s” is not an e-mail domain. Write domains like example.org, "
                                 "separated by spaces or commas.", domain=word[:80]), field="allowed_domains")
        if word not in domains:
            domains.append(word)
    if not domains:
        raise InvalidInput(_("Name at least one e-mail domain your people's addresses end with."),
                           field="allowed_domains")
    if len(domains) > MAX_DOMAINS:
        raise InvalidInput(_("At most %(count)s domains.", count=MAX_DOMAINS), field="allowed_domains")
    return domains


def _check(settings: ProviderSettings, provider: IdentityProvider | None, *, require_https: bool) -> list[str]:
    name = " ".join(settings.name.split())
    if not name:
        raise InvalidInput(_("Give the provider the name people know it by (it reads “Sign in with …”)."),
                           field="name")
    slug = settings.slug.strip().lower()
    if not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise InvalidInput(_("Use 1 to 60 lower-case letters, digits and hyphens (not “%(slug)s”).",
                             slug=slug[:60] or "-"), field="slug")
    other = provider_by_slug(slug)
    if other is not None and (provider is None or other.id != provider.id):
        raise InvalidInput(_("Another organization already signs in at this address. Choose another."),
                           field="slug")
    url = settings.discovery_url.strip()
    if not oidc.is_http_url(url):
        raise InvalidInput(_("Enter the provider's address, starting with https://."), field="discovery_url")
    if require_https and not url.lower().startswith("https://"):
        raise InvalidInput(_("The provider's address must start with https://."), field="discovery_url")
    if not settings.client_id.strip():
        raise InvalidInput(_("Enter the client ID the provider gave this application."), field="client_id")
    if provider is None and not settings.client_secret:
        raise InvalidInput(_("Enter the client secret the provider gave this application."),
                           field="client_secret")
    return parse_domains(settings.allowed_domains)


def _refuse_private(addresses: list[str]) -> None:
    for address in addresses:
        if not oidc.is_public(address):
            raise InvalidInput(_("%(url)s is not on the public internet. (A provider inside your own network needs "
                                 "the server's SSO_ALLOW_PRIVATE_PROVIDERS setting.)", url=address[:200]),
                               field="discovery_url")


def save_provider(organization: Organization, settings: ProviderSettings, *, actor: User, timeout: float,
                  require_https: bool, public_only: bool = False) -> IdentityProvider:
    """Create or update the organization's provider. Its discovery document is fetched now: a provider that
    cannot be reached, or is no OpenID provider, is refused with the reason next to the address. With
    `public_only` (production), the provider and its endpoints must be on public addresses."""
    provider = provider_for(organization.id)
    domains = _check(settings, provider, require_https=require_https)
    if public_only:
        _refuse_private([settings.discovery_url.strip()])
    metadata = oidc.check_discovery(settings.discovery_url, timeout=timeout)
    if public_only:
        _refuse_private([metadata[name] for name in oidc.REQUIRED_METADATA if name != "issuer"])
    created = provider is None
    if created:
        provider = IdentityProvider(organization_id=organization.id)
        db.session.add(provider)
    provider.name = " ".join(settings.name.split())
    provider.slug = settings.slug.strip().lower()
    provider.discovery_url = oidc.discovery_url_for(settings.discovery_url)
    provider.issuer = metadata["issuer"]
    provider.client_id = settings.client_id.strip()
    if settings.client_secret:
        provider.client_secret_encrypted = secret_box.encrypt(settings.client_secret)
    provider.allowed_domains = " ".join(domains)
    provider.local_passwords_allowed = settings.local_passwords_allowed
    provider.join_as_trainee = settings.join_as_trainee
    db.session.flush()
    audit.record("sso.provider_created" if created else "sso.provider_updated", actor=actor, subject=provider,
                 organization=organization.name, issuer=provider.issuer, domains=provider.allowed_domains,
                 local_passwords_allowed=provider.local_passwords_allowed, join_as_trainee=provider.join_as_trainee,
                 secret_replaced=bool(settings.client_secret) or None)
    return provider


def remove_provider(provider: IdentityProvider, *, actor: User) -> None:
    """Stop signing in through the provider. People keep their accounts and their links (by issuer and
    subject): configured again, the same provider signs the same people in."""
    audit.record("sso.provider_removed", actor=actor, subject=provider, organization=provider.organization.name,
                 issuer=provider.issuer)
    db.session.delete(provider)
    db.session.flush()


def suggested_slug(name: str) -> str:
    """A sign-in address from an organization's name: "Riverside Health" -> "riverside-health"."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return slug or "organization"
