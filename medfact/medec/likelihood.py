"""Does a model prefer a MEDEC note's right sentence to its wrong one? Pairs and LM likelihoods.

A MEDEC error note states one wrong sentence; the dataset gives its corrected sentence. Holding
the rest of the note fixed, the two differ in a span (the diagnosis, organism, drug or action).
:func:`medec_pairs` builds one :class:`Pair` per labelled error note (the note before and after
the sentence, the wrong and the right sentence, the character ranges where they differ), and
marks the pairs whose corrected sentence also occurs verbatim in the clean twin note (88 of
the 319 MEDEC-MS validation pairs; the support-model measurement in ``bench/RESULTS.md``
counted 77 twin pairs, with its own criteria).

:class:`CausalLikelihood` scores a candidate sentence with a causal language model loaded from a
local GGUF file (transformers dequantizes it; nothing is fetched): the log-probability of the
sentence given the note before it, of its differing span alone, of the note after it given the
sentence, and the same sentence without any context (so that the context's share, a pointwise
mutual information, can be told from how likely the words are on their own).
:func:`preference` and :func:`wilson` turn per-pair scores into the share of pairs where the right
sentence wins, with its 95% interval.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medfact.medec.data import MedecNote
from medfact.stats import wilson

_WORD = re.compile(r"\S+")


@dataclass
class Pair:
    """One error note's wrong sentence and its correction, with the note around them."""

    note_id: str
    error_type: str
    before: str
    after: str
    wrong: str
    right: str
    #: character ranges (in ``wrong`` and in ``right``) of the words where the two differ
    wrong_span: list[tuple[int, int]] = field(default_factory=list)
    right_span: list[tuple[int, int]] = field(default_factory=list)
    #: the corrected sentence occurs verbatim in the note's clean twin
    twin_verbatim: bool = False

    @property
    def findings(self) -> str:
        """The note without the sentence in question."""
        return " ".join(t for t in (self.before, self.after) if t)


def _norm(text: str) -> str:
    return " ".join(text.split())


def diff_ranges(a: str, b: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Character ranges of the words of ``a`` and of ``b`` that differ (word-level diff).

    A side whose words were only deleted on the other side gets the word after the gap (or the
    last word) instead of an empty range, so both sides always have tokens to compare.
    """
    wa = [m.span() for m in _WORD.finditer(a)]
    wb = [m.span() for m in _WORD.finditer(b)]
    ta = [a[s:e] for s, e in wa]
    tb = [b[s:e] for s, e in wb]
    out_a: list[tuple[int, int]] = []
    out_b: list[tuple[int, int]] = []

    def words(spans: list[tuple[int, int]], lo: int, hi: int) -> tuple[int, int] | None:
        if not spans:
            return None
        if lo >= hi:  # nothing on this side: the word at the gap
            k = min(lo, len(spans) - 1)
            return spans[k]
        return spans[lo][0], spans[hi - 1][1]

    matcher = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        ra, rb = words(wa, i1, i2), words(wb, j1, j2)
        if ra is not None:
            out_a.append(ra)
        if rb is not None:
            out_b.append(rb)
    return out_a, out_b


def _twin_index(notes: Sequence[MedecNote]) -> dict[int, int]:
    from medfact.medec.flagging import twin_groups

    twin: dict[int, int] = {}
    for group in twin_groups(notes):
        if len(group) == 2:
            i, j = group
            twin[i], twin[j] = j, i
    return twin


def medec_pairs(notes: Sequence[MedecNote]) -> list[Pair]:
    """One :class:`Pair` per labelled error note whose corrected sentence differs from its
    error sentence (notes without sentences or labels are skipped)."""
    twin = _twin_index(notes)
    pairs: list[Pair] = []
    for i, note in enumerate(notes):
        k = note.error_sentence_id
        if not note.error_flag or note.sentences is None or k is None or k < 0:
            continue
        if k >= len(note.sentences) or not note.corrected_sentence:
            continue
        wrong = _norm(note.sentences[k].text)
        right = _norm(note.corrected_sentence)
        if not wrong or wrong == right:
            continue
        before = _norm(" ".join(s.text for s in note.sentences[:k]))
        after = _norm(" ".join(s.text for s in note.sentences[k + 1 :]))
        ra, rb = diff_ranges(wrong, right)
        verbatim = False
        j = twin.get(i)
        if j is not None and notes[j].sentences is not None and not notes[j].error_flag:
            verbatim = any(_norm(s.text) == right for s in notes[j].sentences)  # type: ignore[union-attr]
        pairs.append(
            Pair(
                note_id=note.id,
                error_type=note.error_type.value if note.error_type else "unknown",
                before=before,
                after=after,
                wrong=wrong,
                right=right,
                wrong_span=ra,
                right_span=rb,
                twin_verbatim=verbatim,
            )
        )
    return pairs


# -- scoring ------------------------------------------------------------------------------------

#: Scores :meth:`CausalLikelihood.score` returns for one candidate sentence.
SCORE_NAMES = (
    "sent_sum",  # log P(sentence | note before)
    "sent_mean",  # the same per token
    "span_sum",  # log P of the differing span's tokens (note before and sentence start given)
    "span_mean",
    "after_sum",  # log P(note after | note before, sentence)
    "full_sum",  # sent_sum + after_sum: log P(sentence and the rest | note before)
    "pmi_sent",  # sent_sum minus log P(sentence) with no context
    "pmi_span",  # span_sum minus its log P with no context
    "pmi_full",  # full_sum minus log P(sentence) with no context
)


def token_regions(
    offsets: Sequence[tuple[int, int]], regions: dict[str, tuple[int, int]]
) -> dict[str, list[int]]:
    """Indices of the tokens whose last character falls in each named character region
    (a token " Neisseria" belongs to the sentence even when its offset starts at the space).
    Special tokens (empty offsets) belong to none."""
    out: dict[str, list[int]] = {name: [] for name in regions}
    for t, (s, e) in enumerate(offsets):
        if e <= s:
            continue
        last = e - 1
        for name, (lo, hi) in regions.items():
            if lo <= last < hi:
                out[name].append(t)
    return out


class CausalLikelihood:
    """Log-probabilities of sentences in context from a causal LM in a local GGUF file.

    ``gguf`` is the path of the file; transformers loads it with ``gguf_file=`` (dequantized,
    float32 on the CPU) from its folder. ``max_before`` and ``max_after`` cap the context in
    characters (the end of the note before, the start of the note after).
    """

    def __init__(
        self,
        gguf: str | Path,
        threads: int = 1,
        max_before: int = 3000,
        max_after: int = 1500,
    ) -> None:
        self.gguf = Path(gguf)
        self.threads = threads
        self.max_before = max_before
        self.max_after = max_after
        self._model: Any = None
        self._tokenizer: Any = None

    def load(self) -> CausalLikelihood:
        if self._model is not None:
            return self
        if not self.gguf.is_file():
            raise FileNotFoundError(f"no GGUF model at {self.gguf}")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(self.threads)
        folder, name = str(self.gguf.parent), self.gguf.name
        self._tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
        model.eval()
        self._model = model
        return self

    @classmethod
    def from_parts(cls, model: Any, tokenizer: Any, threads: int = 1) -> CausalLikelihood:
        """A scorer around an already loaded model and (fast) tokenizer (tests use a tiny one)."""
        scorer = cls(gguf="<in memory>", threads=threads)
        scorer._model, scorer._tokenizer = model, tokenizer
        return scorer

    def _start_id(self) -> int | None:
        tok = self._tokenizer
        for tid in (tok.bos_token_id, tok.eos_token_id):
            if tid is not None:
                return int(tid)
        return None

    def _token_logprobs(
        self, text: str, first_char: int
    ) -> tuple[list[float], list[tuple[int, int]]]:
        """Log-probability of each token of ``text`` (from the first one ending at or after
        ``first_char``), with every token's character offsets; a start token is prepended
        when the tokenizer adds none, so the first real token is scored too."""
        import torch

        enc = self._tokenizer(text, return_offsets_mapping=True, add_special_tokens=True)
        ids = list(enc["input_ids"])
        offsets = [tuple(o) for o in enc["offset_mapping"]]
        start = self._start_id()
        if start is not None and (not ids or ids[0] != start):
            ids = [start, *ids]
            offsets = [(0, 0), *offsets]
        first = next(
            (t for t, (s, e) in enumerate(offsets) if e > s and e - 1 >= first_char), len(ids)
        )
        first = max(first, 1)
        keep = len(ids) - first + 1  # logits from the position before the first scored token
        with torch.no_grad():
            out = self._model(input_ids=torch.tensor([ids]), logits_to_keep=keep)
        logits = out.logits[0, :-1].float()
        logp = torch.log_softmax(logits, dim=-1)
        target = torch.tensor(ids[first:])
        scored = logp[torch.arange(len(target)), target].tolist()
        full = [0.0] * first + scored
        return full, offsets  # type: ignore[return-value]

    def score(
        self, before: str, sentence: str, after: str, span: Iterable[tuple[int, int]]
    ) -> dict[str, float]:
        """The :data:`SCORE_NAMES` of ``sentence`` between ``before`` and ``after``;
        ``span`` holds the character ranges (in ``sentence``) of its differing words."""
        self.load()
        before = before[-self.max_before :] if before else ""
        after = after[: self.max_after] if after else ""
        head = before + " " if before else ""
        s0 = len(head)
        s1 = s0 + len(sentence)
        text = head + sentence + (" " + after if after else "")
        spans = [(s0 + a, s0 + b) for a, b in span]
        logp, offsets = self._token_logprobs(text, s0)
        regions = {"sent": (s0, s1), "after": (s1, len(text))}
        for n, (a, b) in enumerate(spans):
            regions[f"span{n}"] = (a, b)
        idx = token_regions(offsets, regions)
        span_tok = sorted({t for n in range(len(spans)) for t in idx[f"span{n}"]})
        sent = [logp[t] for t in idx["sent"]]
        span_lp = [logp[t] for t in span_tok]
        after_lp = [logp[t] for t in idx["after"]]
        # the sentence alone (no context): its own prior
        logp0, offsets0 = self._token_logprobs(sentence, 0)
        idx0 = token_regions(
            offsets0, {"sent": (0, len(sentence)), **{f"s{n}": r for n, r in enumerate(span)}}
        )
        span0 = sorted({t for n in range(len(spans)) for t in idx0[f"s{n}"]})
        sent0 = sum(logp0[t] for t in idx0["sent"])
        span0_sum = sum(logp0[t] for t in span0)
        sent_sum, span_sum, after_sum = sum(sent), sum(span_lp), sum(after_lp)
        return {
            "sent_sum": sent_sum,
            "sent_mean": sent_sum / max(len(sent), 1),
            "span_sum": span_sum,
            "span_mean": span_sum / max(len(span_lp), 1),
            "after_sum": after_sum,
            "full_sum": sent_sum + after_sum,
            "pmi_sent": sent_sum - sent0,
            "pmi_span": span_sum - span0_sum,
            "pmi_full": sent_sum + after_sum - sent0,
        }


# -- statistics ---------------------------------------------------------------------------------


def preference(right: Sequence[float | None], wrong: Sequence[float | None]) -> dict[str, Any]:
    """How often the right candidate scores higher: wins, ties (or no score on either side:
    counted as half a win, the coin a tie amounts to), n, share and its Wilson interval, and
    the share among the pairs the score decides (no tie) with its interval."""
    wins = ties = 0
    for r, w in zip(right, wrong, strict=True):
        if r is None or w is None or r == w:
            ties += 1
        elif r > w:
            wins += 1
    n = len(right)
    share = (wins + ties / 2) / n if n else 0.0
    lo, hi = wilson(wins + ties / 2, n)
    decided = n - ties
    d_lo, d_hi = wilson(wins, decided)
    return {
        "wins": wins,
        "ties": ties,
        "n": n,
        "share": share,
        "lo": lo,
        "hi": hi,
        "decided_share": wins / decided if decided else 0.5,
        "decided_lo": d_lo,
        "decided_hi": d_hi,
    }
