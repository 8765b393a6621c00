"""Speed of the default pipeline on MTS-Dialog pairs (dialogue -> note section).

Reports model/lexicon load time separately, then cases/s, claims/s, time per stage and peak RSS.

    python bench/speed.py                       # validation split, 100 cases, 3 passes
    python bench/speed.py --no-model            # the rule tier alone
    python bench/speed.py --split TrainingSet --passes 1 --markdown
"""

from __future__ import annotations

import argparse
import csv
import platform
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

DATA = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mts-dialog" / "Main-Dataset"
)


def load_cases(split: str) -> list[dict[str, str]]:
    path = DATA / f"MTS-Dialog-{split}.csv"
    if not path.exists():
        sys.exit(f"bench/speed.py: {path} not found (MTS-Dialog lives in ../shared/data)")
    with path.open(encoding="utf-8") as handle:
        return [
            {"id": row["ID"], "output": row["section_text"], "context": row["dialogue"]}
            for row in csv.DictReader(handle)
        ]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="ValidationSet")
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the cases")
    parser.add_argument("--no-model", action="store_true", help="the rule tier alone")
    parser.add_argument("--config", default=None, help="TOML config (default: built-in)")
    parser.add_argument("--markdown", action="store_true", help="print a RESULTS.md row block")
    args = parser.parse_args()

    from medfact.pipeline import Engine

    cases = load_cases(args.split)
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    from medfact.config import NO_MODEL

    engine = Engine.from_config(args.config, NO_MODEL if args.no_model else None).load()
    load_s = time.perf_counter() - start
    engine.score(cases[0])  # first-call effects out of the timed passes

    stages: dict[str, float] = defaultdict(float)
    n_cases = n_claims = 0
    start = time.perf_counter()
    for _ in range(args.passes):
        for result in engine.score_many(cases):
            n_cases += 1
            n_claims += len(result.claims)
            for stage, seconds in result.timings.items():
                stages[stage] += seconds
    wall = time.perf_counter() - start
    chars = sum(len(c["output"]) + len(c["context"]) for c in cases) / len(cases)
    lines = [
        f"machine: {platform.machine()} {platform.processor() or ''} "
        f"cores={len(__import__('os').sched_getaffinity(0))} python={platform.python_version()}",
        f"split: {args.split}, {len(cases)} cases x {args.passes} passes, "
        f"mean {chars:.0f} chars/case (output + context)",
        f"load (segmenter, lexicons, rules, models): {load_s:.2f} s",
        f"throughput: {n_cases / wall:.1f} cases/s, {n_claims / wall:.1f} claims/s "
        f"({n_claims / n_cases:.1f} claims/case)",
        f"peak RSS: {peak_rss_mb():.0f} MB (before engine: {rss_before:.0f} MB)",
        "per stage (ms/case): "
        + ", ".join(f"{k} {1000 * v / n_cases:.2f}" for k, v in stages.items()),
    ]
    print("\n".join(lines))
    if args.markdown:
        print("\n| stage | ms/case |\n|---|---|")
        for k, v in stages.items():
            print(f"| {k} | {1000 * v / n_cases:.3f} |")


if __name__ == "__main__":
    main()
