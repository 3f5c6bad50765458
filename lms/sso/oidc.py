"""The OpenID Connect relying party: discovery, the authorization request with PKCE, the code exchange,
ID token validation and userinfo, on authlib (`OAuth2Session` for the requests, `CodeIDToken` for the ID
token's claims) and joserfc (the signature). No Flask and no database here: values in, values out.

Network failures become `ProviderUnreachable`; anything the provider answers that we cannot accept becomes
`ProviderRefused`, both with a message for the person signing in.
"""

import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from lms.errors import DomainError

DISCOVERY_PATH = "/.well-known/openid-configuration"
SCOPES = "openid email profile"
REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
CLIENT_AUTH_METHOD = "client_secret_basic"  # the method's name, not a secret  # noqa: S105
CACHE_SECONDS = 300
CLOCK_LEEWAY_SECONDS = 60


class ProviderUnreachable(DomainError):
    """The identity provider did not answer (or not in time)."""

    status_code = 502


class ProviderRefused(DomainError):
    """The identity provider answered with an error, or with something we must not accept."""

    status_code = 400


class BadDiscovery(DomainError):
    """The discovery address does not lead to a usable OpenID Connect configuration (settings form)."""

    status_code = 400


def discovery_url_for(address: str) -> str:
    """The discovery document's address for an issuer or for the document itself."""
    address = address.strip()
    if address.endswith(DISCOVERY_PATH):
        return address
    return address.rstrip("/") + DISCOVERY_PATH


def is_http_url(address: str) -> bool:
    try:
        parts = urlsplit(address.strip())
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and not parts.username


def is_public(address: str) -> bool:
    """Whether every address the URL's host resolves to is a public one (not loopback, private, link-local
    or reserved): in production an organization's administrator must not make this server call its own
    network (cloud metadata, internal services) through a discovery document."""
    host = urlsplit(address).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if not ip.is_global or ip.is_multicast:
            return False
    return bool(infos)


_cache: dict[str, tuple[float, dict]] = {}
_cache_lock = threading.Lock()


def _cached(key: str) -> dict | None:
    with _cache_lock:
        entry = _cache.get(key)
    if entry is not None and entry[0] > time.monotonic():
        return entry[1]
    return None


def _remember(key: str, value: dict) -> None:
    with _cache_lock:
        if len(_cache) > 500:  # a few per organization: never grows without bound
            _cache.clear()
        _cache[key] = (time.monotonic() + CACHE_SECONDS, value)


def _fetch_json(url: str, timeout: float) -> dict:
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
    except requests.RequestException:
        raise ProviderUnreachable(_("The identity provider at %(url)s did not answer.", url=url)) from None
    if response.status_code != 200:
        raise ProviderRefused(_("The identity provider answered %(status)s for %(url)s.",
                                status=response.status_code, url=url))
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ProviderRefused(_("The identity provider's answer at %(url)s is not JSON.", url=url))
    return data


def fetch_metadata(address: str, *, timeout: float, fresh: bool = False) -> dict:
    """The provider's discovery document, checked to hold what the code flow needs (cached 5 minutes)."""
    url = discovery_url_for(address)
    if not fresh and (cached := _cached(url)) is not None:
        return cached
    metadata = _fetch_json(url, timeout)
    missing = [name for name in REQUIRED_METADATA if not isinstance(metadata.get(name), str)]
    if missing:
        raise ProviderRefused(_("The discovery document at %(url)s lacks %(names)s: is it an OpenID Connect "
                                "provider?", url=url, names=", ".join(missing)))
    if discovery_url_for(metadata["issuer"]) != url:
        raise ProviderRefused(_("The discovery document at %(url)s names another issuer (%(issuer)s).",
                                url=url, issuer=metadata["issuer"]))
    methods = metadata.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise ProviderRefused(_("The identity provider does not support PKCE with S256."))
    _remember(url, metadata)
    return metadata


def check_discovery(address: str, *, timeout: float) -> dict:
    """The settings form's check: the document fetched now, with errors worded for that form."""
    try:
        return fetch_metadata(address, timeout=timeout, fresh=True)
    except ProviderUnreachable:
        raise BadDiscovery(_("We could not reach %(url)s within %(seconds)s seconds. Check the address, and that "
                             "the provider can be reached from this server.", url=discovery_url_for(address),
                             seconds=timeout), field="discovery_url") from None
    except ProviderRefused as refused:
        raise BadDiscovery(refused.message, field="discovery_url") from None


def _client(client_id: str, client_secret: str, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(client_id, client_secret, scope=SCOPES, redirect_uri=redirect_uri,
                         code_challenge_method="S256", token_endpoint_auth_method=CLIENT_AUTH_METHOD)


def new_request_values() -> dict:
    """Fresh state, nonce and PKCE code verifier for one authorization request."""
    return {"state": generate_token(32), "nonce": generate_token(32), "code_verifier": generate_token(64)}


def authorization_url(metadata: dict, *, client_id: str, redirect_uri: str, state: str, nonce: str,
                      code_verifier: str) -> str:
    with _client(client_id, "", redirect_uri) as client:
        url, _state = client.create_authorization_url(metadata["authorization_endpoint"], state=state,
                                                      code_verifier=code_verifier, nonce=nonce)
    return url


def exchange_code(metadata: dict, *, client_id: str, client_secret: str, redirect_uri: str, code: str,
                  code_verifier: str, timeout: float) -> dict:
    """The token response for an authorization code (client_secret_basic, with the PKCE verifier)."""
    with _client(client_id, client_secret, redirect_uri) as client:
        try:
            token = client.fetch_token(metadata["token_endpoint"], grant_type="authorization_code", code=code,
                                       code_verifier=code_verifier, timeout=timeout)
        except OAuthError as error:
            raise ProviderRefused(_("The identity provider refused to complete the sign-in (%(error)s).",
                                    error=error.error or "error")) from None
        except requests.RequestException:
            raise ProviderUnreachable(_("The identity provider did not answer.")) from None
        except ValueError:  # a body that is not a token response
            raise ProviderRefused(_("The identity provider's token response could not be read.")) from None
    if not token.get("id_token") or not token.get("access_token"):
        raise ProviderRefused(_("The identity provider's token response has no ID token."))
    return dict(token)


def _key_set(metadata: dict, *, timeout: float, fresh: bool) -> KeySet:
    url = metadata["jwks_uri"]
    keys = None if fresh else _cached(url)
    if keys is None:
        keys = _fetch_json(url, timeout)
        _remember(url, keys)
    try:
        return KeySet.import_key_set(keys)
    except (JoseError, ValueError, TypeError, KeyError):
        raise ProviderRefused(_("The identity provider's key set could not be read.")) from None


def validate_id_token(metadata: dict, token: dict, *, client_id: str, nonce: str, timeout: float) -> dict:
    """The ID token's claims, once its signature (the provider's published keys), issuer, audience, expiry,
    nonce and access-token hash are checked."""
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [name for name in algorithms if name != "none"]
    decoded = None
    for fresh in (False, True):  # a key not in our cached copy: the provider rotated, fetch again once
        try:
            decoded = jwt.decode(token["id_token"], _key_set(metadata, timeout=timeout, fresh=fresh),
                                 registry=JWSRegistry(algorithms=algorithms, strict_check_header=False))
            break
        except JoseError:
            continue
        except (ValueError, TypeError):
            break
    if decoded is None:
        raise ProviderRefused(_("The ID token's signature could not be verified."))
    options = {"iss": {"essential": True, "value": metadata["issuer"]},
               "aud": {"essential": True, "value": client_id}}
    claims = CodeIDToken(decoded.claims, decoded.header, options,
                         {"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]})
    try:
        claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
    except JoseError as error:
        raise ProviderRefused(_("The ID token was refused (%(reason)s).",
                                reason=getattr(error, "description", None) or type(error).__name__)) from None
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise ProviderRefused(_("The ID token names no subject."))
    return dict(claims)


def fetch_userinfo(metadata: dict, token: dict, *, timeout: float) -> dict:
    """The userinfo endpoint's claims (e-mail, e-mail verified, name), with the access token."""
    try:
        response = requests.get(metadata["userinfo_endpoint"], timeout=timeout,
                                headers={"Authorization": f"Bearer {token['access_token']}",
                                         "Accept": "application/json"})
    except requests.RequestException:
        raise ProviderUnreachable(_("The identity provider did not answer.")) from None
    if response.status_code != 200:
        raise ProviderRefused(_("The identity provider refused to tell us who you are (%(status)s).",
                                status=response.status_code))
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ProviderRefused(_("The identity provider's userinfo answer could not be read."))
    return data


def end_session_url(metadata: dict, *, client_id: str, id_token: str | None,
                    post_logout_redirect_uri: str) -> str | None:
    """RP-initiated logout at the provider, when its discovery document offers it."""
    endpoint = metadata.get("end_session_endpoint")
    if not isinstance(endpoint, str) or not is_http_url(endpoint):
        return None
    params = {"client_id": client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
    if id_token:
        params["id_token_hint"] = id_token
    return add_params_to_uri(endpoint, params)
