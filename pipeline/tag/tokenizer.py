"""The criteria tokenizer: spaCy's English rules plus splits that criteria text needs.

Registered as ``elig.tokenizer.v1`` so that trained models and the rule components see the same
tokens: comparators glued to their operands (``HbA1c<7%``, ``Age>=18``), numbers glued to units
(``60mL``, ``1.73m2``, ``18yrs``), multiplication (``1.5x10^9``) and superscript exponents
(``10⁹``) become separate tokens, so entity and value boundaries fall on token boundaries; a
parenthesis closed right before a hyphen (``(SNP)-induced``) is its own token, so the
abbreviation inside it is a word and its definition can be found.
"""

from __future__ import annotations

from typing import Callable

import spacy
from spacy.lang.en import English
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

_COMPARATOR = r"(?:>=|<=|=>|=<|[<>\u2265\u2264\u2260\u2267\u2266\u2a7e\u2a7d\uff1e\uff1c\u00b1~])"
_UNITS = (
    r"(?:mcg|[\u00b5\u03bcu]g|ng|mg|kg|g|m[lL]|[\u00b5\u03bcu][lL]|d[lL]|L|mm3|mm\u00b3|mm|cm|"
    r"m2|m\u00b2|mmol|[\u00b5\u03bcu]mol|nmol|mol|mEq|IU|ms|msec|sec|min|hrs?|hours?|yrs?|"
    r"years?|wks?|weeks?|days?|mos?|months?|mmHg|bpm|%)"
)
EXTRA_PREFIXES = [_COMPARATOR, r"=", r"[xX\u00d7](?=10)"]
EXTRA_SUFFIXES = [_COMPARATOR, r"(?<=[0-9])[xX\u00d7]"]
EXTRA_INFIXES = [
    rf"(?<=[^\s<>=]){_COMPARATOR}|(?<=[<>]){'='}|{_COMPARATOR}(?=[^\s<>=])",
    rf"(?<=[0-9])(?={_UNITS}(?![A-Za-z]))",
    r"(?<=[0-9])[xX\u00d7*](?=[0-9]|\s*ULN|10)",
    r"(?<=10)(?=[\u2070\u00b9\u00b2\u00b3\u2074-\u2079])",
    r"[\u00d7]",
    r"(?<=[^\s/])/(?=[^\s/])",
    r"(?<=[A-Za-z0-9])\)(?=-[A-Za-z])|(?<=\))-(?=[A-Za-z])",  # "(SNP)-induced", "(RTX)-based"
]


def customize(nlp: Language) -> Tokenizer:
    """A tokenizer with the English defaults and the criteria-specific splits added."""
    defaults = nlp.Defaults
    prefixes = compile_prefix_regex(EXTRA_PREFIXES + list(defaults.prefixes))
    suffixes = compile_suffix_regex(EXTRA_SUFFIXES + list(defaults.suffixes))
    infixes = compile_infix_regex(EXTRA_INFIXES + list(defaults.infixes))
    return Tokenizer(
        nlp.vocab,
        rules=defaults.tokenizer_exceptions,
        prefix_search=prefixes.search,
        suffix_search=suffixes.search,
        infix_finditer=infixes.finditer,
        token_match=defaults.token_match,
        url_match=defaults.url_match,
    )


@spacy.registry.tokenizers("elig.tokenizer.v1")
def create_tokenizer() -> Callable[[Language], Tokenizer]:
    return customize


def blank() -> Language:
    """A blank English pipeline with the criteria tokenizer (what models are trained on)."""
    nlp = English()
    nlp.tokenizer = customize(nlp)
    return nlp


from pipeline.tag import spans as _spans  # noqa: E402,F401  (architectures trained models name)
