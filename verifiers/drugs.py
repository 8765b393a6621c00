"""drugs.v1: drug names of the output that are absent from, or changed against, the input.

A fabricated drug of an ISMP high-alert class (anticoagulant, insulin, opioid, antineoplastic,
sedative, ...) is graded ``high_alert_risk``; its message names the class.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from rapidfuzz import fuzz, process

from medfact.analysis import AFFIRMED, NEGATED, AnalyzedText, concept_key
from medfact.document import CaseDoc
from medfact.lexicon.drugs import DrugMention, class_mentions, class_of_drug
from medfact.lexicon.lay import lay_class, lay_class_of, lay_named
from medfact.registry import verifiers
from medfact.short_forms import named_by_short_form
from medfact.taxonomy import ErrorCategory
from medfact.types import Finding
from medfact.verifiers.base import CONTRADICTED, Rule
from medfact.verifiers.entities import (
    avoided_drugs,
    high_alert_class,
    polarity_at,
    reacted_drugs,
)

_CLASS_WORD = re.compile(
    r"^anti[a-z-]*(?:ic|ant|ine|al|ive)s?$|^(?:statin|steroid|diuretic|laxative|sedative|"
    r"analgesic|opioid|nsaid|ssri|ppi|beta.?blocker|ace inhibitor|dapt|pde-?5 inhibitor|"
    r"bisphosphonate|benzodiazepine|triptan|corticosteroid|doac|arb|sglt-?2 inhibitor|"
    r"bronchodilator|biologic)s?$",
    re.IGNORECASE,
)


# what joins the drugs of a combination product's canonical name ("budesonide/formoterol",
# "fluticasone and salmeterol")
_COMBINED = re.compile(r"\s*/\s*|\s+and\s+|\s*,\s*")


def is_drug_class(canonical: str, surface: str) -> bool:
    """Drug classes ("antibiotics", "pain medicine", "an antiemetic") are generalisations, not
    named drugs."""
    low = surface.lower()
    return (
        "agents" in canonical
        or "," in canonical
        or low.endswith("s")
        # "narcotic", "nasal spray" (a group's singular; a vaccine is named, "COVID-19 vaccine")
        or (canonical == low + "s" and _VACCINE.search(low) is None)
        or _CLASS_WORD.match(low) is not None
    )


# Salt, ester and release forms written after a drug's name ("testosterone cypionate",
# "metoprolol succinate ER"): the same drug as the name alone.
_SALT_FORMS = frozenset(
    [
        "cypionate",
        "enanthate",
        "undecanoate",
        "sodium",
        "potassium",
        "hydrochloride",
        "hcl",
        "sulfate",
        "sulphate",
        "succinate",
        "tartrate",
        "besylate",
        "maleate",
        "citrate",
        "acetate",
        "phosphate",
        "mesylate",
        "fumarate",
        "er",
        "xr",
        "sr",
        "cr",
        "xl",
        "la",
        "dr",
        "ir",
        "odt",
    ]
)
_VACCINE = re.compile(r"\bvaccin|\bimmuni[sz]ation", re.IGNORECASE)


# drugs a clinic names by what they are ("a cortisone shot" is a steroid injection)
_LAY_NAMES = {
    "cortisone": re.compile(r"\b(?:cortico)?steroid\b"),
    "cocaine": re.compile(r"\b(?:coke|crack)\b"),
    "levothyroxine": re.compile(
        r"\bthyroid\s+(?:tablets?|pills?|meds?|medicines?|medications?|replacement)\b"
    ),
    "radioiodine": re.compile(r"\bradio-?active\s+iodine\b|\bi-?131\b"),
    # a vitamin K antagonist is the only drug dosed to a target INR by an anticoagulation
    # service: "your target is two to three", "INR 1.6 (target 2-3)"
    "warfarin": re.compile(
        r"\banticoagulation\s+(?:nurse|clinic|service|team)\b"
        r"|\binr\b(?:[^.\n]|\.(?=\d)){0,80}?\btarget\b"
        r"|\btarget\s+inr\b"
    ),
}
_SHOT = r"\s+(?:shot|jab|booster|vaccine|vaccination|immuni[sz]ation)"


def named_otherwise(surface: str, ctx_lower: str) -> bool:
    """Whether the input names the drug ``surface`` (lower case) another way: a vaccine by its
    disease and "shot" ("tetanus shot" for "tetanus vaccine"), a lay name by what it is."""
    lay = _LAY_NAMES.get(surface)
    if lay is not None and lay.search(ctx_lower):
        return True
    if lay_named(surface, ctx_lower) is not None:
        return True  # "marijuana" for "weed", "epinephrine" for "Epi 1 mg" (lay_terms.toml)
    disease = _VACCINE.split(surface)[0].strip()
    return (
        disease != surface
        and bool(disease)
        and re.search(rf"\b{re.escape(disease)}{_SHOT}\b", ctx_lower) is not None
    )


# a product's form after its drug's name ("buprenorphine patch", "diclofenac gel")
_FORMS = frozenset(
    {"patch", "patches", "cream", "gel", "ointment", "tablet", "tablets", "injection", "inhaler"}
    | {"spray", "drops", "solution", "suspension", "er", "xr", "sr", "xl", "cr", "la", "oral"}
    | {"supplement", "supplements"}
)


def _base_name(canonical: str) -> str:
    """A drug's name without its form ("buprenorphine patch" -> "buprenorphine")."""
    words = canonical.split()
    while len(words) > 1 and words[-1] in _FORMS:
        words.pop()
    return " ".join(words)


def _form_of_named(canonical: str, ctx_lower: str) -> bool:
    """Whether the input names the drug of a product given with its form ("calcium supplement"
    where the input says "the calcium tablets")."""
    base = _base_name(canonical)
    return base != canonical and re.search(rf"\b{re.escape(base)}\b", ctx_lower) is not None


# how a speaker names a product by one of its ingredients ("the brown iodine one", "an iodine
# wash", "the chlorhexidine stuff")
_AS_PRODUCT = (
    r"\s+(?:ones?|wash|scrub|solution|paint|stuff|cream|ointment|spray|drops|tablets?|pills?|"
    r"dressings?)\b"
)


def _part_as_product(surface: str, ctx_lower: str) -> bool:
    """Whether the input names a compound product ("povidone-iodine") by a part of its name as
    a product ("the brown iodine one")."""
    parts = [w for w in surface.lower().split("-") if len(w) >= 5 and w.isalpha()]
    return len(parts) > 1 and any(
        re.search(rf"\b{re.escape(w)}{_AS_PRODUCT}", ctx_lower) for w in parts
    )


def _salt_of_named(surface: str, ctx_lower: str) -> bool:
    """Whether ``surface`` is a drug name the input names followed by salt or release words."""
    words = re.findall(r"[a-z0-9]+", surface.lower())
    if len(words) < 2 or not all(w in _SALT_FORMS for w in words[1:]):
        return False
    return re.search(rf"\b{re.escape(words[0])}\b", ctx_lower) is not None


def same_but_salt(a: str, b: str) -> bool:
    """Whether two canonical names are one drug, one of them with salt words after the other's
    name ("potassium" of a brand, K-Dur, and the input's "potassium chloride")."""
    short, long_ = sorted((a.split(), b.split()), key=len)
    return (
        len(short) < len(long_)
        and long_[: len(short)] == short
        and all(w in _SALT_FORMS or w == "chloride" for w in long_[len(short) :])
    )


def _salt_given(canonical: str, ctx_lower: str) -> bool:
    """Whether the input gives, by its base alone, a drug the output names as a salt ("MgSO4"
    where the input says "let's start magnesium")."""
    words = canonical.split()
    if len(words) != 2 or words[1] not in _SALT_FORMS:
        return False
    return re.search(_GIVEN_BASE + rf"{re.escape(words[0])}\b", ctx_lower) is not None


# the base of a salt named as a drug given, not as a blood level ("magnesium 0.6"): after a
# verb of giving or receiving ("let's start magnesium", "needed magnesium") or a route ("IV
# magnesium", "oral potassium")
_GIVEN_BASE = (
    r"(?:\b(?:start|started|give|giving|given|load|loading|infuse|on|received?|receiving|"
    r"requir(?:ed|ing)|need(?:ed|ing)|had)\s+(?:iv\s+|oral\s+|im\s+)?"
    r"|\b(?:iv|intravenous|oral|im|intramuscular)\s+)"
)


# drugs whose names also name a laboratory level ("folate", "B12", "lithium"): read as a test
# where the output lists them among tests
_ANALYTE_DRUGS = frozenset(
    {"folate", "folic acid", "vitamin b12", "cyanocobalamin", "b12", "iron", "ferritin"}
    | {"vitamin d", "magnesium", "potassium", "calcium", "phosphate", "sodium", "lithium"}
    | {"digoxin", "vancomycin", "phenytoin", "valproate", "tacrolimus", "theophylline"}
    | {"gentamicin", "carbamazepine"}
)
# another item of the list that is a test: a panel, a level, a scan
_TEST_ITEM = re.compile(
    r"\b(?:CBC|FBC|TFTs?|TSH|LFTs?|U&Es?|BMP|CMP|ESR|CRP|VDRL|RPR|MRI|CT|CXR|ECG|EKG|EEG|"
    r"x-?rays?|panels?|levels?|labs?|serum|blood\s+(?:tests?|work)|B12|HbA1c|A1c)\b",
    re.IGNORECASE,
)
_DOSE_NEAR = re.compile(r"\s*\d|\s+(?:supplements?|tablets?|daily|po|iv|started|given)\b", re.I)


def _listed_as_test(text: str, d: DrugMention) -> bool:
    """Whether a drug that also names a level ("Folate", "B12", "lithium") is an item of a
    comma list of tests in its sentence ("Serum B12, folate, TFTs and MRI were normal"), with
    no dose or form after it ("folate 5 mg", "folate supplements" stay drugs)."""
    if not {d.canonical.lower(), d.surface.lower()} & _ANALYTE_DRUGS:
        return False
    if _DOSE_NEAR.match(text, d.end):
        return False
    lo = max(text.rfind(c, 0, d.start) for c in ".;:\n") + 1
    ends = [i for i in (text.find(c, d.end) for c in ".;\n") if i >= 0]
    hi = min(ends, default=len(text))
    if "," not in text[lo:hi]:
        return False
    return _TEST_ITEM.search(text[lo : d.start] + " " + text[d.end : hi]) is not None


def _sound(word: str) -> str:
    """A spelling key: lower case, letters and digits only, "ph" read as "f" (ifosphomide)."""
    return re.sub(r"[^a-z0-9]", "", word.lower()).replace("ph", "f")


def ctx_text(doc: AnalyzedText) -> str:
    return doc.text.lower()


def sound_alike_words(doc: AnalyzedText) -> list[str]:
    """Spelling keys of the words of a text and of adjacent pairs ("VP 16" -> "vp16")."""
    toks = doc.tokens
    keys = {_sound(t.text) for t in toks}
    keys |= {_sound(a.text + b.text) for a, b in pairwise(toks) if b.start - a.end <= 1}
    keys |= {_sound(m.group()) for m in _SPELLED_RUN.finditer(doc.text)}  # "G C S F"
    return [k for k in keys if len(k) >= 4]


# letters spelled out one by one, as a transcript writes an abbreviation ("G C S F", "T P A")
_SPELLED_RUN = re.compile(r"\b[A-Z](?: [A-Z]\b){2,}")


_SOFT_C = re.compile(r"c(?=[eiy])")
_VOWELS = re.compile(r"[aeiouy]+")
_DOUBLED = re.compile(r"(.)\1+")
_HEARD_CUTOFF = 90.0


def _phonetic(word: str) -> str:
    """A key of how a word sounds: soft "c" as "s", "k" as "c", "z" as "s", "ph" as "f", each run
    of vowels as one "a", doubled letters once ("sysplatin" and "cisplatin" are one key)."""
    key = _SOFT_C.sub("s", _sound(word)).replace("k", "c").replace("z", "s")
    return _DOUBLED.sub(r"\1", _VOWELS.sub("a", key))


def heard_words(doc: AnalyzedText) -> list[str]:
    """Sound keys of the words (and adjacent pairs: "a topicide") of a text that are no drug the
    lexicon knows: what a transcript may have heard a drug's name as. A word that is another
    drug is no such spelling (a look-alike, sound-alike drug is a different drug)."""
    toks = [t for t in doc.tokens if not any(d.start <= t.start < d.end for d in doc.drugs)]
    keys = {_phonetic(t.text) for t in toks if len(t.text) >= 5}
    keys |= {
        _phonetic(a.text + b.text)
        for a, b in pairwise(toks)
        if b.start - a.end <= 1 and len(a.text + b.text) >= 6
    }
    return [k for k in keys if len(k) >= 5]


def _class_said(canonical: str, ctx: AnalyzedText, ctx_low: str) -> str | None:
    """The input's name of the class of ``canonical``, in lay words ("water pill" for
    furosemide) or by the class table ("anti-inflammatories" for ibuprofen), where the input
    names no member of that class (one it names would make this one another drug) and denies
    the class nowhere ("chose not to take a blood thinner" supports none of them)."""
    lay = lay_class(canonical, ctx_low)
    if lay:
        said = _unrivalled(ctx, lay[0][0], [(w, a, b) for _, w, a, b in lay], lay_class_of)
        if said is not None:
            return said
    drug_class = class_of_drug(canonical)
    if drug_class is None:
        return None
    return _unrivalled(ctx, drug_class, class_mentions(drug_class, ctx_low), class_of_drug)


def _unrivalled(
    ctx: AnalyzedText,
    drug_class: str,
    said: list[tuple[str, int, int]],
    class_of: Callable[[str], str | None],
) -> str | None:
    """The first of the input's words ``said`` for ``drug_class`` that it affirms, where none is
    denied and the input names no member of the class (``class_of``: a drug's class)."""
    if not said or any(class_of(c) == drug_class for c in ctx.drug_names):
        return None
    polarities = [polarity_at(ctx, start, end) for _, start, end in said]
    if NEGATED in polarities or AFFIRMED not in polarities:
        return None  # denied somewhere, or only asked about or supposed ("if it's managed")
    if any(_class_not_taken(ctx, start, end) for _, start, end in said):
        return None  # "told to avoid anti-inflammatories", "stopped the statin"
    return said[polarities.index(AFFIRMED)][0]


# words before a class that say it is not taken now: "told to avoid", "stopped the", "allergic to"
_NOT_TAKEN_BEFORE = re.compile(
    r"\b(?:avoid\w*|stop\w*|discontinu\w*|no\s+longer|used\s+to|quit|came\s+off|allergic|"
    r"allergy|intoleran\w*|react\w*)\b[^.;?!\n]{0,30}$",
    re.IGNORECASE,
)


def _class_not_taken(ctx: AnalyzedText, start: int, end: int) -> bool:
    """Whether the input's class name at [start, end) is said to be avoided, stopped or reacted
    to: by words before it in its sentence, or as a drug the input avoids or gives a reaction to
    ("NSAID allergy", "anti-inflammatories bring me out in hives")."""
    if _NOT_TAKEN_BEFORE.search(ctx.text, max(0, start - 60), start):
        return True
    off = avoided_drugs(ctx).keys() | reacted_drugs(ctx).keys()
    return any(d.canonical in off for d in ctx.drugs if start <= d.start < end)


# a name in brackets right after a drug and its strength: "clobetasone butyrate 0.05% (Eumovate)",
# "isotretinoin (Roaccutane)"; a capitalised word of four letters or more
_GLOSS = re.compile(r"(?:[^()\n.;]|(?<=\d)\.(?=\d)){0,30}?\(\s*([A-Z][A-Za-z-]{3,})\s*[®™]?\s*\)")


def _glossed_by_input_name(text: str, d: DrugMention, ctx_low: str) -> str | None:
    """The name the output gives in brackets right after drug ``d`` ("clobetasone (Eumovate)")
    where the input names the product by that name alone: the output glosses the input's brand
    with its generic, so the drug is the input's, named otherwise. None where there is none."""
    m = _GLOSS.match(text, d.end)
    if m is None:
        return None
    name = m.group(1).lower()
    return m.group(1) if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", ctx_low) else None


# words before a drug in the output's sentence that keep it out: "please avoid anti-inflammatory
# painkillers such as ibuprofen", "allergic to NSAIDs, e.g. naproxen"
_KEPT_OUT_BEFORE = re.compile(
    r"\b(?:avoid\w*|stop\w*|discontinu\w*|no\s+longer|not\s+to\s+take|don'?t\s+take|"
    r"do\s+not\s+take|allergic|allergy|intoleran\w*)\b[^.;?!\n]{0,60}$",
    re.IGNORECASE,
)


def _kept_out_with_its_class(
    d: DrugMention, out: AnalyzedText, ctx: AnalyzedText, ctx_low: str
) -> bool:
    """Whether the output keeps ``d`` out (avoided, stopped, an allergy) where the input keeps
    out the drug's whole class ("Please avoid NSAIDs" - "avoid anti-inflammatory painkillers
    such as ibuprofen"): a member named as an example of what the input excludes, no drug the
    input lacks."""
    drug_class = class_of_drug(d.canonical)
    if drug_class is None:
        return False
    said = class_mentions(drug_class, ctx_low)
    if not any(_class_not_taken(ctx, start, end) for _, start, end in said):
        return False
    lo = max(out.text.rfind(mark, 0, d.start) for mark in ".;?!\n") + 1
    return _KEPT_OUT_BEFORE.search(out.text, lo, d.start) is not None


@verifiers.register("drugs.v1")
class DrugsRule(Rule):
    name = "drugs.v1"

    def __init__(
        self,
        changed_risk: int = 4,
        unsupported_risk: int = 3,
        recommendation_risk: int = 4,
        fuzzy_threshold: float = 85.0,
        high_alert_risk: int = 4,
    ) -> None:
        self.high_alert_risk = high_alert_risk
        self.changed_risk = changed_risk
        self.unsupported_risk = unsupported_risk
        self.recommendation_risk = recommendation_risk
        self.fuzzy_threshold = fuzzy_threshold

    def check(self, view: CaseDoc) -> list[Finding]:
        out, ctx = view.output, view.context
        assert ctx is not None
        if not out.drugs:
            return []
        ctx_words: list[str] | None = None
        heard: list[str] | None = None
        ctx_low = ctx_text(ctx)  # read once: the checks below each look in it
        findings = []
        parts = {part for c in ctx.drug_names for part in _COMBINED.split(c) if part}
        for d in out.drugs:
            if d.canonical in ctx.drug_names or is_drug_class(d.canonical, d.surface):
                continue
            if d.canonical in parts:
                continue  # "formoterol" where the input names Symbicort (budesonide/formoterol)
            if _base_name(d.canonical) in {_base_name(c) for c in ctx.drug_names}:
                continue  # "buprenorphine" where the input names BuTrans (buprenorphine patch)
            if any(same_but_salt(d.canonical, c) for c in ctx.drug_names):
                continue  # K-Dur (potassium) where the input names potassium chloride
            if out.text[d.end : d.end + 1] == "/":
                continue  # a fragment of shorthand ("heme c/s"), not a drug name
            if _listed_as_test(out.text, d):
                continue  # "B12, Folate, CBC and MRI were unremarkable": a level, no drug
            if named_by_short_form(out.text, d.start, d.end, ctx.text):
                continue  # "Chloroquine (CQ)" where the input says "CQ/SP"
            names = [w for w in re.findall(r"[a-z]{5,}", d.surface.lower()) if w != "with"]
            if len(names) > 1 and all(w in ctx_low or concept_key(w) in ctx.stems for w in names):
                continue  # "lisinopril and hydrochlorothiazide": each named in the input
            # "testosterone cypionate" where the input names testosterone, "MgSO4" where it
            # starts magnesium
            if _salt_of_named(d.surface, ctx_low) or _salt_given(d.canonical, ctx_low):
                continue
            # "calcium supplement" for "the calcium tablets", "povidone-iodine" for "the brown
            # iodine one"
            if _form_of_named(d.canonical, ctx_low) or _part_as_product(d.surface, ctx_low):
                continue
            if re.search(rf"\b{re.escape(d.surface.lower())}\b", ctx_low):
                continue  # "valsartan" of "sacubitril/valsartan" where the input joins it by "-"
            if named_otherwise(d.surface.lower(), ctx_low) or named_otherwise(d.canonical, ctx_low):
                continue  # "tetanus vaccine" for "a tetanus shot", "cortisone" for "steroid"
            if ctx_words is None:
                ctx_words = sound_alike_words(ctx)
            if process.extractOne(
                _sound(d.surface), ctx_words, scorer=fuzz.ratio, score_cutoff=self.fuzzy_threshold
            ):
                continue  # a misspelling or transcription variant of a word in the input
            if heard is None:
                # a threshold of 100 asks for exact spellings: no sound-alike either
                heard = heard_words(ctx) if self.fuzzy_threshold < 100 else []
            if heard and process.extractOne(
                _phonetic(d.surface), heard, scorer=fuzz.ratio, score_cutoff=_HEARD_CUTOFF
            ):
                continue  # "sysplatin and a topicide": a transcript's spelling of what was said
            if (gloss := _glossed_by_input_name(out.text, d, ctx_low)) is not None:
                findings.append(self._glossed(view, d, gloss))
                continue
            if _kept_out_with_its_class(d, out, ctx, ctx_low):
                continue  # "avoid painkillers such as ibuprofen" where the input avoids NSAIDs
            if (said := _class_said(d.canonical, ctx, ctx_low)) is not None:
                findings.append(self._class_only(view, d, said))
                continue
            claim = view.claim_at(d.start, d.end)
            sentence = out.sentences[
                next((s.index for s in out.sentences if s.span[0] <= d.start < s.span[1]), 0)
            ]
            rivals = [
                c
                for c in ctx.drugs
                if not is_drug_class(c.canonical, c.surface) and c.canonical not in out.drug_names
            ]
            if rivals:
                chunks = view.context_evidence(d.start, d.end)
                near = [
                    c
                    for c in rivals
                    if any(e.span and e.span[0] <= c.start < e.span[1] for e in chunks)
                ]
                rival = (near or rivals)[0]
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.DETAIL_MISIDENTIFICATION,
                        self.changed_risk,
                        (d.start, d.end),
                        f"drug '{d.surface}' is not in the input, which names '{rival.surface}'",
                        relation=CONTRADICTED,
                        context_span=(rival.start, rival.end),
                        suggestion=rival.surface,
                        confidence=0.7 if near else 0.55,
                    )
                )
            else:
                advice = (
                    claim is not None
                    and claim.kind == "recommendation"
                    or any(
                        w in sentence.text.lower()
                        for w in ("start", "prescrib", "recommend", "give", "initiat", "begin")
                    )
                )
                alert = high_alert_class(d.surface) or high_alert_class(d.canonical)
                risk = self.recommendation_risk if advice else self.unsupported_risk
                confidence = 0.75
                if not alert and _VACCINE.search(d.surface) and _VACCINE.search(ctx_low):
                    # "her COVID-19 vaccine" where the input says "my vaccine": check this
                    # (below the severity policy's confidence floor)
                    risk, confidence = 2, 0.45
                findings.append(
                    self.finding(
                        view,
                        ErrorCategory.INCORRECT_RECOMMENDATION
                        if advice
                        else ErrorCategory.FABRICATED_CLAIM,
                        max(risk, self.high_alert_risk) if alert else risk,
                        (d.start, d.end),
                        f"drug '{d.surface}' does not appear in the input"
                        + (f" (high-alert medication: {alert})" if alert else ""),
                        confidence=confidence,
                    )
                )
        return findings

    def _glossed(self, view: CaseDoc, d: DrugMention, gloss: str) -> Finding:
        """A drug the output names by its generic and by the input's (brand) name for it:
        check that the generic is that product's (below the severity policy's floor)."""
        return self.finding(
            view,
            ErrorCategory.FABRICATED_CLAIM,
            2,
            (d.start, d.end),
            f"drug '{d.surface}' is named in the input only as '{gloss}', which the output "
            "gives with it: check that they are one product",
            confidence=0.45,
        )

    def _class_only(self, view: CaseDoc, d: DrugMention, said: str) -> Finding:
        """A drug named where the input names only its class in lay words: more specific than
        the input, not made up; check it (below the severity policy's confidence floor)."""
        return self.finding(
            view,
            ErrorCategory.FABRICATED_CLAIM,
            2,
            (d.start, d.end),
            f"drug '{d.surface}' is more specific than the input, which names only its class "
            f"('{said}')",
            confidence=0.45,
        )
