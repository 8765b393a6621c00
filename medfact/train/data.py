"""Claim-level training pairs from synthetic examples (``medfact synth`` output).

Each perturbed output is segmented, decomposed and retrieved exactly as at inference. The claim
that holds the perturbation's span gets the perturbation's label; the other claims, unchanged text
of a faithful output, are labelled supported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medfact.errors import InputError

# How a perturbed claim relates to its input, by error category.
CONTRADICTING = {"detail_misidentification", "overstated_intensity", "understated_intensity"}
UNSUPPORTING = {
    "fabricated_claim",
    "incorrect_recommendation",
    "misleading_justification",
    "false_comparison",
}


def read_examples(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        raise InputError(
            "no such file (a `medfact synth make` folder has train/valid/test.jsonl)",
            record=str(path),
        )
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"not valid JSON: {exc.msg}", record=f"{path.name}:{number}"
                ) from None
            for field in ("id", "context", "output", "label"):
                if field not in record:
                    raise InputError("is required", record=f"{path.name}:{number}", field=field)
            yield record


def sample_examples(
    examples: list[dict[str, Any]], limit: int | None, seed: int
) -> list[dict[str, Any]]:
    """A seeded random sample of ``limit`` examples (all when ``limit`` is None), in file order,
    so a small budget still covers every source of a mixed dataset."""
    if not limit or limit >= len(examples):
        return examples
    import random

    keep = set(random.Random(seed).sample(range(len(examples)), limit))
    return [ex for i, ex in enumerate(examples) if i in keep]


def finding_matches(finding: Any, label: dict[str, Any]) -> bool:
    """Whether a finding is the example's error: its category, on the perturbed span (a deletion,
    whose label has no span, matches anywhere)."""
    from medfact.textutil import spans_overlap

    span = label.get("span")
    return finding.category.value == label.get("category") and (
        span is None or spans_overlap(finding.span, span)
    )


def claim_label(category: str | None) -> int | None:
    """0 supported, 1 contradicted, 2 not enough info; None when a claim cannot carry it."""
    if category is None:
        return 0
    if category in CONTRADICTING:
        return 1
    if category in UNSUPPORTING:
        return 2
    return None


def build_pairs(
    engine: Any, examples: list[dict[str, Any]], top_k: int = 2, max_supported_ratio: float = 2.0
) -> list[dict[str, Any]]:
    """(premise, claim, label) rows; supported rows capped at ``max_supported_ratio`` x errors."""
    from medfact.verifiers.crossencoder import claim_pair

    rows, seen = [], set()
    for ex in examples:
        view = engine.view({"id": ex["id"], "output": ex["output"], "context": ex["context"]})
        label = ex["label"]
        span = label.get("span")
        target = claim_label(label.get("category")) if span else None
        for claim in view.claims:
            hit = span is not None and min(claim.span[1], span[1]) > max(claim.span[0], span[0])
            y = target if hit else 0
            if y is None:
                continue
            premise, hypothesis = claim_pair(
                [e.text for e in view.evidence.get(claim.id, [])[:top_k]], claim.text
            )
            key = (premise, hypothesis, y)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {
                    "premise": premise,
                    "claim": hypothesis,
                    "label": y,
                    "example": ex["id"],
                    "doc_id": ex.get("doc_id"),
                }
            )
    errors = [r for r in rows if r["label"] != 0]
    supported = [r for r in rows if r["label"] == 0]
    cap = int(max_supported_ratio * max(len(errors), 1))
    if len(supported) > cap:
        # deterministic thinning: keep rows by hash order, independent of input order
        supported.sort(
            key=lambda r: hashlib.sha256((r["premise"] + "\x00" + r["claim"]).encode()).hexdigest()
        )
        supported = supported[:cap]
    return errors + supported


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
