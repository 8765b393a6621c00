"""Word lists several perturbation families share: findings, concerning symptoms and
negation cues (medfact's own short lists)."""

from __future__ import annotations

import re

from medfact.synth.perturb.text import term_regex, wordlist

# Stems match at a word start; "$" marks a whole word (short terms: "uti$" is not "utilize").
_FINDING_TERMS = wordlist(
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
FINDING_RE = term_regex(tuple(_FINDING_TERMS) + ("heart failure", "short of breath"))

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
CONCERN_RE = term_regex(tuple(_CONCERN_TERMS))

NEGATION_RE = re.compile(
    r"\b(?:no|not|denies|denied|deny|without|negative|none|never|non|nor|unremarkable|"
    r"noncontributory|non-contributory|absent|free of)\b|n't\b",
    re.IGNORECASE,
)
