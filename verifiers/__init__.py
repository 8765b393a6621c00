"""Verifiers (installed as ``medfact.verifiers``): claim + evidence -> findings and verdicts.

Tier 0 is rules: each module registers one versioned rule.
"""

from medfact.verifiers import (  # noqa: F401 - imported to register
    anatomy,
    certainty,
    change,
    crossencoder,
    drugs,
    omission,
    polarity,
    support,
    values,
)
