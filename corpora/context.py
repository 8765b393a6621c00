"""Evidence from the case's own input: sentence and window chunks of the context, ranked by BM25.

Built once per case and queried once per claim, so it is plain Python over dicts: building stems
each sentence once; a query computes (and caches) chunk weights for its own terms only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from functools import partial

from medfact.errors import ConfigError, InputError
from medfact.registry import corpora
from medfact.textutil import STOPWORDS, TOKEN_RE, stem
from medfact.types import EVIDENCE, Evidence, Sentence

K1 = 1.2
B = 0.75

_findall = TOKEN_RE.findall
_STEMS: dict[str, str] = {}  # raw token -> stem, "" for a stopword
_STEMS_MAX = 100_000


def fast_stems(text: str) -> list[str]:
    """Same output as ``medfact.textutil.content_stems`` (tested), about twice as fast: no match
    objects, and one dict lookup per token that was seen before."""
    cache = _STEMS
    out: list[str] = []
    for token in _findall(text):
        stemmed = cache.get(token)
        if stemmed is None:
            lower = token.lower()
            stemmed = "" if lower in STOPWORDS else stem(lower)
            if len(cache) < _STEMS_MAX:
                cache[token] = stemmed
        if stemmed:
            out.append(stemmed)
    return out


class ContextIndex:
    """BM25 (Okapi, k1=1.2, b=0.75) over chunks of one context: each sentence, plus every run of
    ``window`` consecutive sentences. Chunks are ``Evidence(source="context")`` whose ``span``
    points into the context and whose ``doc_id`` names the sentences ("s3", or "s3-4").

    IDF is the non-negative form ``log(1 + (N - df + 0.5) / (df + 0.5))``: a context has few chunks
    and overlapping windows, so the classic form would turn common terms negative. Building stores
    per-sentence term counts only; a term's chunk weights are computed on its first query and kept.
    """

    __slots__ = (
        "context",
        "window",
        "_spans",
        "_ids",
        "_norm",
        "_first",
        "_windows_of",
        "_postings",
        "_weights",
    )

    def __init__(self, context: str, sentences: Sequence[Sentence], window: int = 2) -> None:
        if not isinstance(window, int) or isinstance(window, bool) or window < 1:
            raise ConfigError(f"ContextIndex window must be an integer >= 1, got {window!r}.")
        self.context = context
        self.window = window
        n_chars = len(context)
        bounds = sorted((s.span[0], s.span[1], s.index) for s in sentences)
        postings: dict[str, dict[int, int]] = {}  # term -> {sentence position: tf}
        lengths: list[int] = []
        for pos, (start, end, index) in enumerate(bounds):
            if not 0 <= start <= end <= n_chars:
                raise InputError(
                    f"sentence {index} span {(start, end)} lies outside the context "
                    f"(length {n_chars})",
                    field="context",
                )
            stems = fast_stems(context[start:end])
            lengths.append(len(stems))
            for term in stems:
                tfs = postings.get(term)
                if tfs is None:
                    postings[term] = {pos: 1}
                else:
                    tfs[pos] = tfs.get(pos, 0) + 1

        # Chunks in position order: sentence i, then the window starting at i (same start, longer).
        n_windows = len(bounds) - window + 1 if window > 1 else 0
        spans: list[tuple[int, int]] = []
        ids: list[str] = []
        chunk_lengths: list[int] = []
        first: list[int] = []  # chunk number of each sentence; its window, if any, is the next one
        for pos, (start, end, index) in enumerate(bounds):
            first.append(len(spans))
            spans.append((start, end))
            ids.append(f"s{index}")
            chunk_lengths.append(lengths[pos])
            if pos < n_windows:
                last = bounds[pos + window - 1]
                spans.append((start, last[1]))
                ids.append(f"s{index}-{last[2]}")
                chunk_lengths.append(sum(lengths[pos : pos + window]))
        avg = sum(chunk_lengths) / len(chunk_lengths) if chunk_lengths else 0.0
        self._norm = [K1 * (1 - B + B * n / avg) if avg else K1 for n in chunk_lengths]
        self._spans = spans
        self._ids = ids
        self._first = first
        # chunk numbers of the windows holding each sentence, those starting at pos-window+1 .. pos:
        # the window starting at sentence s (< n_windows) is chunk 2s+1, after s's own chunk 2s
        self._windows_of = [
            range(2 * max(0, pos - window + 1) + 1, 2 * min(pos + 1, n_windows) + 1, 2)
            for pos in range(len(bounds))
        ]
        self._postings = postings
        self._weights: dict[str, list[tuple[int, float]]] = {}

    def __len__(self) -> int:
        return len(self._spans)

    @property
    def chunks(self) -> list[Evidence]:
        """Every chunk in position order, score 0."""
        return self._evidence([(i, 0.0) for i in range(len(self._spans))])

    def _term_weights(self, term: str) -> list[tuple[int, float]]:
        """(chunk number, BM25 weight) of each chunk holding ``term``; cached per term."""
        weights = self._weights.get(term)
        if weights is not None:
            return weights
        tfs = self._postings.get(term)
        chunk_tf: dict[int, int] = {}
        if tfs:
            first, windows_of = self._first, self._windows_of
            for pos, tf in tfs.items():
                chunk_tf[first[pos]] = tf
                for number in windows_of[pos]:
                    chunk_tf[number] = chunk_tf.get(number, 0) + tf
        df = len(chunk_tf)
        idf = math.log(1.0 + (len(self._spans) - df + 0.5) / (df + 0.5)) * (K1 + 1)
        norm = self._norm
        weights = [(number, idf * tf / (tf + norm[number])) for number, tf in chunk_tf.items()]
        self._weights[term] = weights
        return weights

    def scores(self, query: str) -> dict[int, float]:
        """BM25 score of each chunk (by position number) that shares a term with ``query``."""
        scores: dict[int, float] = {}
        get = scores.get
        for term in dict.fromkeys(fast_stems(query)):  # query order: sums never depend on hashing
            for number, weight in self._term_weights(term):
                scores[number] = get(number, 0.0) + weight
        return scores

    def search(self, query: str, k: int = 3) -> list[Evidence]:
        """The ``k`` best chunks for ``query``, best first, ties by position; no zero scores."""
        if k <= 0:
            return []
        scores = self.scores(query)
        return self._evidence(sorted(scores.items(), key=_rank_key)[:k])

    def search_many(self, queries: Iterable[str], k: int = 3) -> list[list[Evidence]]:
        """``search`` for each query, order kept."""
        return [self.search(query, k) for query in queries]

    def _evidence(self, ranked: list[tuple[int, float]]) -> list[Evidence]:
        """The chunks ``(number, score)`` as evidence, in the order given (one validation)."""
        spans, ids, context = self._spans, self._ids, self.context
        return EVIDENCE.validate_python(
            [
                {
                    "text": context[spans[number][0] : spans[number][1]],
                    "source": "context",
                    "doc_id": ids[number],
                    "span": spans[number],
                    "score": score,
                }
                for number, score in ranked
            ]
        )


def _rank_key(item: tuple[int, float]) -> tuple[float, int]:
    return (-item[1], item[0])


@corpora.register("context.v1")
def context_index(window: int = 2) -> Callable[[str, list[Sentence]], ContextIndex]:
    """Builder of a per-case ``ContextIndex``: ``context_index()(context, sentences)``."""
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise ConfigError(f"corpora 'context.v1' parameter 'window' must be >= 1, got {window!r}.")
    return partial(ContextIndex, window=window)
