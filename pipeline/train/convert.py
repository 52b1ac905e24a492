"""Gold criterion lines -> spaCy ``Doc``s and ``DocBin``s for ``spacy train``.

Each non-empty line of a Chia document is one ``Doc`` tokenized by the criteria tokenizer
(``elig.tokenizer.v1``), so training sees the tokens the shipped pipeline sees. NER gets the
non-overlapping longest-first subset in ``doc.ents``; all spans also go to ``doc.spans["sc"]``
for a span categorizer. A gold span whose edges fall inside a token is widened to whole tokens
(``alignment_mode="expand"``); :func:`alignment` counts how often that happens.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from pipeline.train.brat import (ChiaFile, GoldSpan, Line, longest_first, read_folder,
                                 validation_trials)

__all__ = ["SPANS_KEY", "line_doc", "write_docbins"]

SPANS_KEY = "sc"


def _spans(doc: Doc, line: Line, spans: list[GoldSpan]) -> list[Span]:
    """Gold spans as token spans of the line's Doc (offsets shift by the line start)."""
    out = []
    for gold in spans:
        span = doc.char_span(gold.start - line.start, gold.end - line.start, label=gold.label,
                             alignment_mode="expand")
        if span is not None:
            out.append(span)
    return out


def line_doc(nlp: Language, line: Line) -> Doc:
    """The training example of one criterion line."""
    doc = nlp.make_doc(line.text)
    ents = _spans(doc, line, longest_first(line.spans))
    # expansion can make two spans meet in one token: keep the first, as longest_first did
    kept: list[Span] = []
    for span in ents:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    # tokens of a missing span that no entity covers: neither entity nor not-entity
    missing: list[Span] = []
    for span in _spans(doc, line, longest_first(line.missing)):
        if all(span.end <= k.start or k.end <= span.start for k in kept + missing):
            missing.append(span)
    doc.set_ents(kept, missing=missing, default="outside" if line.negatives else "missing")
    doc.spans[SPANS_KEY] = _spans(doc, line, line.spans)
    return doc


def docs(nlp: Language, files: Iterable[ChiaFile]) -> Iterable[Doc]:
    """Every line of every file, in order."""
    for chia in files:
        for line in chia.lines:
            yield line_doc(nlp, line)


def write_docbins(nlp: Language, data: Path, out: Path, extra: list[ChiaFile] = (),
                  train: list[ChiaFile] | None = None) -> dict[str, int]:
    """``train.spacy`` and ``dev.spacy`` in ``out`` from the Chia folder ``data`` (and the
    ``extra`` documents, LCT's, added to the training part only); line counts.

    ``dev.spacy`` — what ``spacy train`` scores its checkpoints on — holds the *validation*
    trials carved out of Chia's training trials (``brat.validation_trials``), never the dev
    split: the dev split is scored once, after training, for the reported figures. ``train``:
    ``read_folder(data, "train")`` when the caller has read it already."""
    out.mkdir(parents=True, exist_ok=True)
    train = read_folder(data, "train") if train is None else train
    held = set(validation_trials(train))
    counts = {}
    for name, files in (("train", [f for f in train if f.trial_id not in held] + list(extra)),
                        ("validation", [f for f in train if f.trial_id in held])):
        bin_ = DocBin(store_user_data=False)
        for doc in docs(nlp, files):
            bin_.add(doc)
        bin_.to_disk(out / f"{'dev' if name == 'validation' else name}.spacy")
        counts[name] = len(bin_)
    counts["extra"] = sum(len(f.lines) for f in extra)  # of the train lines
    return counts
