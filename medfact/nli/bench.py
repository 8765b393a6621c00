"""``medfact bench nli``: a tier-1 verifier against held-out human-labelled NLI sets.

Each source of a ``medfact data nli`` (or ``data twins``) folder is one held-out set, capped at
``limit`` rows drawn with a fixed seed; subsets named by tags (Check-COVID's numeric and
temporal challenge claims) or twin kinds are scored inside their source's sample. Per set:
per-class F1, macro-F1 (over the classes the set holds), accuracy, expected calibration error,
support-vs-not_enough_info AUC (score P(supported)) and supported-vs-contradicted AUC (score
P(supported) - P(contradicted)), for the model and for a majority baseline that
answers each source's most frequent training label with the training label distribution.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from medfact.errors import InputError
from medfact.nli.build import LABELS, best_window, sentences
from medfact.stats import auc, auc_interval, macro_f1_interval

log = logging.getLogger("medfact.nli")

Predict = Callable[[Sequence[tuple[str, str]]], np.ndarray]
_INDEX = {label: i for i, label in enumerate(LABELS)}
_SUBSET_TAGS = frozenset({"numeric", "temporal", "extracted", "composed", "stated"})


def read_split(data_dir: Path | str, split: str) -> list[dict[str, Any]]:
    """The rows of ``split.jsonl`` in ``data_dir`` (each needs premise, hypothesis, label,
    source)."""
    path = Path(data_dir) / f"{split}.jsonl"
    if not path.is_file():
        raise InputError(f"no {split}.jsonl in {data_dir}", field="data")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: not JSON ({exc.msg})", record=number) from exc
            for name in ("premise", "hypothesis", "label", "source"):
                if not isinstance(row.get(name), str):
                    raise InputError(
                        "expected a string", record=f"{path.name}:{number}", field=name
                    )
            if row["label"] not in _INDEX:
                raise InputError(
                    f"label must be one of {LABELS}", record=f"{path.name}:{number}", field="label"
                )
            rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------
# metrics


def ece(probs: np.ndarray, gold: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top-class confidence, equal-width bins."""
    if len(gold) == 0:
        return 0.0
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == gold
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for k in range(bins):
        lo, hi = edges[k], edges[k + 1]
        inside = (confidence > lo) & (confidence <= hi) if k else (confidence <= hi)
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(total)


def metrics(probs: np.ndarray, gold: np.ndarray, pred: np.ndarray | None = None) -> dict[str, Any]:
    """Accuracy, per-class precision/recall/F1, macro-F1, ECE and the two AUCs. The labels are
    ``pred`` when given (a pipeline's verdicts), else the most probable class."""
    if pred is None:
        pred = probs.argmax(axis=1)
    per_class: dict[str, dict[str, float | int]] = {}
    present = []
    for k, label in enumerate(LABELS):
        tp = int(((pred == k) & (gold == k)).sum())
        fp = int(((pred == k) & (gold != k)).sum())
        fn = int(((pred != k) & (gold == k)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": tp + fn,
        }
        if tp + fn:
            present.append(f1)
    s, c, n = (_INDEX[label] for label in LABELS)
    sn = np.isin(gold, (s, n))
    sc = np.isin(gold, (s, c))
    margin = probs[:, s] - probs[:, c]
    auc_sn = auc(probs[sn, s], gold[sn] == s)
    auc_sc = auc(margin[sc], gold[sc] == s)
    return {
        "n": int(len(gold)),
        "accuracy": round(float((pred == gold).mean()), 4) if len(gold) else 0.0,
        "macro_f1": round(float(np.mean(present)), 4) if present else 0.0,
        "per_class": per_class,
        "ece": round(ece(probs, gold), 4),
        "auc_supported_vs_nei": None if auc_sn is None else round(auc_sn, 4),
        "auc_supported_vs_contradicted": None if auc_sc is None else round(auc_sc, 4),
        # 95% bootstrap intervals (seeded): how far a figure can be read on this many pairs
        "macro_f1_ci": macro_f1_interval(pred, gold, len(LABELS)),
        "auc_supported_vs_nei_ci": auc_interval(probs[sn, s], gold[sn] == s),
    }


# ---------------------------------------------------------------------------------------------
# sets and predictions


def _sample(
    rows: Sequence[dict[str, Any]], members: list[int], limit: int, rng: random.Random
) -> list[int]:
    """About ``limit`` of ``members``, drawn in whole twin pairs where rows name a twin."""
    units: dict[str, list[int]] = defaultdict(list)
    for i in members:
        units[str(rows[i].get("twin") or i)].append(i)
    keys = list(units)
    rng.shuffle(keys)
    chosen: list[int] = []
    for key in keys:
        if len(chosen) + len(units[key]) > limit:
            break
        chosen += units[key]
    return sorted(chosen)


def held_out_sets(
    rows: Sequence[dict[str, Any]], limit: int | None, seed: int = 0
) -> dict[str, list[int]]:
    """Set name -> row indices: one set per source (at most ``limit`` rows, seeded sample in
    file order), plus subsets by tag or twin kind drawn from that sample."""
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_source[row["source"]].append(i)
    sets: dict[str, list[int]] = {}
    for source in sorted(by_source):
        members = by_source[source]
        if limit is not None and len(members) > limit:
            members = _sample(rows, members, limit, random.Random(f"{seed}:{source}"))
        sets[source] = members
        subsets: dict[str, list[int]] = defaultdict(list)
        for i in members:
            if rows[i].get("kind"):
                subsets[f"{source}:{rows[i]['kind']}"].append(i)
            for tag in rows[i].get("tags") or ():
                if tag in _SUBSET_TAGS:
                    subsets[f"{source}:{tag}"].append(i)
        sets.update(sorted(subsets.items()))
    return sets


def model_pair(row: dict[str, Any], window_chars: int) -> tuple[str, str]:
    """(premise, hypothesis), the premise cut to the hypothesis's sentence window when longer
    than ``window_chars`` (0 keeps it whole)."""
    premise, hypothesis = row["premise"], row["hypothesis"]
    if window_chars and len(premise) > window_chars:
        premise = best_window(sentences(premise), hypothesis, window_chars)
    return premise, hypothesis


def majority_probs(train_rows: Iterable[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Per source, the training label distribution (a constant prediction)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in train_rows:
        counts[row["source"]][row["label"]] += 1
    out = {}
    for source, c in counts.items():
        total = sum(c.values())
        out[source] = np.array([c[label] / total for label in LABELS], dtype=np.float64)
    return out


def _majority_for(source: str, priors: dict[str, np.ndarray], gold: np.ndarray) -> np.ndarray:
    prior = priors.get(source.split(":")[0])
    if prior is None:  # no training rows of this source: the set's own label distribution
        prior = np.bincount(gold, minlength=len(LABELS)) / max(len(gold), 1)
    return np.tile(prior, (len(gold), 1))


def run(
    data_dirs: Sequence[Path | str],
    predict: Predict | None,
    *,
    split: str = "test",
    limit: int | None = 400,
    window_chars: int = 600,
    seed: int = 0,
    model_name: str = "model",
) -> dict[str, Any]:
    """Scores of the model (when ``predict`` is given) and of the majority baseline per set."""
    results: dict[str, Any] = {
        "split": split,
        "limit": limit,
        "window_chars": window_chars,
        "sets": {},
    }
    for data_dir in data_dirs:
        rows = read_split(data_dir, split)
        train_path = Path(data_dir) / "train.jsonl"
        priors = majority_probs(read_split(data_dir, "train")) if train_path.is_file() else {}
        sets = held_out_sets(rows, limit, seed)
        needed = sorted({i for members in sets.values() for i in members})
        probs: dict[int, np.ndarray] = {}
        labels: dict[int, int] = {}
        seconds = 0.0
        if predict is not None and needed:
            started = time.perf_counter()
            out = predict([model_pair(rows[i], window_chars) for i in needed])
            seconds = time.perf_counter() - started
            if isinstance(out, tuple):  # (probabilities, verdict labels)
                out, verdicts = out
                labels = {i: int(verdicts[k]) for k, i in enumerate(needed)}
            probs = {i: out[k] for k, i in enumerate(needed)}
            log.info("bench nli: %d pairs in %.1f s", len(needed), seconds)
        for name, members in sets.items():
            gold = np.array([_INDEX[rows[i]["label"]] for i in members], dtype=np.int64)
            entry: dict[str, Any] = {
                "data": str(data_dir),
                "labels": dict(Counter(rows[i]["label"] for i in members)),
                "majority": metrics(_majority_for(name, priors, gold), gold),
            }
            if probs:
                pred = np.array([labels[i] for i in members]) if labels else None
                entry[model_name] = metrics(np.stack([probs[i] for i in members]), gold, pred)
            results["sets"][name] = entry
        results.setdefault("pairs_per_second", {})[str(data_dir)] = (
            round(len(needed) / seconds, 1) if seconds else None
        )
    return results


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _with_interval(value: float | None, interval: Sequence[float] | None) -> str:
    if value is None or interval is None:
        return _fmt(value)
    return f"{value:.3f} ({interval[0]:.2f}-{interval[1]:.2f})"


def markdown(results: dict[str, Any], model_name: str = "model") -> str:
    """One table: a row per (set, system)."""
    lines = [
        "| set | system | n | acc | macro-F1 (95%) | F1 sup | F1 con | F1 nei | ECE "
        "| AUC sup/nei (95%) | AUC sup/con |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, entry in results["sets"].items():
        for system in (model_name, "majority"):
            m = entry.get(system)
            if m is None:
                continue
            f1 = {label: m["per_class"][label] for label in LABELS}
            cells = [
                name,
                system,
                str(m["n"]),
                _fmt(m["accuracy"]),
                _with_interval(m["macro_f1"], m.get("macro_f1_ci")),
                *(_fmt(f1[label]["f1"]) if f1[label]["support"] else "-" for label in LABELS),
                _fmt(m["ece"]),
                _with_interval(m["auc_supported_vs_nei"], m.get("auc_supported_vs_nei_ci")),
                _fmt(m["auc_supported_vs_contradicted"]),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def registry_predictor(
    model_dir: str | None = None, quantize: bool | None = None, threads: int | None = None
) -> Predict:
    """``crossencoder.v1`` from the registry (the shipped verifier unless ``model_dir``; a LoRA
    adapter or a two-label support model, read as (P(supported), 0, 1 - P(supported)))."""
    from medfact import registry

    params: dict[str, Any] = {}
    if model_dir:
        params["model_dir"] = model_dir
    if quantize is not None:
        params["quantize"] = quantize
    if threads:
        params["threads"] = threads
    verifier = registry.verifiers.create("crossencoder.v1", params).load()
    return verifier.predict


def score_predictor(
    overrides: dict[str, Any] | None = None, config: str | None = None
) -> Callable[[Sequence[tuple[str, str]]], tuple[np.ndarray, np.ndarray]]:
    """The 3-way verdict of ``medfact score``: each pair is a case (premise as the input,
    hypothesis as the output); its label is contradicted when a claim is, supported when every
    claim is, else not_enough_info. Probabilities for the AUCs and ECE: the lowest tier-1
    P(supported) over the claims (1 or 0 from the verdicts without a model), contradicted rows
    (0, 1, 0)."""
    from medfact.pipeline import Engine
    from medfact.taxonomy import VerdictLabel
    from medfact.types import RecordError

    engine = Engine.from_config(config, overrides)

    def predict(pairs: Sequence[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float64)
        pred = np.zeros(len(pairs), dtype=np.int64)
        cases = [{"id": str(i), "output": h, "context": p} for i, (p, h) in enumerate(pairs)]
        for i, doc in enumerate(engine.pipe(cases)):
            verdicts = [] if isinstance(doc, RecordError) else doc.verdicts
            found = {v.label for v in verdicts}
            if VerdictLabel.CONTRADICTED in found:
                pred[i], out[i] = _INDEX["contradicted"], (0.0, 1.0, 0.0)
                continue
            supported = bool(verdicts) and found == {VerdictLabel.SUPPORTED}
            pred[i] = _INDEX["supported" if supported else "not_enough_info"]
            p = None if isinstance(doc, RecordError) else doc.probabilities
            p_sup = float(p[:, 0].min()) if p is not None and len(p) else float(supported)
            out[i] = (p_sup, 0.0, 1.0 - p_sup)
        return out, pred

    return predict
