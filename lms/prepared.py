"""A SELECT for a hot path, run straight on the DBAPI cursor, with SQLAlchemy's types.

SQLAlchemy builds an execution context, a cursor result and a row per call, and the pool checks a
connection out and back in (with a pre-ping and a rollback, each a round trip on PostgreSQL): for a
one-row lookup by key that costs several times the query itself (the public verification API).

A `PreparedSelect` compiles its statement once per database dialect, runs it on a connection that
belongs to the calling thread (`thread_connection`), and converts each value with the column
type's own result processor, so a row holds what `connection.execute(statement)` would give (dates,
UTC datetimes, floats). Errors are raised as SQLAlchemy's `DBAPIError`s, as usual.

Use it only for a plain read-only SELECT of table columns with simple bind parameters (no expanding
IN). Statement events (`before_cursor_execute`) do not see these queries.
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


class PreparedSelect:
    def __init__(self, statement: sa.Select, name: str = "Row"):
        self.statement = statement
        self.row_class = namedtuple(name, [column.key for column in statement.selected_columns])
        self._prepared: weakref.WeakKeyDictionary[sa.Dialect, _Prepared] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def all(self, engine: sa.Engine, **params: Any) -> list:
        """The rows (named tuples, one field per selected column) for these bind parameter values."""
        prepared = self._prepared.get(engine.dialect) or self._prepare(engine.dialect)
        dbapi_error = engine.dialect.loaded_dbapi.Error
        try:
            if isinstance(engine.pool, sa.pool.QueuePool):
                rows, converters = _run_on_thread_connection(engine, prepared, params)
            else:  # a pool that shares one connection (SQLite in memory, the tests): borrow it each time
                connection = engine.raw_connection()
                try:
                    rows, converters = prepared.run(connection, params)
                except dbapi_error as error:
                    if engine.dialect.is_disconnect(error, connection, None):
                        connection.invalidate()
                    raise
                finally:
                    connection.close()
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


# -- one connection per thread ----------------------------------------------------------------------


class _ThreadState(threading.local):
    engine: sa.Engine | None = None
    connection: PoolProxiedConnection | None = None
    pid: int | None = None


_thread = _ThreadState()
_open: dict[int, PoolProxiedConnection] = {}  # every thread's connection, to close them at exit
_open_lock = threading.Lock()


def thread_connection(engine: sa.Engine) -> PoolProxiedConnection:
    """This thread's own connection to `engine`, for `PreparedSelect` reads.

    Taken from the pool once (connect events run as for any connection) and detached from it, so
    a read costs no checkout, reset and check-in, and in autocommit, so it opens no transaction:
    on PostgreSQL one round trip per read instead of four (pre-ping, BEGIN, the query, ROLLBACK),
    on SQLite no read transaction stays open to hold back WAL checkpoints. A thread keeps one such
    connection, for the engine it used last; a dropped connection is replaced on the next read
    (`PreparedSelect.all` retries once), which is what the pool's pre-ping would have done.
    """
    state = _thread
    if state.connection is not None and state.engine is engine and state.pid == os.getpid():
        return state.connection
    discard_thread_connection()
    connection = engine.raw_connection()
    try:
        connection.detach()
        engine.dialect.set_isolation_level(connection.dbapi_connection, "AUTOCOMMIT")
    except BaseException:
        connection.invalidate()
        connection.close()
        raise
    state.engine, state.connection, state.pid = engine, connection, os.getpid()
    with _open_lock:
        _open[id(connection)] = connection
    return connection


def _run_on_thread_connection(engine: sa.Engine, prepared: _Prepared, params: dict) -> tuple[list, list]:
    try:
        return prepared.run(thread_connection(engine), params)
    except engine.dialect.loaded_dbapi.Error as error:
        disconnected = engine.dialect.is_disconnect(error, _thread.connection, None)
        discard_thread_connection()
        if not disconnected:
            raise
    # The database restarted, or dropped the idle connection: once more, on a new one.
    try:
        return prepared.run(thread_connection(engine), params)
    except engine.dialect.loaded_dbapi.Error:
        discard_thread_connection()
        raise


def discard_thread_connection() -> None:
    """Close this thread's connection (if it opened it: a forked child leaves its parent's alone)."""
    state = _thread
    connection, pid = state.connection, state.pid
    state.engine = state.connection = state.pid = None
    if connection is not None and pid == os.getpid():
        with _open_lock:
            _open.pop(id(connection), None)
        _close(connection)


def close_thread_connections() -> None:
    """Close every thread's connection (at exit; a thread that reads again opens a new one)."""
    with _open_lock:
        connections = list(_open.values())
        _open.clear()
    for connection in connections:
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
    global _open_lock
    _open.clear()  # the parent's connections: the parent closes them
    _open_lock = threading.Lock()


atexit.register(close_thread_connections)
os.register_at_fork(after_in_child=_forget_after_fork)
