"""The benchmark: seed, measure, compare each figure with its baseline from the same run.

    make bench                                  # SQLite files in a temporary folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test make bench
    .venv/bin/python -m bench --scale 0.1 --duration 2     # a quick look

Targets (issue "Production and scale", point 4), as ratios measured in the same run:
  * the verification API serves at least half the requests per second of a minimal Flask endpoint
    under the same gunicorn settings;
  * the lesson page serves at least half the requests per second of its floor (the same template
    rendered from memory under the same gunicorn), the lesson and course pages in at most 6 statements;
  * each page's SQL statement count and latency at the large size stay within 1.5x of the small size;
  * a certificate PDF renders within 2x of WeasyPrint's one-line page;
  * bulk verification of 1,000 numbers takes under 1 second.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from unittest import mock

import sqlalchemy as sa

from bench import measure
from bench.analyzer import analyzer_rows
from bench.apps import Database, build_app, database_urls, login, resolve, seed_database, server_env
from bench.measure import ROOT, StatementCounter, median_ms, percentile, timed
from bench.report import Row, render_table, write_results
from bench.seed import LARGE, PASSWORD, SMALL, Seeded
from bench.throughput import throughput_section

# (title, role to log in as, endpoints that may serve it: the first one present is measured)
PAGES = [
    ("Cohort dashboard", "supervisor", ["orgs.cohort", "orgs.cohort_dashboard", "orgs.dashboard"]),
    ("Grading queue", "supervisor", ["roleplay.queue"]),
    ("Lesson page", "trainee", ["learning.lesson"]),
    ("Course page", "trainee", ["learning.course"]),
]
PDF_ENDPOINTS = ["certificates.pdf", "certificates.download", "certificates.download_pdf"]
VERIFY_ENDPOINT = "api.certificate"
BULK_ENDPOINT = "api.verifications"


# -- pages ------------------------------------------------------------------------------------------


class PageClient:
    """An app on one database, signed in as `role`, with the URL of one page resolved for its data."""

    def __init__(self, database: Database, seeded: Seeded, role: str, endpoints: list[str]):
        from lms.extensions import db

        self.app = build_app(database.url, database.instance)
        with self.app.app_context():
            self.engine = db.engine
        self.url, self.how = resolve(self.app, endpoints, seeded.url_values())
        self.client = self.app.test_client()
        if self.url is not None:
            login(self.client, seeded.emails[role])
        self.statuses: set[int] = set()
        self.times: list[float] = []

    def get(self) -> None:
        start = time.perf_counter()
        response = self.client.get(self.url)
        self.times.append(time.perf_counter() - start)
        self.statuses.add(response.status_code)

    def statements(self) -> int:
        with StatementCounter(self.engine) as counter:
            self.client.get(self.url)
        return counter.count

    def close(self) -> None:
        self.engine.dispose()


def page_rows(dbs: dict[str, Database], seeded: dict[str, Seeded], repeat: int, log) -> list[Row]:
    section = "Pages (large vs small data)"
    rows = []
    for title, role, endpoints in PAGES:
        small = PageClient(dbs["small"], seeded["small"], role, endpoints)
        large = PageClient(dbs["large"], seeded["large"], role, endpoints)
        try:
            note = None
            if small.url is None or large.url is None:
                note = small.how if small.url is None else large.how
            else:
                for _ in range(3):  # warm up: templates compiled, caches filled, connections open
                    small.get()
                    large.get()
                small.times.clear()
                large.times.clear()
                for _ in range(repeat):  # alternate, so that a busy moment of the machine hits both
                    small.get()
                    large.get()
                if small.statuses != {200} or large.statuses != {200}:
                    note = f"n/a ({small.url} answered HTTP {sorted(small.statuses | large.statuses)})"
            if note:
                rows.append(Row(section, f"{title}: latency p50", "ms", None, "same page, small data", None,
                                "<= 1.5x", None, note))
                rows.append(Row(section, f"{title}: SQL statements", "statements", None, "same page, small data",
                                None, "<= 1.5x", None, note))
                log(f"  {title}: {note}")
                continue
            counts = {"small": small.statements(), "large": large.statements()}
            latency = Row(section, f"{title}: latency p50", "ms", median_ms(large.times), "same page, small data",
                          median_ms(small.times), "<= 1.5x")
            latency.holds = latency.ratio is not None and latency.ratio <= 1.5
            statements = Row(section, f"{title}: SQL statements", "statements", counts["large"],
                             "same page, small data", counts["small"], "<= 1.5x")
            statements.holds = statements.ratio is not None and statements.ratio <= 1.5
            log(f"  {title} ({large.url}): small {latency.baseline_value:.1f} ms / {counts['small']} statements, "
                f"large {latency.value:.1f} ms / {counts['large']} statements")
            rows += [latency, statements]
        finally:
            small.close()
            large.close()
    return rows


# -- verification API under load, and bulk ----------------------------------------------------------


def api_rows(database: Database, seeded: Seeded, args, log) -> list[Row]:
    section = f"Verification API on gunicorn ({args.connections} connections)"
    app = build_app(database.url, database.instance)
    present = VERIFY_ENDPOINT in app.view_functions
    bulk_present = BULK_ENDPOINT in app.view_functions
    rows: list[Row] = []
    with measure.gunicorn("bench.minimal_app:app", {}, "/ping") as base:
        minimal = measure.load(base, ["/ping"], duration=args.duration, connections=args.connections,
                               threads=args.threads, use_wrk=not args.no_wrk)
    log(f"  minimal endpoint: {minimal.rps:,.0f} req/s, p50 {minimal.p50_ms:.2f} ms, p99 {minimal.p99_ms:.2f} ms "
        f"({minimal.tool})")
    if not present:
        for figure, unit, baseline_value in (("requests per second", "req/s", minimal.rps),
                                             ("latency p50", "ms", minimal.p50_ms),
                                             ("latency p99", "ms", minimal.p99_ms)):
            rows.append(Row(section, f"GET /api/v1/certificates/<number>: {figure}", unit, None,
                            "minimal Flask endpoint", baseline_value, ">= 0.5x" if unit == "req/s" else ""))
    numbers = seeded.numbers[:1000] or ["PSS-0000-0000-0000-0"]
    bulk_ms: list[float] = []
    with measure.gunicorn("lms:create_app()", server_env(database.url, database.instance), "/auth/login") as base:
        if present:
            with app.test_request_context():
                from flask import url_for

                paths = [url_for(VERIFY_ENDPOINT, number=n) for n in numbers]
            api = measure.load(base, paths, duration=args.duration, connections=args.connections,
                               threads=args.threads, use_wrk=not args.no_wrk)
            log(f"  verification API: {api.rps:,.0f} req/s, p50 {api.p50_ms:.2f} ms, p99 {api.p99_ms:.2f} ms, "
                f"{api.errors} errors ({api.tool})")
            rps = Row(section, "GET /api/v1/certificates/<number>: requests per second", "req/s", api.rps,
                      "minimal Flask endpoint", minimal.rps, ">= 0.5x")
            rps.holds = rps.ratio is not None and rps.ratio >= 0.5
            rows += [
                rps,
                Row(section, "GET /api/v1/certificates/<number>: latency p50", "ms", api.p50_ms,
                    "minimal Flask endpoint", minimal.p50_ms),
                Row(section, "GET /api/v1/certificates/<number>: latency p99", "ms", api.p99_ms,
                    "minimal Flask endpoint", minimal.p99_ms),
                Row(section, "GET /api/v1/certificates/<number>: errors", "errors", api.errors,
                    "minimal Flask endpoint", minimal.errors, "= 0", api.errors == 0,
                    f"{api.requests:,} requests"),
            ]
        if bulk_present:
            with app.test_request_context():
                from flask import url_for

                bulk_url = base + url_for(BULK_ENDPOINT)
            body = json.dumps({"numbers": numbers}).encode()

            def post():
                request = urllib.request.Request(bulk_url, data=body, method="POST",  # noqa: S310 - loopback
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                    payload = json.loads(response.read())
                if response.status != 200:
                    raise RuntimeError(f"bulk verification answered HTTP {response.status}")
                return payload

            bulk_ms = [t * 1000 for t in timed(post, repeat=5, warmup=1)]
            if present:
                # The baseline: the same lookups one request at a time (100 of them, times ten).
                sample = paths[:100]

                def one_by_one():
                    for path in sample:
                        with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 - loopback
                            response.read()

                single_ms = percentile([t * 1000 for t in timed(one_by_one, repeat=1, warmup=0)], 50)
                one_at_a_time = single_ms * len(numbers) / len(sample)
            else:
                one_at_a_time = None
    section_bulk = "Bulk verification"
    if bulk_present:
        value = percentile(bulk_ms, 50)
        row = Row(section_bulk, f"POST /api/v1/verifications, {len(numbers):,} numbers (median of 5)", "ms", value,
                  f"{len(numbers):,} single GETs one after another", one_at_a_time, "< 1000 ms", value < 1000)
        log(f"  bulk verification of {len(numbers):,} numbers: {value:.0f} ms "
            f"(one at a time: {one_at_a_time or float('nan'):.0f} ms)")
        rows.append(row)
    else:
        rows.append(Row(section_bulk, "POST /api/v1/verifications, 1,000 numbers", "ms", None,
                        "1,000 single GETs one after another", None, "< 1000 ms"))
    return rows


# -- PDFs -------------------------------------------------------------------------------------------


def pdf_rows(database: Database, seeded: Seeded, repeat: int, log) -> list[Row]:
    section = "Certificate PDF"
    rows = []
    try:
        from lms.certificates import documents as services
        from lms.certificates import pdf as pdf_module
        from lms.certificates.pdf import render_one_line_pdf
        from lms.certificates.records import get_certificate
    except ImportError as error:
        return [Row(section, "Render a certificate PDF", "ms", None, "WeasyPrint one-line page", None, "<= 2x",
                    None, f"n/a ({error})")]
    app = build_app(database.url, database.instance)
    with app.app_context():
        from lms.extensions import db

        certificate = get_certificate(seeded.numbers[0]) if seeded.numbers else None
        if certificate is None:
            return [Row(section, "Render a certificate PDF", "ms", None, "WeasyPrint one-line page", None,
                        "<= 2x", None, "n/a (no certificate seeded)")]
        one_line = timed(render_one_line_pdf, repeat=repeat, warmup=2)
        # The certificate as issued (tagged, PDF/UA-1 structure), and the same without tags, as before.
        tagged_times = timed(lambda: services.build_pdf(certificate), repeat=repeat, warmup=2)
        untagged = functools.partial(pdf_module.render_certificate_pdf, tagged=False)
        with mock.patch.object(pdf_module, "render_certificate_pdf", untagged):
            untagged_times = timed(lambda: services.build_pdf(certificate), repeat=repeat, warmup=2)
        render = Row(section, f"Render a certificate PDF, untagged (median of {repeat})", "ms",
                     median_ms(untagged_times), "WeasyPrint one-line page", median_ms(one_line), "<= 2x")
        render.holds = render.ratio is not None and render.ratio <= 2.0
        tagged = Row(section, f"Render a certificate PDF, tagged PDF/UA-1 + PDF/A-3b, as issued (median of {repeat})",
                     "ms", median_ms(tagged_times), "WeasyPrint one-line page", median_ms(one_line), "<= 2x")
        tagged.holds = tagged.ratio is not None and tagged.ratio <= 2.0
        log(f"  render: certificate tagged {tagged.value:.1f} ms, untagged {render.value:.1f} ms, "
            f"one-line page {render.baseline_value:.1f} ms")
        rows += [render, tagged]

        services.render_pdf(certificate.id)
        db.session.commit()
        stored = services.data_dir() / certificate.pdf_path
        url, how = resolve(app, PDF_ENDPOINTS, seeded.url_values() | {"number": certificate.number})
        serve_row = Row(section, "Serve a stored certificate PDF (median)", "ms", None,
                        "minimal Flask send_file, same file", None)
        if url is None:
            serve_row.note = how
        else:
            client = app.test_client()
            first = client.get(url)
            if first.status_code in (301, 302, 401, 403):
                login(client, certificate.user.email)  # the holder
            statuses = set()

            def fetch():
                response = client.get(url)
                statuses.add(response.status_code)
                response.close()

            served = timed(fetch, repeat=repeat * 3, warmup=3)
            os.environ["BENCH_FILE"] = str(stored)
            from bench.minimal_app import app as minimal

            minimal_client = minimal.test_client()
            baseline = timed(lambda: minimal_client.get("/file").close(), repeat=repeat * 3, warmup=3)
            if statuses == {200}:
                serve_row.value = median_ms(served)
                serve_row.baseline_value = median_ms(baseline)
                log(f"  serve stored PDF ({url}): {serve_row.value:.2f} ms, baseline {serve_row.baseline_value:.2f} ms")
            else:
                serve_row.note = f"n/a ({url} answered HTTP {sorted(statuses)})"
        rows.append(serve_row)
        db.session.remove()
        db.engine.dispose()
    return rows


# -- main -------------------------------------------------------------------------------------------


SECTIONS = ("api", "throughput", "pages", "pdf", "analyzer")


def measure_sections(dbs: dict[str, Database], seeded: dict[str, Seeded], args, log) -> list[Row]:
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(SECTIONS)
    if unknown:
        raise SystemExit(f"--only: unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    rows: list[Row] = []
    if "api" in only:
        log(f"Verification API under load ({'wrk' if measure.wrk_available() and not args.no_wrk else 'python'}, "
            f"{args.connections} connections, {args.duration:g} s each) ...")
        rows += api_rows(dbs["large"], seeded["large"], args, log)
    if "throughput" in only:
        log("Pages on gunicorn beside their floor ...")
        rows += throughput_section(dbs["large"], seeded["large"], args, log)
    if "pages" in only:
        log("Pages at small and large size ...")
        rows += page_rows(dbs, seeded, args.repeat, log)
    if "pdf" in only:
        log("Certificate PDFs ...")
        rows += pdf_rows(dbs["large"], seeded["large"], max(5, args.repeat // 2), log)
    if "analyzer" in only:
        log("Reply analyzer ...")
        rows += analyzer_rows(args.repeat)
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="scale the large data set (1.0 = 5,000 trainees)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page, renders per PDF")
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load generator even if wrk exists")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--keep", action="store_true", help="keep the seeded databases (printed at the end)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to measure, of: {', '.join(SECTIONS)} (default: all)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(message, flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="peercert-bench-"))
    try:
        from lms.auth.services import hash_password

        urls = database_urls(workdir)
        dbs = {name: Database(name, urls[name], workdir / f"instance-{name}") for name in ("small", "large")}
        sizes = {"small": SMALL, "large": LARGE.scaled(args.scale) if args.scale != 1.0 else LARGE}
        password_hash = hash_password(PASSWORD)
        seeded: dict[str, Seeded] = {}
        for name in ("small", "large"):
            log(f"Seeding the {name} data set ({sizes[name].trainees:,} trainees) into "
                f"{sa.make_url(urls[name]).render_as_string(hide_password=True)} ...")
            seeded[name] = seed_database(urls[name], dbs[name].instance, sizes[name], password_hash)
            log(f"  {seeded[name].counts} in {seeded[name].seconds:.1f} s")

        rows = measure_sections(dbs, seeded, args, log)

        elapsed = time.perf_counter() - started
        print()
        print(render_table(rows))
        held = [row for row in rows if row.holds is not None]
        print()
        print(f"Targets: {sum(1 for row in held if row.holds)} of {len(held)} hold; "
              f"{sum(1 for row in rows if row.value is None)} figure(s) not measurable yet. "
              f"Total time {elapsed:.0f} s.")
        context = {
            "database": "postgresql" if urls["large"].startswith("postgresql") else "sqlite",
            "sizes": {name: seeded[name].counts for name in seeded},
            "seed_seconds": {name: round(seeded[name].seconds, 2) for name in seeded},
            "load": {"tool": "wrk" if measure.wrk_available() and not args.no_wrk else "python",
                     "connections": args.connections, "threads": args.threads, "duration_s": args.duration},
            "elapsed_s": round(elapsed, 1),
        }
        path = write_results(rows, context, args.output, ROOT)
        print(f"Results written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        if args.keep:
            print(f"Seeded databases kept in {workdir}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
