"""Detection of known perturbations: the bar of the engine issue, measured on MTS-Dialog pairs.

For every clean pair and every perturbation kind of ``medfact.synth.perturb`` that applies, the
perturbed output is scored. A perturbation is *caught* when the case reaches risk 3-4, and
*located* when, in addition, a finding's span overlaps the changed span (for deletions: an omission
finding). Faithful outputs should stay at risk 1-2.

    python bench/detect.py --split ValidationSet --seed 0
    python bench/detect.py --split TestSet-1-MEDIQA-Chat-2023 --config my.toml
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

DATA = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mts-dialog" / "Main-Dataset"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="ValidationSet")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-model", action="store_true", help="the rule tier alone")
    parser.add_argument("--config", default=None)
    parser.add_argument("--show", type=int, default=0, help="print N missed examples per kind")
    args = parser.parse_args()

    from medfact.pipeline import Engine
    from medfact.synth.pairs import iter_pairs
    from medfact.synth.perturb import PERTURBATIONS
    from medfact.textutil import spans_overlap

    path = DATA / f"MTS-Dialog-{args.split}.csv"
    if not path.exists():
        sys.exit(f"bench/detect.py: {path} not found (MTS-Dialog lives in ../shared/data)")
    pairs = list(iter_pairs("mts-dialog", path))
    from medfact.config import NO_MODEL

    engine = Engine.from_config(args.config, NO_MODEL if args.no_model else None).load()

    faithful, errors = Counter(), Counter()
    caught, located, total = Counter(), Counter(), Counter()
    missed: dict[str, list[str]] = defaultdict(list)
    for pair in pairs:
        clean = engine.score_one(pair.output, context=pair.context, id=pair.id)
        faithful[int(clean.risk_level)] += 1
        for kind, fn in PERTURBATIONS.items():
            rng = random.Random(f"{args.seed}:{pair.id}:{kind}")
            try:
                p = fn(pair.context, pair.output, rng)
            except Exception as exc:  # a perturbation bug must not hide the other results
                errors[kind] += 1
                print(f"perturbation {kind} failed on {pair.id}: {exc!r}", file=sys.stderr)
                continue
            if p is None:
                continue
            a = engine.score_one(p.output, context=pair.context, id=pair.id)
            total[kind] += 1
            if a.risk_level >= 3:
                caught[kind] += 1
                if any(
                    (f.span is None and p.span is None and f.relation == "omitted")
                    or spans_overlap(f.span, p.span)
                    for f in a.findings
                    if f.risk >= 3
                ):
                    located[kind] += 1
            elif len(missed[kind]) < args.show:
                s, e = p.span or p.original_span
                missed[kind].append(f"{p.description} | {p.output[max(0, s - 40) : e + 40]!r}")

    n = sum(faithful.values())
    print(f"split {args.split}: {n} faithful pairs, seed {args.seed}")
    print(
        f"faithful at risk 1-2: {(faithful[1] + faithful[2]) / n:.2%} "
        f"(levels: {dict(sorted(faithful.items()))})"
    )
    print("\n| perturbation | n | caught (risk 3-4) | caught and located |\n|---|---|---|---|")
    for kind in PERTURBATIONS:
        if total[kind]:
            print(
                f"| {kind} | {total[kind]} | {caught[kind] / total[kind]:.0%} | "
                f"{located[kind] / total[kind]:.0%} |"
            )
    all_n = sum(total.values())
    print(
        f"| **all** | {all_n} | {sum(caught.values()) / all_n:.0%} | "
        f"{sum(located.values()) / all_n:.0%} |"
    )
    for kind, rows in missed.items():
        print(f"\nmissed {kind}:")
        for row in rows:
            print("  ", row)


if __name__ == "__main__":
    main()
