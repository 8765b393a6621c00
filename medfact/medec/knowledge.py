"""Knowledge a MEDEC corrector checks a note against: MedQuAD conditions, PubMedQA, similar notes.

* :class:`FocusIndex` groups MedQuAD passages by their focus (a condition, an organism, a test)
  into one profile per focus (its description, symptoms, causes, exams, treatment, outlook) and
  ranks the profiles against a note's findings with BM25. It also indexes focus names (to link a
  stated diagnosis to its profile) and the treatment passages alone (to link a stated treatment to
  the conditions it treats). Persisted under ``<home>/corpora/medec-focus`` as ``.npy`` arrays and
  JSON (no pickle), rebuilt when the MedQuAD folder changes.
* :class:`NoteMemory` holds annotated notes (their findings, their error sentence and its
  correction) and finds the ones most similar to a new note. It is built at run time from a
  labelled file; nothing of it is stored with the model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from medfact.errors import CorpusError
from medfact.textutil import STOPWORDS, content_stems, stem
from medfact.types import Evidence

if TYPE_CHECKING:
    from medfact.medec.data import MedecNote

log = logging.getLogger(__name__)

FOCUS_FORMAT = "medfact.medec-focus"
FOCUS_VERSION = 2
K1, B = 1.2, 0.75
#: MedQuAD question types whose answers describe a condition clinically (kept in a profile).
CLINICAL_QTYPES = frozenset(
    [
        "information",
        "symptoms",
        "causes",
        "exams and tests",
        "treatment",
        "complications",
        "outlook",
        "stages",
        "prevention",
        "susceptibility",
        "considerations",
    ]
)

# Words that say what kind of statement a sentence makes rather than what it states.
CUE_WORDS = frozenset(
    content_stems(
        """patient patients diagnosed diagnosis diagnose suspected suspect suspicion confirms
        confirmed confirm causal cause caused organism pathogen agent infection infected likely
        most shows shown showed figure recommended recommend prescribed prescribe administered
        adminstered administer performed perform scheduled ordered order started start initiated
        initiate treated treat treatment therapy given advised advise referred refer obtained
        measured checked begun continued continue next step result findings consistent
        laboratory studies tests test indicate indicates indicated culture pathology reports
        report determined responsible physician doctor plan underwent undergo evaluation
        evaluated managed management required require decided based following due because
        exam examination"""
    )
)

# Words of a condition's name that do not identify it ("E. coli infections" is "E. coli").
_GENERIC_NAME_STEMS = frozenset(
    content_stems("infection infections disease diseases disorder disorders syndrome condition")
)
_GENERIC_FOCUS = re.compile(r"^(what i need to know about|what you need to know about)\s+", re.I)


def _stems(text: str) -> list[str]:
    return [t for t in content_stems(text) if not t[0].isdigit()]


class _SparseBM25:
    """BM25 over a few thousand documents as a CSR matrix of per-term weights (numpy only)."""

    def __init__(self, vocab: dict[str, int], indptr, indices, data, idf) -> None:
        self.vocab = vocab
        self.indptr = np.asarray(indptr, dtype=np.int64)  # per term (CSC-like): docs holding it
        self.indices = np.asarray(indices, dtype=np.int32)
        self.data = np.asarray(data, dtype=np.float32)
        self.idf = np.asarray(idf, dtype=np.float32)
        self.n_docs = 0

    @classmethod
    def build(cls, docs: Sequence[list[str]]) -> _SparseBM25:
        counts = [Counter(d) for d in docs]
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        avg = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        postings: dict[str, list[tuple[int, int]]] = {}
        for i, c in enumerate(counts):
            for term, tf in c.items():
                postings.setdefault(term, []).append((i, tf))
        vocab = {t: j for j, t in enumerate(sorted(postings))}
        n = len(docs)
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        idf = []
        for term in sorted(postings):
            plist = postings[term]
            idf.append(math.log(1 + (n - len(plist) + 0.5) / (len(plist) + 0.5)))
            for i, tf in plist:
                indices.append(i)
                data.append(tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[i] / avg)))
            indptr.append(len(indices))
        index = cls(vocab, indptr, indices, data, idf)
        index.n_docs = n
        return index

    def scores(self, terms: Iterable[str], weights: dict[str, float] | None = None) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        for term in sorted(set(terms)):  # a fixed order: float sums never depend on hashing
            j = self.vocab.get(term)
            if j is None:
                continue
            w = self.idf[j] * (weights.get(term, 1.0) if weights else 1.0)
            a, b = self.indptr[j], self.indptr[j + 1]
            out[self.indices[a:b]] += w * self.data[a:b]
        return out

    def holds(self, term: str, doc: int) -> bool:
        j = self.vocab.get(term)
        if j is None:
            return False
        a, b = self.indptr[j], self.indptr[j + 1]
        return bool(np.any(self.indices[a:b] == doc))

    def idf_of(self, term: str) -> float:
        j = self.vocab.get(term)
        return float(self.idf[j]) if j is not None else 0.0

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}_indptr": self.indptr,
            f"{prefix}_indices": self.indices,
            f"{prefix}_data": self.data,
            f"{prefix}_idf": self.idf,
        }

    @classmethod
    def from_arrays(cls, prefix: str, arrays, vocab_terms: list[str], n_docs: int) -> _SparseBM25:
        index = cls(
            {t: j for j, t in enumerate(vocab_terms)},
            arrays[f"{prefix}_indptr"],
            arrays[f"{prefix}_indices"],
            arrays[f"{prefix}_data"],
            arrays[f"{prefix}_idf"],
        )
        index.n_docs = n_docs
        return index


@dataclass
class FocusEntry:
    name: str
    doc_ids: list[str]


class FocusIndex:
    """MedQuAD condition profiles, their names and their treatment passages, ranked by BM25."""

    def __init__(self, names: list[str], doc_ids: list[list[str]], profiles, titles, treatments):
        self.names = names
        self.doc_ids = doc_ids
        self.profiles: _SparseBM25 = profiles
        self.titles: _SparseBM25 = titles
        self.treatments: _SparseBM25 = treatments
        self._name_stems = [set(_stems(n)) - _GENERIC_NAME_STEMS for n in names]
        self._passages: dict[str, str] | None = None
        self._directory: Path | None = None
        self.source: Path | None = None

    def __len__(self) -> int:
        return len(self.names)

    # -- building and persistence ---------------------------------------------------------------

    @classmethod
    def from_passages(cls, passages: Iterable) -> FocusIndex:
        texts: dict[str, list[str]] = {}
        treat: dict[str, list[str]] = {}
        ids: dict[str, list[str]] = {}
        display: dict[str, str] = {}
        by_id: dict[str, str] = {}
        for p in passages:
            meta = p.metadata or {}
            focus = _GENERIC_FOCUS.sub("", (meta.get("focus") or "").strip())
            if not focus or meta.get("qtype") not in CLINICAL_QTYPES:
                continue
            key = focus.lower()
            display.setdefault(key, focus)
            texts.setdefault(key, []).append(p.text)
            ids.setdefault(key, []).append(p.doc_id)
            by_id[p.doc_id] = p.text
            if meta.get("qtype") == "treatment":
                treat.setdefault(key, []).append(p.text)
        keys = sorted(texts)
        if not keys:
            raise CorpusError("no MedQuAD passages with a focus and a clinical question type")
        profiles = _SparseBM25.build(
            [_stems(f"{display[k]}. {display[k]}. " + " ".join(texts[k])) for k in keys]
        )
        titles = _SparseBM25.build([_stems(display[k]) for k in keys])
        treatments = _SparseBM25.build([_stems(" ".join(treat.get(k, []))) for k in keys])
        index = cls(
            [display[k] for k in keys], [ids[k] for k in keys], profiles, titles, treatments
        )
        index._passages = by_id
        return index

    def save(self, directory: Path, source_digest: str) -> None:
        directory = Path(directory)
        tmp = directory.parent / f".{directory.name}.building-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            meta = {
                "format": FOCUS_FORMAT,
                "format_version": FOCUS_VERSION,
                "source_digest": source_digest,
                "names": self.names,
                "doc_ids": self.doc_ids,
            }
            for prefix, index in (
                ("profiles", self.profiles),
                ("titles", self.titles),
                ("treatments", self.treatments),
            ):
                meta[f"{prefix}_vocab"] = sorted(index.vocab, key=index.vocab.get)
                for key, array in index.arrays(prefix).items():
                    np.save(tmp / f"{key}.npy", array, allow_pickle=False)
            (tmp / "focus.json").write_text(json.dumps(meta), encoding="utf-8")
            if self._passages is not None:
                text = json.dumps(self._passages, ensure_ascii=False)
                (tmp / "passages.json").write_text(text, encoding="utf-8")
            if directory.exists():
                shutil.rmtree(directory)
            os.replace(tmp, directory)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, source_digest: str | None = None) -> FocusIndex:
        directory = Path(directory)
        try:
            meta = json.loads((directory / "focus.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CorpusError(f"no readable focus index at {directory} ({exc})") from None
        if meta.get("format") != FOCUS_FORMAT or meta.get("format_version") != FOCUS_VERSION:
            raise CorpusError(f"{directory} holds another format; rebuild it")
        if source_digest is not None and meta.get("source_digest") != source_digest:
            raise CorpusError(f"{directory} was built from other MedQuAD files; rebuild it")
        n = len(meta["names"])
        parts = {}
        for prefix in ("profiles", "titles", "treatments"):
            arrays = {
                f"{prefix}_{k}": np.load(directory / f"{prefix}_{k}.npy", allow_pickle=False)
                for k in ("indptr", "indices", "data", "idf")
            }
            parts[prefix] = _SparseBM25.from_arrays(prefix, arrays, meta[f"{prefix}_vocab"], n)
        index = cls(meta["names"], meta["doc_ids"], **parts)
        index._directory = directory
        return index

    @classmethod
    def open(cls, medquad: Path, home: str | os.PathLike[str] | None = None) -> FocusIndex:
        """The index of the MedQuAD folder ``medquad``: loaded from ``<home>/corpora/medec-focus``
        when it was built from the same files, else built there (about 10 s)."""
        from medfact.corpora import corpus_dir, iter_medquad

        medquad = Path(medquad)
        if not medquad.is_dir():
            raise CorpusError(f"MedQuAD folder {medquad} does not exist")
        digest = _folder_digest(medquad)
        directory = corpus_dir("medec-focus", home)
        try:
            index = cls.load(directory, digest)
        except CorpusError:
            log.info("building the MedQuAD focus index at %s", directory)
            index = cls.from_passages(iter_medquad(medquad))
            try:
                index.save(directory, digest)
            except OSError as exc:  # a read-only home: keep it in memory
                log.warning("could not save the focus index at %s (%s)", directory, exc)
        index.source = medquad
        return index

    # -- use ------------------------------------------------------------------------------------

    def link(self, answer: Sequence[str], min_cover: float = 0.5, k: int = 10) -> list[int]:
        """Foci whose name the answer stems mostly cover ("vitamin D deficiency rickets" links
        to "rickets"), best first."""
        answer_set = set(answer)
        if not answer_set:
            return []
        initials = {a[0] for a in answer_set}
        scores = self.titles.scores(answer_set)
        out = []
        for i in np.argsort(-scores)[:k]:
            if scores[i] <= 0:
                break
            name = self._name_stems[i]
            # a one-letter word is a genus initial ("E. coli" for "Escherichia coli")
            hits = sum(1 for t in name if t in answer_set or (len(t) == 1 and t in initials))
            if name and hits / len(name) >= min_cover and name & answer_set:
                out.append(int(i))
        return out

    def treated_by(self, answer: Sequence[str], k: int = 20) -> list[int]:
        """Foci whose treatment passages mention the answer's terms most, best first."""
        scores = self.treatments.scores(answer)
        top = np.argsort(-scores)[:k]
        return [int(i) for i in top if scores[i] > 0]

    def passage_text(self, doc_id: str) -> str | None:
        """The text of a MedQuAD passage (loaded from the source folder on first use)."""
        if self._passages is None and self._directory is not None:
            try:
                text = (self._directory / "passages.json").read_text(encoding="utf-8")
                self._passages = json.loads(text)
            except (OSError, ValueError):
                self._passages = None
        if self._passages is None:
            self._passages = {}
            if self.source is not None:
                from medfact.corpora import iter_medquad

                wanted = {d for ids in self.doc_ids for d in ids}
                for p in iter_medquad(self.source):
                    if p.doc_id in wanted:
                        self._passages[p.doc_id] = p.text
        return self._passages.get(doc_id)

    def evidence(self, focus: int, score: float, text_chars: int = 600) -> Evidence:
        doc_id = self.doc_ids[focus][0]
        text = self.passage_text(doc_id) or self.names[focus]
        text = text[:text_chars]
        return Evidence(
            text=text, source="medquad", doc_id=doc_id, span=(0, len(text)), score=float(score)
        )


def _folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.xml")):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder)}:{stat.st_size}\n".encode())
    return digest.hexdigest()


# -- similar annotated notes ---------------------------------------------------------------------


@dataclass
class MemoryNote:
    id: str
    findings: str
    wrong: str | None  # the error sentence, for a note with an error
    right: str | None  # its correction (or the stated answer of a clean note, when known)
    error_type: str | None


class NoteMemory:
    """Annotated notes, searchable by the similarity of their findings (TF-IDF cosine)."""

    def __init__(self, notes: Sequence[MemoryNote]) -> None:
        self.notes = list(notes)
        docs = [Counter(_stems(n.findings)) for n in self.notes]
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.keys())
        n = max(len(docs), 1)
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, d in enumerate(docs):
            for t, w in self._vector(d).items():
                self.postings.setdefault(t, []).append((i, w))

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        vec = {t: (1 + math.log(c)) * self.idf.get(t, 0.0) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def similar(self, findings: str, k: int = 5) -> list[tuple[float, MemoryNote]]:
        """``(cosine similarity, MemoryNote)`` of the ``k`` most similar notes, best first."""
        sims: dict[int, float] = {}
        for t, w in self._vector(Counter(_stems(findings))).items():
            for i, v in self.postings.get(t, ()):
                sims[i] = sims.get(i, 0.0) + w * v
        best = sorted(sims.items(), key=lambda x: (-x[1], x[0]))[:k]
        return [(sim, self.notes[i]) for i, sim in best if sim > 0]


def answer_stems(sentence: str, other: set[str]) -> list[str]:
    """Content stems of what a sentence states: its words minus cue words, preferring those the
    rest of the note does not already contain."""
    st = [t for t in _stems(sentence) if t not in CUE_WORDS]
    novel = [t for t in st if t not in other]
    return novel or st


def stem_word(word: str) -> str:
    low = word.lower()
    return "" if low in STOPWORDS else stem(low)


# -- the knowledge resources ---------------------------------------------------------------------


@dataclass
class Knowledge:
    """What the corrector retrieves from; any part may be missing (its features are then 0)."""

    focus: FocusIndex | None = None
    pubmed: Any = None  # medfact.corpora.BM25Corpus (imported lazily)
    memory: NoteMemory | None = None
    #: per-note work that depends on no label (prepared notes, corpus features), by text hash
    cache: dict = field(default_factory=dict)
    cache_limit: int = 5000

    def remember(self, key: Any, value: Any) -> Any:
        if len(self.cache) >= self.cache_limit:
            self.cache.clear()
        self.cache[key] = value
        return value


def memory_from_notes(notes: Iterable[MedecNote]) -> NoteMemory:
    """A :class:`NoteMemory` of the labelled notes with an error (their error sentence and its
    correction); clean notes carry no located answer and are left out."""
    items = []
    for note in notes:
        if not note.error_flag or note.sentences is None or note.error_sentence_id is None:
            continue
        k = note.error_sentence_id
        findings = " ".join(s.text for s in note.sentences if s.index != k)
        items.append(
            MemoryNote(
                id=note.id,
                findings=findings,
                wrong=note.sentences[k].text,
                right=note.corrected_sentence,
                error_type=note.error_type.value if note.error_type else None,
            )
        )
    return NoteMemory(items)


def open_pubmedqa(path: Path, home: str | os.PathLike[str] | None):
    from medfact.corpora import BM25Corpus, corpus_dir, iter_pubmedqa

    directory = corpus_dir("medec-pubmedqa", home)
    try:
        return BM25Corpus.load(directory)
    except CorpusError:
        log.info("building the PubMedQA index at %s", directory)
        return BM25Corpus.build("medec-pubmedqa", iter_pubmedqa(path), directory, overwrite=True)
