"""A persisted BM25 index over corpus passages (``bm25s`` sparse scores, medfact's tokeniser).

One directory per index::

    manifest.json            what was built, with what tokeniser, and the passages' SHA-256
    passages.jsonl           one Passage per line, in index order
    passages.offsets.npy     byte offset of each line (int64, n + 1 values)
    *.index.npy, *.json      bm25s's sparse score matrix (no pickle), vocabulary and parameters

Nothing is unpickled: every ``.npy`` loads with ``allow_pickle=False`` and the rest is JSON.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from medfact.errors import CorpusError
from medfact.registry import corpora
from medfact.textutil import STOPWORDS, TOKEN_RE
from medfact.types import Evidence

from .context import fast_stems

log = logging.getLogger(__name__)

FORMAT = "medfact.bm25"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
OFFSETS = "passages.offsets.npy"
BM25_PARAMS = {"method": "lucene", "k1": 1.2, "b": 0.75}
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True, slots=True)
class Passage:
    """One retrievable unit of a corpus. ``title`` is indexed with the text but not returned."""

    doc_id: str
    text: str
    title: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def indexed_text(self) -> str:
        return f"{self.title}\n{self.text}" if self.title else self.text

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "text": self.text,
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        return cls(data["doc_id"], data["text"], data.get("title"), data.get("metadata") or {})


def tokenizer_settings() -> dict[str, Any]:
    """What the index's tokens depend on; an index built with other settings must be rebuilt."""
    stopwords = "\n".join(sorted(STOPWORDS)).encode()
    return {
        "function": "medfact.textutil.content_stems",
        "token_pattern": TOKEN_RE.pattern,
        "lowercase": True,
        "stemmer": "snowball english (PyStemmer)",
        "stopwords_sha256": hashlib.sha256(stopwords).hexdigest(),
        "title": "prepended to the text",
    }


def medfact_home(home: str | os.PathLike[str] | None = None) -> Path:
    """``home``, else ``$MEDFACT_HOME``, else ``~/.cache/medfact``."""
    if home:
        return Path(home).expanduser()
    env = os.environ.get("MEDFACT_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "medfact"


def corpus_dir(name: str, home: str | os.PathLike[str] | None = None) -> Path:
    """Where the index called ``name`` lives: ``<home>/corpora/<name>``."""
    check_name(name)
    return medfact_home(home) / "corpora" / name


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise CorpusError(
            f"corpus name {name!r} is not allowed: use 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


class BM25Corpus:
    """A BM25 index on disk. ``BM25Corpus(path)`` only stores the path; the index loads on first
    use (``load`` loads at once). Scores are bm25s "lucene" BM25, k1=1.2, b=0.75."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._loaded = False

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        name: str,
        passages: Iterable[Passage],
        directory: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> BM25Corpus:
        """Index ``passages`` into ``directory`` and return the loaded corpus.

        Writes into a sibling temporary folder and renames it into place, so a failed build
        leaves any previous index untouched. ``progress`` is called with the passage count every
        1,000 passages.
        """
        import bm25s

        check_name(name)
        directory = Path(directory)
        if directory.exists() and any(directory.iterdir()):
            if not (directory / MANIFEST).is_file():
                raise CorpusError(f"{directory} holds files but no medfact index; not replacing it")
            if not overwrite:
                raise CorpusError(f"an index exists at {directory}; pass overwrite=True to rebuild")
        started = time.perf_counter()
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = directory.parent / f".{directory.name}.building-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            vocab: dict[str, int] = {}
            doc_ids: list[list[int]] = []
            count, digest, n_bytes = _write_passages(passages, tmp, vocab, doc_ids, progress)
            if count == 0:
                raise CorpusError(f"corpus {name!r} has no passages; nothing to index")
            if not vocab:
                raise CorpusError(f"corpus {name!r} has no indexable words")
            index = bm25s.BM25(**BM25_PARAMS)
            index.index((doc_ids, vocab), create_empty_token=False, show_progress=False)
            index.save(tmp, allow_pickle=False, show_progress=False)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "name": name,
                "medfact_version": _version("medfact"),
                "bm25s_version": _version("bm25s"),
                "passages": count,
                "vocabulary": len(vocab),
                "tokenizer": tokenizer_settings(),
                "bm25": BM25_PARAMS,
                "passages_file": {"name": PASSAGES, "sha256": digest, "bytes": n_bytes},
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "build_seconds": round(time.perf_counter() - started, 3),
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            _replace_dir(tmp, directory)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return cls.load(directory)

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, directory: str | os.PathLike[str], *, verify: bool = False) -> BM25Corpus:
        """Open the index in ``directory``; raises ``CorpusError`` if it is missing or
        incompatible. ``verify`` also checks the passages file against its SHA-256."""
        corpus = cls(directory)
        corpus._load(verify=verify)
        return corpus

    def _load(self, verify: bool = False) -> None:
        if self._loaded:
            return
        import bm25s

        directory = self.directory
        manifest = read_manifest(directory)
        passages_path = directory / PASSAGES
        expected = manifest["passages_file"]
        if not passages_path.is_file():
            raise CorpusError(f"index {directory} is missing {PASSAGES}; rebuild it")
        if passages_path.stat().st_size != expected.get("bytes"):
            raise CorpusError(f"{passages_path} changed since the index was built; rebuild it")
        if verify and _sha256(passages_path) != expected.get("sha256"):
            raise CorpusError(f"{passages_path} does not match its SHA-256; rebuild the index")
        try:
            offsets = np.load(directory / OFFSETS, allow_pickle=False)
            index = bm25s.BM25.load(
                directory, mmap=True, allow_pickle=False, load_corpus=False, show_progress=False
            )
        except (OSError, ValueError, KeyError, TypeError, ImportError) as exc:
            raise CorpusError(f"index {directory} is unreadable ({exc}); rebuild it") from None
        n = manifest["passages"]
        if offsets.shape != (n + 1,) or index.scores.get("num_docs") != n:
            raise CorpusError(f"index {directory} disagrees with its manifest; rebuild it")
        # Plain ndarray views of the memory maps: same pages, no np.memmap slicing overhead.
        index.scores = {
            key: np.asarray(value) if isinstance(value, np.memmap) else value
            for key, value in index.scores.items()
        }
        self.manifest = manifest
        self._index = index
        self._vocab: dict[str, int] = index.vocab_dict
        self._offsets = offsets
        with open(passages_path, "rb") as handle:
            self._mmap = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        self._loaded = True

    # -- use -----------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        self._load()
        return str(self.manifest["name"])

    def __len__(self) -> int:
        self._load()
        return int(self.manifest["passages"])

    def __repr__(self) -> str:
        state = f"{len(self)} passages" if self._loaded else "not loaded"
        return f"BM25Corpus({str(self.directory)!r}, {state})"

    def passage(self, number: int) -> Passage:
        """The passage at index position ``number``."""
        self._load()
        start, end = int(self._offsets[number]), int(self._offsets[number + 1])
        return Passage.from_dict(json.loads(self._mmap[start:end]))

    def iter_passages(self) -> Iterator[Passage]:
        for number in range(len(self)):
            yield self.passage(number)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (float32, index order)."""
        self._load()
        vocab = self._vocab
        ids = sorted({vocab[t] for t in fast_stems(query) if t in vocab})
        if not ids:
            return np.zeros(len(self), dtype=np.float32)
        return self._index.get_scores_from_ids(ids)

    def passages_with(self, stem: str) -> int:
        """How many of the corpus's passages hold ``stem`` (a token of ``fast_stems``)."""
        self._load()
        token = self._vocab.get(stem)
        if token is None:
            return 0
        indptr = self._index.scores["indptr"]
        return int(indptr[token + 1] - indptr[token])

    def top(self, query: str, k: int = 5) -> list[tuple[int, float]]:
        """(passage number, score) of the ``k`` best passages; ties by position; no zeros."""
        if k <= 0:
            return []
        scores = self.scores(query)
        hits = np.flatnonzero(scores > 0)
        if hits.size == 0:
            return []
        values = scores[hits]
        if hits.size > k:
            kth = np.partition(values, hits.size - k)[hits.size - k]
            keep = values >= kth
            hits, values = hits[keep], values[keep]
        order = np.lexsort((hits, -values))[:k]
        return [(int(hits[i]), float(values[i])) for i in order]

    def search(self, query: str, k: int = 5) -> list[Evidence]:
        """The ``k`` best passages as evidence (span covers the whole passage text)."""
        return [self.evidence(self.passage(n), score) for n, score in self.top(query, k)]

    def evidence(self, passage: Passage, score: float = 0.0) -> Evidence:
        """``passage`` as evidence from this corpus."""
        return Evidence(
            text=passage.text,
            source=self.name,
            doc_id=passage.doc_id,
            span=(0, len(passage.text)),
            score=score,
        )

    def search_many(self, queries: Iterable[str], k: int = 5) -> list[list[Evidence]]:
        """``search`` for each query, order kept."""
        return [self.search(query, k) for query in queries]

    def close(self) -> None:
        """Release the passages file; the corpus reloads on next use."""
        if self._loaded:
            self._mmap.close()
            self._loaded = False


def read_manifest(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The validated manifest of the index in ``directory``."""
    directory = Path(directory)
    path = directory / MANIFEST
    if not directory.is_dir():
        raise CorpusError(f"no corpus index at {directory}; build one with `medfact corpus build`")
    if not path.is_file():
        raise CorpusError(f"{directory} has no {MANIFEST}: not a medfact index, or a broken build")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path} is not valid JSON ({exc}); rebuild the index") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CorpusError(f"{path} is not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise CorpusError(
            f"{path} has format version {manifest.get('format_version')!r}; this medfact reads "
            f"version {FORMAT_VERSION}: rebuild the index"
        )
    required = {"name": str, "passages": int, "passages_file": dict, "tokenizer": dict}
    for key, kind in required.items():
        if not isinstance(manifest.get(key), kind):
            raise CorpusError(f"{path} lacks a valid {key!r}; rebuild the index")
    if manifest["tokenizer"] != tokenizer_settings():
        raise CorpusError(
            f"{path} was built with other tokenizer settings than this medfact's; rebuild the index"
        )
    if manifest.get("bm25") != BM25_PARAMS:
        raise CorpusError(f"{path} was built with other BM25 parameters; rebuild the index")
    return manifest


def _write_passages(
    passages: Iterable[Passage],
    directory: Path,
    vocab: dict[str, int],
    doc_ids: list[list[int]],
    progress: Callable[[int], None] | None,
) -> tuple[int, str, int]:
    """Write passages.jsonl and its offsets; fill ``vocab`` and per-passage token ids."""
    digest = hashlib.sha256()
    offsets = [0]
    seen: set[str] = set()
    with open(directory / PASSAGES, "wb") as out:
        for count, passage in enumerate(passages, 1):
            if not isinstance(passage, Passage):
                raise CorpusError(f"item {count} is a {type(passage).__name__}, not a Passage")
            if passage.doc_id in seen:
                raise CorpusError(f"doc_id {passage.doc_id!r} occurs twice (item {count})")
            seen.add(passage.doc_id)
            try:
                line = json.dumps(passage.to_dict(), ensure_ascii=False).encode() + b"\n"
            except (TypeError, ValueError) as exc:
                raise CorpusError(
                    f"passage {passage.doc_id!r} is not JSON-serialisable: {exc}"
                ) from None
            out.write(line)
            digest.update(line)
            offsets.append(offsets[-1] + len(line))
            doc_ids.append(
                [vocab.setdefault(t, len(vocab)) for t in fast_stems(passage.indexed_text())]
            )
            if progress is not None and count % 1000 == 0:
                progress(count)
    np.save(directory / OFFSETS, np.asarray(offsets, dtype=np.int64), allow_pickle=False)
    return len(offsets) - 1, digest.hexdigest(), offsets[-1]


def _replace_dir(new: Path, target: Path) -> None:
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@corpora.register("bm25.v1")
def bm25_corpus(path: str) -> BM25Corpus:
    """A persisted index: a directory, or the name of an index under the medfact home. Loads on
    first search."""
    directory = Path(path).expanduser()
    if not directory.is_dir() and NAME_RE.fullmatch(path):
        directory = corpus_dir(path)
    return BM25Corpus(directory)
