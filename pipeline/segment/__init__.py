"""Segmentation: a criteria text -> sections and criteria with offsets, depth, parent and bullet.

Three passes over the text, none of which copies or rewrites it:

1. ``lexer`` reads lines into tokens: headers, and pieces of criterion text with their marker;
   inline enumerations (``…; ⑥Have…; ⑦Women…``, ``1) … 2) …``, ``(a) women; (b) …``) become
   separate pieces, and a header run into a line ends the piece before it.
2. ``_assemble`` joins hard-wrapped continuation lines to their criterion and assigns sections.
3. ``_nest`` gives real nesting (list heads, deeper markers that the list later returns from) a
   parent, while the ever-deeper indentation of plain bullets that some registry renderings
   produce stays flat.

Invariant: ``text[c.start:c.end] == c.text`` for every criterion, and every non-blank character
of the input is in exactly one criterion, one marker or one header.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator

from pipeline.segment.lexer import (
    Header,
    Marker,
    Piece,
    find_trailing_header,
    indent_width,
    inline_splits,
    match_header,
    match_marker,
    match_soft_header,
    opens_list,
    rstrip_end,
    skip_space,
    split_lines,
)

__all__ = ["Criterion", "HeaderSpan", "Segmentation", "segment"]

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Criterion:
    """One criterion: offsets into the source text, its section and its place in the tree."""

    start: int
    end: int
    text: str
    section: str  # inclusion | exclusion | unknown
    header: str | None  # the header it falls under, as written
    ordinal: int  # 1-based within its section
    depth: int
    parent: int | None  # index of the parent criterion in Segmentation.criteria
    bullet: str | None
    bullet_start: int | None
    bullet_end: int | None


@dataclass(frozen=True)
class HeaderSpan:
    start: int
    end: int
    section: str | None  # None: a generic header ("Eligibility Criteria:")
    soft: bool


@dataclass(frozen=True)
class Segmentation:
    criteria: tuple[Criterion, ...]
    headers: tuple[HeaderSpan, ...]
    markers: tuple[tuple[int, int], ...]  # every marker seen, including those of empty items


@dataclass
class _Item:
    start: int
    end: int
    marker: Marker | None
    indent: int
    last_line: int
    section: str
    header: str | None
    block: int

    @property
    def style(self) -> str:
        return self.marker.style if self.marker is not None else "none"


def segment(text: str) -> Segmentation:
    """Split a criteria text into criteria. Never raises on odd input; empty text gives none."""
    tokens, wrapped = _lex(text)
    items, headers = _assemble(text, tokens, wrapped)
    markers = tuple(
        (tok.marker.start, tok.marker.end)
        for tok in tokens
        if isinstance(tok, Piece) and tok.marker is not None
    ) + tuple(m for tok in tokens if isinstance(tok, Header) for m in _header_marker(tok))
    parents = _nest(text, items)
    depths: list[int] = []
    ordinals: dict[str, int] = {}
    criteria = []
    for index, item in enumerate(items):
        parent = parents[index]
        depths.append(0 if parent is None else depths[parent] + 1)
        ordinals[item.section] = ordinals.get(item.section, 0) + 1
        marker = item.marker
        criteria.append(
            Criterion(
                start=item.start,
                end=item.end,
                text=text[item.start : item.end],
                section=item.section,
                header=item.header,
                ordinal=ordinals[item.section],
                depth=depths[index],
                parent=parent,
                bullet=text[marker.start : marker.end] if marker else None,
                bullet_start=marker.start if marker else None,
                bullet_end=marker.end if marker else None,
            )
        )
    return Segmentation(tuple(criteria), tuple(headers), markers)


# ---------------------------------------------------------------------------------- pass 1: lex


@dataclass(frozen=True)
class _HeaderToken(Header):
    marker: Marker | None = None
    fallback: Piece | None = None  # how to read a lead-in sentence that cannot be a header


def _header_marker(tok: Header) -> Iterator[tuple[int, int]]:
    marker = getattr(tok, "marker", None)
    if marker is not None:
        yield (marker.start, marker.end)


def _lex(text: str) -> tuple[list[Header | Piece], bool]:
    lines = split_lines(text)
    tokens: list[Header | Piece] = []
    blank = False
    lengths, indents = [], []
    for number, (start, end) in enumerate(lines):
        pos = skip_space(text, start, end)
        if pos >= end:
            blank = True
            continue
        indent = indent_width(text, start, end)
        lengths.append(rstrip_end(text, start, end) - start)
        indents.append(indent)
        tokens.extend(_lex_line(text, pos, end, indent, number, blank))
        blank = False
    return tokens, _is_hard_wrapped(lengths, indents)


def _is_hard_wrapped(lengths: list[int], indents: list[int]) -> bool:
    """Legacy registry XML wraps lines at about 100 columns under an indented block."""
    if not lengths or max(lengths) > 101 or max(lengths) < 70:
        return False
    return sum(1 for i in indents if i >= 5) >= 0.5 * len(indents)


def _lex_line(
    text: str, pos: int, end: int, indent: int, line: int, blank: bool
) -> Iterator[Header | Piece]:
    end = rstrip_end(text, pos, end)
    marker = match_marker(text, pos, end)
    body = skip_space(text, marker.end, end) if marker else pos
    header = match_header(text, body, end)
    if header is not None:
        header_end, section, rest = header
        yield _HeaderToken(body, header_end, section, False, line, marker)
        if rest < end:
            yield from _lex_rest(text, rest, rest, end, indent, line, blank, False)
        return
    if marker is None:
        section = match_soft_header(text, pos, end)
        if section is not None:
            fallback = Piece(pos, end, None, indent, line, True, blank)
            yield _HeaderToken(pos, end, section, True, line, None, fallback)
            return
    yield from _lex_rest(text, pos, body, end, indent, line, blank, True)


def _lex_rest(
    text: str, pos: int, search: int, end: int, indent: int, line: int, blank: bool,
    at_line_start: bool,
) -> Iterator[Header | Piece]:
    """Criterion text up to ``end``, cut at every header run into it: "… consent Exclusion
    criteria:", or a whole document in one line ("Inclusion Criteria: (a) …; Exclusion
    Criteria: (a) …"). ``search`` skips the line's own marker when looking for one."""
    while (trailing := find_trailing_header(text, search, end)) is not None:
        yield from _lex_content(text, pos, trailing.start(), indent, line, blank, at_line_start)
        head_start = trailing.start("head")
        head_end = rstrip_end(text, head_start, trailing.end("head"))
        found = match_header(text, head_start, head_end)
        section = found[1] if found else None
        yield _HeaderToken(head_start, head_end, section, False, line)
        pos = search = skip_space(text, trailing.end(), end)
        blank, at_line_start = False, False
        if pos >= end:
            return
    yield from _lex_content(text, pos, end, indent, line, blank, at_line_start)


def _lex_content(
    text: str, pos: int, end: int, indent: int, line: int, blank: bool, at_line_start: bool
) -> Iterator[Piece]:
    pos = skip_space(text, pos, end)  # any kind of space, a no-break space included
    end = rstrip_end(text, pos, end)
    marker = match_marker(text, pos, end)
    start = skip_space(text, marker.end, end) if marker else pos
    yield Piece(start, max(start, end), marker, indent, line, at_line_start, blank)


# ----------------------------------------------------------------------------- pass 2: assemble


def _assemble(
    text: str, tokens: list[Header | Piece], wrapped: bool
) -> tuple[list[_Item], list[HeaderSpan]]:
    items: list[_Item] = []
    headers: list[HeaderSpan] = []
    section, header_text, soft, block = UNKNOWN, None, False, 0
    current: _Item | None = None
    for token in tokens:
        if isinstance(token, Header):
            fallback = getattr(token, "fallback", None)
            if token.soft and not (section == UNKNOWN or soft or section == token.section):
                token = fallback  # a lead-in that contradicts an explicit header: a criterion
            else:
                headers.append(HeaderSpan(token.start, token.end, token.section, token.soft))
                if token.section is not None:
                    section, soft = token.section, token.soft
                header_text = text[token.start : token.end]
                block += 1
                current = None
                continue
        piece = token
        if current is not None and piece.marker is None and piece.at_line_start:
            if current.start == current.end or _continues(current, piece, wrapped):
                if current.start == current.end:
                    current.start = piece.start
                current.end = max(current.end, piece.end)
                current.last_line = piece.line
                continue
        current = _Item(piece.start, piece.end, piece.marker, piece.indent, piece.line,
                        section, header_text, block)
        items.append(current)
    split = [part for item in items for part in _split_inline(text, item)]
    return [item for item in split if item.end > item.start], headers


def _split_inline(text: str, item: _Item) -> list[_Item]:
    """Several criteria run together in one ("…3 months; ⑥Have…; ⑦Women…", "1) … 2) …")."""
    splits = inline_splits(text, item.start, item.end, item.marker)
    if not splits:
        return [item]
    parts = [replace(item, end=rstrip_end(text, item.start, splits[0].start))]
    for k, marker in enumerate(splits):
        start = skip_space(text, marker.end, item.end)
        stop = splits[k + 1].start if k + 1 < len(splits) else item.end
        parts.append(replace(item, start=start, end=max(start, rstrip_end(text, start, stop)),
                             marker=marker))
    return parts


def _continues(current: _Item, piece: Piece, wrapped: bool) -> bool:
    """Whether an unmarked line carries on the criterion above it rather than starting one."""
    if piece.blank_before or piece.line != current.last_line + 1:
        return False
    if current.marker is not None and piece.indent > current.indent:
        return True  # aligned under the text of a marked item
    return wrapped


# --------------------------------------------------------------------------------- pass 3: nest


def _nest(text: str, items: list[_Item]) -> list[int | None]:
    parents: list[int | None] = [None] * len(items)
    stack: list[int] = []
    block = None
    for index, item in enumerate(items):
        if item.block != block:
            stack, block = [], item.block
        parents[index] = _place(text, items, parents, stack, index)
    return parents


def _place(
    text: str, items: list[_Item], parents: list[int | None], stack: list[int], index: int
) -> int | None:
    item = items[index]
    for level in range(len(stack) - 1, -1, -1):
        sibling = stack[level]
        if _same_list(text, items[sibling], item):
            del stack[level:]
            stack.append(index)
            return parents[sibling]
    if not stack:
        stack.append(index)
        return None
    top = stack[-1]
    if _is_child(text, items, top, index):
        stack.append(index)
        return top
    while len(stack) > 1 and items[stack[-1]].indent > item.indent + 1:
        stack.pop()
    sibling = stack.pop()
    stack.append(index)
    return parents[sibling]


def _same_list(text: str, prev: _Item, item: _Item) -> bool:
    """Whether ``item`` continues the list ``prev`` belongs to (next number, same bullet)."""
    a, b = prev.marker, item.marker
    if a is None or b is None:
        if a is not None or b is not None:
            return False
        # Unmarked lines: same indentation, or two sub-headings such as "Cohort 1:"/"Cohort 2:".
        return abs(prev.indent - item.indent) <= 1 or (
            opens_list(text[prev.start : prev.end]) and opens_list(text[item.start : item.end])
        )
    if b.kind == "symbol" or a.kind == "symbol":
        return a.style == b.style and abs(prev.indent - item.indent) <= 1
    if a.style == b.style and a.value is not None and b.value == a.value + 1:
        return True
    # "i." after "h." is a letter, "j." after a roman-looking "i." too.
    if b.letter_value and a.kind == "letter" and a.style == b.style.replace("roman", "letter"):
        return b.letter_value == a.value + 1
    if a.letter_value and b.kind == "letter" and b.style == a.style.replace("roman", "letter"):
        return b.value == a.letter_value + 1
    return False


def _is_child(text: str, items: list[_Item], top: int, index: int) -> bool:
    head, item = items[top], items[index]
    deeper = item.indent > head.indent + 1
    if opens_list(text[head.start : head.end]):
        return deeper or (item.marker is not None and item.style != head.style)
    if not deeper or item.marker is None:
        return False
    # A deeper bullet under a plain criterion is real nesting only if the list comes back to
    # the criterion's level later on; otherwise it is a rendering staircase (seed trial).
    for later in items[index + 1 :]:
        if later.block != item.block:
            break
        if later.style == head.style and later.indent <= head.indent + 1:
            return True
    return False
