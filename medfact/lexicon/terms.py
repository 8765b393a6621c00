"""Curated clinical word tables, written for medfact. Lower-case; multi-word entries allowed.

The tables live in ``medfact/lexicon/data/*.toml`` (one file per concern; each key there is the
name here in lower case) and are read once, at import, by :mod:`medfact.lexicon.tables`. Edit the
data files to change a table; the names and types below are the API the engine reads.
"""

from __future__ import annotations

from medfact.lexicon.tables import (
    number_map,
    pair_map,
    text_map,
    word_groups,
    word_set,
    word_tuple,
)

# --- negation and uncertainty (ConText-style triggers), dialogue answers: negation.toml ----------
NEGATION_PRE: tuple[str, ...] = word_tuple("negation.toml", "negation_pre")
NEGATION_POST: tuple[str, ...] = word_tuple("negation.toml", "negation_post")
UNCERTAINTY_PRE: tuple[str, ...] = word_tuple("negation.toml", "uncertainty_pre")
SCOPE_TERMINATORS: tuple[str, ...] = word_tuple("negation.toml", "scope_terminators")
NEGATIVE_ANSWERS: tuple[str, ...] = word_tuple("negation.toml", "negative_answers")
POSITIVE_ANSWERS: tuple[str, ...] = word_tuple("negation.toml", "positive_answers")
LEADING_NEGATIVE_ANSWERS: tuple[str, ...] = word_tuple("negation.toml", "leading_negative_answers")
WELLNESS_QUESTION_WORDS: tuple[str, ...] = word_tuple("negation.toml", "wellness_question_words")
UNCERTAINTY_POST: tuple[str, ...] = word_tuple("negation.toml", "uncertainty_post")
PSEUDO_NEGATIONS: tuple[str, ...] = word_tuple("negation.toml", "pseudo_negations")
NON_NAMES: frozenset[str] = word_set("negation.toml", "non_names")
CONVERSATIONAL_HEDGES: frozenset[str] = word_set("negation.toml", "conversational_hedges")

# --- history, family and hypothetical scope, section headers: scope.toml --------------------------
HISTORY_PRE: tuple[str, ...] = word_tuple("scope.toml", "history_pre")
HISTORY_POST: tuple[str, ...] = word_tuple("scope.toml", "history_post")
HISTORY_PSEUDO: tuple[str, ...] = word_tuple("scope.toml", "history_pseudo")
CURRENT_MARKERS: tuple[str, ...] = word_tuple("scope.toml", "current_markers")
FAMILY_PRE: tuple[str, ...] = word_tuple("scope.toml", "family_pre")
RELATIVES: frozenset[str] = word_set("scope.toml", "relatives")
RELATIVE_VERBS: frozenset[str] = word_set("scope.toml", "relative_verbs")
FAMILY_TERMINATORS: tuple[str, ...] = word_tuple("scope.toml", "family_terminators")
HYPOTHETICAL_PRE: tuple[str, ...] = word_tuple("scope.toml", "hypothetical_pre")
POSSIBILITY_PRE: tuple[str, ...] = word_tuple("scope.toml", "possibility_pre")
POSSIBILITY_POST: tuple[str, ...] = word_tuple("scope.toml", "possibility_post")
POSSIBILITY_PRESUPPOSED: frozenset[str] = word_set("scope.toml", "possibility_presupposed")
POSSIBILITY_STOPS: tuple[str, ...] = word_tuple("scope.toml", "possibility_stops")
POSSIBILITY_DEGREES: frozenset[str] = word_set("scope.toml", "possibility_degrees")
PRESUPPOSING_WORDS: frozenset[str] = word_set("scope.toml", "presupposing_words")
PERSONAL_SUBJECTS: tuple[str, ...] = word_tuple("scope.toml", "personal_subjects")
SECTION_HEADERS: dict[str, str] = text_map("scope.toml", "section_headers")

# --- laterality and anatomy: anatomy.toml ---------------------------------------------------------
LATERALITY: dict[str, str] = text_map("anatomy.toml", "laterality")
SIDE_AXES: dict[str, str] = text_map("anatomy.toml", "side_axes")
SIBLING_GROUPS: tuple[tuple[str, ...], ...] = word_groups("anatomy.toml", "sibling_groups")
LOOSE_SIBLING_GROUPS: tuple[tuple[str, ...], ...] = word_groups(
    "anatomy.toml", "loose_sibling_groups"
)
SIBLING_ALIASES: tuple[tuple[str, ...], ...] = word_groups("anatomy.toml", "sibling_aliases")
SIBLING_COLLECTIVES: tuple[tuple[str, ...], ...] = word_groups(
    "anatomy.toml", "sibling_collectives"
)
REGIONS: tuple[tuple[str, ...], ...] = word_groups("anatomy.toml", "regions")
ANATOMY: frozenset[str] = word_set("anatomy.toml", "anatomy")
PROCEDURE_WORDS: frozenset[str] = word_set("anatomy.toml", "procedure_words")
ANATOMY_KEYS: dict[str, str] = text_map("anatomy.toml", "anatomy_keys")

# --- certainty, intensity, frequency (higher is more): scales.toml --------------------------------
CERTAINTY_SCALE: dict[str, float] = number_map("scales.toml", "certainty_scale")
SEVERITY_SCALE: dict[str, float] = number_map("scales.toml", "severity_scale")
FREQUENCY_SCALE: dict[str, float] = number_map("scales.toml", "frequency_scale")
SCALES: dict[str, dict[str, float]] = {
    "certainty": CERTAINTY_SCALE,
    "severity": SEVERITY_SCALE,
    "frequency": FREQUENCY_SCALE,
}

# --- comparison and change over time: change.toml -------------------------------------------------
CHANGE_WORDS: dict[str, str] = text_map("change.toml", "change_words")
COMPARISON_MARKERS: tuple[str, ...] = word_tuple("change.toml", "comparison_markers")
CHANGE_PHRASES: dict[str, str] = text_map("change.toml", "change_phrases")

# --- advice, synonyms, generic, clinical and demographic words: words.toml ------------------------
RECOMMENDATION_WORDS: frozenset[str] = word_set("words.toml", "recommendation_words")
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = word_groups("words.toml", "synonym_groups")
GENERIC_WORDS: frozenset[str] = word_set("words.toml", "generic_words")
CLINICAL_WORDS: frozenset[str] = word_set("words.toml", "clinical_words")
CANCER_SITES: frozenset[str] = word_set("words.toml", "cancer_sites")
DEMOGRAPHIC_WORDS: frozenset[str] = word_set("words.toml", "demographic_words")
RESULT_OPPOSITES: dict[str, str] = text_map("words.toml", "result_opposites")

# --- numbers, units and dosing frequencies: quantities.toml ---------------------------------------
NUMBER_WORDS: dict[str, float] = number_map("quantities.toml", "number_words")
UNITS: dict[str, tuple[str, str]] = pair_map("quantities.toml", "units")
DOSE_CLASSES: frozenset[str] = word_set("quantities.toml", "dose_classes")
UNIT_FACTORS: dict[str, float] = number_map("quantities.toml", "unit_factors")
FREQUENCIES: dict[str, float] = number_map("quantities.toml", "frequencies")
LABS: dict[str, str] = text_map("quantities.toml", "labs")

# --- routes of administration: routes.toml -------------------------------------------------------
ROUTES: dict[str, str] = text_map("routes.toml", "routes")
NEEDLE_ROUTES: frozenset[str] = word_set("routes.toml", "needle_routes")
DRUG_WORDS: frozenset[str] = word_set("routes.toml", "drug_words")
