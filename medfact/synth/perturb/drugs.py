"""``change_drug``: a drug name replaced by another real drug; the drug table other families
use to recognise medication mentions."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from medfact.synth.perturb.base import Perturbation
from medfact.synth.perturb.edits import make_replacement
from medfact.synth.perturb.text import match_case, mentions, term_regex
from medfact.taxonomy import ErrorCategory, RiskLevel

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
DRUG_BY_NAME = {name.lower(): drug for drug in _DRUGS for name in drug.names}
DRUG_RE = term_regex(tuple(DRUG_BY_NAME))
_DRUG_WORD_RE = re.compile(DRUG_RE.pattern + r"\b", re.IGNORECASE)


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
    drug = DRUG_BY_NAME[old.lower()]
    pair_text = context + "\n" + output
    absent = [d for d in _DRUGS if d is not drug and not mentions(pair_text, d.lower_names)]
    same_class = [d for d in absent if d.drug_class == drug.drug_class]
    pool = same_class if same_class and rng.random() < 0.5 else absent
    if not pool:
        return None
    new_drug = rng.choice(pool)
    is_brand = old.lower() != drug.generic.lower()
    name = new_drug.brands[0] if is_brand and new_drug.brands else new_drug.generic
    new = name if is_brand and new_drug.brands else match_case(old, name)
    relation = "another drug of the same class" if new_drug in same_class else "another drug"
    return make_replacement(
        "change_drug",
        output,
        match.start(),
        match.end(),
        new,
        (ErrorCategory.DETAIL_MISIDENTIFICATION, RiskLevel.HIGH),
        f"Replaced the drug '{old}' with {relation}, '{new}'.",
    )
