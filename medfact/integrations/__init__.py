"""Bridges from medfact to engines it does not own (each behind an optional extra).

``medfact.integrations.ray``: batch scoring on Ray Data (``pip install 'medfact[ray]'``).
"""
