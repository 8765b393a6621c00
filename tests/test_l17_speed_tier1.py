"""Session 17 speed: tier 1's per-row calls run on up to ``workers`` threads at once.

Every row stays a call of its own, so the probabilities are the same for any number of workers;
these tests check that, that rows come back in their pairs' order, that a repeated pair is still
computed once, and that the default is one worker per available core, at most two.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from medfact.errors import MedfactError
from medfact.verifiers import crossencoder as ce
from medfact.verifiers.crossencoder import CrossEncoder, CrossEncoderVerifier

PAIRS = [
    ("The right ankle has been puffy since Sunday.", "Right ankle swelling."),
    ("He stopped atorvastatin because of muscle aches.", "Still taking atorvastatin."),
    ("She denies shortness of breath on the stairs.", "Short of breath on exertion."),
    ("Blood sugar this morning was 9.4 before breakfast.", "Fasting glucose 9.4."),
    ("The right ankle has been puffy since Sunday.", "Right ankle swelling."),  # a repeat
    ("", "No known drug allergies."),
    ("Daughter drove him in; he lives alone with a cat.", "Lives with his daughter."),
]


class _Tokens(dict):
    """What a fast tokenizer returns without padding: lists of ids per pair."""


class _FakeTokenizer:
    """Ids are the characters' code points (premise, then claim): distinct pairs, distinct ids."""

    def __call__(self, premises, claims, **_: object) -> _Tokens:
        ids = [[ord(c) % 997 for c in p + "|" + h] for p, h in zip(premises, claims, strict=True)]
        pairs = zip(premises, ids, strict=True)
        types = [[0] * len(p) + [1] * (len(row) - len(p)) for p, row in pairs]
        return _Tokens(input_ids=ids, token_type_ids=types)


def _fake_encoder(workers: int, calls: list[tuple[int, str]], delay: float = 0.0) -> CrossEncoder:
    """A loaded support encoder whose model sums a row's ids (no weights needed)."""
    encoder = CrossEncoder(backend="onnx", per_row=True, workers=workers)
    encoder.tokenizer_ = _FakeTokenizer()
    encoder.support_model_ = True
    encoder.session_ = object()  # counts as loaded; _forward is replaced below

    def forward(feed: dict[str, np.ndarray]) -> np.ndarray:
        calls.append((int(feed["input_ids"].sum()), threading.current_thread().name))
        time.sleep(delay)
        total = float(feed["input_ids"].sum() % 101) / 50.0
        return np.asarray([[-total, total]], dtype=np.float32)

    encoder._forward = forward  # type: ignore[method-assign]
    return encoder


def test_rows_are_the_same_in_order_for_one_or_several_workers() -> None:
    one = _fake_encoder(1, [])
    several = _fake_encoder(3, [])
    expected = one.predict(PAIRS)
    assert np.array_equal(several.predict(PAIRS), expected)
    order = [6, 0, 3, 3, 5, 1]
    assert np.array_equal(several.predict([PAIRS[i] for i in order]), expected[order])
    assert len({round(float(p), 4) for p in expected[:, 0]}) >= 5  # the rows really differ


def test_a_repeated_pair_is_computed_once_with_workers() -> None:
    calls: list[tuple[int, str]] = []
    rows = _fake_encoder(2, calls).predict(PAIRS)
    assert len(calls) == len(set(PAIRS)) == len(PAIRS) - 1
    assert np.array_equal(rows[0], rows[4])


def test_several_workers_run_calls_on_their_own_threads_and_one_runs_inline() -> None:
    calls: list[tuple[int, str]] = []
    _fake_encoder(2, calls, delay=0.01).predict(PAIRS)
    assert {name for _, name in calls} <= {"medfact-tier1_0", "medfact-tier1_1"}
    assert len({name for _, name in calls}) == 2  # calls overlapped: both threads took some
    inline: list[tuple[int, str]] = []
    _fake_encoder(1, inline).predict(PAIRS)
    assert {name for _, name in inline} == {threading.current_thread().name}
    single: list[tuple[int, str]] = []
    _fake_encoder(2, single).predict(PAIRS[:1])  # one row: no thread needed
    assert {name for _, name in single} == {threading.current_thread().name}


def test_a_thread_that_calls_inline_runs_its_own_calls_with_the_same_rows() -> None:
    calls: list[tuple[int, str]] = []
    encoder = _fake_encoder(2, calls)
    expected = _fake_encoder(1, []).predict(PAIRS)
    out: list[np.ndarray] = []

    def reader() -> None:
        encoder.calls_inline()
        out.append(encoder.predict(PAIRS))

    thread = threading.Thread(target=reader, name="case-reader")
    thread.start()
    thread.join()
    assert {name for _, name in calls} == {"case-reader"}
    assert np.array_equal(out[0], expected)
    calls.clear()
    encoder.predict(PAIRS)  # the flag is the reader thread's alone
    assert {name for _, name in calls} <= {"medfact-tier1_0", "medfact-tier1_1"}


def test_predict_from_several_threads_runs_at_most_workers_calls_at_once() -> None:
    running, most = [0], [0]
    guard = threading.Lock()
    encoder = _fake_encoder(2, [])
    plain = encoder._forward

    def counted(feed: dict[str, np.ndarray]) -> np.ndarray:
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.005)
        with guard:
            running[0] -= 1
        return plain(feed)

    encoder._forward = counted  # type: ignore[method-assign]
    expected = _fake_encoder(1, []).predict(PAIRS)
    out: dict[int, np.ndarray] = {}
    threads = [
        threading.Thread(target=lambda k=k: out.__setitem__(k, encoder.predict(PAIRS)))
        for k in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 2
    assert all(np.array_equal(out[k], expected) for k in range(4))


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_workers_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(MedfactError, match="workers"):
        CrossEncoder(workers=bad)  # type: ignore[arg-type]
    with pytest.raises(MedfactError, match="workers"):
        CrossEncoderVerifier(workers=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 2), (16, 2)])
def test_default_workers_is_one_per_core_at_most_two(monkeypatch, cores, expected) -> None:
    monkeypatch.setattr(ce.os, "sched_getaffinity", lambda _: set(range(cores)), raising=False)
    assert ce.default_workers() == expected
    assert CrossEncoderVerifier().encoder.workers == expected
    assert CrossEncoderVerifier(workers=1).encoder.workers == 1


def _shipped_onnx() -> Path:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("transformers")
    path = ce.shipped_model_dir() / ce.ONNX_FILE
    if not path.is_file():
        pytest.skip("no shipped model.onnx")
    return path


def test_the_shipped_onnx_gives_bit_identical_rows_for_one_and_two_workers() -> None:
    _shipped_onnx()
    one = CrossEncoderVerifier(workers=1).load()
    two = CrossEncoderVerifier(workers=2).load()
    expected = one.predict(PAIRS)
    assert np.array_equal(two.predict(PAIRS), expected)
    rng = np.random.default_rng(17)
    for _ in range(3):  # any order, repeats included
        order = rng.permutation(len(PAIRS)).tolist() + [2, 2]
        assert np.array_equal(two.predict([PAIRS[i] for i in order]), expected[order])


CASES = [
    {
        "id": "a",
        "output": "Right ankle swelling since Sunday. No chest pain.",
        "context": "Doctor: Any swelling? Patient: My right ankle has been puffy since Sunday. "
        "Doctor: Chest pain? Patient: None at all.",
    },
    {
        "id": "b",
        "output": "Continues atorvastatin 40 mg nightly.",
        "context": "Patient: I stopped the atorvastatin last month, the muscle aches were awful.",
    },
    {"id": "c", "output": "Lives with his daughter.", "context": "He lives alone with a cat."},
    {
        "id": "d",
        "output": "Fasting glucose 9.4. Short of breath on exertion.",
        "context": "Sugar this morning before breakfast was 9.4. She denies breathlessness on "
        "the stairs. She walks the dog daily.",
    },
]


def _results(engine, cases) -> list[dict]:
    return [
        {k: v for k, v in r.model_dump(mode="json").items() if k != "timings"}
        for r in engine.score_many(cases)
    ]


def test_the_default_pipeline_scores_the_same_with_cases_read_side_by_side() -> None:
    _shipped_onnx()
    from medfact.pipeline import Engine

    serial = Engine.from_config(None, {"components": {"crossencoder.v1": {"workers": 1}}})
    side = Engine.from_config(None, {"components": {"crossencoder.v1": {"workers": 2}}})
    serial, side = serial.load(), side.load()
    assert side.parts.model.workers == 2
    expected = _results(serial, CASES)
    for r in expected:
        r.pop("config_hash")
    for order in ([0, 1, 2, 3], [3, 1, 0, 2, 2]):
        got = _results(side, [CASES[i] for i in order])
        for r in got:
            r.pop("config_hash")
        assert got == [expected[i] for i in order]
    alone = side.score(CASES[3]).model_dump(mode="json")
    assert alone["risk_level"] == expected[3]["risk_level"]
    assert alone["verdicts"] == expected[3]["verdicts"]
