"""``swap_laterality``: left <-> right and bilateral <-> unilateral for a side of the body."""

from __future__ import annotations

import random
import re

from medfact.synth.perturb.base import Perturbation
from medfact.synth.perturb.drugs import DRUG_RE
from medfact.synth.perturb.edits import make_replacement
from medfact.synth.perturb.text import match_case, sentence_at, wordlist
from medfact.taxonomy import ErrorCategory, RiskLevel

_PROCEDURE_LESION_RE = re.compile(
    r"\b(?:\w+(?:ectomy|otomy|ostomy|plasty|scopy|scopies)|surger(?:y|ies)|surgical|operation|"
    r"procedure|replacement|release|repair|biopsy|excision|resection|amputation|injection|"
    r"incision|stent|catheter|implant|transplant|graft|drain|cast|splint|lithotripsy|"
    r"pacemaker|lesion|mass|tumou?r|nodule|cyst|fracture|wound|laceration|ulcer|cancer|"
    r"carcinoma|melanoma|block)\b",
    re.IGNORECASE,
)


_ANATOMY = frozenset(
    wordlist(
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
        start, end = sentence_at(output, match.start())
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
    new = match_case(old, _SIDE_SWAP[old.lower()])
    near = _PROCEDURE_LESION_RE.search(sentence) or DRUG_RE.search(sentence)
    risk = RiskLevel.HIGH if near else RiskLevel.MODERATE
    return make_replacement(
        "swap_laterality",
        output,
        match.start(),
        match.end(),
        new,
        (ErrorCategory.DETAIL_MISIDENTIFICATION, risk),
        f"Changed the side from '{old}' to '{new}'.",
    )
