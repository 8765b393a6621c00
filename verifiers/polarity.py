"""negation.v1: statements whose negation or certainty is flipped against the input.

Compares each finding word's polarity (affirmed, negated, uncertain) in the output with its
mentions in the input of the same scope (the patient's now, the patient's past, a relative, a
hypothetical): a flip is reported only when every such mention in the input disagrees, and only
for clinical words (the analysis misreads ordinary words' polarity too often). A flip across
scopes ("history of DVT" vs "no DVT now") is not a contradiction; a relative's condition written
as the patient's own, or the reverse, is. A finding the input names only as a possibility ("at risk
of a stroke", "call if you get a fever") that the output states as had ("She had a stroke.") is
reported as stated as fact.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from medfact.analysis import (
    AFFIRMED,
    ASKED,
    CURRENT,
    FAMILY,
    HISTORY,
    HYPOTHETICAL,
    NEGATED,
    UNCERTAIN,
    AnalyzedText,
    Token,
    before_denied_change,
    companions_kin,
    concept_key,
    follows_relative,
    given_circumstance,
    is_clinical,
    is_relative,
    once_per_text,
    presupposed,
    speaker_tag,
)
from medfact.direction import denied_by_no_effect, finds_no_effect
from medfact.document import CaseDoc
from medfact.lexicon.terms import ANATOMY, CONVERSATIONAL_HEDGES, RESULT_OPPOSITES, UNITS
from medfact.registry import verifiers
from medfact.rehint import fast_compile, lower_ascii
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.aligned import AlignedWindows
from medfact.verifiers.base import CONTRADICTED, Rule
from medfact.verifiers.certainty import judged_spans
from medfact.verifiers.entities import mentions as concept_mentions

# Stems whose presence or absence changes care: a flip here is high risk.
_CONCERN = frozenset(
    [
        "pain",
        "chest",
        "fever",
        "pyrexia",
        "bleed",
        "blood",
        "suicid",
        "seizur",
        "stroke",
        "cerebrovascular",
        "faint",
        "syncop",
        "breath",
        "short",
        "dyspnea",
        "allerg",
        "rash",
        "numb",
        "weak",
        "vomit",
        "emesi",
        "infect",
        "cancer",
        "tumor",
        "mass",
        "fractur",
        "lump",
        "confus",
        "hallucin",
        "swell",
        "edema",
        "pregnan",
        "palpit",
        "dizzi",
        "headach",
        "cephalgia",
        "cough",
        "wheez",
        "nausea",
        "diarrhea",
        "constip",
        "fatigu",
        "weight",
        "lose",
        "loss",
        "vision",
        "blur",
        "murmur",
        "tender",
        "injur",
        "trauma",
        "fall",
        "depress",
        "anxieti",
        "smoke",
        "tobacco",
        "alcohol",
        "drug",
        "diabet",
        "hypertens",
        "abus",
        "sexual",
        "hemat",  # hematuria, hematochezia (blood in the urine or stool)
        "hemopt",  # hemoptysis
        # diagnoses whose denial changes care at once
        "melanoma",
        "carcinoma",
        "lymphoma",
        "leukaemia",
        "leukemia",
        "sarcoma",
        "malign",
        "metasta",
        "myocardi",
        "infarct",
        "stemi",
        "ischaem",
        "ischem",
        "embol",
        "thrombos",
        "sepsi",
        "septic",
        "mening",
        "haemorrhag",
        "hemorrhag",
    ]
)
# Other clinical findings: a flip is moderate risk. Everything else is low.
_FINDINGS = frozenset(
    [
        "itch",
        "prurit",
        "sore",
        "ach",
        "stiff",
        "cramp",
        "spasm",
        "burn",
        "tingl",
        "insomnia",
        "sleep",
        "appetit",
        "thirst",
        "urin",
        "urinat",
        "bowel",
        "stool",
        "sweat",
        "chill",
        "discharg",
        "lesion",
        "ulcer",
        "wound",
        "infect",
        "sinus",
        "congest",
        "sneez",
        "runni",
        "nose",
        "throat",
        "ear",
        "hear",
        "eye",
        "tear",
        "vomit",
        "heartburn",
        "reflux",
        "bloat",
        "gas",
        "hemorrhoid",
        "jaundic",
        "yellow",
        "pale",
        "bruis",
        "dri",
        "dry",
        "rale",
        "rhonch",
        "crackl",
        "guard",
        "rebound",
        "gallop",
        "distend",
        "distens",
        "consolid",
        "effus",
        "lymphaden",
        "clubb",
        "cyanos",
        "jvd",
        # examination signs ("pedal pulses not palpable", "absent reflexes")
        "puls",
        "reflex",
        "bruit",
        "clonus",
        "nystagm",
        "bite",  # "tongue biting", a sign of a seizure
        "bitten",
        "incontin",
        "tense",  # "fontanelle full and tense"
        "bulg",
        "melena",
        "blanch",  # "a non-blanching rash": meningococcal disease until shown otherwise
    ]
)


# stems of words that name a finding (either list), for other rules to share
FINDING_STEMS = tuple(sorted(_CONCERN | _FINDINGS))
# a disease an organ names ("prostate cancer", "lung mass"): denying it does not deny the organ
# a result a plan waits for ("until cultures are negative", "after 72 hours of negative")
# what a plan is for ("she's due for colonoscopy", "we'll get an MRI"): the one or two words
# after the plan's verb and an article
_PLAN_FOR = (
    r"\b(?:due\s+for|schedule|book|arrange|refer(?:red)?\s+for|plan(?:ning)?\s+(?:a|an|the)|"
    r"(?:will|gon\s*na|going\s+to)\s+(?:get|do|order|book|schedule|arrange))\s+"
    r"(?:(?:a|an|the|your|her|his)\s+)?(\w+)(?:\s+(\w+))?"
)
_PLANNED = fast_compile(
    _PLAN_FOR + "|"
    # "Colonoscopy screening is due", "a repeat echo is now due": what is due is not yet had
    # (each word possessive: a space must follow it, so giving letters back never matches)
    r"\b(\w++)(?:\s+(\w++))?\s+(?:is|are)\s+(?:now\s+|over\s*)?due\b",
    re.IGNORECASE,
)
# _PLANNED in a text without "due", where its second form (the costlier scan) never matches
_PLANNED_FOR = fast_compile(_PLAN_FOR, re.IGNORECASE)


@once_per_text
def planned_starts(doc: AnalyzedText) -> frozenset[int]:
    """Offsets of the words a plan is for in ``doc``."""
    pattern, groups = _PLANNED, (1, 2, 3, 4)
    low = lower_ascii(doc.text)  # None: not ASCII (its case may fold onto "due"), or long
    if low is not None and "due" not in low:
        pattern, groups = _PLANNED_FOR, (1, 2)
    return frozenset(m.start(k) for m in pattern.finditer(doc.text) for k in groups if m.group(k))


# per scale (Celsius, Fahrenheit): the lowest plausible body temperature and a fever's bound
_FEVER = ((30.0, 38.0), (86.0, 100.4))
_READING_REACH = 3  # tokens between "temperature" and its value ("temperature of 37.2")


@once_per_text
def _afebrile_readings(doc: AnalyzedText) -> frozenset[int]:
    """Indices of "temperature" tokens that a reading below a fever follows ("temperature ninety
    nine point one", "temperature of 37.2"): a vital sign measured, not a fever had."""
    found = set()
    for q in doc.quantities:
        if not any(low <= q.value < fever for low, fever in _FEVER):
            continue
        first = bisect.bisect_left(doc.tokens, q.start, key=lambda t: t.start)
        for k in range(max(0, first - _READING_REACH), first):
            if doc.tokens[k].text == "temperature" and doc.tokens[k].sentence == q.sentence:
                found.add(k)
    return frozenset(found)


# a word told present or absent right after it ("fistula present", "asterixis is absent")
_PRESENCE = re.compile(r"[ \t]+(?:(?:is|are|was|were)[ \t]+)?(?:present|absent)\b", re.IGNORECASE)


def _told_present(text: str, tok: Token) -> bool:
    return _PRESENCE.match(text, tok.end) is not None


_LIST_HEADER = re.compile(r"\s+for\s+[^.;:\n]*?(?:,|\band\b)", re.IGNORECASE)
_CONDITION_BEFORE = re.compile(
    r"\b(?:until|unless|once|if|after\s+\d+\s*(?:h|hrs?|hours?|days?)(?:\s+of)?)\b[^.;:\n]*$",
    re.IGNORECASE,
)


def _conditional(text: str, tok: Token) -> bool:
    """Whether a result word is a condition a plan waits for, not a result."""
    return _CONDITION_BEFORE.search(text, max(0, tok.start - 40), tok.start) is not None


# words that name a kind of a finding ("thunderclap headache", "productive cough")
_KINDS = frozenset(
    {"thunderclap", "sudden", "severe", "acute", "exertional", "nocturnal", "productive"}
    | {"focal", "constant", "persistent", "significant", "major", "worst", "sharp", "crushing"}
    | {"projectile", "bloody", "bilious", "radiating", "pleuritic", "positional", "unilateral"}
    | {"barky", "dry", "wet", "hacking", "dull", "burning", "stabbing", "throbbing", "shooting"}
)
# heads that make a treatment of the condition before them ("diabetes meds", "pain relief")
_TREATMENT_HEADS = frozenset(
    {"med", "meds", "medication", "medications", "medicine", "medicines", "tablets", "pills"}
    | {"drugs", "treatment", "therapy", "relief", "prophylaxis", "cover"}
)
_DISEASE_HEADS = ("cancer", "tumor", "tumour", "mass", "malign", "carcinoma", "lesion", "nodul")
# heads that name an organ's illness in general ("pulmonary disease", "renal disorder")
_ILLNESS_HEADS = ("diseas", "disord", "illness", "failur", "insufficien")
_DISEASE_OR_ILLNESS = _DISEASE_HEADS + _ILLNESS_HEADS
_CONCERN_STEMS = tuple(sorted(_CONCERN))  # str.startswith takes a tuple: one call, not a loop
_FINDING_ONLY_STEMS = tuple(sorted(_FINDINGS))

# Words that name no particular finding: "no other symptoms" vs "symptoms" says nothing checkable.
_UNSPECIFIC = frozenset(
    [
        "symptom",
        "problem",
        "issue",
        "concern",
        "complaint",
        "medication",
        "medicine",
        "thing",
        "treatment",
        "complain",
        "temperature",
        "pressure",
        "pulse",
        "vital",
        # a medicine's act or a plan, not a finding ("no missed doses", "no driving for 6 mo")
        "dose",
        "dosage",
        "injection",
        "vaccine",
        "vaccination",
        "immunisation",
        "immunization",
        "drive",
        "driving",
        # a medicine or a stay named in general, not a finding ("no oral meds for 2 days",
        # "no HDU admission", "second admission this year"); session 19
        "med",
        "tablet",
        "pill",
        "admission",
        "readmission",
    ]
)
# Tests and orders: whether the input hedges them is the plan's business, not a diagnosis's.
_NOT_JUDGED = frozenset(
    ["scan", "x-ray", "xray", "mri", "ekg", "ecg", "panel", "test", "tests", "labs", "ultrasound"]
    + ["colonoscopy", "endoscopy", "gastroscopy", "ct", "mammogram", "angiogram", "eeg"]
    + ["echo", "echocardiogram", "biopsy", "referral", "follow-up", "followup", "therapy"]
    # a treatment proposed, not a diagnosis ("surgery was recommended")
    + ["surgery", "surgeries", "operation", "operations", "procedure", "procedures"]
)
# Tests and studies: "X was negative" reports their result (compared by the result words), it
# does not deny that the test exists.
_TESTS = frozenset(
    ["urinalysis", "ua", "x-ray", "xray", "x-rays", "ct", "mri", "scan", "ekg", "ecg", "culture"]
    + ["cultures", "panel", "test", "tests", "testing", "screen", "screening", "swab", "labs"]
    + ["ultrasound", "echo", "echocardiogram", "biopsy", "study", "studies", "imaging", "cbc"]
    + ["bmp", "cmp", "serology", "pcr", "radiograph", "radiographs", "films", "workup"]
    + ["cxr", "axr", "ctpa"]  # "no CXR today": the image is not done, the chest not denied
)
# A body part or organ alone names no finding: its polarity is that of the words about it
# ("heart regular", "no murmurs of the heart"), which are compared on their own.
# ("pneumothorax", "hydronephrosis" take a side, but are findings, not places)
# organs named for what they do ("bowel or bladder incontinence", "change in bowel habit",
# "with respect to her bowel, no issues"): the finding is what is said of them (session 17)
_FUNCTION_ORGANS = frozenset({"bowel", "bowels", "bladder"})
_PLACES = (ANATOMY - {"chest", "pneumothorax", "ptx", "hydronephrosis"}) | {
    "heart",
    "pound",
    "pounds",
    # the skin is an organ too: "skin intact", "shiny skin" tell its state, as "broken skin"
    # does; the finding is the state, compared on its own (session 19)
    "skin",
}


# a drug a plan withholds, named after the verb ("skip the ibuprofen", "hold off on an
# antidepressant", "avoid naproxen") or before its participle or a chart's status ("NSAIDs
# avoided", "aspirin withheld", "Oramorph 2.5 mg PO - nil given"): not to be taken (session 19)
_WITHHELD_BEFORE = re.compile(
    r"\b(?:skip|skipping|hold\s+off(?:\s+on)?|avoid|avoiding|withhold|omit)\s+"
    r"(?:(?:the|an?|any|all|your|her|his|their)\s+)?$",
    re.IGNORECASE,
)
_WITHHELD_AFTER = re.compile(
    r"(?:[^\n.;,()]|(?<=\d)\.(?=\d)){0,30}?"  # "2.5 mg": a dose's point is no sentence's end
    r"(?:\b(?:avoided|withheld|omitted|paused|suspended)\b|"
    r"\s[-\u2013]\s*(?:(?:nil|none|not)\s+given|hold|held|omit|withhold|stop|stopped)\b)",
    re.IGNORECASE,
)


# a sample a test is run on: named before what is measured in it ("urine hCG", "serum
# potassium", "stool culture") it is where the result was found, not a finding (session 19)
_SPECIMENS = frozenset({"urine", "serum", "plasma", "stool", "sputum", "csf"})
_MEASURED = frozenset(
    {"dip", "dipstick", "microscopy", "sample", "specimen", "pregnancy", "hcg", "osmolality"}
    | {"sodium", "potassium", "calcium", "glucose", "ketones", "protein", "albumin", "mcs"}
)


def _specimen(doc: AnalyzedText, i: int) -> bool:
    """Whether token ``i`` names the sample of the test or analyte named right after it."""
    tokens = doc.tokens
    if tokens[i].text not in _SPECIMENS or i + 1 >= len(tokens):
        return False
    after = tokens[i + 1]
    gap = doc.text[tokens[i].end : after.start]
    if after.sentence != tokens[i].sentence or gap.strip():
        return False
    surface = doc.text[after.start : after.end]
    # "urine hCG", "serum PTH", "stool PCR": an analyte or test, often written in capitals;
    # "urine shows ...", "urine output": no test named
    return after.text in _TESTS or after.text in _MEASURED or surface[1:] != surface[1:].lower()


def withheld_drugs(doc: AnalyzedText) -> frozenset[int]:
    """Token indices of the drugs ``doc`` withholds by a plan or a chart's status: what is
    withheld is not taken, whichever way the sentence puts it."""
    if not doc.drugs:
        return frozenset()
    text, out = doc.text, set()
    for drug in doc.drugs:
        if _WITHHELD_BEFORE.search(text, max(0, drug.start - 30), drug.start) or (
            _WITHHELD_AFTER.match(text, drug.end)
        ):
            out.update(doc.token_range(drug.start, drug.end))
    return frozenset(out)


def _no_effect_on(out: AnalyzedText, tok: Token, ctx: AnalyzedText) -> bool:
    """Whether the output's word is denied only by a finding of no effect ("made no significant
    difference to pain") and the input reports one too: the effect comparison's to judge
    (medfact.direction), not a denial of the pain."""
    return denied_by_no_effect(out, tok) and finds_no_effect(ctx)


@verifiers.register("negation.v1")
class NegationRule(Rule):
    name = "negation.v1"

    def __init__(
        self,
        flip_risk: int = 4,
        minor_flip_risk: int = 3,
        certainty_risk: int = 3,
        family_risk: int = 3,
    ) -> None:
        self.flip_risk = flip_risk
        self.minor_flip_risk = minor_flip_risk
        self.certainty_risk = certainty_risk
        self.family_risk = family_risk

    def check(self, view: CaseDoc) -> list[Finding]:
        ctx = view.context
        assert ctx is not None
        # each word's mentions in the input, with the token index of those read in place (its
        # modifier and head are read where an output word's reading needs them: see phrased)
        ctx_mentions: dict[str, list[tuple[Token, int | None]]] = {}
        # only the stems of the output's words read below (content words, not asked, no test)
        # are looked up: the input's other words are not read
        wanted = {
            t.stem
            for t in view.output.tokens
            if t.polarity != ASKED and t.text not in _TESTS and t.content
        }
        found = [k for k, t in enumerate(ctx.tokens) if t.stem in wanted]  # their input words
        # nor the answers to sentences that hold none of them
        answered = _answered(ctx, {ctx.tokens[k].sentence for k in found})
        planned = planned_starts(ctx)
        afebrile = _afebrile_readings(ctx)
        complements: set[int] = set()  # denied only as the complement of a denied finding
        written = not ctx.is_dialogue  # a study's "no difference in X" does not deny X
        ctx_withheld = withheld_drugs(ctx)
        ctx_drug_starts = {t.start for d in ctx.drugs for t in ctx.tokens_in(d.start, d.end)}
        for i in found:
            tok = ctx.tokens[i]
            if (
                tok.content
                and tok.text not in _TESTS
                and not _is_header(ctx, i)
                and not _site_of_finding(ctx, tok)
                and not _degree_told(ctx.tokens, i)
            ):
                read = read_polarity(ctx, tok)
                if read is None:
                    continue  # its polarity is unknown: no evidence either way
                if read.polarity == AFFIRMED and tok.start in planned:
                    continue  # "she's due for colonoscopy": a plan, not that one was had
                if read.polarity == NEGATED and i > 0 and ctx.tokens[i - 1].text == "other":
                    continue  # "no other allergies": the one named stands
                if read.polarity == NEGATED and _names_test(ctx.tokens, i):
                    continue  # "no pneumothorax on chest X-ray": the test's site, not denied
                if _defined(ctx.tokens, i):
                    continue  # "Palpitations means the feeling that ...": a word explained
                if i in answered:
                    polarity, trigger = answered[i]
                    read = replace(read, polarity=polarity, trigger=trigger)
                if read.polarity != AFFIRMED and _specimen(ctx, i):
                    # "urine hCG negative": the hCG is denied; the urine was there to test
                    read = replace(read, polarity=AFFIRMED, trigger=None)
                if read.polarity == AFFIRMED and i in ctx_withheld:
                    # "skip the ibuprofen", "ramipril 5 mg - HOLD": the drug is named, and not
                    # to be taken: an output that writes either agrees with the input
                    ctx_mentions.setdefault(tok.stem, []).append(
                        (replace(read, polarity=NEGATED, trigger=tok.start), None)
                    )
                if (
                    read.polarity == NEGATED
                    and tok.start in ctx_drug_starts
                    and _drug_circumstance(ctx.text, tok)
                ):
                    continue  # "a problem with ibuprofen before? - no": the problem is denied
                if read.polarity == NEGATED and _unknown_answer(ctx, read):
                    continue  # "Do you know which type of cancer? - No idea": not known
                if read.polarity == NEGATED and complement_of_denied(ctx, i, read):
                    # "complications with your pregnancy? - no": the complications are denied,
                    # which agrees with a denial of the word but does not contradict it affirmed
                    complements.add(tok.start)
                if tok.text == "temperature" and i in afebrile:
                    continue  # "temperature 99.1": a reading below a fever is no fever
                ctx_mentions.setdefault(tok.stem, []).append((read, i))
        findings: list[Finding] = []
        seen_sentences: set[tuple[int, str]] = set()
        windows = AlignedWindows(view)
        judgements: list[tuple[int, int]] = judged_spans(view.output)
        drug_starts = {
            t.start for d in view.output.drugs for t in view.output.tokens_in(d.start, d.end)
        }
        out_tokens = view.output.tokens
        # words told both ways in a sentence: read when a word first reaches that test (only
        # the words the input mentions are looked up in it)
        both: set[tuple[int, str]] | None = None
        out_withheld = withheld_drugs(view.output)
        phrased: dict[str, list[tuple[Token, str | None, str | None]]] = {}
        for i, tok in enumerate(out_tokens):
            if tok.stem not in ctx_mentions:
                # the input reads no mention of the word: nothing below can differ from it (the
                # relative's check, _whose, needs one too), and reading it changes no stem
                continue
            if tok.polarity != NEGATED and _agrees_throughout(tok, ctx_mentions[tok.stem]):
                continue  # (only a denial's reading below may change its polarity)
            if not tok.content or tok.polarity == ASKED or _is_header(view.output, i):
                continue
            if tok.text in _TESTS:
                continue  # "urinalysis was negative": the result is negative, not the test
            if tok.polarity == NEGATED and _names_test(out_tokens, i):
                continue  # "no further lesion imaging": the imaging is denied, not the lesion
            if _site_of_finding(view.output, tok):
                continue  # "no warmth of the skin": the warmth is denied, not the skin
            if _degree_told(out_tokens, i):
                continue  # "a poor appetite" is no denial of "not much of an appetite"
            if _specimen(view.output, i):
                continue  # "urine hCG negative": the hCG is denied, the urine is the sample
            if tok.text in _FUNCTION_ORGANS and not _vague_head(out_tokens, i):
                continue  # "bowel or bladder incontinence": the incontinence is the finding
            if tok.polarity == AFFIRMED and i > 0 and out_tokens[i - 1].text == "last":
                continue  # "Last drink Tue", "last seizure 2019": when it last was, not now
            if tok.polarity == NEGATED and _YEARS_SINCE.match(view.output.text, tok.end):
                continue  # "has not smoked for the past 27 years": quit, not never
            if tok.polarity == NEGATED and tok.trigger is not None:
                denied = view.output.text[tok.trigger : tok.start]
                if _ANOTHER_EPISODE.search(denied):
                    continue  # "denies additional episodes of palpitations": a later one
                if denied.strip().lower() == "negative":
                    continue  # "a negative mammogram": a test done, its result negative
                if tok.start in drug_starts and _drug_circumstance(view.output.text, tok):
                    continue  # "denies upset stomach with ibuprofen": the upset is denied
            # "knee pain" is not "chest pain", "weight loss" not "weight gain" and "chest pain"
            # not "chest x-ray": a differing modifier or head word makes another mention
            mod = _modifier(out_tokens, i)
            if mod in _STATUS_MODIFIERS:
                mod = None  # "Retained allergies: ...": how the list stands, not a kind of it
            head = _head(out_tokens, i)
            if _modifies_finding(out_tokens, i):
                # "weight" of "weight loss": the finding is its head, compared itself; a site
                # ("chest" of "chest pain") is still compared, as the pain may be elsewhere too
                continue
            if before_denied_change(out_tokens, i):
                continue  # "no visual changes": the change is denied, the eyes not affirmed
            if (
                tok.polarity == NEGATED
                and head is not None
                and head.startswith(_DISEASE_HEADS)
                and tok.text.rstrip("s") in ANATOMY
            ):
                continue  # "no symptoms of prostate cancer": the cancer is denied, not the organ
            if (
                tok.polarity == NEGATED
                and i + 1 < len(out_tokens)
                and (
                    out_tokens[i + 1].text in _TREATMENT_HEADS
                    and out_tokens[i + 1].sentence == tok.sentence
                )
            ):
                continue  # "no diabetes meds for now": the treatment is denied, not the disease
            read = read_polarity(view.output, tok)
            if read is None or (written and _no_effect_on(view.output, read, ctx)):
                continue  # "made no significant difference to pain" where the input finds none
            tok = read
            if _agrees_throughout(tok, ctx_mentions[tok.stem]):
                continue
            if tok.stem not in phrased:  # the mentions with their modifier and head words
                phrased[tok.stem] = [
                    (m, None, None)
                    if k is None
                    else (m, _modifier(ctx.tokens, k), _head(ctx.tokens, k))
                    for m, k in ctx_mentions[tok.stem]
                ]
            mentioned = phrased[tok.stem]
            if i in out_withheld:
                continue  # "trimethoprim avoided": an action on the drug, as "NOT started"
            if tok.polarity == NEGATED and complement_of_denied(view.output, i, tok):
                continue  # "not taking any medicines for her asthma": the asthma is not denied
            if both is None:
                both = _both_ways([t for t in out_tokens if t.stem in ctx_mentions])
            if (tok.sentence, tok.stem) in both:
                continue  # "tingling until Sunday, denies tingling today": a change, told
            qualifier = _qualifier(out_tokens, i) if tok.polarity == NEGATED else None
            # "no ankle edema", "denies left sided facial pain": denied at a part or on a side
            where = _where_denied(out_tokens, i) if tok.polarity == NEGATED else frozenset()
            if tok.start in drug_starts and (
                _STOPPED.search(
                    view.output.text,
                    max(0, tok.start - 25),
                    min(len(view.output.text), tok.end + 25),
                )
                or _STOP_ORDER.search(view.output.text, max(0, tok.start - 30), tok.start)
            ):
                # "Amlodipine stopped a month ago", "stop oral ibuprofen": not taken, as the
                # input's "No" or "no more ibuprofen"
                continue
            if tok.start in drug_starts and (
                (
                    tok.polarity == NEGATED
                    and tok.trigger is not None
                    and _NOT_GIVEN.search(
                        view.output.text, max(0, tok.trigger - 8), tok.trigger + 24
                    )
                )
                or _TOLERATED.search(view.output.text, max(0, tok.start - 16), tok.end + 16)
            ):
                # "Isotretinoin NOT started": an action, temporal.v1's to compare; "tolerates
                # penicillin": an allergy's business, not whether the drug is taken
                continue
            # "no pulmonary limitations", "short periods": the word names the kind of what follows
            # it, and is compared only with mentions naming the same thing
            named_kind = tok.start not in drug_starts and _names_kind(out_tokens, i, head)
            # "carboplatin reaction": a drug's own, not the "no reaction" of another drug
            drug_mod = i > 0 and out_tokens[i - 1].start in drug_starts
            # "chest pressure" is felt; "blood pressure" is measured
            feeling_pressure = tok.text == "pressure" and mod not in _PRESSURE_MEASURES
            # "negative for thunderclap headache": a kind of the finding is denied; an input
            # that tells of the finding without saying of which kind does not contradict it
            kind_denied = tok.polarity == NEGATED and out_tokens[i - 1].text in _KINDS
            # "a short period" is not the input's "shortness of breath": the adjective names a
            # kind of its noun, and the input's noun made of it is a finding of its own, as are
            # the words of its phrase
            # "denies pulmonary disease" against "your lungs? - they're in great shape": the
            # organ's disease is denied, and the organ named in the input is no disease of it
            disease_denied = (
                tok.polarity == NEGATED
                and head is not None
                and head.startswith(_DISEASE_OR_ILLNESS)
            )
            made_noun = not _of_follows(out_tokens, i) and any(
                m_head is None
                and _made_noun(m.text, tok.text)
                and _OF_AFTER.match(ctx.text, m.end) is not None
                for m, _, m_head in mentioned
            )
            asserted = [
                m
                for m, m_mod, m_head in mentioned
                if m.polarity != ASKED
                and not (tok.polarity == AFFIRMED and m.start in complements)
                and not (kind_denied and m_mod != mod and m.polarity != NEGATED)
                and not (m.polarity == NEGATED and tok.start in drug_starts and _held_for(ctx, m))
                and (mod is None or m_mod is None or mod == m_mod)
                and (not drug_mod or mod == m_mod)
                and not (feeling_pressure and m_mod in _PRESSURE_MEASURES)
                and (head is None or m_head is None or head == m_head or m.text != tok.text)
                and not (named_kind and m_head is not None and m_head != head)
                # "a short period" is not the input's "shortness (of breath)": the adjective
                # names a kind of its noun, the input's noun made of it is a finding of its own
                and not (made_noun and m.text != tok.text)
                # "possible urinary obstruction": the hedge is of the obstruction the word
                # names the kind of, not of the urine the output states
                and not (
                    tok.polarity == AFFIRMED
                    and m.polarity == UNCERTAIN
                    and m_head is not None
                    and m_head != head
                    and m.text != tok.text
                )
                and not (disease_denied and m.text != tok.text and m.text.rstrip("s") in ANATOMY)
                and (head is None or not head.startswith(_COMPOUND) or head == m_head)
                and (qualifier is None or _near(ctx, m, qualifier))
                and not (
                    # "heavy menstrual bleeding" against "bleeding between periods? - no": the
                    # input denies another kind, placed by what follows it
                    tok.polarity == AFFIRMED
                    and mod is not None
                    and m_mod != mod
                    and m.polarity == NEGATED
                    and _PLACED_AFTER.match(ctx.text, m.end) is not None
                )
                and not (
                    tok.polarity == AFFIRMED
                    and m.polarity == NEGATED
                    and (
                        (mod is None and _denied_narrowly(view, tok, m))
                        or _hurts_elsewhere(view, tok, m)
                    )
                )
            ]
            key = (tok.sentence, "")
            if key not in seen_sentences:
                moved = self._whose(view, tok, asserted)
                if moved is not None:
                    seen_sentences.add(key)
                    findings.append(moved)
                    continue
            mentions = [
                m
                for m in asserted
                if _comparable(tok, m) or _never_against_past(tok, view.output.text, m, ctx.text)
            ]
            if not mentions:
                if key not in seen_sentences and (
                    possible := self._only_possible(
                        view, windows, tok, [m for m, _ in ctx_mentions[tok.stem]], drug_starts
                    )
                ):
                    seen_sentences.add(key)
                    findings.append(possible)
                continue
            polarities = {m.polarity for m in mentions}
            if tok.polarity in polarities:
                continue
            # in a long input, only a mention in the window aligned to this claim is about it
            window = windows.window(tok.start, tok.end)
            aligned = [m for m in mentions if windows.holds(window, m.sentence)]
            if not aligned:
                continue
            if where and not any(_near(ctx, m, where) for m in aligned if m.polarity != NEGATED):
                continue  # the input tells of it elsewhere ("edema over the right knee")
            hedged_denial = (tok.polarity, polarities) == (UNCERTAIN, {NEGATED})
            if hedged_denial and not tok.stem.startswith(_CONCERN_STEMS):
                continue
            if key in seen_sentences:
                continue
            # "asterixis present" against "no asterixis": a word told present or absent in so
            # many words is a finding, even one the clinical lexicon lacks
            told = _told_present(view.output.text, tok) or any(
                _told_present(ctx.text, m) for m in aligned
            )
            risk = self.minor_flip_risk if feeling_pressure else self._flip_risk(tok, told)
            if risk is None:
                continue  # "associated", "home", "results": ordinary words' flips are noise
            anchor = aligned[0]
            if {tok.polarity} | polarities == {AFFIRMED, NEGATED}:
                seen_sentences.add(key)
                said = "denied or absent" if NEGATED in polarities else "present"
                if tok.polarity == AFFIRMED and all(
                    _resolved(ctx, m) for m in aligned if m.polarity == NEGATED
                ):
                    if _resolution_told(view.output, tok):
                        continue  # "Pain settled; likely colic" for "her pain has settled"
                    risk = 2  # "(for RUQ pain)" where "her pain has settled": it was there
                if tok.polarity == NEGATED and _resolved(view.output, tok):
                    if any(_resolution_told(ctx, m) for m in aligned):
                        continue  # "Mild jaw pain after the last dose, now resolved"
                    risk = 2  # "her chest pain resolved": it was there, and is gone; check
                flip = self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    risk,
                    _phrase_span(view.output.tokens, tok),
                    f"'{tok.text}' is {tok.polarity} here but {said} in the input",
                    relation=CONTRADICTED,
                    context_span=(anchor.start, anchor.end),
                    confidence=0.75,
                )
                # a finding the input denies in so many words ("no murmurs", "no lower
                # extremity edema", "any swelling - no") and the output affirms is firm even on
                # a long transcript; a word read as present ("any visual disturbances") is not
                if (
                    tok.polarity == AFFIRMED
                    and risk > 2
                    and not any(_narrowed(ctx, m) for m in aligned)
                ):
                    flip = flip.model_copy(update={"firm": True})
                findings.append(flip)
            elif hedged_denial:
                # "possibly pregnant" where the input says she cannot be
                seen_sentences.add(key)
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.OVERSTATED_INTENSITY,
                        self.certainty_risk,
                        _phrase_span(view.output.tokens, tok),
                        f"'{tok.text}' is suggested here but denied or absent in the input",
                        relation=CONTRADICTED,
                        context_span=(anchor.start, anchor.end),
                        confidence=0.6,
                    )
                )
            elif tok.polarity == AFFIRMED and polarities == {UNCERTAIN}:
                if (
                    _judgement(view, judgements, tok)
                    or all(_conversational(ctx, m) for m in mentions)
                    or tok.text in _NOT_JUDGED
                    or tok.start in drug_starts
                    or tok.start in _procedure_starts(view.output)
                ):
                    # the Assessment's diagnosis; a patient's "I think" or "probably"; a test,
                    # drug or procedure (the plan's "might repeat an EKG", "surgery was
                    # recommended" where the input "should do surgery": a plan, no diagnosis)
                    continue
                seen_sentences.add(key)
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.OVERSTATED_INTENSITY,
                        self.certainty_risk,
                        (tok.start, tok.end),
                        f"'{tok.text}' is stated as fact but the input only suggests it",
                        relation=CONTRADICTED,
                        context_span=(anchor.start, anchor.end),
                        confidence=0.6,
                    )
                )
            elif tok.polarity == UNCERTAIN and polarities == {AFFIRMED}:
                seen_sentences.add(key)
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.UNDERSTATED_INTENSITY,
                        2,
                        (tok.start, tok.end),
                        f"'{tok.text}' is hedged here but stated as fact in the input",
                        relation=CONTRADICTED,
                        context_span=(anchor.start, anchor.end),
                        confidence=0.45,  # a weak reading: below the severity policy's bar
                    )
                )
        findings.extend(self._opposite_results(view, windows))
        findings.extend(_new_only(self._whose_by_concept(view), findings))
        findings.extend(self._advice_reversed(view))
        return findings

    def _only_possible(
        self,
        view: CaseDoc,
        windows: AlignedWindows,
        tok: Token,
        mentions: list[Token],
        drug_starts: set[int],
    ) -> Finding | None:
        """A finding the output states as the patient's (now or in the past) that the input
        names only as a possibility, in the window aligned to it ("Stroke." where "you are at
        risk of a stroke"; "she had a fall" where "at risk of falls"): a risk told as an event.
        ``mentions``: every mention of the word the input reads. Only a finding or a condition
        (not a drug, test, procedure or faculty: what a plan avoids or a test looks for is the
        plan's); not where the input names the condition as had ("if my cough gets worse": the
        cough is there) or names its concept as a fact in other words ("metastasis" for "the
        cancer spread to her femurs")."""
        if (
            tok.polarity != AFFIRMED
            or tok.scope not in (CURRENT, HISTORY)
            or not mentions
            or any(m.scope != HYPOTHETICAL and m.polarity != ASKED for m in mentions)
            or tok.text in _NOT_JUDGED
            or tok.text in _DEGREE_NOUNS
            or tok.start in drug_starts
            or not names_finding(tok)
            or _in_plan(view.output, tok)
            or not _stated_as_had(view.output, tok)
        ):
            return None
        ctx = view.context
        assert ctx is not None
        concepts = _concepts_at(view.output, tok, ("condition", "procedure"))
        if not (concepts or tok.stem.startswith(FINDING_STEMS)) or any(
            kind == "procedure" or concept in _stated_concepts(ctx) for kind, concept in concepts
        ):
            return None
        window = windows.window(tok.start, tok.end)
        aligned = [
            m
            for m in mentions
            if m.scope == HYPOTHETICAL
            and windows.holds(window, m.sentence)
            and not presupposed(ctx, m)
        ]
        if not aligned:
            return None
        return self.finding(
            view,
            ErrorCategory.OVERSTATED_INTENSITY,
            self.certainty_risk,
            (tok.start, tok.end),
            f"'{tok.text}' is stated as fact but the input names it only as a possibility",
            relation=CONTRADICTED,
            context_span=(aligned[0].start, aligned[0].end),
            confidence=0.6,
        )

    def _whose(self, view: CaseDoc, tok: Token, mentions: list[Token]) -> Finding | None:
        """A relative's condition stated as the patient's own: the input mentions it, affirmed,
        only for a relative, and the output's sentence names no relative. The reverse (the
        patient's own condition written as family history) is checked only where the input
        cannot have meant a relative: it denies a family history, or names no relative at all
        (the input's "He had colon cancer" after "my dad died" reads as the patient's)."""
        if tok.polarity != AFFIRMED or is_relative(tok.text) or self._flip_risk(tok) is None:
            return None
        if tok.text in _PEOPLE:
            return None  # "her sister's baby": a person, not a condition that is someone's
        if tok.scope == FAMILY:
            return self._made_family(view, tok, mentions)
        affirmed = [m for m in mentions if m.polarity == AFFIRMED]
        family = [m for m in affirmed if m.scope == FAMILY and not companions_kin(view.context, m)]
        personal = [m for m in mentions if m.scope in (CURRENT, HISTORY)]
        if tok.scope not in (CURRENT, HISTORY) or not family or personal:
            return None
        # a sentence (up to a ";") that names a relative speaks of one, however the analysis
        # scoped it; "h/o HCM; FHx: father ..." has two parts
        text = view.output.text
        sentence = view.output.sentence_tokens(tok.sentence)
        lo = text.rfind(";", sentence[0].start, tok.start) + 1 if sentence else 0
        hi = text.find(";", tok.end, sentence[-1].end) if sentence else -1
        hi = hi if hi >= 0 else len(text)
        # a relative in an aside after a history's condition speaks of the relative, not of
        # whose the condition is ("Hx of schizophrenia (sister in supported housing)")
        aside = text.find("(", tok.end, hi) if tok.scope == HISTORY else -1
        close = text.find(")", aside, hi) if aside >= 0 else -1
        within = range(aside + 1, close if close >= 0 else hi) if aside >= 0 else range(0)
        named = [t for t in sentence if lo <= t.start < hi]
        if any(
            is_relative(t.text) and t.start not in within and not _source(named, k)
            for k, t in enumerate(named)
        ):
            return None
        if follows_relative(view.output, tok.sentence) or family_section(view):
            return None
        anchor, said = family[0], "a relative's in the input, not the patient's"
        return self.finding(
            view,
            ErrorCategory.DETAIL_MISIDENTIFICATION,
            self.family_risk,
            _phrase_span(view.output.tokens, tok),
            f"'{tok.text}' is {said}",
            relation=CONTRADICTED,
            context_span=(anchor.start, anchor.end),
            confidence=0.7,
        )

    def _whose_by_concept(self, view: CaseDoc) -> list[Finding]:
        """``_whose`` read by the condition named, whatever its words ("RA" where the input has
        "her mother's rheumatoid arthritis"): a condition the output gives as the patient's,
        in a sentence that names no relative, where the input tells it only of a relative."""
        out, ctx = view.output, view.context
        assert ctx is not None
        theirs: dict[str, list[Token]] = {}
        for m in concept_mentions(ctx.text, ("condition",)):
            toks = ctx.tokens_in(m.start, m.end)
            if toks and toks[0].polarity != ASKED:
                theirs.setdefault(m.concept, []).append(toks[0])
        findings: list[Finding] = []
        for m in concept_mentions(out.text, ("condition",)):
            toks = out.tokens_in(m.start, m.end)
            if (
                not toks
                or m.concept not in theirs
                or any(f.span == (m.start, m.end) for f in findings)
            ):
                continue
            tok = toks[0]
            if tok.polarity != AFFIRMED or tok.scope not in (CURRENT, HISTORY):
                continue
            if tok.scope == CURRENT and not _KNOWN_BEFORE.search(
                out.text, max(0, m.start - 30), m.start
            ):
                continue  # "inferior STEMI" now: an event of today, not a history to own
            if _names_relative(out, tok.sentence) or follows_relative(out, tok.sentence):
                continue  # "Brother has MS": said of the relative
            mentions = theirs[m.concept]
            kin = [
                c
                for c in mentions
                if c.scope == FAMILY and c.polarity == AFFIRMED and not companions_kin(ctx, c)
            ]
            if not kin or any(
                c.scope in (CURRENT, HISTORY) and not _names_relative(ctx, c.sentence)
                for c in mentions
            ):
                continue  # the patient's own too, or no relative's
            if family_section(view):
                continue  # a family history written without its header
            anchor = kin[0]
            findings.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.family_risk,
                    (m.start, m.end),
                    f"'{m.surface}' is a relative's in the input, not the patient's",
                    relation=CONTRADICTED,
                    context_span=(anchor.start, anchor.end),
                    confidence=0.7,
                )
            )
        return findings

    def _made_family(self, view: CaseDoc, tok: Token, mentions: list[Token]) -> Finding | None:
        """The patient's own condition (affirmed in the input, never a relative's) written as a
        relative's, where the input denies a family history or speaks of no relative."""
        ctx = view.context
        assert ctx is not None
        own = [m for m in mentions if m.polarity == AFFIRMED and m.scope in (CURRENT, HISTORY)]
        if not own or any(m.scope == FAMILY and m.polarity == AFFIRMED for m in mentions):
            return None
        if ctx.is_dialogue or (not _denies_family(ctx) and _speaks_of_family(ctx)):
            return None  # a dialogue's relatives are too often misread to say this
        anchor = own[0]
        return self.finding(
            view,
            ErrorCategory.DETAIL_MISIDENTIFICATION,
            self.family_risk,
            _phrase_span(view.output.tokens, tok),
            f"'{tok.text}' is the patient's own in the input, not a relative's",
            relation=CONTRADICTED,
            context_span=(anchor.start, anchor.end),
            confidence=0.7,
        )

    def _advice_reversed(self, view: CaseDoc) -> list[Finding]:
        """An activity the output allows ("may continue driving", "OK to swim") that the input
        forbids ("you can't drive for six months", "no swimming until ...")."""
        ctx = view.context
        assert ctx is not None
        allowed = list(_ALLOWS.finditer(view.output.text))
        if not allowed:
            return []
        forbidden: dict[str, re.Match[str]] = {}
        for m in _FORBIDS.finditer(ctx.text):
            if _WHILE_AFTER.match(ctx.text, m.end()):
                continue  # "should not drive during withdrawal": forbidden only then
            forbidden.setdefault(_activity(m.group("act")), m)
        found = []
        for m in allowed:
            rival = forbidden.get(_activity(m.group("act")))
            if rival is None or _CONDITIONAL_AFTER.match(view.output.text, m.end()):
                continue  # "may drive again after six months": the input's own condition
            found.append(
                self.finding(
                    view,
                    ErrorCategory.DETAIL_MISIDENTIFICATION,
                    self.flip_risk,
                    m.span(),
                    f"'{m.group().strip()}' is allowed here, but the input forbids it "
                    f"('{rival.group().strip()}')",
                    relation=CONTRADICTED,
                    context_span=rival.span(),
                    confidence=0.75,
                )
            )
        return found

    def _opposite_results(self, view: CaseDoc, windows: AlignedWindows) -> list[Finding]:
        """ "Test was positive" where the input says negative (normal/abnormal, ...), in the
        part of the input aligned to the claim."""
        out, ctx = view.output, view.context
        assert ctx is not None
        found = []
        for tok in out.tokens:
            opposite = RESULT_OPPOSITES.get(tok.text)
            if opposite is None or tok.scope == HISTORY:
                continue  # "history of an abnormal pap in 2009": a past result, not today's
            if _LIST_HEADER.match(out.text, tok.end):
                continue  # "Negative for vomiting, tremor and ...": a list's header, items compared
            if _conditional(out.text, tok):
                continue  # "new line only after 72 h of negative cultures": a condition
            sentence = [t for t in out.sentence_tokens(tok.sentence) if t.content]
            topic = {t.stem for t in sentence}
            topic.discard(tok.stem)
            # the words that name which test ("patellar grind" of "positive patellar grind
            # test"); "test", "bilaterally" are said of every test
            named = {t.stem for t in sentence if t.text not in _ANY_TEST} - {tok.stem}
            window = windows.window(tok.start, tok.end)
            if _same_result_told(out, ctx, tok, named, windows, window):
                continue  # "HER2-negative" where the input has "HER2 negative" (and "ER positive")
            for other in ctx.tokens:
                if other.text != opposite or not windows.holds(window, other.sentence):
                    continue
                if _conditional(ctx.text, other) and any(
                    t.text == tok.text
                    and windows.holds(window, t.sentence)
                    and not _conditional(ctx.text, t)
                    for t in ctx.tokens
                ):
                    continue  # "positive ... new line only after 72 hours of negative cultures"
                # its sentence or the one before ("the EKG ... here is normal"), not the next
                near = [t for t in ctx.tokens if 0 <= other.sentence - t.sentence <= 1]
                words = {t.text for t in near}
                if tok.text in words or not topic & {t.stem for t in near if t.content}:
                    continue
                if named and not named & _result_names(near, other, ctx.text):
                    continue  # "Positive patellar grind test" vs "mcmurray tests are negative"
                concern = any(t.startswith(c) for t in topic for c in _CONCERN)
                found.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        self.flip_risk if concern else self.minor_flip_risk,
                        _phrase_span(out.tokens, tok),
                        f"'{tok.text}' here, but the input reports '{other.text}'",
                        relation=CONTRADICTED,
                        context_span=(other.start, other.end),
                        suggestion=other.text,
                        confidence=0.75,
                    )
                )
                break
        return found

    def _flip_risk(self, tok: Token, told: bool = False) -> int | None:
        """High for a finding that changes care, moderate for another clinical word or one
        ``told`` present or absent in so many words; None for an ordinary word, whose polarity
        the analysis too often misreads to report, and for a word that names no finding
        ("symptoms", "problem", "medications")."""
        kind = _flip_kind(tok.text, tok.stem)
        if kind == _CONCERN_KIND:
            return self.flip_risk
        if kind == _MINOR_KIND or (kind == _OTHER_KIND and (is_clinical(tok) or told)):
            return self.minor_flip_risk
        return None


_CONCERN_KIND, _MINOR_KIND, _OTHER_KIND = "concern", "minor", "other"


@lru_cache(maxsize=4096)
def _flip_kind(text: str, stem: str) -> str | None:
    """What ``_flip_risk`` makes of a word, read once per word: a concern, a minor finding,
    another word (clinical or told present to be minor), or None (no finding)."""
    if text in _EXAM_PULSES:
        return _MINOR_KIND  # "femorals not palpable"
    if text.rstrip("s") in _UNSPECIFIC or text in _PLACES or text in UNITS:
        return None  # "no murmurs of the heart" negates the murmur, not the heart
    if is_relative(text) or _PERSON.search(text) or text.rstrip("s") in _PLACES:
        return None  # "history obtained from the husband", "a dermatologist": a person
    if stem.startswith(_CONCERN_STEMS):
        return _CONCERN_KIND
    if stem.startswith(_FINDING_ONLY_STEMS):
        return _MINOR_KIND
    return _OTHER_KIND


# a treatment's negation that states an action ("NOT started", "not prescribed", "declined")
_NOT_GIVEN = re.compile(
    r"(?:not|never)\s+(?:started|given|prescribed|needed|required|indicated|restarted)|"
    r"declined|refused|declines|refuses",
    re.IGNORECASE,
)


_TOLERATED = re.compile(r"\b(?:in)?tolera[nt]\w*", re.IGNORECASE)  # "an intolerance to omeprazole"


# words after which a negation no longer reaches: a contrast ("no fever, just some chills"), or a
# new clause that affirms ("there's no guarding and your knee does show a little effusion",
# "there is no swelling I can appreciate a small effusion") - common in unpunctuated transcripts
# "only" opens a clause of its own ("no pain, only some stiffness"); one that closes an item
# ("shortness of breath with stairs only, cough") narrows that item, and the list goes on
_CLAUSE_BREAK = fast_compile(
    r"\b(?:just|only(?!\s*,)|except|but|however|although|though|there\s+is|there's|there\s+are|"
    r"and\s+(?:you|he|she|i|we|they)|it\s+is|it's|"
    r"i\s+can|i\s+(?:do\s+)?see|i\s+(?:do\s+)?appreciate|you\s+(?:do\s+)?have|"
    r"(?:does|do)\s+show|shows?|showed|some|a\s+little|a\s+small)\b|[;\n)+]",
    re.IGNORECASE,
)


_ANY_TEST = frozenset(
    {
        "test",
        "tests",
        "sign",
        "signs",
        "maneuver",
        "exam",
        "examination",
        "result",
        "results",
        "finding",
        "findings",
        "bilateral",
        "bilaterally",
        "left",
        "right",
        "both",
    }
)
_RESULT_REACH = (15, 5)  # tokens before / after a result word that may name its test


def _result_names(near: list[Token], result: Token, text: str) -> set[str]:
    """Stems that may name what ``result`` (an input's "negative") is the result of: the
    sentence before it, and the words of its own sentence close to it (a run-on transcript
    sentence goes on to other tests), not past a stop after it ("QRS normal. repeat potassium
    today": the potassium is the next order's)."""
    before, after = _RESULT_REACH
    at = next(k for k, t in enumerate(near) if t is result)
    stop = _STOP_AFTER.search(text, result.end, result.end + 80)
    last = stop.start() if stop is not None else len(text)
    return {
        t.stem
        for k, t in enumerate(near)
        if t.content
        and (t.sentence != result.sentence or -before <= k - at <= after)
        and (k <= at or t.start < last)
    }


_STOP_AFTER = re.compile(r"[.;](?:\s|$)")
# the name written right before a result word ("HER2" of "HER2-negative", "ANA negative")
_SUBJECT_BEFORE = re.compile(r"([A-Za-z][A-Za-z0-9]*)[ \t]*-?[ \t]*$")


def _subject(text: str, result: Token) -> str | None:
    """The name right before a result word, lower-cased, or None."""
    m = _SUBJECT_BEFORE.search(text, max(0, result.start - 24), result.start)
    return m.group(1).lower() if m is not None else None


def _same_result_told(
    out: AnalyzedText,
    ctx: AnalyzedText,
    tok: Token,
    named: set[str],
    windows: AlignedWindows,
    window: frozenset[int] | None,
) -> bool:
    """Whether the input gives the output's result word ("negative") for the same test, in the
    part aligned to the claim: for the name written right before it where that is a test's own
    name ("HER2-negative" and "HER2 negative"), else for a test its near words name ("skin tests
    negative" and "skin prick testing to amoxicillin negative"). An opposite result then
    belongs to another test ("ER positive")."""
    subject = _subject(out.text, tok)
    own = subject is not None and subject not in _ANY_TEST and subject != "and"
    for other in ctx.tokens:
        if other.text != tok.text or not windows.holds(window, other.sentence):
            continue
        if own:
            if _subject(ctx.text, other) == subject:
                return True
            continue
        near = [t for t in ctx.tokens if 0 <= other.sentence - t.sentence <= 1]
        if named & _result_names(near, other, ctx.text):
            return True
    return False


def _modifies_finding(tokens: list[Token], i: int) -> bool:
    """Whether ``tokens[i]`` modifies a finding or a measure named right after it ("weight" of
    "weight loss"), other than as its site ("chest pain")."""
    head = _head(tokens, i)
    return (
        head is not None
        and head.startswith(_FINDINGS_OR_MEASURES)
        and tokens[i].text.rstrip("s") not in ANATOMY
    )


def _names_kind(tokens: list[Token], i: int, head: str | None) -> bool:
    """Whether ``tokens[i]`` only names the kind of a word right after it that is no finding
    ("pulmonary limitations", "cardiac enzyme", "urinary stream", "cough medicine"): what is
    said of the phrase is said of its head, so an input mention of the word before another head
    ("the Pulmonary Medicine Clinic") is another thing. A site ("chest" of "chest pain") and a
    finding before a finding ("nausea vomiting", an unpunctuated list) are read as before."""
    return (
        head is not None
        and not head.startswith(_FINDINGS_OR_MEASURES)
        # a finding's own word before a noun is the finding ("blanching spots")
        and not tokens[i].stem.startswith(FINDING_STEMS)
        and tokens[i].text.rstrip("s") not in ANATOMY
        and i + 1 < len(tokens)
        and tokens[i + 1].text not in _FRAMES
        # the head ends the phrase: in "tender anterior nodes" the word after is another
        # adjective of the same noun, not what the word is a kind of
        and _head(tokens, i + 1) is None
    )


def _of_follows(tokens: list[Token], i: int) -> bool:
    """Whether "of" follows ``tokens[i]`` in its sentence ("short of breath")."""
    return (
        i + 1 < len(tokens)
        and tokens[i + 1].text == "of"
        and tokens[i + 1].sentence == tokens[i].sentence
    )


# verbs that explain a word rather than say it of anyone ("palpitations means ...")
_DEFINING = frozenset({"means", "mean", "meaning", "refers"})


def _defined(tokens: list[Token], i: int) -> bool:
    """Whether ``tokens[i]`` is a word being explained ("Palpitations means the sensation
    that your heart is racing"): no one's finding (session 17)."""
    return (
        i + 1 < len(tokens)
        and tokens[i + 1].text in _DEFINING
        and tokens[i + 1].sentence == tokens[i].sentence
    )


# a denial over a span of years ("has not smoked for the past 27 years"): it tells when it
# stopped, and the habit before it is no contradiction (session 17)
_YEARS_SINCE = re.compile(
    r"[ \t]+(?:(?:for|in|over)[ \t]+(?:the[ \t]+)?(?:past|last)[ \t]+(?:\w+[ \t]+)?"
    r"(?:years?|decades?)|since[ \t]+(?:\d{4}|the[ \t]+(?:\d{2}s|\w+ties)))\b",
    re.IGNORECASE,
)


_OF_AFTER = re.compile(r"[ \t]+of\b", re.IGNORECASE)  # "shortness of breath"


def _vague_head(tokens: list[Token], i: int) -> bool:
    """Whether the word right after ``tokens[i]`` is a vague one ("bowel problems", "bladder
    issues"): the organ word then carries the finding."""
    return (
        i + 1 < len(tokens)
        and tokens[i + 1].sentence == tokens[i].sentence
        and tokens[i + 1].text.rstrip("s") in _UNSPECIFIC
    )


def _made_noun(noun: str, adjective: str) -> bool:
    """Whether ``noun`` is a noun made of ``adjective`` by a suffix ("shortness" of "short",
    "weakness" of "weak", "dizziness" of "dizzy") (session 17)."""
    return (
        noun != adjective
        and noun.endswith(("ness", "ity"))
        and not adjective.endswith("ness")
        and noun.startswith(adjective[:-1])
    )


def _names_test(tokens: list[Token], i: int) -> bool:
    """Whether the word right after ``tokens[i]`` in its sentence is a test it names ("lesion
    imaging", "chest X-ray") or the checking of it ("have you had your urine rechecked? - no",
    "her cholesterol has not been checked"): a denial then reaches the test, not the word."""
    return (
        i + 1 < len(tokens)
        and (tokens[i + 1].text in _TESTS or tokens[i + 1].text in _CHECKED)
        and tokens[i + 1].sentence == tokens[i].sentence
    )


# participles of checking a thing ("urine rechecked", "levels drawn"): a denial of the checking is
# no denial of the thing checked (session 17)
_CHECKED = frozenset(
    {"checked", "rechecked", "tested", "retested", "measured", "remeasured", "drawn", "redrawn"}
    | {"examined", "scanned", "x-rayed", "evaluated", "reevaluated", "re-evaluated", "looked"}
)


# Prepositions that attach a word to the finding before it ("complications with", "blood in",
# "side effects from", "trouble with"): a denial of that finding is not a denial of the word.
# ("to" is left out: "able to sleep" denies the sleep; "of" too: "no loss of appetite", "no
# chance of pregnancy" and "no history of asthma" deny what follows it.)
_ATTACHING = frozenset({"with", "from", "in", "about", "on", "during", "after", "for"})
# prepositions of time that presuppose what follows them ("followed up since your surgery? -
# no", "no problems before the injury"): whatever the denial, that thing happened (session 17)
_SINCE = frozenset({"since", "before", "after", "until"})
# what is taken or done for a purpose ("anything for your allergies? - not really", "I never took
# anything for diabetes"): the treatment is denied, not what it is for (session 17)
_FOR_WHAT = frozenset({"anything", "something", "nothing"})
# words between the preposition and the word ("blood in your vomit")
_ATTACHED_DETERMINERS = frozenset(
    {"the", "your", "his", "her", "their", "my", "a", "an", "any", "this", "that", "its", "our"}
)
# heads that pass their denial on to what they frame: a record of it ("no history of", "no
# signs on"), a trouble that is its own ("any problems with your breathing? - no": breathing
# difficulty is denied), or a change in it ("no improvement in the breathlessness" says nothing
# of it being gone, and is compared as it was before)
_FRAMES = frozenset(
    {"history", "hx", "sign", "signs", "symptom", "symptoms", "evidence", "episode", "episodes"}
    | {"feature", "features", "complaint", "complaints", "diagnosis", "any", "anything"}
    | {"problem", "problems", "trouble", "troubles", "difficulty", "difficulties", "issue"}
    | {"issues", "concern", "concerns", "change", "changes", "improvement", "response"}
    | {"relief", "benefit", "worsening", "deterioration", "increase", "decrease", "reduction"}
)


def complement_of_denied(doc: AnalyzedText, i: int, read: Token) -> bool:
    """Whether a denied word is only the complement of another denied finding, attached to it
    by a preposition ("were there any complications with your pregnancy? - Nope", "no blood in
    the vomit", "any side effects from the methotrexate? - No"): what is denied is that finding,
    and the word is neither denied nor affirmed by it. The finding must lie inside the denial's
    reach: after a trigger before it, or asked in the question an answer denies ("soft, with no
    guarding" denies the guarding itself)."""
    tokens = doc.tokens
    tok = tokens[i]
    j = _skip_determiners(tokens, i - 1, tok.sentence)
    if 0 < j < i and tokens[j].text not in _ATTACHING and tokens[j].text not in _SINCE:
        # "anything for your acid reflux": a word of the name between
        k = _skip_determiners(tokens, j - 1, tok.sentence)
        if k >= 0 and (tokens[k].text == "for" or tokens[k].text in _SINCE):
            j = k
    if j < 1 or tokens[j].sentence != tok.sentence:
        return False
    word = tokens[j].text
    if word not in _ATTACHING and word not in _SINCE and word != "of":
        return False
    head = tokens[j - 1]
    if head.sentence != tok.sentence:
        return False
    if head.stem == tok.stem or not _attaches(head, word):
        return False  # "loss of consciousness": one name, denied whole
    if read.trigger is None:
        # a question the next turn denies ("... with your pregnancy? - Nope"): all its words
        return doc.sentences[tok.sentence].text.rstrip().endswith("?")
    # a trigger after the word is an answer's (or a "... were negative"): the head is as denied
    return read.trigger > tok.start or read.trigger <= head.start


def _skip_determiners(tokens: list[Token], j: int, sentence: int) -> int:
    """The index of the first token at or before ``j`` in ``sentence`` that is no determiner
    ("your", "the"), or of one in another sentence."""
    while j >= 0 and tokens[j].sentence == sentence and tokens[j].text in _ATTACHED_DETERMINERS:
        j -= 1
    return j


def _attaches(head: Token, word: str) -> bool:
    """Whether the preposition ``word`` after ``head`` attaches what follows it to a finding
    the denial is of: a content word not a frame ("blood in the vomit"), anything at all for a
    time ("since your surgery"), or "anything/nothing" for a purpose."""
    if word in _SINCE:
        return True
    if word == "for" and head.text in _FOR_WHAT:
        return True
    if word == "of" and head.stem.startswith(FINDING_STEMS) and head.text not in _FRAMES:
        return True  # "no blurriness of vision": the blurriness is denied, not the vision
    return word in _ATTACHING and head.content and head.text not in _FRAMES


def read_polarity(doc: AnalyzedText, tok: Token) -> Token | None:
    """The word as its own clause reads it, or None where its polarity is unknown. A negation
    whose trigger lies before a clause break (see ``_CLAUSE_BREAK``) does not reach the word,
    which is then affirmed; one that denies no finding ("I do not believe this is related to
    his discectomy", "try not to take", "not able to") says nothing of it; a negation after the
    word with another subject between ("the tumor and margins were negative") is the other's.
    A wish or an aim ("I wish I had some weight loss", "trying to lose weight") states
    nothing."""
    before = doc.text[max(0, tok.start - 30) : tok.start]
    if _may_not_state(before) and (
        _WISH.search(before) or _PURPOSE.search(before) or _ANOTHER.search(before)
    ):
        return None
    if tok.polarity != NEGATED:
        return tok
    if tok.trigger is None or tok.trigger > tok.start:
        lo, hi = doc.sentences[tok.sentence].span
        if (
            (tok.trigger is None or tok.trigger >= hi)
            and _ASKS_LATER.search(doc.text, tok.end, hi)
            and not _POINTS_BACK.search(doc.text[tok.end : hi])
        ):
            # "there is associated swelling when i touch here does it hurt - no": the answer
            # denies what the question asks after the word, not the word
            return replace(tok, polarity=AFFIRMED, trigger=None)
    if tok.trigger is None:
        return tok
    if _DO_HAVE_ONE.match(doc.text, tok.end, doc.sentences[tok.sentence].span[1]):
        return replace(tok, polarity=AFFIRMED, trigger=None)  # "but I do have one now and then"
    if tok.text in _EXCRETA and _NOT_PASSED.search(doc.text, tok.trigger, tok.start):
        return None  # "has not passed urine since this morning": retention, told otherwise
    if NO_ISSUE.match(doc.text, tok.trigger):
        return None  # "no issues with my pain": the pain is no problem, not absent
    if _BY_DEGREE.match(doc.text, tok.trigger, tok.start):
        return None  # "not much pain now": how much of it there is, not whether it is there
    if tok.trigger > tok.start:
        verb = _SUBJECT_VERB.search(doc.text, tok.end, tok.trigger)
        if verb is not None and _HEAD_NOUN.fullmatch(doc.text, tok.end, verb.start()):
            return tok  # "antibiotic drops are not needed": the word names the subject's kind
        if (
            verb is not None
            and doc.text[tok.end : verb.start()].strip()
            and not (
                # "isotretinoin and tetracyclines are not options": every item of the list
                _LISTED.fullmatch(doc.text, tok.end, verb.start())
                and _EVERY_ITEM.match(doc.text, verb.end())
            )
        ):
            return replace(tok, polarity=AFFIRMED, trigger=None)
        return tok
    if "," in doc.text[tok.trigger : tok.start] and _OWN_VERB.match(doc.text, tok.end):
        return replace(tok, polarity=AFFIRMED, trigger=None)  # "no tobacco, skin is moist"
    between = _ASIDE.sub(" ", doc.text[tok.trigger : tok.start])  # "denies, however, any"
    between = _PARENTHESIS.sub(" ", between)  # "no orthopnoea (one pillow) or PND"
    # the trigger's own verb is no break ("it does n't show any acute fracture")
    denial = _DENIES.match(doc.text, tok.trigger)
    after_trigger = denial.end() - tok.trigger if denial is not None else 1
    if _CLAUSE_BREAK.search(between, max(1, min(after_trigger, len(between)))) is not None:
        return replace(tok, polarity=AFFIRMED, trigger=None)
    if len(doc.text[tok.trigger : tok.start].split()) > 2 and denial is None:
        aux = _AUXILIARY.match(doc.text, tok.trigger)
        denial = _DENIES.match(doc.text, aux.end()) if aux is not None else None
        if denial is None or len(doc.text[denial.end() : tok.start].split()) > 2:
            # "not" right before the word ("is not tender") denies it; "have not had any
            # chest pain" does too, but "has not had any improvement with diet, so I
            # recommend a cholecystectomy" does not reach the operation
            return None
    return tok


# triggers that deny a finding ("no", "denies", "without", "never", "n't have") - not "not
# related to", "not able to", "do n't get up at night anymore with"
_DENIES = re.compile(
    r"deni|deny|no\b|none|nor\b|neither|without|negative|free\s+of|absen|rul(?:e|ing)\s+out|"
    r"never|non-?|nothing|(?:(?:have|has|had|do|does|did)(?=n't))?(?:not|n't)\s+"
    r"(?:have|has|had|got|experienc\w*|report\w*|"
    r"complain\w*|feel\w*|felt|show\w*|reveal\w*|see|seen|notic\w*|note|noted|appreciat\w*|hear\w*|"
    r"pass\w*|need|needed|"  # "i haven't needed the oxycodone since friday": not taken
    r"any|a|an)\b|(?:not|n't)\s+(?:currently\s+)?(?!going\b)\w+ing\b|"  # "not using"
    # "it does n't look like there is any fracture": the finding is what the look denies
    r"(?:not|n't)\s+(?:look|seem|appear)\s+(?:like|that|as\s+if|to\s+be)\s+(?:there\s+"
    r"(?:is|are|was|were|has\s+been|'s)\s+)?",
    re.IGNORECASE,
)
# a denial taken back in the same sentence for the thing itself, by a pronoun ("I don't smoke
# cigarettes but I do have one on a rare occasion"): it is there, if rarely (session 17)
_DO_HAVE_ONE = re.compile(
    r"[^.;?!]*?\bbut\s+(?:i|he|she|we|they)\s+(?:do|does|did|will)\s+(?:\w+ly\s+)?"
    r"(?:have|take|get|use|smoke|drink|feel)\s+(?:one|some|it|them|a\s+few|a\s+little)\b",
    re.IGNORECASE,
)
# what a patient passes: not passing it is a finding of its own (retention, obstruction)
_EXCRETA = frozenset({"urine", "stool", "stools", "gas", "flatus", "wind", "water"})
_NOT_PASSED = re.compile(r"(?:not|n't)\s+(?:been\s+)?pass\w*\s+(?:any\s+)?$", re.I)
# the auxiliary a denial may open with ("i have not had any chest pain")
_AUXILIARY = re.compile(
    r"(?:have|has|had|do|does|did|can|could)\s+(?=not\b|n't\b)|"
    r"(?:have|has|had|do|does|did|ca|can|could)(?=n't\b)|can(?=not\b)",  # "I can't see a"
    re.IGNORECASE,
)
# a list item that is the subject of its own verb ("no tobacco , skin is moist")
_OWN_VERB = re.compile(
    r"\s+(?:is|are|was|were|appears?|looks?)\b"
    # "no tenderness, or masses were felt": the list's verb of finding, not a clause's own
    r"(?!\s+(?:felt|seen|noted|found|palpated|palpable|appreciated|identified|detected|heard|"
    r"elicited|present|visuali[sz]ed)\b)",
    re.IGNORECASE,
)
_ASKS_LATER = re.compile(
    r"\b(?:does|do|did|is|are|can|could|have|has)\s+(?:it|you|that|this)\b", re.IGNORECASE
)
# a question that asks of what came before it ("lung infections or pneumonia, do you have any
# history of that - no")
_POINTS_BACK = re.compile(r"\b(?:of|with|about)\s+(?:that|those|these|them|it)\W*$", re.I)
_ASIDE = re.compile(r",\s*(?:however|though|also|then|again)\s*,", re.IGNORECASE)
NO_ISSUE = re.compile(
    r"no\s+(?:\w+\s+)?(?:issues?|problems?|trouble|concerns?)\s+(?:with|about)\b|"
    r"not\s+(?:a|an)\s+(?:\w+\s+)?(?:issue|problem|concern)\b",  # "not a problem after the injury"
    re.IGNORECASE,
)
# modifiers (stems) that tell a record's status, not a kind ("retained allergies", "known
# allergies", "documented allergy"): compared as the bare word
_STATUS_MODIFIERS = frozenset(
    {"retain", "confirm", "known", "document", "list", "record", "remain", "report", "exist"}
)
# a phrase after a word that says which kind of it ("bleeding between periods", "pain on
# walking", "swelling after exercise")
_PLACED_AFTER = re.compile(
    r"[ \t]+(?:between|after|during|before|with|on|when|while)\b", re.IGNORECASE
)
# a denial of an amount only ("not much pain", "not a lot of swelling", "not too bad a cough")
_BY_DEGREE = re.compile(
    r"(?:not|n't)\s+(?:(?:that|too|so|very)\s+)?(?:much|many|a\s+lot|a\s+great\s+deal)\b",
    re.IGNORECASE,
)
# a purpose ("a device to prevent pregnancy") or another episode ("denies similar discomfort
# in the past"): the word's presence now is not stated
_PURPOSE = re.compile(
    r"\b(?:prevent|prevents|preventing|avoid|avoids|avoiding|protect\w*\s+against|"
    r"reduce\s+the\s+risk\s+of)\b(?:\s+\w+){0,2}\s*$",
    re.IGNORECASE,
)
_ANOTHER = re.compile(r"\b(?:similar|such)\b(?:\s+\w+)?\s*$", re.IGNORECASE)
# Activities a plan allows or forbids (driving, lifting, swimming, flying, ...), by their stem.
_ACTIVITIES = (
    r"(?P<act>driv\w*|drive|lift\w*|swim\w*|fly\w*|bath\w*|exercis\w*|work\w*|"
    r"operat\w*|run\w*|cycl\w*|shower\w*|breastfeed\w*)"
)
_ALLOWS = fast_compile(
    r"\b(?:may|can|could|ok(?:ay)?\s+to|fine\s+to|safe\s+to|allowed\s+to|able\s+to)\s+"
    r"(?:continue\s+(?:to\s+)?|resume\s+|keep\s+)?" + _ACTIVITIES + r"\b",
    re.IGNORECASE,
)
_FORBIDS = re.compile(
    r"\b(?:can't|cannot|can\s+not|must\s+not|mustn't|shouldn't|should\s+not|don't|do\s+not|"
    r"not\s+to|no|avoid|stop)\s+(?:\w+\s+)?" + _ACTIVITIES + r"\b",
    re.IGNORECASE,
)


_WHILE_AFTER = re.compile(r"(?:\s+\w+){0,2}\s+(?:during|if|while|unless|when)\b", re.I)
_CONDITIONAL_AFTER = re.compile(
    r"(?:\s+\w+){0,3}\s+(?:after|once|when|until|if|from|in)\b", re.IGNORECASE
)


def _activity(word: str) -> str:
    """An activity's key: "driving", "drive" and "drives" are one."""
    word = word.lower()
    return "driv" if word.startswith(("driv", "drive")) else word[:4]


_EXAM_PULSES = frozenset({"pulses", "femorals"})  # felt on examination, unlike "pulse 88"
_PRESSURE_MEASURES = frozenset(
    {"blood", "bp", "pulse", "intraocular", "venous", "arterial", "open", "airway", "partial"}
    | {"pulmonari", "systol", "diastol", "high", "low", "elev", "htn", "hypotens"}
)
_PARENTHESIS = re.compile(r"\([^()]*\)")
_STOPPED = re.compile(
    r"\b(?:stopped|discontinued|ceased|held|withdrawn|taken off|came off|switched|completed|"
    r"finished|discontinuation|cessation|stopping|"
    # a supply lost or used up ("they have misplaced the diltiazem"): not taken now (session 17)
    r"misplaced|lost|ran\s+out\s+of|run\s+out\s+of|running\s+out\s+of)\b",
    # "completed the prednisone taper", "better since discontinuation of sertraline"
    re.I,
)
# an order to stop the drug that follows ("stop oral ibuprofen", "discontinue the metformin"),
# not a warning against stopping ("do not stop the apixaban")
_STOP_ORDER = re.compile(
    r"(?<!not\s)(?<!n't\s)(?<!never\s)\b(?:stop|discontinue|cease)\s+(?:the\s+|your\s+|oral\s+)*$",
    re.I,
)
# a drug not taken for a while ("No warfarin tonight or tomorrow"): held, still the patient's
_FOR_A_WHILE = re.compile(
    r"[^.;?!\n]{0,30}?\b(?:tonight|tomorrow|today|this\s+(?:evening|morning)|for\s+(?:the\s+"
    r"next\s+)?\w+\s+(?:days?|doses?|nights?)|over\s+the\s+weekend)\b",
    re.IGNORECASE,
)


def _held_for(doc: AnalyzedText, mention: Token) -> bool:
    """Whether a negated drug mention is a hold for a while rather than a denial."""
    return _FOR_A_WHILE.match(doc.text, mention.end) is not None


_HEAD_NOUN = re.compile(r"[ \t]+[A-Za-z]+[ \t]+")  # one word between: the subject's head noun
_SUBJECT_VERB = re.compile(r"\b(?:was|were|is|are)\b", re.IGNORECASE)
_LISTED = re.compile(r"(?:\s*(?:,|,?\s*and|,?\s*or)\s+[\w-]+)+\s*", re.IGNORECASE)
# post-negations that deny each item of a list before them, unlike a result ("the tumor and
# margins were negative" reports the margins)
_EVERY_ITEM = re.compile(
    r"\s*(?:both\s+|all\s+)?(?:not\s+(?:an\s+)?options?|contraindicated|not\s+palpable|absent)\b",
    re.IGNORECASE,
)
_WISH = re.compile(
    r"\b(?:wish|trying to|try to|want(?:s|ed)? to|hoping to|hope to|would like to)\b[^.?!;]*$",
    re.IGNORECASE,
)
# a word each of _WISH, _PURPOSE and _ANOTHER needs: without one, none of them matches
_NOT_STATING_WORDS = (
    *("wish", "try", "trying", "want", "hop", "like", "prevent", "avoid", "protect", "reduce"),
    *("similar", "such"),
)
_NOT_STATING = re.compile("|".join(map(re.escape, _NOT_STATING_WORDS)))  # one of them, anywhere


def _may_not_state(before: str) -> bool:
    """Whether ``before`` may hold a wish, a purpose or another episode: False only when it is
    plain ASCII without any of their words (other text goes to the patterns, whose ignored
    case also folds a few non-ASCII letters)."""
    if not before.isascii():
        return True
    return _NOT_STATING.search(before.lower()) is not None


# a transcript's question without its "?" ("any problems sleeping", "have you had like any
# body aches or chills or anything like that") and an answer turn that starts by denying
_ASKS = fast_compile(
    r"\b(?:any|anything|have\s+you|do\s+you|did\s+you|are\s+you|how\s+about|what\s+about|"
    r"ever)\b",
    re.IGNORECASE,
)
_ANSWER_OPENING = r"^\W*(?:\[?[a-z_]+\]?\s*:?\s*)?(?:(?:well|uh|um|oh|so)\W+)*"
_DENYING_ANSWER = re.compile(
    _ANSWER_OPENING + r"(?:no|nope|nah|not\s+really|never|none)\b", re.IGNORECASE
)
_AFFIRMING_ANSWER = re.compile(
    _ANSWER_OPENING + r"(?:yes|yeah|yep|yup|mm-hmm|uh-huh|sometimes|a\s+little)\b",
    re.IGNORECASE,
)
_QUESTION_WORDS = 20  # at most this many words after the question word


def _turn_tag(text: str, end: int) -> str | None:
    """The speaker tag ("[doctor]", "Patient:") of the line holding offset ``end - 1``."""
    return speaker_tag(text, text.rfind("\n", 0, max(0, end - 1)) + 1)


def _line_tag(text: str, end: int, tags: dict[int, str | None]) -> str | None:
    """``_turn_tag``, kept in ``tags`` by the line's start."""
    line = text.rfind("\n", 0, max(0, end - 1)) + 1
    if line not in tags:
        tags[line] = speaker_tag(text, line)
    return tags[line]


def _answered(ctx: AnalyzedText, only: set[int] | None = None) -> dict[int, tuple[str, int | None]]:
    """Asked words of a transcript's questions without "?" ("any problems sleeping", "have
    you had like any body aches or chills or anything like that"), by token index, with what
    the next turn makes of them: denied ("[patient] no i sleep like a rock"), affirmed ("yes"),
    or else asked (a question states nothing). Only content words after the last question
    word of the asking turn's last sentence, and at most a few of them. With ``only``, the
    words of those sentences only (each sentence's are read from it and the next alone)."""
    if not ctx.is_dialogue or not ctx.tokens:
        return {}
    tags: dict[int, str | None] = {}  # speaker tags by line start: a turn's sentences share one
    out: dict[int, tuple[str, int | None]] = {}
    for k, sentence in enumerate(ctx.sentences[:-1]):
        if only is not None and sentence.index not in only:
            continue
        nxt = ctx.sentences[k + 1]
        if sentence.text.rstrip().endswith("?") or _ASKS.search(sentence.text) is None:
            continue  # a question read by its "?", or no question word
        idx = ctx.sentence_range(sentence.index)
        nxt_idx = ctx.sentence_range(nxt.index)
        if not idx or not nxt_idx:
            continue
        speaker = _line_tag(ctx.text, sentence.span[1], tags)
        answerer = _line_tag(ctx.text, nxt.span[1], tags)
        if speaker is None or answerer is None or speaker == answerer:
            continue  # the next sentence is no other speaker's turn
        asked: list[int] = []
        for cue in _ASKS.finditer(sentence.text):  # the question is the turn's last words
            after = sentence.span[0] + cue.end()
            asked = [i for i in idx if ctx.tokens[i].start >= after]
            if len(asked) <= _QUESTION_WORDS:
                break
        if not asked or len(asked) > _QUESTION_WORDS:
            continue  # no question word, or a long run-on after it: more than a question
        denial = _DENYING_ANSWER.match(nxt.text)
        named = _named_denials(ctx, nxt_idx, idx) if denial is not None else None
        if denial is not None:
            reading: tuple[str, int | None] = (NEGATED, nxt.span[0] + denial.start())
        elif _AFFIRMING_ANSWER.match(nxt.text):
            continue
        else:
            reading = (ASKED, None)
        for i in asked:
            tok = ctx.tokens[i]
            # a word the analyser already reads as asked is denied by the answer too ("have you
            # had any chest pain or shortness of breath - no i think ... i was doing fine")
            asked_before = tok.polarity == ASKED and reading[0] == NEGATED
            if given_circumstance(ctx.tokens, i):
                continue  # "any numbness with the headaches - no": the headaches are given
            if (tok.polarity == AFFIRMED or asked_before) and tok.content:
                out[i] = reading if named is None or tok.stem in named else (ASKED, None)
    return out


def _named_denials(
    ctx: AnalyzedText, answer: Sequence[int], question: Sequence[int]
) -> frozenset[str] | None:
    """The stems an answer denies by name when it goes on to tell of something present ("any
    rash any vomiting - no rash she vomited once", "any fever back pain blood in the urine - no
    fever no back pain a little blood yesterday"): its "no" is of what it names, not of all
    that was asked; None for an answer that denies as a whole ("no nothing like that", "no i
    sleep like a rock"). What it tells of is a clinical word or a word of the question."""
    toks = [ctx.tokens[i] for i in answer]
    first = next((k for k, t in enumerate(toks) if t.text in _DENIALS), None)
    if first is None or first + 1 >= len(toks) or toks[first + 1].polarity != NEGATED:
        return None  # a bare no, or one run on into a clause of its own
    asked = {ctx.tokens[i].text for i in question if ctx.tokens[i].content}
    told = toks[first + 1 :]
    if not any(t.polarity == AFFIRMED and (is_clinical(t) or t.text in asked) for t in told):
        return None
    return frozenset(t.stem for t in toks if t.polarity == NEGATED)


_DENIALS = frozenset({"no", "nope", "nah", "never", "none"})


def _narrowed(ctx: AnalyzedText, mention: Token) -> bool:
    """Whether the next turn answers the mention's sentence by naming another of its words and
    not the mention's ("are you coughing up anything any fevers - no no fever but i bring up
    some yuck"): its denial may be that word's alone."""
    k = mention.sentence
    if not ctx.is_dialogue or k + 1 >= len(ctx.sentences):
        return False
    asking, answer = ctx.sentences[k], ctx.sentences[k + 1]
    if mention.trigger is not None and asking.span[0] <= mention.trigger < asking.span[1]:
        return False  # denied in its own words ("there are no carotid bruits"), not an answer
    speaker, answerer = _turn_tag(ctx.text, asking.span[1]), _turn_tag(ctx.text, answer.span[1])
    if speaker is None or answerer is None or speaker == answerer:
        return False  # the next sentence is no other speaker's turn

    def words(span: tuple[int, int]) -> set[str]:
        # "fevers" and "fever": the stems may be normalised apart, the words are not
        return {t.text.lower().rstrip("s") for t in ctx.tokens_in(*span) if t.content}

    named = words(answer.span)
    return mention.text.lower().rstrip("s") not in named and bool(named & words(asking.span))


def _both_ways(tokens: list[Token]) -> set[tuple[int, str]]:
    """(sentence, stem) of words that one output sentence both affirms and denies: it tells a
    change ("Endorsed tingling until Sunday, denies tingling today")."""
    seen: dict[tuple[int, str], set[str]] = {}
    for tok in tokens:
        if tok.content:
            seen.setdefault((tok.sentence, tok.stem), set()).add(tok.polarity)
    return {key for key, pols in seen.items() if {AFFIRMED, NEGATED} <= pols}


_QUALIFYING = frozenset({"with", "to", "on", "over", "at", "during", "upon", "in", "of"})


def _qualifier(tokens: list[Token], i: int) -> frozenset[str] | None:
    """What qualifies a denied finding ("No pain with supination", "no tenderness over the AC
    joint", "no pain to palpation of the lateral aspect"): the content words, sides aside,
    of the few words after a preposition right after it."""
    k = i + 1  # past a coordinated finding: "no pain or tenderness with flexion"
    while k < min(len(tokens), i + 4) and tokens[k].text in ("or", "and") and k + 1 < len(tokens):
        k += 2
    if k >= len(tokens) or tokens[k].text not in _QUALIFYING:
        return None
    if tokens[k].sentence != tokens[i].sentence:
        return None
    words = frozenset(
        t.stem
        for t in tokens[k + 1 : k + 1 + _QUALIFIER_WORDS]
        if t.sentence == tokens[i].sentence and t.content and t.text not in _SIDES
    )
    return words or None


def _where_denied(tokens: list[Token], i: int) -> frozenset[str]:
    """The part ("ankle" of "no ankle edema") and the side ("left" of "denies left sided
    facial pain") written in the three words before a denied finding."""
    words = [
        t
        for t in tokens[max(0, i - 3) : i]
        if t.sentence == tokens[i].sentence and t.start >= (tokens[i].trigger or 0)
    ]
    part = words[-1].stem if words and words[-1].text in ANATOMY else None
    side = next((t.stem for t in words if t.text in ("left", "right")), None)
    return frozenset(w for w in (part, side) if w)


_QUALIFIER_WORDS = 6
_SIDES = frozenset({"left", "right", "bilateral", "bilaterally"})


# what narrows a denied finding to a time or a place right after it ("pain at night", "pain
# at rest", "swelling in the ankles"); a clause ("falls when you get up at night? - no") is
# read as before, its no denying them all (tests/test_l14_polarity.py)
_NARROWED_AFTER = re.compile(
    r"[ \t]+(?:at(?![ \t]+(?:\d|all\b))|in[ \t]+the)\b", re.IGNORECASE
)  # "no pain at all" denies it all
# a part named after a finding with a possessive ("pain in your jaw? - no"); session 17
_IN_OWN_PART = re.compile(r"[ \t]+in[ \t]+(?:your|his|her|my|their)[ \t]+(\w+)", re.I)


def _denied_narrowly(view: CaseDoc, tok: Token, mention: Token) -> bool:
    """Whether the input denies the output's bare, affirmed word only at a site it names
    before it ("no tongue swelling" against "swelling of the left hand") or only at a time or
    place it names after it ("any pain at night? - no" against "rates his pain 6/10"), where
    the output names neither: the input leaves the finding open elsewhere. An output that
    names the same site, or narrows the word itself, is compared as before. (A part's own pain
    denied, "my arm does not hurt", is :func:`_hurts_elsewhere`, checked beside this.)"""
    ctx = view.context
    assert ctx is not None
    k = bisect.bisect_left(ctx.tokens, mention.start, key=lambda t: t.start)
    before = ctx.tokens[k - 1] if k > 0 else None
    if (
        before is not None
        and before.sentence == mention.sentence
        and before.end >= mention.start - 1
        and before.text.rstrip("s") in ANATOMY
    ):
        return not _near(view.output, tok, frozenset({before.stem}))
    part = _IN_OWN_PART.match(ctx.text, mention.end)
    if (
        part is not None
        and part.group(1).lower().rstrip("s") in ANATOMY
        # "ankle ... with swelling" against "swelling in your legs? - no": the output's
        # sentence names a part of its own, which may lie within the one denied
        and not any(
            t.text.rstrip("s") in ANATOMY for t in view.output.sentence_tokens(tok.sentence)
        )
    ):
        named = ctx.tokens_in(part.start(1), part.end(1))
        return bool(named) and not _near(view.output, tok, frozenset({named[0].stem}))
    return (
        _NARROWED_AFTER.match(ctx.text, mention.end) is not None
        and _NARROWED_AFTER.match(view.output.text, tok.end) is None
    )


# verbs of a part's pain, whose subject is the part ("my arm does not hurt")
_HURTS = frozenset({"hurt", "hurts", "hurting", "ache", "aches", "aching", "sore"})


def _hurts_elsewhere(view: CaseDoc, tok: Token, mention: Token) -> bool:
    """Whether the input's denial ``mention`` is of pain in a part its subject names ("my arm
    does not hurt") that the output does not name near its own affirmed word ("her back pain
    is improving")."""
    ctx = view.context
    assert ctx is not None
    k = bisect.bisect_left(ctx.tokens, mention.start, key=lambda t: t.start)
    part = _part_that_hurts(ctx, k)
    return part is not None and not _near(view.output, tok, frozenset({part.stem}))


def _part_that_hurts(ctx: AnalyzedText, k: int) -> Token | None:
    """The body part a verb of pain at ``ctx.tokens[k]`` is said of, as its subject in the few
    words before it ("my arm does not hurt", "his knee isn't sore"): a denial of that part's
    pain, not of pain elsewhere (session 17)."""
    mention = ctx.tokens[k]
    if mention.text not in _HURTS:
        return None
    for j in range(k - 1, max(-1, k - 5), -1):
        tok = ctx.tokens[j]
        if tok.sentence != mention.sentence:
            return None
        if tok.text.rstrip("s") in ANATOMY:
            return tok
    return None


def _near(doc: AnalyzedText, mention: Token, stems: frozenset[str], reach: int = 8) -> bool:
    """Whether all ``stems`` are among the ``reach`` words on either side of ``mention`` in its
    sentence: the input speaks of the finding where the output denies it."""
    toks = doc.tokens
    i = bisect.bisect_left(toks, mention.start, key=lambda t: t.start)
    lo, hi = max(0, i - reach), min(len(toks), i + reach + 1)
    return stems <= {t.stem for t in toks[lo:hi] if t.sentence == mention.sentence}


_RESOLUTION = re.compile(
    r"resolv|went\s+away|go(?:ne|es)\s+away|stopped|subsided|cleared|no\s+longer|recur|"
    r"(?:ha(?:s|ve)\s+)?settled",
    re.IGNORECASE,
)


def _resolution_told(doc: AnalyzedText, tok: Token) -> bool:
    """Whether the sentence of a mention tells the finding's resolution after it ("pain after
    the last dose, now resolved"), beyond the reach of a negation after the word."""
    end = doc.sentences[tok.sentence].span[1]
    return _RESOLUTION.search(doc.text, tok.end, end) is not None


def _resolved(doc: AnalyzedText, tok: Token) -> bool:
    """A finding "denied" by its resolution ("her chest pain resolved", "no longer gets up at
    night"): it was present, which the input saying it was present does not contradict."""
    if tok.trigger is None:
        return False
    return _RESOLUTION.match(doc.text, tok.trigger) is not None


def names_finding(tok: Token) -> bool:
    """Whether a word names a finding whose presence or absence can be compared: a clinical
    word, not a body part or organ alone, a unit, a relative or a word that names no particular
    finding ("symptoms", "medications")."""
    word = tok.text.rstrip("s")
    if word in _UNSPECIFIC or tok.text in _PLACES or word in _PLACES or tok.text in UNITS:
        return False
    if is_relative(tok.text) or _PERSON.search(tok.text) or tok.text in _TESTS:
        return False  # a test's presence is the plan's business ("MRI not yet done")
    return tok.stem.startswith(FINDING_STEMS) or is_clinical(tok)


# clinicians: people, not findings ("never seen a dermatologist")
# people who are no one's condition ("a baby of 7 lb", "her sister had a clot after the baby");
# their polarity is still read ("thoughts of harming the baby" against a denial)
_PEOPLE = frozenset(
    {"baby", "babies", "infant", "infants", "newborn", "newborns", "neonate", "toddler"}
    | {"child", "children", "kid", "kids", "twins", "person", "people", "adult", "adults"}
)
_PERSON = re.compile(r"(?:ologist|ician|iatrist|surgeon|specialist|doctor|nurse|pcp)s?$")
# head words that make a measurement or a test of a finding word ("blood pressure", "blood sugar")
_MEASURES = (
    ("pressur", "sugar", "work", "test", "count", "glucos", "draw", "level", "type")
    + ("satur", "sat")  # "oxygen saturation" is measured, "needed oxygen" is given
)
_FINDINGS_OR_MEASURES = FINDING_STEMS + _MEASURES  # one tuple for str.startswith
# faculties a note tells by degree, and the words that tell it
_DEGREE_NOUNS = frozenset({"appetite", "energy", "libido", "concentration", "stamina", "sleep"})
_DEGREE_WORDS = frozenset(
    {"poor", "decreased", "reduced", "low", "little", "much", "good", "great", "increased"}
    | {"diminished", "less", "more", "loss", "lack", "lost", "normal", "fair", "better", "worse"}
)

# heads that make a compound finding of the word before them: "weight gain" is compared only
# with "weight gain", not with "how has your weight been"
_COMPOUND = ("gain",)

_HEADER_CHARS = 60  # a header line is at most this long on either side of its word
_CLINICIANS = frozenset({"doctor", "dr", "physician", "provider", "clinician", "nurse", "np", "pa"})


def _judgement(view: CaseDoc, spans: list[tuple[int, int]], tok: Token) -> bool:
    """Whether ``tok`` lies under an Assessment/Impression/Plan header, or heads an item of an
    output that is a numbered problem list ("1. Infection. 2. Pelvic pain."): a clinical
    judgement."""
    return any(start <= tok.start < end for start, end in spans) or problem_list_item(
        view.output.text, tok.start
    )


# an output that is a numbered list from its first word ("1.  Infection. 2.  Pelvic pain."), as
# an Assessment section written without its header is
_NUMBERED_LIST = re.compile(r"\s*1[.)]\s+\S[^\n]*?\s2[.)]\s+\S", re.DOTALL)
_ITEM_MARK = re.compile(r"(?:^|\s)\d{1,2}[.)]\s+")
_ITEM_HEAD_CHARS = 60  # the item's head: what it names, not the story told after it


def problem_list_item(text: str, offset: int) -> bool:
    """Whether ``offset`` lies in the head of an item of a numbered problem list: the output
    opens "1. ..." and goes on to "2. ...", and the word is within the item's first words,
    before any sentence of its own ("1. Pneumonia. He has had recurrent episodes ...")."""
    if _NUMBERED_LIST.match(text) is None:
        return False
    marks = [m.end() for m in _ITEM_MARK.finditer(text, 0, offset + 1) if m.end() <= offset]
    if not marks:
        return False
    head = text[marks[-1] : offset]
    return len(head) <= _ITEM_HEAD_CHARS and ". " not in head


# words that give a current condition as the patient's standing history ("established RA")
_KNOWN_BEFORE = re.compile(
    r"\b(?:known|established|diagnosed|long-?standing|chronic|pmh|h/o|hx|history\s+of)\b"
    r"(?:\s+[\w-]+){0,2}\s*$",
    re.IGNORECASE,
)


def _names_relative(doc: AnalyzedText, sentence: int) -> bool:
    """Whether a sentence names a relative or is read as a family history."""
    return any(t.scope == FAMILY or is_relative(t.text) for t in doc.sentence_tokens(sentence))


# a person left unnamed ("I know someone had heart disease, and another person had heart
# failure"): in an input that tells of the family, one of the family, not the patient
_SOMEONE = frozenset({"someone", "somebody", "anyone", "anybody"})


_SPEAKER_SELF = frozenset({"i", "me", "my", "myself", "i've", "i'm"})


def _said_of_someone(doc: AnalyzedText, tok: Token) -> bool:
    """Whether the person nearest before ``tok`` in its sentence is one left unnamed
    ("someone had angina", "another person had a stroke"), not the speaker ("I had angina")."""
    before = [t for t in doc.sentence_tokens(tok.sentence) if t.start < tok.start]
    for k in range(len(before) - 1, -1, -1):
        word = before[k].text
        if word in _SPEAKER_SELF:
            return False
        if word in _SOMEONE or (
            word == "person" and k > 0 and before[k - 1].text in ("another", "other")
        ):
            return True
    return False


# words of a plan or proposal: what a sentence names after them is proposed, not had
_PLAN_WORDS = fast_compile(
    r"\b(?:recommend\w*|plan\w*|schedul\w*|consider\w*|propos\w*|offer\w*|will|should"
    r"|candidate|booked|listed)\b",
    re.IGNORECASE,
)


def _in_plan(doc: AnalyzedText, tok: Token) -> bool:
    """Whether a word follows a plan's word in its sentence ("surgery is recommended for a
    calcaneal osteotomy"): a proposal, which states no finding."""
    tokens = doc.sentence_tokens(tok.sentence)
    if not tokens:
        return False
    return _PLAN_WORDS.search(doc.text, tokens[0].start, tok.start) is not None


# words that state a finding as the patient's: a verb of having or finding, a present's word
_HAVING = frozenset(
    {"had", "has", "have", "having", "with", "reports", "reported", "reporting", "presents"}
    | {"presented", "presenting", "complains", "complained", "complaining", "developed"}
    | {"develops", "suffered", "suffers", "sustained", "diagnosed", "experienced", "experiences"}
    | {"experiencing", "noted", "found", "shows", "showed", "revealed", "confirmed", "new"}
    | {"ongoing", "current", "currently", "acute", "known", "of", "is", "was", "now", "still"}
)
# words of an instruction or of what a patient is told: what follows is to act on, not had
_INSTRUCTING = frozenset(
    {"advised", "told", "instructed", "return", "call", "seek", "contact", "re-present"}
    | {"represent", "report", "watch", "monitor", "educated", "counselled", "counseled", "warned"}
)
_HAVING_REACH = 4  # "has had a small stroke", "presented with acute left-sided weakness"
_SHORT_STATEMENT = 3  # "Stroke.", "1. Acute stroke", "Dx: fall"


def _stated_as_had(doc: AnalyzedText, tok: Token) -> bool:
    """Whether the output states a finding as the patient's in so many words: a verb of having
    or finding, or a present's word, just before it in its sentence ("she had a fall", "presents
    with bleeding", "history of stroke"), or a statement of a few words that is the finding
    ("Stroke.", "1. Acute stroke"). An instruction, a counselling note or a list of advice that
    names it ("Report sore throat, mouth ulcers", "bleeding advice given") states nothing."""
    tokens = doc.sentence_tokens(tok.sentence)
    if not tokens:
        return False
    words = [t for t in tokens if not t.text[0].isdigit()]
    if len(words) <= _SHORT_STATEMENT:
        # not inside a parenthesis: "Consented (bleeding ~1:500)" gives the consent's risk
        return "(" not in doc.text[tokens[0].start : tok.start]
    at = next((k for k, t in enumerate(tokens) if t.start == tok.start), 0)
    if any(t.text in _INSTRUCTING for t in tokens[:at]):
        return False  # "advised to return with any fever": what to come back with
    return any(t.text in _HAVING for t in tokens[max(0, at - _HAVING_REACH) : at])


def _concepts_at(doc: AnalyzedText, tok: Token, kinds: tuple[str, ...]) -> set[tuple[str, str]]:
    """(kind, concept) of each concept mention of a text (entities.v1's table) that holds
    ``tok``."""
    return {
        (m.kind, m.concept)
        for m in concept_mentions(doc.text, kinds)
        if m.start <= tok.start < m.end
    }


@once_per_text
def _stated_concepts(doc: AnalyzedText) -> frozenset[str]:
    """The conditions a text names outside a possibility ("small cell lung cancer", not "to
    check for metastasis"): named as had, denied or asked; each a concept of entities.v1's
    table."""
    found: set[str] = set()
    for m in concept_mentions(doc.text, ("condition",)):
        toks = doc.tokens_in(m.start, m.end)
        if toks and toks[0].scope != HYPOTHETICAL:
            found.add(m.concept)
    return frozenset(found)


@once_per_text
def _procedure_starts(doc: AnalyzedText) -> frozenset[int]:
    """The start offsets of the words of the procedures a text names ("surgery", "MRI")."""
    return frozenset(
        t.start
        for m in concept_mentions(doc.text, ("procedure",))
        for t in doc.tokens_in(m.start, m.end)
    )


# the words by which a note names the patient or speaks as someone
_PERSON_WORDS = frozenset(
    {"patient", "pt", "he", "she", "his", "her", "him", "i", "my", "me", "mr", "mrs", "ms"}
    | {"male", "female", "man", "woman", "boy", "girl", "he's", "she's", "himself", "herself"}
)


def family_section(view: CaseDoc) -> bool:
    """Whether the output is a family history written without its header ("Positive for
    cancer and heart disease."): the input asks or tells of the family; the output names no
    patient, no relative ("Per wife: ...") and no history of the patient's own ("PMH",
    "known", "52F"); it shares a condition with the input; and the input tells every condition
    it affirms of a relative, none of the patient's own. "Any heart problems? - My dad had a
    heart attack" asks of the patient: its "Heart attack at 50." is not read so."""
    out, ctx = view.output, view.context
    if (
        ctx is None
        or not any(t.text in ("family", "families") for t in ctx.tokens)
        or any(
            t.text in _PERSON_WORDS or t.text in _OWN_HISTORY or is_relative(t.text)
            for t in out.tokens
        )
        or _AGE_SEX.search(out.text)
    ):
        return False
    own: dict[str, bool] = {}
    for m in concept_mentions(ctx.text, ("condition",)):
        toks = ctx.tokens_in(m.start, m.end)
        if not toks or toks[0].polarity != AFFIRMED:
            continue
        mine = (
            # "Do you know what type of skin cancer she had?": a question states none
            not ctx.sentences[toks[0].sentence].text.rstrip().endswith("?")
            and toks[0].scope in (CURRENT, HISTORY)
            and not _names_relative(ctx, toks[0].sentence)
            and not _said_of_someone(ctx, toks[0])
            and not _answers_of_family(ctx, toks[0].sentence)
        )
        own[m.concept] = own.get(m.concept, False) or mine
    shared = {m.concept for m in concept_mentions(out.text, ("condition",)) if m.concept in own}
    return bool(shared) and not any(own.values())


# a question whether the patient knows or remembers which, what or when: its "no" says the
# patient does not know, not that the thing is absent (session 17)
_ASKS_IF_KNOWN = re.compile(
    r"\b(?:do|did)\s+(?:you|they|he|she)\s+(?:know|remember|recall)\s+"
    r"(?:what|which|when|where|how|who|the\s+(?:type|kind|name))\b",
    re.IGNORECASE,
)


def _unknown_answer(ctx: AnalyzedText, read: Token) -> bool:
    """Whether ``read`` is denied only by an answer to a question whether the patient knows
    which or what it was ("Do you know what type of skin cancer she had? - No idea")."""
    sentence = ctx.sentences[read.sentence]
    if read.trigger is not None and read.trigger < sentence.span[1]:
        return False  # denied in the question's own words
    return _ASKS_IF_KNOWN.search(sentence.text) is not None


def _answers_of_family(ctx: AnalyzedText, sentence: int) -> bool:
    """Whether ``sentence`` opens another speaker's answer to a question about the family
    ("Anything else that runs in your family? - Sadly, yes. Stroke and dementia."): what it
    names is the family's (session 17)."""
    if sentence == 0 or not ctx.is_dialogue:
        return False
    for k in (sentence - 1, sentence - 2):
        if k < 0:
            return False
        asked = ctx.sentences[k]
        if asked.text.rstrip().endswith("?"):
            speaker = _turn_tag(ctx.text, asked.span[1])
            answerer = _turn_tag(ctx.text, ctx.sentences[sentence].span[1])
            return (
                speaker is not None
                and answerer is not None
                and speaker != answerer
                and _FAMILY_ASKED.search(asked.text) is not None
            )
    return False


_FAMILY_ASKED = re.compile(r"\b(?:in|run|runs|running)\s+(?:in\s+)?(?:your|the)\s+family\b", re.I)


# the words of a history of the patient's own: "PMH: ...", "Known HCM", "personal h/o CRC"
_OWN_HISTORY = frozenset(
    {"pmh", "pmhx", "known", "h/o", "h", "hx", "diagnosed", "dx", "yo", "personal", "own"}
)
_AGE_SEX = re.compile(r"\b\d{1,3}\s?(?:[MF]|yo|y/o|-year-old|year-old|years? old)\b")


def _agrees_throughout(tok: Token, mentions: list[tuple[Token, int | None]]) -> bool:
    """Whether no reading of ``NegationRule.check`` can find a difference between the output's
    word (its polarity as read) and the input's ``mentions`` of it, so that they need not be
    read: every mention has the word's polarity (no flip, no hedge), and, for a word affirmed,
    none is a relative's, nor is the word (``_whose``), and one is neither asked nor a
    possibility (``_only_possible``)."""
    polarity = tok.polarity
    if any(m.polarity != polarity for m, _ in mentions):
        return False
    if polarity != AFFIRMED:
        return True
    return (
        tok.scope != FAMILY
        and all(m.scope != FAMILY for m, _ in mentions)
        and any(m.scope != HYPOTHETICAL for m, _ in mentions)
    )


def _new_only(found: list[Finding], before: list[Finding]) -> list[Finding]:
    """The findings of ``found`` on words no finding of ``before`` lies on."""
    return [
        f
        for f in found
        if not any(
            b.span is not None
            and f.span is not None
            and b.span[0] < f.span[1]
            and f.span[0] < b.span[1]
            for b in before
        )
    ]


def _source(tokens: list[Token], k: int) -> bool:
    """Whether the relative ``tokens[k]`` is named as who told it, not whom it is about
    ("Per son: previously on warfarin", "according to his wife")."""
    before = [t.text for t in tokens[max(0, k - 3) : k]]
    if before and before[-1] in ("his", "her", "the", "their"):
        before = before[:-1]
    return bool(before) and (before[-1] == "per" or before[-2:] == ["according", "to"])


def _conversational(ctx: AnalyzedText, mention: Token) -> bool:
    """A mention hedged only by ordinary talk of someone other than the clinician ("i think",
    "probably"): in a dialogue, that is no clinical uncertainty."""
    if mention.trigger is None or not ctx.is_dialogue or mention.speaker in _CLINICIANS:
        return False
    said = ctx.text[mention.trigger : mention.trigger + 32].lower()  # "not completely sure"
    return any(
        said.startswith(h) and not said[len(h) : len(h) + 1].isalpha()
        for h in CONVERSATIONAL_HEDGES
    )


_FAMILY_DENIAL = re.compile(
    r"\b(?:no|denies|negative)\s+(?:known\s+|significant\s+)?family\s+history\b", re.IGNORECASE
)


def _denies_family(ctx: AnalyzedText) -> bool:
    """Whether the input denies a family history ("There is no family history of it.")."""
    return _FAMILY_DENIAL.search(ctx.text) is not None


def _speaks_of_family(ctx: AnalyzedText) -> bool:
    """Whether the input names a relative or a family history anywhere."""
    return any(t.scope == FAMILY or is_relative(t.text) for t in ctx.tokens)


def _is_header(doc: AnalyzedText, i: int) -> bool:
    """A section name ("CARDIAC:", "Review of systems:") among the first words of a line, or a
    line that is a header by itself ("ALLERGIES", upper case)."""
    tok = doc.tokens[i]
    text = doc.text
    if text[tok.start : tok.end].isupper() and _upper_line(text, tok.start, tok.end):
        return True
    line_start = text.rfind("\n", max(0, tok.start - 40), tok.start) + 1
    line_end = text.find("\n", tok.end, tok.end + 40)
    if (line_start > 0 or tok.start < 40) and _SLASH_HEADER.fullmatch(
        text, line_start, len(text) if line_end < 0 else line_end
    ):
        return True
    label = _LABEL.match(text, tok.end)
    if label is None:
        return False
    line_start = text.rfind("\n", 0, tok.start) + 1
    return len(doc.text[line_start : tok.start].split()) <= 3 or doc.text[
        max(0, tok.start - 2) : tok.start
    ].strip() in (".", "")


# the rest of a field label after its word: ":" or up to two words then ":" ("Tobacco Use:")
_LABEL = re.compile(r"(?:[ \t]+[A-Za-z/]+){0,2}[ \t]*:")


# a denial of another episode than the one the input tells ("no further episodes of ...")
_ANOTHER_EPISODE = re.compile(  # or a particular one ("denies any specific injury")
    r"\b(?:additional|further|new|recurrent|repeat|subsequent|other|more|specific|particular)\b",
    re.IGNORECASE,
)
# a drug named as the circumstance of what is denied ("upset stomach with the use of
# ibuprofen"), or as what failed ("denies ibuprofen or ice provide relief")
_DRUG_CIRCUMSTANCE = re.compile(
    r"\b(?:with|from|after)\s+(?:(?:the|any|his|her)\s+)?(?:use\s+of\s+|taking\s+)?$",
    re.IGNORECASE,
)
_DRUG_EFFECT = re.compile(
    r"(?:\s+(?:or|and)\s+\w+)?\s+(?:provides?|provided|helps?|helped|relieves?|relieved|"
    r"works?|worked|improves?|improved)\b",
    re.IGNORECASE,
)


def _drug_circumstance(text: str, tok: Token) -> bool:
    """Whether a denied drug is the circumstance or the subject of what is denied, not the
    denied thing itself ("Denies taking ibuprofen" still denies the drug)."""
    return bool(
        _DRUG_CIRCUMSTANCE.search(text, max(0, tok.start - 30), tok.start)
        or _DRUG_EFFECT.match(text, tok.end)
    )


# "warmth of the skin", "redness on the skin", "tenderness over the knee": where a finding is
_SITE_BEFORE = re.compile(
    r"\b(?:of|on|over|to|in|at|around|across)\s+(?:the|your|his|her|their|my|both)\s+$",
    re.IGNORECASE,
)
_SITES = ANATOMY | {"skin"}
# a line naming a section by parts joined with "/" ("Pulmonary/Chest", "Ears/Nose/Throat")
_SLASH_HEADER = re.compile(r"[ \t]*[A-Z][A-Za-z]+(?:[ \t]*/[ \t]*[A-Z][A-Za-z]+)+[ \t]*$")


def _site_of_finding(doc: AnalyzedText, tok: Token) -> bool:
    """Whether ``tok`` names where a finding is, after a preposition ("warmth of the skin"):
    its polarity is the finding's, which is compared where the finding is named."""
    if tok.text not in _SITES:
        return False
    return _SITE_BEFORE.search(doc.text, max(0, tok.start - 14), tok.start) is not None


def _upper_line(text: str, start: int, end: int) -> bool:
    """Whether [start, end) lies on a short upper-case line of its own ("ALLERGIES"). The
    look-ups are bounded: a header line is short, and a text may be one long line."""
    lo, hi = max(0, start - _HEADER_CHARS), min(len(text), end + _HEADER_CHARS)
    before = text.rfind("\n", lo, start)
    after = text.find("\n", end, hi)
    if (before < 0 and lo > 0) or (after < 0 and hi < len(text)):
        return False  # the line runs past the bound: no header
    line = text[before + 1 : hi if after < 0 else after].strip()
    return line.isupper() and len(line.split()) <= 4


def _never_against_past(tok: Token, text: str, mention: Token, ctx_text: str) -> bool:
    """Whether one of two mentions, one of the patient's past and one of now, is denied with
    "never", which denies the past too ("never intensive care" against "prior PICU
    admission"; "never had a seizure" against "seizures as a child")."""
    if {tok.scope, mention.scope} != {CURRENT, HISTORY}:
        return False
    return any(
        t.polarity == NEGATED
        and t.trigger is not None
        and where[t.trigger : t.trigger + 5].lower() == "never"
        for t, where in ((tok, text), (mention, ctx_text))
    )


def _comparable(tok: Token, mention: Token) -> bool:
    """Whether two mentions speak of the same time and person: the same scope, or the patient's
    now against a denied past ("no history of DVT" contradicts "DVT")."""
    if HYPOTHETICAL in (tok.scope, mention.scope):
        return False  # "only if pain is not controlled by X": conditions are not claims
    if tok.scope == mention.scope:
        return True
    if {tok.scope, mention.scope} == {CURRENT, HISTORY}:
        past = tok if tok.scope == HISTORY else mention
        return past.polarity == NEGATED
    return False


def _modifier(tokens: list[Token], i: int) -> str | None:
    """The content word right before ``tokens[i]`` in its sentence ("chest" of "chest pain")."""
    if i == 0:
        return None
    prev = tokens[i - 1]
    if (
        prev.stem == tokens[i].stem
        and prev.sentence == tokens[i].sentence
        and concept_key(prev.text) != prev.stem
    ):
        # "knock himself out", "loss of consciousness": a phrase keyed as one word has the
        # modifier of its first word, not its own words ("drinks alcohol" is two words)
        return _modifier(tokens, i - 1)
    # "wheezes, rales": a list, not a modifier; "chest pain" / "chest-pain": a modifier
    if (
        prev.sentence != tokens[i].sentence
        or not (prev.content or prev.text == "back")  # "back pain" is no "chest pain"
        or prev.end < tokens[i].start - 1
        or prev.text in _NOT_MODIFIERS  # "he didn't knock himself out"
    ):
        return _of_complement(tokens, i)
    return prev.stem


# negated auxiliaries: they deny what follows, they do not say which kind it is
_NOT_MODIFIERS = frozenset(
    [
        "didn't",
        "don't",
        "doesn't",
        "wasn't",
        "weren't",
        "isn't",
        "aren't",
        "hasn't",
        "haven't",
        "hadn't",
        "won't",
        "can't",
        "couldn't",
        "wouldn't",
        "shouldn't",
        "never",
        "not",
    ]
)


def _of_complement(tokens: list[Token], i: int) -> str | None:
    """The content word after "of" ("appetite" of "loss of appetite"): a modifier put after
    its word, so "loss of appetite" is no "weight loss" and "loss of weight" is."""
    if i + 2 >= len(tokens) or tokens[i + 1].text != "of":
        return None
    nxt = tokens[i + 2]
    return nxt.stem if nxt.sentence == tokens[i].sentence and nxt.content else None


def _degree_told(tokens: list[Token], i: int) -> bool:
    """Whether the word is a faculty told by its degree ("poor appetite", "have n't had much of
    an appetite", "low energy"): how much of it there is, not whether it is there."""
    if tokens[i].text not in _DEGREE_NOUNS:
        return False
    return any(
        t.text in _DEGREE_WORDS and t.sentence == tokens[i].sentence
        for t in tokens[max(0, i - 3) : i]
    )


def _head(tokens: list[Token], i: int) -> str | None:
    """The content word right after ``tokens[i]`` in its sentence ("loss" of "weight loss")."""
    if i + 1 >= len(tokens):
        return None
    nxt = tokens[i + 1]
    if nxt.sentence != tokens[i].sentence or not nxt.content or nxt.start > tokens[i].end + 1:
        return None
    return nxt.stem


def _phrase_span(tokens: list[Token], tok: Token) -> tuple[int, int]:
    """The flipped word with what flips it: from its trigger (or up to 3 words before, within
    the sentence) to the end of its run of content words."""
    i = bisect.bisect_left(tokens, tok.start, key=lambda t: t.start)  # tokens are in text order
    if i >= len(tokens) or tokens[i].start != tok.start:
        i = next(k for k, t in enumerate(tokens) if t.start == tok.start)
    lo = i
    while lo > 0 and i - lo < 3 and tokens[lo - 1].sentence == tok.sentence:
        lo -= 1
    hi = i
    while (
        hi + 1 < len(tokens) and tokens[hi + 1].sentence == tok.sentence and tokens[hi + 1].content
    ):
        hi += 1
    start = tokens[lo].start if tok.trigger is None else min(tok.trigger, tokens[lo].start)
    return start, tokens[hi].end
