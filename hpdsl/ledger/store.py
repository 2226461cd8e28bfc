"""Storage of the ledger: one schema in SQLite (standard library) or PostgreSQL (psycopg 3).

Three tables, the same in both databases. `hpdsl_entries` is the hash chain: one row a
run, each row's `hash` the sha256 of its fields including `prev_hash`, the hash of the
entry before it. `hpdsl_rowsets` holds sets of row fingerprints, content-addressed (the
key is the sha256 of the bytes), so a replay adds no bytes. `hpdsl_results` holds a
test's scores, written after the look itself, each hashed together with its entry's hash.

Appending is serialized: SQLite's BEGIN IMMEDIATE takes the write lock before the last
hash is read, PostgreSQL's transaction-scoped advisory lock does the same, so concurrent
runs queue and never fork or lose the chain. SQLite runs in WAL mode, so readers (list,
the editor's hover) never block a run. psycopg is imported only for a postgresql:// ledger.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os

SCHEMA_VERSION = "1"
ENTRY_FIELDS = ("id", "created", "hpdsl", "workflow", "title", "version", "identity", "data_sha256",
                "splits", "audit", "test_split", "test_rowset", "status", "supersedes", "looks",
                "versions", "prev_hash")
RESULT_FIELDS = ("entry", "created", "result")
_LOCK_KEY = 0x68706473  # "hpds": the advisory lock PostgreSQL appends under
_TYPES = {"sqlite": {"int": "INTEGER", "blob": "BLOB"}, "postgresql": {"int": "BIGINT", "blob": "BYTEA"}}
_TABLES = {
    "hpdsl_meta": [("key", "TEXT PRIMARY KEY"), ("value", "TEXT NOT NULL")],
    "hpdsl_entries": [("id", "{int} PRIMARY KEY"), ("created", "TEXT NOT NULL"), ("hpdsl", "TEXT NOT NULL"),
                      ("workflow", "TEXT NOT NULL"), ("title", "TEXT"), ("version", "TEXT NOT NULL"),
                      ("identity", "TEXT NOT NULL"), ("data_sha256", "TEXT NOT NULL"), ("splits", "TEXT NOT NULL"),
                      ("audit", "TEXT NOT NULL"), ("test_split", "TEXT"), ("test_rowset", "TEXT"),
                      ("status", "TEXT NOT NULL"), ("supersedes", "{int}"), ("looks", "{int} NOT NULL"),
                      ("versions", "{int} NOT NULL"), ("prev_hash", "TEXT NOT NULL"), ("hash", "TEXT NOT NULL")],
    "hpdsl_rowsets": [("digest", "TEXT PRIMARY KEY"), ("count", "{int} NOT NULL"), ("data", "{blob} NOT NULL")],
    "hpdsl_results": [("entry", "{int} PRIMARY KEY"), ("created", "TEXT NOT NULL"), ("result", "TEXT NOT NULL"),
                      ("hash", "TEXT NOT NULL")],
}
GENESIS = "0" * 64


class LedgerError(Exception):
    """The ledger cannot be opened, read or written; the message says where and why."""


def is_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def entry_hash(entry: dict) -> str:
    return _digest([entry[f] for f in ENTRY_FIELDS])


def result_hash(entry_hash_: str, result: dict) -> str:
    return _digest([entry_hash_, *(result[f] for f in RESULT_FIELDS)])


def _digest(values: list) -> str:
    text = json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Ledger:
    """An open ledger. `read_only` opens an existing SQLite file without ever writing."""

    def __init__(self, location: str, read_only: bool = False) -> None:
        self.location = location
        self.dialect = "postgresql" if is_url(location) else "sqlite"
        self.read_only = read_only
        self._errors: tuple[type[BaseException], ...] = ()
        self._connection = self._connect()
        if not read_only:
            self._create_schema()

    # ---- connecting ----------------------------------------------------------------------------

    def _connect(self):
        if self.dialect == "postgresql":
            try:
                import psycopg
            except ImportError:
                raise LedgerError("a postgresql:// ledger needs psycopg: pip install '.[postgres]' from a checkout of hpdsl") from None
            self._errors = (psycopg.Error,)
            try:
                return psycopg.connect(self.location, autocommit=True, connect_timeout=10)
            except psycopg.Error as error:
                raise LedgerError(f"cannot connect to {shown(self.location)}: {_first_line(error)}") from None
        import sqlite3

        self._errors = (sqlite3.Error,)
        try:
            if self.read_only:
                uri = "file:" + _uri_path(os.path.abspath(self.location)) + "?mode=ro"
                connection = sqlite3.connect(uri, uri=True, timeout=1, isolation_level=None)
            else:
                folder = os.path.dirname(os.path.abspath(self.location))
                os.makedirs(folder, exist_ok=True)
                connection = sqlite3.connect(self.location, timeout=60, isolation_level=None)
                # 64 KiB pages (effective only while the file is new): a run's fingerprints
                # are megabytes, which 4 KiB pages write two to four times slower.
                connection.execute("PRAGMA page_size=65536")
                connection.execute("PRAGMA journal_mode=WAL")
            return connection
        except (OSError, sqlite3.Error) as error:
            raise LedgerError(f"cannot open {self.location}: {_first_line(error)}") from None

    def close(self) -> None:
        with contextlib.suppress(*self._errors):
            self._connection.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def execute(self, sql: str, params: tuple = ()):
        if self.dialect == "postgresql":
            sql = sql.replace("?", "%s")
        try:
            return self._connection.execute(sql, params)
        except self._errors as error:
            raise LedgerError(f"{shown(self.location)}: {_first_line(error)}") from None

    @contextlib.contextmanager
    def appending(self):
        """A transaction that holds the ledger's append lock: read the head, decide, write."""
        if self.dialect == "sqlite":
            self.execute("BEGIN IMMEDIATE")
        else:
            self.execute("BEGIN")
            self.execute("SELECT pg_advisory_xact_lock(?)", (_LOCK_KEY,))
        try:
            yield self
        except BaseException:
            with contextlib.suppress(*self._errors):
                self._connection.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    @contextlib.contextmanager
    def reading(self):
        """A consistent snapshot for reads that span several queries."""
        if self.dialect == "sqlite":
            self.execute("BEGIN")
        else:
            self.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield self
        finally:
            with contextlib.suppress(*self._errors):
                self._connection.execute("COMMIT")

    def _create_schema(self) -> None:
        if self._schema_version() == SCHEMA_VERSION:
            return  # the common case, settled without taking the write lock
        types = _TYPES[self.dialect]
        with self.appending():
            for table, columns in _TABLES.items():
                body = ", ".join(f"{name} {kind.format(**types)}" for name, kind in columns)
                self.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body})")
            found = self.execute("SELECT value FROM hpdsl_meta WHERE key = 'schema'").fetchone()
            if found is None:
                self.execute("INSERT INTO hpdsl_meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
            elif found[0] != SCHEMA_VERSION:
                raise LedgerError(f"{shown(self.location)} has ledger schema {found[0]}; this hpdsl "
                                  f"writes schema {SCHEMA_VERSION}")

    def _schema_version(self) -> str | None:
        """The stored schema version; None when the tables are not there yet."""
        try:
            row = self._connection.execute("SELECT value FROM hpdsl_meta WHERE key = 'schema'").fetchone()
        except self._errors:
            if self.dialect == "postgresql":
                self._connection.rollback()
            return None
        return None if row is None else row[0]

    # ---- reading ---------------------------------------------------------------------------------

    def entries(self, since: int = 0, columns: tuple[str, ...] = (*ENTRY_FIELDS, "hash")) -> list[dict]:
        rows = self.execute(f"SELECT {', '.join(columns)} FROM hpdsl_entries WHERE id > ? ORDER BY id",
                            (since,)).fetchall()
        return [dict(zip(columns, row)) for row in rows]

    def entry(self, number: int) -> dict | None:
        columns = (*ENTRY_FIELDS, "hash")
        row = self.execute(f"SELECT {', '.join(columns)} FROM hpdsl_entries WHERE id = ?", (number,)).fetchone()
        return None if row is None else dict(zip(columns, row))

    def head(self) -> tuple[int, str]:
        row = self.execute("SELECT id, hash FROM hpdsl_entries ORDER BY id DESC LIMIT 1").fetchone()
        return (0, GENESIS) if row is None else (int(row[0]), row[1])

    def rowset(self, digest: str) -> bytes | None:
        row = self.execute("SELECT data FROM hpdsl_rowsets WHERE digest = ?", (digest,)).fetchone()
        return None if row is None else bytes(row[0])

    def results(self) -> dict[int, dict]:
        rows = self.execute("SELECT entry, created, result, hash FROM hpdsl_results").fetchall()
        return {int(r[0]): {"entry": int(r[0]), "created": r[1], "result": r[2], "hash": r[3]} for r in rows}

    # ---- writing (inside `appending`) --------------------------------------------------------------

    def put_rowset(self, digest: str, count: int, blob: bytes) -> None:
        if self.execute("SELECT 1 FROM hpdsl_rowsets WHERE digest = ?", (digest,)).fetchone() is None:
            self.execute("INSERT INTO hpdsl_rowsets (digest, count, data) VALUES (?, ?, ?)", (digest, count, blob))

    def append(self, fields: dict) -> dict:
        """Add an entry after the current head; `fields` lacks id and prev_hash."""
        number, previous = self.head()
        entry = {**fields, "id": number + 1, "prev_hash": previous}
        entry["hash"] = entry_hash(entry)
        names = (*ENTRY_FIELDS, "hash")
        self.execute(f"INSERT INTO hpdsl_entries ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                     tuple(entry[name] for name in names))
        return entry

    def add_result(self, entry: dict, result: dict) -> None:
        record = {"entry": entry["id"], "created": now(), "result": json.dumps(result)}
        self.execute("INSERT INTO hpdsl_results (entry, created, result, hash) VALUES (?, ?, ?, ?)",
                     (record["entry"], record["created"], record["result"], result_hash(entry["hash"], record)))

    # ---- verifying -----------------------------------------------------------------------------------

    def verify(self) -> dict:
        """Check the schema, the chain, the rowsets and the results; the first fault wins."""
        report = {"ok": True, "entries": 0, "head": GENESIS, "broken_at": None, "reason": None}

        def broken(number, reason: str) -> dict:
            report.update(ok=False, broken_at=number, reason=reason)
            return report

        with self.reading():
            problem = self._schema_problem()
            if problem:
                return broken(None, problem)
            previous, expected = GENESIS, 1
            seen: dict[str, bool] = {}
            entries = self.entries()
            hashes = {}
            for entry in entries:
                number = entry["id"]
                if number != expected:
                    return broken(expected, f"entry {expected} is missing (the next entry is {number})")
                if entry["prev_hash"] != previous:
                    return broken(number, f"entry {number} does not link to entry {number - 1}'s hash")
                if entry_hash(entry) != entry["hash"]:
                    return broken(number, f"entry {number}'s contents do not match its hash (edited)")
                for digest in _rowsets_of(entry):
                    if digest not in seen:
                        blob = self.rowset(digest)
                        seen[digest] = blob is not None and hashlib.sha256(blob).hexdigest() == digest
                    if not seen[digest]:
                        return broken(number, f"entry {number}'s row fingerprints {digest[:12]} are missing or altered")
                previous, expected = entry["hash"], number + 1
                hashes[number] = entry["hash"]
            for number, result in sorted(self.results().items()):
                if number not in hashes:
                    return broken(number, f"a result names entry {number}, which is not in the chain")
                if result_hash(hashes[number], result) != result["hash"]:
                    return broken(number, f"entry {number}'s test result does not match its hash (edited)")
            report.update(entries=len(entries), head=previous)
        return report

    def _schema_problem(self) -> str | None:
        for table, columns in _TABLES.items():
            if self.dialect == "sqlite":
                found = [row[1] for row in self.execute(f"PRAGMA table_info({table})").fetchall()]
            else:
                found = [row[0] for row in self.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "AND table_schema = current_schema() ORDER BY ordinal_position", (table,)).fetchall()]
            wanted = [name for name, _ in columns]
            if sorted(found) != sorted(wanted):
                return f"table {table} has columns {found or 'none'}, not {wanted}"
        row = self.execute("SELECT value FROM hpdsl_meta WHERE key = 'schema'").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            return f"the schema version is {row[0] if row else 'missing'}, not {SCHEMA_VERSION}"
        return None


def _rowsets_of(entry: dict) -> list[str]:
    return [split["rowset"] for split in json.loads(entry["splits"]).values() if split.get("rowset")]


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _uri_path(path: str) -> str:
    from urllib.parse import quote

    return quote(path)


def shown(location: str) -> str:
    """A location fit to print: a URL's password is not shown."""
    if not is_url(location):
        return location
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(location)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return location


