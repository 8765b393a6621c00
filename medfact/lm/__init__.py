"""Tier 2: the evaluator LM, reached through one interface.

- :class:`LM` / :class:`BaseLM` (``generate(prompts, max_new_tokens=..., json_schema=...)``
  -> :class:`Generation` per prompt) with backends registered in :data:`lms`:
  ``transformers.v1`` (local directory or GGUF, CPU or CUDA, peft adapters), ``openai.v1``
  (any OpenAI-compatible server; the only backend that touches the network) and ``vllm.v1``
  (in-process vLLM, optional extra).
- :mod:`medfact.lm.prompts`: versioned prompts with JSON schemas (``assess_case.v1``,
  ``verify_claim.v1``, ``decompose.v1``, ``correct_note.v1``).
- :mod:`medfact.lm.parse`: JSON extraction, repair and validation; quotes mapped to offsets.
- :mod:`medfact.lm.evaluator`: ``lm_evaluator.v1``, the cascade's tier 2 under a budget.
- :mod:`medfact.lm.server`: a minimal OpenAI-compatible server (``medfact serve``).
- :mod:`medfact.lm.train_evaluator`: LoRA SFT of the evaluator (``medfact train evaluator``).

Importing this package loads no model and imports neither torch nor vllm.
"""

from __future__ import annotations

from medfact.lm import openai_backend, transformers_backend, vllm_backend  # noqa: F401
from medfact.lm.base import (
    LM,
    BaseLM,
    Generation,
    LMError,
    LMOutputError,
    LMStats,
    LMUnavailableError,
    create_lm,
    lms,
)
from medfact.lm.parse import ParseResult, QuoteMatch, map_quote, parse_json
from medfact.lm.prompts import PromptSpec, get_prompt, prompts

__all__ = [
    "LM",
    "BaseLM",
    "Generation",
    "LMError",
    "LMOutputError",
    "LMStats",
    "LMUnavailableError",
    "ParseResult",
    "PromptSpec",
    "QuoteMatch",
    "create_lm",
    "get_prompt",
    "lms",
    "map_quote",
    "parse_json",
    "prompts",
]
