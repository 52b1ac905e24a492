"""Pure normalization helpers for ``norm_text``: unicode, comparators, multiplication, spacing.

These functions return new strings for matching and display; they are never applied to the
text that offsets point into (``source_text`` stays as read). Tables of phrases live in
``pipeline/rules/normalize.json``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pipeline import rules
from pipeline.scan import guarded

__all__ = [
    "norm_text",
    "normalize_unicode",
    "normalize_comparators",
    "normalize_multiplication",
    "normalize_spacing",
    "unescape_markdown",
]

_CIRCLED = re.compile(r"[\u2460-\u2473\u24ea-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>~|=])")
_CLOSING = ",;:.!?)]"  # no space before these
_OPENING = "(["  # nor after these
_SPACE_BEFORE_PUNCT = re.compile(rf"\s+([{re.escape(_CLOSING)}])")
_SPACE_AFTER_OPEN = re.compile(rf"([{re.escape(_OPENING)}])\s+")
# After whitespace is collapsed, the only spaces those two can remove: " ," … and "( " ….
_SPACE_CLOSING = tuple(f" {mark}" for mark in _CLOSING)
_OPENING_SPACE = tuple(f"{mark} " for mark in _OPENING)
_SYMBOLS = "[\u2265\u2264\u2260<>=]"
_SYMBOL_SPACING = re.compile(rf"(\S?)\s*({_SYMBOLS})\s*(?=[-+]?(?:\d|\.\d))")
_SYMBOL = re.compile(_SYMBOLS)  # no match of _SYMBOL_SPACING without one
_TIMES = re.compile(
    r"(?<=\d)\s*[xX*\u00d7]\s*(?=10\s*\^|10\s*[eE]|ULN\b|UNL\b|LLN\b|ULRR\b|IULN\b|N\b|"
    r"(?:the\s+)?(?:upper|lower|institutional)\b)"
)
_DIGIT = re.compile(r"\d")
_TEN_POWER = re.compile(r"\b10\s*(?:\*\*|\*|\^)\s*(\d{1,2})\b")


@dataclass(frozen=True)
class _Tables:
    translate: dict[int, str]
    superscript: re.Pattern[str]
    superscripts: dict[str, str]
    comparators: re.Pattern[str]  # one alternative per symbol, named c0, c1, …
    symbols: tuple[str, ...]
    number_ahead: re.Pattern[str]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    data = rules.load("normalize")
    translate = {ord(k): v for k, v in data["unicode_map"].items()}
    sup = data["superscripts"]
    numbers = "|".join(data["number_words"])
    follows_number = rf"(?=\s*(?:[-+]?\d|\.\d|(?:{numbers})\b))"
    phrases = data["comparator_phrases"]
    alternation = "|".join(
        rf"(?P<c{i}>(?<![\w-])(?:{c['words']})\b|(?:{c['symbols']}))" for i, c in enumerate(phrases)
    )
    comparators = guarded(re.compile(rf"(?:{alternation}){follows_number}", re.I))
    symbols = tuple(c["symbol"] for c in phrases)
    superscript = re.compile(f"[{''.join(sup)}]+")
    number_ahead = guarded(re.compile(rf"\d|\b(?i:{numbers})\b"))
    return _Tables(translate, superscript, sup, comparators, symbols, number_ahead)


def _superscript_digits(match: re.Match[str], text: str) -> str:
    digits = "".join(_tables().superscripts[c] for c in match.group())
    before = text[max(0, match.start() - 2) : match.start()]
    return f"^{digits}" if before == "10" else digits


def normalize_unicode(text: str) -> str:
    """NFKC where it is safe: exponents (``10⁹``) become ``10^9`` first, circled numbers ``(6)``.

    Full-width punctuation and digits, ligatures and compatibility units (``㎎``) fold to their
    plain forms; dashes, quotes and no-break spaces are unified.
    """
    if text.isascii():
        return text  # nothing for NFKC, superscripts or the unicode table to do
    tables = _tables()
    text = tables.superscript.sub(lambda m: _superscript_digits(m, text), text)
    text = _CIRCLED.sub(lambda m: f"({int(unicodedata.numeric(m.group()))}) ", text)
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2044", "/")  # NFKC writes ½ as 1⁄2
    return text.translate(tables.translate)


def unescape_markdown(text: str) -> str:
    """Registry API v2 text is markdown: ``\\>= 4`` means ``>= 4``."""
    return _MARKDOWN_ESCAPE.sub(r"\1", text) if "\\" in text else text


def normalize_comparators(text: str) -> str:
    """Comparators in symbols: ``>=``, ``=>``, ``> or =``, "at least", "no more than" -> ``≥ ≤``.

    Word comparators become symbols only before a number ("more than 3 months" -> "> 3
    months"), so "more than moderate" is left alone.
    """
    tables = _tables()
    if not tables.number_ahead.search(text):
        return text  # every rewrite here needs a number after the comparator
    text = tables.comparators.sub(lambda m: tables.symbols[int(m.lastgroup[1:])], text)
    if not _SYMBOL.search(text):
        return text
    return _SYMBOL_SPACING.sub(lambda m: f"{m.group(1)} {m.group(2)} " if m.group(1)
                               else f"{m.group(2)} ", text)


def normalize_multiplication(text: str) -> str:
    """``1.5x ULN``, ``1.5 X 10*9`` -> ``1.5 × ULN``, ``1.5 × 10^9``."""
    if not _DIGIT.search(text):
        return text
    text = _TEN_POWER.sub(r"10^\1", text)
    return _TIMES.sub(" \u00d7 ", text)


def normalize_spacing(text: str) -> str:
    """One space between words, none before closing punctuation or after an opening bracket."""
    # re.sub(r"\s+", " ", text).strip() without a regex: str.split() splits on exactly what \s
    # matches (both ask Unicode's whitespace property). After it every gap is one space.
    text = " ".join(text.split())
    if any(pair in text for pair in _SPACE_CLOSING):
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    if any(pair in text for pair in _OPENING_SPACE):
        text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    return text


def norm_text(text: str) -> str:
    """The ``norm_text`` column: every normalization above, in a fixed order."""
    text = unescape_markdown(normalize_unicode(text))
    text = normalize_multiplication(normalize_comparators(text))
    return normalize_spacing(text)
