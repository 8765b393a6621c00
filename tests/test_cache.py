"""The SQLite result cache: keys, privacy, damage, concurrency, size cap, the gate's speed-up."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest

from medfact.cache import ResultCache, cache_key
from medfact.errors import RegistryError
from medfact.gate import GateSettings, run_gate
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.types import Assessment, Case, Claim, Evidence, Finding

SECRET_WORDS = "Zorblatt-syndrome of the left knee"


def make_assessment(case_id: str = "a", risk: int = 3) -> Assessment:
    return Assessment(
        id=case_id,
        risk_level=RiskLevel(risk),
        factuality=0.5,
        claims=[Claim(id="c0", text=SECRET_WORDS, span=(0, len(SECRET_WORDS)), sentence=0)],
        findings=[
            Finding(
                category=ErrorCategory.DETAIL_MISIDENTIFICATION,
                risk=RiskLevel(risk),
                span=(0, 4),
                message=f"'{SECRET_WORDS}' is wrong",
                rule="laterality.v1",
                evidence=[Evidence(text=SECRET_WORDS, source="context", span=(0, 5))],
                suggestion="right",
            )
        ],
        timings={"verify": 0.01},
        engine_version="0.1.0",
        config_hash="cfg",
    )


def make_case(output: str = SECRET_WORDS, context: str = "ctx", **kw) -> Case:
    return Case(id=kw.pop("id", "a"), output=output, context=context, **kw)


def test_key_depends_on_config_and_every_text_but_not_the_id():
    base = cache_key("cfg", make_case())
    assert cache_key("cfg", make_case(id="other")) == base
    assert cache_key("cfg2", make_case()).id != base.id
    assert cache_key("cfg", make_case(output="x")).id != base.id
    assert cache_key("cfg", make_case(context="x")).id != base.id
    assert cache_key("cfg", make_case(question="q")).id != base.id
    assert cache_key("cfg", make_case(context=None)).id != base.id
    assert len(base.id) == 64 and "secret" not in repr(base)


def test_round_trip_sets_the_asking_case_id(tmp_path):
    with ResultCache(tmp_path) as cache:
        key = cache.key("cfg", make_case())
        assert cache.get(key) is None
        cache.put(key, make_assessment("first"))
        again = cache.get(key, case_id="second")
        assert again is not None and again.id == "second"
        assert again.findings == make_assessment().findings
        assert cache.stats()["entries"] == 1
    assert (tmp_path / "cache.sqlite").exists()


def test_no_clinical_text_on_disk(tmp_path):
    cache = ResultCache(tmp_path)
    key = cache.key("cfg", make_case())
    cache.put(key, make_assessment())
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    cache.close()
    raw += b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for word in (b"Zorblatt", b"knee", b"laterality"):
        assert word not in raw
    mode = (tmp_path / "cache.sqlite").stat().st_mode & 0o777
    assert mode == 0o600


def test_a_damaged_entry_is_a_miss_and_is_removed(tmp_path):
    cache = ResultCache(tmp_path)
    key = cache.key("cfg", make_case())
    cache.put(key, make_assessment())
    cache.close()
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        conn.execute("UPDATE entries SET data = X'00112233'")
    cache = ResultCache(tmp_path)
    assert cache.get(key) is None
    assert cache.stats()["entries"] == 0
    # and an entry cannot be read with another text's key
    cache.put(key, make_assessment())
    other = cache.key("cfg", make_case(output="different"))
    forged = type(key)(id=key.id, secret=other.secret)
    assert cache.get(forged) is None
    cache.close()


def test_unusable_location_warns_and_goes_on(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = ResultCache(blocker / "sub")
    with caplog.at_level(logging.WARNING, logger="medfact.cache"):
        key = cache.key("cfg", make_case())
        assert cache.get(key) is None
        cache.put(key, make_assessment())
    assert "going on without a cache" in caplog.text
    cache.close()


def test_size_cap_evicts_least_recently_used(tmp_path):
    cache = ResultCache(tmp_path, max_bytes=10_000)
    keys = [cache.key("cfg", make_case(output=f"text {i}")) for i in range(40)]
    for i, key in enumerate(keys):
        cache.put(key, make_assessment(f"c{i}"))
    cache.get(keys[0])  # recently used: kept
    cache.close()
    cache = ResultCache(tmp_path)
    stats = cache.stats()
    assert stats["bytes"] <= 10_000 and 0 < stats["entries"] < 40
    assert cache.get(keys[0]) is not None
    assert cache.get(keys[1]) is None
    cache.close()


def test_old_schema_is_reset(tmp_path):
    cache = ResultCache(tmp_path)
    cache.put(cache.key("cfg", make_case()), make_assessment())
    cache.close()
    with sqlite3.connect(tmp_path / "cache.sqlite") as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE name = 'schema'")
    cache = ResultCache(tmp_path)
    assert cache.stats()["entries"] == 0
    cache.close()


def _writer(folder: str, worker: int, start, n: int) -> None:
    cache = ResultCache(folder)
    start.wait(10)
    for i in range(n):
        shared = cache.key("cfg", make_case(output=f"shared {i}"))
        own = cache.key("cfg", make_case(output=f"worker {worker} text {i}"))
        cache.put(shared, make_assessment(f"s{i}"))
        cache.put(own, make_assessment(f"w{worker}-{i}"))
        cache.get(shared)
    cache.close()


def test_concurrent_processes_write_at_once(tmp_path):
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters, as separate gate runs are
    start = ctx.Event()
    n = 150
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, start, n)) for w in range(3)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    cache = ResultCache(tmp_path)
    assert cache.stats()["entries"] == n + 3 * n
    for w in range(3):
        for i in (0, n // 2, n - 1):
            got = cache.get(cache.key("cfg", make_case(output=f"worker {w} text {i}")))
            assert got is not None and got.id == f"w{w}-{i}"
    cache.close()


# --------------------------------------------------------------------------- the gate's speed-up


class CountingEngine:
    """The real engine, counting the cases it scores."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.config_hash = engine.config_hash
        self.calls = 0

    def load(self):
        return self.engine.load()

    def score_many(self, cases):
        for case in cases:
            self.calls += 1
            yield from self.engine.score_many([case])


@pytest.fixture(scope="module")
def engine():
    from medfact.pipeline import default_engine

    try:
        return default_engine().load()
    except RegistryError as exc:
        pytest.skip(f"the built-in pipeline cannot load: {exc}")


CONTEXT = (
    "Doctor: What brings you in today?\n"
    "Patient: My left knee has been swelling up for about {n} days, worse since I started "
    "jogging again.\n"
    "Doctor: Any fever or chills?\nPatient: No.\n"
    "Doctor: What do you take for it?\n"
    "Patient: Ibuprofen, 400 milligrams, usually twice a day. And lisinopril, ten milligrams in "
    "the morning, for my blood pressure.\n"
    "Doctor: On exam there is mild swelling of the left knee with a small effusion. Let's get an "
    "x-ray of the left knee and see you back in two weeks.\n"
)
NOTES = (
    "The patient reports left knee swelling for {n} days, worse since resuming jogging. She "
    "denies fever. Medications: ibuprofen 400 mg twice daily and lisinopril 10 mg daily for "
    "blood pressure. Exam shows mild swelling of the left knee with a small effusion. Plan: "
    "x-ray of the left knee. Follow up in two weeks.\n",
    "The patient reports right knee swelling for {n} days, worse since resuming jogging. She "
    "reports fever. Medications: ibuprofen 800 mg twice daily and lisinopril 10 mg daily for "
    "blood pressure. Exam shows severe swelling of the left knee with a small effusion. Plan: "
    "x-ray of the left knee. Follow up in two weeks.\n",
)


def test_second_run_is_served_from_the_cache_and_is_10x_faster(engine, tmp_path):
    tree = tmp_path / "notes"
    tree.mkdir()
    for i in range(60):
        (tree / f"note{i:02d}.txt").write_text(NOTES[i % 2].format(n=i + 2))
        (tree / f"note{i:02d}.context.txt").write_text(CONTEXT.format(n=i + 2))
    settings = GateSettings()
    counter = CountingEngine(engine)

    def run():
        # what other tests left on the heap must not be timed: park it out of the collector's way
        gc.collect()
        gc.freeze()
        try:
            cache = ResultCache(tmp_path / "cache")
            start = time.perf_counter()
            result = run_gate([tree], settings, engine=counter, cache=cache, root=tmp_path)
            cache.close()
            return result, time.perf_counter() - start
        finally:
            gc.unfreeze()

    first, cold = run()
    assert counter.calls == 60 and first.scored == 60
    second, warm = run()
    warm = min(warm, run()[1], run()[1])  # the best of three: timings on a busy machine jitter
    assert counter.calls == 60, "the cached runs must not score anything"
    assert second.cached == 60 and second.scored == 0

    def strip(r):
        return {k: v for k, v in r.to_dict().items() if k != "cached"}

    assert [strip(r) for r in second.results] == [strip(r) for r in first.results]
    assert [r.status for r in first.results].count("fail") == 30
    assert second.exit_code == first.exit_code == 1
    print(f"\n60 files: first run {cold:.3f} s, cached run {warm:.3f} s, {cold / warm:.0f}x")
    # The engine is already loaded here, so this compares scoring with reading the cache; the
    # engine-call count above is the exact check, the time a loose one for busy 2-core machines
    # (quiet ones measure 13-25x; from the command line, with loading, well over 10x).
    assert cold / warm >= 5, f"cached run only {cold / warm:.1f}x faster ({cold:.3f}/{warm:.3f})"


def test_gate_cli_no_cache_leaves_no_file(engine, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from medfact.gate_cli import gate

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEDFACT_HOME", str(tmp_path / "home"))
    Path("a.txt").write_text(NOTES[0].format(n=3))
    Path("a.context.txt").write_text(CONTEXT.format(n=3))
    Path("medfact.toml").write_text("")
    assert CliRunner().invoke(gate, ["a.txt", "--no-cache"]).exit_code == 0
    assert not (tmp_path / "home").exists()
    result = CliRunner().invoke(gate, ["a.txt", "--cache-dir", "c"])
    assert result.exit_code == 0 and (tmp_path / "c" / "cache.sqlite").exists()
    result = CliRunner().invoke(gate, ["a.txt", "--cache-dir", "c"])
    assert "(0 scored, 1 from cache)" in result.stderr


def test_a_corrupt_database_is_moved_aside_once_with_one_warning(tmp_path, caplog):
    """Before: a file that is not SQLite turned the cache off with a warning on every run."""
    (tmp_path / "cache.sqlite").write_bytes(b"this is not a database, " * 100)
    key = ResultCache(tmp_path).key("cfg", make_case())
    with caplog.at_level(logging.WARNING, logger="medfact.cache"):
        cache = ResultCache(tmp_path)
        assert cache.get(key) is None
        cache.put(key, make_assessment())
        assert cache.get(key) is not None  # the new cache works in the same run
        cache.close()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "moved it to" in warnings[0].getMessage()
    aside = tmp_path / "cache.sqlite.corrupt"
    assert aside.read_bytes().startswith(b"this is not a database")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="medfact.cache"):
        again = ResultCache(tmp_path)
        assert again.get(key) is not None  # the rebuilt cache is read back, silently
        again.close()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_malformed_image_found_while_reading_is_moved_aside(tmp_path, caplog, monkeypatch):
    cache = ResultCache(tmp_path)
    key = cache.key("cfg", make_case())
    cache.put(key, make_assessment())
    real_execute = sqlite3.Connection.execute

    class Damaged(sqlite3.Connection):
        def execute(self, sql, *args):
            if sql.startswith("SELECT nonce"):
                raise sqlite3.DatabaseError("database disk image is malformed")
            return real_execute(self, sql, *args)

    cache._conn.close()
    cache._conn = sqlite3.connect(
        cache.file, factory=Damaged, isolation_level=None, check_same_thread=False
    )
    with caplog.at_level(logging.WARNING, logger="medfact.cache"):
        assert cache.get(key) is None
        cache.put(key, make_assessment())  # reopened on a fresh file
    assert (tmp_path / "cache.sqlite.corrupt").exists()
    assert cache.get(key) is not None and not cache._disabled
    assert sum(r.levelno >= logging.WARNING for r in caplog.records) == 1
    cache.close()
