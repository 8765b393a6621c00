"""Small, JSON-serialisable text features and linear models for the MEDEC corrector.

Fitting uses scikit-learn (the ``model`` extra); using a fitted model needs only the standard
library: sparse vectors are plain ``{column: value}`` dicts, so a saved corrector never unpickles
anything and runs with medfact's core dependencies.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from medfact.errors import NotFittedError

_WORD = re.compile(r"(?u)\b\w\w+\b")


class NgramVectorizer:
    """TF-IDF of word or character (within word) n-grams: sublinear tf, smooth idf, l2 norm."""

    def __init__(self, kind: str = "word", ngram: tuple[int, int] = (1, 2), min_df: int = 2):
        if kind not in ("word", "char_wb"):
            raise ValueError(f"NgramVectorizer kind must be 'word' or 'char_wb', got {kind!r}")
        self.kind = kind
        self.ngram = (int(ngram[0]), int(ngram[1]))
        self.min_df = min_df
        self.vocabulary_: dict[str, int] | None = None
        self.idf_: list[float] | None = None

    def grams(self, text: str) -> list[str]:
        lo, hi = self.ngram
        text = text.lower()
        out: list[str] = []
        if self.kind == "word":
            words = _WORD.findall(text)
            for n in range(lo, hi + 1):
                out.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
            return out
        for word in text.split():
            padded = f" {word} "
            for n in range(lo, hi + 1):
                # as scikit-learn's char_wb: a padded word no longer than n counts once
                out.extend(padded[i : i + n] for i in range(max(len(padded) - n, 0) + 1))
                if len(padded) <= n:
                    break
        return out

    def sklearn(self):
        """The scikit-learn ``TfidfVectorizer`` this vectorizer reproduces."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer=self.kind,
            ngram_range=self.ngram,
            min_df=self.min_df,
            sublinear_tf=True,
            lowercase=True,
        )

    def fit_transform(self, texts: Sequence[str]):
        """Fit with scikit-learn (fast) and keep its vocabulary and idf; returns its matrix."""
        vec = self.sklearn()
        matrix = vec.fit_transform(list(texts))
        self.vocabulary_ = {t: int(i) for t, i in vec.vocabulary_.items()}
        self.idf_ = [float(v) for v in vec.idf_]
        return matrix

    def fit(self, texts: Sequence[str]) -> NgramVectorizer:
        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(self.grams(text)))
        kept = sorted(g for g, c in df.items() if c >= self.min_df)
        n = len(texts)
        self.vocabulary_ = {g: i for i, g in enumerate(kept)}
        self.idf_ = [math.log((1 + n) / (1 + df[g])) + 1 for g in kept]
        return self

    def transform_one(self, text: str) -> dict[int, float]:
        if self.vocabulary_ is None or self.idf_ is None:
            raise NotFittedError("NgramVectorizer is not fitted; call fit() first")
        counts = Counter(g for g in self.grams(text) if g in self.vocabulary_)
        vec = {}
        for gram, count in counts.items():
            j = self.vocabulary_[gram]
            vec[j] = (1 + math.log(count)) * self.idf_[j]
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {j: v / norm for j, v in vec.items()}

    @property
    def size(self) -> int:
        return len(self.vocabulary_ or {})

    def to_dict(self) -> dict[str, Any]:
        if self.vocabulary_ is None or self.idf_ is None:
            raise NotFittedError("NgramVectorizer is not fitted")
        terms = sorted(self.vocabulary_, key=self.vocabulary_.get)
        return {
            "kind": self.kind,
            "ngram": list(self.ngram),
            "min_df": self.min_df,
            "terms": terms,
            "idf": [round(v, 6) for v in self.idf_],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NgramVectorizer:
        vec = cls(data["kind"], tuple(data["ngram"]), data["min_df"])
        vec.vocabulary_ = {t: i for i, t in enumerate(data["terms"])}
        vec.idf_ = list(data["idf"])
        return vec


class LinearModel:
    """Logistic regression over standardised dense features plus optional TF-IDF n-grams."""

    def __init__(self, dense_names: Sequence[str], text: NgramVectorizer | None, C: float = 1.0):
        self.dense_names = list(dense_names)
        self.text = text
        self.C = C
        self.mean_: list[float] | None = None
        self.scale_: list[float] | None = None
        self.coef_: list[float] | None = None
        self.intercept_: float | None = None

    def _row(self, dense: Sequence[float], text: str | None) -> dict[int, float]:
        if self.mean_ is None or self.scale_ is None:
            raise NotFittedError("LinearModel is not fitted; call fit() first")
        row = {
            i: (float(v) - m) / s
            for i, (v, m, s) in enumerate(zip(dense, self.mean_, self.scale_, strict=True))
        }
        if self.text is not None:
            offset = len(self.dense_names)
            for j, v in self.text.transform_one(text or "").items():
                row[offset + j] = v
        return row

    def fit(
        self,
        dense: Sequence[Sequence[float]],
        texts: Sequence[str] | None,
        y: Sequence[int],
        class_weight: str | None = None,
    ) -> LinearModel:
        import numpy as np
        from scipy.sparse import csr_matrix, hstack
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(dense, dtype=float).reshape(len(y), len(self.dense_names))
        self.mean_ = [float(v) for v in X.mean(axis=0)] if len(X) else []
        std = X.std(axis=0) if len(X) else np.array([])
        self.scale_ = [float(s) if s > 1e-9 else 1.0 for s in std]
        scaled = (X - np.asarray(self.mean_)) / np.asarray(self.scale_)
        parts = [csr_matrix(scaled)]
        if self.text is not None:
            parts.append(self.text.fit_transform(list(texts or [])))
        matrix = hstack(parts).tocsr()
        clf = LogisticRegression(
            C=self.C,
            solver="liblinear",
            dual=matrix.shape[1] > matrix.shape[0],
            tol=1e-4,
            max_iter=5000,
            class_weight=class_weight,
        )
        clf.fit(matrix, np.asarray(y, dtype=int))
        self.coef_ = [float(c) for c in clf.coef_[0]]
        self.intercept_ = float(clf.intercept_[0])
        return self

    def decision(self, dense: Sequence[float], text: str | None = None) -> float:
        if self.coef_ is None or self.intercept_ is None:
            raise NotFittedError("LinearModel is not fitted; call fit() first")
        coef = self.coef_
        return self.intercept_ + sum(coef[j] * v for j, v in self._row(dense, text).items())

    def probability(self, dense: Sequence[float], text: str | None = None) -> float:
        z = self.decision(dense, text)
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0

    def to_dict(self) -> dict[str, Any]:
        if self.coef_ is None:
            raise NotFittedError("LinearModel is not fitted")
        return {
            "dense": self.dense_names,
            "C": self.C,
            "mean": [round(v, 6) for v in self.mean_ or []],
            "scale": [round(v, 6) for v in self.scale_ or []],
            "coef": [round(v, 6) for v in self.coef_],
            "intercept": round(self.intercept_ or 0.0, 6),
            "text": self.text.to_dict() if self.text is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        text = NgramVectorizer.from_dict(data["text"]) if data.get("text") else None
        model = cls(data["dense"], text, data.get("C", 1.0))
        model.mean_ = list(data["mean"])
        model.scale_ = list(data["scale"])
        model.coef_ = list(data["coef"])
        model.intercept_ = float(data["intercept"])
        return model
