"""Exact shortcuts for the regular expressions rules run over every input.

Most inputs hold none of what a rule's pattern looks for, and ``re`` learns that the slow way:
it tries every branch of an alternation at every character, and under ignored case it reads
each letter as a set of letters. :class:`FastPattern` wraps a compiled pattern with two
shortcuts, each derived from the pattern itself (so they stay right when it is edited) and each
used on ASCII text only (ignored case matches a few non-ASCII letters to ASCII ones: the Kelvin
sign, the long s, dotted and dotless i):

- the strings of which every match holds one (:func:`required_literals`: "allerg", "nkda",
  ...): a text holding none of them, looked up in its lower case, holds no match;
- for an ignored-case pattern, a lower-cased copy without ignored case
  (:func:`lowered_copy`), searched in the lower-cased text: it finds a match exactly where the
  pattern does, and the pattern itself then reads the match at that place, so every match
  returned is the pattern's own (spans, groups, group names).

Any other text, and a pattern where neither shortcut is shown to hold, go to the pattern.
"""

from __future__ import annotations

import re
import re._compiler as _compiler
import re._constants as _c
import re._parser as _parser
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "FastPattern",
    "Needs",
    "alternative_needs",
    "fast_compile",
    "lower_ascii",
    "lowered_copy",
    "opening_unbounded",
    "required_literals",
]

# operations that match no character: a run of literals goes on across them
_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)
# a hint whose shortest string is shorter than this rules out too little to be worth a look-up
_MIN_CHARS = 3

Literals = frozenset[str]


def required_literals(pattern: re.Pattern[str]) -> Literals | None:
    """Lower-case ASCII strings of which every match of ``pattern`` holds at least one, or
    None where no such set is found (a pattern that may match with no fixed string in it)."""
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # a parser that changed shape: no hint, the pattern decides
        return None
    return _required(list(tree))


def _required(items: list[tuple[object, object]]) -> Literals | None:
    """The strings one of which every match of the sequence ``items`` holds: the best of its
    runs of literal characters and of what each of its required parts holds."""
    options: list[Literals | None] = []
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL and isinstance(av, int) and av < 128:
            run.append(chr(av).lower())
            continue
        if op in _ZERO_WIDTH:
            continue  # "\bno\b": the matched text still holds "no"
        if run:
            options.append(frozenset(["".join(run)]))
            run = []
        options.append(_part(op, av))
    if run:
        options.append(frozenset(["".join(run)]))
    return _best(options)


def _part(op: object, av: object) -> Literals | None:
    """What one part of a sequence that every match goes through holds (None: nothing known)."""
    if op is _c.SUBPATTERN:
        return _required(list(av[3]))  # type: ignore[index]
    if op is _c.ATOMIC_GROUP:
        return _required(list(av))  # type: ignore[call-overload]
    if op is _c.BRANCH:
        branches = [_required(list(b)) for b in av[1]]  # type: ignore[index]
        if any(b is None for b in branches):
            return None
        return frozenset().union(*branches)  # type: ignore[arg-type]
    if op in _REPEATS and av[0] >= 1:  # type: ignore[index]
        return _required(list(av[2]))  # type: ignore[index]
    return None  # a character class, an optional part, a back-reference: nothing fixed


def _best(options: Iterable[Literals | None]) -> Literals | None:
    """The option whose shortest string is longest (then the one with fewest strings)."""
    known = [o for o in options if o]
    if not known:
        return None
    return max(known, key=lambda o: (min(map(len, o)), -len(o)))


# -- ignored case without its cost -------------------------------------------------------------

_IGNORECASE = re.IGNORECASE.value
_UPPER = range(ord("A"), ord("Z") + 1)
_LOWER = range(ord("a"), ord("z") + 1)


class _Unsafe(Exception):
    """A part whose lower-cased copy would not match as the ignored-case part does."""


def lowered_copy(
    pattern: re.Pattern[str], parsed: _parser.SubPattern | None = None
) -> re.Pattern[str] | None:
    """A copy of an ignored-case ``pattern`` with its letters in lower case, without ignored
    case: on a lower-cased ASCII text it matches exactly where ``pattern`` matches the text,
    with the same spans. None where that is not shown: a class range across letter cases
    (``[A-z]``), a ``(?-i:...)`` part, an upper-case letter the copy would still hold (written
    as an escape, ``\\x4B``), a non-ASCII letter that ignored case matches to an ASCII one (the
    Kelvin sign, the long s, dotted or dotless i).

    The copy lowers the letters of literals and classes, which ignored case reads as the
    lower-case letter a lower-cased text holds there; escapes (``\\b``, ``\\W``) and the
    ``(?P`` of named groups stay as written. ``parsed``: the pattern's parse tree, where the
    caller has read it already."""
    found = _lowered(pattern, parsed)
    return None if found is None else found[0]


def _lowered(
    pattern: re.Pattern[str], parsed: _parser.SubPattern | None
) -> tuple[re.Pattern[str], _parser.SubPattern] | None:
    """:func:`lowered_copy`, and the copy's parse tree (None where there is no copy)."""
    if not pattern.flags & _IGNORECASE:
        return None
    try:
        if parsed is None:
            parsed = _parser.parse(pattern.pattern, pattern.flags)
        _check_folds(list(parsed), fold=True)
        source = _without_inline_i(_lower_source(pattern.pattern))
        flags = pattern.flags & ~_IGNORECASE
        tree = _parser.parse(source, flags)
        _check_folds(list(tree), fold=False)
        copy = re.compile(source, flags)
    except Exception:  # _Unsafe, re.error ("(?L)" lowered), a parser that changed shape
        return None
    if copy.flags & _IGNORECASE or copy.groups != pattern.groups:
        return None
    return copy, tree


# -- a copy the regex engine scans by its first characters ------------------------------------

# any one character ("." leaves out a newline), and a word character
_ANY_CHAR = (_c.IN, [(_c.CATEGORY, _c.CATEGORY_SPACE), (_c.CATEGORY, _c.CATEGORY_NOT_SPACE)])
_WORD_CHAR = (_c.IN, [(_c.CATEGORY, _c.CATEGORY_WORD)])
_WORD_CODES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_WORD_RANGES = ((ord("a"), ord("z")), (ord("A"), ord("Z")), (ord("0"), ord("9")))
_WORD_CATEGORIES = (_c.CATEGORY_WORD, _c.CATEGORY_DIGIT)


def scanning_copy(copy: re.Pattern[str], tree: _parser.SubPattern | None = None) -> re.Pattern[str]:
    """``copy`` with the word boundaries and look-behinds that open it read after its first
    character instead: ``\\b(?:due|plan)`` as ``(?:d(?<!\\w[\\s\\S])ue|p(?<!\\w[\\s\\S])lan)``.

    ``re`` tries a pattern that opens with an assertion at every character of a text; one that
    opens with a character (or a choice of them) it tries only where one of those characters
    is. A boundary before a word character is no word character before it, and a look-behind
    read one character later reads that character too, so the copy matches at the same places
    with the same spans. Its groups capture nothing (:class:`FastPattern` reads a match's
    groups from the pattern itself), so an alternative that opens with a choice of its own
    (``\\b(?:do not|never) take``, ``(?P<neg>not|never) take``) is read as one alternative per
    choice (``do not take|never take``), which ``re`` tries in the same order. ``copy`` itself
    where its opening is not of that shape (a boundary before a character that may not be a
    word's, a repeat, a flag group, a back-reference) or where ``re`` would still try every
    character. ``tree``: the copy's parse tree, where the caller has read it already."""
    try:
        tree = _parser.parse(copy.pattern, copy.flags) if tree is None else tree
        plain = _ungrouped(tree.data, tree.state) if copy.groups else tree.data
        moved = _checked_after_first(plain, [], tree.state)
        if moved is None or moved == plain:
            return copy
        scanned = _parser.SubPattern(tree.state, moved)
        prefix = _compiler._get_literal_prefix(scanned, copy.flags)[0]
        firsts = prefix[:1] or _compiler._get_charset_prefix(scanned, copy.flags) or []
        if not firsts or _share(firsts) > _MOST_SHARE:
            return copy  # re tries every character, or one in four or more (scans no faster)
        return _compiler.compile(scanned, copy.flags)
    except Exception:  # a parser or compiler that changed shape: the copy as it is
        return copy


# how often each letter comes in lower-cased clinical English (notes and dialogues, of all the
# characters): a copy scanned by its first characters is faster only where those are few
_LETTER_SHARE = dict(
    zip(
        b"etaoinrsldhcmpugyfwbvkxzjq",
        (82, 64, 61, 61, 58, 55, 48, 46, 34, 31, 30, 25, 22, 21, 20, 17, 17, 14, 12, 11, 8, 7)
        + (3, 1, 1, 1),
        strict=True,
    )
)
_OTHER_SHARE = 20  # a digit, a space, a punctuation mark (per thousand characters)
_MOST_SHARE = 250  # per thousand: beyond it, the boundary's own quick test is as fast


def _share(firsts: list[Any]) -> int:
    """How many characters in a thousand of clinical text are one of ``firsts`` (a literal
    prefix's first character code, or ``re``'s first-character set); a class or category in
    the set counts as every character."""
    total = 0
    for first in firsts:
        if isinstance(first, int):
            total += _LETTER_SHARE.get(first, _OTHER_SHARE)
        elif first[0] is _c.LITERAL:
            total += _LETTER_SHARE.get(first[1], _OTHER_SHARE)
        else:
            return 1000
    return total


def _opening_check(item: tuple[Any, Any]) -> bool:
    """Whether a parsed item is a word boundary or a look-behind (what the copy may move)."""
    op, av = item
    if op is _c.AT:
        return av is _c.AT_BOUNDARY
    return op in (_c.ASSERT, _c.ASSERT_NOT) and av[0] == -1


def _checked_after_first(
    items: list[tuple[Any, Any]], checks: list[tuple[Any, Any]], state: Any
) -> list[tuple[Any, Any]] | None:
    """The parsed sequence ``items``, read where ``checks`` (word boundaries and look-behinds)
    hold, with those and its own opening ones after its first character in every branch;
    None where that is not shown to read the same."""
    lead = 0
    while lead < len(items) and _opening_check(items[lead]):
        lead += 1
    checks = [*checks, *items[:lead]]
    if lead == len(items):
        return None
    (op, av), rest = items[lead], items[lead + 1 :]
    if op is _c.BRANCH:
        branches = []
        for opening, branch in _flat_branches(av[1], checks):
            moved = _checked_after_first(branch, opening, state)
            if moved is None:
                return None
            branches.append(_parser.SubPattern(state, moved))
        return [(op, (av[0], branches)), *rest]
    if op is _c.SUBPATTERN:
        group, add_flags, del_flags, body = av
        inner = None if add_flags or del_flags else _checked_after_first(body.data, checks, state)
        if inner is None:
            return None
        return [(op, (group, add_flags, del_flags, _parser.SubPattern(state, inner))), *rest]
    word = _one_character(op, av)
    if word is None or (not word and any(c[0] is _c.AT for c in checks)):
        return None  # a repeat, a group with flags, ...; a boundary before a non-word character
    return [items[lead], *(_shifted(check, state) for check in checks), *rest]


def _flat_branches(
    branches: list[_parser.SubPattern], checks: list[tuple[Any, Any]]
) -> list[tuple[list[tuple[Any, Any]], list[tuple[Any, Any]]]]:
    """The alternatives of a parsed choice read where ``checks`` hold, each as its opening
    checks (those and its own) and the rest of it; one for each choice of an alternative that
    opens with a choice of its own and holds no group after it (``(?:a|b)c|d`` as
    ``ac|bc|d``: the same tries in the same order)."""
    out: list[tuple[list[tuple[Any, Any]], list[tuple[Any, Any]]]] = []
    for branch in branches:
        items, own = list(branch.data), list(checks)
        while True:
            lead = 0
            while lead < len(items) and _opening_check(items[lead]):
                lead += 1
            own, items = [*own, *items[:lead]], items[lead:]
            if not (items and items[0][0] is _c.SUBPATTERN and items[0][1][:3] == (None, 0, 0)):
                break
            items = [*items[0][1][3].data, *items[1:]]  # a group that captures nothing, inline
        if items and items[0][0] is _c.BRANCH and not _has_group(items[1:]):
            inner = _flat_branches(items[0][1][1], own)
            out += [(opening, [*rest, *items[1:]]) for opening, rest in inner]
        else:
            out.append((own, items))
    if len(out) > _MAX_BRANCHES:
        raise _Unsafe("too many alternatives")
    return out


_MAX_BRANCHES = 200


def _ungrouped(items: list[tuple[Any, Any]], state: Any) -> list[tuple[Any, Any]]:
    """A parsed sequence with its groups capturing nothing (they match as they did); raises
    _Unsafe at a back-reference, which reads what a group captured."""
    out: list[tuple[Any, Any]] = []
    for op, av in items:
        if op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
            raise _Unsafe("a back-reference")
        if op is _c.SUBPATTERN:
            inner = _parser.SubPattern(state, _ungrouped(av[3].data, state))
            out.append((op, (None, av[1], av[2], inner)))
        elif op is _c.BRANCH:
            branches = [_parser.SubPattern(state, _ungrouped(b.data, state)) for b in av[1]]
            out.append((op, (av[0], branches)))
        elif op in _REPEATS:
            out.append(
                (op, (av[0], av[1], _parser.SubPattern(state, _ungrouped(av[2].data, state))))
            )
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            out.append((op, (av[0], _parser.SubPattern(state, _ungrouped(av[1].data, state)))))
        elif op is _c.ATOMIC_GROUP:
            out.append((op, _parser.SubPattern(state, _ungrouped(av.data, state))))
        else:
            out.append((op, av))
    return out


def _has_group(items: list[tuple[Any, Any]]) -> bool:
    """Whether a parsed sequence holds a group or a reference to one."""
    for op, av in items:
        if op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
            return True
        if op is _c.SUBPATTERN and (av[0] is not None or _has_group(list(av[3].data))):
            return True
        if op is _c.BRANCH and any(_has_group(list(b.data)) for b in av[1]):
            return True
        if op in _REPEATS and _has_group(list(av[2].data)):
            return True
        if op in (_c.ASSERT, _c.ASSERT_NOT) and _has_group(list(av[1].data)):
            return True
        if op is _c.ATOMIC_GROUP and _has_group(list(av.data)):
            return True
    return False


def _one_character(op: object, av: Any) -> bool | None:
    """For a parsed literal or class (one character): whether it is always a word character;
    None for any other item."""
    if op is _c.LITERAL:
        return av in _WORD_CODES
    if op is _c.IN:
        return all(_word_class_item(kind, arg) for kind, arg in av)
    return None


def _word_class_item(kind: object, arg: Any) -> bool:
    """Whether an item of a parsed class holds word characters only."""
    if kind is _c.LITERAL:
        return arg in _WORD_CODES
    if kind is _c.RANGE:
        return any(lo <= arg[0] and arg[1] <= hi for lo, hi in _WORD_RANGES)
    return kind is _c.CATEGORY and arg in _WORD_CATEGORIES


def _shifted(check: tuple[Any, Any], state: Any) -> tuple[Any, Any]:
    """An opening check read one character later: a boundary (before a word character) as no
    word character before that one; a look-behind with one more character at its end."""
    op, av = check
    if op is _c.AT:
        return (_c.ASSERT_NOT, (-1, _parser.SubPattern(state, [_WORD_CHAR, _ANY_CHAR])))
    return (op, (-1, _parser.SubPattern(state, [*av[1].data, _ANY_CHAR])))


def _lower_source(source: str) -> str:
    """``source`` with its letters in lower case, but for escapes and the "(?P" of groups."""
    out: list[str] = []
    i = 0
    while i < len(source):
        if source[i] == "\\":
            out.append(source[i : i + 2])
            i += 2
        elif source.startswith("(?P", i):
            out.append("(?P")
            i += 3
        else:
            out.append(source[i].lower())
            i += 1
    return "".join(out)


_LEADING_FLAGS = re.compile(r"\(\?([a-z]+)\)")
# non-ASCII letters that ignored case matches to ASCII ones: dotted and dotless i, long s, Kelvin
_FOLDS_ONTO_ASCII = (0x130, 0x131, 0x17F, 0x212A)


def _without_inline_i(source: str) -> str:
    """``source`` without the "i" of a leading "(?i)" group (the copy reads lower case)."""
    m = _LEADING_FLAGS.match(source)
    if m is None or "i" not in m.group(1):
        return source
    rest = m.group(1).replace("i", "")
    return (f"(?{rest})" if rest else "") + source[m.end() :]


def _check_folds(items: list[tuple[object, object]], fold: bool) -> None:
    """Raise _Unsafe at a part of a parse tree that a lower-cased copy would not read as ignored
    case reads it: in the original (``fold``), a class range across letter cases, a "(?-i:"
    part, a non-ASCII letter that folds onto an ASCII one; in the copy, an upper-case letter."""
    for op, av in items:
        if op in (_c.LITERAL, _c.NOT_LITERAL):
            _check_char(av, fold)  # type: ignore[arg-type]
        elif op is _c.IN:
            for item, arg in av:  # type: ignore[attr-defined]
                if item is _c.LITERAL:
                    _check_char(arg, fold)
                elif item is _c.RANGE:
                    _check_range(*arg, fold=fold)
        elif op is _c.SUBPATTERN:
            if av[2] & _IGNORECASE:  # type: ignore[index]
                raise _Unsafe("a (?-i:...) part")
            _check_folds(list(av[3]), fold)  # type: ignore[index]
        elif op is _c.BRANCH:
            for branch in av[1]:  # type: ignore[index]
                _check_folds(list(branch), fold)
        elif op in _REPEATS:
            _check_folds(list(av[2]), fold)  # type: ignore[index]
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _check_folds(list(av[1]), fold)  # type: ignore[index]
        elif op is _c.ATOMIC_GROUP:
            _check_folds(list(av), fold)  # type: ignore[call-overload]
        elif op is _c.GROUPREF_EXISTS:
            raise _Unsafe("a conditional group")


def _check_char(code: int, fold: bool) -> None:
    if code in _UPPER and not fold:
        raise _Unsafe("an upper-case letter in the lower-cased copy")
    if code < 128:
        return
    char = chr(code)
    if code in _FOLDS_ONTO_ASCII or any(
        ord(c) < 128 for c in char.lower() + char.upper() + char.casefold()
    ):
        raise _Unsafe("a non-ASCII letter that folds onto an ASCII one")


def _check_range(lo: int, hi: int, fold: bool) -> None:
    if any(lo <= code <= hi for code in _FOLDS_ONTO_ASCII):
        raise _Unsafe("a class range holding a letter that folds onto an ASCII one")
    for letters in (_UPPER, _LOWER):
        if lo <= letters[-1] and hi >= letters[0] and not (lo in letters and hi in letters):
            raise _Unsafe("a class range across letter cases")  # [A-z], [0-Z]
    if not fold and lo <= _UPPER[-1] and hi >= _UPPER[0]:
        raise _Unsafe("an upper-case range in the lower-cased copy")


# -- lower-cased texts -------------------------------------------------------------------------

_LOWER_CACHE: dict[str, str | None] = {}
_CACHE_TEXTS = 16  # texts kept (a case's input, output, and the sentences read in between)
_CACHE_CHARS = 200_000  # longer texts are read by the patterns themselves, as before


def lower_ascii(text: str) -> str | None:
    """``text.lower()`` for an ASCII text of at most 200,000 characters; None for any other
    (those go to the pattern). The last few are kept: several patterns read one text."""
    low = _LOWER_CACHE.get(text, False)
    if low is not False:
        return low  # type: ignore[return-value]
    if len(text) > _CACHE_CHARS:
        return None
    low = text.lower() if text.isascii() else None
    if len(_LOWER_CACHE) >= _CACHE_TEXTS:
        _LOWER_CACHE.clear()
    _LOWER_CACHE[text] = low
    return low


def _fewest(literals: Literals) -> tuple[str, ...]:
    """The strings to look up for ``literals`` (sorted): one that holds another is left out, as
    a text holding it holds the other too (the answer of the look-ups is the same)."""
    return tuple(sorted(a for a in literals if not any(b != a and b in a for b in literals)))


# -- the wrapper -------------------------------------------------------------------------------


class FastPattern:
    """A compiled pattern with the exact shortcuts of this module; ``match``, ``search`` and
    ``finditer`` answer as the pattern's own methods do, and any other attribute (``sub``,
    ``pattern``, ``groupindex``, ...) is the pattern's.

    ``hint`` (default on) looks up the pattern's strings before a search of a whole text; a
    pattern searched in many small parts of one long text is better without it."""

    __slots__ = ("_empty", "_hint", "_literals", "_lowered", "_ready", "compiled")

    def __init__(self, pattern: re.Pattern[str], hint: bool = True) -> None:
        self.compiled = pattern
        self._hint = hint
        self._literals: tuple[str, ...] | None = None
        self._lowered: re.Pattern[str] | None = None
        self._empty = True
        self._ready = False  # the shortcuts are read on first use (not at import)

    def _prepare(self) -> None:
        """Read the shortcuts from the pattern: on first use, so that a pattern a run never
        uses costs nothing. Two threads may both read them; they read the same."""
        try:
            parsed = _parser.parse(self.compiled.pattern, self.compiled.flags)
        except Exception:  # a parser that changed shape: no shortcut, the pattern decides
            self._ready = True
            return
        found = _required(list(parsed)) if self._hint else None
        if found is not None and min(map(len, found)) >= _MIN_CHARS:
            self._literals = _fewest(found)
        lowered = _lowered(self.compiled, parsed)
        self._lowered = None if lowered is None else scanning_copy(*lowered)
        # a pattern that can match the empty string: finditer's steps past an empty match are
        # the pattern's own, so it runs such a pattern's finditer itself
        self._empty = parsed.getwidth()[0] == 0
        self._ready = True

    def shortcuts(self) -> tuple[tuple[str, ...] | None, re.Pattern[str] | None]:
        """The strings one of which every match holds, and the lower-cased copy (None where
        there is none)."""
        if not self._ready:
            self._prepare()
        return self._literals, self._lowered

    def __getattr__(self, name: str) -> object:
        return getattr(self.compiled, name)

    def __repr__(self) -> str:
        return f"FastPattern({self.compiled!r})"

    def may_match(self, string: str) -> bool:
        """False only where the pattern matches nowhere in ``string``."""
        if not self._ready:
            self._prepare()
        if self._literals is None:
            return True
        low = _LOWER_CACHE.get(string, False)  # lower_ascii's own look-up, without its call
        if low is False:
            low = lower_ascii(string)
        if low is None:
            return True
        for literal in self._literals:  # noqa: SIM110 (a loop: no generator frame per call)
            if literal in low:
                return True
        return False

    def folded(self, string: str) -> tuple[re.Pattern[str], str] | None:
        """The lower-cased copy that ``match`` tries first on ``string``, with ``string``
        lower-cased; None where it tries none. For a caller matching at many positions of
        one string: ``copy.match(low, pos)``, then ``self.compiled.match(string, pos)`` where
        it matches, is ``match(string, pos)`` without a Python call per position."""
        if not self._ready:
            self._prepare()
        if self._lowered is None:
            return None
        low = lower_ascii(string)
        return None if low is None else (self._lowered, low)

    def match(self, string: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        end = len(string) if endpos is None else endpos
        if not self._ready:
            self._prepare()
        if self._lowered is not None:
            low = _LOWER_CACHE.get(string, False)
            if low is False:
                low = lower_ascii(string)
            if low is not None and self._lowered.match(low, pos, end) is None:
                return None
        return self.compiled.match(string, pos, end)

    def search(self, string: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        end = len(string) if endpos is None else endpos
        if not self._ready:
            self._prepare()
        literals, lowered = self._literals, self._lowered
        # the lower-cased text read once for both shortcuts (may_match's answer, inline)
        low = None if literals is None and lowered is None else _LOWER_CACHE.get(string, False)
        if low is False:
            low = lower_ascii(string)
        if low is not None and literals is not None and pos == 0 and end == len(string):
            for literal in literals:  # noqa: SIM110 (a loop: no generator frame per call)
                if literal in low:
                    break
            else:
                return None
        if low is None or lowered is None:
            return self.compiled.search(string, pos, end)
        found = lowered.search(low, pos, end)
        return None if found is None else self.compiled.match(string, found.start(), end)

    def finditer(
        self, string: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[re.Match[str]]:
        end = len(string) if endpos is None else endpos
        if not self._ready:
            self._prepare()
        if pos == 0 and end == len(string) and not self.may_match(string):
            return iter(())
        low = None if self._lowered is None or self._empty else lower_ascii(string)
        if low is None:
            return self.compiled.finditer(string, pos, end)
        return self._folded_iter(string, low, pos, end)

    def _folded_iter(self, string: str, low: str, pos: int, end: int) -> Iterator[re.Match[str]]:
        for found in self._lowered.finditer(low, pos, end):  # type: ignore[union-attr]
            m = self.compiled.match(string, found.start(), end)
            if m is None or m.span() != found.span():  # not expected: the copy is exact
                raise AssertionError(f"{self.compiled.pattern!r}: lowered copy disagrees")
            yield m


def fast_compile(pattern: str, flags: int | re.RegexFlag = 0, hint: bool = True) -> FastPattern:
    """``re.compile(pattern, flags)`` wrapped in a :class:`FastPattern`."""
    return FastPattern(re.compile(pattern, flags), hint=hint)


# --- branch by branch: the strings each alternative needs, and openings without a boundary ----

Needs = tuple[tuple[tuple[str, ...], ...], ...]


def _alternatives(items: list[tuple[Any, Any]]) -> list[list[tuple[Any, Any]]]:
    """The alternatives of a parsed pattern: its top-level branches, and theirs in turn."""
    body = [(op, av) for op, av in items if op not in _ZERO_WIDTH]
    if len(body) == 1 and body[0][0] is _c.SUBPATTERN:
        return _alternatives(list(body[0][1][3]))
    if len(body) == 1 and body[0][0] is _c.BRANCH:
        return [alt for branch in body[0][1][1] for alt in _alternatives(list(branch))]
    return [items]


def _strings_needed(items: list[tuple[Any, Any]]) -> tuple[tuple[str, ...], ...]:
    """The sets of strings (at least 3 characters each) that every match of the sequence
    ``items`` holds one of: its runs of letters and what each other part requires."""
    sets: list[frozenset[str] | None] = []
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL and av < 128:
            run.append(chr(av).lower())
        elif op not in _ZERO_WIDTH:
            sets += [frozenset(["".join(run)])] if run else []
            sets.append(_required([(op, av)]))
            run = []
    sets += [frozenset(["".join(run)])] if run else []
    usable = {_fewest(s) for s in sets if s and min(map(len, s)) >= 3}
    return tuple(sorted(usable, key=lambda s: (-min(map(len, s)), len(s), s)))


def alternative_needs(pattern: re.Pattern[str]) -> Needs | None:
    """Each alternative of ``pattern`` (its top-level branches, and theirs) with the sets of strings
    (lower case, at least 3 characters) every match of it holds one of; None where an alternative
    needs none (it may match any text)."""
    alternatives = _alternatives(list(_parser.parse(pattern.pattern, pattern.flags)))
    needs = tuple(dict.fromkeys(_strings_needed(alt) for alt in alternatives))
    return None if any(not alt for alt in needs) else needs


def _unbounded(items: list[tuple[Any, Any]]) -> bool:
    """Drop the word boundaries that open a parsed sequence, and those of its opening branches
    or group, in place; whether any was dropped."""
    dropped = False
    while items and items[0] == (_c.AT, _c.AT_BOUNDARY):
        del items[0]
        dropped = True
    if items and items[0][0] is _c.BRANCH:
        for branch in items[0][1][1]:
            dropped = _unbounded(branch.data) or dropped
    elif items and items[0][0] is _c.SUBPATTERN:
        dropped = _unbounded(items[0][1][3].data) or dropped
    return dropped


def opening_unbounded(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The lower-cased copy of an ignored-case pattern without its opening word
    boundaries, or None (no copy, or no such boundary). Without an assertion, the copy matches
    wherever the pattern matches a lower-cased ASCII text (and at more places): no pattern
    match starts before its first match."""
    lowered = lowered_copy(pattern)
    if lowered is None:
        return None
    tree = _parser.parse(lowered.pattern, lowered.flags)
    if not _unbounded(tree.data) or not _opens_with_letters(tree.data):
        return None
    return _compiler.compile(tree, lowered.flags)


def _opens_with_letters(items: list[tuple[Any, Any]], least: int = 2) -> bool:
    """Whether every match of a parsed sequence opens with ``least`` fixed characters (fewer
    leave `re` too many places to try: "d" of "\\b(?:day|D) ?\\d")."""
    if items and items[0][0] is _c.BRANCH:
        return all(_opens_with_letters(branch.data, least) for branch in items[0][1][1])
    if items and items[0][0] is _c.SUBPATTERN:
        return _opens_with_letters(items[0][1][3].data, least)
    return len(items) >= least and all(op is _c.LITERAL for op, _ in items[:least])
