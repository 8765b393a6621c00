"""`medfact bench synth`: the engine against held-out synthetic errors with known labels.

Per error category: recall (an example of that category gets a finding of that category, at risk
2 or more, on the changed span; deletions: anywhere) and precision (examples given a finding of a
category that truly have it). Per case: risk macro-F1 over levels 1-4, safe/unsafe F1, and the
AUROC of the risk level for telling outputs with an error from clean ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from medfact.taxonomy import ErrorCategory
from medfact.train.data import finding_matches, read_examples, sample_examples


def evaluate(engine: Any, examples: Iterable[dict[str, Any]]) -> dict[str, Any]:
    import numpy as np

    from medfact.train.risk import risk_metrics

    examples = list(examples)
    cases = [{"id": e["id"], "output": e["output"], "context": e["context"]} for e in examples]
    hit, truth, claimed, correct = Counter(), Counter(), Counter(), Counter()
    y, pred, failed, has_error = [], [], [], []
    for ex, result in zip(examples, engine.score_many(cases), strict=True):
        if not hasattr(result, "risk_level"):
            failed.append({"id": ex["id"], **result.error})
            continue
        label = ex["label"]
        y.append(int(label["risk_level"]))
        has_error.append(label.get("category") is not None)
        pred.append(int(result.risk_level))
        findings = [f for f in result.findings if int(f.risk) >= 2]
        reported = {f.category.value for f in findings}
        category = label.get("category")
        for c in reported:
            claimed[c] += 1
            correct[c] += c == category
        if category is None:
            continue
        truth[category] += 1
        if any(finding_matches(f, label) for f in findings):
            hit[category] += 1
    per_category = {}
    for c in ErrorCategory:
        name = c.value
        if truth[name] or claimed[name]:
            recall = hit[name] / truth[name] if truth[name] else None
            precision = correct[name] / claimed[name] if claimed[name] else None
            f1 = (
                2 * precision * recall / (precision + recall)
                if recall is not None and precision is not None and precision + recall
                else None
            )
            per_category[name] = {
                "n": truth[name],
                "recall": None if recall is None else round(recall, 4),
                "precision": None if precision is None else round(precision, 4),
                "f1": None if f1 is None else round(f1, 4),
            }
    from sklearn.metrics import roc_auc_score

    risk = risk_metrics(np.array(y), np.array(pred))
    if len(set(has_error)) == 2:
        risk["error_auroc"] = round(float(roc_auc_score(has_error, pred)), 4)
    return {
        "risk": risk,
        "categories": per_category,
        "errors": failed,
    }


# The trained path, named explicitly (the built-in default today): the tier-1 verifier, the
# learned qualifier check and the calibrated risk model.
TRAINED = {
    "pipeline": {
        "model": "crossencoder.v1",
        "learned_verifiers": ["qualifier.v1"],
        "scorer": "calibrated.v1",
    }
}


def run(
    data_dir: Path,
    split: str = "test",
    configs: dict[str, Any] | None = None,
    limit: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Evaluate each named engine config on one split; returns name -> metrics."""
    from medfact.config import NO_MODEL
    from medfact.pipeline import Engine

    examples = sample_examples(list(read_examples(data_dir / f"{split}.jsonl")), limit, 0)
    configs = configs or {"rule-only": NO_MODEL, "trained": TRAINED}
    return {
        name: evaluate(Engine.from_config(None, cfg).load(), examples)
        for name, cfg in configs.items()
    }


_KEYS = {"F1": "f1", "R": "recall", "P": "precision"}


def markdown(results: dict[str, dict[str, Any]]) -> str:
    names = list(results)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key in ("risk_macro_f1", "safe_unsafe_macro_f1", "unsafe_f1", "accuracy", "error_auroc"):
        if all(key in results[n]["risk"] for n in names):
            cells = " | ".join(f"{results[n]['risk'][key]:.3f}" for n in names)
            lines.append(f"| {key} | {cells} |")
    cats = sorted({c for n in names for c in results[n]["categories"]})
    for c in cats:
        cells = []
        for n in names:
            m = results[n]["categories"].get(c, {})
            parts = [
                f"{key} {m[name]:.2f}" for key, name in _KEYS.items() if m.get(name) is not None
            ]
            cells.append(" / ".join(parts) or "-")
        n_c = max(results[n]["categories"].get(c, {}).get("n", 0) for n in names)
        lines.append(f"| {c} (n={n_c}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)
