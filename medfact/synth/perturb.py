"""Rule perturbations of a clean output, each with a known error category, risk level and span.

Every perturbation function has the signature ``(context, output, rng, *, task=None)`` and returns
a :class:`Perturbation` or None when it does not apply to the pair. They are registered by kind in
:data:`PERTURBATIONS`. Span conventions (half-open character offsets, never starting or ending with
whitespace):

- replacement: ``output[span]`` is the new text and ``clean[original_span]`` the text it replaced;
- insertion: ``output[span]`` is the inserted sentence or clause; ``original_span`` is the empty
  span at the insertion point of the clean output;
- deletion (omission kinds): ``span`` is None, ``original_span`` is the removed text of the clean
  output (with its separating comma, if any) and ``context_span`` points to the dropped content's
  evidence in the context when it can be found. A letter after the cut may be capitalised.

All word lists and sentences below are medfact's own.
"""

from __future__ import annotations

import difflib
import logging
import random
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from medfact.errors import ConfigError
from medfact.taxonomy import ErrorCategory, RiskLevel
from medfact.textutil import content_stems

log = logging.getLogger(__name__)

Span = tuple[int, int]
Cat = ErrorCategory
Risk = RiskLevel


@dataclass(frozen=True)
class Perturbation:
    """One perturbed output and its label."""

    kind: str
    output: str
    category: ErrorCategory
    risk_level: RiskLevel
    span: Span | None
    original_span: Span
    description: str
    context_span: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "output": self.output,
            "category": self.category.value,
            "group": self.category.group.value,
            "risk_level": int(self.risk_level),
            "span": list(self.span) if self.span else None,
            "original_span": list(self.original_span),
            "context_span": list(self.context_span) if self.context_span else None,
            "description": self.description,
        }


class PerturbFn(Protocol):
    """What every registered perturbation looks like."""

    def __call__(
        self, context: str, output: str, rng: random.Random, *, task: str | None = None
    ) -> Perturbation | None: ...


def _wordlist(text: str) -> list[str]:
    """Whitespace-separated words: keeps the long lexicons below readable."""
    return text.split()


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(_wordlist("dr mr mrs ms st vs etc approx e.g i.e fig jr sr prof dept"))
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?=\s)|\n")
_LIST_MARKER = re.compile(r"^(?:\d{1,2}|[a-z])[.)]?$")


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of ``text``: breaks at line ends and at ``.!?`` before a capital or digit,
    but not after common abbreviations, initials or list markers ("1.")."""
    return list(_split_sentences(text))


@lru_cache(maxsize=256)
def _split_sentences(text: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group() != "\n" and not _is_boundary(text, start, match.start(), match.end()):
            continue
        _add_span(spans, text, start, match.end())
        start = match.end()
    _add_span(spans, text, start, len(text))
    return tuple(spans)


def _is_boundary(text: str, start: int, dot: int, end: int) -> bool:
    before = text[start:dot].strip()
    last = before.split()[-1].lower().strip("(\"'") if before else ""
    if last in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last) or _LIST_MARKER.match(before):
        return False
    following = re.match(r"\s*(\S)", text[end:])
    return not (following and following.group(1).islower())


def _add_span(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


def _is_header(sentence: str) -> bool:
    """A section title such as "CHIEF COMPLAINT" or "Plan:"."""
    if sentence[-1] in ".!?":
        return False
    letters = [c for c in sentence if c.isalpha()]
    return sentence.endswith(":") or (len(letters) > 1 and sentence.isupper())


def _is_list_item(sentence: str) -> bool:
    return bool(re.match(r"(?:\d{1,2}[.)]|[-•*])\s", sentence))


def _match_case(source: str, new: str) -> str:
    """``new`` spelled with the capitalisation pattern of ``source``."""
    if len(source) > 1 and source.isupper() and new.lower() == new:
        return new.upper()
    if source[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


def _capitalize(word: str) -> str:
    return word[:1].upper() + word[1:]


def _sentence_at(text: str, pos: int) -> Span:
    for start, end in split_sentences(text):
        if start <= pos < end:
            return start, end
    return 0, len(text)


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'-]*", text)


@lru_cache(maxsize=4096)
def _term_regex(terms: tuple[str, ...]) -> re.Pattern[str]:
    """Matches any term at a word start (terms are stems: "allerg" matches "allergic"); a term
    ending in "$" must be a whole word, optionally plural ("uti$" does not match "utilize")."""
    escaped = (re.escape(t[:-1]) + r"s?\b" if t.endswith("$") else re.escape(t) for t in terms)
    alternatives = sorted(escaped, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


@lru_cache(maxsize=64)
def _sorted_words(text: str) -> tuple[str, ...]:
    """Lower-cased words of ``text`` and the parts of hyphenated ones, sorted for prefix search."""
    words = set(_TOKEN_RE.findall(text.lower()))
    words |= {part for word in words if "-" in word for part in word.split("-")}
    return tuple(sorted(words))


def _mentions(text: str, keywords: tuple[str, ...]) -> bool:
    """Whether a word of ``text`` starts with one of ``keywords`` (stems such as "allerg")."""
    words = _sorted_words(text)
    for keyword in keywords:
        if not _TOKEN_RE.fullmatch(keyword):
            if _term_regex((keyword,)).search(text):
                return True
            continue
        i = bisect_left(words, keyword)
        if i < len(words) and words[i].startswith(keyword):
            return True
    return False


def _squash(text: str) -> str:
    """Whitespace-insensitive form used to compare texts around an edit."""
    return re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s+", " ", text)).strip()


def _replace(
    kind: str,
    output: str,
    start: int,
    end: int,
    new: str,
    label: tuple[ErrorCategory, RiskLevel],
    description: str,
) -> Perturbation | None:
    """Replace ``output[start:end]`` by ``new``; None when nothing would change."""
    if output[start:end] == new:
        return None
    text = output[:start] + new + output[end:]
    return Perturbation(
        kind=kind,
        output=text,
        category=label[0],
        risk_level=label[1],
        span=(start, start + len(new)),
        original_span=(start, end),
        description=description,
    )


def _insert(
    kind: str,
    output: str,
    at: int,
    new: str,
    sep: str,
    label: tuple[ErrorCategory, RiskLevel],
    description: str,
) -> Perturbation:
    """Insert ``sep + new`` at ``at`` (or ``new + sep`` at the start of the text)."""
    if at == 0:
        text, start = new + sep + output, 0
    else:
        text, start = output[:at] + sep + new + output[at:], at + len(sep)
    return Perturbation(
        kind=kind,
        output=text,
        category=label[0],
        risk_level=label[1],
        span=(start, start + len(new)),
        original_span=(at, at),
        description=description,
    )


_DANGLING = frozenset(
    _wordlist(
        """a an the of to for and or as such like with is are was were be been being that which
        than from by at in on feels feel felt seems seem getting gotten has have had"""
    )
)


def _delete(
    kind: str,
    output: str,
    start: int,
    end: int,
    label: tuple[ErrorCategory, RiskLevel],
    description: str,
    context: str = "",
) -> Perturbation | None:
    """Remove ``output[start:end]``; capitalise the next letter when the cut began a sentence.

    None when the cut would leave a dangling word or a broken sentence.
    """
    before, after = output[:start].rstrip(), output[end:]
    text = output[:start] + after
    stripped = after.lstrip()
    if not before or before[-1] in ".!?:\n":
        if stripped[:1].isalpha():
            offset = start + len(after) - len(stripped)
            text = text[:offset] + stripped[0].upper() + text[offset + 1 :]
    elif (
        stripped[:1] in ("", ".", ",", ";", ":")
        and _words(before)[-1:]
        and (_words(before)[-1].lower() in _DANGLING)
    ):
        return None
    if not _cut_ok(text, start):
        return None
    removed = output[start:end]
    lead = len(removed) - len(removed.lstrip())
    trail = len(removed) - len(removed.rstrip())
    return Perturbation(
        kind=kind,
        output=text,
        category=label[0],
        risk_level=label[1],
        span=None,
        original_span=(start + lead, end - trail),
        description=description,
        context_span=_evidence_span(context, removed) if context else None,
    )


def _cut_ok(text: str, pos: int) -> bool:
    """Around a cut: no stray ", ." or empty brackets, and the sentence keeps a word."""
    if re.search(r",\s*[.;,:]|\(\s*\)", text[max(0, pos - 3) : pos + 3]):
        return False
    if not text.strip() or text.lstrip()[0] in ",.;:":
        return False
    start, end = _sentence_at(text, min(pos, len(text) - 1))
    return len(_words(text[start:end])) >= 1


# Words of note-writing ("denies", "reports", "the patient") that say nothing about the finding.
_REPORTING_STEMS = frozenset(
    _wordlist("deni report patient state note endors complain present mention describ")
)


def _evidence_span(context: str, dropped: str) -> Span | None:
    """The context line or sentence sharing the most content words with ``dropped``."""
    wanted = set(content_stems(dropped)) - _REPORTING_STEMS
    if not wanted:
        return None
    best: tuple[float, int] | None = None
    units = _context_units(context)
    for i, (_, stems) in enumerate(units):
        shared = wanted & stems
        score = len(shared) / len(wanted)
        if len(shared) >= min(2, len(wanted)) and score >= 0.3 and (not best or score > best[0]):
            best = (score, i)
    if best is None:
        return None
    start, end = units[best[1]][0]
    if context[end - 1] == "?" and best[1] + 1 < len(units):  # a question: add its answer
        end = units[best[1] + 1][0][1]
    return start, end


@lru_cache(maxsize=16)
def _context_units(context: str) -> tuple[tuple[Span, frozenset[str]], ...]:
    return tuple(
        ((start, end), frozenset(content_stems(context[start:end])))
        for start, end in split_sentences(context)
    )


# --------------------------------------------------------------------------------------------
# Lexicons (medfact's own short lists)
# --------------------------------------------------------------------------------------------

# Stems match at a word start; "$" marks a whole word (short terms: "uti$" is not "utilize").
_FINDING_TERMS = _wordlist(
    "pain ache$ aching swelling swollen rash fever chills nausea vomit diarrhea constipation "
    "cough headache migraine dizz lightheaded vertigo fatigue tired weakness numb$ numbness "
    "tingling paresthes bleed bruis anemia hypertension diabet asthma copd$ pneumonia infection "
    "sepsis septic fracture sprain laceration wound ulcer lesion mass$ masses nodule tumor "
    "cancer carcinoma lymphoma leukemia melanoma stroke infarct seizure syncope dyspnea wheez "
    "palpitation murmur edema itch$ itching itchy prurit insomnia depress anxiety bipolar "
    "psychos hallucinat confusion dementia arthritis gout$ hernia stenosis deformity bunion "
    "tendin sinusitis otitis otalgia pharyngitis reflux gerd$ hepatitis cirrhosis kidney renal "
    "nephrolith uti$ cystitis obes hyperlipidemia cholesterol thyroid fibrillation tachycardia "
    "bradycardia coronary angina apnea dermatitis eczema psoriasis allerg anaphyla hives "
    "urticaria abuse addict smok tobacco alcohol etoh overdose suicid hypoglycemia jaundice "
    "effusion tear$ rupture dislocat injury burn$ burning trauma concussion contusion abscess "
    "cellulitis impingement radiculopathy sciatica neuropathy spasm stiffness locking "
    "incontinence dysuria hematuria pregnan disease disorder syndrome hypothyroid "
    "hyperthyroid leukocytosis shortness tenderness symptom"
)
_FINDING_RE = _term_regex(tuple(_FINDING_TERMS) + ("heart failure", "short of breath"))

_CONCERN_TERMS = (
    "chest pain",
    "chest tightness",
    "shortness of breath",
    "short of breath",
    "dyspnea",
    "suicid",
    "homicid",
    "bleed",
    "blood in",
    "bloody",
    "blood clot",
    "melena",
    "hematemesis",
    "hematochezia",
    "coffee-ground",
    "syncope",
    "passing out",
    "passed out",
    "loss of consciousness",
    "faint",
    "seizure",
    "fever",
    "weakness",
    "numbness",
    "paralysis",
    "slurred",
    "vision",
    "stroke",
    "allerg",
    "anaphyla",
    "lip swelling",
    "lip or tongue",
    "tongue",
    "throat swelling",
    "airway",
    "wheez",
    "stridor",
    "pregnan",
    "palpitation",
    "mass$",
    "lump",
    "lesion",
    "cancer",
    "tumor",
    "malignan",
    "melanoma",
    "fracture",
    "head injury",
    "hit in the head",
    "confusion",
    "hallucinat",
    "overdose",
    "sepsis",
    "septic",
    "murmur",
    "hypotension",
    "drug allerg",
)
_CONCERN_RE = _term_regex(tuple(_CONCERN_TERMS))

_PROCEDURE_LESION_RE = re.compile(
    r"\b(?:\w+(?:ectomy|otomy|ostomy|plasty|scopy|scopies)|surger(?:y|ies)|surgical|operation|"
    r"procedure|replacement|release|repair|biopsy|excision|resection|amputation|injection|"
    r"incision|stent|catheter|implant|transplant|graft|drain|cast|splint|lithotripsy|"
    r"pacemaker|lesion|mass|tumou?r|nodule|cyst|fracture|wound|laceration|ulcer|cancer|"
    r"carcinoma|melanoma|block)\b",
    re.IGNORECASE,
)

_NEGATION_RE = re.compile(
    r"\b(?:no|not|denies|denied|deny|without|negative|none|never|non|nor|unremarkable|"
    r"noncontributory|non-contributory|absent|free of)\b|n't\b",
    re.IGNORECASE,
)

_ANATOMY = frozenset(
    _wordlist(
        """arm arms leg legs hand hands foot feet knee knees hip hips shoulder shoulders elbow
    elbows
    wrist wrists ankle ankles eye eyes ear ears lung lungs kidney kidneys breast breasts thigh
    thighs toe toes finger fingers thumb thumbs side sided chest flank upper lower ureter ovary
    testicle testis groin calf heel temporal frontal parietal occipital hemisphere ventricle
    ventricular atrium atrial carotid femoral radial forearm buttock jaw cheek face facial rib
    ribs inguinal axilla axillary scapula clavicle mandible maxillary tibia fibula femur humerus
    radius ulna otalgia sinus eyebrow lobe main bundle heart index middle ring little great
    hemiparesis hemiplegia neck back lumbar cervical thoracic tonsil nostril nasal orbit orbital
    lateral medial quadrant extremity extremities limb limbs great-toe kneecap patella iliac
    sacroiliac trapezius deltoid biceps triceps hamstring quadriceps achilles"""
    )
)

_DRUG_CLASSES: dict[str, tuple[str, ...]] = {
    "ace_inhibitor": ("lisinopril|Zestril", "enalapril|Vasotec", "ramipril|Altace", "benazepril"),
    "arb": ("losartan|Cozaar", "valsartan|Diovan", "irbesartan|Avapro", "olmesartan|Benicar"),
    "beta_blocker": (
        "metoprolol|Lopressor|Toprol",
        "atenolol|Tenormin",
        "carvedilol|Coreg",
        "propranolol|Inderal",
        "bisoprolol|Ziac",
    ),
    "calcium_channel_blocker": (
        "amlodipine|Norvasc",
        "diltiazem|Cardizem",
        "nifedipine|Procardia",
        "verapamil",
    ),
    "diuretic": (
        "furosemide|Lasix",
        "hydrochlorothiazide|HCTZ",
        "spironolactone|Aldactone",
        "chlorthalidone",
        "bumetanide|Bumex",
    ),
    "statin": (
        "atorvastatin|Lipitor",
        "simvastatin|Zocor",
        "rosuvastatin|Crestor",
        "pravastatin|Pravachol",
    ),
    "antithrombotic": (
        "warfarin|Coumadin",
        "apixaban|Eliquis",
        "rivaroxaban|Xarelto",
        "clopidogrel|Plavix",
        "aspirin",
        "enoxaparin|Lovenox",
        "heparin",
    ),
    "diabetes": (
        "metformin|Glucophage",
        "glipizide|Glucotrol",
        "glyburide",
        "sitagliptin|Januvia",
        "empagliflozin|Jardiance",
        "insulin|Lantus",
        "pioglitazone|Actos",
    ),
    "antibiotic": (
        "amoxicillin|Amoxil",
        "amoxicillin-clavulanate|Augmentin",
        "azithromycin|Zithromax",
        "cephalexin|Keflex",
        "ciprofloxacin|Cipro",
        "levofloxacin|Levaquin",
        "doxycycline",
        "metronidazole|Flagyl",
        "nitrofurantoin|Macrobid",
        "trimethoprim-sulfamethoxazole|Bactrim",
        "clindamycin",
        "ceftriaxone|Rocephin",
        "vancomycin",
        "penicillin",
    ),
    "nsaid_analgesic": (
        "acetaminophen|Tylenol",
        "ibuprofen|Motrin|Advil",
        "naproxen|Aleve|Naprosyn",
        "oxaprozin|Daypro",
        "meloxicam|Mobic",
        "celecoxib|Celebrex",
        "ketorolac|Toradol",
    ),
    "opioid": (
        "oxycodone|Percocet|OxyContin",
        "hydrocodone|Vicodin|Norco",
        "morphine",
        "hydromorphone|Dilaudid",
        "tramadol|Ultram",
        "codeine",
        "fentanyl",
        "methadone",
        "buprenorphine|Suboxone",
    ),
    "gastrointestinal": (
        "omeprazole|Prilosec",
        "pantoprazole|Protonix",
        "esomeprazole|Nexium",
        "famotidine|Pepcid",
        "ondansetron|Zofran",
        "metoclopramide|Reglan",
    ),
    "antidepressant": (
        "sertraline|Zoloft",
        "fluoxetine|Prozac",
        "citalopram|Celexa",
        "escitalopram|Lexapro",
        "bupropion|Wellbutrin",
        "mirtazapine|Remeron",
        "trazodone",
        "venlafaxine|Effexor",
        "duloxetine|Cymbalta",
    ),
    "antipsychotic_mood": (
        "quetiapine|Seroquel",
        "olanzapine|Zyprexa",
        "risperidone|Risperdal",
        "aripiprazole|Abilify",
        "lamotrigine|Lamictal",
    ),
    "benzodiazepine": (
        "lorazepam|Ativan",
        "alprazolam|Xanax",
        "clonazepam|Klonopin",
        "diazepam|Valium",
    ),
    "respiratory": (
        "albuterol|Ventolin|ProAir",
        "montelukast|Singulair",
        "fluticasone|Flonase|Flovent",
        "budesonide|Pulmicort",
        "tiotropium|Spiriva",
        "beclomethasone|Qvar",
        "salmeterol|Serevent",
    ),
    "antihistamine": (
        "loratadine|Claritin",
        "cetirizine|Zyrtec",
        "diphenhydramine|Benadryl",
        "fexofenadine|Allegra",
        "hydroxyzine|Atarax",
    ),
    "corticosteroid": (
        "prednisone",
        "methylprednisolone|Medrol",
        "dexamethasone|Decadron",
        "hydrocortisone",
    ),
    "thyroid": ("levothyroxine|Synthroid", "methimazole|Tapazole"),
    "anticonvulsant": (
        "gabapentin|Neurontin",
        "pregabalin|Lyrica",
        "levetiracetam|Keppra",
        "topiramate|Topamax",
        "phenytoin|Dilantin",
    ),
    "muscle_relaxant": (
        "cyclobenzaprine|Flexeril",
        "orphenadrine|Norflex",
        "methocarbamol|Robaxin",
        "baclofen",
        "tizanidine|Zanaflex",
    ),
    "urologic": ("tamsulosin|Flomax", "finasteride|Proscar", "oxybutynin|Ditropan"),
    "other": (
        "isotretinoin|Accutane",
        "varenicline|Chantix",
        "allopurinol|Zyloprim",
        "colchicine",
        "digoxin",
        "amiodarone",
        "nitroglycerin",
        "sumatriptan|Imitrex",
    ),
}


@dataclass(frozen=True)
class _Drug:
    generic: str
    brands: tuple[str, ...]
    drug_class: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.generic, *self.brands)

    @property
    def lower_names(self) -> tuple[str, ...]:
        return tuple(name.lower() for name in self.names)


_DRUGS = tuple(
    _Drug(entry.split("|")[0], tuple(entry.split("|")[1:]), name)
    for name, entries in _DRUG_CLASSES.items()
    for entry in entries
)
_DRUG_BY_NAME = {name.lower(): drug for drug in _DRUGS for name in drug.names}
_DRUG_RE = _term_regex(tuple(_DRUG_BY_NAME))
_DRUG_WORD_RE = re.compile(_DRUG_RE.pattern + r"\b", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# swap_laterality
# --------------------------------------------------------------------------------------------

_SIDE_RE = re.compile(r"\b(left|right|bilateral|unilateral)\b", re.IGNORECASE)
_SIDE_SWAP = {
    "left": "right",
    "right": "left",
    "bilateral": "unilateral",
    "unilateral": "bilateral",
}
_IRREGULAR_PLURALS = frozenset({"feet", "teeth"})


def _side_target(output: str, match: re.Match[str]) -> str | None:
    """The body word the side word qualifies, or None when it is not a laterality use."""
    after = output[match.end() : match.end() + 40].lower()
    if re.match(r"-hand|[\s-]+hand(?:ed\b|[\s-]+dominant)", after):
        return None  # handedness, not the side of a finding
    if re.match(r"-?\s?sided\b|\s+side\b", after):
        return "side"
    nxt = re.match(r"[\s-]+([a-z]+)", after)
    if not nxt:
        return None
    word = nxt.group(1)
    if match.group(1).lower() in ("left", "right"):
        return word if word in _ANATOMY else None
    plural = word in _IRREGULAR_PLURALS or (word.endswith("s") and not word.endswith(("ss", "us")))
    if match.group(1).lower() == "bilateral" and plural:
        return None
    return word


def swap_laterality(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """left <-> right, bilateral <-> unilateral, where the word names a side of the body."""
    candidates = []
    for match in _SIDE_RE.finditer(output):
        target = _side_target(output, match)
        if target is None:
            continue
        start, end = _sentence_at(output, match.start())
        sentence = output[start:end].lower()
        if re.search(r"\bleft\b", sentence) and re.search(r"\bright\b", sentence):
            continue
        new = _SIDE_SWAP[match.group(1).lower()]
        if target != "side" and re.search(rf"\b{new}[\s-]+{target}\b", context, re.IGNORECASE):
            continue
        candidates.append((match, sentence))
    if not candidates:
        return None
    match, sentence = rng.choice(candidates)
    old = match.group(1)
    new = _match_case(old, _SIDE_SWAP[old.lower()])
    near = _PROCEDURE_LESION_RE.search(sentence) or _DRUG_RE.search(sentence)
    risk = Risk.HIGH if near else Risk.MODERATE
    return _replace(
        "swap_laterality",
        output,
        match.start(),
        match.end(),
        new,
        (Cat.DETAIL_MISIDENTIFICATION, risk),
        f"Changed the side from '{old}' to '{new}'.",
    )


# --------------------------------------------------------------------------------------------
# change_value
# --------------------------------------------------------------------------------------------

_UNITS_19 = _wordlist(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
)
_TENS = _wordlist("twenty thirty forty fifty sixty seventy eighty ninety")
_WORD_VALUES = {w: i + 1 for i, w in enumerate(_UNITS_19)} | {
    w: 20 + 10 * i for i, w in enumerate(_TENS)
}
_NUMWORD = (
    rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS_19[:9])}))?|"
    rf"{'|'.join(sorted(_UNITS_19, key=len, reverse=True))})"
)
_NUM = r"\d+(?:\.\d+)?"
_VALUE = rf"(?P<num>{_NUM}|{_NUMWORD})"

_DOSE_UNITS = r"mg|mcg|µg|milligrams?|micrograms?|grams?|g|ml|mL|cc|units?|IU|mEq|mmol"
_MEASURE_UNITS = (
    r"mg/dl|mmol/l|mm\s?hg|bpm|beats per minute|breaths per minute|%|percent|degrees|kg|"
    r"kilograms?|lbs?|pounds?|ounces?|oz|cm|mm|inches|liters?"
)
_TIME_UNITS = r"seconds?|minutes?|mins|hours?|hrs|days?|weeks?|months?|years?"
_COUNT_UNITS = (
    r"packs?|pack-years?|drinks?|cigarettes?|beers?|cans?|glasses|cups?|times|episodes?|"
    r"tablets?|pills?|capsules?|puffs?|visits?|lacerations?|stones?|lesions?|stitches|"
    r"sutures?|flights?|blocks?|miles?|servings?"
)
_UNIT_RE = re.compile(
    rf"(?<![\w./#-]){_VALUE}(?P<gap>\s?|-)(?P<unit>{_MEASURE_UNITS}|{_DOSE_UNITS}|"
    rf"{_TIME_UNITS}|{_COUNT_UNITS})(?!\w|/\w)",
    re.IGNORECASE,
)
_AGE_RE = re.compile(
    rf"(?<![\w./-]){_VALUE}(?P<unit>[- ]years?[- ]old|[- ]y/?o)\b|"
    rf"\b(?:age|aged|age of)\s+{_VALUE.replace('num', 'num2')}(?![\w./])",
    re.IGNORECASE,
)
_BP_RE = re.compile(r"(?<![\d/])(?P<num>\d{2,3})/(?P<dia>\d{2,3})(?![\d/])")
_LAB_RANGES: dict[str, tuple[float, float]] = {
    "sodium": (120, 155),
    "potassium": (2.5, 6.5),
    "creatinine": (0.5, 4.0),
    "glucose": (50, 400),
    "blood sugar": (50, 400),
    "hemoglobin a1c": (5, 12),
    "a1c": (5, 12),
    "hemoglobin": (6, 17),
    "tsh": (0.01, 10),
    "inr": (0.8, 4),
    "white count": (2, 25),
    "wbc": (2, 25),
    "platelets": (40, 500),
    "heart rate": (45, 150),
    "pulse": (45, 150),
    "a rate": (45, 150),
    "respiratory rate": (8, 32),
    "saturation": (82, 100),
    "o2 sat": (82, 100),
    "spo2": (82, 100),
    "ejection fraction": (15, 70),
    "bmi": (17, 45),
    "temperature": (96, 104),
    "temp": (96, 104),
    "gestation": (24, 42),
}
_LAB_RE = re.compile(
    r"\b(?P<label>"
    + "|".join(sorted(map(re.escape, _LAB_RANGES), key=len, reverse=True))
    + rf")\b(?:\s*(?:was|is|of|at|level|count|measured|:|=|showed|shows|up to|down to)){{0,3}}"
    rf"\s*(?P<num>{_NUM})(?![\w./]|\s?%)",
    re.IGNORECASE,
)
_SINGULAR = {
    "days": "day",
    "weeks": "week",
    "months": "month",
    "years": "year",
    "hours": "hour",
    "minutes": "minute",
    "seconds": "second",
    "packs": "pack",
    "drinks": "drink",
    "cigarettes": "cigarette",
    "beers": "beer",
    "cups": "cup",
    "episodes": "episode",
    "tablets": "tablet",
    "pills": "pill",
    "capsules": "capsule",
    "puffs": "puff",
    "visits": "visit",
    "lacerations": "laceration",
    "stones": "stone",
    "lesions": "lesion",
    "miles": "mile",
    "servings": "serving",
    "blocks": "block",
    "flights": "flight",
    "units": "unit",
    "pounds": "pound",
}
_PLURAL = {v: k for k, v in _SINGULAR.items()}


@dataclass(frozen=True)
class _Value:
    """A number found in the output: where it is, its role and how to rewrite it."""

    start: int
    end: int
    value: float
    role: str  # dose, frequency, age, blood pressure, lab, measure, duration, count
    unit: str
    unit_end: int
    as_words: str | None  # the separator style ("-" or " ") when written in words


def _parse_number(text: str) -> tuple[float, str | None] | None:
    low = text.lower()
    if re.fullmatch(_NUM, low):
        return float(low), None
    parts = re.split(r"([- ])", low)
    if all(p in _WORD_VALUES or p in "- " for p in parts):
        total = sum(_WORD_VALUES[p] for p in parts if p in _WORD_VALUES)
        return float(total), (parts[1] if len(parts) > 1 else " ")
    return None


def _in_range_expression(output: str, start: int, end: int) -> bool:
    """The number is one end of a range ("2-3 packs", "one to two visits") or a date/time."""
    before, after = output[max(0, start - 14) : start], output[end : end + 14]
    number = rf"(?:\d|\b(?:{_NUMWORD}))"
    if re.search(rf"{number}\s*(?:-|–|to|or|and)\s*$", before, re.IGNORECASE):
        return True
    if re.match(rf"\s*(?:-|–|to|or)\s*{number}", after, re.IGNORECASE):
        return True
    return bool(re.search(r"[/:]$", before) or re.match(r"[/:]\d", after))


def _role(unit: str, output: str, start: int) -> str:
    low = unit.lower().replace(" ", "")
    sentence = output[slice(*_sentence_at(output, start))]
    if re.fullmatch(_DOSE_UNITS, low, re.IGNORECASE):
        return "dose"
    if re.fullmatch(_TIME_UNITS, low, re.IGNORECASE):
        every = re.search(r"\b(?:every|q)\s*$", output[max(0, start - 8) : start], re.I)
        dosed = _DRUG_RE.search(sentence) or re.search(rf"\d\s?(?:{_DOSE_UNITS})\b", sentence)
        return "frequency" if every and dosed else "duration"
    if re.fullmatch(_COUNT_UNITS, low, re.IGNORECASE):
        return "count"
    return "measure"


def _find_values(output: str) -> Iterator[_Value]:
    for m in _UNIT_RE.finditer(output):
        if _in_range_expression(output, m.start("num"), m.end("num")):
            continue
        parsed = _parse_number(m.group("num"))
        unit = m.group("unit")
        if parsed is None or re.match(r"\s*[- ]?old\b", output[m.end() :]):
            continue
        role = _role(unit, output, m.start())
        if role == "duration" and re.match(r"'?\s+(?:of\s+)?gestation", output[m.end() :]):
            role = "lab:gestation"
        yield _Value(m.start("num"), m.end("num"), parsed[0], role, unit, m.end(), parsed[1])
    yield from _find_ages(output)
    for m in _LAB_RE.finditer(output):
        if not _in_range_expression(output, m.start("num"), m.end("num")):
            label = m.group("label").lower()
            value = float(m.group("num"))
            yield _Value(m.start("num"), m.end("num"), value, "lab:" + label, "", m.end(), None)
    for m in _BP_RE.finditer(output):
        before = output[max(0, m.start() - 30) : m.start()].lower()
        after = output[m.end() : m.end() + 8].lower()
        if re.search(r"blood pressure|\bbp\b|b/p", before) or re.match(r"\s?mm\s?hg", after):
            yield _Value(m.start(), m.end(), float(m.group("num")), "blood pressure", "", 0, None)


def _find_ages(output: str) -> Iterator[_Value]:
    for m in _AGE_RE.finditer(output):
        group = "num" if m.group("num") else "num2"
        parsed = _parse_number(m.group(group))
        if parsed and not _in_range_expression(output, m.start(group), m.end(group)):
            yield _Value(
                m.start(group), m.end(group), parsed[0], "age", "", m.end(group), parsed[1]
            )


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _format(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}" if decimals else str(int(round(value)))


def _to_words(n: int, sep: str) -> str | None:
    if not 0 < n < 100:
        return None
    if n < 20:
        return _UNITS_19[n - 1]
    tens, ones = divmod(n, 10)
    return _TENS[tens - 2] + (sep + _UNITS_19[ones - 1] if ones else "")


def _new_value(found: _Value, text: str, rng: random.Random) -> float | None:
    v, decimals = found.value, _decimals(text)
    if found.role == "dose":
        options = [v * f for f in (2, 10, 0.5, 0.1)]
        options = [x for x in options if x == int(x) or (x < 5 and round(x, 1) == x)]
        options = [x for x in options if decimals or x == int(x) or v < 1]
    elif found.role == "frequency":
        options = [x for x in (4, 6, 8, 12, 24) if x != v]
    elif found.role == "age":
        step = rng.randint(12, 25)
        options = [x for x in (v + step, v - step) if 1 <= x <= 99]
    elif found.role == "blood pressure":
        options = [x for x in (v + 40, v - 35, v + 60) if 80 <= x <= 220]
    elif found.role.startswith("lab:"):
        return _new_in_range(v, decimals, _LAB_RANGES[found.role[4:]], rng)
    elif found.role == "measure" and found.unit == "%":
        options = [x for x in (v + 20, v - 20, v + 35, v - 35) if 1 <= x <= 100]
    elif found.role in ("duration", "count") and v == int(v):
        n = int(v)
        options = [2 * n, 3 * n, n + 2] + ([n // 2] if n >= 4 else []) + ([n - 3] if n > 6 else [])
        options = [x for x in options if x > 0 and abs(x - n) >= max(1, 0.4 * n)]
    else:
        options = [v * f for f in (2, 0.5, 3)]
    options = sorted({round(x, decimals) for x in options if x > 0 and round(x, decimals) != v})
    return rng.choice(options) if options else None


def _new_in_range(
    v: float, decimals: int, bounds: tuple[float, float], rng: random.Random
) -> float | None:
    low, high = bounds
    if v > high * 2 or v < low / 2:  # another unit than the table assumes
        return None
    for _ in range(20):
        x = round(rng.uniform(low, high), decimals)
        if abs(x - v) >= 0.25 * (high - low) and x > 0:
            return x
    return None


def _render(found: _Value, text: str, new: float, output: str) -> tuple[int, str] | None:
    """(end of the replaced region, replacement text) with the unit's number agreement kept."""
    if found.as_words is not None:
        words = _to_words(int(new), found.as_words)
        if words is None or new != int(new):
            return None
        number = _match_case(text, words)
    else:
        number = _format(new, _decimals(text))
    unit = found.unit
    if not unit or found.role in ("age", "frequency"):
        return found.end, number
    low = unit.lower()
    if new == 1 and low in _SINGULAR:
        unit = _match_case(unit, _SINGULAR[low])
    elif found.value == 1 and low in _PLURAL:
        unit = _match_case(unit, _PLURAL[low])
    if unit == found.unit:
        return found.end, number
    return found.unit_end, number + output[found.end : found.unit_end - len(found.unit)] + unit


def _value_in_context(context: str, new: float, unit: str) -> bool:
    forms = {_format(new, 0) if new == int(new) else str(new)}
    words = _to_words(int(new), " ") if new == int(new) else None
    if words:
        forms |= {words, words.replace(" ", "-")}
    pattern = "|".join(re.escape(f) for f in forms)
    tail = rf"[\s-]{{0,3}}{re.escape(unit[:3])}" if unit else r"\b"
    return bool(re.search(rf"(?<![\w.])(?:{pattern}){tail}", context, re.IGNORECASE))


def change_value(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """A dose, vital sign, lab value, duration, count or age changed to a clearly different one."""
    found = sorted(set(_find_values(output)), key=lambda f: (f.start, f.role))
    rng.shuffle(found)
    for item in found:
        text = output[item.start : item.end]
        new = _new_value(item, text, rng)
        if new is None or _value_in_context(context, new, item.unit):
            continue
        rendered = _render(item, text, new, output)
        if rendered is None:
            continue
        end, replacement = rendered
        risk = Risk.HIGH if item.role in ("dose", "frequency") else Risk.MODERATE
        what = item.role.split(":")[-1]
        old = output[item.start : end]
        return _replace(
            "change_value",
            output,
            item.start,
            end,
            replacement,
            (Cat.DETAIL_MISIDENTIFICATION, risk),
            f"Changed the {what} from '{old}' to '{replacement}'.",
        )
    return None


# --------------------------------------------------------------------------------------------
# change_drug
# --------------------------------------------------------------------------------------------


_NOT_THE_DRUG = re.compile(
    r"(?:-(?:like|producing|secreting|resistant|dependent|sensitive)|\s+(?:resistance|levels?|"
    r"production|secretion|sensitivity|receptors?|signaling|deficiency))\b",
    re.IGNORECASE,
)


def change_drug(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """A drug name replaced by another real drug (same class or not) named nowhere in the pair."""
    matches = [
        m for m in _DRUG_WORD_RE.finditer(output) if not _NOT_THE_DRUG.match(output, m.end())
    ]
    if not matches:
        return None
    match = rng.choice(matches)
    old = match.group()
    drug = _DRUG_BY_NAME[old.lower()]
    pair_text = context + "\n" + output
    absent = [d for d in _DRUGS if d is not drug and not _mentions(pair_text, d.lower_names)]
    same_class = [d for d in absent if d.drug_class == drug.drug_class]
    pool = same_class if same_class and rng.random() < 0.5 else absent
    if not pool:
        return None
    new_drug = rng.choice(pool)
    is_brand = old.lower() != drug.generic.lower()
    name = new_drug.brands[0] if is_brand and new_drug.brands else new_drug.generic
    new = name if is_brand and new_drug.brands else _match_case(old, name)
    relation = "another drug of the same class" if new_drug in same_class else "another drug"
    return _replace(
        "change_drug",
        output,
        match.start(),
        match.end(),
        new,
        (Cat.DETAIL_MISIDENTIFICATION, Risk.HIGH),
        f"Replaced the drug '{old}' with {relation}, '{new}'.",
    )


# --------------------------------------------------------------------------------------------
# flip_negation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    new: str


_REPORT_VERBS = {
    "denies": "reports",
    "denied": "reported",
    "deny": "report",
    "denying": "reporting",
}
_AFFIRM_VERBS = {
    "reports": "denies",
    "reported": "denied",
    "endorses": "denies",
    "endorsed": "denied",
    "notes": "denies",
    "complains of": "denies",
    "complained of": "denied",
}
_SUBJECT_BEFORE = re.compile(
    r"(?:^|[.:;]\s*|\b(?:he|she|they|patient|mother|father|parents|also)\s+)$", re.IGNORECASE
)
_NO_EXCLUDED = frozenset(
    _wordlist("longer more one matter doubt further other significant acute new problem problems")
)
_TEST_WORDS = re.compile(
    r"\b(?:test|screen|culture|biopsy|x-ray|ct|mri|swab|assay|antibod|ppd|hiv|strep|covid|"
    r"result|urinalysis|sign|ana|titer|scan)",
    re.IGNORECASE,
)


def _negation_edits(output: str) -> Iterator[_Edit]:
    yield from _deny_edits(output)
    yield from _affirm_edits(output)
    yield from _no_edits(output)
    yield from _aux_edits(output)
    for m in re.finditer(r"\bwithout(?: any)?\b(?=\s+\w)", output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), _match_case(m.group(), "with"))
    for m in re.finditer(r"\b(negative|positive)\b", output, re.IGNORECASE):
        sentence = output[slice(*_sentence_at(output, m.start()))]
        before = output[max(0, m.start() - 12) : m.start()].lower()
        ok = output[m.end() :].startswith(" for") or _TEST_WORDS.search(sentence)
        if ok and "otherwise" not in before and "false" not in before:
            other = "positive" if m.group().lower() == "negative" else "negative"
            yield _Edit(m.start(), m.end(), _match_case(m.group(), other))
    pattern = r"\bnon-?((?:cigarette |tobacco )?smoker|drinker|etoh user)\b"
    for m in re.finditer(pattern, output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), _match_case(m.group(), m.group(1)))
    pattern = r"(?<!does )(?<!did )\b(has|have|with)(?: a)?(?= (?:known )?history of\b)"
    for m in re.finditer(pattern, output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), m.group(1) + " no")


def _deny_edits(output: str) -> Iterator[_Edit]:
    for m in re.finditer(r"\b(denies|denied|deny|denying)(?: any)?\b(?=\s+\w)", output, re.I):
        yield _Edit(m.start(), m.end(), _match_case(m.group(), _REPORT_VERBS[m.group(1).lower()]))


def _affirm_edits(output: str) -> Iterator[_Edit]:
    pattern = r"\b(reports|reported|endorses|endorsed|notes|complains of|complained of)\b"
    for m in re.finditer(pattern, output, re.IGNORECASE):
        if _SUBJECT_BEFORE.search(output[max(0, m.start() - 20) : m.start()]):
            new = _AFFIRM_VERBS[m.group(1).lower()]
            yield _Edit(m.start(), m.end(), _match_case(m.group(), new))


def _no_edits(output: str) -> Iterator[_Edit]:
    for m in re.finditer(r"\b(no)\s+([A-Za-z][\w-]*)", output, re.IGNORECASE):
        word = m.group(2)
        if word.lower() in _NO_EXCLUDED:
            continue
        new = _capitalize(word) if m.group(1)[0].isupper() else word
        yield _Edit(m.start(), m.end(), new)


def _aux_edits(output: str) -> Iterator[_Edit]:
    for m in re.finditer(r"\b(does|did|do) not (\w+)(?: any)?\b", output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), f"{m.group(1)} {m.group(2)}")
    for m in re.finditer(r"\b(has|have) not had(?: any)?\b", output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), f"{m.group(1)} had")
    for m in re.finditer(r"\b(doesn't|didn't|don't) (\w+)(?: any)?\b", output, re.IGNORECASE):
        aux = m.group(1).lower().replace("n't", "")
        yield _Edit(m.start(), m.end(), f"{_match_case(m.group(1), aux)} {m.group(2)}")
    pattern = r"\b(?:does|did)(?= (?:have|drink|smoke|use|take|report|complain|endorse)\b)"
    for m in re.finditer(pattern, output, re.IGNORECASE):
        yield _Edit(m.start(), m.end(), m.group() + " not")
    for m in re.finditer(
        r"\b(?:is|was|are|were)(?= (?:currently )?(?:on|taking|using) \w)", output
    ):
        yield _Edit(m.start(), m.end(), m.group() + " not")


def flip_negation(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Negated <-> affirmed: "denies X" -> "reports X", "no X" -> "X", "positive" <-> "negative"."""
    edits = sorted(set(_negation_edits(output)), key=lambda e: (e.start, e.end, e.new))
    if not edits:
        return None
    edit = rng.choice(edits)
    sentence_end = _sentence_at(output, edit.start)[1]
    scope = output[edit.start : sentence_end]
    risk = Risk.HIGH if _CONCERN_RE.search(scope) else Risk.MODERATE
    old = output[edit.start : edit.end]
    return _replace(
        "flip_negation",
        output,
        edit.start,
        edit.end,
        edit.new,
        (Cat.DETAIL_MISIDENTIFICATION, risk),
        f"Reversed the negation: '{old}' became '{edit.new}'.",
    )


# --------------------------------------------------------------------------------------------
# Insertions: unsupported finding, recommendation, justification, comparison
# --------------------------------------------------------------------------------------------

# (sentence, keywords whose presence in the pair means it might be supported)
_NOTE_FINDINGS = (
    ("The patient reports night sweats over the past month.", ("sweat",)),
    ("The patient reports episodes of palpitations at rest.", ("palpitat", "racing", "heart")),
    ("A firm 2 cm nodule is palpable in the left axilla.", ("nodule", "axilla", "lump", "mass")),
    ("There is a history of deep vein thrombosis.", ("thrombo", "dvt", "clot")),
    ("The patient reports an unintentional weight loss of 10 pounds.", ("weight", "pound")),
    ("Mild hepatomegaly is noted on examination.", ("liver", "hepat")),
    ("A grade 2/6 systolic murmur is heard at the left sternal border.", ("murmur", "heart")),
    ("The patient has a history of chronic kidney disease.", ("kidney", "renal")),
    ("There is a history of seizures in childhood.", ("seizure", "epilep", "convuls")),
    ("The patient reports black, tarry stools.", ("stool", "melena", "tarry", "bowel")),
    ("Urinalysis shows microscopic hematuria.", ("urin", "hematuria")),
    ("A chest X-ray shows a right lower lobe infiltrate.", ("x-ray", "xray", "infiltrat", "lobe")),
    ("The patient was diagnosed with atrial fibrillation last year.", ("fibrillation", "afib")),
    ("The patient has a known allergy to penicillin.", ("allerg", "penicillin")),
    ("Hemoglobin A1c was 9.2% at the last check.", ("a1c", "sugar", "glucose", "diabet")),
    ("There is decreased sensation to light touch in both feet.", ("sensation", "numb", "feet")),
    ("The patient has a history of hypothyroidism.", ("thyroid",)),
    ("The patient reports frequent falls at home.", ("fall", "fell")),
    ("There is mild pitting edema of both ankles.", ("edema", "ankle", "swell")),
    ("The patient reports blurred vision in the right eye.", ("vision", "blurr", "eye")),
)
_QA_FINDINGS = (
    ("The condition affects about 1 in 500 people.", ("1 in", "percent", "%")),
    ("Most cases are caused by a viral infection.", ("vir", "infect")),
    ("It is more common in women over the age of 60.", ("women", "female")),
    ("About half of affected people develop kidney problems.", ("kidney", "renal")),
    ("The risk is higher in people who smoke.", ("smok", "tobacco")),
    ("Symptoms usually resolve within two weeks without treatment.", ("resolv", "two weeks")),
    ("The condition is usually first noticed in early childhood.", ("child", "infan")),
    ("Hearing loss develops in most affected people.", ("hearing", "deaf")),
)
_ABSTRACT_FINDINGS = (
    ("The effect was seen only in patients older than 65 years.", ("older", "elderly", "65")),
    ("Mortality was reduced by about one third.", ("mortality", "death", "surviv")),
    ("The benefit persisted for at least five years of follow-up.", ("five years", "persist")),
    ("Women benefited more than men.", ("women", "female", "sex", "gender")),
    ("Adverse events were twice as frequent in the treatment group.", ("adverse", "side effect")),
    ("The association was strongest in smokers.", ("smok",)),
)
_NOTE_RECOMMENDATIONS = (
    ("Start metformin 500 mg twice daily.", ("metformin", "glucophage")),
    ("Begin lisinopril 10 mg once daily.", ("lisinopril", "zestril")),
    ("Prescribe amoxicillin 875 mg twice daily for 10 days.", ("amoxicillin",)),
    ("Order a CT scan of the abdomen and pelvis.", ("ct", "cat scan", "abdomen")),
    ("Refer to cardiology for further evaluation.", ("cardiolog",)),
    ("Schedule a colonoscopy within the next month.", ("colonoscop",)),
    ("Discontinue aspirin.", ("aspirin",)),
    ("Start prednisone 40 mg daily for 5 days.", ("prednisone", "steroid")),
    ("Obtain an MRI of the lumbar spine.", ("mri",)),
    ("Start warfarin with a target INR of 2 to 3.", ("warfarin", "coumadin", "inr")),
    ("Admit to the hospital for intravenous antibiotics.", ("admit", "antibiotic")),
    ("Stop all current medications until the next visit.", ("stop",)),
    ("Begin sertraline 50 mg daily.", ("sertraline", "zoloft")),
    ("Refer for an urgent surgical consultation.", ("surg",)),
    ("Increase fluid intake to 4 liters per day.", ("fluid", "liter", "water")),
)
_QA_RECOMMENDATIONS = (
    ("Antibiotics are recommended for everyone with this condition.", ("antibiotic",)),
    ("People with this condition should avoid all physical exercise.", ("exercis", "activit")),
    ("A daily aspirin is advised for all affected adults.", ("aspirin",)),
    ("Screening should start at age 20 for everyone.", ("screen",)),
    ("High-dose vitamin D supplements are recommended for all patients.", ("vitamin",)),
    ("Affected people should stop taking all prescribed medicines.", ("stop",)),
)
_ABSTRACT_RECOMMENDATIONS = (
    ("This treatment should therefore replace surgery in all patients.", ("surg",)),
    ("Routine screening of all adults is therefore recommended.", ("screen",)),
    ("Clinicians should stop prescribing the standard therapy.", ("standard",)),
    ("All patients should receive prophylactic antibiotics.", ("antibiotic", "prophyla")),
    ("Treatment should start before any symptoms appear.", ("asymptomatic", "before symptoms")),
)
# Plausible but unsupported causes, by the kind of finding they would explain.
_CAUSE_GROUPS: tuple[tuple[re.Pattern[str], tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    (
        re.compile(
            r"\b(?:pain|swelling|injur|sprain|strain|stiff|tender|back|knee|shoulder)", re.I
        ),
        (
            ("heavy lifting", ("lift",)),
            ("a recent fall", ("fall", "fell")),
            ("prolonged sitting at work", ("sitting", "desk")),
            ("a new exercise routine", ("exercis", "gym", "running", "workout")),
        ),
    ),
    (
        re.compile(r"\b(?:nausea|vomit|diarrh|abdominal|stomach|bowel|constipat|appetite)", re.I),
        (
            ("a recent viral infection", ("vir", "infect", "flu", "bug")),
            ("food poisoning", ("food", "ate", "restaurant")),
            ("recent travel", ("travel", "trip", "flight", "flew")),
            ("a recent change in diet", ("diet", "food")),
        ),
    ),
    (
        re.compile(r"\b(?:cough|wheez|rash|itch|sinus|congest|hives|sneez|throat|eczema)", re.I),
        (
            ("seasonal allergies", ("allerg", "season", "pollen")),
            ("a recent viral infection", ("vir", "infect", "flu", "cold")),
            ("a new laundry detergent", ("detergent", "soap", "laundry")),
        ),
    ),
    (
        re.compile(
            r"\b(?:head|migraine|dizz|lighthead|vertigo|fatigue|tired|confus|hallucin)", re.I
        ),
        (
            ("dehydration", ("dehydrat", "fluid", "water")),
            ("lack of sleep", ("sleep", "insomnia")),
            ("stress at home", ("stress", "anxi")),
            ("a side effect of a new medication", ("side effect", "new medication")),
        ),
    ),
)
_NOTE_CAUSES = (
    ("not taking medications as prescribed", ("adheren", "complian", "missed", "forgot")),
    ("stress at home", ("stress", "anxi")),
    ("a side effect of a new medication", ("side effect", "new medication")),
    ("a poor diet", ("diet", "food")),
)
_QA_CAUSES = (
    ("a lack of vitamin D", ("vitamin",)),
    ("exposure to air pollution", ("pollution", "air")),
    ("high dietary salt intake", ("salt", "sodium")),
    ("prolonged antibiotic use", ("antibiotic",)),
    ("a diet low in fiber", ("fiber", "diet")),
)
_ABSTRACT_CAUSES = (
    ("differences in patient age between the groups", ("age", "older", "younger")),
    ("a higher rate of smoking", ("smok", "tobacco")),
    ("the longer follow-up period", ("follow",)),
    ("better adherence to treatment", ("adheren", "complian")),
    ("selection bias in the control group", ("bias", "selection")),
)
_CONNECTIVES = {
    "note": ("likely due to", "probably secondary to", "most likely caused by"),
    "qa": ("because of", "which is explained by", "likely due to"),
    "abstract": ("because of", "which is explained by", "likely due to"),
}
_CAUSAL_RE = re.compile(
    r"\b(?:due to|because|secondary to|caus\w+|from|result of|attributed|since|after|"
    r"following|related to|associated with)\b",
    re.IGNORECASE,
)
_WORSE_WORDS = ("worse", "worsen", "progress", "deteriorat", "getting bad")
_BETTER_WORDS = ("better", "improv", "resolv", "getting good")
_NOTE_COMPARISONS = (
    (", which has worsened since the last visit", _WORSE_WORDS),
    (", which has improved since the last visit", _BETTER_WORDS),
    (", which is worse than at the previous visit", _WORSE_WORDS),
)
_IMAGING_COMPARISONS = (
    (", improved compared with prior imaging", _BETTER_WORDS),
    (", worse than on the previous study", _WORSE_WORDS),
)
_QA_COMPARISONS = (
    (", and this has become more common over the past decade", _WORSE_WORDS),
    (", a rate that has fallen sharply in recent years", _BETTER_WORDS),
)
_ABSTRACT_COMPARISONS = (
    (", a larger effect than reported in earlier studies", _WORSE_WORDS),
    (", an improvement over the results of previous trials", _BETTER_WORDS),
)
_FINDINGS = {"note": _NOTE_FINDINGS, "qa": _QA_FINDINGS, "abstract": _ABSTRACT_FINDINGS}
_RECOMMENDATIONS = {
    "note": _NOTE_RECOMMENDATIONS,
    "qa": _QA_RECOMMENDATIONS,
    "abstract": _ABSTRACT_RECOMMENDATIONS,
}
_CAUSES = {"note": _NOTE_CAUSES, "qa": _QA_CAUSES, "abstract": _ABSTRACT_CAUSES}
_COMPARISON_RE = re.compile(
    r"\b(?:worse|worsen\w*|better|improv\w*|progress\w*|increas\w*|decreas\w*|compared|"
    r"than|since|unchanged|stable|previous|prior|again|still|anymore)\b",
    re.IGNORECASE,
)
_IMAGING_RE = re.compile(r"\b(?:x-ray|ct|mri|ultrasound|imaging|scan|ekg|ecg|film)\b", re.I)
_PATIENT_RE = re.compile(
    r"\b(?:he|she|his|her|the patient|patient is|denies|reports)\b|\[doctor\]|doctor:|patient:",
    re.IGNORECASE,
)


def _style(context: str, output: str, task: str | None) -> str:
    """ "note" (one patient), "qa" (general health information) or "abstract" (study results)."""
    styles = {"dialogue_to_note": "note", "qa": "qa", "abstract_to_conclusion": "abstract"}
    if task in styles:
        return styles[task]
    return "note" if _PATIENT_RE.search(context[:3000] + "\n" + output) else "qa"


def _sentence_separator(output: str) -> str:
    return "  " if re.search(r"[.!?]  [A-Z]", output) else " "


def _insertion_points(output: str) -> list[int]:
    """Offsets after which a new sentence may go: ends of prose sentences, not inside lists."""
    spans = split_sentences(output)
    points = []
    if spans and not _is_header(output[slice(*spans[0])]) and not _is_list_item(output):
        points.append(0)
    for i, (start, end) in enumerate(spans):
        sentence = output[start:end]
        nxt = output[slice(*spans[i + 1])] if i + 1 < len(spans) else ""
        if sentence[-1] in ".!?" and not _is_header(sentence) and not _is_list_item(nxt):
            points.append(end)
    return points


def _pick_unsupported(
    items: tuple[tuple[str, tuple[str, ...]], ...], pair_text: str, rng: random.Random
) -> tuple[str, tuple[str, ...]] | None:
    usable = [item for item in items if not _mentions(pair_text, item[1])]
    return rng.choice(usable) if usable else None


def _add_sentence(
    kind: str,
    items: tuple[tuple[str, tuple[str, ...]], ...],
    label: tuple[ErrorCategory, RiskLevel],
    what: str,
    context: str,
    output: str,
    rng: random.Random,
) -> Perturbation | None:
    points = _insertion_points(output)
    chosen = _pick_unsupported(items, context + "\n" + output, rng)
    if not points or chosen is None:
        return None
    at = rng.choice(points)
    sentence = chosen[0]
    description = f"Added {what} that the input does not support: '{sentence}'"
    return _insert(kind, output, at, sentence, _sentence_separator(output), label, description)


def add_unsupported_finding(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Insert a sentence stating a finding or diagnosis absent from the input."""
    items = _FINDINGS[_style(context, output, task)]
    label = (Cat.FABRICATED_CLAIM, Risk.MODERATE)
    return _add_sentence("add_unsupported_finding", items, label, "a finding", context, output, rng)


def add_unsupported_recommendation(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Insert a treatment, test or referral that the input does not contain."""
    items = _RECOMMENDATIONS[_style(context, output, task)]
    label = (Cat.INCORRECT_RECOMMENDATION, Risk.HIGH)
    return _add_sentence(
        "add_unsupported_recommendation", items, label, "a recommendation", context, output, rng
    )


_SOCIAL_RE = re.compile(r"\b(?:smok|tobacco|alcohol|etoh|drink|abuse|addict|drug)", re.I)
_NOT_A_HOST_RE = re.compile(
    r"\b(?:mother|father|brothers?|sisters?|sons?|daughters?|siblings?|aunts?|uncles?|grand\w+|"
    r"family|familial|parents?|children|child|husband|wife|likely|possibl\w*|probabl\w*|"
    r"suspect\w*|request\w*|information|educat\w*|counsel\w*|"
    r"prevent\w*|if|in order|should|will|we'll|try|plan\w*|recommend\w*|continue|start|take|"
    r"follow\w*|surger\w*|\w+ectomy|\w+plasty|operation|procedure|repair|release|resection|"
    r"compensation|help\w*)\b",
    re.IGNORECASE,
)


def _clause_hosts(output: str, *exclude: re.Pattern[str]) -> list[int]:
    """Final periods of affirmative sentences that end on a finding and can take a clause."""
    hosts = []
    for start, end in split_sentences(output):
        sentence = output[start:end]
        body = sentence[:-1]
        if not sentence.endswith(".") or not body[-1:].isalnum() or _is_header(sentence):
            continue
        words = _words(body)
        if len(words) < 3 or body.count(",") > 1 or sentence.endswith("etc."):
            continue
        tail = " ".join(words[-4:])
        if not _FINDING_RE.search(tail) or _SOCIAL_RE.search(tail) or _NOT_A_HOST_RE.search(body):
            continue
        if not _NEGATION_RE.search(body) and not any(p.search(body) for p in exclude):
            hosts.append(end - 1)
    return hosts


def add_misleading_justification(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Attach a cause the input never gives: "..., likely due to recent travel."."""
    hosts = _clause_hosts(output, _CAUSAL_RE, _COMPARISON_RE)
    if not hosts:
        return None
    at = rng.choice(hosts)
    style = _style(context, output, task)
    causes = _CAUSES[style]
    if style == "note":
        tail = " ".join(_words(output[slice(*_sentence_at(output, at - 1))])[-4:])
        causes = next((group for pattern, group in _CAUSE_GROUPS if pattern.search(tail)), causes)
    chosen = _pick_unsupported(causes, context + "\n" + output, rng)
    if chosen is None:
        return None
    clause = f", {rng.choice(_CONNECTIVES[style])} {chosen[0]}"
    return _insert_clause(
        "add_misleading_justification",
        output,
        at,
        clause,
        (Cat.MISLEADING_JUSTIFICATION, Risk.MODERATE),
        f"Attached a cause the input does not give: '{clause[2:]}'.",
    )


def _insert_clause(
    kind: str,
    output: str,
    at: int,
    clause: str,
    label: tuple[ErrorCategory, RiskLevel],
    description: str,
) -> Perturbation:
    return Perturbation(
        kind=kind,
        output=output[:at] + clause + output[at:],
        category=label[0],
        risk_level=label[1],
        span=(at, at + len(clause)),
        original_span=(at, at),
        description=description,
    )


def invent_comparison(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Add a change over time ("which has worsened since the last visit") the input never states."""
    hosts = _clause_hosts(output, _COMPARISON_RE)
    if not hosts:
        return None
    at = rng.choice(hosts)
    sentence = output[slice(*_sentence_at(output, at - 1))]
    style = _style(context, output, task)
    if style == "note":
        templates = _IMAGING_COMPARISONS if _IMAGING_RE.search(sentence) else _NOTE_COMPARISONS
    else:
        templates = _QA_COMPARISONS if style == "qa" else _ABSTRACT_COMPARISONS
    usable = [t for t in templates if not _mentions(context, t[1])]
    if not usable:
        return None
    clause = rng.choice(usable)[0]
    return _insert_clause(
        "invent_comparison",
        output,
        at,
        clause,
        (Cat.FALSE_COMPARISON, Risk.MODERATE),
        f"Added a comparison the input does not state: '{clause[2:]}'.",
    )


# --------------------------------------------------------------------------------------------
# Certainty and intensity
# --------------------------------------------------------------------------------------------

_OVERSTATE = {
    "possible": "definite",
    "possibly": "definitely",
    "probable": "definite",
    "probably": "definitely",
    "most likely": "definitely",
    "likely": "definitely",
    "suspected": "confirmed",
    "suspicious for": "diagnostic of",
    "suggestive of": "diagnostic of",
    "questionable": "definite",
    "presumed": "confirmed",
    "may": "will",
    "might": "will",
    "perhaps": "definitely",
    "mild": "severe",
    "mildly": "severely",
    "slight": "severe",
    "slightly": "severely",
    "minimal": "marked",
    "minor": "major",
    "small": "large",
    "occasional": "constant",
    "occasionally": "constantly",
    "intermittent": "constant",
    "intermittently": "constantly",
    "sometimes": "always",
    "rarely": "frequently",
    "low-grade": "high-grade",
    "a little": "a lot of",
}
_UNDERSTATE = {
    "definite": "possible",
    "definitely": "possibly",
    "confirmed": "suspected",
    "diagnostic of": "suggestive of",
    "highly likely": "possible",
    "severe": "mild",
    "severely": "mildly",
    "significant": "mild",
    "marked": "mild",
    "markedly": "mildly",
    "extensive": "limited",
    "large": "small",
    "major": "minor",
    "constant": "occasional",
    "constantly": "occasionally",
    "continuous": "intermittent",
    "persistent": "intermittent",
    "frequent": "occasional",
    "frequently": "occasionally",
    "always": "sometimes",
    "greatly": "slightly",
    "considerably": "slightly",
    "high-grade": "low-grade",
    "a lot of": "a little",
    "lots of": "a little",
    "very": "somewhat",
}
_CERTAINTY_WORDS = frozenset(
    _wordlist(
        "possible possibly probable probably likely suspected suspicious suggestive questionable "
        "presumed may might perhaps definite definitely confirmed diagnostic"
    )
)
_SEVERITY_NEW_WORDS = frozenset(
    _wordlist(
        "severe severely marked major large constant constantly always frequently high-grade "
        "mild mildly slightly limited minor small occasional occasionally intermittent sometimes "
        "low-grade"
    )
)
_VERY_TARGETS = _wordlist(
    "painful severe lightheaded dizzy tired weak sick ill swollen tender itchy short anxious "
    "depressed confused"
)


_STATS_WORDS = frozenset(
    _wordlist(
        "difference differences association associations correlation effect effects predictor "
        "predictors change changes reduction increase decrease relationship risk"
    )
)


_DETERMINERS = frozenset(_wordlist("the his her their this that these those my your its our"))


def _intensity_guard(output: str, m: re.Match[str], key: str) -> bool:
    """Whether replacing ``key`` at this match keeps the sentence sensible."""
    before = output[max(0, m.start() - 16) : m.start()].lower()
    after = output[m.end() : m.end() + 20].lower()
    following = re.match(r"[\s-]*([a-z]+)", after)
    nxt = following.group(1) if following else ""
    statistical = re.search(r"(?:statistically|clinically|no|not|non)\s+$", before)
    checks = {
        "possible": not re.search(r"\b(?:if|as|when|where|whenever)\s+$", before)
        and not after.startswith((" to", ".", ",")),
        "likely": not after.startswith((" to", ".", ","))
        and not re.search(r"(?:highly|most|very|less|more|not)\s+$", before),
        "may": m.group()[0].islower() and nxt not in ("have", "not", "be", "also", "need"),
        "might": nxt not in ("have", "not", "be"),
        "mild": not after.startswith(" to") and not before.endswith("to "),
        "severe": not after.startswith(" to") and not before.endswith("to "),
        "small": nxt not in ("intestine", "bowel", "cell", "amount", "number"),
        "large": nxt not in ("intestine", "bowel", "cell", "amount", "number"),
        "major": not nxt.startswith("depress"),
        "marked": nxt not in ("as", "by", "on", "with", "the"),
        "significant": not statistical
        and nxt not in _STATS_WORDS
        and bool(_FINDING_RE.match(nxt) or nxt == "improvement"),
        "slightly": nxt not in ("better", "worse", "more", "less", "higher", "lower", "improved"),
        "very": nxt in _VERY_TARGETS,
        "always": nxt != "been" and not before.endswith(("almost ", "nearly ", "not ")),
        "a little": nxt not in ("bit", "more", "less", "better", "worse", "while"),
        "a lot of": nxt not in _DETERMINERS,
        "lots of": nxt not in _DETERMINERS,
    }
    return checks.get(key, True)


def _intensity_candidates(
    output: str, table: dict[str, str], context: str
) -> list[tuple[re.Match[str], str]]:
    pattern = re.compile(
        r"\b(" + "|".join(sorted(map(re.escape, table), key=len, reverse=True)) + r")\b",
        re.IGNORECASE,
    )
    found = []
    for m in pattern.finditer(output):
        key = m.group(1).lower()
        new = table[key]
        if new == "a little" and re.match(r"\s+\w+s\b", output[m.end() :]):
            new = "a few"  # countable: "lots of projects" -> "a few projects"
        if not _intensity_guard(output, m, key):
            continue
        if new in _SEVERITY_NEW_WORDS and re.search(rf"\b{re.escape(new)}\b", context, re.I):
            continue
        found.append((m, new))
    return found


def _intensity_change(
    kind: str,
    category: ErrorCategory,
    table: dict[str, str],
    context: str,
    output: str,
    rng: random.Random,
) -> Perturbation | None:
    candidates = _intensity_candidates(output, table, context)
    if not candidates:
        return None
    m, new = rng.choice(candidates)
    old = m.group()
    window = output[max(0, m.start() - 30) : m.end() + 50]
    certainty = old.lower().split()[0] in _CERTAINTY_WORDS
    risk = Risk.MODERATE if _FINDING_RE.search(window) else Risk.LOW
    what = "certainty" if certainty else "severity or frequency"
    direction = "Raised" if category is Cat.OVERSTATED_INTENSITY else "Lowered"
    replacement = _match_case(old, new)
    return _replace(
        kind,
        output,
        m.start(),
        m.end(),
        replacement,
        (category, risk),
        f"{direction} the {what}: '{old}' became '{replacement}'.",
    )


def overstate_certainty(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Hedged or mild wording made certain or severe ("possible" -> "definite")."""
    return _intensity_change(
        "overstate_certainty", Cat.OVERSTATED_INTENSITY, _OVERSTATE, context, output, rng
    )


def understate_certainty(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Certain or severe wording softened ("confirmed" -> "suspected", "severe" -> "mild")."""
    return _intensity_change(
        "understate_certainty", Cat.UNDERSTATED_INTENSITY, _UNDERSTATE, context, output, rng
    )


# --------------------------------------------------------------------------------------------
# Omissions
# --------------------------------------------------------------------------------------------

_PLAN_RE = re.compile(
    r"\b(?:start|continue|prescrib|refer|schedul|follow[- ]?up|recommend|order|discontinu|"
    r"increase|decrease|return|admit|discharg|given|taking|treated)\w*",
    re.IGNORECASE,
)


def _negated(sentence: str) -> bool:
    """A negation cue comes before the sentence's first finding ("denies chest pain")."""
    cue = _NEGATION_RE.search(sentence)
    finding = _FINDING_RE.search(sentence) or _DRUG_RE.search(sentence)
    return bool(cue) and (finding is None or cue.start() < finding.start())


def _salient(sentence: str) -> bool:
    content = _FINDING_RE.search(sentence) or _DRUG_RE.search(sentence) or _PLAN_RE.search(sentence)
    return bool(content) and len(_words(sentence)) >= 2


def drop_finding(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Remove a whole sentence carrying a finding, diagnosis, medication or plan."""
    spans = split_sentences(output)
    texts = [output[s:e] for s, e in spans]
    body = [i for i, t in enumerate(texts) if not _is_header(t)]
    if len(body) < 2:
        return None
    candidates = []
    for i in body:
        prev_header = i == 0 or _is_header(texts[i - 1])
        next_header = i + 1 == len(texts) or _is_header(texts[i + 1])
        numbered = _is_list_item(texts[i]) and i + 1 < len(texts) and _is_list_item(texts[i + 1])
        if _salient(texts[i]) and not (prev_header and next_header) and not numbered:
            candidates.append(i)
    affirmed = [i for i in candidates if not _negated(texts[i])]
    if not candidates:
        return None
    # an affirmed finding if there is one; a pertinent negative left out is a lesser omission
    i = rng.choice(affirmed or candidates)
    start, end = _sentence_cut(output, spans, i)
    return _delete(
        "drop_finding",
        output,
        start,
        end,
        (Cat.MISSING_CLAIM, Risk.MODERATE if affirmed else Risk.LOW),
        f"Removed the sentence '{texts[i]}'.",
        context,
    )


def _sentence_cut(output: str, spans: list[Span], i: int) -> Span:
    """The characters to remove with sentence ``i``: one adjoining gap, keeping line breaks."""
    start, end = spans[i]
    after = output[end : spans[i + 1][0]] if i + 1 < len(spans) else None
    before = output[spans[i - 1][1] : start] if i > 0 else None
    if after is not None and ("\n" not in after or before is None or "\n" in before):
        return start, spans[i + 1][0]
    if before is not None:
        return spans[i - 1][1], end
    return start, end


_END = r"(?=[,.;]|\s+(?:and|but)\b|$)"
_HISTORY_NOUNS = _wordlist(
    "stroke mi mis myocardial surgery fracture injury infection episode episodes diagnosis "
    "pneumonia cancer dvt clot"
)
_QUALIFIERS: tuple[tuple[str, str], ...] = (
    (
        "timing",
        r"(?:,\s*|\s+)(?:especially |mostly |mainly |usually |only )?(?:at night|in the morning|"
        r"in the evening|at rest|during the night|overnight|after meals|after eating|"
        r"before meals|on waking)" + _END,
    ),
    (
        "trigger",
        r"\s+(?:with|on|upon|during|after) (?:exertion|exercise|activity|physical activity|"
        r"walking|climbing stairs|position changes|deep breathing|deep inspiration|coughing|"
        r"eating|urination|movement|standing|lifting|bending)" + _END,
    ),
    (
        "condition",
        r"\s+(?:when|while|whenever) (?:(?:he|she|they|the patient) )?(?:\w+ing|stands?|sits?|"
        r"walks?|climbs?|lies|lays?|bends?|eats?|lifts?|coughs?|gets? up|moves?|turns?)\b"
        r"[^,.;()]{0,30}" + _END,
    ),
    ("duration", r"\s+for (?:the )?(?:past|last) (?:[\w-]+ ){0,2}(?:days?|weeks?|months?|years?)"),
    ("scope", r",\s*(?:especially|particularly|mainly|mostly|only) [^,.;()]{3,50}(?=[.;])"),
    ("history", r"(?<!-)\b(?:a )?(?:known )?history of\s+(?!present illness)(?=\w)"),
    ("history", r"\bstatus post\s+(?=\w)"),
    (
        "history",
        r"\b(?:previous|prior|remote)\s+(?=(?:\w+ )?(?:" + "|".join(_HISTORY_NOUNS) + r")\b)",
    ),
    ("extent", r"\b(?:partial|borderline|subclinical)\s+(?=\w)"),
)
_QUALIFIER_RES = tuple((name, re.compile(p, re.IGNORECASE)) for name, p in _QUALIFIERS)
_NOT_AFTER = re.compile(
    r"\b(?:medical|family|familial|surgical|social|past|no|any|denies|denied|negative|without|of|"
    r"had|long|longstanding|significant|extensive|remote|prior|strong|positive|personal|"
    r"see)\s+$",
    re.IGNORECASE,
)
_DATED_RE = re.compile(r"\b(?:19|20)\d\d\b|\bago\b|\bin (?:the )?past\b", re.IGNORECASE)


def drop_qualifier(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Remove a qualifier that changes the reading: timing, trigger, duration, history-of."""
    candidates = []
    for name, pattern in _QUALIFIER_RES:
        for m in pattern.finditer(output):
            if name == "history" and _NOT_AFTER.search(output[max(0, m.start() - 24) : m.start()]):
                continue
            sentence = output[slice(*_sentence_at(output, m.start()))]
            if name == "history" and _DATED_RE.search(sentence):
                continue  # "prior surgery 13 years ago" reads the same without "prior"
            candidates.append((name, m.start(), m.end()))
    rng.shuffle(candidates)
    for name, start, end in candidates:
        sentence = output[slice(*_sentence_at(output, start))]
        concerning = name in ("trigger", "condition", "timing") and _CONCERN_RE.search(sentence)
        risk = Risk.MODERATE if name == "history" or concerning else Risk.LOW
        removed = output[start:end].strip(" ,")
        result = _delete(
            "drop_qualifier",
            output,
            start,
            end,
            (Cat.MISSING_CONTEXT, risk),
            f"Removed the {name} qualifier '{removed}'.",
            context,
        )
        if result is not None:
            return result
    return None


_TREND_CLAUSE = re.compile(
    r"(?:,\s*|\s+)(?:although|but|and|which|though)\s+(?:(?:this|that|it|(?:these|the|her|his|"
    r"their)\s+\w+|symptoms|pain)\s+)?(?:has|have)\s+(?:since\s+)?(?:\w+ly\s+)?"
    r"(?P<verb>improved|worsened|progressed|increased|decreased|resolved|gotten worse|"
    r"gotten better)(?:\s+[^,.;()]{0,40})?(?=[,.;]|$)",
    re.IGNORECASE,
)
_TREND_ADJECTIVE = re.compile(
    r"(?<!been )(?<!is )(?<!are )(?<!was )(?<!were )(?<!be )"
    r"\b(?:(?:gradually|progressively|steadily)\s+)?(?P<verb>increasing|worsening|progressive|"
    r"improving|decreasing|escalating)\s+(?!(?:in|of|to|and|or|but|the|a|an|over|with|after|"
    r"since|for|at|on|as|when|while|until|despite|from|during|by|than)\b)"
    r"(?=(?:[\w-]+\s+){0,2}" + _FINDING_RE.pattern[2:] + r")",
    re.IGNORECASE,
)
_SIDE_COMPARISON = re.compile(
    r",\s*(?P<verb>right|left) (?:greater|worse) than (?:left|right)(?=[,.;]|$)", re.IGNORECASE
)
_TREND_THAN = re.compile(
    r",\s*(?:(?:much|significantly|slightly|somewhat)\s+)?(?P<verb>better|worse) than "
    r"(?:before|previously|at the last visit|last time|prior|usual|yesterday)(?=[,.;]|$)",
    re.IGNORECASE,
)
_WORSENING = ("wors", "progress", "increas", "escalat", "gotten worse")


def drop_comparison(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Remove a stated trend or comparison ("which has worsened", "increasing pain")."""
    candidates = [
        (m.start(), m.end(), m.group("verb").lower())
        for pattern in (_TREND_CLAUSE, _TREND_ADJECTIVE, _SIDE_COMPARISON, _TREND_THAN)
        for m in pattern.finditer(output)
    ]
    for start, end, verb in sorted(candidates, key=lambda c: (rng.random(), c)):
        worsening = verb.startswith(_WORSENING)
        risk = Risk.MODERATE if worsening else Risk.LOW
        removed = output[start:end].strip(" ,")
        result = _delete(
            "drop_comparison",
            output,
            start,
            end,
            (Cat.MISSING_COMPARISON, risk),
            f"Removed the comparison '{removed}'.",
            context,
        )
        if result is not None:
            return result
    return None


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------

PERTURBATIONS: dict[str, PerturbFn] = {
    "swap_laterality": swap_laterality,
    "change_value": change_value,
    "change_drug": change_drug,
    "flip_negation": flip_negation,
    "add_unsupported_finding": add_unsupported_finding,
    "add_unsupported_recommendation": add_unsupported_recommendation,
    "add_misleading_justification": add_misleading_justification,
    "invent_comparison": invent_comparison,
    "overstate_certainty": overstate_certainty,
    "understate_certainty": understate_certainty,
    "drop_finding": drop_finding,
    "drop_qualifier": drop_qualifier,
    "drop_comparison": drop_comparison,
}
KINDS: tuple[str, ...] = tuple(PERTURBATIONS)


def check_kinds(kinds: list[str] | tuple[str, ...] | None, owner: str = "synthesize") -> list[str]:
    """The kinds to use (all when None); unknown names raise ConfigError with a suggestion."""
    if kinds is None:
        return list(KINDS)
    for kind in kinds:
        if kind not in PERTURBATIONS:
            close = difflib.get_close_matches(kind, KINDS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{owner}: kinds must be among {', '.join(KINDS)}; received {kind!r}.{hint}"
            )
    return list(dict.fromkeys(kinds))


def apply_perturbation(
    kind: str, context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Apply the perturbation ``kind``; None when it does not apply or fails its own checks."""
    check_kinds([kind], "apply_perturbation")
    result = PERTURBATIONS[kind](context, output, rng, task=task)
    if result is None or not _valid(result, output):
        return None
    return result


def _valid(p: Perturbation, clean: str) -> bool:
    """Span sanity: in range, no edge whitespace, and the edit is the only difference."""
    if p.output == clean or _squash(p.output).lower() == _squash(clean).lower():
        return False
    spans = [(p.original_span, clean)] + ([(p.span, p.output)] if p.span else [])
    for (start, end), text in spans:
        if not 0 <= start <= end <= len(text) or text[start:end] != text[start:end].strip():
            log.debug("rejected %s: bad span", p.kind)
            return False
    if p.span is None:
        rebuilt = clean[: p.original_span[0]] + clean[p.original_span[1] :]
        return _bare(rebuilt).lower() == _bare(p.output).lower()
    s, e = p.span
    rebuilt = p.output[:s] + clean[slice(*p.original_span)] + p.output[e:]
    return _bare(rebuilt) == _bare(clean)


def _bare(text: str) -> str:
    return re.sub(r"\s+", "", text)
