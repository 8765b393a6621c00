"""Tier 1's support probability beyond one window: which window, how many, and cheap features.

On the rows of ``medfact bench nli``'s held-out sets (same seeded sample, 400 a source; sets by
source), three measurements:

``--alone``: tier 1 (the shipped ``crossencoder.v1``, its default backend) on (window, claim)
pairs, the claim being the whole hypothesis, the premise read as
- ``bench600``: the 600-character sentence window ``bench nli`` and training use;
- ``window``: the claim's window of ``medfact.claim_window`` (``--window`` characters, the
  pipeline's clinical segmenter): the whole premise when it fits, else the sentence run holding
  most of the claim's content stems;
- ``start``: the premise's first ``--window`` characters (whole sentences);
- ``max``, ``softmax`` (log-mean-exp of the logits), ``top2`` (mean of the two highest) and
  ``mean`` over every sentence run of at most ``--window`` characters (one a start sentence).
Per set: support-vs-not_enough_info AUC and ECE, and supported-vs-rest AUC (MedHallu holds 3
not_enough_info rows a split, so its support-vs-NEI AUC rests on 3 negatives).

``--fit``: the support combiner, a logistic regression over the window's logit and the cheap
features of ``medfact.support_features``, fitted on supported vs not_enough_info rows with
5-fold cross-validation by document (``group``); per set, the out-of-fold AUC and ECE beside the
window's logit alone. ``--fit-out F`` writes the coefficients fitted on all rows as JSON.

``--pipeline``: the default pipeline to tier 1 (premise as the input, hypothesis as the output),
a row's P(supported) the lowest over its claims, for each ``crossencoder.v1`` ``window_chars``
in ``--sizes`` (0: retrieval's BM25 chunks, the reading before session 10).

Model probabilities of ``--alone`` and ``--fit`` are cached in ``--cache`` (JSON, by a hash of the
pair).

    python bench/support_windows.py --split valid --alone --fit --cache /tmp/k/cache.json
    python bench/support_windows.py --split valid --pipeline --sizes 0,300,400,500,600
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from medfact.nli.bench import auc, ece, held_out_sets, model_pair, read_split
from medfact.support_features import FEATURES, features, logit

DATA = ("/work/nli-data/nli", "/work/nli-data/twins")
TASKS = (
    ("sup_vs_nei", ("supported", "not_enough_info")),
    ("sup_vs_rest", ("supported", "not_enough_info", "contradicted")),
)


def rows_of(split: str, limit: int, data: Sequence[str] = DATA) -> list[dict[str, Any]]:
    """The sampled rows of every held-out set (sources, not their subsets), each with ``set``."""
    out = []
    for folder in data:
        rows = read_split(folder, split)
        for name, members in held_out_sets(rows, limit).items():
            if ":" not in name:
                out += [{**rows[i], "set": name} for i in members]
    return out


def runs(text: str, spans: Sequence[tuple[int, int]], max_chars: int) -> list[str]:
    """Every run of consecutive sentences from each start sentence, at most ``max_chars`` (one
    sentence at least, cut at a word when longer); a run inside the previous one is dropped.
    The whole text when it fits."""
    if len(text) <= max_chars or not spans:
        return [text]
    out: list[str] = []
    for i, (start, _) in enumerate(spans):
        end = spans[i][1]
        for _, stop in spans[i + 1 :]:
            if stop - start > max_chars:
                break
            end = stop
        if end - start > max_chars:
            cut = text.rfind(" ", start, start + max_chars)
            end = cut if cut > start else start + max_chars
        piece = text[start:end]
        if not (out and piece in out[-1]):
            out.append(piece)
    return out


def _key(window: str, claim: str) -> str:
    return hashlib.sha256(f"{window}\x00{claim}".encode()).hexdigest()[:24]


def score_pairs(pairs: list[tuple[str, str]], cache_path: Path | None) -> dict[str, float]:
    """P(supported) of each (window, claim), from the cache or tier 1."""
    cache: dict[str, float] = {}
    if cache_path and cache_path.is_file():
        cache = json.loads(cache_path.read_text())
    todo = list({_key(w, c): (w, c) for w, c in pairs if _key(w, c) not in cache}.items())
    if todo:
        from medfact import registry

        model = registry.verifiers.create("crossencoder.v1", {"threads": 1}).load()
        started = time.perf_counter()
        for lo in range(0, len(todo), 512):
            part = todo[lo : lo + 512]
            for (k, _), row in zip(part, model.predict([p for _, p in part]), strict=True):
                cache[k] = float(row[0])
        seconds = time.perf_counter() - started
        print(f"tier 1: {len(todo)} pairs in {seconds:.0f} s", file=sys.stderr)
        if cache_path:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            cache_path.write_text(json.dumps(cache))
    return cache


def binary(p: Sequence[float], y: np.ndarray) -> dict[str, Any]:
    """AUC and ECE (``bench nli``'s: top-class confidence, 10 bins) of P(supported)."""
    q = np.asarray(p, dtype=np.float64)
    a = auc(q, y)
    two = np.stack([1 - q, q], axis=1)
    return {
        "n": int(len(y)),
        "auc": None if a is None else round(a, 4),
        "ece": round(ece(two, y), 4),
    }


def per_set(
    rows: Sequence[dict[str, Any]],
    scores: dict[str, Callable[[int], float]],
    tasks: Sequence[tuple[str, tuple[str, ...]]] = TASKS,
) -> dict[str, Any]:
    """Per set (and "all"), per task, per reading: AUC and ECE of P(supported)."""
    out: dict[str, Any] = {}
    for name in sorted({r["set"] for r in rows}) + ["all"]:
        for task, keep in tasks:
            idx = [
                i for i, r in enumerate(rows) if name in ("all", r["set"]) and r["label"] in keep
            ]
            y = np.array([rows[i]["label"] == "supported" for i in idx], dtype=np.int64)
            if not len(idx) or y.all() or not y.any():
                continue
            out.setdefault(name, {})[task] = {
                how: binary([f(i) for i in idx], y) for how, f in scores.items()
            }
    return out


def aggregate(z: np.ndarray, how: str) -> float:
    """One logit from the logits of every window of a premise."""
    if how == "max":
        return float(z.max())
    if how == "softmax":
        return float(np.log(np.mean(np.exp(z - z.max()))) + z.max())
    if how == "top2":
        return float(np.sort(z)[-2:].mean())
    return float(z.mean())


def alone(
    rows: list[dict[str, Any]], window: int, cache: Path | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Tier 1 alone on each reading; also each row's features (for ``--fit``)."""
    from medfact import registry
    from medfact.claim_window import ClaimWindows

    segment = registry.segmenters.create("clinical.v1", {})
    reads = []
    for r in rows:
        premise, claim = r["premise"], r["hypothesis"]
        sentences = segment(premise)
        spans = sorted(s.span for s in sentences if s.span[1] > s.span[0])
        cut = ClaimWindows(premise, sentences, window).window(claim)
        every = runs(premise, spans, window)
        reads.append(
            {
                "bench600": model_pair(r, 600)[0],
                "window": premise if cut is None else cut.text,
                "start": every[0],
                "all": every,
            }
        )
    pairs = [(w, r["hypothesis"]) for r, c in zip(rows, reads, strict=True) for w in c["all"]]
    pairs += [
        (c[k], r["hypothesis"])
        for r, c in zip(rows, reads, strict=True)
        for k in ("bench600", "window", "start")
    ]
    p = score_pairs(pairs, cache)
    z: list[dict[str, float]] = []
    records = []
    for r, c in zip(rows, reads, strict=True):
        claim = r["hypothesis"]
        z_all = np.array([logit(p[_key(w, claim)]) for w in c["all"]])
        zs = {k: logit(p[_key(c[k], claim)]) for k in ("bench600", "window", "start")}
        zs.update({how: aggregate(z_all, how) for how in ("max", "softmax", "top2", "mean")})
        z.append(zs)
        f = features(c["window"], claim, r["premise"], {"best": zs["window"], "max": zs["max"]})
        records.append({k: r[k] for k in ("id", "set", "label", "group")} | {"features": f})
    sigmoid = {
        how: (lambda i, how=how: 1 / (1 + np.exp(-z[i][how])))
        for how in ("bench600", "window", "start", "max", "softmax", "top2", "mean")
    }
    return per_set(rows, sigmoid), records


def fit(records: list[dict[str, Any]], names: Sequence[str], out: Path | None) -> dict[str, Any]:
    """The combiner over ``names``, 5-fold by document on supported vs not_enough_info rows:
    out-of-fold P(supported) per set beside the window's logit alone."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    keep = [r for r in records if r["label"] in ("supported", "not_enough_info")]
    x = np.array([[r["features"][n] for n in names] for r in keep])
    y = np.array([r["label"] == "supported" for r in keep], dtype=np.int64)
    groups = np.array([str(r["group"]) for r in keep])
    p = np.zeros(len(y))
    for train, test in GroupKFold(5).split(x, y, groups):
        model = LogisticRegression(max_iter=2000).fit(x[train], y[train])
        p[test] = model.predict_proba(x[test])[:, 1]
    where = {r["id"]: i for i, r in enumerate(keep)}
    by_id = {r["id"]: r for r in records}
    rows = [by_id[i] for i in where]
    result = per_set(
        rows,
        {
            "window": lambda i: 1 / (1 + np.exp(-rows[i]["features"]["z_best"])),
            "combiner": lambda i: float(p[where[rows[i]["id"]]]),
        },
        TASKS[:1],
    )
    model = LogisticRegression(max_iter=2000).fit(x, y)
    coefficients = {
        "features": list(names),
        "coef": [round(float(c), 6) for c in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
    }
    if out:
        out.write_text(json.dumps(coefficients, indent=1) + "\n")
    return {"sets": result, "coefficients": coefficients}


def pipeline(rows: list[dict[str, Any]], sizes: Sequence[int]) -> dict[str, Any]:
    """The default pipeline to tier 1 at each window size: per row the lowest P(supported)."""
    from medfact.pipeline import Engine

    cases = [
        {"id": str(i), "output": r["hypothesis"], "context": model_pair(r, 600)[0]}
        for i, r in enumerate(rows)
    ]
    p: dict[str, list[float]] = {}
    for size in sizes:
        engine = Engine.from_config(
            None, {"components": {"crossencoder.v1": {"window_chars": size}}}
        )
        started = time.perf_counter()
        out = []
        for doc in engine.pipe(cases, until="tier1"):
            q = getattr(doc, "probabilities", None)
            out.append(float(q[:, 0].min()) if q is not None and len(q) else 0.0)
        seconds = time.perf_counter() - started
        print(f"window_chars {size}: {len(cases) / seconds:.1f} cases/s", file=sys.stderr)
        p[str(size)] = out
    return per_set(rows, {size: (lambda i, s=size: p[s][i]) for size in p})


def show(title: str, result: dict[str, Any]) -> None:
    print(f"## {title}")
    for name, tasks in result.items():
        for task, readings in tasks.items():
            cells = " ".join(f"{k}={m['auc']}/{m['ece']}" for k, m in readings.items())
            print(f"{name:20s} {task:11s} n={next(iter(readings.values()))['n']:5d} {cells}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--split", default="valid")
    ap.add_argument("--limit", type=int, default=400)
    ap.add_argument("--window", type=int, default=400, help="window characters (--alone, --fit)")
    ap.add_argument("--alone", action="store_true", help="tier 1 alone on each reading")
    ap.add_argument("--fit", action="store_true", help="the support combiner, by document")
    ap.add_argument("--features", default=",".join(FEATURES), help="the combiner's features")
    ap.add_argument("--fit-out", type=Path, help="write the combiner's coefficients (JSON)")
    ap.add_argument("--pipeline", action="store_true", help="the pipeline to tier 1")
    ap.add_argument("--sizes", default="0,400", help="window_chars values for --pipeline")
    ap.add_argument("--cache", type=Path, help="tier-1 probabilities cache (JSON)")
    ap.add_argument("--json", type=Path, help="write every measurement as JSON")
    args = ap.parse_args(argv)
    rows = rows_of(args.split, args.limit)
    results: dict[str, Any] = {"split": args.split, "window": args.window}
    if args.alone or args.fit:
        results["alone"], records = alone(rows, args.window, args.cache)
        show(f"tier 1 alone, {args.split} (AUC/ECE)", results["alone"])
        if args.fit:
            results["fit"] = fit(records, args.features.split(","), args.fit_out)
            show("combiner, out of fold (AUC/ECE)", results["fit"]["sets"])
            print(json.dumps(results["fit"]["coefficients"]))
    if args.pipeline:
        sizes = [int(s) for s in args.sizes.split(",")]
        results["pipeline"] = pipeline(rows, sizes)
        show(f"pipeline to tier 1, {args.split}, by window_chars (AUC/ECE)", results["pipeline"])
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
