"""The drug lexicon corrects a variant the package's table gives the wrong drug: German
"p-aminosalicylsaeure" is para-aminosalicylic acid (4-ASA), not mesalazine (5-ASA)."""

from __future__ import annotations

from medfact.lexicon.drugs import DrugLexicon
from medfact.testing import run_rule


def test_para_aminosalicylic_acid_is_not_mesalazine() -> None:
    variants = DrugLexicon.load().variants
    assert variants["p-aminosalicylsaeure"] == variants["para-aminosalicylic acid"]
    assert variants["p-aminosalicylsaeure"] != variants["mesalazine"]
    assert variants["5-aminosalicylic acid"] == variants["mesalazine"]


def test_pas_written_for_mesalazine_is_a_different_drug() -> None:
    context = "Doctor: carry on with the mesalazine, one gram twice a day."
    found = run_rule("drugs.v1", "p-Aminosalicylsaeure 1 g BD.", context)
    assert any("mesalazine" in f.message for f in found)
