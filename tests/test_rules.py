"""Rules are data with examples: every rule must match its own example."""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from pipeline import rules
from pipeline.normalize import norm_text
from pipeline.segment.lexer import (
    find_trailing_header,
    lossy_separator,
    match_header,
    match_marker,
    match_soft_header,
    opens_list,
)


def entries(node: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """Every dict in a rule file that carries a metadata.example."""
    if isinstance(node, dict):
        if isinstance(node.get("metadata"), dict) and "example" in node["metadata"]:
            yield path, node
        for key, value in node.items():
            yield from entries(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from entries(value, f"{path}[{index}]")


ALL = [(name, path, entry) for name in rules.rule_files()
       for path, entry in entries(rules.load(name))]
WITH_PATTERN = [(n, p, e) for n, p, e in ALL if {"pattern", "words", "symbols"} & set(e)]


def test_rules_every_file_has_examples() -> None:
    names = {name for name, _, _ in ALL}
    assert names == set(rules.rule_files())


@pytest.mark.parametrize("name, path, entry", WITH_PATTERN,
                         ids=[f"{n}{p}" for n, p, _ in WITH_PATTERN])
def test_rules_pattern_matches_its_example(name: str, path: str, entry: dict) -> None:
    example = entry["metadata"]["example"]
    patterns = [entry[k] for k in ("pattern", "words", "symbols") if k in entry]
    assert any(re.search(p, example, re.IGNORECASE) for p in patterns), (name, path, example)


def test_rules_bullets_match_examples_as_markers() -> None:
    for bullet in rules.load("bullets")["bullets"]:
        example = bullet["metadata"]["example"]
        marker = match_marker(example, 0, len(example))
        assert marker is not None and marker.kind == bullet["kind"], example


def test_rules_section_examples_behave() -> None:
    sections = rules.load("sections")
    for keyword in sections["section_keywords"]:
        example = keyword["metadata"]["example"]
        found = match_header(example, 0, len(example))
        assert found is not None and found[1] == keyword["section"], example
    for soft in sections["soft_headers"]:
        example = soft["metadata"]["example"]
        assert match_soft_header(example, 0, len(example)) == soft["section"], example
    trailing = sections["trailing_header"]["metadata"]["example"]
    assert find_trailing_header(trailing, 0, len(trailing)) is not None
    assert opens_list(sections["list_heads"]["metadata"]["example"])
    assert lossy_separator(sections["lossy_separators"]["metadata"]["example"]) == "~"


def test_rules_comparator_examples_normalize_to_their_symbol() -> None:
    for phrase in rules.load("normalize")["comparator_phrases"]:
        assert phrase["symbol"] in norm_text(phrase["metadata"]["example"]), phrase
