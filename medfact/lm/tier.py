"""Tier 2 as a pipeline stage, and the config overrides of ``medfact score --lm-*``.

The stage sends the cases that tiers 0-1 leave uncertain to the evaluator LM
(``lm_evaluator.v1``, :mod:`medfact.lm.evaluator`), batched across the cases of a batch; its
findings and verdicts replace the case's, and its record is kept on the document.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from medfact.document import CaseDoc
from medfact.errors import ConfigError
from medfact.lm.base import LMError
from medfact.lm.evaluator import NAME, LMRecord, TierResult, parse_budget
from medfact.registry import stages
from medfact.stages import ModelStage, Parts

if TYPE_CHECKING:
    from medfact.config import Settings

log = logging.getLogger("medfact")


@stages.register("tier2")
class Tier2Stage(ModelStage):
    """Tier 2: the evaluator LM (``[pipeline] evaluator``) for the uncertain cases; nothing
    when none is configured. A backend that fails outright gives every case of the batch its
    error (the engine turns it into that case's error record)."""

    name = "tier2"
    timing = "lm"

    def __init__(self, settings: Settings, parts: Parts) -> None:
        self.evaluator = parts.evaluator
        self.scorer = parts.scorer

    def predict(self, docs: Sequence[CaseDoc]) -> list[TierResult | None]:
        if self.evaluator is None or not docs:
            return [None] * len(docs)
        unsafe_probability = getattr(self.scorer, "unsafe_probability", None)
        items = []
        for doc in docs:
            p_unsafe = None
            if callable(unsafe_probability):
                p_unsafe = unsafe_probability(doc.findings, doc.verdicts, doc.probabilities)
            items.append((doc, doc.findings, doc.verdicts, doc.probabilities, p_unsafe))
        try:
            return list(self.evaluator.evaluate_many(items))
        except LMError as exc:  # a broken backend: each case gets its error, none is lost
            log.error("%s: %s", NAME, exc.message)
            failure = {"target": "batch", "code": exc.code, "message": exc.message, "attempts": 0}
            return [TierResult(f, v, [], LMRecord(errors=[failure]), exc) for _, f, v, *_ in items]

    def set_annotations(
        self, docs: Sequence[CaseDoc], predictions: Sequence[TierResult | None]
    ) -> None:
        for doc, result in zip(docs, predictions, strict=True):
            if result is None:
                continue
            if result.error is not None:
                doc.error = result.error
                continue
            doc.findings, doc.verdicts = result.findings, result.verdicts
            doc.lm = result.record.to_dict()


def lm_overrides(
    backend: str | None,
    model: str | None = None,
    budget: str | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """Config overrides for ``--lm-backend``, ``--lm-model``, ``--lm-budget`` (``--lm-url``)."""
    if not backend:
        return {}
    from medfact.lm.base import ALIASES

    name = ALIASES.get(backend, backend)
    lm: dict[str, Any] = {}
    if name == "openai.v1":
        if not url:
            raise ConfigError("--lm-backend openai needs --lm-url (the server's /v1 URL)")
        if not model:
            raise ConfigError("--lm-backend openai needs --lm-model (the served model's name)")
        lm.update(base_url=url, model=model)
    elif model:
        lm["model"] = model
    params: dict[str, Any] = {"backend": name, "lm": lm, **parse_budget(budget)}
    return {"pipeline": {"evaluator": NAME}, "components": {NAME: params}}
