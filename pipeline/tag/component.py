"""spaCy components around the pure tagging functions.

``elig_constraints`` runs the typed-constraint rules (``constraints.extract``) on a criterion's
Doc and puts every typed span — plus the entities of a trained NER model that ran before it —
into one span group that ConText then reads. Where the NER model and a rule found the same
kind of thing (a value, a time window, a measurement) the rule's span wins: it carries the
parsed comparator, bounds, unit and window.
"""

# No ``from __future__ import annotations`` here: spaCy resolves factory signatures at runtime.
import re
from typing import List, Optional

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.tag.constraints import Mention, extract

SPAN_GROUP = "elig"
SENTENCE_PUNCT = [".", "!", "?", ";", "\u3002", "\uff1b", "\uff01", "\uff1f"]
# NER label -> rule labels whose typed span replaces an overlapping NER span.
RULE_WINS = {"value": {"value", "age"}, "temporal": {"temporal"},
             "measurement": {"measurement"}, "observation": {"measurement"}}

# A capital letter soon after a parenthesis ("(ANC)", "(ECOG PS)"), or a word with one right
# before it ("ANC (absolute neutrophil count)").
# What an NER condition span often stops short of: "hepatitis| C", "diabetes| type 2".
_CONDITION_TAIL = re.compile(r"[ \t]+(?:[A-E]\b(?![-/.]\w)|type[ \t]+(?:[12]|I{1,2})\b)")
_TAIL_HEADS = ("hepatitis", "diabetes", "diabetes mellitus", "influenza")
# What an NER span often takes in with its concept: a negation cue glued on by a hyphen
# ("drug-naive", "drug-free"). Cut off, it is a cue again (context.json) for the concept.
_CUE_TAILS = ("-naive", "-naïve", "-free")
# Short forms whose full stop ends no sentence (spaCy keeps "e.g." and "i.e." whole already).
_SHORT_FORMS = frozenset({"excl", "incl", "approx", "vs"})

ABBREVIATION_CUE = re.compile(r"\([^()]{0,30}?[A-Z]|[A-Z][^\s()]*[ \t]*\(")

_TEXT_KEY = "elig_text"

if not Doc.has_extension("elig_mentions"):
    Doc.set_extension("elig_mentions", default=None)
if not Doc.has_extension("elig_flags"):
    Doc.set_extension("elig_flags", default=None)  # (start, end, label) -> context columns


def text_of(doc: Doc) -> str:
    """``doc.text``, built once per Doc: spaCy joins the tokens again on every access."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text


def keep_text(doc: Doc, text: str) -> Doc:
    """Give ``text_of`` the text a Doc was made from, so it is never rebuilt from the tokens."""
    doc.user_data[_TEXT_KEY] = text
    return doc


def may_define_abbreviation(text: str) -> bool:
    """Whether a criterion can hold a definition scispaCy's detector would find."""
    return "(" in text and ABBREVIATION_CUE.search(text) is not None


def model_spans_key(nlp: Language) -> Optional[str]:
    """None for an NER model (its spans are ``doc.ents``), else the span group that the model's
    span categorizer writes (``doc.spans["sc"]``), or None when there is no model."""
    if "ner" in nlp.pipe_names:
        return None
    for _name, pipe in nlp.pipeline:
        key = getattr(pipe, "key", None)
        if isinstance(key, str):
            return key
    return None


@Language.factory("elig_constraints", assigns=["doc.spans"],
                  default_config={"span_group": SPAN_GROUP})
def make_constraints(nlp: Language, name: str, span_group: str):
    return ConstraintTagger(span_group, read_ents="ner" in nlp.pipe_names,
                            model_key=model_spans_key(nlp))


class ConstraintTagger:
    """Typed rule spans + the model's spans -> ``doc.spans[group]``, mentions in ``doc._``.

    The model's spans are an NER model's ``doc.ents`` or a span categorizer's span group
    ``model_key``, whose spans may nest ("hepatic failure" inside "renal or hepatic failure")."""

    def __init__(self, span_group: str = SPAN_GROUP, read_ents: bool = True,
                 model_key: Optional[str] = None) -> None:
        self.span_group = span_group
        self.read_ents = read_ents  # reading doc.ents costs a pass over the tokens
        self.model_key = model_key

    def __call__(self, doc: Doc) -> Doc:
        spans: List[Span] = []
        mentions: List[Optional[Mention]] = []
        ext = doc._  # one Underscore object per call, not one per attribute access
        found = ext.elig_mentions  # a caller may have run the rules already
        for mention in found if found is not None else extract(text_of(doc)):
            span = doc.char_span(mention.start, mention.end, label=mention.label,
                                 alignment_mode="expand")
            if span is not None:
                spans.append(span)
                mentions.append(mention)
        rule_spans = list(zip(spans, mentions))
        if self.read_ents:
            model_spans = doc.ents
        else:
            model_spans = doc.spans[self.model_key] if self.model_key in doc.spans else ()
        for ent in model_spans:
            if ent.label_ == "condition" and ent.text.lower().endswith(_TAIL_HEADS):
                ent = _with_tail(doc, ent)
            elif len(ent) > 2 and ent.text.lower().endswith(_CUE_TAILS) and ent[-2].text == "-":
                ent = Span(doc, ent.start, ent.end - 2, label=ent.label)  # drug|-|naive
            wins = RULE_WINS.get(ent.label_, set())
            if any(m.label in wins and s.start < ent.end and ent.start < s.end
                   for s, m in rule_spans):
                continue
            spans.append(ent)
            mentions.append(None)
        doc.spans[self.span_group] = spans
        ext.elig_mentions = mentions
        return doc


def _with_tail(doc: Doc, ent: Span) -> Span:
    """The span with the letter or type that names the disease ("hepatitis C")."""
    tail = _CONDITION_TAIL.match(text_of(doc), ent.end_char)
    if tail is None:
        return ent
    longer = doc.char_span(ent.start_char, tail.end(), label=ent.label_, alignment_mode="expand")
    return longer if longer is not None else ent


@Language.factory("elig_context", requires=["doc.spans"], assigns=["token.is_sent_start"],
                  default_config={"span_group": SPAN_GROUP})
def make_context(nlp: Language, name: str, span_group: str):
    return ContextComponent(nlp, name, span_group)


class ContextComponent:
    """medspaCy ConText with our rules, run only where it can change something.

    A Doc without concept spans (flags belong to concepts only), or whose text holds none of
    the rules' cue phrases ("no", "history of", "planned", "except" …), cannot get a context
    flag; most criteria are one or the other, and skipping them (and the sentence split ConText
    needs) saves most of its cost.
    """

    def __init__(self, nlp: Language, name: str, span_group: str = SPAN_GROUP) -> None:
        from medspacy.context import ConText
        from spacy.pipeline import Sentencizer

        from pipeline.tag.context import (context_config, context_flags, context_rules,
                                          cue_pattern, targets)

        self.span_group = span_group
        self.context = ConText(nlp, name=name, **context_config(span_group))
        self.context.add(context_rules())
        self.cues = cue_pattern()
        self.flags = context_flags
        self.targets = targets()  # only concepts get flags: values, windows, ages never do
        self.sentences = Sentencizer(punct_chars=SENTENCE_PUNCT)

    def __call__(self, doc: Doc) -> Doc:
        spans = doc.spans.get(self.span_group)
        if not spans or not any(span.label_ in self.targets for span in spans):
            return doc
        text = text_of(doc)
        if self.cues.search(text.lower()):
            doc = self.context(_abbreviations_kept(self.sentences(doc)))
            doc._.elig_flags = self.flags(doc, self.targets, text)
        return doc


def _abbreviations_kept(doc: Doc) -> Doc:
    """No sentence break after the full stop of a short form ("excl. codeine, tramadol"): the
    sentence is a cue's widest scope."""
    for i in range(len(doc) - 2):
        if doc[i].lower_ in _SHORT_FORMS and doc[i + 1].text == ".":
            doc[i + 2].is_sent_start = False
    return doc


@Language.factory("elig_abbreviations")
def make_abbreviations(nlp: Language, name: str):
    return AbbreviationComponent(nlp, name)


class AbbreviationComponent:
    """scispaCy's AbbreviationDetector, run only where a definition can be: "absolute neutrophil
    count (ANC)" or "ANC (absolute neutrophil count)" needs a parenthesis next to a short form
    with a capital letter (the only short forms ``tagger.abbreviations`` keeps), and most
    criteria have none."""

    def __init__(self, nlp: Language, name: str) -> None:
        from scispacy.abbreviation import AbbreviationDetector

        self.detector = AbbreviationDetector(nlp, name=name)
        # The detector adds a pattern to this matcher for every definition it finds, and spaCy
        # validates each one with pydantic (about 2 % of a run); the patterns are plain ORTH
        # sequences of the Doc's own tokens, so validating them finds nothing.
        self.detector.global_matcher.validate = False

    def __call__(self, doc: Doc) -> Doc:
        if not may_define_abbreviation(text_of(doc)):
            return doc
        return more_definitions(self.detector(doc))


# A short form as written inside a parenthesis before a comma or semicolon ("hemorrhage (HEM,
# n = 7)") or with hyphens ("(ATT-ALF)"), which scispaCy's candidate filter passes over: words of
# 2-9 characters only, so "ATT - ALF" (three tokens) and "(HEM, n = 7)" (six) never reach it.
_SHORT_FORM = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+){0,3}")


def more_definitions(doc: Doc) -> Doc:
    """Definitions scispaCy's detector does not look for: "long form (SF, …)", "long form
    (SF; …)" and hyphenated short forms "long form (SF-SF)"; the long form is found as the
    detector finds it (Schwartz & Hearst's matching, scispaCy's ``find_abbreviation``)."""
    from scispacy.abbreviation import find_abbreviation

    known = {short.text for short in doc._.abbreviations}
    for i, token in enumerate(doc):
        if token.text != "(" or i < 1:
            continue
        end = i + 1  # the short form's tokens: up to a comma, semicolon or the parenthesis' end
        while end < len(doc) and end - i <= 7 and doc[end].text not in {",", ";", ")", "("}:
            end += 1
        if end >= len(doc) or doc[end].text == "(" or end == i + 1:
            continue
        short = doc[i + 1:end]
        if (doc[end].text == ")" and len(short) <= 3 and "-" not in short.text
                and "/" not in short.text):
            continue  # the detector's own case
        text = short.text
        if (not _SHORT_FORM.fullmatch(text) or not 2 <= len(text) <= 12 or text in known
                or not any(c.isupper() for c in text)):
            continue
        letters = sum(c.isalpha() for c in text)
        width = min(letters + 5, letters * 2)
        found, long = find_abbreviation(doc[max(i - width, 0):i], short)
        if long is not None:
            found._.long_form = long
            doc._.abbreviations.append(found)
            known.add(text)
    return doc
