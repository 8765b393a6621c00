"""MEDEC right/wrong sentence pairs, LM likelihood regions and preference statistics."""

from __future__ import annotations

import math

import pytest

from medfact.medec.data import MedecNote
from medfact.medec.likelihood import (
    diff_ranges,
    medec_pairs,
    preference,
    token_regions,
    wilson,
)
from medfact.taxonomy import MedecType
from medfact.types import Sentence


def _note(nid: str, sentences: list[str], **labels) -> MedecNote:
    text = " ".join(sentences)
    spans, pos = [], 0
    for i, s in enumerate(sentences):
        start = text.index(s, pos)
        spans.append(Sentence(text=s, index=i, span=(start, start + len(s))))
        pos = start + len(s)
    return MedecNote(id=nid, text=text, sentences=spans, **labels)


def _words(text: str, ranges: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in ranges]


def test_diff_ranges_cover_the_changed_words_only():
    a = "Culture tests indicate Neisseria gonorrhoeae."
    b = "Culture tests indicate Trichomonas vaginalis."
    ra, rb = diff_ranges(a, b)
    assert _words(a, ra) == ["Neisseria gonorrhoeae."]
    assert _words(b, rb) == ["Trichomonas vaginalis."]


def test_diff_ranges_give_a_deleted_side_the_word_at_the_gap():
    a = "He is started on oral amoxicillin today."
    b = "He is started on amoxicillin today."
    ra, rb = diff_ranges(a, b)
    assert _words(a, ra) == ["oral"]
    assert _words(b, rb) == ["amoxicillin"]  # nothing was deleted from b: the word after the gap


def test_medec_pairs_take_labels_context_and_twins():
    error = _note(
        "ms-val-4",
        ["A man has a fever.", "The causal organism is Staphylococcus aureus.", "He improves."],
        error_flag=True,
        error_type=MedecType.CAUSAL_ORGANISM,
        error_sentence_id=1,
        error_sentence="The causal organism is Staphylococcus aureus.",
        corrected_sentence="The causal organism is Streptococcus pyogenes.",
    )
    clean = _note(
        "ms-val-5",
        ["A man has a fever.", "The causal organism is Streptococcus pyogenes.", "He improves."],
        error_flag=False,
        error_sentence_id=-1,
    )
    same = _note(
        "ms-val-9",
        ["Pain.", "Give aspirin."],
        error_flag=True,
        error_type=MedecType.MANAGEMENT,
        error_sentence_id=1,
        corrected_sentence="Give  aspirin.",  # the same sentence: no pair
    )
    pairs = medec_pairs([error, clean, same])
    assert len(pairs) == 1
    p = pairs[0]
    assert (p.note_id, p.error_type) == ("ms-val-4", "causal_organism")
    assert p.before == "A man has a fever." and p.after == "He improves."
    assert p.findings == "A man has a fever. He improves."
    assert _words(p.wrong, p.wrong_span) == ["Staphylococcus aureus."]
    assert _words(p.right, p.right_span) == ["Streptococcus pyogenes."]
    assert p.twin_verbatim
    # without its clean twin the same note is not twin-verbatim
    assert not medec_pairs([error])[0].twin_verbatim


def test_token_regions_assign_a_token_by_its_last_character():
    # "ab cd ef": a leading-space token " cd" (offsets 2-5) belongs to the region starting at 3
    offsets = [(0, 0), (0, 2), (2, 5), (5, 8)]
    idx = token_regions(offsets, {"sent": (3, 5), "after": (5, 8)})
    assert idx == {"sent": [2], "after": [3]}


def test_wilson_interval_matches_the_formula():
    lo, hi = wilson(44, 77)
    assert lo == pytest.approx(0.4601, abs=1e-3) and hi == pytest.approx(0.6760, abs=1e-3)
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(77, 77)
    assert hi == 1.0 and lo > 0.95


def test_preference_counts_ties_and_missing_scores_as_half():
    p = preference([2.0, 1.0, None, 3.0], [1.0, 1.0, 0.5, 4.0])
    assert (p["wins"], p["ties"], p["n"]) == (1, 2, 4)
    assert p["share"] == pytest.approx(0.5)
    assert p["decided_share"] == pytest.approx(0.5)
    assert p["lo"] < 0.5 < p["hi"]


def _tiny_lm():
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tokenizers = pytest.importorskip("tokenizers")
    words = ["<s>", "</s>", "<unk>", "a", "man", "has", "fever", "the", "organism"]
    words += ["is", "staph", "strep", "he", "improves", "."]
    vocab = {w: i for i, w in enumerate(words)}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Sequence([tokenizers.pre_tokenizers.Whitespace()])
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )
    torch.manual_seed(0)
    config = transformers.GPT2Config(
        vocab_size=len(words), n_positions=64, n_embd=16, n_layer=1, n_head=2
    )
    model = transformers.GPT2LMHeadModel(config).eval()
    return torch, model, fast


def test_causal_likelihood_sums_the_sentence_tokens_of_a_full_forward():
    from medfact.medec.likelihood import CausalLikelihood

    torch, model, fast = _tiny_lm()
    scorer = CausalLikelihood.from_parts(model, fast)
    before, sentence, after = "a man has fever .", "the organism is strep .", "he improves ."
    span = [(16, 21)]  # "strep"
    got = scorer.score(before, sentence, after, span)

    ids = [fast.bos_token_id, *fast(f"{before} {sentence} {after}")["input_ids"]]
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=torch.tensor([ids])).logits[0], dim=-1)
    lp = [float(logp[t - 1, ids[t]]) for t in range(1, len(ids))]  # lp[t-1] is token t
    # tokens: <s> a man has fever . | the organism is strep . | he improves .
    sent = sum(lp[5:10])
    after_lp = sum(lp[10:13])
    assert got["sent_sum"] == pytest.approx(sent, abs=1e-4)
    assert got["sent_mean"] == pytest.approx(sent / 5, abs=1e-4)
    assert got["span_sum"] == pytest.approx(lp[8], abs=1e-4)
    assert got["after_sum"] == pytest.approx(after_lp, abs=1e-4)
    assert got["full_sum"] == pytest.approx(sent + after_lp, abs=1e-4)

    ids0 = [fast.bos_token_id, *fast(sentence)["input_ids"]]
    with torch.no_grad():
        logp0 = torch.log_softmax(model(input_ids=torch.tensor([ids0])).logits[0], dim=-1)
    sent0 = sum(float(logp0[t - 1, ids0[t]]) for t in range(1, len(ids0)))
    assert got["pmi_sent"] == pytest.approx(sent - sent0, abs=1e-4)
    assert math.isfinite(got["pmi_span"])


def test_causal_likelihood_without_context_scores_the_first_word():
    from medfact.medec.likelihood import CausalLikelihood

    _, model, fast = _tiny_lm()
    scorer = CausalLikelihood.from_parts(model, fast)
    got = scorer.score("", "he improves .", "", [(0, 2)])
    assert got["sent_sum"] < 0 and got["span_sum"] < 0  # "he" scored after the start token
    assert got["after_sum"] == 0.0
    assert got["pmi_sent"] == pytest.approx(0.0, abs=1e-5)


def test_missing_gguf_is_named():
    from medfact.medec.likelihood import CausalLikelihood

    with pytest.raises(FileNotFoundError, match="no GGUF model at"):
        CausalLikelihood("/nonexistent/model.gguf").load()


def _bench():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "medec_lm.py"
    spec = importlib.util.spec_from_file_location("medec_lm_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pair(i: int, twin: bool) -> object:
    from medfact.medec.likelihood import Pair

    return Pair(
        note_id=f"ms-val-{i}",
        error_type="diagnosis",
        before="b",
        after="",
        wrong="w",
        right="r",
        twin_verbatim=twin,
    )


def test_bench_scores_each_pair_once_and_reports_shares(tmp_path):
    bench = _bench()
    pairs = [_pair(i, twin=i < 2) for i in range(4)]
    calls = []

    def score(pair, side):
        calls.append((pair.note_id, side))
        # the right sentence wins in notes 0-2, loses in 3; "x" has no score on the wrong side
        value = {"right": 1.0, "wrong": 0.0 if pair.note_id != "ms-val-3" else 2.0}[side]
        return {"s": value, "x": None if side == "wrong" else 1.0}

    out = tmp_path / "scores.jsonl"
    rows, _ = bench.run_scores(pairs, score, out)
    assert len(calls) == 8 and len(rows) == 4
    rows_again, _ = bench.run_scores(pairs, score, out)
    assert len(calls) == 8  # all four read back from the file
    assert rows_again == rows
    text = bench.report(rows, ["s", "x"], "demo")
    assert "| s | 4 | 3 | 0 | 0.750 |" in text  # all pairs
    assert "| s | 2 | 2 | 0 | 1.000 |" in text  # twin-verbatim pairs
    assert "| x | 4 | 0 | 4 | 0.500 |" in text  # no score on one side: ties


def test_bench_subsample_spreads_evenly():
    bench = _bench()
    pairs = [_pair(i, twin=False) for i in range(10)]
    picked = bench._subsample(pairs, 5)
    assert [p.note_id for p in picked] == [f"ms-val-{i}" for i in (0, 2, 4, 6, 8)]
    assert bench._subsample(pairs, None) == pairs
