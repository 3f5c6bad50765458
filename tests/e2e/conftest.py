"""A real server on 127.0.0.1 and Debian's headless chromium, with axe-core on every page.

Without chromium the browser tests skip with a message saying how to install it; in CI
(CI=true or LMS_REQUIRE_BROWSER=1) they fail instead, so a missing browser is never green.
"""

import hashlib
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lms import create_app
from lms.content.loader import load_courses
from lms.extensions import db
from lms.learning.sync import sync_courses
from tests.conftest import ROOT, make_config, own_database_url

BROWSER_REQUIRED = os.environ.get("CI", "").lower() == "true" or os.environ.get("LMS_REQUIRE_BROWSER") == "1"
INSTALL_HINT = "browser tests need Debian's chromium: sudo apt-get install chromium (then run make test again)"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        if BROWSER_REQUIRED:
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    return {
        **browser_type_launch_args,
        "executable_path": chromium,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("e2e")
    config = make_config(tmp_dir, SQLALCHEMY_DATABASE_URI=own_database_url(tmp_dir, "e2e"), LMS_BASE_URL="")
    config.pop("SQLALCHEMY_ENGINE_OPTIONS", None)
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        result = load_courses(ROOT / "courses")
        if result.errors:
            pytest.fail("the shipped courses fail `courses check`:\n" + "\n".join(str(e) for e in result.errors))
        sync_courses(result.courses)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


class HtmlRecorder:
    """WSGI middleware keeping every HTML page the server sends, as sent, for the Nu HTML checker."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.pages: dict[str, tuple[str, bytes]] = {}  # digest -> (path, body)
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        captured = {}

        def recording_start_response(status, headers, exc_info=None):
            captured["html"] = any(k.lower() == "content-type" and v.startswith("text/html") for k, v in headers)
            return start_response(status, headers, exc_info)

        response = self.wsgi_app(environ, recording_start_response)
        if not captured.get("html"):
            return response
        try:
            body = b"".join(response)
        finally:
            getattr(response, "close", lambda: None)()
        with self.lock:
            self.pages.setdefault(hashlib.sha256(body).hexdigest(), (environ.get("PATH_INFO", "/"), body))
        return [body]


def vnu_jar() -> Path | None:
    """The Nu HTML checker installed from npm by .ci/run (tests/node), or VNU_JAR."""
    candidates = [os.environ.get("VNU_JAR", ""), ROOT / "tests/node/node_modules/vnu-jar/build/dist/vnu.jar"]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def nu_errors(pages: dict[str, tuple[str, bytes]], folder: Path) -> list[str]:
    """Run the Nu checker once over every recorded page; return its errors as 'path: line: message'."""
    files = {}
    for index, (path, body) in enumerate(pages.values()):
        file = folder / f"page-{index:04d}.html"
        file.write_bytes(body)
        files[file.name] = path
    result = subprocess.run(
        ["java", "-Xss16m", "-jar", str(vnu_jar()), "--errors-only", "--format", "json",
         *[str(folder / name) for name in files]],
        capture_output=True, text=True, timeout=300, check=False,
    )
    messages = json.loads(result.stderr or "{}").get("messages", [])
    return [f"{files.get(str(m.get('url', '')).rsplit('/', 1)[-1], m.get('url'))}: line {m.get('lastLine')}: "
            f"{m.get('message')}" for m in messages if m.get("type") == "error"]


@pytest.fixture(scope="session")
def html_recorder(live_app, tmp_path_factory):
    """Every page the browser tests are served is checked by the Nu HTML checker at the end of the session."""
    recorder = HtmlRecorder(live_app.wsgi_app)
    yield recorder
    if not recorder.pages:
        return
    if not (vnu_jar() and shutil.which("java")):
        if BROWSER_REQUIRED:
            pytest.fail("the Nu HTML checker is missing: npm install --prefix tests/node (see .ci/run), and java")
        return
    errors = nu_errors(recorder.pages, tmp_path_factory.mktemp("nu"))
    if errors:
        pytest.fail(f"the Nu HTML checker found {len(errors)} errors on {len(recorder.pages)} pages:\n"
                    + "\n".join(errors[:200]))


@pytest.fixture(scope="session")
def live_server(live_app, html_recorder):
    server = make_server("127.0.0.1", 0, html_recorder, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["LMS_BASE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def seed(live_app):
    """Run `fn` inside the live app's context and commit, to set up data for a browser test."""

    def run(fn, *args, **kwargs):
        with live_app.app_context():
            result = fn(*args, **kwargs)
            db.session.commit()
            return result

    return run


class AxeChecker:
    """Runs axe-core on the current page and fails on serious or critical violations."""

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.pages_checked: list[str] = []

    def __call__(self, page, context: str = "") -> None:
        results = self.axe.run(page)
        violations = [
            v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}
        ]
        self.pages_checked.append(page.url)
        if violations:
            lines = [f"{v['id']} ({v['impact']}): {v['help']} -> "
                     + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
                     for v in violations]
            pytest.fail(f"axe-core found serious/critical violations on {page.url} {context}:\n" + "\n".join(lines))


@pytest.fixture(scope="session")
def axe():
    return AxeChecker()


def open_more_menu(page) -> None:
    """Open the main navigation's "More" menu (staff pages used less often), as a person would."""
    page.get_by_role("navigation", name="Main").get_by_text("More", exact=True).click()
