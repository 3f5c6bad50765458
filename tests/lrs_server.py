"""A real learning record store for the xAPI tests: Ralph (PyPI `ralph-malph`) with its file-system backend,
on 127.0.0.1 and a free port. Test modules load it with `pytest_plugins = ["tests.lrs_server"]`.

Ralph's pins clash with ours, so it lives in its own virtual environment, `.venv-ralph/` at the repository's
root (gitignored), built here when missing (`make ralph` builds it too). When it cannot be built the tests
are skipped with the reason, except in CI (the `CI` variable set), where they fail.

Two traps of Ralph's file-system backend are handled here: it accepts only the first write to its file
unless its default operation is APPEND (the small wrapper module below), and its `verb` and `activity`
filters never match (the tests filter what `GET /xAPI/statements` returns).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-ralph"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = ["ralph-malph[cli,lrs]==5.1.*", "requests"]  # requests: a dependency Ralph forgets to declare
KEY = "peercert"
SECRET = "lrs-test-secret"

WRAPPER = """from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
from ralph.api import app  # noqa: E402,F401
"""


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"the xAPI tests need Ralph's LRS: {reason}")
    pytest.skip(f"the xAPI tests need Ralph's LRS: {reason}")


def ensure_venv() -> Path:
    """`.venv-ralph/` with Ralph installed; built when missing."""
    if PYTHON.exists():
        check = subprocess.run([str(PYTHON), "-c", "import ralph.backends.lrs.fs, uvicorn, bcrypt, requests"],
                               capture_output=True, text=True)
        if check.returncode == 0:
            return PYTHON
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, capture_output=True,
                       text=True, timeout=300)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        *REQUIREMENTS], check=True, capture_output=True, text=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        details = getattr(error, "stderr", "") or str(error)
        _unavailable(f"could not build {VENV.name}/: {details.strip()[-500:]}")
    return PYTHON


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lrs:
    """Ralph running in a subprocess; `endpoint`, `key` and `secret` are what an organization configures."""

    def __init__(self, python: Path, folder: Path):
        self.python, self.folder = python, folder
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/xAPI/"
        self.key, self.secret = KEY, SECRET
        self.process: subprocess.Popen | None = None
        (folder / "data").mkdir(parents=True, exist_ok=True)
        (folder / "ralph_append.py").write_text(WRAPPER)
        hashed = subprocess.run(
            [str(python), "-c", "import bcrypt, sys; "
             "print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(rounds=4)).decode())", SECRET],
            check=True, capture_output=True, text=True).stdout.strip()
        (folder / "auth.json").write_text(json.dumps([{
            "username": KEY, "hash": hashed, "scopes": ["all"],
            "agent": {"mbox": "mailto:peercert-lrs@example.com"}}]))

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(self.folder), "RALPH_RUNSERVER_BACKEND": "fs",
               "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "data"),
               "RALPH_AUTH_FILE": str(self.folder / "auth.json"),
               "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "100000"}
        env.pop("CI", None)  # Ralph reads no such setting, but keep its environment ours alone
        self.log = open(self.folder / "ralph.log", "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(self.python), "-m", "uvicorn", "ralph_append:app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"],
            cwd=self.folder, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        _unavailable("Ralph did not start: " + (self.folder / "ralph.log").read_text(errors="replace")[-800:])

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
            self.log.close()

    @contextmanager
    def down(self):
        """The LRS unreachable for the duration of the block, then back with everything it had stored."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def _get(self, query: str = "") -> dict:
        token = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        request = urllib.request.Request(f"{self.endpoint}statements{query}", headers={
            "Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def statements(self) -> list[dict]:
        """Every statement stored (Ralph's filters do not work on this backend: filter what comes back)."""
        return self._get("?limit=100000")["statements"]

    def statement(self, statement_id: str) -> dict | None:
        found = self._get(f"?statementId={statement_id}").get("statements", [])
        return found[0] if found else None

    def about(self, actor: dict) -> list[dict]:
        """The statements whose actor is `actor` (an account or an mbox)."""
        key = "account" if "account" in actor else "mbox"
        return [s for s in self.statements() if s.get("actor", {}).get(key) == actor[key]]


@pytest.fixture(scope="session")
def lrs(tmp_path_factory):
    python = ensure_venv()
    server = Lrs(python, tmp_path_factory.mktemp("lrs"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
