"""Session 21: the analysis's per-word content flag answers as ``is_content`` does."""

from __future__ import annotations

from medfact.analysis import Analyzer, is_content
from medfact.compare import Windows
from medfact.segment import ClinicalSegmenter

TEXTS = [
    "Breast ca diagnosed 2019. Ca 2.31, MI in 2010, DM on metformin 500 mg.",
    "Ca prostate, ovarian ca and CA-125 raised; creatinine was .7 and K 4.1.",
    "Doctor: Any chest pain? Patient: No, and the pain in my left knee is better.",
    "He has a 3rd episode of AF, no TB, no CF; the 12 lead ECG was normal.",
    "",
]


def test_content_flag_is_is_content() -> None:
    segment, analyze = ClinicalSegmenter(), Analyzer()
    for text in TEXTS:
        doc = analyze(text, segment(text))
        for tok in doc.tokens:
            assert tok.content == is_content(tok), (text, tok.text, tok.stem)
        if not doc.sentences:
            continue
        cut = Windows(doc).cut(doc.sentences[0].span[0], len(text))  # the cut view carries it
        assert [t.content for t in cut.tokens] == [is_content(t) for t in cut.tokens]
    breast = analyze("Breast ca.", segment("Breast ca."))
    assert [t.content for t in breast.tokens] == [True, True]  # control: "ca" keyed as cancer
