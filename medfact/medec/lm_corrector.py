"""``lm.v1``: MEDEC correction by the evaluator LM, few-shot with retrieved similar notes.

The note is shown one numbered sentence a line (prompt ``correct_note.v1``); before it, the
``shots`` most similar annotated notes (BM25 over their text) with their answers, as earlier
turns of the chat. The answer is parsed against the prompt's JSON schema, repaired once if
needed; an answer that still fails raises, so the batch turns it into an error record: a
verdict is never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from medfact.medec.corrector import BaseCorrector, correctors, default_data_dir
from medfact.medec.data import MedecNote, load_notes
from medfact.taxonomy import MedecType
from medfact.types import Correction, Evidence

_MEDEC_FILE = "medec-ms/MEDEC-MS-ValidationSet-with-GroundTruth-and-ErrorType.csv"


def _sentences(note: MedecNote) -> list[tuple[str, tuple[int, int]]]:
    if note.sentences:
        return [(s.text, tuple(s.span)) for s in note.sentences]
    from medfact.segment import segment

    return [(s.text, tuple(s.span)) for s in segment(note.text)]


def _numbered(note: MedecNote) -> str:
    return "\n".join(f"{i} {text.strip()}" for i, (text, _) in enumerate(_sentences(note)))


def _answer(note: MedecNote) -> dict[str, Any]:
    """What the model should say for an annotated note."""
    if not note.error_flag:
        return {
            "has_error": False,
            "error_type": None,
            "sentence_id": None,
            "sentence": None,
            "correction": None,
        }
    index = note.error_sentence_id
    sentences = _sentences(note)
    return {
        "has_error": True,
        "error_type": note.error_type.value if note.error_type else None,
        "sentence_id": index,
        "sentence": sentences[index][0]
        if index is not None and 0 <= index < len(sentences)
        else None,
        "correction": note.corrected_sentence,
    }


def _near_copy(a: str, b: str, limit: float = 0.8) -> bool:
    """Whether two notes share at least ``limit`` of their words (Jaccard): the same note, or
    twins that differ in one sentence."""
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return bool(wa | wb) and len(wa & wb) / len(wa | wb) >= limit


class LMCorrector(BaseCorrector):
    name = "lm.v1"

    def __init__(
        self, lm: Any, shots: int = 2, examples: Sequence[MedecNote] = (), max_new_tokens: int = 256
    ) -> None:
        self.lm = lm
        self.shots = shots
        self.examples = [n for n in examples if n.error_flag is not None]
        self.max_new_tokens = max_new_tokens
        self._index: Any = None

    def _similar(self, note: MedecNote) -> list[MedecNote]:
        if not self.examples or self.shots <= 0:
            return []
        if self._index is None:
            from medfact.corpora.context import ContextIndex
            from medfact.types import Sentence

            joined, spans, at = [], [], 0
            for i, ex in enumerate(self.examples):
                text = " ".join(ex.text.split())
                joined.append(text)
                spans.append(Sentence(index=i, span=(at, at + len(text)), text=text))
                at += len(text) + 1
            self._index = ContextIndex(" ".join(joined), spans, window=1)
        hits = self._index.search(" ".join(note.text.split()), self.shots + 3)
        picked = []
        for hit in hits:
            ex = self.examples[int(hit.doc_id.lstrip("s").split("-")[0])]
            if _near_copy(ex.text, note.text):
                continue  # the note itself, or its error/clean twin: its answer would leak
            picked.append(ex)
        return picked[: self.shots]

    def messages(self, note: MedecNote) -> list[dict[str, str]]:
        from medfact.lm.prompts import get_prompt

        prompt = get_prompt("correct_note.v1")
        chat: list[dict[str, str]] = []
        for ex in self._similar(note):
            turn = prompt.render(note=_numbered(ex))
            chat.extend(m for m in turn if m["role"] != "system" or not chat)
            chat.append({"role": "assistant", "content": prompt.target(_answer(ex))})
        turn = prompt.render(note=_numbered(note))
        chat.extend(m for m in turn if m["role"] != "system" or not chat)
        return chat

    def correct(self, note: MedecNote) -> Correction:
        from medfact.lm.base import LMOutputError
        from medfact.lm.parse import map_quote, parse_json
        from medfact.lm.prompts import get_prompt

        schema = get_prompt("correct_note.v1").schema
        chat = self.messages(note)
        generation = self.lm.generate(
            [chat], max_new_tokens=self.max_new_tokens, json_schema=schema
        )[0]
        parsed = parse_json(generation.text, schema)
        if not parsed.ok:
            retry = chat + [
                {"role": "assistant", "content": generation.text},
                {
                    "role": "user",
                    "content": "That answer did not match the required JSON "
                    "schema (" + "; ".join(parsed.errors[:3]) + "). Answer again with the JSON "
                    "object only.",
                },
            ]
            generation = self.lm.generate(
                [retry], max_new_tokens=self.max_new_tokens, json_schema=schema
            )[0]
            parsed = parse_json(generation.text, schema)
        if not parsed.ok:
            raise LMOutputError(
                f"note {note.id}: the LM's answer is not valid JSON for "
                f"correct_note.v1: {'; '.join(parsed.errors[:3])}"
            )
        answer = parsed.value
        if not answer["has_error"]:
            return Correction(id=note.id, error_flag=False, confidence=0.5)
        sentences = _sentences(note)
        index = answer.get("sentence_id")
        if not (isinstance(index, int) and 0 <= index < len(sentences)) and answer.get("sentence"):
            span = map_quote(note.text, answer["sentence"]).span
            index = next(
                (i for i, (_, s) in enumerate(sentences) if span and s[0] <= span[0] < s[1]), None
            )
        if index is None or not 0 <= index < len(sentences):
            raise LMOutputError(f"note {note.id}: the LM named no sentence of the note")
        text, span = sentences[index]
        error_type = MedecType.parse(answer["error_type"]) if answer.get("error_type") else None
        return Correction(
            id=note.id,
            error_flag=True,
            sentence_index=index,
            sentence_span=span if span[0] >= 0 else None,
            sentence=text,
            corrected_sentence=answer.get("correction") or None,
            error_type=error_type,
            category=error_type.category if error_type else None,
            confidence=0.5,
            evidence=[
                Evidence(text=ex.text[:300], source="similar_note", doc_id=ex.id)
                for ex in self._similar(note)
            ],
        )


@correctors.register("lm.v1")
def lm_corrector(
    lm_backend: str = "transformers",
    lm_model: str | None = None,
    lm_url: str | None = None,
    shots: int = 2,
    max_new_tokens: int = 256,
    data_dir: str | None = None,
    home: str | None = None,
) -> LMCorrector:
    """The evaluator LM as a corrector. Shots come from the MEDEC notes under ``data_dir``
    (default ``$MEDFACT_DATA`` or ``../shared/data``); none are used when they are absent."""
    from medfact.lm.base import create_lm

    params: dict[str, Any] = {}
    if lm_model:
        params["model"] = lm_model
    if lm_url:
        params["base_url"] = lm_url
    lm = create_lm(lm_backend, params)
    root = Path(data_dir) if data_dir else default_data_dir()
    examples: list[MedecNote] = []
    if shots > 0 and root is not None and (root / _MEDEC_FILE).is_file():
        examples, _ = load_notes(root / _MEDEC_FILE)
    return LMCorrector(lm, shots=shots, examples=examples, max_new_tokens=max_new_tokens)
