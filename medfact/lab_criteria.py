"""Conditions an input shows by its results without naming them: a note may call a haemoglobin
of 84 g/L "anaemia" or a urine culture growing 10^5 E. coli a "UTI", which entities.v1 then
reads as supported (as it reads a creatinine risen 1.5-fold as an acute kidney injury).

Each criterion is a published diagnostic threshold, read on the input's numbers only:
- anaemia: WHO, "Haemoglobin concentrations for the diagnosis of anaemia and assessment of
  severity" (2011): below 120 g/L in non-pregnant women (130 in men, 110 in pregnancy and in
  children under five). The lowest adult cut-off is read for everyone, so a man's 125 g/L
  still needs the input's word.
- urinary tract infection: significant bacteriuria, 10^5 colony-forming units per mL of one
  organism (Kass 1956; NICE CKS "Urinary tract infection (lower) - women", diagnosis), or a
  urine dipstick positive for nitrite (NICE/PHE, "Diagnosis of urinary tract infections",
  2020).
"""

from __future__ import annotations

import re

from medfact.rehint import lower_ascii

# a haemoglobin with its value: "Hb 118 g/L", "haemoglobin nadir 84", "Hgb 9.8" (not "HbA1c")
_HAEMOGLOBIN = re.compile(
    r"\b(?:Hb|Hgb|(?i:ha?emoglobin))\b(?![A-Za-z0-9])[^\d\n.;(]{0,20}?"
    r"(?<![\d.])(\d{1,3}(?:\.\d+)?)(?![\d%]|\.\d|\s*%)"
)
_ANAEMIA_BELOW_G_L = 120.0
_G_DL_BELOW = 25.0  # a value under this is in g/dL ("Hb 9.8"), above it in g/L


def haemoglobin_low(text: str) -> bool:
    """Whether ``text`` gives a haemoglobin below the anaemia cut-off (in g/L, or in g/dL where
    the value is under 25)."""
    low = lower_ascii(text)
    if "Hb" not in text and "Hgb" not in text and low is not None and "moglobin" not in low:
        return False  # no haemoglobin named (ASCII text: its case folds to ASCII only)
    for m in _HAEMOGLOBIN.finditer(text):
        value = float(m.group(1))
        grams_per_litre = value * 10 if value < _G_DL_BELOW else value
        if 30 <= grams_per_litre < _ANAEMIA_BELOW_G_L:
            return True
    return False


# a urine result that shows an infection: "nitrites +", "nitrite positive", "positive for
# nitrites", "E. coli >10^5", "growth of 10*5 cfu/mL", ">100,000 CFU"
_NITRITE = re.compile(
    r"\bnitrites?\b[ \t:]*(?:\+|positive\b|pos\b|present\b|detected\b)"
    r"|\bpositive\s+(?:for\s+)?nitrites?\b",
    re.IGNORECASE,
)
_BACTERIURIA = re.compile(
    r"(?:>|≥|>=|over|greater\s+than)\s*(?:10\s*(?:\^|\*|x\s*10\^?|e)\s*5|10⁵|100[, ]?000)\b",
    re.IGNORECASE,
)
_URINE = re.compile(r"\b(?:urine|urinary|MSU|CSU|catheter\s+(?:sample|specimen)|dipstick)\b", re.I)
_URINE_REACH = 200  # characters back a culture result looks for the urine it grew from


def urine_infection_shown(text: str) -> bool:
    """Whether ``text`` gives a urine result that shows an infection: nitrite positive, or a
    culture growing 10^5 per mL or more, with the urine named before it."""
    low = lower_ascii(text)
    # a nitrite result names nitrite; a count holds "10" (ASCII text's case folds to ASCII only)
    nitrites = _NITRITE.finditer(text) if low is None or "nitrite" in low else ()
    counts = _BACTERIURIA.finditer(text) if "10" in text else ()
    for m in (*nitrites, *counts):
        if _URINE.search(text, max(0, m.start() - _URINE_REACH), m.start()):
            return True
    return False


__all__ = ["haemoglobin_low", "urine_infection_shown"]
