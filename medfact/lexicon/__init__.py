"""Curated word tables (medfact's own, in ``data/*.toml``, read by ``tables`` and named in
``terms``) and the drug lexicon reader (``drugs``)."""
