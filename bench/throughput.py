"""Pages under load on gunicorn, each beside its floor: the same template rendered from memory.

A page's floor (bench/floor_app.py) is the same app, under the same gunicorn settings, rendering
the same template from the context its view built once: whatever the page costs beyond it is
loading (SQL, the ORM, the signed-in user). Target: the lesson page at least half its floor.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass

from bench import measure
from bench.apps import Database, build_app, login, resolve, server_env
from bench.measure import StatementCounter
from bench.report import Row
from bench.seed import PASSWORD, Seeded

SECTION = "Pages on gunicorn beside their floor (same template from memory)"
FLOOR = "same template, context in memory"
MAX_STATEMENTS = 6  # the lean pages' budget (lesson and course pages)
# (floor key, title, endpoint, target against the floor's requests per second, statement limit)
THROUGHPUT_PAGES = [
    ("lesson", "Lesson page", "learning.lesson", ">= 0.5x", MAX_STATEMENTS),
    ("course", "Course page", "learning.course", "", MAX_STATEMENTS),
    ("dashboard", "Trainee dashboard", "main.dashboard", "", None),
]


@dataclass
class Page:
    name: str  # the floor's key: lesson, course, dashboard
    title: str
    path: str
    statements: int
    target: str = ""  # of requests per second against the floor, e.g. ">= 0.5x"
    statement_limit: int | None = None


def _status(base: str, path: str, cookie: str) -> int:
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310 - loopback
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _load(base: str, path: str, args, cookie: str | None = None) -> measure.LoadResult:
    """Requests per second once every worker is warm: a first full round under the same load lets
    each gunicorn worker compile the templates and fill its memory (the floor's workers did so
    while capturing), and only the second round counts."""
    headers = {"Cookie": cookie} if cookie else None
    for _round in range(2):
        result = measure.load(base, [path], duration=args.duration, connections=args.connections,
                              threads=args.threads, use_wrk=not args.no_wrk, headers=headers)
    return result


def _page_rows(page: Page, real: measure.LoadResult | None, floor: measure.LoadResult | None,
               note: str) -> list[Row]:
    rps = Row(SECTION, f"{page.title}: requests per second", "req/s", real.rps if real else None, FLOOR,
              floor.rps if floor else None, page.target, None, note)
    if page.target and rps.ratio is not None:
        rps.holds = rps.ratio >= 0.5
    limit = page.statement_limit
    statements = Row(SECTION, f"{page.title}: SQL statements per request", "statements", page.statements,
                     "the floor runs none", 0, f"<= {limit}" if limit else "",
                     page.statements <= limit if limit else None)
    return [rps, statements]


def throughput_rows(pages: list[Page], env: dict[str, str], login: tuple[str, str], cookie: str, args,
                    log) -> list[Row]:
    """Requests per second of each page signed in (`cookie`), then of its floor, on gunicorn."""
    real: dict[str, measure.LoadResult] = {}
    notes: dict[str, str] = {}
    with measure.gunicorn("lms:create_app()", env, "/auth/login") as base:
        for page in pages:
            status = _status(base, page.path, cookie)
            if status != 200:
                notes[page.name] = f"n/a ({page.path} answered HTTP {status} on gunicorn)"
                continue
            real[page.name] = _load(base, page.path, args, cookie)
    floor_env = {**env, "FLOOR_PAGES": json.dumps({p.name: p.path for p in pages if p.name in real}),
                 "FLOOR_LOGIN": json.dumps({p.name: list(login) for p in pages if p.name in real})}
    floors: dict[str, measure.LoadResult] = {}
    if real:
        with measure.gunicorn("bench.floor_app:create_floor_app()", floor_env, "/auth/login") as base:
            for page in pages:
                if page.name in real:
                    floors[page.name] = _load(base, f"/floor/{page.name}", args)
    rows = []
    for page in pages:
        result, floor = real.get(page.name), floors.get(page.name)
        if result and floor:
            log(f"  {page.title} ({page.path}): {result.rps:,.0f} req/s ({result.errors} errors), floor "
                f"{floor.rps:,.0f} req/s ({floor.errors} errors): {result.rps / floor.rps:.2f}x; "
                f"{page.statements} statements")
        note = notes.get(page.name, "")
        if result and floor and (result.errors or floor.errors):
            note = f"{result.errors} errors on the page, {floor.errors} on its floor"
        rows += _page_rows(page, result, floor, note)
    return rows


def throughput_section(database: Database, seeded: Seeded, args, log) -> list[Row]:
    """The trainee's pages on gunicorn beside their floors; statements counted on the test client."""
    from lms.extensions import db

    app = build_app(database.url, database.instance)
    client = app.test_client()
    email = seeded.emails["trainee"]
    login(client, email)
    with app.app_context():
        engine = db.engine
    pages, rows = [], []
    for name, title, endpoint, target, limit in THROUGHPUT_PAGES:
        url, how = resolve(app, [endpoint], seeded.url_values())
        if url is None:
            rows.append(Row(SECTION, f"{title}: requests per second", "req/s", None, "floor", None,
                            target, None, how))
            continue
        client.get(url)  # the first view compiles templates (and may record the trainee's place)
        with StatementCounter(engine) as counter:
            client.get(url)
        pages.append(Page(name, title, url, counter.count, target, limit))
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    engine.dispose()
    env = server_env(database.url, database.instance)
    return rows + throughput_rows(pages, env, (email, PASSWORD), f"{cookie.key}={cookie.value}", args, log)
