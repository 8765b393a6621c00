"""Session 21 speed paths: the analysis's per-word content flag answers as ``is_content``
does; drug names opened by a word that is no name are found as before."""

from __future__ import annotations

from medfact.analysis import Analyzer, is_content
from medfact.compare import Windows
from medfact.lexicon.drugs import default_lexicon
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


def _plain_names(text: str) -> list[tuple[int, int, str]]:
    """Drug names read word by word, every length tried at every word."""
    lexicon = default_lexicon()
    words = [(m.group().lower(), m.start(), m.end()) for m in lexicon._WORD.finditer(text)]
    found, i = [], 0
    while i < len(words):
        for n in range(min(lexicon.max_words, len(words) - i), 0, -1):
            canonical = lexicon.variants.get(" ".join(w for w, _, _ in words[i : i + n]))
            if canonical is not None:
                found.append((words[i][1], words[i + n - 1][2], canonical))
                i += n
                break
        else:
            i += 1
    return found


def test_drug_names_opened_by_a_common_word_are_found_as_before() -> None:
    lexicon = default_lexicon()
    multi = [v for v in lexicon.variants if " " in v and v.split(" ")[0] in lexicon.seconds]
    assert multi  # control: some names open with a word that is no name ("a", "i")
    texts = [f"I take {name} and a little aspirin. I a" for name in multi[:200]]
    texts += ["Blood group A, i a; no blood.", "I", "a", "Vit D and vit K.", ""]
    for text in texts:
        got = [(d.start, d.end, d.canonical) for d in lexicon.find(text)]
        assert got == _plain_names(text), text
