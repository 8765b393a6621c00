"""Drug names from the `drug-named-entity-recognition` package's data, read without its code.

That package unpickles its table and a user-home cache at import and can call a web API, so medfact
never imports it. We read only its bundled ``drug_ner_dictionary.pkl.bz2`` with an unpickler that
refuses every class: plain dicts, lists and strings load, anything able to run code is rejected.
"""

from __future__ import annotations

import bz2
import importlib.util
import pickle
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import compress, count, islice
from pathlib import Path

from medfact.errors import MedfactError
from medfact.rehint import fast_compile
from medfact.textutil import STOPWORDS

# Names the package's table lacks that notes use: British generics and the UK's lay names of
# inhalers by colour (a blue reliever is a short-acting beta-agonist, a brown preventer an
# inhaled steroid).
_EXTRA_VARIANTS = {
    "adrenaline": "epinephrine",
    "adrenalin": "epinephrine",
    "blue inhaler": "albuterol",
    "blue puffer": "albuterol",
    "blue reliever": "albuterol",
    "brown inhaler": "beclomethasone",
    "brown preventer": "beclomethasone",
    "txa": "tranexamic acid",
    "oxytocin": "oxytocin",
    "thyroxine": "levothyroxine",
    "l-thyroxine": "levothyroxine",
    "adenosine": "adenosine",
    # (thiamine, magnesium and ferrous sulphate, senna: left out; read as drugs they lowered the
    # MEDEC flag model's cross-validated margin below two standard errors)
    "vit k": "vitamin k",
    "vit d": "ergocalciferol",  # as the table reads "vitamin D"
    # UK brands and ward abbreviations the table lacks
    "mmf": "mycophenolate",
    "laxido": "macrogol",
    "movicol": "macrogol",
    "priadel": "lithium",
    "ufh": "heparin",  # unfractionated heparin, as LMWH is the low-molecular-weight one
    "augmentin": "co-amoxiclav",
    "septrin": "co-trimoxazole",
    "clenil": "beclomethasone",
    "epilim": "valproic acid",
    "tazocin": "piperacillin-tazobactam",
    "pip-tazo": "piperacillin-tazobactam",
    "pip-taz": "piperacillin-tazobactam",
    "piptaz": "piperacillin-tazobactam",
    # ward short forms of a drug's first syllables ("atorva 80", "IV vanc", "AZA 100 mg")
    "atorva": "atorvastatin",
    "simva": "simvastatin",
    "vanc": "vancomycin",
    "vanco": "vancomycin",
    "aza": "azathioprine",
    "mtx": "methotrexate",
    "ca gluconate": "calcium gluconate",
    "norad": "norepinephrine",
    "piperacillin-tazobactam": "piperacillin-tazobactam",
    "piperacillin/tazobactam": "piperacillin-tazobactam",
    # combination inhalers and tablets by brand, named by their drugs
    "trelegy": "fluticasone/umeclidinium/vilanterol",
    "breo": "fluticasone/vilanterol",
    "relvar": "fluticasone/vilanterol",
    "anoro": "umeclidinium/vilanterol",
    "seretide": "fluticasone/salmeterol",
    "janumet": "sitagliptin/metformin",
    "tylenol with codeine": "acetaminophen/codeine",
    # US brands the package's table lacks (FDA Orange Book / DailyMed labels)
    "dilantin": "phenytoin",
    "keflex": "cephalexin",
    "imdur": "isosorbide mononitrate",
    "hyzaar": "losartan/hydrochlorothiazide",
    "sinemet": "carbidopa/levodopa",
    "percocet": "oxycodone/acetaminophen",
    "vicodin": "hydrocodone/acetaminophen",
    "norco": "hydrocodone/acetaminophen",
    "ultracet": "tramadol/acetaminophen",
}

# brands whose number names another product ("Tylenol No. 3", "Tylenol #3": with codeine)
_NUMBERED = {
    "tylenol": ("acetaminophen/codeine", re.compile(r"\s*(?:no\.?|#)\s*[1-4]\b", re.IGNORECASE))
}


def _mention(text: str, key: str, start: int, end: int, canonical: str) -> DrugMention:
    """The mention of ``text[start:end]`` (looked up as ``key``), with a brand's number."""
    numbered = _NUMBERED.get(key)
    if numbered is not None and (m := numbered[1].match(text, end)):
        canonical, end = numbered[0], m.end()  # "Tylenol No. 3": with codeine
    return DrugMention(start, end, text[start:end], canonical)


_PACKAGE = "drug_named_entity_recognition"
_DATA_FILE = "drug_ner_dictionary.pkl.bz2"

# Canonical names the table gives one drug under two names ("Synthroid" -> thyroxine,
# "Levoxyl" -> levothyroxine): one of them.
_ONE_NAME = {"thyroxine": "levothyroxine", "mesalazine": "mesalamine"}  # the UK name, the US name

# Salts the package's table keys as drugs of their own: one drug with its base name.
_SAME_DRUG = {
    "sodium valproate": "valproic acid",
    "valproate sodium": "valproic acid",
    "low-dose aspirin": "aspirin",
    "low dose aspirin": "aspirin",
    # one drug spelled two ways, or named with its salt
    "beclometasone": "beclomethasone",
    "lithium carbonate": "lithium",
    "mycophenolate mofetil": "mycophenolate",
    "glyceryl trinitrate": "nitroglycerin",
}

# Variants the package's table gives the wrong drug: the right one.
_ERRATA = {
    # German "para-aminosalicylic acid" (4-ASA, the tuberculosis drug), not mesalazine (5-ASA)
    "p-aminosalicylsaeure": "aminosalicylic acid",
}

# Variants that are everyday or clinical words in notes rather than drug mentions.
_NOT_DRUGS = frozenset(
    [
        "today",
        "uric acid",  # a blood test ("urate (uric acid) level"), not a medicine
        "cortisol",  # a hormone measured ("salivary cortisol"); the drug is hydrocortisone
        "urate",
        "water",
        "air",
        "oxygen",
        "iron",
        "salt",
        "sugar",
        "alcohol",
        "caffeine",
        "nicotine",
        "sodium",
        "potassium",
        "calcium",
        "magnesium",
        "zinc",
        "protein",
        "fiber",
        "fluid",
        "fluids",
        "plan",
        "ice",
        "heat",
        "rest",
        "tape",
        "gel",
        "cream",
        "lotion",
        "patch",
        "drops",
        "spray",
        "tablet",
        "tablets",
        "pill",
        "pills",
        "capsule",
        "shot",
        "shots",
        "vaccine",
        "vaccines",
        "insulin",
        "blood",
        "serum",
        "plasma",
        "saline",
        "contrast",
        "dye",
        "pain",
        "fever",
        "sleep",
        "stress",
        "exercise",
        "diet",
        "milk",
        "tea",
        "coffee",
        "bed",
        "aid",
        "relief",
        "care",
        "control",
        "balance",
        "support",
        "recovery",
        "aspiration",
        "sure",
        "allergy",
        "allergies",
        "ace",
        "arb",
        "ppi",
        "nsaid",
        "nsaids",
        "cold",
        "flu",
        "chill",
        "hbsag",  # hepatitis B surface antigen: a serology result, not the vaccine's antigen
    ]
)


class _DataOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # noqa: ANN201 - pickle API
        raise pickle.UnpicklingError(f"refused to load {module}.{name}: data-only table expected")


@dataclass(frozen=True, slots=True)
class DrugMention:
    start: int
    end: int
    surface: str
    canonical: str


# Inhalers by colour where the text is about inhalers ("I'm using the brown one, two puffs
# morning and night"; "And the blue one? - Once a week"): a blue reliever is a short-acting
# beta-agonist, a brown preventer an inhaled steroid (the UK's colours).
_INHALER_TALK = fast_compile(r"\b(?:inhalers?|puffers?|puffs?|reliever|preventer)\b", re.IGNORECASE)
_BY_COLOUR = re.compile(r"\bthe\s+(blue|brown)\s+ones?\b", re.IGNORECASE)
_COLOURS = {"blue": "albuterol", "brown": "beclomethasone"}


def inhalers_by_colour(text: str) -> list[DrugMention]:
    """Inhalers named by colour ("the blue one") in a text that talks about inhalers."""
    if "the b" not in text.lower() or _INHALER_TALK.search(text) is None:
        return []
    return [
        DrugMention(m.start(), m.end(), m.group(), _COLOURS[m.group(1).lower()])
        for m in _BY_COLOUR.finditer(text)
    ]


def _data_path() -> Path:
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MedfactError(
            "the drug lexicon needs the package 'drug-named-entity-recognition' "
            "(pip install drug-named-entity-recognition)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / _DATA_FILE


def _uk_brands() -> dict[str, str]:
    """UK brands the package's table lacks, by the generic each is (data/uk_brands.toml)."""
    from medfact.lexicon.tables import read_tables

    return dict(read_tables("uk_brands.toml")["brand"])


_TITLE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?[^\S\n]+$")


class DrugLexicon:
    """Finds drug names (generic and brand, up to 3 words) and maps them to a canonical name."""

    _WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")
    _WORD_LOWER = re.compile(r"[a-z][a-z0-9\-]*")  # the same words of a lower-cased ASCII text

    def __init__(self, variants: dict[str, str]) -> None:
        self.variants = variants
        self.max_words = max((v.count(" ") + 1 for v in variants), default=1)
        # first words of multi-word names: only there is a longer match worth trying
        self.first_words = frozenset(v.split(" ", 1)[0] for v in variants if " " in v)
        # first two words of multi-word names: a pair that opens none needs no longer look-up
        self.first_pairs = frozenset(" ".join(v.split(" ")[:2]) for v in variants if " " in v)
        # words a name may start at: a one-word name, or the first word of a longer one
        self.starts = frozenset(v for v in variants if " " not in v) | self.first_words
        # the second words of the longer names a word opens that is no name itself ("i", "a"):
        # such a word opens a name only where one of them follows it
        seconds: dict[str, set[str]] = {}
        for v in variants:
            first, _, rest = v.partition(" ")
            if rest and first not in variants:
                seconds.setdefault(first, set()).add(rest.split(" ", 1)[0])
        self.seconds = {first: frozenset(words) for first, words in seconds.items()}

    @classmethod
    def load(cls, path: Path | None = None) -> DrugLexicon:
        with bz2.open(path or _data_path(), "rb") as handle:
            table = _DataOnlyUnpickler(handle).load()
        raw = table["drug_variant_to_canonical"]
        variants: dict[str, str] = {}
        for variant, canonicals in raw.items():
            key = variant.lower()
            if len(key) < 4 or key in STOPWORDS or key in _NOT_DRUGS or " " in key and "," in key:
                continue
            if key.count(" ") >= 3 or not canonicals:
                continue
            variants[key] = canonicals[0].lower()
        for key, canonical in _EXTRA_VARIANTS.items():
            variants.setdefault(key, canonical)
        variants.update(_SAME_DRUG)
        variants.update(_ERRATA)
        for brand, generic in _uk_brands().items():
            variants.setdefault(brand, variants.get(generic, generic))
        # one drug as its acid and as the acid's salt, which the package's table keys apart for
        # some ("alendronic acid", "alendronate"; "ibandronic acid", "ibandronate")
        acids = {c[:-7] + "ate": c for c in variants.values() if c.endswith("ic acid")}
        curated = set(_EXTRA_VARIANTS.values()) | set(_SAME_DRUG.values())
        for salt in curated & set(acids):
            acids[acids.pop(salt)] = salt  # a name chosen above stays ("mycophenolate")
        for key, canonical in variants.items():
            canonical = _ONE_NAME.get(canonical, canonical)
            variants[key] = acids.get(canonical, canonical)
        return cls(variants)

    def find(self, text: str) -> list[DrugMention]:
        found = [
            _mention(text, key, start, end, canonical)
            for key, start, end, canonical in self._names(text)
        ]
        if found and ("M" in text or "D" in text):
            # "Mrs Hana Sato", "Dr Luan": a name after a title is a person's, not a drug brand's
            found = [
                d
                for d in found
                if not (
                    d.surface[:1].isupper()
                    and _TITLE_BEFORE.search(text, max(0, d.start - 8), d.start)
                )
            ]
        return found

    def _names(self, text: str) -> list[tuple[str, int, int, str]]:
        """(key, start, end, canonical) of each name, longest first at each word. An ASCII
        text's words are read lower-cased without match objects; their offsets (the same in
        the lower-cased text) only where a name is found, as most texts name few drugs."""
        low = text.lower() if text.isascii() else None
        if low is None:
            words = [m.group().lower() for m in self._WORD.finditer(text)]
        else:
            words = self._WORD_LOWER.findall(low)
        hits = self._hits(words)
        if not hits:
            return []
        pattern, read = (self._WORD, text) if low is None else (self._WORD_LOWER, low)
        # the words' spans up to the last name's last word (no Python frame per word)
        spans = list(map(re.Match.span, islice(pattern.finditer(read), hits[-1][2] + 1)))
        return [(key, spans[i][0], spans[j][1], canonical) for key, i, j, canonical in hits]

    def _hits(self, words: list[str]) -> list[tuple[str, int, int, str]]:
        """(key, first word, last word, canonical) of each name in ``words``."""
        hits: list[tuple[str, int, int, str]] = []
        starts = self.starts
        if starts.isdisjoint(words):
            return hits  # no word names a drug or opens a name (many texts)
        variants, first_words, seconds = self.variants, self.first_words, self.seconds
        free = 0  # the first word after the last name found: a name's words start none
        last = len(words) - 1
        for i in compress(count(), map(starts.__contains__, words)):  # where a name may start
            if i < free:
                continue
            word = words[i]
            if word not in first_words:
                # one word only: a single look-up
                canonical = variants.get(word)
                if canonical is not None:
                    hits.append((word, i, i, canonical))
                continue
            follow = seconds.get(word)
            if follow is not None and (i == last or words[i + 1] not in follow):
                continue  # a word that is no name ("i", "a") opens none here
            longest = self.max_words
            if i + 1 < len(words) and f"{words[i]} {words[i + 1]}" not in self.first_pairs:
                longest = 1  # no name of two words or more starts with these two
            for n in range(min(longest, len(words) - i), 0, -1):
                key = words[i] if n == 1 else " ".join(words[i : i + n])
                canonical = variants.get(key)
                if canonical is not None:
                    hits.append((key, i, i + n - 1, canonical))
                    free = i + n
                    break
        return hits

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.variants


@lru_cache(maxsize=1)
def default_lexicon() -> DrugLexicon:
    """The process-wide lexicon, loaded on first use (about 1 s)."""
    return DrugLexicon.load()


def _class_word(word: str) -> str:
    """A class or drug word in lower case, a final plural "s" dropped ("NSAIDs" -> "nsaid")."""
    low = word.lower().strip()
    return low[:-1] if low.endswith("s") and not low.endswith("ss") else low


@lru_cache(maxsize=1)
def _drug_classes() -> tuple[dict[str, str], tuple[tuple[str, str], ...], dict[str, str]]:
    """The class table: class names -> class, (stem, class) pairs, member names -> class."""
    from medfact.lexicon.tables import read_tables

    named: dict[str, str] = {}
    stems: list[tuple[str, str]] = []
    members: dict[str, str] = {}
    for name, entry in read_tables("drug_classes.toml")["class"].items():
        named.update((_class_word(n), name) for n in [name, *entry["names"]])
        stems += [(s, name) for s in entry["stems"]]
        members.update((m, name) for m in entry["members"])
    return named, tuple(stems), members


def class_named(word: str) -> str | None:
    """The drug class a word names ("ACEi", "NSAIDs", "beta blocker"), or None."""
    return _drug_classes()[0].get(_class_word(word))


def _plural_forms(name: str) -> str:
    """A class name as a pattern: its words joined by spaces or hyphens, with its plural
    ("anti-inflammatory" -> "anti-inflammatories", "statin" -> "statins")."""
    words = [re.escape(w) for w in re.split(r"[\s-]+", name)]
    last = words[-1]
    plural = last[:-1] + "(?:y|ies)" if last.endswith("y") else last + "s?"
    return r"[\s-]+".join([*words[:-1], plural])


@cache
def _class_pattern(drug_class: str) -> re.Pattern[str] | None:
    """Whole-word names of a class of the class table, of four letters or more ("ace" alone is
    also a bandage), or None for a class the table does not hold."""
    from medfact.lexicon.tables import read_tables

    entry = read_tables("drug_classes.toml")["class"].get(drug_class)
    if entry is None:
        return None
    names = sorted({n for n in [drug_class, *entry["names"]] if len(n) >= 4}, key=len)
    if not names:
        return None
    alts = "|".join(_plural_forms(n) for n in reversed(names))
    return re.compile(rf"(?<![\w-])(?:{alts})(?![\w-])")


def class_mentions(drug_class: str, text_lower: str) -> list[tuple[str, int, int]]:
    """(words, start, end) of each place a lower-case text names the class ``drug_class`` by a
    name of the class table ("anti-inflammatories" for "nsaid")."""
    pattern = _class_pattern(drug_class)
    if pattern is None:
        return []
    return [(m.group(), m.start(), m.end()) for m in pattern.finditer(text_lower)]


def class_of_drug(word: str) -> str | None:
    """The class of a named drug, by its stem or as a listed member ("lisinopril" -> "ace
    inhibitor"), or None."""
    low = word.lower()
    _, stems, members = _drug_classes()
    if low in members:
        return members[low]
    return next((c for s, c in stems if low.endswith(s) and len(low) > len(s) + 2), None)
