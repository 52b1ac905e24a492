"""Line-level reading of a criteria text: lines, list markers, headers, inline enumerations.

The lexer never copies or rewrites the text: every token it yields is a pair of offsets into the
string it was given, so the tree built on top of it keeps ``source_text[start:end] == text``.
The patterns themselves are data (``pipeline/rules/bullets.json`` and ``sections.json``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from pipeline import rules

_ROMAN = {"i": 1, "v": 5, "x": 10}
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_WORD = re.compile(r"[^\W\d_]{2,}")
_FOR_OF = re.compile(r"(?i)(?:for|of)\s")
_SENTENCE_LIKE = re.compile(r"[.;!?]\s|\d\s*(?:%|mg|years?)\b")
_PUNCT_BEFORE = re.compile(r"[.;:,!?]\s*$")
_CAPITAL_AFTER = re.compile(r"\s*[A-Z0-9]")
_TOKEN = re.compile(r"[^\W\d_]{2,}|\d")  # a word, or a number
_ITEM_END = re.compile(r"[;,.:]\s*$")  # an item closed by punctuation before the next marker


@dataclass(frozen=True)
class Marker:
    """A list marker: ``*``, ``-``, ``1.``, ``(a)``, ``iv)``, ``⑥`` …"""

    start: int
    end: int
    kind: str  # number | letter | roman | circled | symbol
    style: str  # kind plus case and delimiters, e.g. "number.", "(letter-lower)", "symbol*"
    value: int | None  # position in its sequence for ordered kinds
    letter_value: int | None = None  # for i/v/x: the value if read as a letter instead


@dataclass(frozen=True)
class Header:
    """A section header such as ``Key Exclusion Criteria:``; ``section`` None = generic header."""

    start: int
    end: int
    section: str | None
    soft: bool  # a lead-in sentence ("Patients must meet all of the following:")
    line: int


@dataclass(frozen=True)
class Piece:
    """A stretch of criterion text on one line, with the marker that introduces it (if any)."""

    start: int
    end: int
    marker: Marker | None
    indent: int
    line: int
    at_line_start: bool
    blank_before: bool


@dataclass(frozen=True)
class BulletRule:
    name: str
    kind: str
    regex: re.Pattern[str]
    space_required: bool
    inline: bool


@dataclass(frozen=True)
class LexRules:
    bullets: tuple[BulletRule, ...]
    any_bullet: re.Pattern[str]  # every bullet rule as one alternation, groups b0, b1, …
    inline_bullet: re.Pattern[str]  # the rules that may start a criterion inside a line
    header: re.Pattern[str]
    keyword_sections: tuple[tuple[re.Pattern[str], str | None], ...]
    prefix_stopwords: frozenset[str]
    trailing_header: re.Pattern[str]
    soft_headers: tuple[tuple[re.Pattern[str], str], ...]
    list_head: re.Pattern[str]
    lossy_separators: tuple[str, ...]


@lru_cache(maxsize=1)
def lex_rules() -> LexRules:
    """Compile the segmentation rule files once per process."""
    bullet_data = rules.load("bullets")["bullets"]
    sections = rules.load("sections")
    bullets = tuple(
        BulletRule(
            name=b["name"],
            kind=b["kind"],
            regex=re.compile(b["pattern"]),
            space_required=b["space_after"] == "required",
            inline=b["inline"],
        )
        for b in bullet_data
    )
    keywords = sections["section_keywords"]
    # Generic keywords ("inclusion/exclusion") are tried first so they win over "inclusion".
    ordered = sorted(keywords, key=lambda k: k["section"] is not None)
    kw_alt = "|".join(f"(?:{k['pattern']})" for k in ordered)
    nouns = sections["header_nouns"]
    header = re.compile(
        r"(?P<prefix>(?:(?:eligibility\s+)?criteria\s*[:\-]\s*)?(?:[^\s:]+\s+){0,5}?)"
        rf"(?P<kw>{kw_alt})\b"
        rf"(?P<noun>\s*(?:{nouns})\b)?"
        r"(?P<qual>[^:\uff1a\n]{0,80}?)\s*"
        r"(?:(?P<colon>[:\uff1a]|--)[ \t]*(?P<rest>.*)|\.?[ \t]*)$",
        re.IGNORECASE | re.DOTALL,
    )
    keyword_sections = tuple(
        (re.compile(rf"(?:{k['pattern']})$", re.IGNORECASE), k["section"]) for k in ordered
    )
    soft = tuple(
        (re.compile(s["pattern"], re.IGNORECASE), s["section"]) for s in sections["soft_headers"]
    )
    inline = [i for i, b in enumerate(bullet_data) if b["inline"] and b["kind"] != "circled"]
    return LexRules(
        bullets=bullets,
        any_bullet=re.compile("|".join(f"(?P<b{i}>{b['pattern']})"
                                       for i, b in enumerate(bullet_data))),
        # Only after a space (``_inline_candidates`` wants that): "word." and "to" would
        # otherwise match ``x.`` and ``o`` at nearly every word end, to be thrown away.
        inline_bullet=re.compile("(?<=\\s)(?:" + "|".join(
            f"(?P<b{i}>{bullet_data[i]['pattern']})" for i in inline) + ")"),
        header=header,
        keyword_sections=keyword_sections,
        prefix_stopwords=frozenset(sections["header_prefix_stopwords"]),
        trailing_header=re.compile(sections["trailing_header"]["pattern"]),
        soft_headers=soft,
        list_head=re.compile(sections["list_heads"]["pattern"], re.IGNORECASE),
        lossy_separators=tuple(sections["lossy_separators"]["characters"]),
    )


# --------------------------------------------------------------------------------------- lines


def split_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, line-break characters excluded; ``\\r\\n`` counts as one break.

    Texts whose line breaks were replaced by ``~`` or ``#`` upstream (and that have no real line
    break left) are split on that character instead.
    """
    separator = lossy_separator(text)
    if separator is not None:
        breaks = re.compile(re.escape(separator))
    else:
        breaks = _LINE_BREAK
    spans, pos = [], 0
    for match in breaks.finditer(text):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(text)))
    return spans


def lossy_separator(text: str) -> str | None:
    """The character used in place of line breaks, if the text looks like such a re-export."""
    if _LINE_BREAK.search(text):
        return None
    for char in lex_rules().lossy_separators:
        count = text.count(char)
        if count < 2:
            continue
        escaped = re.escape(char)
        around_header = (
            rf"(?i)(?:criteria|inclusion|exclusion)\s*:?\s*{escaped}"
            rf"|{escaped}\s*(?:key\s+)?(?:inclusion|exclusion)\s+criteria"
        )
        if re.search(around_header, text):
            return char
        # Otherwise most occurrences must start a new item: separator, spaces, capital or marker.
        starts = len(re.findall(rf"{escaped}\s*(?:[A-Z]|[-*\u2022]\s|\d{{1,2}}[.)]\s)", text))
        if count >= 3 and starts >= 0.8 * count:
            return char
    return None


def indent_width(text: str, start: int, end: int) -> int:
    """Column of the first non-blank character, tabs counted as four columns."""
    width = 0
    for pos in range(start, end):
        char = text[pos]
        if char == "\t":
            width += 4
        elif char.isspace():
            width += 1
        else:
            break
    return width


def skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


# ------------------------------------------------------------------------------------- markers


def _roman_value(token: str) -> int | None:
    token = token.lower()
    total, prev = 0, 0
    for char in reversed(token):
        value = _ROMAN.get(char)
        if value is None:
            return None
        total = total - value if value < prev else total + value
        prev = max(prev, value)
    return total or None


def _make_marker(rule: BulletRule, text: str, start: int, end: int) -> Marker:
    token = text[start:end]
    core = token.strip("()\uff08\uff09.)\u3001\uff0e#: ")
    opens = token[:1] in "(\uff08"
    delim = "" if rule.kind == "circled" else token[-1:]
    if rule.kind == "number":
        digits = core.split(".")[-1] if core else ""
        value = int(digits) if digits.isdigit() else None
        style = f"{'(' if opens else ''}number{'.' * core.count('.')}{delim}"
        return Marker(start, end, "number", style, value)
    if rule.kind in ("letter", "roman"):
        case = "upper" if core.isupper() else "lower"
        style_delim = f"{'(' if opens else ''}{{}}-{case}{delim}"
        if rule.kind == "letter":
            return Marker(start, end, "letter", style_delim.format("letter"), ord(core.lower()) - 96)
        letter_value = ord(core.lower()) - 96 if len(core) == 1 else None
        return Marker(
            start, end, "roman", style_delim.format("roman"), _roman_value(core), letter_value
        )
    if rule.kind == "circled":
        try:
            value = int(unicodedata.numeric(token))
        except (TypeError, ValueError):
            value = None
        return Marker(start, end, "circled", "circled", value)
    symbol = token.strip()
    if symbol in ("--", "\u2013", "\u2014", "\u2010", "\u2011", "\u2012"):
        symbol = "-"
    return Marker(start, end, "symbol", f"symbol{symbol}", None)


def match_marker(text: str, pos: int, end: int) -> Marker | None:
    """The list marker starting exactly at ``pos``, if any.

    A doubled marker ("-  • Must be …", "-  3. inflammatory …") is read as one marker: the
    first one decides the list it belongs to, the second is kept in the bullet.
    """
    first = _match_one(text, pos, end)
    if first is None:
        return None
    second = _match_one(text, skip_space(text, first.end, end), end)
    if second is None:
        return first
    return Marker(first.start, second.end, first.kind, first.style, first.value,
                  first.letter_value)


def _match_one(text: str, pos: int, end: int) -> Marker | None:
    rules_ = lex_rules()
    first = rules_.any_bullet.match(text, pos, end)
    if first is None:
        return None  # no rule matches here: one regex instead of one per rule
    for rule in rules_.bullets[int(first.lastgroup[1:]):]:
        match = rule.regex.match(text, pos, end)
        if match is None or match.end() == pos:
            continue
        after = match.end()
        if after < end and not text[after].isspace():
            if rule.space_required:
                continue
            # "1.Age" is a marker, "1.5" or "a.m." is not.
            if not (text[after].isalpha() or text[after] in "(\"'\u201c"):
                continue
        return _make_marker(rule, text, pos, after)
    return None


def _inline_candidates(text: str, start: int, end: int) -> Iterator[tuple[Marker, bool]]:
    """Markers inside a criterion that could start an inline enumeration (``… 2) …``, ``(b)``),
    each with whether it is weak: a letter or roman numeral with a period and no punctuation
    before it ("… GGO lesion B. 20~90 years old C. sign permit"), which counts only in a run of
    three or more.

    Bullets without an order (``o``, ``-``, ``•``) count only after ``.``, ``:`` or ``;`` and
    before a capital, so "18 - 65" never splits.
    """
    rules_ = lex_rules()
    for match in rules_.inline_bullet.finditer(text, start, end):
        rule = rules_.bullets[int(match.lastgroup[1:])]
        pos, after = match.start(), match.end()
        if pos == start or not text[pos - 1].isspace():
            continue
        if after < end and not text[after].isspace() and rule.space_required:
            continue
        marker = _make_marker(rule, text, pos, after)
        before = text[max(start, pos - 4) : pos]
        weak = False
        if rule.kind == "symbol":
            if not _PUNCT_BEFORE.search(before) or not _CAPITAL_AFTER.match(text, after, end):
                continue
        elif marker.style.endswith(".") and not _PUNCT_BEFORE.search(before):
            if marker.kind == "number":
                continue  # "… version 2. The …" is not an enumeration; "…; 2. The …" is
            weak = True  # "vitamin A. B12", "type A. The": no run of three, no split
        yield marker, weak


def inline_splits(text: str, start: int, end: int, lead: Marker | None) -> list[Marker]:
    """Markers at which one line holds several criteria.

    Circled numbers always start a criterion. Other markers do when they form a run of
    consecutive values (``1) … 2) … 3) …``, ``(a) … (b) …``, ``i) … ii) …``) that starts at 1
    or continues the line's own marker, and when every item of the run reads as one: two words,
    or one word closed by ``;``, ``,``, ``.`` or ``:`` ("(a) women; (b) age …; (c) Smoking;").
    So "criteria (1) and (2)" and "stage (i), (ii) or (iii)" are left alone. A letter that
    reads as a roman numeral counts as either ("(h) … (i) … (j)" and "(i) … (ii) …").
    """
    splits: list[Marker] = []
    circled = lex_rules().bullets[0]
    for match in circled.regex.finditer(text, start, end):
        if match.start() > start:
            splits.append(_make_marker(circled, text, match.start(), match.end()))
    symbols: dict[str, list[Marker]] = {}
    ordered: dict[str, list[tuple[int, Marker, bool]]] = {}
    for marker, weak in _inline_candidates(text, start, end):
        if marker.kind == "symbol":
            symbols.setdefault(marker.style, []).append(marker)
        for style, value in _readings(marker):
            ordered.setdefault(style, []).append((value, marker, weak))
    best: list[Marker] = []
    for style, candidates in symbols.items():
        continues_lead = lead is not None and lead.style == style
        if len(candidates) >= 2 or continues_lead:
            best = candidates if len(candidates) > len(best) else best
    leads = dict(_readings(lead)) if lead is not None else {}
    for style, readings in ordered.items():
        readings.sort(key=lambda r: r[1].start)
        first = leads[style] + 1 if style in leads else 1
        for with_weak in (False, True):
            run = _run(text, start, end, readings, first, with_weak)
            items = len(run) + (style in leads)  # the line's own marker heads the first item
            if run and (items >= 3 if with_weak else items >= 2) and len(run) > len(best):
                best = run
    splits.extend(best)
    splits.sort(key=lambda m: m.start)
    # A marker with nothing after it ("… age ⑦") stays part of the text before it.
    bounds = [m.start for m in splits[1:]] + [end]
    return [m for m, stop in zip(splits, bounds) if text[m.end : stop].strip()]


def _run(
    text: str, start: int, end: int, readings: list[tuple[int, Marker, bool]], first: int,
    with_weak: bool,
) -> list[Marker]:
    """The markers that continue the sequence from ``first`` on, each after an item of its own.

    The last item needs two words too, or one if the item before it was closed by punctuation
    ("…; (c) Smoking" but not "either a) surgery or b) radiotherapy"); no text, no run.
    """
    run: list[Marker] = []
    expected, prev_end, closed = first, start, False
    for value, marker, weak in readings:
        if weak and not with_weak:
            continue
        if value == expected and _reads_as_item(text, prev_end, marker.start):
            run.append(marker)
            closed = _ITEM_END.search(text, prev_end, marker.start) is not None
            expected += 1
            prev_end = marker.end
    if not run:
        return []
    words = len(_WORD.findall(text, prev_end, end))
    if words >= 2 or (closed and _TOKEN.search(text, prev_end, end)):
        return run
    return []


def _readings(marker: Marker) -> list[tuple[str, int]]:
    """(style, value) pairs a marker can take in a run: "(i)" is roman 1 and letter 9."""
    readings = []
    if marker.value is not None and marker.kind != "symbol":
        readings.append((marker.style, marker.value))
    if marker.letter_value is not None:
        readings.append((marker.style.replace("roman", "letter"), marker.letter_value))
    return readings


def _reads_as_item(text: str, start: int, stop: int) -> bool:
    """Whether the text between two markers of a run is an item (or a lead-in) of its own."""
    if len(_WORD.findall(text, start, stop)) >= 2:
        return True
    return _TOKEN.search(text, start, stop) is not None and _ITEM_END.search(
        text, start, stop) is not None


# ------------------------------------------------------------------------------------- headers


def _section_of(keyword: str) -> str | None:
    for regex, section in lex_rules().keyword_sections:
        if regex.match(keyword):
            return section
    return None


def match_header(text: str, pos: int, end: int) -> tuple[int, str | None, int] | None:
    """A section header at ``pos``: (header end, section, position of text after it) or None."""
    lr = lex_rules()
    match = lr.header.match(text, pos, end)
    if match is None:
        return None
    prefix = match.group("prefix").split()
    if prefix and (prefix[-1].lower().strip(",;") in lr.prefix_stopwords or len(prefix) > 5):
        return None
    if any(word.lower() in ("the", "of", "with", "no", "not", "any") for word in prefix):
        return None
    if prefix and match.group("kw")[0].isupper() and any(w[0].islower() for w in prefix):
        return None  # "Signed informed consent Exclusion criteria:": a header glued to a criterion
    qual = match.group("qual").strip()
    colon = match.group("colon")
    rest = (match.group("rest") or "").strip()
    noun = match.group("noun")
    if qual and not colon:
        if text[pos].islower():
            return None  # "eligibility criteria for the …": a wrapped line, not a header
        # "Inclusion Criteria (PTA group)", "Inclusion criteria for families" need no colon.
        if not (qual.startswith("(") and qual.endswith(")")) and not _FOR_OF.match(qual):
            return None
        if not noun:
            return None
    if qual and _SENTENCE_LIKE.search(qual):
        return None  # a sentence, not a header
    if not noun and not colon and len(prefix) > 3:
        return None
    section = _section_of(match.group("kw"))
    header_end = match.end("colon") if colon else rstrip_end(text, pos, end)
    rest_start = match.start("rest") if rest else end
    return header_end, section, rest_start


def match_soft_header(text: str, pos: int, end: int) -> str | None:
    """The section a lead-in sentence opens ("Subjects will be excluded if:"), or None."""
    line = text[pos:end]
    if len(line) > 160:
        return None
    for regex, section in lex_rules().soft_headers:
        if regex.search(line):
            return section
    return None


def find_trailing_header(text: str, pos: int, end: int) -> re.Match[str] | None:
    """A header glued to the end of a criterion ("… consent Exclusion Criteria:")."""
    match = lex_rules().trailing_header.search(text, pos, end)
    if match is None:
        return None
    before = text[pos : match.start()].split()
    if not before or before[-1].lower() in lex_rules().prefix_stopwords:
        return None
    return match


def opens_list(text: str) -> bool:
    """Whether a criterion ends like a list head ("… any of the following:")."""
    return lex_rules().list_head.search(text.rstrip()) is not None
