"""A SELECT for a hot path, run straight on the DBAPI cursor, with SQLAlchemy's types.

SQLAlchemy builds an execution context, a cursor result and a row per call, and the pool checks a
connection out and back in (with a pre-ping and a rollback, each a round trip on PostgreSQL): for a
one-row lookup by key that costs several times the query itself (the public verification API).

A `PreparedSelect` compiles its statement once per database dialect, runs it on a connection that
belongs to the calling thread (`thread_connection`: closed when the thread ends, and held by at most
`MAX_THREAD_CONNECTIONS` threads per process, the others borrowing from the pool), and converts
each value with the column type's own result processor, so a row holds what
`connection.execute(statement)` would give (dates, UTC datetimes, floats). Errors are raised as
SQLAlchemy's `DBAPIError`s, as usual.

Use it only for a plain read-only SELECT of table columns with simple bind parameters (no expanding
IN). Statement events (`before_cursor_execute`) do not see these queries.

A fast path: only with FAST_PATHS on (or outside an application). Off, the same statement runs through
the request's SQLAlchemy session, the one way to the database every other query takes.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections import namedtuple
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import PoolProxiedConnection


def _fast_paths() -> bool:
    from flask import current_app, has_app_context

    return not has_app_context() or bool(current_app.config.get("FAST_PATHS"))


class PreparedSelect:
    def __init__(self, statement: sa.Select, name: str = "Row"):
        self.statement = statement
        self.row_class = namedtuple(name, [column.key for column in statement.selected_columns])
        self._prepared: weakref.WeakKeyDictionary[sa.Dialect, _Prepared] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def all(self, engine: sa.Engine, **params: Any) -> list:
        """The rows (named tuples, one field per selected column) for these bind parameter values."""
        if not _fast_paths():
            from lms.extensions import db

            return [self.row_class._make(row) for row in db.session.execute(self.statement, params)]
        prepared = self._prepared.get(engine.dialect) or self._prepare(engine.dialect)
        dbapi_error = engine.dialect.loaded_dbapi.Error
        try:
            if isinstance(engine.pool, sa.pool.QueuePool):
                rows, converters = _run_on_thread_connection(engine, prepared, params)
            else:  # a pool that shares one connection (SQLite in memory, the tests): borrow it each time
                rows, converters = _run_on_pooled_connection(engine, prepared, params)
        except dbapi_error as error:
            raise sa.exc.DBAPIError.instance(prepared.sql, params, error, dbapi_error) from error
        result = []
        for row in rows:
            values = list(row)
            for index, process in converters:
                values[index] = process(values[index])
            result.append(self.row_class._make(values))
        return result

    def _prepare(self, dialect: sa.Dialect) -> _Prepared:
        with self._lock:
            if dialect not in self._prepared:
                self._prepared[dialect] = _Prepared(self.statement, dialect)
            return self._prepared[dialect]


class _Prepared:
    """The statement compiled for one dialect, and its value converters."""

    def __init__(self, statement: sa.Select, dialect: sa.Dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.dialect = dialect
        self.columns = list(statement.selected_columns)
        self.names = compiled.positiontup if dialect.positional else None
        self.bind_processors = {name: process for name, bind in compiled.binds.items()
                                if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None}
        # (column index, result processor) for the columns that need one, from the first cursor description
        # (the types as the driver reports them).
        self.converters: list | None = None

    def run(self, connection: PoolProxiedConnection, values: dict[str, Any]) -> tuple[list, list]:
        cursor = connection.cursor()
        try:
            cursor.execute(self.sql, self.parameters(values))
            rows = cursor.fetchall()
            converters = self.converters
            if converters is None:
                converters = self.set_converters(cursor.description)
        finally:
            cursor.close()
        return rows, converters

    def parameters(self, values: dict[str, Any]) -> tuple | dict:
        if self.bind_processors:
            values = {name: self.bind_processors[name](value) if name in self.bind_processors else value
                      for name, value in values.items()}
        if self.names is not None:
            return tuple(values[name] for name in self.names)
        return values

    def set_converters(self, description) -> list:
        processors = [column.type.dialect_impl(self.dialect).result_processor(self.dialect, entry[1])
                      for column, entry in zip(self.columns, description, strict=True)]
        self.converters = [(index, process) for index, process in enumerate(processors) if process is not None]
        return self.converters


# -- one connection per thread, released when the thread ends, and only so many ---------------------

# At most this many threads of a process keep their own connection (gunicorn runs 4 per worker);
# a read on any other thread borrows a connection from the engine's pool, as SQLAlchemy would.
MAX_THREAD_CONNECTIONS = 8


class _Held:
    """One thread's detached connection. It lives in the thread's local storage only, so when the
    thread ends (without cleaning up) Python drops it and its finalizer closes the connection."""

    def __init__(self, engine: sa.Engine, connection: PoolProxiedConnection):
        self.engine, self.connection, self.pid = engine, connection, os.getpid()
        self.close = weakref.finalize(self, _release, id(self), connection, self.pid)


class _ThreadState(threading.local):
    held: _Held | None = None


_thread = _ThreadState()
_open: dict[int, PoolProxiedConnection] = {}  # the connections held by live threads, to close them at exit
_seats = 0  # threads holding a connection or opening one: never more than MAX_THREAD_CONNECTIONS
_open_lock = threading.Lock()


def open_thread_connections() -> int:
    """How many threads of this process hold (or are opening) their own connection now."""
    with _open_lock:
        return _seats


def thread_connection(engine: sa.Engine) -> PoolProxiedConnection | None:
    """This thread's own connection to `engine`, for `PreparedSelect` reads; None when
    `MAX_THREAD_CONNECTIONS` threads already hold one (then borrow from the pool).

    Taken from the pool once (connect events run as for any connection) and detached from it, so
    a read costs no checkout, reset and check-in, and in autocommit, so it opens no transaction:
    on PostgreSQL one round trip per read instead of four (pre-ping, BEGIN, the query, ROLLBACK),
    on SQLite no read transaction stays open to hold back WAL checkpoints. A thread keeps one such
    connection, for the engine it used last, until it ends; a dropped connection is replaced on the
    next read (`PreparedSelect.all` retries once), which is what the pool's pre-ping would have done.
    """
    held = _thread.held
    if held is not None and held.engine is engine and held.pid == os.getpid():
        return held.connection
    discard_thread_connection()
    global _seats
    with _open_lock:
        if _seats >= MAX_THREAD_CONNECTIONS:
            return None
        _seats += 1  # taken before connecting, so that racing threads respect the bound
    try:
        connection = engine.raw_connection()
        try:
            connection.detach()
            engine.dialect.set_isolation_level(connection.dbapi_connection, "AUTOCOMMIT")
        except BaseException:
            connection.invalidate()
            connection.close()
            raise
    except BaseException:
        with _open_lock:
            _seats -= 1
        raise
    held = _Held(engine, connection)
    with _open_lock:
        _open[id(held)] = connection
    _thread.held = held
    return connection


def _run_on_thread_connection(engine: sa.Engine, prepared: _Prepared, params: dict) -> tuple[list, list]:
    connection = thread_connection(engine)
    if connection is None:
        return _run_on_pooled_connection(engine, prepared, params)
    try:
        return prepared.run(connection, params)
    except engine.dialect.loaded_dbapi.Error as error:
        disconnected = engine.dialect.is_disconnect(error, connection, None)
        discard_thread_connection()
        if not disconnected:
            raise
    # The database restarted, or dropped the idle connection: once more, on a new one.
    connection = thread_connection(engine)
    if connection is None:
        return _run_on_pooled_connection(engine, prepared, params)
    try:
        return prepared.run(connection, params)
    except engine.dialect.loaded_dbapi.Error:
        discard_thread_connection()
        raise


def _run_on_pooled_connection(engine: sa.Engine, prepared: _Prepared, params: dict) -> tuple[list, list]:
    connection = engine.raw_connection()
    try:
        return prepared.run(connection, params)
    except engine.dialect.loaded_dbapi.Error as error:
        if engine.dialect.is_disconnect(error, connection, None):
            connection.invalidate()
        raise
    finally:
        connection.close()  # back to the pool


def discard_thread_connection() -> None:
    """Close this thread's connection now (a thread that ends without calling this is cleaned up too)."""
    held, _thread.held = _thread.held, None
    if held is not None:
        held.close()


def close_thread_connections() -> None:
    """Close every thread's connection (at exit; a thread that reads again opens a new one)."""
    global _seats
    with _open_lock:
        connections = list(_open.values())
        _seats -= len(connections)
        _open.clear()
    for connection in connections:
        _close(connection)


def _release(key: int, connection: PoolProxiedConnection, pid: int) -> None:
    """Finalizer of a `_Held`: forget and close its connection (unless a fork inherited it: the parent's)."""
    global _seats
    with _open_lock:
        known = _open.pop(key, None) is not None
        if known:
            _seats -= 1
    if known and pid == os.getpid():
        _close(connection)


def _close(connection: PoolProxiedConnection) -> None:
    # The DBAPI connection itself: detached, it has no pool to go back to, and in autocommit no
    # transaction to reset (a reset would only log an error for a connection the server dropped).
    dbapi_connection = connection.dbapi_connection
    if dbapi_connection is not None:
        try:
            dbapi_connection.close()
        except Exception:  # noqa: S110 - it is being thrown away; a broken one may fail to close
            pass


def _forget_after_fork() -> None:
    global _open_lock, _seats
    _open.clear()  # the parent's connections: the parent closes them
    _seats = 0
    _open_lock = threading.Lock()


atexit.register(close_thread_connections)
os.register_at_fork(after_in_child=_forget_after_fork)
