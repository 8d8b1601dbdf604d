"""What Python needs to know of the schema (schema.sql beside this file, paths.SCHEMA_FILE): the tables whose content
is the data, the import bookkeeping tables that a database built before them lacks, and the macros that queries/*.sql
share (macros.sql beside this file, paths.MACROS_FILE), which a database built before them lacks too.

Here, below the build, the import service and the backups, because all three rely on it: a build fills the content
tables, a backup is sound only with all of them, an import and a restore add the bookkeeping tables first; and
store/db.py and store/lake.py make the macros on every database they open."""

from __future__ import annotations

import contextlib
import hashlib
import re
from functools import cache

import duckdb

from par_dashboard.paths import MACROS_FILE, SCHEMA_FILE

# Tables whose content defines the data (data_version is bookkeeping).
CONTENT_TABLES = ["source", "admin_structure", "admin_unit", "unit_crosswalk", "par_area", "index_family",
                  "indicator", "target", "inspection_plan", "inspection", "inspection_unit", "finding",
                  "indicator_value", "score", "published_aggregate", "unit_region", "published_fact", "rank_group"]


def _import_ddl() -> str:
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    return text[text.index("CREATE TABLE IF NOT EXISTS import_batch"):]


def ensure_tables(cur) -> None:
    """The import bookkeeping tables, also in a database built before they were added to the schema."""
    cur.execute(_import_ddl())


# ------------------------------------------------------------------------------------------------ shared macros

VERSION_MACRO = "par_macros_version"  # stored beside the macros: which version of macros.sql made them


@cache
def _macros() -> tuple[dict[str, str], str]:
    """macros.sql's statements by macro name (in the file's order: a macro after those it calls), and the mark of this
    version of the file."""
    text = MACROS_FILE.read_text(encoding="utf-8")
    statements = {m.group(2): m.group(1) for m in re.finditer(r"^(CREATE OR REPLACE MACRO (\w+)\(.*?;)[ \t]*$", text,
                                                              flags=re.M | re.S)}
    return statements, "par-macros " + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def macro_names() -> list[str]:
    return list(_macros()[0])


def macros_sql() -> str:
    """The statements that store the macros in a database, followed by the macro that says which version of macros.sql
    made them (what macros_current asks)."""
    statements, mark = _macros()
    # a hex digest of our own file: nothing from outside reaches this SQL
    return "\n".join([*statements.values(), f"CREATE OR REPLACE MACRO {VERSION_MACRO}() AS '{mark}';"])


@cache
def temporary_macros_sql(sql: str | None) -> str:
    """The statements that make, as temporary macros (seen by the connection that runs them only), the macros that
    `sql` calls and those they call in turn; every macro for None (any SQL may follow). '' when it calls none. Each
    costs a few milliseconds to make (it is bound when made): a query makes only its own."""
    statements, _ = _macros()
    calls = {name: re.compile(rf"\b{name}\s*\(") for name in statements}
    needed = set(statements) if sql is None else {name for name, call in calls.items() if call.search(sql)}
    while more := {name for name, call in calls.items() if name not in needed
                   and any(call.search(statements[n]) for n in needed)}:
        needed |= more
    return "\n".join(s.replace("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO", 1)
                     for name, s in statements.items() if name in needed)


def macros_current(con) -> bool:
    """Whether `con`'s database holds the macros of this version of macros.sql. One call to the version macro (0.1 ms;
    listing duckdb_functions(), 3,000 built-in functions, took 100 ms): the macros are only ever written all together,
    in one transaction with it (prepare_macros, the build)."""
    try:
        # fetchall, not fetchone: a result left unread keeps its transaction open on `con`, and an open transaction on
        # the dashboard's connection made every later CHECKPOINT (before each backup) fail
        # VERSION_MACRO is this module's constant name, no value from outside (a macro's name cannot be bound)
        (found,), = con.execute(f"SELECT {VERSION_MACRO}()").fetchall()
    except duckdb.CatalogException:  # a file built before the macros
        return False
    return found == _macros()[1]


def prepare_macros(con, *, writable: bool) -> bool:
    """Make the macros callable on `con`'s database, also a file built before they existed or with an earlier version
    of them. False: they are in the file (or were written into it now, `writable`). True (a read-only file): every
    cursor must make the ones its SQL calls first (temporary_macros_sql): a temporary macro is seen by its own
    connection only, and each cursor is a connection of its own."""
    if macros_current(con):
        return False
    if writable:
        con.execute("BEGIN TRANSACTION")  # all of them or none
        try:
            con.execute(macros_sql())
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        return False
    return True
