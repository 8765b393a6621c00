"""The pipeline's stages: one contract, as spaCy's pipeline components.

A stage is called on one :class:`CaseDoc` and returns it; ``pipe(docs, batch_size)`` does the
same for many, in order. A model-backed stage (:class:`ModelStage`) separates the pure
``predict(docs)`` from ``set_annotations(docs, predictions)``, which writes the results onto the
documents, so batching never changes what a document gets: ``predict`` computes each document's
result from that document alone.

The built-in stages, in the default order (``[pipeline] stages``)::

    segment -> decompose -> analyze -> retrieve -> rules -> learned -> tier1 -> compare -> verdicts
            -> tier2 -> severity -> score

Each is registered in :data:`medfact.registry.stages` by name and built from the resolved config
by :func:`build_stage`; third parties add their own through the ``medfact.stages`` entry points
(a class taking ``(config, parts)``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from medfact.document import CaseDoc
from medfact.registry import stages
from medfact.types import Evidence

if TYPE_CHECKING:
    from medfact.config import Settings


class Stage:
    """One step of the pipeline. Subclasses implement ``__call__(doc) -> doc``."""

    name: ClassVar[str] = "stage"
    timing: ClassVar[str | None] = None  # the timings key it adds to (default: its name)

    def __call__(self, doc: CaseDoc) -> CaseDoc:
        raise NotImplementedError

    @property
    def timing_key(self) -> str:
        return self.timing or self.name

    def pipe(self, docs: Iterable[CaseDoc], batch_size: int = 64) -> Iterator[CaseDoc]:
        """Every document through the stage, in order, each timed."""
        for doc in docs:
            self.run(doc)
            yield doc

    def run(self, doc: CaseDoc) -> None:
        """One document through the stage, timed (what ``pipe`` does to each)."""
        doc.start_clock()
        self(doc)
        doc.lap(self.timing_key)


class ModelStage(Stage):
    """A stage backed by a model: pure batched ``predict``, then ``set_annotations``."""

    def predict(self, docs: Sequence[CaseDoc]) -> list[Any]:
        raise NotImplementedError

    def set_annotations(self, docs: Sequence[CaseDoc], predictions: Sequence[Any]) -> None:
        raise NotImplementedError

    def __call__(self, doc: CaseDoc) -> CaseDoc:
        self.set_annotations([doc], self.predict([doc]))
        return doc

    def pipe(self, docs: Iterable[CaseDoc], batch_size: int = 64) -> Iterator[CaseDoc]:
        """Batches of ``batch_size``: one ``predict`` each; its time is shared evenly."""
        batch: list[CaseDoc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._run(batch)
                batch = []
        if batch:
            yield from self._run(batch)

    def _run(self, batch: list[CaseDoc]) -> list[CaseDoc]:
        start = time.perf_counter()
        predictions = self.predict(batch)
        self.set_annotations(batch, predictions)
        share = (time.perf_counter() - start) / len(batch)
        for doc, prediction in zip(batch, predictions, strict=True):
            if prediction is not None:
                doc.timings[self.timing_key] = doc.timings.get(self.timing_key, 0.0) + share
        return batch


@dataclass
class Parts:
    """The plug-ins the built-in stages share, built once by the engine."""

    segmenter: Any
    decomposer: Any
    analyzer: Any
    evidence: Any  # builder of a per-case context index: ``evidence(context, sentences)``
    corpora: list[Any] = field(default_factory=list)
    verifiers: list[Any] = field(default_factory=list)
    learned: list[Any] = field(default_factory=list)
    model: Any = None  # tier 1
    evaluator: Any = None  # tier 2
    scorer: Any = None


# --- tier-0 preparation ---------------------------------------------------------------------------


@stages.register("segment")
class SegmentStage(Stage):
    """Sentences of the output and of the context, with exact spans."""

    name = "segment"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        self.segmenter = parts.segmenter

    def __call__(self, doc: CaseDoc) -> CaseDoc:
        doc.output_sentences = self.segmenter(doc.case.output)
        context = doc.context_text
        doc.context_sentences = self.segmenter(context) if context else []
        return doc


@stages.register("decompose")
class DecomposeStage(Stage):
    """Claims of the output, each with its span."""

    name = "decompose"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        self.decomposer = parts.decomposer

    def __call__(self, doc: CaseDoc) -> CaseDoc:
        doc.claims = self.decomposer(doc.case.output, doc.output_sentences)
        return doc


@stages.register("analyze")
class AnalyzeStage(Stage):
    """Tokens, polarity, quantities, sides, drugs and scale words of output and context."""

    name = "analyze"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        self.analyzer = parts.analyzer

    def __call__(self, doc: CaseDoc) -> CaseDoc:
        doc.output = self.analyzer(doc.case.output, doc.output_sentences)
        context = doc.context_text
        doc.context = self.analyzer(context, doc.context_sentences) if context else None
        return doc


@stages.register("retrieve")
class RetrieveStage(Stage):
    """Evidence per claim: chunks of the context, or (with no context) corpus passages cut to
    their sentence window nearest the claim (MedScore's mode)."""

    name = "retrieve"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        self.parts = parts
        self.top_k = settings.evidence.top_k
        self.corpus_top_k = settings.evidence.corpus_top_k
        self.min_score = settings.evidence.min_score
        self.window_chars = settings.evidence.window_chars
        self.anchor_share = settings.evidence.anchor_share

    def __call__(self, doc: CaseDoc) -> CaseDoc:
        context = doc.context_text
        if context:
            index = self.parts.evidence(context, doc.context_sentences)
            doc.search = index.search
            doc.evidence = {c.id: index.search(c.text, self.top_k) for c in doc.claims}
        elif self.parts.corpora:
            doc.evidence = self._corpus_evidence(doc)
        doc.checkable = context is not None or bool(self.parts.corpora)
        return doc

    def _corpus_evidence(self, doc: CaseDoc) -> dict[str, list[Evidence]]:
        out = {}
        k = self.corpus_top_k
        counted = {c.name: c for c in self.parts.corpora if _counts(c)}
        if len(counted) == len(self.parts.corpora):
            doc.anchored = set()
        for claim in doc.claims:
            hits = [e for corpus in self.parts.corpora for e in corpus.search(claim.text, k)]
            hits = sorted((e for e in hits if e.score > self.min_score), key=lambda e: -e.score)
            for e in hits[:k]:
                doc.documents.setdefault((e.source, e.doc_id), e)
                if doc.anchored is not None and self._anchors(claim.text, e, counted[e.source]):
                    doc.anchored.add((claim.id, e.source, e.doc_id))
            out[claim.id] = [self._best_window(claim.text, e) for e in hits[:k]]
        return out

    def _anchors(self, claim: str, passage: Evidence, corpus: Any) -> bool:
        """Whether the claim and the (whole) passage share a specific word: one that at most
        ``anchor_share`` of the corpus's passages hold, or only this passage."""
        from medfact.corpora.context import fast_stems

        if self.anchor_share >= 1.0:
            return True
        most = max(1.0, self.anchor_share * len(corpus))
        shared = set(fast_stems(claim)) & set(fast_stems(passage.text))
        return any(corpus.passages_with(stem) <= most for stem in shared)

    def _best_window(self, query: str, passage: Evidence) -> Evidence:
        """The passage's sentence window that best matches ``query`` (the passage if short)."""
        if len(passage.text) <= self.window_chars:
            return passage
        sentences = self.parts.segmenter(passage.text)
        windows = self.parts.evidence(passage.text, sentences).search(query, 1)
        if not windows:
            return passage
        return passage.model_copy(update={"text": windows[0].text, "span": windows[0].span})


def _counts(corpus: Any) -> bool:
    """Whether a corpus can tell how many of its passages hold a word."""
    return callable(getattr(corpus, "passages_with", None)) and hasattr(corpus, "name")


# --- verification ---------------------------------------------------------------------------------

# corpus mode: windows of the aligned document tier 1 reads for a claim its retrieved windows do
# not support (the closest by BM25 over the document's sentences and sentence pairs)
_DOCUMENT_WINDOWS = 2


class _RuleStage(Stage):
    timing = "verify"

    def __init__(self, rules: list[Any]) -> None:
        self.rules = rules

    def __call__(self, doc: CaseDoc) -> CaseDoc:
        for rule in self.rules:
            doc.findings.extend(rule(doc))
        return doc


@stages.register("rules")
class RulesStage(_RuleStage):
    """Tier 0: the rules of ``[pipeline] verifiers``, in order; each adds its findings."""

    name = "rules"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        super().__init__(parts.verifiers)


@stages.register("learned")
class LearnedStage(_RuleStage):
    """Checks fitted on data that need no torch (``[pipeline] learned_verifiers``)."""

    name = "learned"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        super().__init__(parts.learned)


@stages.register("tier1")
class Tier1Stage(ModelStage):
    """Tier 1: the trained cross-encoder's (supported, contradicted, not_enough_info)
    probabilities for every claim of a checkable case, then its review of the rules (findings
    for claims the rules said nothing about; the word-count rule's findings it reads as
    supported dismissed)."""

    name = "tier1"
    timing = "model"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        self.model = parts.model
        self.segmenter = parts.segmenter
        self.whole_document = settings.evidence.corpus_document

    def predict(self, docs: Sequence[CaseDoc]) -> list[Any]:
        """Each checkable case's claims in one model call of their own: a case's probabilities
        never depend on which other cases share its batch (padding, and int8 activation scales
        where quantized, are per call), so a record scores the same alone, in any batch, any
        order. A prediction is (probabilities, evidence with each claim's aligned window first, the
        ids of the claims whose aligned window was read from their whole document).

        A model with ``workers`` > 1 (crossencoder.v1's concurrent calls) has the cases read side
        by side, on as many threads (each first calls the model's ``calls_inline``, where it has
        one): each case's prediction is still its own."""
        todo = [self.model is not None and d.checkable for d in docs]
        workers = getattr(self.model, "workers", 1)
        if not isinstance(workers, int) or workers < 2 or sum(todo) < 2:
            return [self._align(d) if t else None for d, t in zip(docs, todo, strict=True)]
        inline = getattr(self.model, "calls_inline", None)
        with ThreadPoolExecutor(workers, "medfact-tier1-case", initializer=inline) as pool:
            futures = [
                pool.submit(self._align, d) if t else None for d, t in zip(docs, todo, strict=True)
            ]
            return [f.result() if f is not None else None for f in futures]

    def _align(self, doc: CaseDoc) -> tuple[Any, dict[str, list[Evidence]], set[str]]:
        if hasattr(self.model, "align"):
            chars = getattr(self.model, "window_chars", 0)
            if chars and doc.context_text is not None:
                return (*self._read_windows(doc, chars), set())
            probabilities, evidence = self.model.align(doc.claims, doc.evidence)
        else:
            probabilities = self.model.predict(self.model.pairs(doc.claims, doc.evidence))
            evidence = doc.evidence
        if self.whole_document and doc.documents and doc.context_text is None:
            return self._read_documents(doc, probabilities, evidence)
        return probabilities, evidence, set()

    def _read_windows(self, doc: CaseDoc, chars: int) -> tuple[Any, dict[str, list[Evidence]]]:
        """Context mode with a window size: each claim's probabilities are read against its
        window of the input (``medfact.claim_window``: the whole input when it fits in ``chars``,
        else the sentence run of at most ``chars`` characters holding most of its content
        stems); its evidence stays retrieval's chunks, those inside that window first (the
        aligned chunk that compare reads and a verdict cites). A claim that shares no word with
        the input is read against retrieval's chunks as before."""
        from medfact.claim_window import ClaimWindows

        cut = ClaimWindows(doc.context_text or "", doc.context_sentences, chars)
        k = max(1, int(getattr(self.model, "window_reads", 1)))
        windows = {c.id: cut.windows(c.text, k) for c in doc.claims}
        read = {c.id: windows[c.id] or doc.evidence.get(c.id, []) for c in doc.claims}
        probabilities, aligned = self.model.align(doc.claims, read)
        evidence = dict(doc.evidence)
        for claim in doc.claims:
            if not windows[claim.id]:
                evidence[claim.id] = aligned.get(claim.id, [])
                continue
            a, b = aligned[claim.id][0].span  # the window that gave the claim's row
            chunks = doc.evidence.get(claim.id, [])
            inside = [e for e in chunks if e.span is not None and a <= e.span[0] <= e.span[1] <= b]
            evidence[claim.id] = inside + [e for e in chunks if e not in inside]
        return probabilities, evidence

    def _read_documents(
        self, doc: CaseDoc, probabilities: Any, evidence: dict[str, list[Evidence]]
    ) -> tuple[Any, dict[str, list[Evidence]], set[str]]:
        """Corpus mode: a claim that none of its retrieved windows supports (P(supported) below
        the card's threshold) is read against the windows of one or two sentences of its aligned
        document (the passage its first window was cut from) that share most of its words; the
        most supporting one, where it supports the claim more, goes first and gives the claim's
        row. Also returns the ids of those claims."""
        from medfact.aligned_document import aligned_document

        cut = (getattr(self.model, "thresholds", None) or {}).get("supported")
        if cut is None:
            return probabilities, evidence, set()
        probabilities, evidence = probabilities.copy(), dict(evidence)
        moved: set[str] = set()
        read: dict[tuple[str, str | None], Any] = {}
        for i, claim in enumerate(doc.claims):
            windows = evidence.get(claim.id) or []
            if not windows or float(probabilities[i, 0]) >= cut:
                continue
            document = aligned_document(doc.documents, windows[0])
            if document is windows[0]:
                continue
            key = (document.source, document.doc_id)
            if key not in read:
                read[key] = self._document_index(document)
            seen = {(w.doc_id, w.span) for w in windows}
            candidates = [
                document.model_copy(update={"text": w.text, "span": w.span})
                for w in read[key].search(claim.text, _DOCUMENT_WINDOWS + len(windows))
                if (document.doc_id, w.span) not in seen
            ][:_DOCUMENT_WINDOWS]
            if not candidates:
                continue
            rows = self.model.predict([(w.text, claim.text) for w in candidates])
            best = int(rows[:, 0].argmax())
            if rows[best, 0] > probabilities[i, 0]:
                probabilities[i] = rows[best]
                evidence[claim.id] = [candidates[best], *windows]
                moved.add(claim.id)
        return probabilities, evidence, moved

    def _document_index(self, document: Evidence) -> Any:
        """BM25 over a corpus document's sentences and pairs of consecutive sentences."""
        from medfact.corpora.context import ContextIndex

        return ContextIndex(document.text, self.segmenter(document.text), window=2)

    def set_annotations(self, docs: Sequence[CaseDoc], predictions: Sequence[Any]) -> None:
        from medfact.verifiers.model_findings import model_findings, review_findings

        for doc, prediction in zip(docs, predictions, strict=True):
            if prediction is None:
                continue
            doc.probabilities, doc.evidence, doc.document_aligned = prediction
            doc.thresholds = getattr(self.model, "thresholds", None)
            findings = review_findings(doc, doc.findings, doc.probabilities, doc.thresholds)
            findings.extend(model_findings(doc, findings, doc.probabilities, doc.thresholds))
            doc.findings = findings


@stages.register("verdicts")
class VerdictStage(Stage):
    """One verdict per claim, from the findings (context mode) or from tier 1 against corpus
    passages (corpus mode); findings put in reading order."""

    name = "verdicts"
    timing = "score"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        from medfact.verdicts import TIER1

        self.corpus_mode = bool(parts.corpora)
        self.tier1 = getattr(parts.model, "name", None) or TIER1

    def __call__(self, doc: CaseDoc) -> CaseDoc:
        from medfact.denial import denial_findings
        from medfact.verdicts import claim_verdicts

        doc.findings.extend(denial_findings(doc))
        doc.findings.sort(key=lambda f: (f.span or (10**12, 0), f.rule))
        if doc.context is not None or self.corpus_mode:
            doc.verdicts = claim_verdicts(
                doc, doc.findings, doc.probabilities, doc.thresholds, self.tier1
            )
        else:
            doc.verdicts = []
        return doc


@stages.register("severity")
class SeverityStage(Stage):
    """The clinical severity policy (medfact/severity.py): each finding raised to the floor of
    what it touches, its ``policy`` naming the row; messages are kept."""

    name = "severity"
    timing = "score"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        self.policy: Any = None  # loaded on first use: no I/O while the engine is built

    def __call__(self, doc: CaseDoc) -> CaseDoc:
        from medfact.severity import apply_policy, load_policy

        if not doc.findings:
            return doc
        if self.policy is None:
            self.policy = load_policy()
        doc.findings = apply_policy(
            doc.findings,
            doc.case.output,
            doc.context_text,
            doc.output_sentences,
            doc.context_sentences,
            self.policy,
            dialogue=doc.context is not None and doc.context.is_dialogue,
        )
        return doc


@stages.register("score")
class ScoreStage(Stage):
    """The case's risk level from its findings, verdicts and tier-1 probabilities."""

    name = "score"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        self.scorer = parts.scorer

    def __call__(self, doc: CaseDoc) -> CaseDoc:
        doc.risk = self.scorer(doc.findings, doc.verdicts, doc.probabilities)
        return doc


def build_stage(name: str, settings: Settings, parts: Parts) -> Stage:
    """The stage registered as ``name``, built from the resolved config and shared plug-ins."""
    return stages.get(name)(settings, parts)


from medfact import compare as _compare  # noqa: E402, F401 - registers the comparison stage
from medfact.lm import tier as _tier  # noqa: E402, F401 - registers the tier-2 stage
