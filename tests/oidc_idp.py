"""A real OpenID provider for the single sign-on tests (npm `oidc-provider`, tests/node/oidc_provider.mjs),
started on 127.0.0.1 and a free port, and a `requests` browser that signs in at it.

Without node or the package installed (`npm install --prefix tests/node`), the tests are skipped with the
reason; in CI (CI=true) that fails instead.
"""

import html
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
import typing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

NODE_DIR = Path(__file__).parent / "node"
SCRIPT = NODE_DIR / "oidc_provider.mjs"
CLIENT_ID = "peercert"
CLIENT_SECRET = "idp-client-secret-1"  # noqa: S105 (the test provider's)
REDIRECT_URI = "http://localhost/sso/callback"  # LMS_BASE_URL of the tests' apps, + /sso/callback
POST_LOGOUT_URI = "http://localhost/auth/login"
PASSWORD = "idp-password"  # noqa: S105 (every test account's, at the provider)
DOMAIN = "riverside.example.org"

# username -> (subject, e-mail, verified, name)
ACCOUNTS = {
    "ana": ("sub-ana", f"ana@{DOMAIN}", True, "Ana Reyes"),
    "ben": ("sub-ben", f"Ben@{DOMAIN}", True, "Ben Okafor"),
    "una": ("sub-una", f"una@{DOMAIN}", False, "Una Verified-Not"),
    "outsider": ("sub-out", "someone@elsewhere.example.com", True, "Out Sider"),
    "oscar": ("sub-oscar", f"oscar@{DOMAIN}", True, "Oscar Other-Org"),
}


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen
    log: typing.IO


def _fail_or_skip(reason: str):
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI must run the single sign-on tests)")
    pytest.skip(reason)


def start_provider(redirect_uri: str = REDIRECT_URI, post_logout_uri: str = POST_LOGOUT_URI) -> Provider:
    node = shutil.which("node")
    if node is None:
        _fail_or_skip("the single sign-on tests need Node.js (apt-get install nodejs)")
    if not (NODE_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        _fail_or_skip("the single sign-on tests need oidc-provider: npm install --prefix tests/node")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "OIDC_CLIENTS": json.dumps([{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                     "redirect_uris": [redirect_uri],
                                     "post_logout_redirect_uris": [post_logout_uri]}]),
        "OIDC_ACCOUNTS": json.dumps([
            {"sub": sub, "username": username, "password": PASSWORD, "email": email, "email_verified": verified,
             "name": name} for username, (sub, email, verified, name) in ACCOUNTS.items()]),
    }
    log = tempfile.TemporaryFile(mode="w+")  # its warnings; a pipe nobody reads could fill and stall it
    process = subprocess.Popen([node, str(SCRIPT)], cwd=NODE_DIR, env=env, stdout=subprocess.PIPE, stderr=log,
                               text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            if line.startswith("ready "):
                return Provider(issuer=line.split()[1], process=process, log=log)
        if process.poll() is not None:
            break
    process.kill()
    process.wait(timeout=10)
    log.seek(0)
    output = log.read()
    log.close()
    pytest.fail("the test OpenID provider did not start: " + output)


def stop_provider(provider: Provider) -> None:
    provider.process.kill()
    provider.process.wait(timeout=10)
    provider.process.stdout.close()
    provider.log.close()


def sign_in_at_provider(authorization_url: str, issuer: str, username: str, password: str = PASSWORD,
                        browser: requests.Session | None = None) -> str | None:
    """Play the person's browser at the provider: follow its redirects, fill its login form. Returns our
    callback URL it sends the browser back to, or None when the provider keeps the person on its form."""
    browser = browser or requests.Session()
    response = browser.get(authorization_url, allow_redirects=True, timeout=10)
    assert response.status_code == 200, response.text[:500]
    action = re.search(r'action="([^"]+)"', response.text).group(1)
    response = browser.post(urljoin(issuer, action), data={"username": username, "password": password},
                            allow_redirects=False, timeout=10)
    for _hop in range(10):
        if response.status_code not in (302, 303):
            return None  # still at the provider: the login form again (a wrong password)
        location = urljoin(response.url, response.headers["Location"])
        if not location.startswith(issuer):
            return location
        response = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider redirected too many times")


def onward_url(page: str) -> str:
    """The provider's URL on our "continue to the provider" page (it moves on by itself)."""
    return html.unescape(re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', page).group(1))


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
