"""The contracts every plug-in follows: call on one item, ``pipe`` on many, order kept.

Constructors only store parameters; anything heavy (index files, models) loads on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from medfact.types import Claim, Evidence, Sentence


@runtime_checkable
class Segmenter(Protocol):
    """Text -> sentences with exact spans; every sentence's text equals ``text[start:end]``."""

    def __call__(self, text: str) -> list[Sentence]: ...


class Decomposer:
    """Text -> claims. Subclasses implement ``__call__``; ``pipe`` batches it."""

    name: str = "decomposer"

    def __call__(self, text: str, sentences: Sequence[Sentence]) -> list[Claim]:
        raise NotImplementedError

    def pipe(
        self, items: Iterable[tuple[str, Sequence[Sentence]]], batch_size: int = 64
    ) -> Iterator[list[Claim]]:
        for text, sentences in items:
            yield self(text, sentences)


@runtime_checkable
class Retriever(Protocol):
    """Anything that returns ranked evidence for a query."""

    def search(self, query: str, k: int = 5) -> list[Evidence]: ...
