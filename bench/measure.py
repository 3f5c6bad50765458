"""Timers, a SQL statement counter, gunicorn in a subprocess, and HTTP load (wrk, or Python threads)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0..100), interpolated; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def timed(fn: Callable[[], object], repeat: int, warmup: int = 1) -> list[float]:
    """Seconds taken by each of `repeat` calls of `fn`, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


class StatementCounter:
    """Counts the SQL statements an engine executes while it is active."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.count = 0

    def _on_execute(self, *args, **kwargs) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._on_execute)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(target: str, env: dict[str, str], ready_path: str, *, workers: int | None = None) -> Iterator[str]:
    """Serve `target` ("module:app") with gunicorn.conf.py on 127.0.0.1; yields the base URL."""
    port = free_port()
    environment = {**os.environ, **env, "BIND": f"127.0.0.1:{port}", "ACCESS_LOG": "off", "LOG_LEVEL": "warning"}
    if workers:
        environment["WEB_CONCURRENCY"] = str(workers)
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and config, no shell
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), target],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # every worker imports the app; slow on a busy machine
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"gunicorn {target} exited:\n{log.read().decode(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(base + ready_path, timeout=2) as response:  # noqa: S310 - loopback
                    response.read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn {target} did not answer within 180 s") from None
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGINT)  # quick shutdown: do not wait for idle keep-alive connections
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@dataclass
class LoadResult:
    tool: str
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> LoadResult:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return LoadResult("wrk", total, errors, rps, p50, p99)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(base: str, paths: list[str], *, duration: float, connections: int, threads: int,
            headers: dict[str, str] | None = None) -> LoadResult:
    """`wrk --latency`, cycling through `paths` (with `headers`, e.g. a signed-in session's cookie)."""
    table = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items())
    script = "local paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n" + (
        f"local headers = {{{table}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        '  return wrk.format("GET", paths[(i % #paths) + 1], headers)\n'
        "end\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        # A slow answer counts as latency, not as an error (wrk gives up after 2 s by default).
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency",
                   "--timeout", "10s", "-s", handle.name, base + paths[0]]
        output = subprocess.run(command, capture_output=True, text=True, check=True,  # noqa: S603
                                timeout=duration + 60).stdout
    finally:
        os.unlink(handle.name)
    return parse_wrk(output)


def run_python_load(base: str, paths: list[str], *, duration: float, connections: int,
                    headers: dict[str, str] | None = None) -> LoadResult:
    """A thread per connection, each with a keep-alive HTTP/1.1 connection, for `duration` seconds."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.monotonic() + duration

    def worker(slot: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        i = slot
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += connections
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers or {})
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    errors[slot] += 1
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=10)
                continue
            latencies[slot].append((time.perf_counter() - start) * 1000)
        connection.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(slot,)) for slot in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    flat = [value for values in latencies for value in values]
    return LoadResult("python", len(flat) + sum(errors), sum(errors), len(flat) / elapsed,
                      percentile(flat, 50), percentile(flat, 99))


def load(base: str, paths: list[str], *, duration: float, connections: int, threads: int,
         use_wrk: bool = True, headers: dict[str, str] | None = None) -> LoadResult:
    # A short warm-up: every gunicorn worker builds its app and opens its connections first.
    warm = min(1.0, duration)
    if use_wrk and wrk_available():
        run_wrk(base, paths, duration=warm, connections=connections, threads=threads, headers=headers)
        return run_wrk(base, paths, duration=duration, connections=connections, threads=threads, headers=headers)
    run_python_load(base, paths, duration=warm, connections=connections, headers=headers)
    return run_python_load(base, paths, duration=duration, connections=connections, headers=headers)


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000 if values else float("nan")
