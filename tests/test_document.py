"""CaseDoc.claim_at: the claim overlapping a span most (first on a tie), by binary search."""

from __future__ import annotations

import random

from medfact.document import CaseDoc
from medfact.types import Case, Claim


def _by_scan(claims: list[Claim], start: int, end: int) -> Claim | None:
    best, overlap = None, 0
    for claim in claims:
        ov = min(end, claim.span[1]) - max(start, claim.span[0])
        if ov > overlap:
            best, overlap = claim, ov
    return best


def test_claim_at_agrees_with_a_full_scan_on_random_claims() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        claims = []
        for i in range(rng.randint(0, 12)):
            s = rng.randint(0, 100)
            claims.append(Claim(id=f"c{i}", text="x", span=(s, s + rng.randint(1, 40)), sentence=0))
        doc = CaseDoc(Case(id="d", output="x" * 200))
        doc.claims = claims
        for _ in range(5):
            a = rng.randint(0, 140)
            b = a + rng.randint(0, 30)
            assert doc.claim_at(a, b) is _by_scan(claims, a, b)


def test_claim_at_follows_a_replaced_claims_list() -> None:
    doc = CaseDoc(Case(id="d", output="x" * 50))
    doc.claims = [Claim(id="a", text="x", span=(0, 10), sentence=0)]
    assert doc.claim_at(2, 4).id == "a"
    doc.claims = [Claim(id="b", text="x", span=(20, 30), sentence=0)]
    assert doc.claim_at(2, 4) is None and doc.claim_at(22, 24).id == "b"
