"""The value grammar: comparators, numbers, ranges, units and multiples of normal limits.

Pure functions over a string; offsets index that string, so callers can shift them into the
trial's source text. Nothing is rewritten before reading: ``≥`` and "at least" are read where
they stand (unlike parsers that delete comparators before extracting numbers). The tables —
comparator phrases, units and their one canonical spelling, number words — are data in
``pipeline/rules/values.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline import rules
from pipeline.scan import guarded

__all__ = ["PLUS_MINUS", "Value", "comparator_before", "find_values", "parse_number",
           "normalize_unit"]

_DIGITS = r"(?:\d{1,3}(?:[,\u00a0\u202f]\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_ROMAN = r"(?:IV|IX|V?I{1,3}|V|X)[A-Ca-c]?(?![\w])|[\u2160-\u216b]"
_ROMAN_VALUES = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8,
                 "IX": 9, "X": 10}
_DAYS = {"years": 365.25, "months": 30.4375, "weeks": 7.0, "days": 1.0, "hours": 1 / 24,
         "minutes": 1 / 1440, "seconds": 1 / 86400}
_DURATION_UNITS = set(_DAYS)
_BETWEEN_BEFORE = guarded(re.compile(r"(?i)\b(?:between|from)(?:\s+\S+){1,5}\s*$"))
_A_ALLOWED_AFTER = guarded(re.compile(
    r"(?i)(?:\b(?:for|within|in|past|last|previous|than|least|most|over|under|about|"
    r"approximately|up\s+to)|[<>\u2264\u2265])\s*$"
))
_INNER_COMPARATOR = re.compile(r"(?i)(?:<=?|\u2264|(?:no\s+)?(?:older|more|greater)\s+than|"
                               r"less\s+than|younger\s+than)\s*")
_ITEM = r"(?:\d{1,2}|IV|V?I{1,3}|V|X)(?![\w]|\.\d)"  # a full stop may end the list
_LIST = re.compile(rf"(?:[ \t]*,[ \t]*{_ITEM})+(?:[ \t]*,?[ \t]*(?:and|or)[ \t]+{_ITEM})?"
                   rf"|[ \t]*/[ \t]*(?:IV|V?I{{1,3}}|V|X)(?![\w.,])")
_LIST_ITEM = re.compile(_ITEM)
_LIST_END = re.compile(r"(?:and|or)[ \t]+\S+$|/")
_THOUSANDS = re.compile(r"[,\u00a0\u202f]")
_ROMAN_TOKEN = re.compile(r"(IV|IX|V?I{1,3}|V|X)[A-Ca-c]?$")
_ROMAN_END = re.compile(r"(?:(?:IV|IX|V?I{1,3}|V|X)[A-Ca-c]?|[\u2160-\u216b])$")
_DECIMAL_COMMA = re.compile(r",(\d{1,2})(?![\d,])")
_BP = re.compile(
    r"(?<![\d.])(\d{2,3})\s*/\s*(\d{2,3})(?:\s*(mm\s*/?\s*Hg|mmhg)|(?<=\d)(?=[^\d/]|$))",
    re.IGNORECASE,
)
# "±5 kg", "+/- 3 days", "23 (+/- 4)": a tolerance, read as the range it allows.
PLUS_MINUS = re.compile(
    rf"(?:(?<![\w.,/-])(?P<centre>{_DIGITS})[ \t]*(?:\([ \t]*)?)?"
    r"(?:\u00b1|\+[ \t]*/[ \t]*[-\u2212\u2013]|\+-(?=[ \t]*[\d.])|(?i:plus[ \t]+or[ \t]+minus))"
    rf"[ \t]*(?P<tol>{_DIGITS})(?![\d])"
)
_RANGE_FILLER = re.compile(
    r"(?:[-\u2010](?=[ \t]+(?:and|to|or)[ \t])"
    r"|[ \t]*\((?i:inclusive|inclusively|included|incl\.?|exclusive)\)(?=[ \t]+(?:and|to)[ \t]))+"
)
_CLOSE = re.compile(r"[ \t]*\)")
_BP_CONTEXT = guarded(re.compile(r"(?i)blood\s+pressure|\bB\.?P\b|hypertens|\bSBP|\bDBP|mm\s*Hg"))


@dataclass(frozen=True)
class Value:
    """A parsed value: ``≥ 1.5 × 10^9/L`` -> (">=", 1.5, None, "10^9/L")."""

    start: int
    end: int
    comparator: str | None  # <, <=, >, >=, =, between; None for a bare number
    low: float | None
    high: float | None
    unit: str | None
    number_start: int  # where the first number begins (a comparator may precede it)

    @property
    def bare(self) -> bool:
        """A number with no comparator, unit or range: kept only when something claims it."""
        return self.comparator is None and self.unit is None


@dataclass(frozen=True)
class _Grammar:
    number: re.Pattern[str]
    second: re.Pattern[str]
    comparator_before: re.Pattern[str]
    comparator_symbols: tuple[tuple[re.Pattern[str], str], ...]
    postfix: re.Pattern[str]
    postfix_symbols: tuple[tuple[re.Pattern[str], str], ...]
    separator: re.Pattern[str]
    unit: re.Pattern[str]
    unit_names: tuple[str, ...]
    words: dict[str, float]
    roman_after: re.Pattern[str]


@lru_cache(maxsize=1)
def _grammar() -> _Grammar:
    data = rules.load("values")
    words = {k.lower(): float(v) for k, v in data["number_words"].items()}
    word_alt = "|".join(sorted(words, key=len, reverse=True))
    core = (rf"(?:(?P<digits>{_DIGITS})(?![\d])|(?P<roman>{_ROMAN})"
            rf"|(?i:(?P<word>\b(?:{word_alt})\b)))")
    # Not inside a word, a decimal, a fraction or an exponent, nor after a hyphen ("COVID-19").
    number = guarded(re.compile(rf"(?<![\w.,/^\u00b7-])(?<!\d:){core}(?!:\d)"))
    second = re.compile(core)
    cmps = data["comparators"]
    cmp_alt = "|".join(f"(?:{c['pattern']})" for c in cmps)
    filler = (r"(?:(?i:of|is|was|be|:|=|to|the|past|previous|last|preceding|prior|former|next|"
              r"age(?:\s+of)?|a)\s*)*")  # "Minimum age: 18", "at least a 4-week"
    comparator_before = guarded(re.compile(rf"(?i:(?P<cmp>{cmp_alt}))\s*{filler}$"))
    posts = data["postfix_comparators"]
    post_alt = "|".join(f"(?:{c['pattern']})" for c in posts)
    units = data["units"]
    unit = guarded(re.compile("|".join(f"(?P<u{i}>{u['pattern']})" for i, u in enumerate(units))))
    return _Grammar(
        number=number,
        second=second,
        comparator_before=comparator_before,
        comparator_symbols=tuple((re.compile(rf"(?i:{c['pattern']})$"), c["symbol"])
                                 for c in cmps),
        postfix=guarded(re.compile(rf"\s*(?i:ago\s+)?(?i:(?P<post>{post_alt}))(?![\w])")),
        postfix_symbols=tuple((re.compile(rf"(?i:{c['pattern']})$"), c["symbol"])
                              for c in posts),
        separator=guarded(re.compile(data["range_separators"]["pattern"], re.IGNORECASE)),
        unit=unit,
        unit_names=tuple(u["unit"] for u in units),
        words=words,
        roman_after=guarded(re.compile(rf"(?i:{data['roman_after']['pattern']})")),
    )


def parse_number(token: str) -> float | None:
    """'1,500' -> 1500.0, '1.5' -> 1.5, 'four' -> 4.0, 'III' -> 3.0; None if not a number."""
    token = token.strip()
    cleaned = _THOUSANDS.sub("", token)
    try:
        return float(cleaned)
    except ValueError:
        pass
    word = _grammar().words.get(token.lower())
    if word is not None:
        return word
    roman = _ROMAN_TOKEN.match(token)
    if roman:
        return float(_ROMAN_VALUES[roman.group(1)])
    if len(token) == 1 and "\u2160" <= token <= "\u216b":  # Ⅰ … Ⅻ
        return float(ord(token) - 0x2160 + 1)
    return None


def normalize_unit(text: str) -> str | None:
    """The canonical spelling of a unit as written ('mg/dl' -> 'mg/dL', 'x 109/L' -> '10^9/L')."""
    match = _grammar().unit.fullmatch(text.strip())
    return _unit_name(match) if match else None


def _unit_name(match: re.Match[str]) -> str:
    return _grammar().unit_names[int(match.lastgroup[1:])]


def _unit_at(text: str, pos: int) -> tuple[str | None, int]:
    """(canonical unit, end) of a unit starting at ``pos`` after optional spaces.

    A hyphen may join a number to a duration ("30-day mortality", "2-year history").
    """
    start = pos
    while start < len(text) and text[start] in " \t\u00a0":
        start += 1
    hyphen = start < len(text) and text[start] == "-" and start == pos
    match = _grammar().unit.match(text, start + 1 if hyphen else start)
    if match is None or match.end() == start:
        return None, pos
    name = _unit_name(match)
    if hyphen and name not in _DURATION_UNITS:
        return None, pos
    return name, match.end()


_COMPARATOR_ENDINGS = frozenset(
    "than then least most to of minimum min min. maximum max max. exceed exceeding exceeds within "
    "above over below under equals between from beyond range after before".split()
)
_COMPARATOR_FILLER = frozenset("of is was be : = to the past previous last preceding prior "
                               "former next age a".split())
_COMPARATOR_CHARS = frozenset("<>=\u2264\u2265\u2266\u2267\u2a7d\u2a7e\uff1c\uff1e\u02c2\u02c3")


def _may_end_comparator(window: str) -> bool:
    """Cheap test before the regex: does the text before a number end like a comparator?"""
    stripped = window.rstrip()
    if not stripped:
        return False
    if stripped[-1] in _COMPARATOR_CHARS:
        return True
    for word in reversed(stripped.lower().split()[-6:]):
        word = word.strip(",;:()[]") or word
        if word in _COMPARATOR_ENDINGS or any(c in _COMPARATOR_CHARS for c in word):
            return True
        if word not in _COMPARATOR_FILLER:
            return False
    return False


def comparator_before(text: str, pos: int) -> tuple[str | None, int]:
    """(symbol, start) of a comparator ending right before ``pos`` ("at least 18")."""
    grammar = _grammar()
    window_start = max(0, pos - 48)
    if not _may_end_comparator(text[window_start:pos]):
        return None, pos
    match = grammar.comparator_before.search(text, window_start, pos)
    if match is None:
        return None, pos
    phrase = match.group("cmp")
    cmp_start = match.start("cmp")
    if phrase[0].isalpha() and cmp_start > 0 and text[cmp_start - 1].isalnum():
        return None, pos  # "takeover 5": a word comparator must start a word
    for regex, symbol in grammar.comparator_symbols:
        if regex.match(phrase):
            return symbol, match.start("cmp")
    return None, pos  # pragma: no cover - every alternative has a symbol


def _number_value(match: re.Match[str], text: str, after_roman: bool = False) -> float | None:
    if match.group("roman") is not None and not after_roman:
        before = text[max(0, match.start() - 30) : match.start()]
        if not _grammar().roman_after.search(before):
            return None
    return parse_number(match.group())


def find_values(text: str) -> list[Value]:
    """Every value expression in ``text``, left to right, non-overlapping."""
    grammar = _grammar()
    values: list[Value] = []
    consumed = 0
    for bp in _BP.finditer(text) if "/" in text else ():
        if bp.group(3) or _BP_CONTEXT.search(text, max(0, bp.start() - 60), bp.start()):
            values.extend(_blood_pressure(text, bp))
    if "\u00b1" in text or "+" in text or "minus" in text:
        values.extend(_tolerance(text, pm) for pm in PLUS_MINUS.finditer(text))
    taken = [(v.start, v.end) for v in values]
    for match in grammar.number.finditer(text):
        if match.start() < consumed or any(s <= match.start() < e for s, e in taken):
            continue
        number = _number_value(match, text)
        if number is None:
            continue
        value = _parse_from(text, match, number)
        if value is None:
            continue
        values.append(value)
        consumed = value.end
    values.sort(key=lambda v: v.start)
    return values


def _parse_from(text: str, match: re.Match[str], number: float) -> Value | None:
    grammar = _grammar()
    word = match.group("word")
    if word is not None and word.lower() in ("a", "an", "single"):
        # "a year ago" counts, "three times a week" does not (checked first: "a" is common)
        unit, _ = _unit_at(text, match.end())
        if unit not in _DURATION_UNITS or not _A_ALLOWED_AFTER.search(
                text, max(0, match.start() - 20), match.start()):
            return None
    comparator, start = comparator_before(text, match.start())
    number_end = match.end()
    comma = _DECIMAL_COMMA.match(text, number_end) if match.group("digits") else None
    if comma is not None and "," not in match.group():
        unit_after, _ = _unit_at(text, comma.end())
        if comparator is not None or unit_after is not None:
            number = float(f"{match.group()}.{comma.group(1)}")  # "39,99", "7,8 mmol/l"
            number_end = comma.end()
    unit, end = _unit_at(text, number_end)
    end = max(end, number_end)
    low = high = number
    listed = _list_after(text, end, number) if unit is None else None
    ranged = listed or _range_after(text, end, unit, number)
    if ranged is not None:
        high, unit, end, low = ranged
        low, high = min(low, high), max(low, high)
        comparator = "between"
    elif comparator == "between":
        comparator = None  # "between" needs a second number
    post = grammar.postfix.match(text, end)
    if post is not None and ranged is None:
        for regex, symbol in grammar.postfix_symbols:
            if regex.match(post.group("post")):
                comparator = symbol
                end = post.end()
                break
        if unit is None and comparator is not None:
            unit, end = _unit_at(text, end)  # "80 or more years old"
            end = max(end, post.end())
    if comparator is None and unit is None and ranged is None:
        return Value(match.start(), number_end, None, number, number, None, match.start())
    low, high = _bounds(comparator, low, high)
    return Value(start, end, comparator or "=", low, high, unit, match.start())


def _list_after(text: str, pos: int,
                first: float) -> tuple[float, str | None, int, float] | None:
    """"0, 1 or 2", "grade I, II, III": a list of increasing whole numbers read as a range."""
    match = _LIST.match(text, pos)
    if match is None or not first.is_integer():
        return None
    items = [parse_number(item) for item in _LIST_ITEM.findall(match.group())]
    if len(items) + 1 < 3 and not _LIST_END.search(match.group()):
        return None
    numbers = [first, *items]
    if None in numbers or any(b <= a for a, b in zip(numbers, numbers[1:])):
        return None
    unit, end = _unit_at(text, match.end())
    return numbers[-1], unit, max(end, match.end()), first


def _range_after(text: str, pos: int, unit: str | None,
                 first: float) -> tuple[float, str | None, int, float] | None:
    """The second half of a range ("-75 years", " to 65", " or 1") starting at ``pos``."""
    grammar = _grammar()
    filler = _RANGE_FILLER.match(text, pos)  # "between 18- and 65-years", "50kg (inclusive) and"
    pos = filler.end() if filler else pos
    sep = grammar.separator.match(text, pos)
    if sep is None:
        return None
    second_start = sep.end()
    inner = _INNER_COMPARATOR.match(text, second_start)
    if inner is not None and sep.group().strip().lower() in ("-", "to", "\u2013"):
        second_start = inner.end()  # "2 to <12 years", "11 to no older than 17"
    second = grammar.second.match(text, second_start)
    if second is None or second.group("word") is not None and second.group("word").lower() in (
        "a", "an"
    ):
        return None
    first_roman = _ROMAN_END.search(text, max(0, pos - 5), pos)
    number = _number_value(second, text, after_roman=first_roman is not None)
    if number is None:
        return None
    word = sep.group().strip().lower()
    unit2, end = _unit_at(text, second.end())
    between = _BETWEEN_BEFORE.search(text, max(0, pos - 48), pos) is not None
    if word in ("or", "and") and not between:
        # "0 or 1", "ECOG 0 and 1" are ranges; "2.5 x ULN or 5 x ULN" are alternatives.
        if unit is not None or not (first.is_integer() and number.is_integer()):
            return None
        if word == "and" and number - first > 5:
            return None
    if unit is not None and unit2 is not None and unit2 != unit:
        if unit in _DAYS and unit2 in _DAYS:  # "6 months to 5 years" -> 0.5 to 5 years
            return number, unit2, max(end, second.end()), first * _DAYS[unit] / _DAYS[unit2]
        return None
    if number < first and word in ("-", "\u2013", "to"):
        return None  # "18-5" is not a range
    return number, unit2 or unit, max(end, second.end()), first


def _bounds(comparator: str | None, low: float, high: float) -> tuple[float | None, float | None]:
    if comparator in (">=", ">"):
        return low, None
    if comparator in ("<=", "<"):
        return (None, high) if low == high else (None, high)
    return low, high


def _tolerance(text: str, match: re.Match[str]) -> Value:
    """"±5 kg" -> between -5 and 5 kg; "23 (+/- 4)" and "23 ± 4" -> between 19 and 27."""
    centre = parse_number(match.group("centre") or "0") or 0.0
    tolerance = parse_number(match.group("tol")) or 0.0
    unit, end = _unit_at(text, match.end())
    close = _CLOSE.match(text, end) if "(" in match.group() else None  # "23 (+/- 4)"
    if close is not None:
        end = close.end()
        if unit is None:
            unit, end = _unit_at(text, end)  # "23 (+/- 4) kg/m2"
    return Value(match.start(), end, "between", centre - tolerance, centre + tolerance, unit,
                 match.start())


def _blood_pressure(text: str, match: re.Match[str]) -> list[Value]:
    """"< 140/90 mmHg": a systolic and a diastolic value sharing comparator and unit."""
    comparator, start = comparator_before(text, match.start())
    systolic, diastolic = float(match.group(1)), float(match.group(2))
    comparator = comparator or "="
    low1, high1 = _bounds(comparator, systolic, systolic)
    low2, high2 = _bounds(comparator, diastolic, diastolic)
    return [
        Value(start, match.end(1), comparator, low1, high1, "mmHg", match.start(1)),
        Value(match.start(2), match.end(), comparator, low2, high2, "mmHg", match.start(2)),
    ]
