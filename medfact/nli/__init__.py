"""Human-labelled entailment data for the tier-1 verifier: the builder (``medfact data nli``)
and its benchmark (``medfact bench nli``)."""

from __future__ import annotations

from medfact.nli.build import LABELS, SOURCES, BuildSettings, NLIRow, build_rows, write_nli

__all__ = ["LABELS", "SOURCES", "BuildSettings", "NLIRow", "build_rows", "write_nli"]
