"""``overstate_certainty`` and ``understate_certainty``: hedged or mild wording made certain
or severe, and the reverse."""

from __future__ import annotations

import random
import re

from medfact.synth.perturb.base import Perturbation
from medfact.synth.perturb.edits import make_replacement
from medfact.synth.perturb.text import match_case, wordlist
from medfact.synth.perturb.vocabulary import FINDING_RE
from medfact.taxonomy import ErrorCategory, RiskLevel

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
    wordlist(
        "possible possibly probable probably likely suspected suspicious suggestive questionable "
        "presumed may might perhaps definite definitely confirmed diagnostic"
    )
)
_SEVERITY_NEW_WORDS = frozenset(
    wordlist(
        "severe severely marked major large constant constantly always frequently high-grade "
        "mild mildly slightly limited minor small occasional occasionally intermittent sometimes "
        "low-grade"
    )
)
_VERY_TARGETS = wordlist(
    "painful severe lightheaded dizzy tired weak sick ill swollen tender itchy short anxious "
    "depressed confused"
)


_STATS_WORDS = frozenset(
    wordlist(
        "difference differences association associations correlation effect effects predictor "
        "predictors change changes reduction increase decrease relationship risk"
    )
)


_DETERMINERS = frozenset(wordlist("the his her their this that these those my your its our"))


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
        and bool(FINDING_RE.match(nxt) or nxt == "improvement"),
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
    risk = RiskLevel.MODERATE if FINDING_RE.search(window) else RiskLevel.LOW
    what = "certainty" if certainty else "severity or frequency"
    direction = "Raised" if category is ErrorCategory.OVERSTATED_INTENSITY else "Lowered"
    replacement = match_case(old, new)
    return make_replacement(
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
        "overstate_certainty", ErrorCategory.OVERSTATED_INTENSITY, _OVERSTATE, context, output, rng
    )


def understate_certainty(
    context: str, output: str, rng: random.Random, *, task: str | None = None
) -> Perturbation | None:
    """Certain or severe wording softened ("confirmed" -> "suspected", "severe" -> "mild")."""
    return _intensity_change(
        "understate_certainty",
        ErrorCategory.UNDERSTATED_INTENSITY,
        _UNDERSTATE,
        context,
        output,
        rng,
    )
