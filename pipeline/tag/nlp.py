"""Build the tagging pipeline: tokenizer (or a trained model) + rules + sentences + ConText."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

import warnings

from pipeline.tag import component  # noqa: F401  (registers elig_constraints)

# scispaCy runs an empty Matcher on Docs without abbreviation candidates; spaCy warns each time.
warnings.filterwarnings("ignore", message=r"\[W036\]", category=UserWarning)
from pipeline.tag.tokenizer import blank

__all__ = ["build_nlp"]


def build_nlp(model: str | Path | None = None, link: bool = False) -> Language:
    """The pipeline that tags one criterion per Doc.

    ``model`` is a trained spaCy pipeline directory (its tokenizer and NER come first); None
    gives the rules-only pipeline on the criteria tokenizer. ``link`` adds ``elig_linker``,
    which codes each span (``doc._.elig_codes``); parse runs code the rows instead.
    """
    nlp = spacy.load(model) if model is not None else blank()
    nlp.add_pipe("elig_constraints", config={"span_group": component.SPAN_GROUP})
    nlp.add_pipe("elig_abbreviations")  # scispaCy's detector: "absolute neutrophil count (ANC)"
    nlp.add_pipe("elig_context", config={"span_group": component.SPAN_GROUP})
    if link:
        from pipeline.linking import component as _linker  # noqa: F401  (registers elig_linker)

        nlp.add_pipe("elig_linker", config={"span_group": component.SPAN_GROUP})
    return nlp
