"""Labelled examples from clean pairs: the clean output plus seeded rule perturbations, split by
document and written as JSONL with a manifest.

Randomness is derived from (seed, pair id, kind) through SHA-256, so an example does not depend on
iteration order, on the other kinds requested, or on Python's hash seed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from medfact.errors import ConfigError
from medfact.synth.pairs import Pair
from medfact.synth.perturb import Perturbation, apply_perturbation, check_kinds
from medfact.taxonomy import ErrorCategory, RiskLevel

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")
DEFAULT_FRACTIONS = (0.8, 0.1, 0.1)
# Relative chance of a kind being picked when it applies. The two insertion kinds apply to every
# pair and flip_negation, change_value and drop_finding to many, so without weights they would
# crowd out the rarer kinds (roughly inverse to how often each applied on MTS-Dialog train).
KIND_WEIGHTS: dict[str, float] = {
    "add_unsupported_finding": 1.0,
    "add_unsupported_recommendation": 1.0,
    "flip_negation": 2.0,
    "change_value": 3.0,
    "drop_finding": 3.0,
}
OTHER_KIND_WEIGHT = 6.0


@dataclass(frozen=True)
class Label:
    """What an example is: safe or not, and for a perturbation its category, span and kind."""

    risk_level: RiskLevel
    category: ErrorCategory | None = None
    span: tuple[int, int] | None = None
    original_span: tuple[int, int] | None = None
    context_span: tuple[int, int] | None = None
    kind: str | None = None
    description: str | None = None

    @property
    def safe(self) -> bool:
        return self.risk_level.safe

    def to_dict(self) -> dict[str, Any]:
        return {
            "risk_level": int(self.risk_level),
            "safe": self.safe,
            "category": self.category.value if self.category else None,
            "group": self.category.group.value if self.category else None,
            "span": list(self.span) if self.span else None,
            "original_span": list(self.original_span) if self.original_span else None,
            "context_span": list(self.context_span) if self.context_span else None,
            "kind": self.kind,
            "description": self.description,
        }


@dataclass(frozen=True)
class Example:
    """One (context, output) case with its label; ``clean_output`` is the unperturbed text."""

    id: str
    doc_id: str
    split: str
    source: str
    task: str
    context: str
    output: str
    clean_output: str
    label: Label

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "split": self.split,
            "source": self.source,
            "task": self.task,
            "context": self.context,
            "output": self.output,
            "clean_output": self.clean_output,
            "label": self.label.to_dict(),
        }


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from the parts' text, stable across processes and Python versions."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def split_of(
    doc_id: str, seed: int, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
) -> str:
    """ "train", "valid" or "test" for a document, by a stable hash of (seed, doc_id)."""
    _check_fractions(fractions)
    point = derive_seed("split", seed, doc_id) / 2**64
    cumulative = 0.0
    for name, fraction in zip(SPLITS, fractions, strict=True):
        cumulative += fraction
        if point < cumulative:
            return name
    return SPLITS[-1]


def _check_fractions(fractions: tuple[float, ...]) -> None:
    ok = len(fractions) == 3 and all(f >= 0 for f in fractions) and abs(sum(fractions) - 1) < 1e-9
    if not ok:
        raise ConfigError(
            "split_of: fractions must be three non-negative numbers (train, valid, test) that "
            f"sum to 1; received {tuple(fractions)!r}"
        )


def synthesize(
    pairs: Iterable[Pair],
    seed: int,
    kinds: list[str] | None = None,
    per_pair: int = 3,
    clean_per_pair: int = 1,
    *,
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
) -> Iterator[Example]:
    """For each pair: its clean example (risk 1) and up to ``per_pair`` perturbations of
    different kinds. The kinds are tried in a weighted random order drawn from (seed, pair id)
    (see :data:`KIND_WEIGHTS`); kinds that do not apply to the pair are skipped.
    """
    chosen = check_kinds(kinds)
    if not isinstance(per_pair, int) or per_pair < 0:
        raise ConfigError(f"synthesize: per_pair must be an integer >= 0; received {per_pair!r}")
    if clean_per_pair not in (0, 1):
        raise ConfigError(f"synthesize: clean_per_pair must be 0 or 1; received {clean_per_pair!r}")
    _check_fractions(fractions)
    for pair in pairs:
        split = split_of(pair.doc_id, seed, fractions)
        if clean_per_pair:
            yield _example(pair, split, f"{pair.id}:clean", pair.output, Label(RiskLevel.NO_RISK))
        yield from _perturbed(pair, split, seed, chosen, per_pair)


def _perturbed(
    pair: Pair, split: str, seed: int, kinds: list[str], per_pair: int
) -> Iterator[Example]:
    made = 0
    for kind in _kind_order(kinds, seed, pair.id):
        if made >= per_pair:
            return
        rng = random.Random(derive_seed("perturb", seed, pair.id, kind))
        result = apply_perturbation(kind, pair.context, pair.output, rng, task=pair.task)
        if result is None:
            continue
        made += 1
        yield _example(pair, split, f"{pair.id}:{kind}", result.output, _label(result))


def _kind_order(kinds: list[str], seed: int, pair_id: str) -> list[str]:
    """A weighted random permutation (Efraimidis-Spirakis keys u ** (1 / weight))."""
    rng = random.Random(derive_seed("order", seed, pair_id))
    keys = {}
    for kind in sorted(kinds):
        weight = KIND_WEIGHTS.get(kind, OTHER_KIND_WEIGHT)
        keys[kind] = rng.random() ** (1.0 / weight)
    return sorted(keys, key=lambda kind: keys[kind], reverse=True)


def _label(p: Perturbation) -> Label:
    return Label(
        risk_level=p.risk_level,
        category=p.category,
        span=p.span,
        original_span=p.original_span,
        context_span=p.context_span,
        kind=p.kind,
        description=p.description,
    )


def _example(pair: Pair, split: str, example_id: str, output: str, label: Label) -> Example:
    return Example(
        id=example_id,
        doc_id=pair.doc_id,
        split=split,
        source=pair.source,
        task=pair.task,
        context=pair.context,
        output=output,
        clean_output=pair.output,
        label=label,
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def medfact_version() -> str:
    try:
        return version("medfact")
    except PackageNotFoundError:
        return "unknown"


def write_dataset(
    examples: Iterable[Example],
    out_dir: Path | str,
    *,
    seed: int | None = None,
    input_files: Iterable[Path] = (),
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Stream ``examples`` into ``train.jsonl``, ``valid.jsonl``, ``test.jsonl`` and write
    ``manifest.json`` (seed, sources, input hashes, counts); returns the manifest."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, Counter[str]] = {name: Counter() for name in SPLITS}
    kinds: Counter[str] = Counter()
    risks: Counter[str] = Counter()
    sources: set[str] = set()
    handles = {name: (out / f"{name}.jsonl").open("w", encoding="utf-8") for name in SPLITS}
    try:
        for example in examples:
            handles[example.split].write(json.dumps(example.to_dict(), ensure_ascii=False) + "\n")
            category = example.label.category
            counts[example.split][category.value if category else "clean"] += 1
            kinds[example.label.kind or "clean"] += 1
            risks[str(int(example.label.risk_level))] += 1
            sources.add(example.source)
    finally:
        for handle in handles.values():
            handle.close()
    manifest = _manifest(seed, sources, input_files, counts, kinds, risks, settings)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    log.info("wrote %d examples to %s", sum(kinds.values()), out)
    return manifest


def _manifest(
    seed: int | None,
    sources: set[str],
    input_files: Iterable[Path],
    counts: dict[str, Counter[str]],
    kinds: Counter[str],
    risks: Counter[str],
    settings: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "medfact_version": medfact_version(),
        "seed": seed,
        "sources": sorted(sources),
        "inputs": [{"path": str(path), "sha256": file_sha256(Path(path))} for path in input_files],
        "settings": settings or {},
        "total": sum(kinds.values()),
        "counts": {split: dict(sorted(c.items())) for split, c in counts.items()},
        "kinds": dict(sorted(kinds.items())),
        "risk_levels": dict(sorted(risks.items())),
    }
