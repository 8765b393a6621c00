"""Verifiers (installed as ``medfact.verifiers``): claim + evidence -> findings and verdicts.

Tier 0 is rules: each module registers one versioned rule. Tier 1 is ``crossencoder.v1``; tier 2,
``lm_evaluator.v1``, lives in :mod:`medfact.lm.evaluator` and registers here too.
"""

from medfact.lm import evaluator as _lm_evaluator  # noqa: F401 - registers lm_evaluator.v1
from medfact.verifiers import (  # noqa: F401 - imported to register
    anatomy,
    attributed,
    certainty,
    change,
    condition,
    crossencoder,
    drugs,
    entities,
    exception,
    omission,
    opposite,
    polarity,
    qualifier,
    route,
    support,
    takenback,
    temporal,
    values,
)
