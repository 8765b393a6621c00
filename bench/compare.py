"""Precision and recall of the comparison stage (medfact/compare.py, rule compare.v1).

Twins (``--twins DIR``): each row is a case (premise as the input, hypothesis as the output);
rows with role "error" are positives, role "clean" negatives; a row is flagged when the stage
adds a compare.v1 finding. Per kind and overall; "clinical" is every kind but "paraphrase".
NLI (``--nli DIR``): contradicted (positive) vs supported (negative) rows of each source.
MTS-Dialog (``--mts CSV``): its reference notes against their dialogues (faithful, mostly): the
share of records the stage flags (a false-alarm measure) and its cost per record.
Challenge set (``--cases DIR``, bench/cases): each record's erroneous output (positive, omissions
left out) and faithful output (negative) against its context; ``--half dev`` (odd ids) while
developing, ``held-out`` (even ids) once at the end.

    python bench/compare.py --twins /work/nli-data/twins --nli /work/nli-data/nli --split test
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medfact.compare import RULE, CompareStage
from medfact.config import NO_MODEL
from medfact.document import CaseDoc
from medfact.pipeline import Engine

_CONFIG = {"pipeline": {"verifiers": [], "learned_verifiers": [], "model": ""}}


def rows(path: Path, split: str, limit: int | None) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        n = 0
        for line in handle:
            row = json.loads(line)
            if row.get("split", split) != split:
                continue
            yield row
            n += 1
            if limit is not None and n >= limit:
                return


RULES_ONLY = False  # --rules: the tier-0 rules' contradicted findings instead (a baseline)


def flagged(engine: Engine, stage: CompareStage, batch: list[dict[str, Any]]) -> list[bool]:
    """Whether the stage finds a differing fact in each row (with ``--rules``: whether the
    default tier-0 rules raise a contradicted finding)."""
    records = [
        {"id": str(i), "output": r["hypothesis"], "context": r["premise"]}
        for i, r in enumerate(batch)
    ]
    out = []
    for doc in engine.pipe(records, until="learned" if RULES_ONLY else "retrieve"):
        if not isinstance(doc, CaseDoc):
            out.append(False)
        elif RULES_ONLY:
            out.append(any(f.relation == "contradicted" for f in doc.findings))
        else:
            stage(doc)
            out.append(any(f.rule == RULE for f in doc.findings))
    return out


def score(counts: Counter[str]) -> dict[str, float | int]:
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    return {"n": sum(counts.values()), "precision": precision, "recall": recall, "tp": tp, "fp": fp}


def evaluate(
    engine: Engine, stage: CompareStage, items: list[dict[str, Any]], group: str, positive: Any
) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {}
    for k in range(0, len(items), 256):
        batch = items[k : k + 256]
        for row, hit in zip(batch, flagged(engine, stage, batch), strict=True):
            truth = positive(row)
            cell = "tp" if hit and truth else "fp" if hit else "fn" if truth else "tn"
            for name in (row[group], "all"):
                counts.setdefault(name, Counter())[cell] += 1
    return counts


def table(title: str, counts: dict[str, Counter[str]]) -> str:
    lines = [
        f"{title}",
        "",
        "| set | n | precision | recall | TP | FP |",
        "|---|---|---|---|---|---|",
    ]
    for name in sorted(counts, key=lambda n: (n in ("all", "clinical"), n)):
        s = score(counts[name])
        cells = f"{s['precision']:.3f} | {s['recall']:.3f} | {s['tp']} | {s['fp']}"
        lines.append(f"| {name} | {s['n']} | {cells} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--twins", type=Path, help="folder of the twins JSONL splits")
    parser.add_argument("--nli", type=Path, help="folder of the NLI JSONL splits")
    parser.add_argument("--split", default="test", choices=("train", "valid", "test"))
    parser.add_argument("--cases", type=Path, help="folder of the challenge set (bench/cases)")
    parser.add_argument("--half", default="dev", choices=("dev", "held-out", "all"))
    parser.add_argument("--mts", type=Path, help="an MTS-Dialog CSV (reference notes)")
    parser.add_argument("--limit", type=int, default=None, help="rows per file (quick runs)")
    parser.add_argument("--show", type=int, default=0, help="print this many errors per kind")
    parser.add_argument(
        "--rules", action="store_true", help="baseline: the default rules' contradicted findings"
    )
    args = parser.parse_args(argv)
    global RULES_ONLY
    RULES_ONLY = args.rules
    engine = (Engine.from_config(None, NO_MODEL) if args.rules else Engine(_CONFIG)).load()
    stage = CompareStage(engine.settings, engine.parts)
    start = time.perf_counter()
    reports = []
    twins = args.twins / f"{args.split}.jsonl" if args.twins else None
    if twins is None or not twins.exists():
        print(f"twins: skipped ({twins or 'no --twins given'} not found)")
    else:
        items = list(rows(twins, args.split, args.limit))
        counts = evaluate(engine, stage, items, "kind", lambda r: r["role"] == "error")
        clinical = Counter()
        for name, c in counts.items():
            if name not in ("all", "paraphrase"):
                clinical.update(c)
        counts["clinical"] = clinical
        reports.append(table(f"twins {args.split} ({len(items)} rows)", counts))
        if args.show:
            _show(engine, stage, items, args.show)
    nli = args.nli / f"{args.split}.jsonl" if args.nli else None
    if nli is None or not nli.exists():
        print(f"nli: skipped ({nli or 'no --nli given'} not found)")
    else:
        items = [
            r
            for r in rows(nli, args.split, args.limit)
            if r["label"] in ("contradicted", "supported")
        ]
        counts = evaluate(engine, stage, items, "source", lambda r: r["label"] == "contradicted")
        reports.append(
            table(f"nli {args.split}, contradicted vs supported ({len(items)} rows)", counts)
        )
    if args.cases is None or not args.cases.is_dir():
        print(f"cases: skipped ({args.cases or 'no --cases given'} not found)")
    else:
        items = challenge_rows(args.cases, args.half)
        counts = evaluate(engine, stage, items, "kind", lambda r: r["role"] == "error")
        title = f"challenge set {args.half} ({len(items)} outputs, omissions left out)"
        reports.append(table(title, {"all": counts["all"]}))
    if args.mts is not None:
        reports.append(reference_notes(engine, stage, args.mts))
    for report in reports:
        print(report, end="\n\n")
    print(f"{time.perf_counter() - start:.1f} s")
    return 0


def reference_notes(engine: Engine, stage: CompareStage, path: Path) -> str:
    """Share of MTS-Dialog reference notes with a compare.v1 finding, and the stage's cost."""
    import csv

    if not path.exists():
        return f"mts: skipped ({path} not found)"
    with path.open(encoding="utf-8") as handle:
        records = [
            {"id": r["ID"], "output": r["section_text"], "context": r["dialogue"]}
            for r in csv.DictReader(handle)
        ]
    docs = [d for d in engine.pipe(records, until="retrieve") if isinstance(d, CaseDoc)]
    start = time.perf_counter()
    kinds: Counter[str] = Counter()
    flagged_notes = 0
    for doc in docs:
        stage(doc)
        found = [f for f in doc.findings if f.rule == RULE]
        flagged_notes += bool(found)
        kinds.update(f.message.split(":")[0] for f in found)
    cost = (time.perf_counter() - start) / max(len(docs), 1) * 1000
    return (
        f"{path.name}: {flagged_notes} of {len(docs)} reference notes flagged by compare.v1"
        f" ({dict(sorted(kinds.items()))}); stage {cost:.2f} ms per record"
    )


def challenge_rows(folder: Path, half: str) -> list[dict[str, Any]]:
    """The challenge set as twin rows: each record's erroneous and faithful output."""
    from medfact.benchmarks.cases import load_cases

    out = []
    for case in load_cases(folder):
        number = int("".join(ch for ch in case.id if ch.isdigit()) or 0)
        if case.is_omission or (half == "dev" and number % 2 == 0):
            continue
        if half == "held-out" and number % 2 == 1:
            continue
        for role, text in (("error", case.erroneous), ("clean", case.faithful)):
            row = {"premise": case.context, "hypothesis": text, "role": role}
            out.append({**row, "kind": case.kind})
    return out


def _show(engine: Engine, stage: CompareStage, items: list[dict[str, Any]], per_kind: int) -> None:
    """Print missed errors and false alarms, a few per kind (development splits only)."""
    shown: Counter[str] = Counter()
    records = [
        {"id": str(i), "output": r["hypothesis"], "context": r["premise"]}
        for i, r in enumerate(items)
    ]
    for row, doc in zip(items, engine.pipe(records, until="retrieve"), strict=True):
        if not isinstance(doc, CaseDoc):
            continue
        stage(doc)
        found = [f for f in doc.findings if f.rule == RULE]
        wrong = bool(found) != (row["role"] == "error")
        key = f"{row['kind']}:{'fp' if found else 'fn'}"
        if wrong and shown[key] < per_kind:
            shown[key] += 1
            ev = doc.evidence.get(doc.claims[0].id) if doc.claims else None
            print(key, "|", row["hypothesis"], "|", row["differs"], "|", ev[0].text if ev else None)
            for f in found:
                print("    ", f.message)


if __name__ == "__main__":
    sys.exit(main())
