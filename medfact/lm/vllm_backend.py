"""``vllm.v1``: vLLM's in-process engine, with LoRA requests and guided JSON (optional extra).

Thin on purpose: vLLM does batching, paging and CUDA graphs itself. ``vllm`` is imported only
when this backend loads; without it, loading raises a clear error naming the extra to install
(``pip install 'medfact[vllm]'``). A LoRA adapter from ``medfact train evaluator`` is applied per
request (``LoRARequest``); a JSON schema becomes guided decoding, so the answer is always valid
JSON of that schema (older and newer vLLM spell this differently; both are handled).
"""

from __future__ import annotations

import time
from typing import Any

from medfact.lm.base import BaseLM, Generation, LMUnavailableError, Message, lms


class VLLMLM(BaseLM):
    """Parameters are stored only; the engine (and GPU memory) is taken on ``load()``."""

    name = "vllm.v1"

    def __init__(
        self,
        model: str,
        *,
        adapter: str | None = None,
        max_lora_rank: int = 16,
        dtype: str = "auto",
        gpu_memory_utilization: float = 0.85,
        max_model_len: int | None = None,
        tensor_parallel_size: int = 1,
        seed: int = 0,
        guided_json: bool = True,
        chat_template_kwargs: dict[str, Any] | None = None,
        engine_args: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.adapter = adapter
        self.max_lora_rank = max_lora_rank
        self.dtype = dtype
        self.gpu_memory_utilization = gpu_memory_utilization
        self.max_model_len = max_model_len
        self.tensor_parallel_size = tensor_parallel_size
        self.seed = seed
        self.guided_json = guided_json
        self.chat_template_kwargs = dict(chat_template_kwargs or {})
        self.engine_args = dict(engine_args or {})
        self.engine_: Any = None
        self._lora: Any = None

    def _load(self) -> None:
        try:
            import vllm
        except ImportError:
            raise LMUnavailableError(
                "the vllm backend needs vLLM on a CUDA machine: pip install 'medfact[vllm]' "
                "(or use transformers.v1, or openai.v1 against a running vLLM server)"
            ) from None
        from medfact.lm.transformers_backend import resolve_model

        folder, gguf_file = resolve_model(self.model)
        model = str(folder / gguf_file) if gguf_file else str(folder)
        args: dict[str, Any] = {
            "model": model,
            "dtype": self.dtype,
            "gpu_memory_utilization": self.gpu_memory_utilization,
            "tensor_parallel_size": self.tensor_parallel_size,
            "seed": self.seed,
            "trust_remote_code": False,
            **self.engine_args,
        }
        if self.max_model_len:
            args["max_model_len"] = self.max_model_len
        if self.adapter:
            from vllm.lora.request import LoRARequest

            args.update(enable_lora=True, max_lora_rank=self.max_lora_rank)
            self._lora = LoRARequest("medfact-evaluator", 1, str(self.adapter))
        self.engine_ = vllm.LLM(**args)

    def info(self) -> dict[str, Any]:
        return {"backend": self.name, "model": str(self.model), "adapter": self.adapter}

    def _sampling(
        self,
        max_new_tokens: int,
        temperature: float,
        json_schema: dict[str, Any] | None,
        stop: list[str],
    ) -> Any:
        from vllm import SamplingParams

        kwargs: dict[str, Any] = {
            "max_tokens": max_new_tokens,
            "temperature": temperature,
            "stop": stop or None,
            "seed": self.seed if temperature > 0 else None,
        }
        if json_schema is not None and self.guided_json:
            try:  # vLLM >= 0.10
                from vllm.sampling_params import StructuredOutputsParams

                kwargs["structured_outputs"] = StructuredOutputsParams(json=json_schema)
            except ImportError:
                from vllm.sampling_params import GuidedDecodingParams

                kwargs["guided_decoding"] = GuidedDecodingParams(json=json_schema)
        return SamplingParams(**kwargs)

    def _generate(
        self,
        chats: list[list[Message]],
        *,
        max_new_tokens: int,
        temperature: float,
        json_schema: dict[str, Any] | None,
        stop: list[str],
    ) -> list[Generation]:
        start = time.perf_counter()
        params = self._sampling(max_new_tokens, temperature, json_schema, stop)
        extra = (
            {"chat_template_kwargs": self.chat_template_kwargs} if self.chat_template_kwargs else {}
        )
        outputs = self.engine_.chat(chats, params, lora_request=self._lora, use_tqdm=False, **extra)
        seconds = time.perf_counter() - start
        gens = []
        for out in outputs:
            best = out.outputs[0]
            gens.append(
                Generation(
                    best.text,
                    len(out.prompt_token_ids or []),
                    len(best.token_ids or []),
                    seconds,
                    "length" if best.finish_reason == "length" else "stop",
                )
            )
        return gens


@lms.register("vllm.v1")
def vllm_lm(
    model: str,
    adapter: str | None = None,
    max_lora_rank: int = 16,
    dtype: str = "auto",
    gpu_memory_utilization: float = 0.85,
    max_model_len: int | None = None,
    tensor_parallel_size: int = 1,
    seed: int = 0,
    guided_json: bool = True,
    chat_template_kwargs: dict[str, Any] | None = None,
    engine_args: dict[str, Any] | None = None,
) -> VLLMLM:
    return VLLMLM(
        model,
        adapter=adapter,
        max_lora_rank=max_lora_rank,
        dtype=dtype,
        gpu_memory_utilization=gpu_memory_utilization,
        max_model_len=max_model_len,
        tensor_parallel_size=tensor_parallel_size,
        seed=seed,
        guided_json=guided_json,
        chat_template_kwargs=chat_template_kwargs,
        engine_args=engine_args,
    )
