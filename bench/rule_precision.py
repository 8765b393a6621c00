"""Each rule's findings on the challenge set: how often a grading finding marks the changed span
of an erroneous text, and how often it fires on a faithful text.

Only the development part is read (files in ``HELD_OUT_FILES`` are skipped: nobody tuning the
rules reads them record by record). A finding counts when its risk is at least ``--risk``
(default 3, the grade that makes a case unsafe):

- ``true``: on an erroneous text, on the changed span (for an omission: its context span);
- ``off``: on an erroneous text, elsewhere;
- ``false``: on a faithful text (every one is a false alarm by construction);
- ``notes``: on the reference notes of ``--notes FILE`` (real clinicians' notes: mostly false
  alarms, each unknown until read).

With the default engine (not ``--no-model``), each finding's claim also carries tier 1's
P(supported) against its aligned window, and the table shows how many findings of each label sit
below 0.3, between 0.3 and 0.8, and at 0.8 or above: whether the model's support could tell a
rule's true findings from its false ones (it cannot where both sit high).

    python bench/rule_precision.py --no-model
    python bench/rule_precision.py --notes /work/ref/mtstrain.jsonl --format json > rules.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from medfact.benchmarks.cases import ChallengeCase, load_cases, on_span
from medfact.config import NO_MODEL
from medfact.pipeline import Engine, default_engine
from medfact.types import Finding

LABELS = ("true", "off", "false", "notes")
BANDS = ((0.0, 0.3, "low"), (0.3, 0.8, "mid"), (0.8, 1.01, "high"))


def _band(p: float | None) -> str:
    if p is None:
        return "none"
    return next(name for lo, hi, name in BANDS if lo <= p < hi)


def _label(case: ChallengeCase | None, side: str, finding: Finding) -> str:
    if case is None:
        return "notes"
    if side == "faithful":
        return "false"
    return "true" if on_span(case, SimpleNamespace(findings=[finding])) else "off"


def _records(
    cases: list[ChallengeCase], notes: list[Path]
) -> Iterator[tuple[ChallengeCase | None, str, dict[str, Any]]]:
    for case in cases:
        for side in ("faithful", "erroneous"):
            text = case.faithful if side == "faithful" else case.erroneous
            yield case, side, {"id": f"{case.id}/{side}", "output": text, "context": case.context}
    for path in notes:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    record = json.loads(line)
                    yield None, "notes", {k: record.get(k) for k in ("id", "output", "context")}


def tally(engine: Engine, records: Iterable[tuple[Any, str, dict[str, Any]]], risk: int) -> dict:
    """Per (rule, policy row): counts by label, and by label and tier-1 support band."""
    items = list(records)
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for (case, side, _), doc in zip(items, engine.pipe(r for _, _, r in items), strict=True):
        findings = getattr(doc, "findings", None)
        if findings is None:
            continue  # a record error: nothing to count
        position = {c.id: i for i, c in enumerate(doc.claims)}
        for finding in findings:
            if int(finding.risk) < risk:
                continue
            label = _label(case, side, finding)
            i = position.get(finding.claim_id) if finding.claim_id else None
            p = None
            if doc.probabilities is not None and i is not None:
                p = float(doc.probabilities[i][0])
            key = (finding.rule, finding.policy or "-")
            counts[key][label] += 1
            counts[key][f"{label}:{_band(p)}"] += 1
    return counts


def report(counts: dict[tuple[str, str], Counter[str]], model: bool) -> list[dict[str, Any]]:
    rows = []
    for (rule, policy), c in sorted(counts.items(), key=lambda kv: -sum(kv[1][x] for x in LABELS)):
        row: dict[str, Any] = {"rule": rule, "policy": policy, **{x: c[x] for x in LABELS}}
        judged = c["true"] + c["false"]
        row["precision"] = round(c["true"] / judged, 3) if judged else None
        if model:
            for x in ("true", "false", "notes"):
                row[f"{x}_support"] = {name: c[f"{x}:{name}"] for *_, name in BANDS}
        rows.append(row)
    return rows


def text_table(rows: list[dict[str, Any]], model: bool) -> str:
    cols = " ".join(f"{x:>5}" for x in (*LABELS, "prec"))
    head = f"{'rule':16} {'policy row':34} {cols}"
    if model:
        head += "   P(supported) low/mid/high: true | false | notes"
    lines = [head]
    for r in rows:
        prec = "-" if r["precision"] is None else f"{r['precision']:.2f}"
        line = (
            f"{r['rule']:16} {r['policy'][:34]:34} {r['true']:5} {r['off']:5} {r['false']:5} "
            f"{r['notes']:5} {prec:>5}"
        )
        if model:
            line += "   " + " | ".join(
                "/".join(str(v) for v in r[f"{x}_support"].values())
                for x in ("true", "false", "notes")
            )
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-model", action="store_true", help="the rule tier only")
    ap.add_argument("--risk", type=int, default=3, choices=(2, 3, 4), help="least risk counted")
    ap.add_argument(
        "--notes",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="JSON Lines of reference notes (id, output, context); repeatable",
    )
    ap.add_argument("--cases", type=Path, default=None, help="challenge set folder")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    args = ap.parse_args(argv)
    for path in args.notes:
        if not path.is_file():
            ap.error(f"--notes {path}: no such file")
    cases = [c for c in load_cases(args.cases) if c.part == "dev"]
    engine = Engine.from_config(None, NO_MODEL).load() if args.no_model else default_engine()
    counts = tally(engine, _records(cases, args.notes), args.risk)
    rows = report(counts, model=not args.no_model)
    if args.format == "json":
        json.dump({"risk": args.risk, "cases": len(cases), "rules": rows}, sys.stdout, indent=1)
        print()
    else:
        print(f"development challenge records: {len(cases)}; findings at risk >= {args.risk}")
        print(text_table(rows, model=not args.no_model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
