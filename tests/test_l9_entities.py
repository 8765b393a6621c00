"""entities.v1's concepts named the way people name them (session 9, helper L): the concept
tables of medfact/lexicon/data/entities.toml, each lay, British or "had X done" name checked
with a control (an input that does not talk about the concept at all still leaves the output's
concept unsupported). Small texts written for these tests."""

from __future__ import annotations

import pytest

from medfact.errors import ConfigError
from medfact.lexicon import tables
from medfact.testing import run_rule
from medfact.verifiers import entities
from medfact.verifiers.entities import supported_concepts

RULE = "entities.v1"


def unsupported(output: str, context: str) -> list[str]:
    """The messages of entities.v1's condition/procedure/setting findings."""
    return [
        f.message
        for f in run_rule(RULE, output, context)
        if f.rule == RULE and f.message.startswith(("condition", "procedure", "setting"))
    ]


# --- the data file -------------------------------------------------------------------------------


def test_tables_load_from_the_data_file() -> None:
    data = tables.read_tables("entities.toml")
    assert set(data) == {"condition", "procedure", "setting", "high_alert"}
    assert entities.CONDITIONS["heart failure"][:2] == ("heart failure", "CHF")
    assert ("procedure", "cholecystectomy") in entities.SUPPORT_ONLY
    # every support entry belongs to a concept with names
    for kind, concept in entities.SUPPORT_ONLY:
        assert concept in entities._NAMES[kind]


@pytest.mark.parametrize(
    "table",
    [
        {"condition": {"x": {"names": []}}},
        {"condition": {"x": {"names": ["a", "a"]}}},
        {"condition": {"x": {"names": ["a"], "suport": ["b"]}}},
        {"condition": {"x": ["a"]}},
        {"procedure": {}},
    ],
)
def test_a_broken_table_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, table: dict[str, object]
) -> None:
    full = {"condition": {}, "procedure": {}, "setting": {}, "high_alert": {}} | table
    if table == {"procedure": {}}:
        del full["setting"]
    monkeypatch.setattr(entities, "read_tables", lambda name: full)
    with pytest.raises(ConfigError, match="entities.toml"):
        entities._load()


# --- lay, British and "had X done" names: each supports its concept, and an input that does
# not talk about the concept (the control) leaves the same output unsupported -------------------

NAMED = [
    # (output, the input in other words, a control input that does not talk about it)
    (
        "Recurrent UTI.",
        "Patient: I think I've got a water infection again, it burns when I wee.",
        "Patient: It burns when I wee.",
    ),
    (
        "Known epilepsy; care plan followed.",
        "Mum: She's had three seizures this month, we follow her seizure plan.",
        "Mum: She's had three bad headaches this month.",
    ),
    (
        "Renal failure.",
        "Daughter: The doctors said her kidneys are failing.",
        "Daughter: The doctors said her heart is fine.",
    ),
    (
        "Previous hernia repair with mesh.",
        "Patient: I had the other side done five years ago, mesh, keyhole. The hernia's back.",
        "Patient: I had my knee done five years ago.",
    ),
    (
        "Previous cataract surgery.",
        "Patient: I had a cataract done last year.",
        "Patient: I had my eyes tested last year.",
    ),
    (
        "PMH: peptic ulcer disease.",
        "Patient: I had a stomach ulcer years ago.",
        "Patient: I had a sore stomach years ago.",
    ),
    (
        "PSH: cholecystectomy.",
        "Doctor: Any operations?\nPatient: The gallbladder, years ago.",
        "Doctor: Any operations?\nPatient: None, just the bunion years ago.",
    ),
    (
        "CT showed no bleed.",
        "Doctor: Your scan showed no bleed.",
        "Doctor: Your bloods showed no infection.",
    ),
    (
        "CT head normal.",
        "Patient: I had a brain scan at the hospital, they said it was fine.",
        "Patient: I had a blood test at the hospital, they said it was fine.",
    ),
    (
        "CT head normal.",
        "Patient: They scanned my head at the hospital, it was fine.",
        "Patient: They looked in my ears at the hospital, it was fine.",
    ),
    (
        "ECG done.",
        "Doctor: I'll do a tracing of your heart.",
        "Doctor: I'll check your blood pressure.",
    ),
    (
        "I&D performed.",
        "Doctor: I'll lance it today.",
        "Doctor: I'll dress it today.",
    ),
    (
        "Prior PCI.",
        "Patient: I had a stent put in two years ago.",
        "Patient: I had a fall two years ago.",
    ),
    (
        "She underwent incision and drainage.",
        "Doctor: So they did an I and D in E D?\nPatient: Yes.",
        "Doctor: So they gave you antibiotics in E D?\nPatient: Yes.",
    ),
    (
        "Surgical history: appendectomy.",
        "[patient] i had gall bladder and appendix .",
        "[patient] i had my knee scoped .",
    ),
    (
        "Family history of coronary artery disease.",
        "Patient: There's some history of heart disease in the family, I can't remember who.",
        "Patient: There's some history of diabetes in the family, I can't remember who.",
    ),
    (
        "Plan: hysterectomy and bilateral oophorectomy.",
        "Doctor: I would perform a hysterectomy and remove both ovaries.",
        "Doctor: I would perform a hysterectomy.",
    ),
    (
        "History of subdural hematoma.",
        "Patient: They told me I had bleeding on the brain after the fall.",
        "Patient: They told me I had a broken wrist after the fall.",
    ),
    (
        "Mechanical MVR on warfarin.",
        "74-year-old man on warfarin for a mechanical mitral valve.",
        "74-year-old man on warfarin for atrial fibrillation. Mitral valve normal on echo.",
    ),
    (
        "Carotid duplex: 80% stenosis on the left.",
        "Doctor: So the scan of the neck arteries shows an eighty percent narrowing.",
        "Doctor: So the bloods show your cholesterol is high.",
    ),
    (
        "CT angiogram planned.",
        "Doctor: You'll need another scan of the blood vessels first.",
        "Doctor: You'll need another blood test first.",
    ),
    (
        "AKI on bloods.",
        "Doctor: The kidney function's dropped quite a bit since the diarrhoea started.",
        "Doctor: The blood count has dropped quite a bit since the diarrhoea started.",
    ),
    (
        "Gallstones on ultrasound.",
        "Ultrasound: gallbladder with multiple stones and a thickened wall.",
        "Ultrasound: normal liver and spleen.",
    ),
    (
        "Renal colic.",
        "CT KUB: 6 mm stone at the left vesicoureteric junction.",
        "CT KUB: no abnormality.",
    ),
    (
        "Hypertrophic cardiomyopathy.",
        "Doctor: The scan shows your heart muscle is thickened.",
        "Doctor: The scan shows your heart is normal.",
    ),
    (
        "Multiple sclerosis, on interferon.",
        "PMH: MS, on interferon.",
        "PMH: asthma, on interferon.",
    ),
    (
        "Renal failure, stable.",
        "[doctor] your ckd is stable .",
        "[doctor] your asthma is stable .",
    ),
    (
        "Chronic kidney disease.",
        "Daughter: Her kidneys aren't great, they said they're only working at thirty percent.",
        "Daughter: Her eyes aren't great, she can only read large print.",
    ),
    (
        "Chest tube inserted.",
        "Nurse: The chest drain went in without problems.",
        "Nurse: The cannula went in without problems.",
    ),
    (
        "Paracentesis: 5 L drained.",
        "Patient: They drained the fluid from my belly, five litres.",
        "Patient: They took some blood from my arm.",
    ),
    ("Vasectomy 2015.", "Patient: I had the snip in 2015.", "Patient: I had a knee op in 2015."),
    (
        "Lives in assisted living.",
        "Daughter: Mum moved into sheltered housing last year.",
        "Daughter: Mum moved into a bungalow last year.",
    ),
    (
        "ERPC for miscarriage.",
        "Doctor: We'll do an evacuation of retained products this afternoon.",
        "Doctor: We'll repeat the scan this afternoon.",
    ),
]


@pytest.mark.parametrize(("output", "context", "control"), NAMED)
def test_a_lay_name_supports_its_concept(output: str, context: str, control: str) -> None:
    assert unsupported(output, context) == []
    assert unsupported(output, control), "the control input should leave it unsupported"


# --- signs count only where the input does not deny them ---------------------------------------


@pytest.mark.parametrize(
    ("output", "affirmed", "denied"),
    [
        ("Pneumonia on CXR.", "CXR: right lower lobe consolidation.", "CXR: no consolidation."),
        (
            "Previous hernia repair.",
            "Patient: The hernia came back after the last one.",
            "Abdomen soft, non-tender, no hernias.",
        ),
        (
            "Known epilepsy.",
            "Patient: I still get seizures about once a month.",
            "Denies seizures, headaches or weakness.",
        ),
        (
            "Subarachnoid haemorrhage.",
            "Doctor: The scan shows bleeding on the brain.",
            "Doctor: The scan shows no bleeding on the brain.",
        ),
    ],
)
def test_a_denied_sign_is_no_support(output: str, affirmed: str, denied: str) -> None:
    assert unsupported(output, affirmed) == []
    assert unsupported(output, denied)


def test_text_only_callers_read_signs_leniently() -> None:
    # support.v1 and omission.v1 read a text without its analysis: a sign counts there
    assert ("condition", "pneumonia") in supported_concepts("CXR: no consolidation.")


def test_determiners_are_one_word_in_lay_phrases() -> None:
    for said in ("a tracing of your heart", "the tracing of his heart", "tracing of the heart"):
        assert ("procedure", "ecg") in supported_concepts(f"Doctor: We did {said}.")


# --- what is no name of a concept, and what still is a fabrication ------------------------------


@pytest.mark.parametrize(
    "output",
    [
        "Plan: VTE ppx with enoxaparin.",
        "Plan: DVT prophylaxis with enoxaparin.",
        "Rheumatoid factor sent.",
        "MS 10 mg PRN for pain.",  # morphine sulfate, not multiple sclerosis
    ],
)
def test_what_names_no_condition(output: str) -> None:
    ctx = "Admitted with pneumonia. Enoxaparin 40 mg daily. Morphine 10 mg PRN. Bloods sent."
    assert unsupported(output, ctx) == []


@pytest.mark.parametrize(
    ("output", "context"),
    [
        # a memory clinic referral is where a dementia is sought, not found
        (
            "Cognitive screen 23/30, consistent with Alzheimer's dementia.",
            "Doctor: I'll refer you to the memory clinic for a proper assessment.",
        ),
        # a relative's lung cancer is no nodule of the patient's
        ("A firm 2 cm nodule in the left axilla.", "Patient: My sister had lung cancer."),
        ("History of DVT.", "Plan: VTE prophylaxis with enoxaparin."),
        ("History of cardiac arrest at 32.", "Patient: My brother collapsed playing football."),
        ("Known migraine.", "Patient: She has pain in her tummy and is throwing up."),
        ("Osteoarthritis of the knee.", "Patient: My knee hurts after a fall."),
        ("Mitral regurgitation.", "Echo: normal valves."),
        ("Kidney stones.", "Patient: The pain is in my back."),
    ],
)
def test_a_fabricated_concept_is_still_reported(output: str, context: str) -> None:
    assert unsupported(output, context)


# --- bare words that made a fabrication look supported ------------------------------------------


@pytest.mark.parametrize(
    ("output", "supporting", "bare"),
    [
        (
            "PMH: hypothyroidism.",
            "Patient: I take a thyroid tablet every morning.",
            "Doctor: I'll check your thyroid, blood count and iron today.",
        ),
        (
            "Hyperlipidaemia.",
            "Doctor: Your cholesterol's a bit high.",
            "Plan: lipid panel and cholesterol with the next bloods.",
        ),
    ],
)
def test_a_bare_word_no_longer_supports(output: str, supporting: str, bare: str) -> None:
    assert unsupported(output, supporting) == []
    assert unsupported(output, bare)


def test_a_relatives_support_word_supports_only_a_relatives_concept() -> None:
    ctx = "Patient: My mum had thyroid problems, she was on thyroid tablets for it."
    assert unsupported("PMH: hypothyroidism.", ctx)
    assert unsupported("FHx: mother had hypothyroidism.", ctx) == []
    # a name of the concept supports it wherever it stands (the family rules read the rest)
    named = "Patient: My mum had hypothyroidism."
    assert unsupported("PMH: hypothyroidism.", named) == []
