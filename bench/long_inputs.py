"""Cost of the rule tier on very long inputs: a huge context with a short output, and a huge
output with a short context, both built from repeated clinical sentences.

Times the rule tier (``--no-model``: no tier 1, no learned checks, the ``rules.v1`` scorer) per
stage and per rule, for context sizes 250k/500k/1M/2M characters and output sizes
25k/50k/100k/200k, and checks the bars of issue 14: a 2M-character context in at most 10 s and a
200k-character output in at most 2 s (exit 1 when a bar is missed). The bars are checked on
the process's CPU time, which other users of a shared machine do not inflate; wall time is
printed beside it.

    python bench/long_inputs.py                      # both series, bars checked
    python bench/long_inputs.py --series context --sizes 250000,500000
    python bench/long_inputs.py --markdown           # a RESULTS.md block
    python bench/long_inputs.py --series both --sizes 20000,40000   # both long (no bar)

``both`` pairs an output of SIZE characters with a context of 10 x SIZE (the default limits
allow 200k with 2M); it has no bar and is not in the default run.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from typing import Any

# A dialogue between a clinician and a patient, as a visit transcript would read. Written for this
# benchmark: each sentence carries what some rule looks at (sides, drugs, doses, changes over time,
# negations, causes, advice, certainty words).
DIALOGUE = (
    "Doctor: What brings you in today?",
    "Patient: My left knee has been swelling for about three weeks now.",
    "Doctor: Is the pain worse than it was last month?",
    "Patient: It is a bit better since I started the ibuprofen 400 mg twice a day.",
    "Doctor: Any fever, chills or night sweats?",
    "Patient: No fever, but I get short of breath when I climb the stairs.",
    "Doctor: Your blood pressure today is 142 over 88, which is higher than at your last visit.",
    "Patient: I stopped the lisinopril 10 mg because it gave me a dry cough.",
    "Doctor: Do you have any chest pain or palpitations?",
    "Patient: No chest pain, though my right ankle aches after long walks.",
    "Doctor: Your hemoglobin A1c came back at 7.9 percent, up from 7.1 in March.",
    "Patient: I have not been taking the metformin every day.",
    "Doctor: Has anyone in your family had heart disease?",
    "Patient: My father had a heart attack at 58 and my mother has type 2 diabetes.",
    "Doctor: We may need an MRI of the left knee if the swelling does not settle.",
    "Patient: I smoke about half a pack a day and drink on weekends.",
)

# A visit note as a model might write it: mostly grounded in the dialogue, with some claims the
# dialogue does not make (a side swapped, a cause and a comparison it does not state).
NOTE = (
    "The patient reports swelling of the left knee for three weeks.",
    "Knee pain has improved since starting ibuprofen 400 mg twice daily.",
    "She denies fever, chills and night sweats.",
    "She reports shortness of breath on exertion when climbing stairs.",
    "Blood pressure was 142/88, higher than at the previous visit.",
    "Lisinopril 10 mg was stopped because of a dry cough.",
    "The right knee aches after long walks, likely due to osteoarthritis.",
    "Hemoglobin A1c increased from 7.1 to 7.9 percent.",
    "Adherence to metformin is poor.",
    "Family history of myocardial infarction in the father and diabetes in the mother.",
    "Recommend an MRI of the right knee and start naproxen 500 mg daily.",
    "Smokes half a pack per day; the cough is probably related to smoking.",
)

SHORT_CONTEXT = " ".join(DIALOGUE)
SHORT_OUTPUT = " ".join(NOTE[:6])

CONTEXT_SIZES = (250_000, 500_000, 1_000_000, 2_000_000)
OUTPUT_SIZES = (25_000, 50_000, 100_000, 200_000)
DEFAULT_SIZES = {"context": CONTEXT_SIZES, "output": OUTPUT_SIZES, "both": (10_000, 20_000, 40_000)}
CONTEXT_BAR_S, CONTEXT_BAR_CHARS = 10.0, 2_000_000
OUTPUT_BAR_S, OUTPUT_BAR_CHARS = 2.0, 200_000


def repeat_to(sentences: tuple[str, ...], chars: int, *, turns: bool = False) -> str:
    """Whole sentences, cycled, up to ``chars`` characters (one line per dialogue turn)."""
    parts: list[str] = []
    size = 0
    sep = "\n" if turns else " "
    while True:
        for sentence in sentences:
            if size + len(sentence) + 1 > chars:
                return sep.join(parts)
            parts.append(sentence)
            size += len(sentence) + 1


def build_case(series: str, size: int) -> dict[str, str]:
    """A case for ``series`` ("context", "output" or "both") at ``size`` characters."""
    if series == "both":
        return {
            "id": f"both-{size}",
            "output": repeat_to(NOTE, size),
            "context": repeat_to(DIALOGUE, 10 * size, turns=True),
        }
    if series == "context":
        return {
            "id": f"context-{size}",
            "output": SHORT_OUTPUT,
            "context": repeat_to(DIALOGUE, size, turns=True),
        }
    return {"id": f"output-{size}", "output": repeat_to(NOTE, size), "context": SHORT_CONTEXT}


def engine() -> Any:
    from medfact.config import NO_MODEL
    from medfact.pipeline import Engine

    return Engine.from_config(None, NO_MODEL).load()


def run_case(eng: Any, case: dict[str, str], per_rule: bool) -> dict[str, Any]:
    """Wall time, stage timings and (optionally) each rule's own time on the analysed case."""
    gc.collect()  # the previous case's garbage is not this one's cost
    start, cpu = time.perf_counter(), time.process_time()
    result = eng.score(case)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    row: dict[str, Any] = {
        "wall": wall,
        "cpu": cpu,
        "stages": dict(result.timings),
        "findings": len(result.findings),
        "claims": len(result.claims),
    }
    if per_rule:
        from medfact.document import CaseDoc

        view = eng.view(case)
        rules: dict[str, float] = {}
        shared = [0.0]  # seconds in CaseDoc.claim_at, the lookup every finding makes
        lookup = CaseDoc.claim_at

        def timed_lookup(self: Any, start: int, end: int) -> Any:
            t0 = time.perf_counter()
            try:
                return lookup(self, start, end)
            finally:
                shared[0] += time.perf_counter() - t0

        CaseDoc.claim_at = timed_lookup  # type: ignore[method-assign]
        try:
            for rule in eng.parts.verifiers:
                t0 = time.perf_counter()
                rule(view)
                rules[getattr(rule, "name", type(rule).__name__)] = time.perf_counter() - t0
        finally:
            CaseDoc.claim_at = lookup  # type: ignore[method-assign]
        row["rules"] = rules
        row["claim_at"] = shared[0]
    return row


def fmt_row(series: str, size: int, row: dict[str, Any]) -> str:
    stages = " ".join(f"{k}={v:.2f}" for k, v in row["stages"].items())
    line = (
        f"{series:7s} {size:>9,} chars  cpu {row['cpu']:6.2f} s  wall {row['wall']:6.2f} s  "
        f"claims={row['claims']} findings={row['findings']}  [{stages}]"
    )
    if "rules" in row:
        slow = sorted(row["rules"].items(), key=lambda kv: -kv[1])
        line += "\n" + " " * 10 + "rules: " + " ".join(f"{k}={v:.3f}" for k, v in slow)
        line += f"\n{' ' * 10}of which CaseDoc.claim_at (all rules): {row['claim_at']:.3f}"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--series",
        choices=("context", "output", "bars", "both"),
        default="bars",
        help="bars: the context and output series (default); both: long output and context",
    )
    parser.add_argument("--sizes", default=None, help="comma-separated sizes (default: the bars')")
    parser.add_argument("--no-rules", action="store_true", help="skip the per-rule timings")
    parser.add_argument("--markdown", action="store_true", help="print a RESULTS.md block")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    eng = engine()
    eng.score({"id": "warm", "output": SHORT_OUTPUT, "context": SHORT_CONTEXT})
    load_s = time.perf_counter() - t0

    series = ("context", "output") if args.series == "bars" else (args.series,)
    rows: list[tuple[str, int, dict[str, Any]]] = []
    for name in series:
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else DEFAULT_SIZES[name]
        for size in sizes:
            row = run_case(eng, build_case(name, size), per_rule=not args.no_rules)
            rows.append((name, size, row))
            print(fmt_row(name, size, row), flush=True)

    missed = []
    for name, size, row in rows:
        if name == "context" and size == CONTEXT_BAR_CHARS and row["cpu"] > CONTEXT_BAR_S:
            missed.append(f"2M-char context took {row['cpu']:.2f} s CPU (bar {CONTEXT_BAR_S} s)")
        if name == "output" and size == OUTPUT_BAR_CHARS and row["cpu"] > OUTPUT_BAR_S:
            missed.append(f"200k-char output took {row['cpu']:.2f} s CPU (bar {OUTPUT_BAR_S} s)")

    machine = (
        f"{platform.machine()} cores={len(os.sched_getaffinity(0))} "
        f"python={platform.python_version()}"
    )
    print(f"machine: {machine}; engine load + warm-up {load_s:.2f} s")
    if args.markdown:
        print()
        names = _stage_names(rows)
        head = "| input | chars | CPU s | wall s | " + " | ".join(names)
        print(head + " | slowest rule | claim_at s |")
        print("|---|---:|---:|---:|" + "---:|" * len(names) + "---|---:|")
        for name, size, row in rows:
            stages = " | ".join(f"{row['stages'].get(s, 0.0):.2f}" for s in names)
            slow, shared = "", ""
            if "rules" in row:
                rule, secs = max(row["rules"].items(), key=lambda kv: kv[1])
                slow, shared = f"{rule} {secs:.3f} s", f"{row['claim_at']:.2f}"
            times = f"{row['cpu']:.2f} | {row['wall']:.2f}"
            print(f"| {name} | {size:,} | {times} | {stages} | {slow} | {shared} |")
    for line in missed:
        print(f"BAR MISSED: {line}", file=sys.stderr)
    if not missed:
        checked = [
            n
            for n, s, _ in rows
            if (n, s) in (("context", CONTEXT_BAR_CHARS), ("output", OUTPUT_BAR_CHARS))
        ]
        if checked:
            print("bars met: " + ", ".join(sorted(set(checked))))
    return 1 if missed else 0


def _stage_names(rows: list[tuple[str, int, dict[str, Any]]]) -> list[str]:
    names: list[str] = []
    for _, _, row in rows:
        names.extend(s for s in row["stages"] if s not in names)
    return names


if __name__ == "__main__":
    sys.exit(main())
