"""Tier 1 alone on the model card's pairs: several windows of a long premise, and calibration
from what a run knows (issue 12, session 15, helper N).

The rows are those of ``medfact.nli.train``'s card (supported vs not_enough_info of the card's
sources, every row of the split). Each premise is read as
- ``card``: the claim's 600-character sentence window (training, the card, ``bench nli``);
- ``runs_max``: the highest logit over every run of consecutive sentences of at most 600
  characters (one per start sentence; the premise whole when it fits);
- ``top2_max``: the highest over the two runs holding most of the claim's content stems.
Per source: support-vs-not_enough_info AUC and the card's ECE (P(supported) against the 0/1
truth, 10 equal bins), and the ECE a perfectly calibrated model with the same probabilities
would measure on as many rows (``floor``: the mean over 300 draws of the truth from them).

``--fit``: logistic calibrators over the reading's logit and run-time facts (the input is a
dialogue, log premise length, log number of windows, each also times the logit), fitted on the
validation split and applied to ``--split``.

Model logits (``crossencoder.v1``'s torch float32 path, as the card) are cached in ``--cache``.

    python bench/support_calibration.py --split valid --cache /tmp/n/cache.json
    python bench/support_calibration.py --split test --fit --cache /tmp/n/cache.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from medfact.benchmarks.cases import is_dialogue
from medfact.nli.bench import auc, read_split
from medfact.nli.build import content_stems, sentences
from medfact.nli.train import binary_ece, window
from medfact.support_features import logit

DATA = ("/work/nli-data/nli", "/work/nli-data/twins")
SOURCES = ("check-covid", "evidence-inference", "medhallu", "pubmedqa", "mts-dialog", "twins")
READINGS = ("card", "runs_max", "top2_max")
CALIBRATORS = {
    "length": ("z", "lp", "z*lp"),
    "kind+length": ("z", "d", "z*d", "lp", "z*lp"),
    "kind+windows": ("z", "d", "z*d", "nw", "z*nw"),
}
CHARS = 600


def card_rows(split: str, data: Sequence[str] = DATA) -> list[dict[str, Any]]:
    """Supported and not_enough_info rows of the card's sources."""
    out = []
    for folder in data:
        for row in read_split(folder, split):
            if row["source"] in SOURCES and row["label"] != "contradicted":
                out.append(row)
    return out


def runs(units: Sequence[str], max_chars: int) -> list[str]:
    """The longest run of consecutive ``units`` of at most ``max_chars`` from each start (one
    unit at least, cut at a word), a run inside the one before dropped."""
    out: list[str] = []
    for first in range(len(units)):
        text = units[first]
        for unit in units[first + 1 :]:
            if len(text) + 1 + len(unit) > max_chars:
                break
            text = f"{text} {unit}"
        if len(text) > max_chars:
            cut = text.rfind(" ", 0, max_chars)
            text = text[: cut if cut > 0 else max_chars]
        if not (out and text in out[-1]):
            out.append(text)
    return out


def windows_of(premise: str, claim: str) -> tuple[str, list[str], list[float]]:
    """The card's window, every run, and each run's share of the claim's content stems."""
    target = set(content_stems(claim))
    every = [premise] if len(premise) <= CHARS else runs(sentences(premise) or [premise], CHARS)
    share = [len(set(content_stems(w)) & target) / max(len(target), 1) for w in every]
    return window(premise, claim, CHARS), every, share


def _key(text: str, claim: str) -> str:
    return hashlib.sha256(f"{text}\x00{claim}".encode()).hexdigest()[:24]


def logits(pairs: Sequence[tuple[str, str]], cache_path: Path | None) -> dict[str, float]:
    """logit(P(supported)) of each pair (the card's temperature applied), cached."""
    cache: dict[str, float] = {}
    if cache_path and cache_path.is_file():
        cache = json.loads(cache_path.read_text())
    todo = list({_key(w, c): (w, c) for w, c in pairs if _key(w, c) not in cache}.items())
    if todo:
        from medfact.verifiers.crossencoder import CrossEncoder

        model = CrossEncoder(backend="torch", per_row=False, threads=1).load()
        todo.sort(key=lambda kv: len(kv[1][0]) + len(kv[1][1]))
        for lo in range(0, len(todo), 256):
            part = todo[lo : lo + 256]
            for (k, _), row in zip(part, model.predict([p for _, p in part]), strict=True):
                cache[k] = logit(float(row[0]))
        if cache_path:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            cache_path.write_text(json.dumps(cache))
    return cache


def records(split: str, cache: Path | None) -> list[dict[str, Any]]:
    """Per row: source, truth, run-time facts and each reading's logit."""
    rows = card_rows(split)
    cut = [windows_of(r["premise"], r["hypothesis"]) for r in rows]
    pairs = [
        (w, r["hypothesis"])
        for r, (card, every, _) in zip(rows, cut, strict=True)
        for w in [card, *every]
    ]
    z = logits(pairs, cache)
    out = []
    for r, (card, every, share) in zip(rows, cut, strict=True):
        claim = r["hypothesis"]
        zs = np.array([z[_key(w, claim)] for w in every])
        top2 = np.argsort(-np.array(share), kind="stable")[:2]
        out.append(
            {
                "source": r["source"],
                "y": int(r["label"] == "supported"),
                "d": float(is_dialogue(r["premise"])),
                "lp": float(np.log(len(r["premise"]) / 300)),
                "nw": float(np.log(len(every))),
                "card": z[_key(card, claim)],
                "runs_max": float(zs.max()),
                "top2_max": float(zs[top2].max()),
            }
        )
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def design(recs: Sequence[dict[str, Any]], reading: str, names: Sequence[str]) -> np.ndarray:
    """Columns ``names`` ("z", a fact, or "z*fact") and an intercept."""
    z = np.array([r[reading] for r in recs])
    cols = []
    for name in names:
        fact = name.removeprefix("z*")
        col = z if name == "z" else np.array([r[fact] for r in recs])
        cols.append(col * z if name.startswith("z*") else col)
    return np.stack([*cols, np.ones(len(recs))], axis=1)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Weights of an L2-penalised logistic regression (Newton steps)."""
    w = np.zeros(x.shape[1])
    for _ in range(100):
        p = _sigmoid(x @ w)
        hessian = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        w -= np.linalg.solve(hessian, x.T @ (p - y) + l2 * w)
    return w


def floor(p: np.ndarray, draws: int = 300, seed: int = 0) -> float:
    """Mean ECE of a perfectly calibrated model with probabilities ``p`` on ``len(p)`` rows."""
    rng = np.random.default_rng(seed)
    return float(
        np.mean([binary_ece(p, (rng.random(len(p)) < p).astype(int)) for _ in range(draws)])
    )


def table(recs: Sequence[dict[str, Any]], probs: dict[str, np.ndarray]) -> list[str]:
    """Markdown: per source and overall, AUC / ECE of each probability column."""
    y = np.array([r["y"] for r in recs])
    sets = sorted({r["source"] for r in recs}) + ["all"]
    lines = [
        "| reading | "
        + " | ".join(f"{s} ({sum(s in ('all', r['source']) for r in recs)})" for s in sets)
        + " |",
        "|---|" + "---:|" * len(sets),
    ]
    for name, p in probs.items():
        cells = []
        for s in sets:
            m = np.array([s in ("all", r["source"]) for r in recs])
            a = auc(p[m], y[m] == 1)
            cells.append(("-" if a is None else f"{a:.3f}") + f" / {binary_ece(p[m], y[m]):.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    base = probs[READINGS[0]]
    cells = [f"{floor(base[np.array([r['source'] == s for r in recs])]):.3f}" for s in sets[:-1]]
    lines.append("| ECE floor (calibrated, same n) | " + " | ".join(cells) + " | |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--split", default="valid")
    ap.add_argument("--fit", action="store_true", help="calibrators fitted on valid")
    ap.add_argument("--cache", type=Path, help="logits cache (JSON)")
    args = ap.parse_args(argv)
    recs = records(args.split, args.cache)
    probs = {k: _sigmoid(np.array([r[k] for r in recs])) for k in READINGS}
    if args.fit:
        valid = recs if args.split == "valid" else records("valid", args.cache)
        y = np.array([r["y"] for r in valid], dtype=np.float64)
        for reading in ("card", "top2_max"):
            for name, cols in CALIBRATORS.items():
                w = fit_logistic(design(valid, reading, cols), y)
                probs[f"{reading} + {name}"] = _sigmoid(design(recs, reading, cols) @ w)
    print(f"## {args.split}: AUC / ECE, supported vs not_enough_info")
    print("\n".join(table(recs, probs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
