"""The entity tagger a run plugs into ``assemble.process_record``: criteria rows -> entity rows.

One Doc per criterion (criteria are short, and offsets then shift by the criterion's start).
The trained NER model is used when present; without it the pipeline runs on rules alone and
says so once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterable

from spacy.tokens import Doc

from pipeline.assemble import Row, entity_rows
from pipeline.linking.text import long_form_of
from pipeline.tag.component import SPAN_GROUP, keep_text, may_define_abbreviation
from pipeline.tag.constraints import extract
from pipeline.tag.context import context_columns
from pipeline.train import MODEL_NAME, RULES_ONLY, default_model

__all__ = ["EntityTagger", "abbreviations", "default_model", "RULES_ONLY"]

OWN_COMPONENTS = ("elig_constraints", "elig_abbreviations", "elig_context")
# Criteria remembered per process, by exact text (about 1-2 KB each, so at most ~60 MB);
# $ELIG_CRITERION_CACHE (or parse --criterion-cache) sets another number, 0 turns it off.
CRITERION_CACHE = 30_000
_BARE = {"trial_id": "", "criterion_id": "", "start": 0}


def _placed(templates: list[Row], criterion: Row) -> list[Row]:
    """A criterion's remembered rows at its own offsets, with its trial, criterion and ids."""
    base, criterion_id = criterion["start"], criterion["criterion_id"]
    return [{**t, "trial_id": criterion["trial_id"], "criterion_id": criterion_id,
             "entity_id": f"{criterion_id}:e{n}", "start": t["start"] + base,
             "end": t["end"] + base} for n, t in enumerate(templates, start=1)]


def abbreviations(doc: Doc) -> list[tuple[str, str]]:
    """(short form, long form) pairs scispaCy's AbbreviationDetector found in a Doc.

    Pairs whose short form has no capital letter ("msec (for females)") or whose long form is
    the short form again are dropped; long forms are given on one line.
    """
    pairs = []
    for short in doc._.abbreviations:
        long = " ".join(short._.long_form.text.split()).rstrip(" (,;")
        if any(c.isupper() for c in short.text) and long.lower() != short.text.lower():
            pairs.append((short.text, long))
    return pairs


def _apply(docs: Iterable[Doc], components: list) -> Iterable[Doc]:
    for doc in docs:
        for proc in components:
            doc = proc(doc)
        yield doc


class EntityTagger:
    """Callable ``(source_text, criteria rows) -> entity rows`` with the nlp loaded once."""

    def __init__(self, model: str | Path | None = None, batch_size: int = 256,
                 quiet: bool = False, link: bool = True,
                 cache_size: int | None = None) -> None:
        from pipeline.linking import load_linker
        from pipeline.tag.nlp import build_nlp

        if model is None:
            model = default_model()
            if model is None and not quiet:
                print(f"note: no NER model found (models/{MODEL_NAME}); tagging with rules only",
                      file=sys.stderr)
        elif str(model) == RULES_ONLY:
            model = None
        self.model = model
        self.nlp = build_nlp(model)
        self.batch_size = batch_size
        self.columns = context_columns()
        # Concept codes (stops here, naming the package, when a vocabulary is missing)
        self.linker = load_linker() if link else None
        # criterion text -> (entity rows at offset 0, abbreviation pairs): repeated criteria
        self._seen: dict[str, tuple[list[Row], tuple]] = {}
        self.cache_size = (int(os.environ.get("ELIG_CRITERION_CACHE", CRITERION_CACHE))
                           if cache_size is None else cache_size)
        self.repeated = 0  # criteria answered from it

    def __call__(self, source_text: str, criteria: list[Row]) -> list[Row]:
        return self.tag_criteria(criteria)

    def tag_criteria(self, criteria: Iterable[Row]) -> list[Row]:
        """Entity rows of any number of criteria (of any number of trials), in one stream.

        A criterion whose exact text was tagged before (in this part or an earlier one of this
        process) is not tagged again: its rows are the remembered ones, moved to its own offsets
        and ids ("Pregnant or breastfeeding women" is in thousands of trials). The same rows as
        tagging it again, since a criterion's Doc sees nothing but its own text; long forms are
        a trial's and are given afterwards, as before."""
        criteria = list(criteria)
        todo = list({c["text"]: c for c in criteria if c["text"] not in self._seen}.values())
        self.repeated += len(criteria) - len(todo)
        if self.model is None:
            tagged, texts = self._rules_first(todo)
        else:
            tagged, texts = todo, (self._doc(c["text"]) for c in todo)  # made as read
        found = {c["text"]: ([], ()) for c in todo}
        for criterion, doc in zip(tagged, self._pipe(texts)):
            pairs = tuple(abbreviations(doc)) if may_define_abbreviation(criterion["text"]) else ()
            found[criterion["text"]] = (entity_rows(doc, _BARE, SPAN_GROUP, self.columns,
                                                    text=criterion["text"]), pairs)
        for text, result in found.items():
            self._remember(text, result)
        rows: list[Row] = []
        defined: dict[str, dict[str, str]] = {}  # trial -> short form -> long form
        for criterion in criteria:
            templates, pairs = found.get(criterion["text"]) or self._seen[criterion["text"]]
            rows.extend(_placed(templates, criterion))
            for short, long in pairs:
                defined.setdefault(criterion["trial_id"], {}).setdefault(short, long)
        for row in rows:
            pairs = defined.get(row["trial_id"])
            if pairs:
                row["long_form"] = long_form_of(row["text"], pairs)
        return rows

    def _remember(self, text: str, result: tuple) -> None:
        """Keep a criterion's rows for its text; the oldest go first past ``cache_size``."""
        if self.cache_size <= 0:
            return
        if len(self._seen) >= self.cache_size:
            del self._seen[next(iter(self._seen))]
        self._seen[text] = result

    def codes(self, entities: Iterable[Row]) -> list[Row]:
        """``codes`` rows of entity rows (none when linking is off)."""
        from pipeline.linking import code_rows

        return code_rows(self.linker, entities) if self.linker is not None else []

    def _pipe(self, docs: Iterable[Doc]) -> Iterable[Doc]:
        """``nlp.pipe`` over tokenized Docs, with our per-Doc components called directly: the
        same result, without spaCy's generator and error-handler layers around each of them."""
        names = self.nlp.pipe_names
        first_own = min((names.index(n) for n in OWN_COMPONENTS if n in names), default=None)
        if first_own is None or any(n not in OWN_COMPONENTS for n in names[first_own:]):
            return self.nlp.pipe(docs, batch_size=self.batch_size)  # an unusual order: as is
        stream: Iterable[Doc] = docs
        for _, proc in self.nlp.pipeline[:first_own]:
            stream = (proc.pipe(stream, batch_size=self.batch_size) if hasattr(proc, "pipe")
                      else map(proc, stream))
        return _apply(stream, [proc for _, proc in self.nlp.pipeline[first_own:]])

    def _doc(self, text: str) -> Doc:
        """A tokenized Doc that keeps its text (spaCy would rebuild it from the tokens)."""
        return keep_text(self.nlp.make_doc(text), text)

    def _rules_first(self, criteria: list[Row]) -> tuple[list[Row], list[Doc]]:
        """Without a model, only criteria in which the rules found something, or that may
        define an abbreviation ("… (ANC)"), need a Doc."""
        kept, docs = [], []
        for criterion in criteria:
            mentions = extract(criterion["text"])
            if mentions or may_define_abbreviation(criterion["text"]):
                doc = self._doc(criterion["text"])
                doc._.elig_mentions = mentions
                kept.append(criterion)
                docs.append(doc)
        return kept, docs
