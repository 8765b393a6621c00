"""``medfact train evaluator``: LoRA fine-tuning of a causal LM to write ``assess_case.v1`` answers.

Each ``medfact synth`` example becomes (prompt -> JSON assessment): the prompt is
``assess_case.v1`` rendered with the example's input and output, the target is what a perfect
evaluator would answer: no errors and risk 1 for a clean output; for a perturbed one, one error
with the perturbation's category, a quote of the changed words (widened to whole words until it
is unique in the text), the risk, a short explanation and the correction (the original words).

**Filter** (MedVAL keeps only generated examples whose label is consistent; ours are rule-made,
so consistency is checked against the text itself). An example is dropped when:

- ``no_change``: the perturbed output equals the clean one;
- ``span_misses_change``: the labelled span does not overlap the region where the perturbed and
  clean outputs differ (or lies outside the text);
- ``no_unique_quote``: no quote within the sentence identifies the span unambiguously;
- ``omission_not_in_input``: an omission whose missing words cannot be found in the input (the
  target quote must come from the input);
- ``clean_flagged``: a clean example on which the rules (tier 0) raise a confident (>= 0.8)
  moderate or high finding: the "faithful" output probably is not (noisy source pair);
- ``no_rule_trace`` (only with ``rule_trace=True``): a perturbation that tier 0 finds no trace
  of. Off by default: an evaluator trained only on what the rules already catch would learn
  nothing the cascade needs; the card counts these examples either way;
- ``too_long``: prompt and target exceed ``max_length`` tokens.

The prompt's ``json_prefix`` (``"{"``) is tokenised with the prompt, exactly as the
transformers backend feeds it at inference, so the token boundary the model learns is the one
it meets. Writes ``adapter_model.safetensors`` + ``adapter_config.json`` (peft) and
``model_card.json`` (base model identity and hash, prompt, filter counts, hyper-parameters,
speed, and held-out metrics of the fine-tuned and the base model: JSON validity, risk
macro-F1, safe/unsafe F1, category and span accuracy).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

from medfact.errors import ConfigError, InputError
from medfact.lm.parse import map_quote, parse_json
from medfact.lm.prompts import get_prompt
from medfact.taxonomy import ErrorCategory, ErrorGroup

log = logging.getLogger("medfact")

PROMPT = "assess_case.v1"
FILTERS = (
    "no_change",
    "span_misses_change",
    "no_unique_quote",
    "omission_not_in_input",
    "clean_flagged",
    "no_rule_trace",
    "too_long",
)
_EXPLAIN = {
    ErrorCategory.FABRICATED_CLAIM: "The input does not mention this.",
    ErrorCategory.MISLEADING_JUSTIFICATION: "The input gives no such cause.",
    ErrorCategory.FALSE_COMPARISON: "The input states no such change.",
    ErrorCategory.INCORRECT_RECOMMENDATION: "The input does not support this recommendation.",
    ErrorCategory.OTHER: "The input does not support this.",
}
_ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")


# --- targets ---------------------------------------------------------------------------------


def _changed_region(clean: str, output: str) -> tuple[int, int, int]:
    """(start, end in output, end in clean) of the region where the two texts differ."""
    p = 0
    limit = min(len(clean), len(output))
    while p < limit and clean[p] == output[p]:
        p += 1
    s = 0
    while s < limit - p and clean[len(clean) - 1 - s] == output[len(output) - 1 - s]:
        s += 1
    return p, len(output) - s, len(clean) - s


def _word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def unique_quote(
    text: str, start: int, end: int, min_words: int = 3, max_chars: int = 200
) -> tuple[int, int] | None:
    """The span widened to whole words, then word by word (right, then left) until it holds at
    least ``min_words`` words and occurs once in ``text``; None when that needs over
    ``max_chars`` characters."""
    s, e = _word_bounds(text, start, end)
    grow_right = True
    while True:
        quote = text[s:e].strip()
        if quote and text.count(quote) == 1 and len(quote.split()) >= min(min_words, 99):
            return s + (len(text[s:e]) - len(text[s:e].lstrip())), e - (
                len(text[s:e]) - len(text[s:e].rstrip())
            )
        if e - s > max_chars or (s == 0 and e == len(text)):
            return None
        if (grow_right and e < len(text)) or s == 0:
            e = _word_bounds(text, e, min(len(text), e + 1))[1]
        else:
            s = _word_bounds(text, max(0, s - 1), s)[0]
        grow_right = not grow_right


def _trim(text: str, span: tuple[int, int]) -> tuple[int, int]:
    s, e = span
    while s < e and text[s] in " ,;:\n\t":
        s += 1
    while e > s and text[e - 1] in " ,;:\n\t":
        e -= 1
    return s, e


def build_target(example: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(target answer, None) or (None, the filter reason) for one synth example."""
    label = example["label"]
    output, clean, context = example["output"], example.get("clean_output", ""), example["context"]
    if not label.get("category"):
        return {"errors": [], "risk_level": int(label["risk_level"])}, None
    category = ErrorCategory(label["category"])
    risk = int(label["risk_level"])
    if output == clean:
        return None, "no_change"
    if category.group == ErrorGroup.OMISSION:
        quote = None
        cs = label.get("context_span")
        if cs and 0 <= cs[0] < cs[1] <= len(context):
            quote = context[cs[0] : cs[1]].strip()
        else:
            orig = label.get("original_span")
            missing = clean[orig[0] : orig[1]].strip() if orig else ""
            found = map_quote(context, missing) if missing else None
            if found is not None and found.found:
                quote = context[found.span[0] : found.span[1]]
        if not quote:
            return None, "omission_not_in_input"
        error = {
            "category": category.value,
            "quote": quote,
            "risk": risk,
            "explanation": "The text leaves out this part of the input.",
            "correction": None,
        }
        return {"errors": [error], "risk_level": risk}, None
    span = label.get("span")
    c_start, c_end, c_clean_end = _changed_region(clean, output)
    if not span or not 0 <= span[0] < span[1] <= len(output):
        return None, "span_misses_change"
    if not (min(span[1], max(c_end, c_start + 1)) > max(span[0], c_start)):
        return None, "span_misses_change"
    start, end = _trim(output, (min(span[0], c_start), max(span[1], c_end)))
    widened = unique_quote(output, start, end)
    if widened is None:
        return None, "no_unique_quote"
    qs, qe = widened
    original = clean[c_start:c_clean_end].strip()
    correction = None
    if original and qs <= c_start and qe >= c_end:
        correction = clean[qs : qe - len(output) + len(clean)]
    if category in _EXPLAIN or not original:
        explanation = _EXPLAIN.get(category, "The input does not support this.")
    else:
        explanation = f"The input supports '{original}' here."
    error = {
        "category": category.value,
        "quote": output[qs:qe],
        "risk": risk,
        "explanation": explanation,
        "correction": correction,
    }
    return {"errors": [error], "risk_level": risk}, None


def _rule_checks(engine: Any, example: dict[str, Any]) -> tuple[bool, bool]:
    """(clean output flagged confidently by tier 0, tier 0 has a trace of the perturbation)."""
    doc = engine.view(
        {"id": example["id"], "output": example["output"], "context": example["context"]}
    )
    findings = doc.findings
    label = example["label"]
    flagged = any(int(f.risk) >= 3 and f.confidence >= 0.8 for f in findings)
    span = label.get("span")
    if span:
        trace = any(f.span and min(f.span[1], span[1]) > max(f.span[0], span[0]) for f in findings)
    else:
        trace = any(f.relation == "omitted" for f in findings)
    return flagged, trace


# --- data ------------------------------------------------------------------------------------


def build_examples(
    examples: list[dict[str, Any]],
    engine: Any,
    *,
    rule_trace: bool = False,
    max_field_chars: int = 3000,
) -> tuple[list[dict[str, Any]], Counter[str], dict[str, list[str]], int]:
    """SFT rows (messages, target) that pass the filter; counts and sample ids per reason; and
    how many kept perturbations tier 0 leaves without a trace (where the LM earns its cost)."""
    spec = get_prompt(PROMPT)
    rows, dropped, samples = [], Counter(), {}
    untraced = 0
    for ex in examples:
        target, reason = build_target(ex)
        if target is not None and engine is not None:
            flagged, trace = _rule_checks(engine, ex)
            if not ex["label"].get("category") and flagged:
                reason = "clean_flagged"
            elif ex["label"].get("category") and not trace:
                untraced += 1
                if rule_trace:
                    reason = "no_rule_trace"
        if reason is not None:
            dropped[reason] += 1
            samples.setdefault(reason, [])
            if len(samples[reason]) < 5:
                samples[reason].append(ex["id"])
            continue
        messages = spec.render(
            max_field_chars=max_field_chars,
            context=ex["context"],
            output=ex["output"],
            task=ex.get("task") or None,
        )
        rows.append(
            {
                "id": ex["id"],
                "output": ex["output"],
                "messages": messages,
                "target": target,
                "label": ex["label"],
            }
        )
    return rows, dropped, samples, untraced


def _tokenize(
    rows: list[dict[str, Any]], lm: Any, max_length: int, dropped: Counter[str]
) -> list[dict[str, Any]]:
    spec = get_prompt(PROMPT)
    tok = lm.tokenizer_
    prefix = lm.json_prefix
    special = not lm._uses_template()
    eos = lm.eos_ids_[0] if lm.eos_ids_ else tok.eos_token_id
    out = []
    for row in rows:
        prompt_ids = tok(lm.render(row["messages"]) + prefix, add_special_tokens=special)[
            "input_ids"
        ]
        text = spec.target(row["target"])
        if not text.startswith(prefix):
            raise ConfigError(f"train evaluator: the target does not start with {prefix!r}")
        target_ids = tok(text[len(prefix) :], add_special_tokens=False)["input_ids"] + [eos]
        if len(prompt_ids) + len(target_ids) > max_length:
            dropped["too_long"] += 1
            continue
        out.append({**row, "input_ids": prompt_ids + target_ids, "n_prompt": len(prompt_ids)})
    return out


def read_split(data_dir: Path, split: str, limit: int | None) -> tuple[list[dict[str, Any]], str]:
    from medfact.train.data import read_examples, sha256_file

    path = data_dir / f"{split}.jsonl"
    if not path.is_file():
        raise InputError(
            f"no {split}.jsonl in {str(data_dir)!r} (make it with `medfact synth make`)"
        )
    examples = list(read_examples(path))
    return (examples[:limit] if limit else examples), sha256_file(path)


# --- metrics ---------------------------------------------------------------------------------


def _f1(tp: int, fp: int, fn: int) -> float:
    return round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0


def assessment_metrics(rows: list[dict[str, Any]], answers: list[str]) -> dict[str, Any]:
    """Held-out metrics of ``assess_case.v1`` answers against the synthetic labels.

    An answer that cannot be parsed counts as wrong for every metric (never as "safe").
    """
    spec = get_prompt(PROMPT)
    n = len(rows)
    valid = strict = 0
    truth, pred = [], []
    cat_hits = cat_total = span_hits = span_total = 0
    for row, text in zip(rows, answers, strict=True):
        result = parse_json(text, spec.schema)
        y = int(row["label"]["risk_level"])
        truth.append(y)
        if not result.ok:
            pred.append(None)
            continue
        valid += 1
        strict += not result.repairs
        value = result.value or {}
        pred.append(int(value["risk_level"]))
        category = row["label"].get("category")
        if category:
            cat_total += 1
            cat_hits += any(e["category"] == category for e in value["errors"])
            span = row["label"].get("span")
            if span:
                span_total += 1
                span_hits += any(
                    (m := map_quote(row["output"], e["quote"])).found
                    and min(m.span[1], span[1]) > max(m.span[0], span[0])
                    for e in value["errors"]
                )
    per = {}
    for level in (1, 2, 3, 4):
        tp = sum(t == level and p == level for t, p in zip(truth, pred, strict=True))
        fp = sum(t != level and p == level for t, p in zip(truth, pred, strict=True))
        fn = sum(t == level and p != level for t, p in zip(truth, pred, strict=True))
        per[str(level)] = {"f1": _f1(tp, fp, fn), "support": sum(t == level for t in truth)}
    present = [v["f1"] for v in per.values() if v["support"]]
    tp = sum(t >= 3 and p is not None and p >= 3 for t, p in zip(truth, pred, strict=True))
    fp = sum(t < 3 and p is not None and p >= 3 for t, p in zip(truth, pred, strict=True))
    fn = sum(t >= 3 and (p is None or p < 3) for t, p in zip(truth, pred, strict=True))
    return {
        "n": n,
        "json_valid_rate": round(valid / n, 4) if n else None,
        "json_valid_without_repair_rate": round(strict / n, 4) if n else None,
        "risk_accuracy": round(sum(t == p for t, p in zip(truth, pred, strict=True)) / n, 4)
        if n
        else None,
        "risk_macro_f1": round(sum(present) / len(present), 4) if present else None,
        "risk_f1_per_level": per,
        "unsafe_f1": _f1(tp, fp, fn),
        "category_recall": round(cat_hits / cat_total, 4) if cat_total else None,
        "span_recall": round(span_hits / span_total, 4) if span_total else None,
    }


# --- training --------------------------------------------------------------------------------


def _target_modules(model: Any, requested: str | list[str]) -> str | list[str]:
    if requested != "auto":
        return requested
    import torch

    names = {
        n.rsplit(".", 1)[-1] for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)
    }
    found = [n for n in _ATTENTION if n in names]
    return found or "all-linear"


def _base_identity(folder: Path, gguf_file: str | None, model: Any) -> dict[str, Any]:
    from medfact.train.data import sha256_file

    files = [folder / gguf_file] if gguf_file else sorted(folder.glob("*.safetensors"))
    return {
        "path": str(folder),
        "gguf_file": gguf_file,
        "model_type": getattr(model.config, "model_type", None),
        "parameters": sum(p.numel() for p in model.parameters()),
        "sha256": {f.name: sha256_file(f) for f in files},
    }


def train_evaluator(
    base: str | None,
    data_dir: Path,
    out_dir: Path,
    *,
    gguf_file: str | None = None,
    epochs: int = 1,
    lr: float = 2e-4,
    batch_size: int = 8,
    grad_accum: int = 1,
    max_length: int = 2048,
    rank: int = 16,
    dropout: float = 0.05,
    target_modules: str | list[str] = "auto",
    seed: int = 0,
    limit: int | None = None,
    eval_limit: int | None = 64,
    eval_split: str = "test",
    max_new_tokens: int = 256,
    eval_batch_size: int = 8,
    compare_base: bool = True,
    rule_trace: bool = False,
    max_field_chars: int = 3000,
    device: str | None = None,
    threads: int | None = None,
    gradient_checkpointing: bool = False,
    command: str = "",
) -> dict[str, Any]:
    """Fine-tune, evaluate on the held-out split, save the adapter and card; returns the card."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from medfact import __version__
    from medfact.config import NO_MODEL
    from medfact.lm.transformers_backend import TransformersLM, resolve_model, shared_gguf_reader
    from medfact.pipeline import Engine

    if eval_split not in ("valid", "test"):
        raise ConfigError(f"train evaluator: eval_split must be valid or test; got {eval_split!r}")
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    if threads:
        torch.set_num_threads(threads)
    random.seed(seed)
    torch.manual_seed(seed)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    cuda = device.startswith("cuda")

    engine = Engine.from_config(NO_MODEL).load()
    hashes: dict[str, str] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    dropped: Counter[str] = Counter()
    samples: dict[str, list[str]] = {}
    untraced = 0
    raw_counts = {}
    for split in ("train", eval_split):
        examples, hashes[split] = read_split(
            data_dir, split, limit if split == "train" else eval_limit
        )
        raw_counts[split] = len(examples)
        kept, gone, seen, missed = build_examples(
            examples, engine, rule_trace=rule_trace, max_field_chars=max_field_chars
        )
        rows[split] = kept
        if split == "train":
            dropped, samples, untraced = gone, seen, missed
    if not rows["train"]:
        raise InputError(f"no training example in {str(data_dir)!r} passed the filter")

    folder, gguf = resolve_model(base, gguf_file)
    dtype = torch.bfloat16 if cuda else torch.float32
    common: dict[str, Any] = {"local_files_only": True, "trust_remote_code": False}
    if gguf:
        common["gguf_file"] = gguf
    load_start = time.perf_counter()
    with shared_gguf_reader() if gguf else contextlib.nullcontext():
        tokenizer = AutoTokenizer.from_pretrained(str(folder), **common)
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype, **common)
    load_seconds = time.perf_counter() - load_start
    identity = _base_identity(folder, gguf, model)
    model.to(device)
    if gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()
    targets = _target_modules(model, target_modules)
    lora = LoraConfig(
        r=rank,
        lora_alpha=2 * rank,
        lora_dropout=dropout,
        target_modules=targets,
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    lm = TransformersLM.from_objects(model, tokenizer, batch_size=eval_batch_size)
    train = _tokenize(rows["train"], lm, max_length, dropped)
    held = _tokenize(rows[eval_split], lm, max_length, Counter())
    if not train:
        raise InputError(f"every training example is over max_length={max_length} tokens")
    pad = tokenizer.pad_token_id

    def collate(batch: list[dict[str, Any]]) -> dict[str, Any]:
        width = max(len(r["input_ids"]) for r in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for k, r in enumerate(batch):
            n = len(r["input_ids"])
            ids[k, :n] = torch.tensor(r["input_ids"])
            mask[k, :n] = 1
            labels[k, r["n_prompt"] : n] = ids[k, r["n_prompt"] : n]
        return {
            "input_ids": ids.to(device),
            "attention_mask": mask.to(device),
            "labels": labels.to(device),
        }

    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    per_epoch = (len(train) + batch_size - 1) // batch_size
    steps = max(1, epochs * per_epoch // grad_accum)
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps)
    )
    rng = random.Random(seed)
    model.train()
    start = time.perf_counter()
    seen = tokens = micro = 0
    losses = []
    for _epoch in range(epochs):
        order = list(range(len(train)))
        rng.shuffle(order)
        # similar lengths together, batches in random order: less padding, same data
        batches = [order[i : i + batch_size * 8] for i in range(0, len(order), batch_size * 8)]
        chunks = []
        for group in batches:
            group.sort(key=lambda i: len(train[i]["input_ids"]))
            chunks += [group[i : i + batch_size] for i in range(0, len(group), batch_size)]
        rng.shuffle(chunks)
        for chunk in chunks:
            batch = collate([train[i] for i in chunk])
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
                loss = model(**batch).loss / grad_accum
            loss.backward()
            micro += 1
            if micro % grad_accum == 0:
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optim.step()
                sched.step()
                optim.zero_grad()
            losses.append(float(loss.detach()) * grad_accum)
            seen += len(chunk)
            tokens += int(batch["attention_mask"].sum())
    if micro % grad_accum:
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optim.step()
        optim.zero_grad()
    if cuda:
        torch.cuda.synchronize()
    train_seconds = time.perf_counter() - start
    model.eval()

    def answers() -> tuple[list[str], float, int]:
        t0 = time.perf_counter()
        gens = lm.generate(
            [r["messages"] for r in held],
            max_new_tokens=max_new_tokens,
            json_schema=get_prompt(PROMPT).schema,
        )
        return (
            [g.text for g in gens],
            time.perf_counter() - t0,
            sum(g.completion_tokens for g in gens),
        )

    metrics: dict[str, Any] = {"split": eval_split}
    if held:
        texts, secs, gen_tokens = answers()
        metrics["fine_tuned"] = assessment_metrics(held, texts)
        metrics["fine_tuned"]["generation"] = _speed(len(held), secs, gen_tokens)
        if compare_base:
            with model.disable_adapter():
                texts, secs, gen_tokens = answers()
            metrics["base"] = assessment_metrics(held, texts)
            metrics["base"]["generation"] = _speed(len(held), secs, gen_tokens)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir), safe_serialization=True)
    card = {
        "name": "medfact tier-2 evaluator (LoRA adapter)",
        "medfact_version": __version__,
        "prompt": PROMPT,
        "json_prefix": lm.json_prefix,
        "base_model": identity,
        "adapter": {
            "method": "LoRA",
            "rank": rank,
            "alpha": 2 * rank,
            "dropout": dropout,
            "target_modules": targets if isinstance(targets, str) else list(targets),
            "trainable_parameters": sum(p.numel() for p in params),
        },
        "filter": {
            "rule_trace": rule_trace,
            "dropped_train": dict(sorted(dropped.items())),
            "sample_ids": samples,
            "kept_perturbations_without_rule_trace": untraced,
        },
        "training": {
            "examples": {"raw": raw_counts, "train": len(train), eval_split: len(held)},
            "epochs": epochs,
            "lr": lr,
            "batch_size": batch_size,
            "grad_accum": grad_accum,
            "max_length": max_length,
            "seed": seed,
            "device": device,
            "dtype": "bfloat16" if cuda else "float32",
            "load_seconds": round(load_seconds, 1),
            "seconds": round(train_seconds, 2),
            "examples_per_second": round(seen / max(train_seconds, 1e-9), 2),
            "tokens_per_second": round(tokens / max(train_seconds, 1e-9), 1),
            "loss_first": round(losses[0], 4) if losses else None,
            "loss_last": round(losses[-1], 4) if losses else None,
        },
        "data": {"dir_name": data_dir.name, "sha256": hashes, "limit": limit},
        "metrics": metrics,
        "command": command,
    }
    (out_dir / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def _speed(n: int, seconds: float, tokens: int) -> dict[str, Any]:
    return {
        "seconds": round(seconds, 2),
        "cases_per_second": round(n / max(seconds, 1e-9), 3),
        "generated_tokens_per_second": round(tokens / max(seconds, 1e-9), 1),
    }
