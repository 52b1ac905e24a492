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
# Positional patterns (anchored with ^ or $) apply at a value's edge; they are checked through
# the functions that use them in test_rules_positional_examples_behave below.
WITH_PATTERN = [(n, p, e) for n, p, e in ALL
                if any(isinstance(e.get(k), str) and not (e[k].startswith("^") or
                                                           e[k].endswith("$"))
                       for k in ("pattern", "words", "symbols"))]


def test_rules_every_file_has_examples() -> None:
    names = {name for name, _, _ in ALL}
    assert names == set(rules.rule_files())


@pytest.mark.parametrize("name, path, entry", WITH_PATTERN,
                         ids=[f"{n}{p}" for n, p, _ in WITH_PATTERN])
def test_rules_pattern_matches_its_example(name: str, path: str, entry: dict) -> None:
    example = entry["metadata"]["example"]
    patterns = [entry[k] for k in ("pattern", "words", "symbols") if isinstance(entry.get(k), str)]
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


@pytest.mark.filterwarnings("ignore:\\[W036\\]:UserWarning")  # one rule: an empty Matcher
def test_rules_context_rules_modify_their_example_target() -> None:
    """Each ConText rule, alone, marks its example's target (pseudo/terminate rules match)."""
    from medspacy.context import ConText  # noqa: F401
    from spacy.tokens import Span

    from pipeline.tag.context import context_config, context_flags, context_rules
    from pipeline.tag.tokenizer import blank

    categories = rules.load("context")["categories"]
    for rule, data in zip(context_rules(), rules.load("context")["context_rules"]):
        example, target = data["metadata"]["example"], data["metadata"]["target"]
        nlp = blank()
        nlp.add_pipe("sentencizer")
        context = nlp.add_pipe("medspacy_context", config=context_config("t"))
        context.add([rule])
        doc = nlp.make_doc(example)
        for name, proc in nlp.pipeline:
            if name == "medspacy_context" and target is not None:
                start = example.index(target)
                doc.spans["t"] = [doc.char_span(start, start + len(target), label="x",
                                                alignment_mode="expand")]
            elif name == "medspacy_context":
                doc.spans["t"] = []
            doc = proc(doc)
        graph = doc._.context_graph
        assert any(m.category == rule.category for m in graph.modifiers), data["literal"]
        if target is not None and rule.category in categories:
            span: Span = doc.spans["t"][0]
            flags = context_flags(doc).get((span.start, span.end, span.label_), frozenset())
            assert categories[rule.category] in flags, data["literal"]


def test_rules_positional_examples_behave() -> None:
    """Window cues, age cues and roman-numeral scales do what their examples say."""
    from pipeline.tag.demographics import find_ages
    from pipeline.tag.values import find_values
    from pipeline.tag.windows import find_windows

    data = rules.load("windows")
    for cue in data["cues_before"] + data["cues_after"]:
        example = cue["metadata"]["example"]
        assert find_windows(example, find_values(example)), example
    age = rules.load("demographics")["age"]
    for key in ("cue_after", "person_before", "keyword"):
        example = age[key]["metadata"]["example"]
        assert find_ages(example, find_values(example)), example
    roman = rules.load("values")["roman_after"]["metadata"]["example"]
    assert [(v.low, v.high) for v in find_values(roman)] == [(3.0, 4.0)]
