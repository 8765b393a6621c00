"""Decomposers: output text -> claims with exact spans (``sentence.v1``, ``condition_aware.v1``)."""

from medfact.decomposers.condition_aware import ConditionAwareDecomposer
from medfact.decomposers.sentence import SentenceDecomposer

__all__ = ["ConditionAwareDecomposer", "SentenceDecomposer"]
