"""Faster scanning regexes: a first-character guard derived from the pattern itself.

Python's ``re`` tries a pattern at every position of the text. For an alternation whose
branches open with look-behinds or case-insensitive words (the comparator phrases, number
words, trigger words), each failed try walks every branch; most positions can be turned away
by their first character alone. ``guarded(pattern)`` prepends ``(?=[…])`` with the characters a
match can start with, read off the parsed pattern, so the matches are the same and most
positions cost one set test. Where the start cannot be read (a negated class, ``.``, a back
reference, a pattern that can match the empty string) the pattern is returned unchanged.

``leading_strings(source, n)`` reads further: the strings of up to ``n`` characters that every
match starts with, which the measurement lexicon is indexed by.
"""

from __future__ import annotations

import re
from re import _constants as C  # the parsed-pattern opcodes ``re`` itself uses
from re import _parser as P

__all__ = ["first_chars", "guarded", "leading_strings"]

_CATEGORIES = {C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
               C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W"}
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (C.AT, C.ASSERT, C.ASSERT_NOT)
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


class _Unreadable(Exception):
    """The start of the pattern cannot be given as a character class."""


def _class_item(op, av) -> str:
    if op is C.LITERAL:
        return re.escape(chr(av))
    if op is C.RANGE:
        return f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}"
    if op is C.CATEGORY and av in _CATEGORIES:
        return _CATEGORIES[av]
    raise _Unreadable(op)  # NEGATE, unusual categories


def _starts(sequence, items: set[str]) -> bool:
    """Add to ``items`` what a match of ``sequence`` can start with; True if it can be empty."""
    for op, av in sequence:
        if op is C.LITERAL:
            items.add(_class_item(op, av))
            return False
        if op is C.IN:
            items.update(_class_item(item_op, item_av) for item_op, item_av in av)
            return False
        if op is C.BRANCH:
            empty = [_starts(branch, items) for branch in av[1]]
            if not any(empty):
                return False
        elif op is C.SUBPATTERN:
            if not _starts(av[3], items):
                return False
        elif op is C.ATOMIC_GROUP:
            if not _starts(av, items):
                return False
        elif op in _REPEATS:
            low, _, inner = av
            if not _starts(inner, items) and low > 0:
                return False
        elif op not in _ZERO_WIDTH:  # look-arounds and anchors take no character: read on
            raise _Unreadable(op)
    return True


def first_chars(pattern: re.Pattern[str]) -> str | None:
    """A character class (``[…]``, or ``(?i:[…])`` where part of the pattern ignores case)
    holding every character a match of ``pattern`` can start with; None if unknown."""
    items: set[str] = set()
    try:
        if _starts(P.parse(pattern.pattern, pattern.flags), items):
            return None  # can match the empty string, anywhere
    except _Unreadable:
        return None
    # A superset is always safe: where any part of the pattern ignores case, the whole class
    # does, which only lets more positions in.
    members = "[" + "".join(sorted(items)) + "]"
    folded = pattern.flags & re.IGNORECASE or "(?i" in pattern.pattern
    return f"(?i:{members})" if folded else members


def guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` with a first-character look-ahead in front: the same matches, found faster."""
    members = first_chars(pattern)
    if members is None:
        return pattern
    source = pattern.pattern
    flags = _GLOBAL_FLAGS.match(source)  # "(?i)…" must stay at the very start
    head, body = (flags.group(), source[flags.end():]) if flags else ("", source)
    return re.compile(f"{head}(?={members})(?:{body})", pattern.flags)


# ------------------------------------------------------------------------ leading strings

# A state is (the characters read so far, whether more may be read after them).
_State = frozenset[tuple[str, bool]]


def _closed(states: _State) -> _State:
    return frozenset((text, False) for text, _ in states)


def _class_chars(av) -> set[str] | None:
    chars: set[str] = set()
    for op, item in av:
        if op is C.LITERAL:
            chars.add(chr(item))
        elif op is C.RANGE and item[1] - item[0] < 26:
            chars.update(map(chr, range(item[0], item[1] + 1)))
        else:
            return None  # a category, a negation, a wide range: too many to list
    return chars


def _read(sequence, states: _State, n: int, limit: int) -> _State:
    """The states after reading ``sequence`` (a parsed pattern) from ``states``."""
    for op, av in sequence:
        if not any(more and len(text) < n for text, more in states):
            break
        if op is C.LITERAL or op is C.IN:
            chars = {chr(av)} if op is C.LITERAL else _class_chars(av)
            growing = frozenset(s for s in states if s[1] and len(s[0]) < n)
            grown = None if chars is None else frozenset(
                (text + char, True) for text, _ in growing for char in chars) | (states - growing)
            if grown is None or len(grown) > limit:
                return _closed(states)
            states = grown
        elif op is C.SUBPATTERN:
            if av[1] & re.IGNORECASE:  # (?i:…): its letters may come in either case
                return _closed(states)
            states = _read(av[3], states, n, limit)
        elif op is C.BRANCH:
            states = frozenset().union(*(_read(branch, states, n, limit) for branch in av[1]))
        elif op in _REPEATS:
            low, high, inner = av
            once = _read(inner, states, n, limit)
            if low == 0:  # may be absent: read on both ways
                states = states | (once if high == 1 else _closed(once))
            else:  # at least once: what comes after the first cannot be told
                states = once if low == high == 1 else _closed(once)
        elif op not in _ZERO_WIDTH:  # look-arounds and anchors take no character
            return _closed(states)
        if len(states) > limit:
            return _closed(states)
    return states


def leading_strings(source: str, n: int, flags: int = 0, limit: int = 256) -> set[str] | None:
    """Strings of 1 to ``n`` characters, one of which begins every match of the pattern
    ``source`` (as written: matching is taken to be case-sensitive); None when the start cannot
    be read (a match may begin with a character class too wide to list, or be empty)."""
    try:
        parsed = P.parse(source, flags)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    states = _read(parsed, frozenset({("", True)}), n, limit)
    texts = {text for text, _ in states}
    return None if "" in texts else texts
