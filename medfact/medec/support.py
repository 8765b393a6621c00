"""Tier-1 support features for MEDEC: how well each sentence is supported by the rest of its note.

The error of a MEDEC note is one sentence (a diagnosis, organism, drug or next step) that does
not fit the rest of the note. :class:`SupportScorer` asks a tier-1 *support model* (verifier-v3:
a cross-encoder trained on supported vs not-supported (premise, claim) pairs, loaded through
:class:`medfact.verifiers.crossencoder.CrossEncoder`) for P(supported) of each *typed* sentence
(:func:`typed_sentences`: one that states a diagnosis, organism, drug or action; 95% of MEDEC-MS
error sentences, a fifth of all sentences) against the note without it (the other sentences,
cut to the window that covers the sentence best, as the model was trained). Untyped sentences
are not scored (None): they state findings, which the rest of a note rarely restates.
:func:`flag_values` turns those probabilities into flag features of the sentence the locator
picked (the locator itself does not use them: support changes the flag decision only).

The scorer is optional: it needs torch and a model folder. Without them
:meth:`SupportScorer.available` is False and the corrector uses its plain model (no support
features). Probabilities are cached on disk per model (JSON lines keyed by a hash of the pair,
never the text itself), so cross-validation folds and repeated runs score each pair once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from medfact.cache import default_cache_dir
from medfact.medec.flagging import _CUES, Prepared

log = logging.getLogger(__name__)

#: Flag features of the located sentence.
SUPPORT_FLAG = [
    "support_p",
    "support_low_rank",
    "support_margin",
    "support_min_other",
    "support_is_lowest",
]
WINDOW_CHARS = 600


_TYPED_CUES = ("diagnosis", "organism", "management")


def typed_sentences(p: Prepared) -> list[bool]:
    """Which sentences state a diagnosis, organism, drug or action (the ones worth scoring)."""
    return [
        bool(p.drugs[i]) or any(_CUES[c].search(s.text) for c in _TYPED_CUES)
        for i, s in enumerate(p.sentences)
    ]


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pair_key(premise: str, hypothesis: str) -> str:
    return hashlib.sha1(f"{premise}\x00{hypothesis}".encode()).hexdigest()


def premise_for(sentences: Sequence[str], k: int, window_chars: int = WINDOW_CHARS) -> str:
    """The note without sentence ``k``, cut to the window of its sentences that covers
    sentence ``k``'s content best (the support model was trained on such windows)."""
    from medfact.nli.build import best_window

    others = [s for i, s in enumerate(sentences) if i != k and s.strip()]
    if not others:
        return ""
    return best_window(others, sentences[k], window_chars)


class SupportScorer:
    """P(supported) of each sentence of a note against the rest of it, from a support model.

    ``model_dir`` is a support-model folder (``config.json`` + ``model.safetensors``, labels
    not_supported/supported), or a tier-1 adapter folder (``adapter_config.json`` +
    ``adapter_model.safetensors``, verifier-v2's kind: P(supported) is its first column). The
    constructor only stores parameters; the weights load on the first pair that is not in the
    cache. ``home`` holds the cache (``<home>/medec-support``; default ``$MEDFACT_HOME`` or
    ``~/.cache/medfact``).
    """

    def __init__(
        self,
        model_dir: str | os.PathLike[str],
        home: str | os.PathLike[str] | None = None,
        threads: int = 1,
        window_chars: int = WINDOW_CHARS,
        batch_size: int = 32,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.home = home
        self.threads = threads
        self.window_chars = window_chars
        self.batch_size = batch_size
        self._digest: str | None = None
        self._cache: dict[str, float] | None = None
        self._encoder: Any = None
        self._unavailable: str | None = None

    # -- identity and availability ----------------------------------------------------------

    def _weights(self) -> Path | None:
        from medfact.verifiers.crossencoder import weights_file

        return weights_file(self.model_dir)

    def digest(self) -> str:
        """sha256 of the model's weights: the identity a fitted corrector records."""
        if self._digest is None:
            weights = self._weights()
            if weights is None:
                raise FileNotFoundError(f"no support model weights in {self.model_dir}")
            self._digest = _file_digest(weights)
        return self._digest

    def available(self) -> bool:
        """True when the model folder holds weights and torch and transformers import."""
        if self._unavailable is not None:
            return False
        if self._weights() is None:
            self._unavailable = f"no support model in {self.model_dir}"
            return False
        try:
            import torch  # noqa: F401
            import transformers  # noqa: F401

            if self._weights().name == "adapter_model.safetensors":  # type: ignore[union-attr]
                import peft  # noqa: F401
        except ImportError as exc:
            self._unavailable = f"the support model needs {exc.name}"
            return False
        return True

    def why_unavailable(self) -> str | None:
        return self._unavailable

    # -- cache ------------------------------------------------------------------------------

    def _cache_file(self) -> Path:
        return default_cache_dir(self.home) / "medec-support" / f"{self.digest()[:16]}.jsonl"

    def _load_cache(self) -> dict[str, float]:
        if self._cache is None:
            self._cache = {}
            path = self._cache_file()
            if path.is_file():
                with path.open(encoding="utf-8") as fh:
                    for line in fh:
                        try:
                            row = json.loads(line)
                            self._cache[str(row["k"])] = float(row["p"])
                        except (ValueError, KeyError, TypeError):
                            continue  # a torn last line from an interrupted run
        return self._cache

    def _store(self, rows: dict[str, float]) -> None:
        path = self._cache_file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                for key, p in rows.items():
                    fh.write(json.dumps({"k": key, "p": p}) + "\n")
        except OSError as exc:  # a read-only home: keep the scores in memory only
            log.debug("support cache not written (%s): %s", path, exc)

    # -- scoring ----------------------------------------------------------------------------

    def _predict(self, pairs: list[tuple[str, str]]) -> list[float]:
        if self._encoder is None:
            from medfact.verifiers.crossencoder import CrossEncoder

            self._encoder = CrossEncoder(
                model_dir=self.model_dir, threads=self.threads, batch_size=self.batch_size
            ).load()
        probs = self._encoder.predict(pairs)
        return [float(p) for p in probs[:, 0]]

    def score_notes(
        self, notes: Sequence[Sequence[str]], which: Sequence[Sequence[bool]] | None = None
    ) -> list[list[float | None]]:
        """For each note (its sentences), P(supported) of each sentence against the rest;
        with ``which``, only the sentences marked True are scored, the others are None."""
        cache = self._load_cache()
        keyed: list[list[str | None]] = []
        todo: dict[str, tuple[str, str]] = {}
        for j, sentences in enumerate(notes):
            keys: list[str | None] = []
            for k, hypothesis in enumerate(sentences):
                if which is not None and not which[j][k]:
                    keys.append(None)
                    continue
                premise = premise_for(sentences, k, self.window_chars)
                key = _pair_key(premise, hypothesis)
                keys.append(key)
                if key not in cache and premise and hypothesis.strip():
                    todo[key] = (premise, hypothesis)
            keyed.append(keys)
        if todo:
            log.info("support model: scoring %d sentence pairs", len(todo))
            items = list(todo.items())
            step = 512
            for lo in range(0, len(items), step):
                chunk = items[lo : lo + step]
                probs = self._predict([pair for _, pair in chunk])
                # rounded as stored, so a first run and a cached run answer alike
                fresh = {key: round(p, 6) for (key, _), p in zip(chunk, probs, strict=True)}
                cache.update(fresh)
                self._store(fresh)
                log.debug("support model: %d/%d pairs", lo + len(chunk), len(items))
        # an empty sentence or a one-sentence note has nothing to be supported by: neutral 0.5
        return [[None if key is None else cache.get(key, 0.5) for key in keys] for keys in keyed]


# -- features -------------------------------------------------------------------------------------
# An unscored sentence (None) states no diagnosis, organism, drug or action: nothing to doubt,
# so it counts as fully supported (1.0); ranks and medians are taken over scored sentences.


def _filled(probs: Sequence[float | None]) -> list[float]:
    return [1.0 if p is None else p for p in probs]


def _low_rank(probs: Sequence[float | None], k: int) -> float:
    """Share of the other scored sentences less supported than sentence ``k`` (0: the least;
    1 for an unscored sentence)."""
    if probs[k] is None:
        return 1.0
    others = [p for i, p in enumerate(probs) if i != k and p is not None]
    if not others:
        return 0.5
    return sum(p < probs[k] for p in others) / len(others)


def _median(values: Sequence[float]) -> float:
    s = sorted(values)
    n = len(s)
    if n == 0:
        return 0.5
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def flag_values(probs: Sequence[float | None], k: int) -> dict[str, float]:
    """Flag features of located sentence ``k`` (the names of :data:`SUPPORT_FLAG`)."""
    filled = _filled(probs)
    others = [p for i, p in enumerate(probs) if i != k and p is not None]
    p = filled[k]
    return {
        "support_p": p,
        "support_low_rank": _low_rank(probs, k),
        "support_margin": p - _median(others) if others else 0.0,
        "support_min_other": min(others) if others else 1.0,
        "support_is_lowest": float(probs[k] is not None and all(p <= q for q in others)),
    }
