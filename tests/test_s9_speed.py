"""Speed changes of the rule tier, session 9, that must not change any output (issue 13).

As in test_a7_speed.py: each fast path is checked against the plain reading it replaces, on
texts written for the test, and a control shows the fast path is taken where it should be.
"""

from __future__ import annotations

import re

import pytest

from medfact import analysis, compare, registry
from medfact.analysis import _ANAPHORA, Analyzer, _part_key, _part_word, is_relative
from medfact.config import NO_MODEL
from medfact.lexicon import terms
from medfact.lexicon.terms import RELATIVE_VERBS
from medfact.pipeline import Engine
from medfact.segment import ClinicalSegmenter
from medfact.testing import analysed
from medfact.verifiers import certainty, change, entities, omission, temporal, values
from medfact.verifiers.support import SupportIndex


def _analyse(text: str):
    return Analyzer()(text, ClinicalSegmenter()(text))


FLAG_TEXTS = [
    "Patient denies chest pain. Takes metoprolol 50 mg PO daily; no known drug allergies.",
    "[doctor] any LOC ? [patient] I passed OUT twice and had a SEIZURE .",
    "Black and tarry stools since Monday; coughed up blood once.",
    "He has written goodbye letters to his kids. SI with a plan.",
    "Sudden, severe pain at the back of the head, worst headache of her life.",
    "sudden severe flank pain",  # the lookahead's "head" is missing: no flag
    "Neck is a bit stiff; a rash that doesn't fade under a glass.",
    "",
    "ok",
    # non-ASCII text keeps the ignored-case pattern, which folds these letters into ASCII ones
    "\u017feizures last week",  # the long s: "seizures"
    "Syncop\u0435",  # a Cyrillic e: "syncop" then a word letter, still a flag
    "caf\u00e9 visit; stroke-like slurred speech",
]


@pytest.mark.parametrize("text", FLAG_TEXTS)
def test_any_red_flag_answers_as_the_ignored_case_pattern(text: str) -> None:
    assert omission.any_red_flag(text) == (omission._ANY_FLAG.search(text) is not None)


def test_any_red_flag_reads_ascii_text_without_ignored_case(monkeypatch) -> None:
    class Refuse:
        def search(self, text: str) -> None:
            raise AssertionError("the ignored-case pattern ran on ASCII text")

    monkeypatch.setattr(omission, "_ANY_FLAG", Refuse())
    assert omission.any_red_flag("She had a SEIZURE at home.")  # control: a flag is found
    assert not omission.any_red_flag("No complaints today.")


def test_red_flag_patterns_hold_no_upper_case_escape() -> None:
    # lower-casing the pattern would turn \W, \S, \B, \D into their opposites
    assert "\\" + "W" not in omission._ANY_FLAG_SOURCE
    for letter in "ABDSWZ":
        assert "\\" + letter not in omission._ANY_FLAG_SOURCE


def _plain_part(word: str) -> str | None:
    """The part key as _sides read it before the memo."""
    part = _part_word(word)
    if (part in terms.ANATOMY or part in terms.ANATOMY_KEYS) and part not in _ANAPHORA:
        return terms.ANATOMY_KEYS.get(word, part)
    return None


def test_part_key_memo_answers_as_the_plain_reading() -> None:
    words = sorted(terms.ANATOMY) + sorted(terms.ANATOMY_KEYS)
    words += [w + "s" for w in words[:200]] + ["one", "side", "sided", "s", "the", "thoracentesis"]
    for word in words:
        assert (_part_key(word) or None) == _plain_part(word), word
    assert _part_key("knees") == _plain_part("knees")  # control: a plural names its part
    assert _part_key("knees")
    assert _part_key("one") == ""


def test_sides_read_as_before_with_the_part_memo() -> None:
    text = "Left knee swollen. [doctor] which ankle ? [patient] the right one . R ICA stenosis."
    doc = Analyzer()(text, ClinicalSegmenter()(text))
    assert [(m.side, m.anatomy) for m in doc.sides] == [
        ("left", "knee"),
        ("right", "ankle"),
        ("right", "carotid"),
    ]


def test_quantities_skip_only_words_that_start_no_number() -> None:
    text = (
        "Took two and a half tablets, an hour and a half ago; BP 120/80, seventy-five kg, "
        "pain seven out of ten, 3/7 of cough, half a day, twenty six years old."
    )
    doc = Analyzer()(text, ClinicalSegmenter()(text))
    # as the start (fb06381) read them: "half" opens two readings, "-" one, digits the rest
    assert [(q.value, q.unit, q.second) for q in doc.quantities] == [
        (2.5, "tab", None),
        (1.5, "h", None),
        (120.0, None, 80.0),
        (75.0, "kg", None),
        (7.0, None, 10.0),
        (3.0, "d", None),
        (0.5, "d", None),
        (26.0, "yr", None),
    ]


def test_the_input_words_are_read_once_per_case(monkeypatch) -> None:
    built = []
    plain_init = SupportIndex.__init__

    def counting(self, context):
        built.append(context)
        plain_init(self, context)

    engine = Engine.from_config(None, NO_MODEL).load()
    case = {
        "id": "s9",
        "context": "Patient has a cough and a mild fever. She takes paracetamol. Sleeps well.",
        "output": "Cough. Mild fever. Takes paracetamol. Sleeps well. Walks daily.",
    }
    before = engine.score(case)
    monkeypatch.setattr(SupportIndex, "__init__", counting)
    after = engine.score(case)
    shared = [v for v in after.verdicts if v.verifier == "support.v1"]
    assert len(shared) >= 2  # control: several claims are judged by their word share
    assert len(built) == 1  # unsupported.v1 and every word-share verdict: one index
    assert [v.model_dump() for v in after.verdicts] == [v.model_dump() for v in before.verdicts]
    assert after.model_dump(exclude={"timings"}) == before.model_dump(exclude={"timings"})


def test_support_index_of_a_text_is_the_plain_index() -> None:
    text = "Patient has a cough and a mild fever. Hypertension; takes paracetamol."
    doc = Analyzer()(text, ClinicalSegmenter()(text))
    index = SupportIndex.of(doc)
    plain = SupportIndex(doc)
    assert (index.stems, index.prefixes, index.words) == (plain.stems, plain.prefixes, plain.words)
    assert SupportIndex.of(doc) is index  # control: the second reading is the kept one


MARKER_TEXTS = [
    "Metoprolol was stopped 2 weeks ago and restarted yesterday at 0800; seen in 2019.",
    "[doctor] did you ever smoke ? [patient] i quit three years ago . [doctor] we will "
    "schedule an mri for next week and continue the lisinopril .",
    "History of MI in 2015. Aspirin held for 5 days, resumed on 3/4. Follow up in six weeks.",
    "Started amoxicillin 500 mg at 10:30 pm; the rash began a few days later.",
    "",
]


@pytest.mark.parametrize("text", MARKER_TEXTS)
def test_markers_opening_on_the_shared_tokens_are_the_full_scans(text: str) -> None:
    doc = Analyzer()(text, ClinicalSegmenter()(text))
    opening = [t for t in doc.tokens if t.text in temporal._MENTION_FIRSTS or t.text[:1].isdigit()]
    for pattern, firsts, numbers in [
        (temporal._ASPECT_RE, temporal._ASPECT_FIRSTS, False),
        (temporal._ACTION_RE, temporal._ACTION_FIRSTS, False),
        (temporal._RELATIVE, temporal._RELATIVE_FIRSTS, True),
        (temporal._CLOCK, frozenset(), True),
        (temporal._YEAR, temporal._YEAR_FIRSTS, False),
    ]:
        full = [m.span() for m in temporal.anchored(pattern, doc, firsts, numbers)]
        shared = [m.span() for m in temporal.anchored(pattern, doc, firsts, numbers, opening)]
        assert shared == full
    if text:
        assert len(opening) < len(doc.tokens)  # control: the shared pass leaves words out
        assert temporal.mentions(doc, carry=True)  # and the markers are still found


def test_one_pass_finds_the_polarity_and_scope_lists_as_two_did() -> None:
    text = (
        "No fever but reports cough. Mother had breast cancer, no history of stroke; "
        "denies chest pain except on exertion. If the pain returns, possible angina."
    )
    doc = Analyzer()(text, ClinicalSegmenter()(text))
    polarity = analysis._group_index(analysis._POLARITY_LISTS)
    scope = analysis._group_index(analysis._SCOPE_LISTS)
    n = len(analysis._POLARITY_LISTS)
    found = 0
    for sent in doc.sentences:
        words = [t.text for t in doc.sentence_tokens(sent.index)]
        lists = analysis._SENTENCE_LISTS
        both = analysis._match_groups(words, analysis._WORD_INDEX, lists + 1)[:lists]
        assert both[:n] == analysis._match_groups(words, polarity, n)
        assert both[n:] == analysis._match_groups(words, scope, len(analysis._SCOPE_LISTS))
        found += sum(map(len, both))
    assert found >= 5  # control: triggers and terminators were found


CHANGE_TEXTS = [
    "Pain is worse than last week but the swelling is better. Elevated blood sugar.",
    "[doctor] is your breathing better or worse ? [patient] not better , still elevated today .",
    "Smokes less than a pack a day; BP increased from baseline, decreased mental status.",
    "",
]


def _plain_strict_mentions(doc) -> list[tuple[int, str]]:
    """change_mentions(strict=True) as one loop, as it read before the lenient pass."""
    found = []
    for i, tok in enumerate(doc.tokens):
        direction = change.CHANGE_WORDS.get(tok.text)
        if direction is None or change.is_trigger(doc, i):
            continue
        if change._strictly_a_change(doc, i):
            found.append((i, direction))
    return found


@pytest.mark.parametrize("text", CHANGE_TEXTS)
def test_strict_change_mentions_are_the_lenient_ones_filtered(text: str) -> None:
    doc = Analyzer()(text, ClinicalSegmenter()(text))
    lenient = change.change_mentions(doc, strict=False)
    assert change.change_mentions(doc) == _plain_strict_mentions(doc)
    assert set(change.change_mentions(doc)) <= set(lenient)


def test_strict_change_mentions_leave_states_out() -> None:
    doc = Analyzer()(*(lambda t: (t, ClinicalSegmenter()(t)))("Had elevated blood sugar."))
    assert change.change_mentions(doc, strict=False)  # control: the word is a change word
    assert change.change_mentions(doc) == []  # a state


def _plain_family(doc) -> tuple[set[int], set[int]]:
    """The relatives' sentences and the kin sentences as the two passes read them before."""
    out = set()
    toks = doc.tokens
    for i, tok in enumerate(toks[:-1]):
        nxt = toks[i + 1]
        history = tok.text == "family" and nxt.text == "history"
        if not (history or (nxt.text in RELATIVE_VERBS and is_relative(tok.text))):
            continue
        if nxt.sentence == tok.sentence and not re.search(r"[,;:]", doc.text[tok.end : nxt.start]):
            out.add(tok.sentence)
    kin = {t.sentence for t in toks if is_relative(t.text)}
    if doc.is_dialogue:
        words: dict[int, set[str]] = {}
        for tok in toks:
            words.setdefault(tok.sentence, set()).add(tok.text.lower())
        kin |= {
            k
            for k, w in words.items()
            if w & compare._THIRD_PERSON and not w & compare._FIRST_PERSON
        }
    return out, kin


FAMILY_TEXTS = [
    "Family history of diabetes. Her sister had breast cancer. Talked with the daughter.",
    "[patient] my dad died . he had colon cancer . [doctor] and your mother ? "
    "[patient] she has , um , high blood pressure . i have asthma and he knows .",
    "Mother's history: hypertension. Patient has no cancers.",
    "mother",
    "",
]


@pytest.mark.parametrize("text", FAMILY_TEXTS)
def test_family_and_kin_sentences_in_one_pass_are_the_two_readings(text: str) -> None:
    doc = Analyzer()(text, ClinicalSegmenter()(text))
    assert compare._family_sentences(doc) == _plain_family(doc)
    if "sister had" in text:
        assert compare._family_sentences(doc)[0]  # control: a relative's condition is found
    if "he had colon" in text:
        assert len(compare._family_sentences(doc)[1]) >= 2  # and kin sentences in a dialogue


def test_longest_of_one_trigger_or_none_is_itself() -> None:
    one = [(2, 3, "negated", True)]
    assert analysis._longest([]) == []
    assert analysis._longest(one) == one
    # control: overlapping triggers still keep the longest ("cannot rule out" over "cannot")
    two = [(0, 1, "negated", True), (0, 3, "uncertain", True)]
    assert analysis._longest(two) == [(0, 3, "uncertain", True)]


ALLERGY_TEXTS = [
    "Allergies: penicillin (rash) and sulfa drugs. No other complaints.",
    "[doctor] any allergies to medications ? [patient] yes , codeine .",
    "She is allergic to peanuts. Anaphylaxis to bee stings in 2010.",
    "NKDA. Takes lisinopril 10 mg daily.",
    "Seasonal ALLERGY symptoms; dust allergies.",
    "No complaints today; chest pain resolved.",
    "Caf\u00e9 owner, allergic to shellfish.",  # not ASCII: the patterns read it
    "",
]


@pytest.mark.parametrize("text", ALLERGY_TEXTS)
def test_allergy_hint_never_hides_an_allergy(text: str, monkeypatch) -> None:
    hinted = entities.allergies(_analyse(text))
    monkeypatch.setattr(entities, "_allergy_hint", lambda text: True)
    assert hinted == entities.allergies(_analyse(text))


def test_allergy_hint_skips_texts_without_an_allergy_word(monkeypatch) -> None:
    assert entities._allergy_hint("Allergic to latex.")  # control: a hint is seen
    assert entities._allergy_hint("Caf\u00e9")  # non-ASCII text always goes to the patterns

    class Refuse:
        def finditer(self, *args):
            raise AssertionError("an allergy pattern ran on a text without an allergy word")

    monkeypatch.setattr(entities, "_ALLERGEN", Refuse())
    monkeypatch.setattr(entities, "_NOUN_ALLERGY", Refuse())
    assert entities.allergies(_analyse("No complaints today; chest pain resolved.")) == []


LAB_TEXTS = [
    "K 2.1, Na 118; glucose was 1.9 this morning and troponin came back at 850.",
    "Bed 12's troponin came back. It's 850.",
    "Haemoglobin 62 g/L. Platelets 8. Took 2 tablets at 10:30, BP 150/90, 3 days.",
    "She walked 200 yards and has 2 children.",
    "",
]


@pytest.mark.parametrize("text", LAB_TEXTS)
def test_lab_name_prefilter_never_hides_a_critical_value(text: str, monkeypatch) -> None:
    found = omission.critical_labs(_analyse(text))

    class Always:
        def search(self, text: str) -> bool:
            return True

    monkeypatch.setattr(omission, "_ANY_LAB", Always())
    assert omission.critical_labs(_analyse(text)) == found
    if "troponin" in text or "K 2.1" in text:
        assert found  # control: critical values are found through the prefilter


RETRACTION_TEXTS = ["Two. Well... no, that's not right. Three now.", "That is WRONG", "I MEAN it"]


@pytest.mark.parametrize("text", [*RETRACTION_TEXTS, "ok", "caf\u00e9 wait", ""])
def test_retraction_hint_answers_as_its_pattern(text: str) -> None:
    assert analysis._retraction_hint(text) == bool(analysis._RETRACTION_HINT.search(text))


def test_judged_spans_are_read_once_per_text(monkeypatch) -> None:
    text = "Cough for 3 days. Imp: tonsillitis. Plan: amoxicillin.\nAssessment: likely viral."
    doc = _analyse(text)
    spans = certainty.judged_spans(doc)
    assert spans == certainty.judgement_spans(text)
    assert spans  # control: the text has judgement spans
    monkeypatch.setattr(certainty, "judgement_spans", lambda text: [(0, 1)])
    assert certainty.judged_spans(doc) == spans  # kept: the text is not read again
    assert certainty.judged_spans(_analyse(text)) == [(0, 1)]  # another text is read


EFFECT_TEXTS = [
    "Mortality was not significantly different between groups; pain scores were similar.",
    "The drug significantly reduced LDL. Outcomes were comparable. Non-significant trend.",
    "Statistically Significant increase in survival.",
    "No complaints today.",
    "caf\u00e9: significant reduction",
    "",
]


@pytest.mark.parametrize("text", EFFECT_TEXTS)
def test_effect_hint_never_hides_an_effect(text: str, monkeypatch) -> None:
    found = compare.effect_facts(_analyse(text))
    monkeypatch.setattr(compare, "_effect_hint", lambda text: True)
    assert compare.effect_facts(_analyse(text)) == found
    if "significantly reduced" in text:
        assert found  # control: effects are found through the hint


NEGATION_CASES = [
    ("Denies chest pain. No fever.", "Reports chest pain and fever."),
    ("Her mother had breast cancer. She has asthma.", "Patient has breast cancer and asthma."),
    ("Patient has breast cancer.", "Family history of breast cancer."),
    ("[doctor] any nausea ? [patient] no . [doctor] any cough ? [patient] yes .", "Nausea, cough."),
    ("Possible pneumonia.", "Pneumonia. No rash. Knee pain."),
]


@pytest.mark.parametrize(("context", "output"), NEGATION_CASES)
def test_negation_reads_only_words_the_input_mentions(context: str, output: str) -> None:
    view = analysed(output, context)
    rule = registry.verifiers.create("negation.v1")
    # the skip's premise: with no mention in the input, the relative's check finds nothing
    for tok in view.output.tokens:
        assert rule._whose(view, tok, []) is None
    # and every finding is on a word the input mentions
    findings = rule(view)
    ctx_stems = {t.stem for t in view.context.tokens}
    for f in findings:
        said = view.output.tokens_in(*f.span)
        assert any(t.stem in ctx_stems for t in said)
    if output.startswith("Reports chest pain"):
        assert findings  # control: a flip is still found


CTX = (
    "Patient stopped metoprolol last week; the pain got worse and is now severe. "
    "She is 45 years old, K 2.1, takes aspirin 81 mg daily."
)


def test_rules_do_not_read_the_input_for_an_output_without_their_words(monkeypatch) -> None:
    view = analysed("Alert and oriented.", CTX)

    def refuse(*args, **kwargs):
        raise AssertionError("the input was read for an output with nothing to compare")

    monkeypatch.setattr(temporal, "_Index", refuse)
    monkeypatch.setattr(change, "_ChangeIndex", refuse)
    monkeypatch.setattr(certainty, "AlignedWindows", refuse)
    monkeypatch.setattr(values, "lab_results", refuse)
    monkeypatch.setattr(entities, "ages", lambda text, events=True: [] if text != CTX else refuse())
    for name in ("temporal.v1", "comparison.v1", "certainty.v1", "numbers.v1"):
        assert registry.verifiers.create(name)(view) == []
    assert (
        registry.verifiers.create("entities.v1")._demographics(view, view.output, view.context)
        == []
    )


@pytest.mark.parametrize(
    ("name", "output"),
    [
        ("temporal.v1", "Metoprolol was continued."),
        ("comparison.v1", "The pain is better."),
        ("certainty.v1", "The pain is mild."),
        ("numbers.v1", "Takes aspirin 325 mg daily."),
    ],
)
def test_rules_still_read_the_input_for_an_output_with_their_words(name: str, output: str) -> None:
    # control: with the words, the input is read and the difference found
    assert registry.verifiers.create(name)(analysed(output, CTX))


def test_stated_elsewhere_reads_the_input_for_the_fact_kind_only() -> None:
    text = "Metoprolol 25 mg daily for two weeks, then 100 mg daily. No fever. Left knee pain."
    doc = _analyse(text)
    windows = compare.Windows(doc)
    full = windows.facts(0, len(text))
    for kind in {f.kind for f in full}:
        alone = compare.Windows(doc).facts(0, len(text), frozenset({kind}))  # no memo shared
        assert alone == [f for f in full if f.kind == kind]
    assert any(f.kind == "amount" for f in full)  # control: the kinds read are there


PREGNANCY_TEXTS = [
    "She is 12 weeks pregnant. G2P1.",
    "hCG positive; gravida 3.",
    "Positive urine HCG this morning.",
    "g1 p0, LMP 3 weeks ago",
    "No complaints; 40 weeks of physio.",
    "Caf\u00e9: PREGNANT",
    "",
]


@pytest.mark.parametrize("text", PREGNANCY_TEXTS)
def test_pregnancy_hint_never_hides_a_pregnancy(text: str, monkeypatch) -> None:
    assert entities.may_name_pregnancy(text) or not entities.PREGNANCY.search(text)
    found = compare.pregnancy_facts(_analyse(text))
    monkeypatch.setattr(compare, "may_name_pregnancy", lambda text: True)
    assert compare.pregnancy_facts(_analyse(text)) == found
    if "weeks pregnant" in text:
        assert found  # control: a pregnancy is read through the hint


def test_pregnancy_hint_is_false_for_ascii_text_without_its_words() -> None:
    assert not entities.may_name_pregnancy("No complaints; 40 weeks of physio.")
    assert entities.may_name_pregnancy("G2 P1")  # control: a gravida-para code is a hint
