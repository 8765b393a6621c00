"""Unsupported sentences: a finding or a recommendation the input does not contain, in the
style of the text (clinical note, health answer or study abstract)."""

from __future__ import annotations

import random
import re

from medfact.synth.perturb.base import CategoryRisk, Perturbation
from medfact.synth.perturb.edits import make_insertion
from medfact.synth.perturb.text import is_header, is_list_item, mentions, split_sentences
from medfact.taxonomy import ErrorCategory, RiskLevel

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

_FINDINGS = {"note": _NOTE_FINDINGS, "qa": _QA_FINDINGS, "abstract": _ABSTRACT_FINDINGS}
_RECOMMENDATIONS = {
    "note": _NOTE_RECOMMENDATIONS,
    "qa": _QA_RECOMMENDATIONS,
    "abstract": _ABSTRACT_RECOMMENDATIONS,
}

_PATIENT_RE = re.compile(
    r"\b(?:he|she|his|her|the patient|patient is|denies|reports)\b|\[doctor\]|doctor:|patient:",
    re.IGNORECASE,
)


def text_style(context: str, output: str, task: str | None) -> str:
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
    if spans and not is_header(output[slice(*spans[0])]) and not is_list_item(output):
        points.append(0)
    for i, (start, end) in enumerate(spans):
        sentence = output[start:end]
        nxt = output[slice(*spans[i + 1])] if i + 1 < len(spans) else ""
        if sentence[-1] in ".!?" and not is_header(sentence) and not is_list_item(nxt):
            points.append(end)
    return points


def pick_unsupported(
    items: tuple[tuple[str, tuple[str, ...]], ...], pair_text: str, rng: random.Random
) -> tuple[str, tuple[str, ...]] | None:
    """One of ``items`` (text, keywords) whose keywords ``pair_text`` never mentions, or None."""
    usable = [item for item in items if not mentions(pair_text, item[1])]
    return rng.choice(usable) if usable else None


def _add_sentence(
    kind: str,
    items: tuple[tuple[str, tuple[str, ...]], ...],
    label: CategoryRisk,
    what: str,
    context: str,
    output: str,
    rng: random.Random,
) -> Perturbation | None:
    points = _insertion_points(output)
    chosen = pick_unsupported(items, context + "\n" + output, rng)
    if not points or chosen is None:
        return None
    at = rng.choice(points)
    sentence = chosen[0]
    description = f"Added {what} that the input does not support: '{sentence}'"
    return make_insertion(
        kind, output, at, sentence, _sentence_separator(output), label, description
    )


def add_unsupported_finding(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Insert a sentence stating a finding or diagnosis absent from the input."""
    items = _FINDINGS[text_style(context, output, task)]
    label = (ErrorCategory.FABRICATED_CLAIM, RiskLevel.MODERATE)
    return _add_sentence("add_unsupported_finding", items, label, "a finding", context, output, rng)


def add_unsupported_recommendation(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Insert a treatment, test or referral that the input does not contain."""
    items = _RECOMMENDATIONS[text_style(context, output, task)]
    label = (ErrorCategory.INCORRECT_RECOMMENDATION, RiskLevel.HIGH)
    return _add_sentence(
        "add_unsupported_recommendation", items, label, "a recommendation", context, output, rng
    )
