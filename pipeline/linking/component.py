"""``elig_linker``: concept codes as a spaCy component, for a Doc tagged by ``build_nlp``.

It sets ``doc._.elig_codes``: for each span of the span group, the list of its codes (``Code``:
system, code, name, score, rank). The parse runs code the entity *rows* instead
(``pipeline.linking.code_rows``), after the whole trial is read, because a trial may define an
abbreviation ("… (ANC)") in one criterion and use it in another; both use the same linker.
"""

# No ``from __future__ import annotations`` here: spaCy resolves factory signatures at runtime.
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.tag.component import SPAN_GROUP

if not Doc.has_extension("elig_codes"):
    Doc.set_extension("elig_codes", default=None)


@Language.factory("elig_linker", requires=["doc.spans"], default_config={"span_group": SPAN_GROUP})
def make_linker(nlp: Language, name: str, span_group: str):
    return LinkerComponent(span_group)


class LinkerComponent:
    def __init__(self, span_group: str = SPAN_GROUP) -> None:
        from pipeline.linking import load_linker

        self.span_group = span_group
        self.linker = load_linker()

    def __call__(self, doc: Doc) -> Doc:
        spans = doc.spans.get(self.span_group, [])
        mentions = doc._.elig_mentions or [None] * len(spans)
        codes = []
        for span, mention in zip(spans, mentions):
            label = mention.label if mention else span.label_.lower()
            concept = mention.concept if mention else None
            codes.append(self.linker.link(span.text, label, None, concept))
        doc._.elig_codes = codes
        return doc
