"""A result cache in SQLite, so that unchanged texts are not scored again.

Keyed by content and config: an entry is found only with the same config hash (which includes
the medfact version), output, context, question and task. Safe under concurrent runs (WAL journal,
busy timeout, one short transaction per write) and from several threads of one process.

No clinical text is stored in the clear. The key is a SHA-256 digest, and the Assessment JSON
(whose claims, evidence and messages quote the texts) is compressed and encrypted under a key
derived from the very texts it describes: only someone who holds the same output and context can
read an entry back. The cipher is SHAKE-256 in keystream mode with a random nonce per entry and
an HMAC-SHA-256 tag (stdlib only); an entry that fails its tag is treated as a miss and removed.

A damaged database (not SQLite, or a malformed image) is moved aside once, to
``cache.sqlite.corrupt`` (with its ``-wal`` and ``-shm`` files), with one warning, and a new
cache is started in its place: the next run finds a sound file and says nothing. Any other
database problem (read-only home, a lock held too long) logs one warning and turns the cache off
for the run: a cache never fails a check.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medfact.types import Assessment, Case

log = logging.getLogger("medfact.cache")

SCHEMA_VERSION = "1"
FILE_NAME = "cache.sqlite"
_BUSY_TIMEOUT_S = 30.0
_TOUCH_AFTER_S = 3600.0  # "last used" is refreshed at most hourly (it only orders evictions)


def default_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """``cache_dir``, else ``$MEDFACT_HOME``, else ``~/.cache/medfact``."""
    if cache_dir:
        return Path(cache_dir).expanduser()
    env = os.environ.get("MEDFACT_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "medfact"


@dataclass(frozen=True)
class CacheKey:
    """Where an entry lives (``id``, a hex digest) and the secret that opens it."""

    id: str
    secret: bytes = b""

    def __repr__(self) -> str:  # never print the secret
        return f"CacheKey(id={self.id[:16]}...)"


def cache_key(config_hash: str, case: Case) -> CacheKey:
    """The key of a case's result under a config: what decides the result, nothing else."""
    blob = json.dumps(
        [config_hash, case.output, case.context, case.question, case.task],
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(b"medfact.cache.v1\x00" + blob).digest()
    return CacheKey(
        id=hashlib.sha256(b"id\x00" + digest).hexdigest(),
        secret=hashlib.sha256(b"secret\x00" + digest).digest(),
    )


def is_corrupt(exc: BaseException) -> bool:
    """Whether a SQLite error says the file itself is damaged (not busy, locked or read-only)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


def _keystream(secret: bytes, nonce: bytes, n: int) -> bytes:
    return hashlib.shake_256(b"enc\x00" + secret + nonce).digest(n)


def _xor(data: bytes, stream: bytes) -> bytes:
    n = len(data)
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


def _tag(secret: bytes, nonce: bytes, sealed: bytes) -> bytes:
    mac_key = hashlib.sha256(b"mac\x00" + secret).digest()
    return hmac.new(mac_key, nonce + sealed, hashlib.sha256).digest()


def seal(secret: bytes, plain: bytes) -> tuple[bytes, bytes, bytes]:
    """(nonce, ciphertext, tag) of ``plain`` (compressed first)."""
    nonce = secrets.token_bytes(16)
    packed = zlib.compress(plain, 6)
    sealed = _xor(packed, _keystream(secret, nonce, len(packed)))
    return nonce, sealed, _tag(secret, nonce, sealed)


def unseal(secret: bytes, nonce: bytes, sealed: bytes, tag: bytes) -> bytes | None:
    """The plain bytes, or None when the tag does not match (wrong key or damaged entry)."""
    if not hmac.compare_digest(_tag(secret, nonce, sealed), tag):
        return None
    try:
        return zlib.decompress(_xor(sealed, _keystream(secret, nonce, len(sealed))))
    except zlib.error:
        return None


class ResultCache:
    """Assessments by content and config hash, in ``<cache_dir>/cache.sqlite``.

    ``path`` is a folder (the file is ``cache.sqlite`` in it) or a ``.sqlite`` file; None means
    ``$MEDFACT_HOME`` or ``~/.cache/medfact``. ``max_bytes`` caps the stored size: the entries used
    least recently go first when the cache is closed. Nothing is opened before first use.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        max_bytes: int | None = None,
        timeout: float = _BUSY_TIMEOUT_S,
    ) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._disabled = False
        self._recovered = False  # a damaged file was moved aside in this run already
        self._used: set[str] = set()
        self.hits = 0
        self.misses = 0
        self.writes = 0

    # ----------------------------------------------------------------- connection

    @property
    def file(self) -> Path:
        if self.path is not None and str(self.path).endswith((".sqlite", ".db")):
            return Path(self.path).expanduser()
        return default_cache_dir(self.path) / FILE_NAME

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is not None or self._disabled:
            return self._conn
        file = self.file
        for attempt in range(2):
            conn = None
            try:
                file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                if not file.exists():  # private from the start; -wal/-shm get the same mode
                    os.close(os.open(file, os.O_CREAT | os.O_WRONLY, 0o600))
                conn = sqlite3.connect(
                    file, timeout=self.timeout, isolation_level=None, check_same_thread=False
                )
                self._retry(lambda c=conn: self._setup(c))
            except (OSError, sqlite3.Error) as exc:
                if conn is not None:
                    with contextlib.suppress(sqlite3.Error):
                        conn.close()
                if attempt == 0 and is_corrupt(exc) and not self._recovered:
                    self._recovered = True
                    if self._move_aside(file, exc):
                        continue
                self._disable(f"cannot open the result cache {str(file)!r}: {exc}")
                return None
            self._conn = conn
            return conn
        return None

    def _move_aside(self, file: Path, exc: BaseException) -> bool:
        """Move a damaged database (and its -wal and -shm files) to ``<name>.corrupt``, with one
        warning; False when it cannot be moved."""
        aside = file.with_name(file.name + ".corrupt")
        try:
            for suffix in ("", "-wal", "-shm"):
                source = file.with_name(file.name + suffix)
                target = aside.with_name(aside.name + suffix)
                if source.exists():
                    os.replace(source, target)
                elif target.exists():
                    target.unlink()
        except OSError as err:
            log.warning("the result cache %r is damaged (%s) and cannot be moved: %s",
                        str(file), exc, err.strerror)  # fmt: skip
            return False
        log.warning(
            "the result cache %r was damaged (%s); moved it to %r and started a new one",
            str(file),
            exc,
            str(aside),
        )
        return True

    def _setup(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        try:  # the common case, read only: the tables exist in this schema version
            row = conn.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            if row is not None and row[0] == SCHEMA_VERSION:
                return
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            row = conn.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            if row is not None and row[0] != SCHEMA_VERSION:
                conn.execute("DROP TABLE IF EXISTS entries")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, nonce BLOB NOT NULL, "
                "data BLOB NOT NULL, tag BLOB NOT NULL, size INTEGER NOT NULL, "
                "created REAL NOT NULL, used REAL NOT NULL)"
            )
            conn.execute("CREATE INDEX IF NOT EXISTS entries_used ON entries (used)")
            conn.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _retry(self, action: Any, attempts: int = 5) -> Any:
        """Run ``action``, retrying a few times on a lock the busy timeout did not absorb
        (switching to WAL can report busy at once)."""
        for attempt in range(attempts):
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or attempt == attempts - 1:
                    raise
                time.sleep(0.05 * 2**attempt)
        return None

    def _failed(self, what: str, exc: sqlite3.Error) -> None:
        """A query failed: a damaged file is moved aside once and the cache reopened on next
        use; anything else turns the cache off for the run."""
        if is_corrupt(exc) and not self._recovered and self._conn is not None:
            self._recovered = True
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
            if self._move_aside(self.file, exc):
                return
        self._disable(f"{what}: {exc}")

    def _disable(self, message: str) -> None:
        if not self._disabled:
            log.warning("%s; going on without a cache", message)
        self._disabled = True
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    # ----------------------------------------------------------------- entries

    def key(self, config_hash: str, case: Case) -> CacheKey:
        return cache_key(config_hash, case)

    def get(self, key: CacheKey, case_id: str | None = None) -> Assessment | None:
        """The cached assessment (its id set to ``case_id``), or None."""
        with self._lock:
            conn = self._connect()
            if conn is None:
                return None
            try:
                row = conn.execute(
                    "SELECT nonce, data, tag, used FROM entries WHERE key = ?", (key.id,)
                ).fetchone()
            except sqlite3.Error as exc:
                self._failed("result cache read failed", exc)
                return None
            if row is None:
                self.misses += 1
                return None
            plain = unseal(key.secret, *row[:3])
            assessment = None
            if plain is not None:
                try:
                    assessment = Assessment.from_json(plain.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    assessment = None
            if assessment is None:
                log.debug("dropping a damaged cache entry")
                self.misses += 1
                self._write(lambda c: c.execute("DELETE FROM entries WHERE key = ?", (key.id,)))
                return None
            self.hits += 1
            # "last used" only orders evictions: without a size cap it is refreshed hourly at
            # most, so that a run served from the cache stays read-only
            if self.max_bytes is not None or time.time() - row[3] > _TOUCH_AFTER_S:
                self._used.add(key.id)
        if case_id is not None and assessment.id != case_id:
            assessment = assessment.model_copy(update={"id": case_id})
        return assessment

    def put(self, key: CacheKey, assessment: Assessment) -> None:
        plain = assessment.model_dump_json().encode("utf-8")
        nonce, sealed, tag = seal(key.secret, plain)
        now = time.time()
        with self._lock:
            if self._connect() is None:
                return
            done = self._write(
                lambda c: c.execute(
                    "INSERT OR REPLACE INTO entries (key, nonce, data, tag, size, created, used) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key.id, nonce, sealed, tag, len(sealed) + 80, now, now),
                )
            )
            self.writes += bool(done)

    def _write(self, action: Any) -> bool:
        conn = self._conn
        if conn is None:
            return False

        def transaction() -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                action(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        try:
            self._retry(transaction)
        except sqlite3.Error as exc:
            self._failed("result cache write failed", exc)
            return False
        return True

    def stats(self) -> dict[str, Any]:
        """Entries and bytes stored, and this object's hits, misses and writes."""
        with self._lock:
            conn = self._connect()
            entries, size = (0, 0)
            if conn is not None:
                try:
                    entries, size = conn.execute(
                        "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM entries"
                    ).fetchone()
                except sqlite3.Error as exc:
                    self._failed("result cache read failed", exc)
        return {
            "file": str(self.file),
            "entries": entries,
            "bytes": size,
            "hits": self.hits,
            "misses": self.misses,
            "writes": self.writes,
        }

    def clear(self) -> None:
        with self._lock:
            if self._connect() is not None:
                self._write(lambda c: c.execute("DELETE FROM entries"))

    def close(self) -> None:
        """Record which entries were used, apply ``max_bytes``, and close the file."""
        with self._lock:
            if self._conn is None:
                return
            used, self._used = sorted(self._used), set()
            now = time.time()

            def touch(conn: sqlite3.Connection) -> None:
                conn.executemany(
                    "UPDATE entries SET used = ? WHERE key = ?", [(now, k) for k in used]
                )

            if used:
                self._write(touch)
            if self.max_bytes is not None:
                self._write(self._evict)
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _evict(self, conn: sqlite3.Connection) -> None:
        (total,) = conn.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()
        if self.max_bytes is None or total <= self.max_bytes:
            return
        target = int(self.max_bytes * 0.9)
        doomed = []
        for key, size in conn.execute("SELECT key, size FROM entries ORDER BY used, created"):
            if total <= target:
                break
            doomed.append((key,))
            total -= size
        conn.executemany("DELETE FROM entries WHERE key = ?", doomed)
        log.info("result cache over %d bytes: removed %d old entries", self.max_bytes, len(doomed))

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort
        conn = getattr(self, "_conn", None)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
