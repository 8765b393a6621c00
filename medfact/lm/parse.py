"""From an LM's text to a checked JSON object, and from its quotes back to character offsets.

``parse_json(text, schema)`` finds the JSON object in the answer, repairs the faults small models
make (code fences, reasoning blocks, trailing commas, single quotes, Python literals, unquoted
keys, raw newlines in strings, a truncated end), coerces near-misses the schema makes
unambiguous (``"Contradicted"`` for the enum value ``"contradicted"``, ``"3"`` for the integer
3), drops keys the schema does not allow, and validates the result. Every repair is listed.
Nothing is invented: a missing required field or a value outside an enum stays an error, and
the caller turns an error into an error record, never into a guessed verdict.

``map_quote(text, quote)`` finds a quoted span in the text it came from: exactly, then ignoring
case, whitespace runs and typographic quotes and dashes, then fuzzily (rapidfuzz's
``partial_ratio_alignment`` at a minimum score). A quote found nowhere maps to ``span=None``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_THINK = re.compile(r"<think>.*?(</think>|$)", re.S | re.I)
_FENCE = re.compile(r"```[ \t]*(?:json|JSON|javascript|js)?[ \t]*\n?(.*?)(?:```|$)", re.S)
_ESCAPES = set('"\\/bfnrtu')
_OPEN_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019"}
_CLOSERS = {"{": "}", "[": "]"}
_LITERALS = {
    "true": "true",
    "false": "false",
    "null": "null",
    "True": "true",
    "False": "false",
    "None": "null",
    "NaN": "null",
    "Infinity": "null",
    "undefined": "null",
}


@dataclass
class ParseResult:
    """The outcome of parsing one answer. ``ok`` only when ``value`` exists and ``errors`` is
    empty; ``repairs`` names each fix that was applied on the way."""

    value: dict[str, Any] | None
    raw: str
    repairs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.value is not None and not self.errors

    @property
    def error(self) -> str | None:
        return "; ".join(self.errors) if self.errors else None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "repairs": self.repairs, "errors": self.errors}


# --- finding and repairing the JSON ---------------------------------------------------------------


def extract_json(text: str) -> tuple[Any, list[str], str | None]:
    """(value, repairs, error) for the first JSON object in ``text``; value is None on failure."""
    repairs: list[str] = []
    if not isinstance(text, str) or not text.strip():
        return None, repairs, "the answer is empty"
    body = text
    if _THINK.search(body):
        body = _THINK.sub("", body)
        repairs.append("removed a reasoning block")
    if "```" in body:
        for match in _FENCE.finditer(body):
            if "{" in match.group(1):
                body = match.group(1)
                repairs.append("removed a code fence")
                break
    start = body.find("{")
    if start < 0:
        return None, repairs, "the answer holds no JSON object"
    if body[:start].strip():
        repairs.append("ignored text before the JSON object")
    try:
        value, end = json.JSONDecoder().raw_decode(body, start)
    except json.JSONDecodeError:
        pass
    else:
        if body[end:].strip():
            repairs.append("ignored text after the JSON object")
        return value, repairs, None
    candidate, fixes, cut_points = _rewrite(body, start)
    repairs.extend(fixes)
    try:
        value = json.loads(candidate)
    except json.JSONDecodeError as exc:
        error = f"not valid JSON even after repair ({exc.msg} at character {exc.pos})"
    else:
        return value, repairs, None
    # A truncated answer whose last item is incomplete: drop items from the end until it parses.
    for cut, closers in reversed(cut_points[-40:]):
        try:
            value = json.loads(candidate[:cut] + closers)
        except json.JSONDecodeError:
            continue
        repairs.append("dropped an incomplete last item")
        return value, repairs, None
    return None, repairs, error


def _rewrite(text: str, start: int) -> tuple[str, list[str], list[tuple[int, str]]]:
    """One pass over ``text[start:]`` that emits strict JSON where the faults are recognisable.

    Returns the candidate, the repairs made, and the places (with the closers they would need)
    where a truncated candidate could be cut after a complete item.
    """
    out: list[str] = []
    fixes: set[str] = set()
    stack: list[str] = []
    cuts: list[tuple[int, str]] = []
    n, i = len(text), start
    quote: str | None = None  # the closing delimiter while inside a string

    def closers() -> str:
        return "".join(_CLOSERS[c] for c in reversed(stack))

    while i < n:
        ch = text[i]
        if quote is not None:
            if ch == "\\" and i + 1 < n:
                nxt = text[i + 1]
                if nxt in _ESCAPES:
                    out.append(ch + nxt)
                elif nxt == "'":
                    out.append("'")
                else:
                    out.append("\\\\" + nxt)
                    fixes.add("escaped a stray backslash")
                i += 2
                continue
            if ch == quote and _closes_string(text, i + 1):
                out.append('"')
                quote = None
            elif ch == '"':
                out.append('\\"')
                fixes.add("escaped a quote inside a string")
            elif ch == "\n":
                out.append("\\n")
                fixes.add("escaped a line break inside a string")
            elif ch in "\t\r":
                out.append("\\t" if ch == "\t" else "\\r")
            elif ord(ch) < 0x20:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
            i += 1
            continue
        if ch in _OPEN_QUOTES:
            if ch != '"':
                fixes.add("replaced single or typographic quotes")
            quote = _OPEN_QUOTES[ch]
            out.append('"')
            i += 1
        elif ch in "{[":
            stack.append(ch)
            out.append(ch)
            i += 1
        elif ch in "}]":
            want = "{" if ch == "}" else "["
            if want not in stack:
                i += 1  # a stray closer
                fixes.add("dropped an unmatched bracket")
                continue
            while stack[-1] != want:
                out.append(_CLOSERS[stack.pop()])
                fixes.add("closed a bracket that was left open")
            stack.pop()
            out.append(ch)
            i += 1
            if not stack:
                if text[i:].strip():
                    fixes.add("ignored text after the JSON object")
                return "".join(out), sorted(fixes), cuts
            cuts.append((len("".join(out)), closers()))
        elif ch == ",":
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] in "}],":
                fixes.add("removed a trailing comma")
            else:
                cuts.append((len("".join(out)), closers()))
                out.append(ch)
            i += 1
        elif ch == "/" and i + 1 < n and text[i + 1] in "/*":
            end = text.find("\n" if text[i + 1] == "/" else "*/", i + 2)
            i = n if end < 0 else end + (1 if text[i + 1] == "/" else 2)
            fixes.add("removed a comment")
        elif ch.isalpha() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_-"):
                j += 1
            word = text[i:j]
            k = j
            while k < n and text[k] in " \t":
                k += 1
            if k < n and text[k] == ":":
                out.append(json.dumps(word))
                fixes.add("quoted a bare key")
            elif word in _LITERALS:
                out.append(_LITERALS[word])
                if word != _LITERALS[word]:
                    fixes.add("replaced a Python or JavaScript literal")
            else:
                # a bare word as a value: take the words up to the next delimiter as one string
                m = j
                while m < n and text[m] not in ",}]\n":
                    m += 1
                out.append(json.dumps(text[i:m].strip()))
                fixes.add("quoted a bare value")
                j = m
            i = j
        else:
            out.append(ch)
            i += 1
    # The text ended inside the object: close what is open.
    if quote is not None:
        out.append('"')
        fixes.add("closed a truncated string")
    candidate = "".join(out).rstrip()
    while candidate.endswith(","):
        candidate = candidate[:-1].rstrip()
    if candidate.endswith(":"):
        candidate += " null"
    if stack:
        candidate += closers()
        fixes.add("closed a truncated object")
    return candidate, sorted(fixes), cuts


def _closes_string(text: str, after: int) -> bool:
    """Whether a quote mark ends its string: it is followed by a delimiter or the end."""
    j = after
    while j < len(text) and text[j] in " \t\r\n":
        j += 1
    return j >= len(text) or text[j] in ",:}]"


# --- checking against the schema -------------------------------------------------------------


def parse_json(text: str, schema: dict[str, Any] | None = None) -> ParseResult:
    """The JSON object in an LM answer, repaired, coerced to ``schema`` and validated."""
    value, repairs, error = extract_json(text)
    result = ParseResult(value=None, raw=text if isinstance(text, str) else "", repairs=repairs)
    if error is not None:
        result.errors.append(error)
        return result
    if not isinstance(value, dict):
        result.errors.append(f"expected a JSON object, got a JSON {type(value).__name__}")
        return result
    if schema is not None:
        value = _coerce(value, schema, "", result.repairs)
        result.errors.extend(validate(value, schema))
    result.value = value
    return result


def validate(value: Any, schema: dict[str, Any]) -> list[str]:
    """Schema violations of ``value`` as readable lines (empty when valid)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)
    out = []
    for err in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.path))):
        where = "/".join(str(p) for p in err.path) or "(root)"
        out.append(f"{where}: {err.message}")
    return out


def _norm_token(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return set(kind)
    if isinstance(kind, str):
        return {kind}
    out: set[str] = set()
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        out |= _types(option)
    return out


def _coerce(value: Any, schema: dict[str, Any], where: str, repairs: list[str]) -> Any:
    """Unambiguous fixes only; anything else is left for the validator to reject."""
    types = _types(schema)
    here = where or "(root)"
    word = value.strip().lower() if isinstance(value, str) else None
    if "null" in types and (word in ("null", "none") or (word == "" and "string" not in types)):
        repairs.append(f"{here}: read {value!r} as null")
        return None
    enum = schema.get("enum")
    if enum is not None and isinstance(value, str) and value not in enum:
        options = {_norm_token(str(e)): e for e in enum if isinstance(e, str)}
        key = _norm_token(value)
        if key in options:
            repairs.append(f"{here}: read {value!r} as {options[key]!r}")
            return options[key]
    if "integer" in types and not isinstance(value, bool):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            m = re.fullmatch(r"\s*(-?\d+)(?:\s*[(/:\-].*)?\s*", value)
            if m:
                repairs.append(f"{here}: read {value!r} as the integer {m.group(1)}")
                return int(m.group(1))
    if "number" in types and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            repairs.append(f"{here}: read {value!r} as a number")
            return number
    if "boolean" in types and isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "false", "no"):
            repairs.append(f"{here}: read {value!r} as a boolean")
            return word in ("true", "yes")
    if "array" in types:
        if value is None and "null" not in types:
            repairs.append(f"{here}: read null as an empty list")
            return []
        if isinstance(value, dict):
            repairs.append(f"{here}: wrapped a single object in a list")
            value = [value]
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            return [
                _coerce(item, schema["items"], f"{where}/{i}" if where else str(i), repairs)
                for i, item in enumerate(value)
            ]
    if "object" in types and isinstance(value, dict):
        props = schema.get("properties", {})
        out = {}
        for key, item in value.items():
            if key not in props:
                # an LM may spell a key differently ("Risk Level"); accept an unambiguous match
                match = [p for p in props if _norm_token(p) == _norm_token(key)]
                if len(match) == 1 and match[0] not in value:
                    repairs.append(f"{here}: read key {key!r} as {match[0]!r}")
                    key = match[0]
                elif schema.get("additionalProperties") is False:
                    repairs.append(f"{here}: dropped the unexpected key {key!r}")
                    continue
            sub = props.get(key)
            out[key] = (
                _coerce(item, sub, f"{where}/{key}" if where else key, repairs) if sub else item
            )
        return out
    if "string" in types and isinstance(value, int | float) and not isinstance(value, bool):
        repairs.append(f"{here}: read the number {value!r} as a string")
        return str(value)
    return value


# --- quotes to offsets -------------------------------------------------------------------------

_TRANSLATE = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u00a0": " ",
}
_STRIP = " \t\r\n\"'\u201c\u201d\u2018\u2019`"


@dataclass(frozen=True)
class QuoteMatch:
    """Where a quote lies in a text: ``span`` (half-open) or None, how it was found and the
    similarity score (100 for exact and normalised matches)."""

    span: tuple[int, int] | None
    method: str | None  # exact, normalized, fuzzy, or None when not found
    score: float = 0.0

    @property
    def found(self) -> bool:
        return self.span is not None


NOT_FOUND = QuoteMatch(None, None, 0.0)


def _normalize(text: str) -> tuple[str, list[int]]:
    """Lowercased text with whitespace runs as one space and typographic marks made plain,
    and for every character of it the offset of its source character."""
    chars: list[str] = []
    index: list[int] = []
    space = False
    for pos, ch in enumerate(text):
        ch = _TRANSLATE.get(ch, ch)
        if ch.isspace():
            if chars and not space:
                chars.append(" ")
                index.append(pos)
            space = True
            continue
        space = False
        for low in ch.lower():
            chars.append(low)
            index.append(pos)
    if chars and chars[-1] == " ":
        chars.pop()
        index.pop()
    return "".join(chars), index


def clean_quote(quote: str) -> str:
    """The quote without surrounding quote marks, ellipses and whitespace."""
    q = quote.strip(_STRIP)
    for mark in ("...", "\u2026"):
        q = q.removeprefix(mark).removesuffix(mark)
    return q.strip(_STRIP)


def map_quote(
    text: str, quote: str | None, *, near: int | None = None, min_score: float = 90.0
) -> QuoteMatch:
    """The span of ``quote`` in ``text`` (see the module doc); ``near`` prefers the occurrence
    closest to that offset when a quote occurs more than once."""
    if not text or not isinstance(quote, str):
        return NOT_FOUND
    q = clean_quote(quote)
    if not q:
        return NOT_FOUND
    starts = [m.start() for m in re.finditer(re.escape(q), text)]
    if starts:
        at = min(starts, key=lambda s: abs(s - near)) if near is not None else starts[0]
        return QuoteMatch((at, at + len(q)), "exact", 100.0)
    norm, index = _normalize(text)
    nq, _ = _normalize(q)
    if not nq:
        return NOT_FOUND
    hits = [m.start() for m in re.finditer(re.escape(nq), norm)]
    if hits:
        at = min(hits, key=lambda s: abs(index[s] - near)) if near is not None else hits[0]
        return QuoteMatch((index[at], index[at + len(nq) - 1] + 1), "normalized", 100.0)
    if len(nq) < 4 or len(nq) > len(norm):
        return NOT_FOUND
    from rapidfuzz import fuzz

    align = fuzz.partial_ratio_alignment(nq, norm, score_cutoff=min_score)
    if align is None or align.score < min_score or align.dest_end <= align.dest_start:
        return NOT_FOUND
    start, end = index[align.dest_start], index[align.dest_end - 1] + 1
    # widen to whole words so a span never cuts one in half
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return QuoteMatch((start, end), "fuzzy", round(float(align.score), 1))
