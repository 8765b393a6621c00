"""Cross-validated MEDEC figures of the knowledge.v1 corrector on the MEDEC-MS validation split.

    python bench/medec.py                       # 5-fold CV, table on stdout
    python bench/medec.py --ablation            # also without each knowledge source
    python bench/medec.py --fit-out medfact/medec/knowledge_v1.json   # ship a model fitted on all
    python bench/medec.py --lm-url http://127.0.0.1:8000/v1 --limit 20  # lm.v1 end to end
    python bench/medec.py --support-model /work/verifier-v3   # with the tier-1 support model
    python bench/medec.py --no-model                          # plain model only (no torch)

Folds keep error/clean twins (adjacent ids) together; each fold is answered by a corrector fitted
on the other folds only (locator, flag model, threshold, similar-note memory). Indexes are built
under a temporary home unless --home is given. The MEDIQA-CORR lines of the run go to --submission.
With a support model (--support-model, $MEDFACT_SUPPORT_MODEL or a shipped verifier-v3), the run
is reported twice on the same folds: with the support features and without them (the plain model,
what a corrector without torch answers).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from medfact.medec.corrector import (
    SOURCES,
    KnowledgeCorrector,
    assign_folds,
    cross_validate,
    twin_groups,
)
from medfact.medec.data import load_notes
from medfact.medec.metrics import (
    MiniLMBertScore,
    evaluate,
    fold_figures,
    prediction_from,
    threshold_curve,
    trivial_baselines,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CSV = DATA / "medec-ms" / "MEDEC-MS-ValidationSet-with-GroundTruth-and-ErrorType.csv"


def _table(result: dict) -> str:
    from medfact.medec.cli import render_table

    return render_table(result)


CURVE = [round(0.30 + 0.02 * i, 2) for i in range(21)]


def _fold_table(f: dict, folds: int) -> str:
    """Per-fold mean and standard error, and the paired differences to the trivial answers,
    with each margin in standard errors (on the means and paired within folds)."""

    def ms(key: str) -> str:
        mean, se = f[key]
        return f"{mean:.3f} +- {se:.3f}"

    def margins(system: str, trivial: str, paired: str) -> str:
        (m, se), (t, _) = f[system], f[trivial]
        d, dse = f[paired]
        on_means = (m - t) / se if se > 0 else float("inf")
        within = d / dse if dse > 0 else float("inf")
        return f"{on_means:.1f} SE on means, {within:.1f} SE paired"

    lines = [
        f"\nPer fold ({folds} folds by note, twins together): mean +- standard error\n",
        "| figure | mean +- SE |",
        "| --- | --- |",
        f"| flag accuracy | {ms('flag_accuracy')} |",
        f"| sentence accuracy | {ms('sentence_accuracy')} |",
        f"| always-error flag accuracy | {ms('always_error_flag')} |",
        f"| always-clean flag and sentence accuracy | {ms('always_clean')} |",
        f"| flag accuracy minus always-error (paired) | {ms('flag_minus_always_error')} |",
        f"| flag accuracy minus always-clean (paired) | {ms('flag_minus_always_clean')} |",
        f"| sentence accuracy minus always-clean (paired) | {ms('sentence_minus_always_clean')} |",
        "",
        "flag vs always-error: "
        + margins("flag_accuracy", "always_error_flag", "flag_minus_always_error"),
        "flag vs always-clean: "
        + margins("flag_accuracy", "always_clean", "flag_minus_always_clean"),
        "sentence vs always-clean: "
        + margins("sentence_accuracy", "always_clean", "sentence_minus_always_clean"),
    ]
    return "\n".join(lines)


def auroc(notes: list, scores: dict) -> float:
    """Out-of-fold AUROC of P(error) for the error flag (ties count half)."""
    pos = [scores[n.id][0] for n in notes if n.id in scores and n.error_flag]
    neg = [scores[n.id][0] for n in notes if n.id in scores and not n.error_flag]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def _curve_table(curve: list[dict]) -> str:
    """The out-of-fold precision-recall curve of the flag along the threshold."""
    lines = [
        "\nFlag threshold curve (out-of-fold P(error); rule-forced decisions kept):\n",
        "| threshold | precision | recall | flagged | flag acc | sentence acc |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in curve:
        lines.append(
            f"| {row['threshold']:.2f} | {row['precision']:.3f} | {row['recall']:.3f} "
            f"| {row['flagged']:.3f} | {row['flag_accuracy']:.3f} "
            f"| {row['sentence_accuracy']:.3f} |"
        )
    return "\n".join(lines)


def measure_lm(notes: list, args: argparse.Namespace) -> int:
    """lm.v1 end to end on the first ``--limit`` notes: JSON validity (first answer, after the
    one repair turn), latency per note, and flag and sentence accuracy on those notes. Shots
    come from the other notes of the file (never the note itself)."""
    from medfact.errors import MedfactError
    from medfact.lm.base import create_lm
    from medfact.medec.lm_corrector import LMCorrector

    picked = notes[: args.limit]
    lm = create_lm("openai", {"base_url": args.lm_url, "model": args.lm_model, "timeout": 300.0})
    examples = [n for n in notes if n.id not in {p.id for p in picked}]
    corrector = LMCorrector(
        lm, shots=args.shots, examples=examples, max_new_tokens=args.max_new_tokens
    )
    calls = {"n": 0}
    generate = lm.generate

    def counted(*a, **k):
        calls["n"] += 1
        return generate(*a, **k)

    lm.generate = counted  # type: ignore[method-assign]
    first_ok = repaired = failed = 0
    latencies = []
    answers = {}
    for note in picked:
        before = calls["n"]
        t0 = time.perf_counter()
        try:
            answers[note.id] = corrector.correct(note)
            if calls["n"] - before == 1:
                first_ok += 1
            else:
                repaired += 1
        except MedfactError as exc:
            failed += 1
            print(f"{note.id}: {exc.message[:160]}", file=sys.stderr)
        latencies.append(time.perf_counter() - t0)
        state = "error" if note.id not in answers else f"{calls['n'] - before} call(s)"
        print(f"{note.id}: {latencies[-1]:.1f} s, {state}", file=sys.stderr, flush=True)
    n = len(picked)
    latencies.sort()
    result = evaluate(picked, answers)["overall"] if answers else None
    print(
        f"## lm.v1 against {args.lm_url} ({args.lm_model}), {n} notes, shots {args.shots}, "
        f"max_new_tokens {args.max_new_tokens}\n"
    )
    print("| figure | value |")
    print("| --- | --- |")
    print(f"| valid JSON on the first answer | {first_ok}/{n} |")
    print(f"| valid after the one repair turn | {repaired}/{n} |")
    print(f"| no valid answer (error record) | {failed}/{n} |")
    print(f"| latency per note, median | {latencies[n // 2]:.1f} s |")
    print(f"| latency per note, max | {latencies[-1]:.1f} s |")
    if result:
        # notes without a valid answer count as wrong
        print(f"| flag accuracy (all {n}) | {result['flag_accuracy']:.2f} |")
        print(f"| sentence accuracy (all {n}) | {result['sentence_accuracy']:.2f} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=CSV)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--home", type=Path, default=None, help="index home (default: a temp dir)")
    parser.add_argument("--ablation", action="store_true", help="also drop each source in turn")
    parser.add_argument("--no-bertscore", action="store_true")
    parser.add_argument("--submission", type=Path, default=None, help="write MEDIQA-CORR lines")
    parser.add_argument("--json", type=Path, default=None, help="write every figure as JSON")
    parser.add_argument("--fit-out", type=Path, default=None, help="fit on all notes, save here")
    parser.add_argument(
        "--lm-url", default=None, help="measure lm.v1 against this OpenAI-compatible server"
    )
    parser.add_argument("--lm-model", default="medfact-evaluator", help="the served model name")
    parser.add_argument("--limit", type=int, default=20, help="notes for --lm-url")
    parser.add_argument("--shots", type=int, default=2, help="similar notes shown to lm.v1")
    parser.add_argument("--max-new-tokens", type=int, default=256, help="lm.v1 answer cap")
    parser.add_argument(
        "--support-model",
        default=None,
        help="tier-1 support model folder "
        "(default $MEDFACT_SUPPORT_MODEL or a shipped verifier-v3)",
    )
    parser.add_argument(
        "--no-model", action="store_true", help="no support model: the plain flag model only"
    )
    args = parser.parse_args(argv)
    if not args.data.is_file():
        sys.exit(f"bench/medec.py: {args.data} not found (MEDEC-MS lives in ../shared/data)")
    notes, row_errors = load_notes(args.data)
    for err in row_errors:
        print(f"error: {err.message}", file=sys.stderr)
    if args.lm_url:
        return measure_lm(notes, args)
    with tempfile.TemporaryDirectory(prefix="medfact-medec-") as tmp:
        home = args.home or Path(tmp)
        started = time.perf_counter()
        support_model = False if args.no_model else args.support_model
        base = KnowledgeCorrector(
            home=home, data_dir=args.data.parents[1], support_model=support_model
        )
        knowledge = base.knowledge(load_notes=False)
        scorer = base.scorer()
        print(f"knowledge ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        plain = tuple(x for x in SOURCES if x != "support")
        variants = [("all sources" + (" (support model)" if scorer else ""), SOURCES)]
        if scorer is not None:
            variants.append(("without support (plain model)", plain))
        if args.ablation:
            variants += [
                (f"without {s}", tuple(x for x in plain if x != s))
                for s in SOURCES
                if s != "support"
            ] + [("no knowledge, no prior (locator and position only)", ())]
        labelled = [n for n in notes if n.labelled]
        folds = assign_folds(twin_groups(labelled), args.folds, args.seed)
        main_runs = []
        bert = None if args.no_bertscore or not MiniLMBertScore.available() else MiniLMBertScore()
        summary = []
        full = None
        for number, (label, sources) in enumerate(variants):
            t0 = time.perf_counter()
            scores: dict = {}
            answers = cross_validate(
                notes,
                args.folds,
                args.seed,
                sources=sources,
                knowledge=knowledge,
                home=home,
                scores=scores,
                support_model=support_model if "support" in sources else False,
            )
            seconds = time.perf_counter() - t0
            result = evaluate(notes, answers, bert if full is None else None)
            result["seconds"] = round(seconds, 1)
            summary.append((label, result))
            if full is None:
                full = (result, answers)
            if number < (2 if scorer is not None else 1):
                main_runs.append((label, result, answers, scores))
            o = result["overall"]
            print(
                f"{label}: flag {o['flag_accuracy']:.3f} sentence {o['sentence_accuracy']:.3f} "
                f"R1 composite {o['rouge1_composite']:.3f} ({seconds:.0f} s)",
                file=sys.stderr,
            )
        result, answers = full
        print(f"## MEDEC-MS validation, {args.folds}-fold cross-validation (seed {args.seed})\n")
        print(_table(result))
        b = trivial_baselines(notes)
        print(
            f"\ntrivial baselines: always-error flag {b['always_error']['flag_accuracy']:.3f}; "
            f"always-clean flag and sentence {b['always_clean']['flag_accuracy']:.3f}"
        )
        for label, run_result, run_answers, run_scores in main_runs:
            print(f"\n### {label}")
            print(_fold_table(fold_figures(labelled, run_answers, folds), args.folds))
            print(f"\nout-of-fold AUROC of P(error): {auroc(labelled, run_scores):.3f}")
            print(_curve_table(threshold_curve(labelled, run_scores, CURVE)))
            flagged = [a for a in run_answers.values() if a.error_flag]
            proposed = sum(1 for a in flagged if a.corrected_sentence)
            print(
                f"\nflagged {len(flagged)} of {len(run_answers)} notes; a replacement was "
                f"proposed for {proposed}, the others repeat the flagged sentence in the "
                "submission format"
            )
            print(f"cross-validation took {run_result['seconds']:.0f} s")
        if len(summary) > 1:
            print("\n| variant | flag acc | sentence acc | ROUGE-1 composite |")
            print("| --- | --- | --- | --- |")
            for label, r in summary:
                o = r["overall"]
                print(
                    f"| {label} | {o['flag_accuracy']:.3f} | {o['sentence_accuracy']:.3f} "
                    f"| {o['rouge1_composite']:.3f} |"
                )
        if args.submission:
            lines = [prediction_from(answers[n.id]).line() for n in notes if n.id in answers]
            args.submission.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if args.json:
            args.json.write_text(
                json.dumps({label: r for label, r in summary}, indent=1), encoding="utf-8"
            )
        if args.fit_out:
            corrector = KnowledgeCorrector(
                home=home, data_dir=args.data.parents[1], support_model=support_model
            )
            corrector.use_knowledge(knowledge).use_scorer(scorer).fit(notes, seed=args.seed)
            o = result["overall"]
            corrector.save(
                args.fit_out,
                trained_on=args.data.name,
                trained_ids_sample=[n.id for n in notes[:50]],
                command="python bench/medec.py --fit-out " + str(args.fit_out),
                cv={
                    "folds": args.folds,
                    "seed": args.seed,
                    "flag_accuracy": round(o["flag_accuracy"], 4),
                    "sentence_accuracy": round(o["sentence_accuracy"], 4),
                },
            )
            print(
                f"saved the model fitted on all {len(notes)} notes to {args.fit_out}",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
