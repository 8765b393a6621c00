"""The drug lexicon reads common UK brands the package's table lacks by their generic
(data/uk_brands.toml, sources noted there; session 20, helper J)."""

from __future__ import annotations

from medfact.lexicon.drugs import DrugLexicon
from medfact.lexicon.tables import read_tables
from medfact.testing import run_rule


def test_every_listed_brand_reads_as_its_generic() -> None:
    variants = DrugLexicon.load().variants
    brands = read_tables("uk_brands.toml")["brand"]
    assert brands
    assert all(variants[b] == variants.get(g, g) for b, g in brands.items())


def test_a_brand_agrees_with_its_generic_in_the_input() -> None:
    context = "Doctor: use the clobetasone butyrate cream on the patches twice a day."
    assert not run_rule("drugs.v1", "Eumovate to the patches BD.", context)


def test_a_brand_of_another_drug_is_still_caught() -> None:
    context = "Doctor: use the hydrocortisone cream on the patches twice a day."
    found = run_rule("drugs.v1", "Eumovate to the patches BD.", context)
    assert any("hydrocortisone" in f.message for f in found)


def test_a_generic_agrees_with_its_brand_in_the_input() -> None:
    context = "Doctor: keep using the Eumovate cream on the patches twice a day."
    assert not run_rule("drugs.v1", "Clobetasone butyrate cream to the patches BD.", context)


def test_a_brand_read_under_the_us_name_agrees_with_the_uk_generic() -> None:
    # the package's table names the drug of "Pentasa" mesalamine and "mesalazine" apart
    context = "Doctor: carry on with the mesalazine, one gram twice a day."
    assert not run_rule("drugs.v1", "Pentasa 1 g BD.", context)
