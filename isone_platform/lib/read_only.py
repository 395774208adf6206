"""The analysts' warehouse connection is read-only: it reads the std/mart tables and views, and nothing else.

The audit (case 26) found the old "read-only" connection wrote: only the `isone` attach was read-only, not the
DuckDB session, so `ATTACH 'ducklake:…' AS rw; DELETE FROM rw.…` deleted warehouse rows, `COPY … TO` wrote files
and `ATTACH '…catalog.sqlite' (TYPE sqlite)` opened the catalog's metadata read-write. Two layers close that:

1. The engine (`lock_down`), after the catalog is attached: external access off (no file or network reads or
   writes outside the attached warehouse, so no COPY, EXPORT, INSTALL, LOAD, persistent secrets, `read_csv` of
   other files), extension auto-install/auto-load off, then the configuration locked so SQL cannot turn any of
   it back on. DuckLake keeps reading its own catalog and data files (it allows their paths itself).
2. A statement guard (`refusal`, applied by `GuardedConnection`) for what the engine setting does not cover:
   the SQLite and PostgreSQL extensions open their databases with their own I/O, so ATTACH (TYPE sqlite, or a
   second, read-write `ducklake:` attach) and their table functions (`sqlite_scan`, `postgres_execute`, …) still
   reach files and servers. The guard parses every statement with DuckDB's own parser and refuses ATTACH,
   DETACH, COPY, EXPORT, INSTALL/LOAD, CREATE SECRET, SET of settings, and calls of those functions.

DDL and DML on the in-memory default database (`CREATE TABLE memory.t …`) stay allowed: they touch nothing
outside the process. Writes to the `isone` catalog are refused by its read-only attach.

This is a guard against mistakes on the SQL surface (the `sql` command, the dashboard, `dq`, notebooks), not a
sandbox: a Python user can open the catalog file directly. Untrusted readers get file permissions or, in
production, a PostgreSQL role with read-only grants.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

LOCKED_SETTINGS = (
    ("autoinstall_known_extensions", "false"),
    ("autoload_known_extensions", "false"),
    ("enable_external_access", "false"),
    ("allowed_configs", "['TimeZone', 'Calendar']"),
    ("lock_configuration", "true"),  # last: after it, only allowed_configs may change
)
"""What `lock_down` sets, in order. `allowed_configs` keeps display settings changeable after the lock."""

CHANGEABLE_SETTINGS = frozenset({"timezone", "calendar", "search_path", "schema"})
"""Settings a read-only session may still SET: they change how results look or where names resolve, not access."""

REFUSED_STATEMENTS = {
    duckdb.StatementType.ATTACH: "attaches another database",
    duckdb.StatementType.DETACH: "detaches a database",
    duckdb.StatementType.COPY: "copies data to or from files",
    duckdb.StatementType.COPY_DATABASE: "copies a database",
    duckdb.StatementType.EXPORT: "exports the database to files",
    duckdb.StatementType.LOAD: "installs or loads an extension",
}
"""Statement kinds that reach outside the warehouse, with why they are refused."""

ALLOWED_STATEMENTS = frozenset({
    duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.PRAGMA,
    duckdb.StatementType.CALL, duckdb.StatementType.SET, duckdb.StatementType.CREATE,
    duckdb.StatementType.INSERT, duckdb.StatementType.UPDATE, duckdb.StatementType.DELETE,
    duckdb.StatementType.MERGE_INTO, duckdb.StatementType.DROP, duckdb.StatementType.ALTER,
    duckdb.StatementType.TRANSACTION, duckdb.StatementType.PREPARE, duckdb.StatementType.EXECUTE,
    duckdb.StatementType.VARIABLE_SET, duckdb.StatementType.CREATE_FUNC, duckdb.StatementType.MULTI,
    duckdb.StatementType.RELATION,
})  # fmt: skip
"""Statement kinds checked further (SET, CREATE, EXPLAIN, PREPARE) or left to the engine: writes to `isone`
fail on its read-only attach, writes to `memory` are harmless. Any other kind is refused."""

OUTSIDE_FUNCTIONS = re.compile(r"^(sqlite_|postgres_|mysql_)|^query$", re.IGNORECASE)
"""Functions that reach databases or files around the engine's external-access setting (`query()` runs SQL
from a string, where the guard cannot see the function it calls)."""

FILE_WRITERS = frozenset({"to_parquet", "write_parquet", "to_csv", "write_csv"})
"""Relation methods that write files: the data path is readable for DuckLake, so the engine would let them
write there."""

NEXT_STATEMENT = "reads of the std/mart tables and the views work; the pipeline is the only writer"


class ReadOnlyViolation(duckdb.PermissionException):
    """A statement refused on the read-only warehouse connection (a `duckdb.Error`, like the engine's refusals)."""


def lock_down(con: duckdb.DuckDBPyConnection, data_path: str, *, also_allowed: tuple[str, ...] = ()) -> None:
    """Turn off every access the attached warehouse does not need, then lock the configuration (see above).

    The data path stays readable (`allowed_directories`): DuckLake allows its catalog file itself, but reads the
    Parquet files through the engine's file system, so without it only metadata-answered queries would work.
    `also_allowed`: further directories the session may use (the export's staging directory, where its COPY
    writes), each ending in `/` so a sibling whose name merely starts the same stays out of reach.
    """
    con.execute("SET allowed_directories = ?", [[data_path, *also_allowed]])
    for name, value in LOCKED_SETTINGS:
        con.execute(f"SET {name} = {value}")


def _words(sql: str) -> list[tuple[str, duckdb.token_type]]:
    """The tokens of `sql` as (text, kind), comments left out (DuckDB's tokenizer)."""
    tokens = duckdb.tokenize(sql)
    if not tokens:
        return []
    ends = [start for start, _ in tokens[1:]] + [len(sql)]
    return [(sql[start:end].strip(), kind) for (start, kind), end in zip(tokens, ends, strict=True)]


def _function_refusal(words: list[tuple[str, Any]]) -> str | None:
    for (text, kind), (after, _) in zip(words[:-1], words[1:], strict=True):
        name = text.strip('"')
        if kind in (duckdb.token_type.identifier, duckdb.token_type.keyword) and after.startswith("("):
            if OUTSIDE_FUNCTIONS.search(name):
                return f"calls {name}(), which reaches outside the warehouse"
    return None


def _set_refusal(words: list[tuple[str, Any]]) -> str | None:
    names = [text.strip('"').lower() for text, _ in words[:3]]
    if names[0] == "use":
        return None
    name = names[2] if len(names) > 2 and names[1] in ("session", "global", "local") else names[1]
    if name == "variable" or name in CHANGEABLE_SETTINGS:
        return None
    return f"changes the setting {name!r}: this connection's settings are locked (external access stays off)"


def _inner_start(words: list[tuple[str, Any]], kind: duckdb.StatementType) -> int:
    """Index of the first token of the statement EXPLAIN [ANALYZE] [(options)] or PREPARE name AS wraps."""
    lowered = [text.lower() for text, _ in words]
    if kind == duckdb.StatementType.PREPARE:
        return lowered.index("as") + 1 if "as" in lowered else len(words)
    i = 2 if len(lowered) > 1 and lowered[1] == "analyze" else 1
    if i < len(lowered) and lowered[i] == "(":
        i = lowered.index(")", i) + 1 if ")" in lowered[i:] else len(words)
    return i


def _inner_refusal(con: duckdb.DuckDBPyConnection, sql: str, words: list[tuple[str, Any]], kind: Any) -> str | None:
    """The refusal of the statement an EXPLAIN or PREPARE wraps (EXPLAIN ANALYZE runs it)."""
    starts = [start for start, _ in duckdb.tokenize(sql)]
    first = _inner_start(words, kind)
    if first >= len(starts):
        return None
    try:
        return refusal(con, sql[starts[first] :])
    except duckdb.ParserException:
        return f"wraps a statement the guard cannot read ({kind.name})"


def _statement_refusal(con: duckdb.DuckDBPyConnection, statement: Any) -> str | None:
    kind, sql = statement.type, statement.query
    if kind in REFUSED_STATEMENTS:
        return REFUSED_STATEMENTS[kind]
    if kind not in ALLOWED_STATEMENTS:
        return f"is a {kind.name} statement, not a read"
    words = _words(sql)
    if not words:
        return None
    if kind == duckdb.StatementType.CREATE and "secret" in [t.lower() for t, _ in words[1:5]]:
        return "creates a secret (credentials for storage outside the warehouse)"
    if kind == duckdb.StatementType.SET:
        return _set_refusal(words)
    if kind in (duckdb.StatementType.EXPLAIN, duckdb.StatementType.PREPARE):
        return _inner_refusal(con, sql, words, kind)
    return _function_refusal(words)


def refusal(con: duckdb.DuckDBPyConnection, sql: Any) -> str | None:
    """Why `sql` (one or more statements, or a statement `extract_statements` made) may not run on the read-only
    connection, or None when it may.

    Parsed on `con` itself, so a statement the parser would act on (IMPORT DATABASE reads files while parsing)
    meets the locked-down engine.
    """
    statements = [sql] if isinstance(sql, duckdb.Statement) else con.extract_statements(sql)
    for statement in statements:
        reason = _statement_refusal(con, statement)
        if reason is not None:
            head = " ".join(statement.query.split())[:60]
            return f"{head!r} {reason}"
    return None


def check(con: duckdb.DuckDBPyConnection, sql: Any) -> None:
    """Raise `ReadOnlyViolation` naming the statement and why, when `sql` may not run."""
    reason = refusal(con, sql)
    if reason is not None:
        raise ReadOnlyViolation(f"refused on the read-only warehouse connection: {reason}. ({NEXT_STATEMENT})")


def _check_expressions(args: tuple[Any, ...]) -> None:
    """Relation methods take SQL expressions (`filter`, `project`, …): refuse outside functions in them too."""
    for arg in args:
        if isinstance(arg, str):
            reason = _function_refusal(_words(arg))
            if reason is not None:
                raise ReadOnlyViolation(f"refused on the read-only warehouse connection: {arg[:60]!r} {reason}")


class GuardedRelation:
    """A DuckDB relation of the read-only connection: every method as DuckDB's, its SQL checked, its results
    guarded too (`relation.query(name, sql)` runs any SQL on the connection)."""

    def __init__(self, relation: duckdb.DuckDBPyRelation, guard: GuardedConnection):
        self._relation, self._guard = relation, guard

    def query(self, virtual_table_name: str, sql_query: str) -> Any:
        check(self._guard.raw, sql_query)
        return self._guard.wrap(self._relation.query(virtual_table_name, sql_query))

    def __getattr__(self, name: str) -> Any:
        if name in FILE_WRITERS:
            raise ReadOnlyViolation(
                f"refused on the read-only warehouse connection: relation.{name}() writes a file "
                f"({NEXT_STATEMENT}; fetch the rows with .pl() or .df() and write them yourself)"
            )
        return self._guard.wrap(getattr(self._relation, name))

    def __getitem__(self, item: Any) -> Any:
        return self._guard.wrap(self._relation[item])

    def __len__(self) -> int:
        return len(self._relation)

    def __repr__(self) -> str:
        return repr(self._relation)

    def __str__(self) -> str:
        return str(self._relation)


class GuardedConnection:
    """The analysts' read-only DuckDB connection: DuckDB's connection API (`sql`, `execute`, `fetchall`, `pl`,
    `close`, `with …`), every SQL text checked by `check` before it runs. `raw` is the connection underneath,
    for code that must hand a real `DuckDBPyConnection` to a library (the engine lock still holds there)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.raw = con

    def execute(self, query: str, parameters: Any = None) -> GuardedConnection:
        check(self.raw, query)
        self.raw.execute(query, parameters)
        return self

    def executemany(self, query: str, parameters: Any = None) -> GuardedConnection:
        check(self.raw, query)
        self.raw.executemany(query, parameters)
        return self

    def sql(self, query: str, *args: Any, **kwargs: Any) -> Any:
        check(self.raw, query)
        return self.wrap(self.raw.sql(query, *args, **kwargs))

    query = sql

    def from_query(self, query: str, *args: Any, **kwargs: Any) -> Any:
        check(self.raw, query)
        return self.wrap(self.raw.from_query(query, *args, **kwargs))

    def table_function(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if OUTSIDE_FUNCTIONS.search(name):
            raise ReadOnlyViolation(
                f"refused on the read-only warehouse connection: {name}() reaches outside the "
                f"warehouse ({NEXT_STATEMENT})"
            )
        return self.wrap(self.raw.table_function(name, *args, **kwargs))

    def wrap(self, value: Any) -> Any:
        """Guard what DuckDB hands back: connections (cursor, execute chains), relations, and methods."""
        if isinstance(value, duckdb.DuckDBPyConnection):
            return self if value is self.raw else GuardedConnection(value)
        if isinstance(value, duckdb.DuckDBPyRelation):
            return GuardedRelation(value, self)
        if callable(value) and not isinstance(value, type):
            return lambda *args, **kwargs: (_check_expressions(args), self.wrap(value(*args, **kwargs)))[1]
        return value

    def __getattr__(self, name: str) -> Any:
        return self.wrap(getattr(self.raw, name))

    def __enter__(self) -> GuardedConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.raw.close()

    def __repr__(self) -> str:
        return f"<read-only warehouse connection {self.raw!r}>"
