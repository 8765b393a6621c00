"""Negation, uncertainty, history and family scope: medfact's Analyzer vs medspaCy's ConText.

Reads bench/negation/sentences.jsonl (hand-written clinical sentences, each with target concept
spans and their gold labels: any of negated, uncertain (hypothetical included), historical,
family; an empty list is "none") and scores each system's label set for every target:
precision, recall and F1 per label, and exact-match accuracy of the whole label set.

Systems:
- medfact: medfact.segment + medfact.analysis.Analyzer; a target's labels are
  analysis.context_labels (negated; uncertain for hedged, asked and hypothetical words;
  historical and family from each token's scope).
- medspacy: medspaCy's pyRuSH sentences, Sectionizer (section attributes: family history ->
  family, past history -> historical, ...) and ConText with their default rules; the gold target
  spans are given to it as doc.ents. Hypothetical counts as uncertain.

medspaCy pins spaCy 3.7.5 and numpy 1.26.4, so it lives in its own venv; run this script in each
venv (a system that cannot be imported is skipped with a message):

    python bench/negation_scope.py                          # project venv: medfact
    /work/venv-medspacy/bin/python bench/negation_scope.py  # medspaCy (and medfact if importable)
    python bench/negation_scope.py --format json --errors 20
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "negation" / "sentences.jsonl"
LABELS = ("negated", "uncertain", "historical", "family")
Predictor = Callable[[str, list[tuple[int, int]]], list[frozenset[str]]]


def load(path: Path) -> list[dict[str, Any]]:
    """The labelled sentences; each target's span is checked against its text."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        for target in record["targets"]:
            start, end = target["span"]
            if record["text"][start:end] != target["text"]:
                raise ValueError(
                    f"{path.name}:{number} ({record['id']}): span {target['span']} "
                    f"is not {target['text']!r}"
                )
            unknown = set(target["labels"]) - set(LABELS)
            if unknown:
                raise ValueError(f"{path.name}:{number} ({record['id']}): labels {unknown}")
        records.append(record)
    return records


def medfact_predictor() -> Predictor:
    """medfact's Analyzer over medfact's segmenter; raises ImportError when medfact is absent."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from medfact.analysis import Analyzer, context_labels
    from medfact.segment import segment

    analyzer = Analyzer(drugs=False)

    def predict(text: str, spans: list[tuple[int, int]]) -> list[frozenset[str]]:
        doc = analyzer(text, segment(text))
        return [context_labels(doc, start, end) for start, end in spans]

    return predict


# Rules added for "medspacy+": a ";" terminator and the pseudo-negations issue 13 names. They were
# written knowing this set, so medspacy+ is an optimistic figure for "medspaCy, locally extended".
EXTRA_TERMINATORS = (";",)
EXTRA_PSEUDO = (
    "no increase",
    "no decrease",
    "no change",
    "no interval change",
    "no significant change",
    "no improvement",
    "not only",
    "not just",
    "without difficulty",
)


def medspacy_extended_predictor() -> Predictor:
    """medspaCy as below, plus EXTRA_TERMINATORS and EXTRA_PSEUDO rules."""
    return medspacy_predictor(extended=True)


def medspacy_predictor(extended: bool = False) -> Predictor:
    """medspaCy's ConText and Sectionizer with default rules on the gold spans as entities."""
    import medspacy
    from medspacy.context import ConTextRule

    try:  # pyRuSH logs every sentence at DEBUG through loguru
        from loguru import logger

        logger.remove()
        logger.add(sys.stderr, level="WARNING")
    except ImportError:
        pass
    nlp = medspacy.load(
        medspacy_enable=["medspacy_pyrush", "medspacy_sectionizer", "medspacy_context"]
    )
    pipes = dict(nlp.pipeline)
    if extended:
        pipes["medspacy_context"].add(
            [ConTextRule(t, "NEGATED_EXISTENCE", direction="TERMINATE") for t in EXTRA_TERMINATORS]
            + [ConTextRule(p, "NEGATED_EXISTENCE", direction="PSEUDO") for p in EXTRA_PSEUDO]
        )
    attrs = {
        "is_negated": "negated",
        "is_uncertain": "uncertain",
        "is_hypothetical": "uncertain",
        "is_historical": "historical",
        "is_family": "family",
    }

    def predict(text: str, spans: list[tuple[int, int]]) -> list[frozenset[str]]:
        doc = pipes["medspacy_pyrush"](nlp.make_doc(text))
        ents = [doc.char_span(s, e, label="TARGET", alignment_mode="expand") for s, e in spans]
        doc.ents = [e for e in ents if e is not None]
        doc = pipes["medspacy_context"](pipes["medspacy_sectionizer"](doc))
        by_offsets = {(e.start_char, e.end_char): e for e in doc.ents}
        out = []
        for ent in ents:
            ent = by_offsets.get((ent.start_char, ent.end_char)) if ent is not None else None
            found = {
                label for attr, label in attrs.items() if ent is not None and getattr(ent._, attr)
            }
            out.append(frozenset(found))
        return out

    return predict


SYSTEMS: dict[str, Callable[[], Predictor]] = {
    "medfact": medfact_predictor,
    "medspacy": medspacy_predictor,
    "medspacy+": medspacy_extended_predictor,
}


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "support": tp + fn,
    }


def evaluate(records: list[dict[str, Any]], predict: Predictor) -> dict[str, Any]:
    """Per label P/R/F1 ("none" = an empty label set), macro-F1 of the four labels, exact match,
    per phenomenon exact match, and every disagreement."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    exact, total = 0, 0
    by_phenomenon: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors = []
    for record in records:
        spans = [tuple(t["span"]) for t in record["targets"]]
        predicted = predict(record["text"], spans)
        for target, pred in zip(record["targets"], predicted, strict=True):
            gold = frozenset(target["labels"])
            for label in (*LABELS, "none"):
                g = label in gold if label != "none" else not gold
                p = label in pred if label != "none" else not pred
                counts[label][0] += g and p
                counts[label][1] += p and not g
                counts[label][2] += g and not p
            total += 1
            exact += gold == pred
            by_phenomenon[record["phenomenon"]][0] += gold == pred
            by_phenomenon[record["phenomenon"]][1] += 1
            if gold != pred:
                errors.append(
                    {
                        "id": record["id"],
                        "phenomenon": record["phenomenon"],
                        "target": target["text"],
                        "gold": sorted(gold) or ["none"],
                        "predicted": sorted(pred) or ["none"],
                        "text": record["text"],
                    }
                )
    labels = {label: _prf(*counts[label]) for label in (*LABELS, "none")}
    return {
        "targets": total,
        "exact_match": round(exact / total, 4) if total else 0.0,
        "macro_f1_4_labels": round(sum(labels[x]["f1"] for x in LABELS) / len(LABELS), 4),
        "macro_f1_negated_uncertain": round(
            (labels["negated"]["f1"] + labels["uncertain"]["f1"]) / 2, 4
        ),
        "labels": labels,
        "phenomena": {k: round(v[0] / v[1], 4) for k, v in sorted(by_phenomenon.items())},
        "errors": errors,
    }


def markdown(results: dict[str, dict[str, Any]]) -> str:
    """One table of per-label P/R/F1 per system, then exact match per phenomenon."""
    lines = ["| system | label | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
    for name, res in results.items():
        for label, m in res["labels"].items():
            lines.append(
                f"| {name} | {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} "
                f"| {m['support']} |"
            )
        lines.append(
            f"| {name} | exact label set | | | {res['exact_match']:.3f} | {res['targets']} |"
        )
    names = list(results)
    lines += ["", "| phenomenon | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    phenomena = sorted({p for r in results.values() for p in r["phenomena"]})
    for p in phenomena:
        cells = [f"{results[n]['phenomena'].get(p, 0):.2f}" for n in names]
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    lines.append("")
    for name, res in results.items():
        lines.append(
            f"{name}: macro-F1 (negated, uncertain, historical, family) "
            f"{res['macro_f1_4_labels']:.3f}; macro-F1 (negated, uncertain) "
            f"{res['macro_f1_negated_uncertain']:.3f}; exact label set {res['exact_match']:.3f}"
        )
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--systems", default="medfact,medspacy,medspacy+", help="comma-separated")
    parser.add_argument("--format", choices=["markdown", "json"], default="markdown")
    parser.add_argument("--errors", type=int, default=0, help="print this many disagreements")
    args = parser.parse_args(list(argv) if argv is not None else None)
    records = load(args.data)
    results: dict[str, dict[str, Any]] = {}
    for name in args.systems.split(","):
        try:
            predict = SYSTEMS[name]()
        except ImportError as exc:
            print(f"skipping {name}: cannot import it here ({exc})", file=sys.stderr)
            continue
        results[name] = evaluate(records, predict)
    if not results:
        print("no system could be loaded", file=sys.stderr)
        return 1
    if args.format == "json":
        for res in results.values():
            res["errors"] = res["errors"][: args.errors]
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"{len(records)} sentences, {next(iter(results.values()))['targets']} targets "
        f"({args.data.relative_to(ROOT) if args.data.is_relative_to(ROOT) else args.data})\n"
    )
    print(markdown(results))
    for name, res in results.items():
        for err in res["errors"][: args.errors]:
            text = err["text"].replace("\n", " / ")
            print(
                f"{name} {err['id']} [{err['phenomenon']}] {err['target']!r}: gold "
                f"{'+'.join(err['gold'])}, predicted {'+'.join(err['predicted'])} | {text}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
