"""MedScore mode on PubMedQA: conclusions checked with NO context, against a corpus of abstracts.

The corpus is the 1,000 PQA-L abstracts' CONTEXTS (never their conclusions), built into a
temporary MEDFACT_HOME. The held-out answers are the conclusions (LONG_ANSWER) of the PMIDs in
``test_ground_truth.json`` (the first ``--limit`` of them): each once as written (faithful) and
once perturbed by a seeded rule perturbation that applies to abstracts (changed value, flipped
negation, added finding or recommendation, invented comparison, changed certainty, ...). Every
case is scored without a context, so its claims are checked against retrieved passages only.

Reports: mean factuality (faithful vs perturbed), AUROC of 1 - factuality and of the risk level
for telling perturbed from faithful, the label of the perturbed claim itself, the share of claims
with a retrieved passage, the share whose top passage is the answer's own abstract (retrieval hit
rate), and cases/s; per perturbation kind too. Without a trained verifier (``--no-model``, or a
default config that has none) every checked claim is not_enough_info and factuality is 0: the
AUROC is then 0.5 by construction and only the retrieval figures mean anything.

    python bench/corpus_verify.py                          # 200 PMIDs, default engine
    python bench/corpus_verify.py --limit 50 --verifier medfact/models/verifier-v2
    python bench/corpus_verify.py --no-model --limit 50    # retrieval figures only
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pubmedqa"
CORPUS = "pubmedqa-contexts"
TASK = "abstract_to_conclusion"
# Perturbations that make sense for a study's conclusion. Deletions (drop_*) are left out: they
# remove claims, which a claim-level factuality score cannot see by construction.
KINDS = (
    "change_value",
    "flip_negation",
    "add_unsupported_finding",
    "add_unsupported_recommendation",
    "add_misleading_justification",
    "invent_comparison",
    "overstate_certainty",
    "understate_certainty",
    "change_drug",
    "swap_laterality",
)


def auroc(positives: list[float], negatives: list[float]) -> float | None:
    """P(score of a positive > score of a negative), ties counted half (Mann-Whitney U)."""
    if not positives or not negatives:
        return None
    ranked = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mid = (i + j + 1) / 2  # average 1-based rank of the tie group
        rank_sum += mid * sum(label for _, label in ranked[i:j])
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def load(data: Path, split: str = "test") -> tuple[dict[str, Any], list[str]]:
    """The PQA-L records and the PMIDs to check: the held-out ones of ``test_ground_truth.json``
    (``split="test"``), or the others (``"dev"``: for developing rules, never for figures)."""
    source, truth = data / "ori_pqal.json", data / "test_ground_truth.json"
    for path in (source, truth):
        if not path.is_file():
            sys.exit(
                f"bench/corpus_verify.py: {path} not found (PubMedQA PQA-L lives in "
                "../shared/data/pubmedqa; pass --data DIR)"
            )
    records = json.loads(source.read_text(encoding="utf-8"))
    held_out = [pmid for pmid in json.loads(truth.read_text(encoding="utf-8")) if pmid in records]
    if split == "dev":
        test = set(held_out)
        return records, sorted(pmid for pmid in records if pmid not in test)
    return records, held_out


def trained_pmids(nli_dir: Path) -> set[str]:
    """PMIDs whose abstract is in the train split of a ``medfact data nli`` folder."""
    path = nli_dir / "train.jsonl"
    if not path.is_file():
        sys.exit(f"bench/corpus_verify.py: {path} not found (a `medfact data nli` folder)")
    seen = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            group = json.loads(line).get("group", "")
            if group.startswith("pubmed:"):
                seen.add(group.split(":", 1)[1])
    return seen


def build_corpus(data: Path, home: Path) -> tuple[float, int]:
    from medfact.corpora.bm25 import BM25Corpus, corpus_dir
    from medfact.corpora.loaders import iter_pubmedqa

    start = time.perf_counter()
    passages = iter_pubmedqa(data / "ori_pqal.json", include_conclusion=False)
    corpus = BM25Corpus.build(CORPUS, passages, corpus_dir(CORPUS, home), overwrite=True)
    return time.perf_counter() - start, len(corpus)


def make_cases(
    records: dict[str, Any], pmids: list[str], seed: int, kinds: tuple[str, ...]
) -> tuple[list[dict[str, Any]], Counter]:
    """A faithful and (where some kind applies) a perturbed case per PMID, no context."""
    from medfact.synth.dataset import derive_seed
    from medfact.synth.perturb import apply_perturbation

    cases, skipped, used = [], Counter(), Counter()
    for pmid in pmids:
        record = records[pmid]
        conclusion = str(record.get("LONG_ANSWER") or "").strip()
        if not conclusion:
            skipped["no conclusion"] += 1
            continue
        abstract = "\n\n".join(str(c).strip() for c in record.get("CONTEXTS") or [])
        cases.append({"id": f"{pmid}:faithful", "output": conclusion, "pmid": pmid, "kind": None})
        applicable = []
        for kind in kinds:
            rng = random.Random(derive_seed("perturb", seed, pmid, kind))
            result = apply_perturbation(kind, abstract, conclusion, rng, task=TASK)
            if result is not None:
                applicable.append((kind, result))
        if not applicable:
            skipped["no perturbation applies"] += 1
            continue
        # the least used kind so far (ties broken by a seeded draw): a balanced mix, where a
        # first-that-applies rule would be dominated by the insertions, which always apply
        tie = random.Random(derive_seed("corpus_verify", seed, pmid))
        keys = {kind: (used[kind], tie.random()) for kind, _ in applicable}
        kind, result = min(applicable, key=lambda item: keys[item[0]])
        used[kind] += 1
        cases.append(
            {
                "id": f"{pmid}:{kind}",
                "output": result.output,
                "pmid": pmid,
                "kind": kind,
                "span": result.span,
            }
        )
    return cases, skipped


def evaluate(cases: list[dict[str, Any]], results: list[Any]) -> dict[str, Any]:
    from medfact.textutil import spans_overlap

    groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    claims = with_passage = hits = 0
    faithful_claims = faithful_hits = 0
    target_labels: Counter = Counter()
    failed = []
    for case, result in zip(cases, results, strict=True):
        if not hasattr(result, "verdicts"):
            failed.append({"id": case["id"], **getattr(result, "error", {})})
            continue
        group = "faithful" if case["kind"] is None else "perturbed"
        for key in dict.fromkeys((group, case["kind"] or "faithful")):
            if result.factuality is not None:
                groups[key]["factuality"].append(result.factuality)
            groups[key]["risk"].append(int(result.risk_level))
        by_id = {c.id: c for c in result.claims}
        for v in result.verdicts:
            claims += 1
            hit = bool(v.evidence) and v.evidence[0].doc_id == case["pmid"]
            with_passage += bool(v.evidence)
            hits += hit
            if case["kind"] is None:
                faithful_claims += 1
                faithful_hits += hit
            claim = by_id.get(v.claim_id)
            if case["kind"] and claim is not None and spans_overlap(claim.span, case.get("span")):
                target_labels[v.label.value] += 1

    def mean(xs: list[float]) -> float | None:
        return sum(xs) / len(xs) if xs else None

    faithful = groups["faithful"]
    rows = {}
    for key in ["faithful", "perturbed", *sorted(k for k in groups if k in KINDS)]:
        g = groups[key]
        rows[key] = {
            "n": len(g["risk"]),
            "mean_factuality": mean(g["factuality"]),
            "auroc_1_minus_factuality": None
            if key == "faithful"
            else auroc([1 - f for f in g["factuality"]], [1 - f for f in faithful["factuality"]]),
            "auroc_risk": None if key == "faithful" else auroc(g["risk"], faithful["risk"]),
            "unsafe_share": mean([float(r >= 3) for r in g["risk"]]),
        }
    n_target = sum(target_labels.values())
    return {
        "groups": rows,
        "claims": claims,
        "claims_with_passage": with_passage / claims if claims else None,
        "retrieval_hit_rate": hits / claims if claims else None,
        "hit_rate_given_passage": hits / with_passage if with_passage else None,
        "hit_rate_faithful": faithful_hits / faithful_claims if faithful_claims else None,
        "perturbed_claim_labels": {
            k: round(v / n_target, 4) for k, v in sorted(target_labels.items())
        },
        "perturbed_claims": n_target,
        "failed": failed,
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| cases | n | mean factuality | AUROC (1 - factuality) | AUROC (risk) | unsafe share |",
        "|---|---|---|---|---|---|",
    ]
    for key, g in report["groups"].items():
        lines.append(
            f"| {key} | {g['n']} | {_fmt(g['mean_factuality'])} | "
            f"{_fmt(g['auroc_1_minus_factuality'])} | {_fmt(g['auroc_risk'])} | "
            f"{_fmt(g['unsafe_share'])} |"
        )
    labels = ", ".join(f"{k} {v:.2f}" for k, v in report["perturbed_claim_labels"].items())
    lines += [
        "",
        "| measure | value |",
        "|---|---|",
        f"| claims checked | {report['claims']} |",
        f"| claims with a retrieved passage | {_fmt(report['claims_with_passage'])} |",
        f"| top passage is the source abstract (all claims) | "
        f"{_fmt(report['retrieval_hit_rate'])} |",
        f"| top passage is the source abstract (claims with a passage) | "
        f"{_fmt(report['hit_rate_given_passage'])} |",
        f"| top passage is the source abstract (claims of faithful answers) | "
        f"{_fmt(report['hit_rate_faithful'])} |",
        f"| verdicts on the perturbed claim (n={report['perturbed_claims']}) | {labels or '-'} |",
        f"| corpus | {report['corpus_passages']} passages, built in {report['build_s']:.1f} s |",
        f"| engine | tier 1: {report['tier1'] or 'none'}; load {report['load_s']:.1f} s |",
        f"| speed | {report['cases_per_s']:.1f} cases/s ({report['cases']} cases, "
        f"{report['score_s']:.1f} s) |",
        f"| failed records | {len(report['failed'])} |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder with ori_pqal.json")
    parser.add_argument("--limit", type=int, default=200, help="held-out PMIDs to use")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--split",
        choices=("test", "dev"),
        default="test",
        help="test: the held-out PMIDs (figures); dev: the other PQA-L PMIDs (rule development)",
    )
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="perturbation kinds, comma-separated"
    )
    parser.add_argument("--config", default=None, help="TOML config (default: built-in)")
    parser.add_argument("--no-model", action="store_true", help="rules only, no tier 1")
    parser.add_argument("--verifier", default=None, help="a trained verifier folder for tier 1")
    parser.add_argument("--top-k", type=int, default=None, help="passages per claim")
    parser.add_argument("--home", type=Path, default=None, help="keep the index here")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    parser.add_argument(
        "--unseen-by",
        type=Path,
        default=None,
        help="a `medfact data nli` folder: use only PMIDs whose abstract is not in its train "
        "split (a verifier trained on it has seen those conclusions)",
    )
    args = parser.parse_args()

    from medfact.config import NO_MODEL
    from medfact.pipeline import Engine

    records, held_out = load(args.data, args.split)
    if args.unseen_by is not None:
        seen = trained_pmids(args.unseen_by)
        held_out = [pmid for pmid in held_out if pmid not in seen]
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    with tempfile.TemporaryDirectory(prefix="medfact-home-") as tmp:
        home = args.home or Path(tmp)
        os.environ["MEDFACT_HOME"] = str(home)
        build_s, n_passages = build_corpus(args.data, home)
        cases, skipped = make_cases(records, held_out[: args.limit], args.seed, kinds)

        overrides: dict[str, Any] = {"evidence": {"corpora": [CORPUS]}}
        if args.top_k:
            overrides["evidence"]["corpus_top_k"] = args.top_k
        if args.no_model:
            overrides.update(NO_MODEL)
        elif args.verifier:
            overrides["pipeline"] = {"model": "crossencoder.v1"}
            overrides["components"] = {"crossencoder.v1": {"model_dir": args.verifier}}
        start = time.perf_counter()
        engine = Engine.from_config(args.config, overrides).load()
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        results = list(engine.score_many({"id": c["id"], "output": c["output"]} for c in cases))
        score_s = time.perf_counter() - start

    report = evaluate(cases, results)
    report.update(
        cases=len(cases),
        skipped=dict(skipped),
        corpus_passages=n_passages,
        build_s=build_s,
        load_s=load_s,
        score_s=score_s,
        cases_per_s=len(cases) / score_s if score_s else 0.0,
        tier1=engine.config["pipeline"].get("model") or None,
        pmids_unseen_by=str(args.unseen_by) if args.unseen_by else None,
        command="python bench/corpus_verify.py " + shlex.join(sys.argv[1:]),
    )
    print(markdown(report))
    if skipped:
        print("\nskipped PMIDs: " + ", ".join(f"{k} {v}" for k, v in skipped.items()))
    print(f"\ncommand: {report['command']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
