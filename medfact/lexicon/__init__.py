"""Curated word tables (written for medfact) and the drug lexicon reader."""
