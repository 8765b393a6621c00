"""Speed of the default pipeline on MTS-Dialog pairs (dialogue -> note section).

Reports model/lexicon load time separately, then cases/s, claims/s, time per stage and peak RSS.

    python bench/speed.py                       # validation split, 100 cases, 3 passes
    python bench/speed.py --no-model            # the rule tier alone
    python bench/speed.py --split TrainingSet --passes 1 --markdown
    python bench/speed.py --tier1 backend=torch --tier1 backend=torch-bf16   # side by side

Rules keep small per-text caches (a few hundred texts), so passes after the first over the same
cases run warmer than new text does: the first pass is reported on its own, and one pass over
``--split TrainingSet`` (1,201 distinct cases) is the figure for text never seen.

Each ``--tier1 KEY=VALUE[,KEY=VALUE]`` is one variant of crossencoder.v1's parameters (values
are JSON where they parse, else strings); variants are loaded together and timed pass by pass
in turn, so a shared machine's load falls on each alike; the first is the reference of the
ratios. torch's thread count is one per process: a variant's ``threads`` applies to every torch
variant of the run (time thread counts in separate runs).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
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


def parse_variant(text: str) -> dict[str, object]:
    """``backend=onnx,per_row=true`` -> {"backend": "onnx", "per_row": True}."""
    out: dict[str, object] = {}
    for item in filter(None, text.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            sys.exit(f"bench/speed.py: --tier1 {text!r}: {item!r} is not KEY=VALUE")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value.strip()
    return out


def timed_pass(engine, cases, stages: dict[str, float]) -> tuple[int, int, float]:
    """One pass over the cases: (cases, claims, seconds); stage times added to ``stages``."""
    n_cases = n_claims = 0
    start = time.perf_counter()
    for result in engine.score_many(cases):
        n_cases += 1
        n_claims += len(result.claims)
        for stage, seconds in result.timings.items():
            stages[stage] += seconds
    return n_cases, n_claims, time.perf_counter() - start


def compare(args: argparse.Namespace, cases: list[dict[str, str]]) -> None:
    """The ``--tier1`` variants side by side, passes interleaved."""
    from medfact.pipeline import Engine

    variants = [parse_variant(v) for v in args.tier1]
    engines, loads = [], []
    for params in variants:
        start = time.perf_counter()
        engine = Engine.from_config(args.config, {"components": {"crossencoder.v1": params}})
        engines.append(engine.load())
        loads.append(time.perf_counter() - start)
        engine.score(cases[0])
    totals = [[0, 0, 0.0] for _ in variants]
    model_s = [0.0 for _ in variants]
    for _ in range(args.passes):
        for k, engine in enumerate(engines):
            stages: dict[str, float] = defaultdict(float)
            n, c, s = timed_pass(engine, cases, stages)
            totals[k][0] += n
            totals[k][1] += c
            totals[k][2] += s
            model_s[k] += stages.get("model", 0.0)
    print(
        f"machine: {platform.machine()} cores={len(os.sched_getaffinity(0))} "
        f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; "
        f"{len(cases)} cases x {args.passes} passes, interleaved"
    )
    ref = totals[0][0] / totals[0][2]
    print("| tier 1 parameters | cases/s | x first | claims/s | model ms/case | load |")
    print("|---|---:|---:|---:|---:|---:|")
    for params, (n, c, s), m, load in zip(variants, totals, model_s, loads, strict=True):
        label = ", ".join(f"{k}={v}" for k, v in params.items()) or "(default)"
        print(
            f"| {label} | {n / s:.1f} | {n / s / ref:.2f} | {c / s:.1f} | "
            f"{1000 * m / n:.1f} | {load:.1f} s |"
        )
    print(f"peak RSS (all variants loaded): {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="ValidationSet")
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the cases")
    parser.add_argument("--no-model", action="store_true", help="the rule tier alone")
    parser.add_argument("--config", default=None, help="TOML config (default: built-in)")
    parser.add_argument("--markdown", action="store_true", help="print a RESULTS.md row block")
    parser.add_argument(
        "--tier1",
        action="append",
        default=[],
        metavar="KEY=VALUE,...",
        help="a crossencoder.v1 variant to time beside the others (repeatable)",
    )
    args = parser.parse_args()

    from medfact.pipeline import Engine

    cases = load_cases(args.split)
    if args.tier1:
        compare(args, cases)
        return
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    from medfact.config import NO_MODEL

    engine = Engine.from_config(args.config, NO_MODEL if args.no_model else None).load()
    load_s = time.perf_counter() - start
    engine.score(cases[0])  # first-call effects out of the timed passes

    stages: dict[str, float] = defaultdict(float)
    n_cases = n_claims = 0
    start = time.perf_counter()
    pass_walls = []
    for _ in range(args.passes):
        pass_start = time.perf_counter()
        for result in engine.score_many(cases):
            n_cases += 1
            n_claims += len(result.claims)
            for stage, seconds in result.timings.items():
                stages[stage] += seconds
        pass_walls.append(time.perf_counter() - pass_start)
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
        f"first pass (texts not seen before: per-text caches cold): "
        f"{len(cases) / pass_walls[0]:.1f} cases/s",
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
