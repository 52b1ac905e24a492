"""Mention and vocabulary names -> lookup keys. Pure functions, no data loaded.

A key is what two spellings of one name share: lower case, ASCII letters and digits, British
spellings made American ("tumour", "haemorrhage", "oesophageal"), plurals made singular, filler
words ("the", "of", "NOS", "unspecified") dropped, "anti-" joined to its word ("anti-psychotic"
is "antipsychotic"). ``bag_key`` also forgets the word order, so
"cancer of the breast" and "breast cancer" meet. ``strip_qualifiers`` removes what a criterion
adds to a concept without changing it ("history of", "known", "uncontrolled", "active").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pipeline import rules

__all__ = ["bag_key", "acronym_in", "defined_part", "long_form_of", "unordered", "key", "ngrams",
           "singular", "status_words", "strip_qualifiers", "words"]

_NON_WORD = re.compile(r"[^a-z0-9]+")
# Whole-word spellings and word parts that differ between British and American English.
_SPELLING = (("tumour", "tumor"), ("oesophag", "esophag"), ("oedema", "edema"),
             ("haem", "hem"), ("anaem", "anem"), ("leukaem", "leukem"), ("ischaem", "ischem"),
             ("diarrhoea", "diarrhea"), ("oestr", "estr"), ("paed", "ped"), ("foet", "fet"),
             ("coeliac", "celiac"), ("aemia", "emia"), ("aemic", "emic"), ("uraem", "urem"),
             ("glycaem", "glycem"), ("behaviour", "behavior"), ("colour", "color"),
             ("sulph", "sulf"), ("leucopen", "leukopen"), ("leucocyt", "leukocyt"),
             ("leucaem", "leukem"), ("pnoea", "pnea"), ("rrhoea", "rrhea"), ("goitre", "goiter"),
             ("anaesth", "anesth"), ("gynaec", "gynec"), ("faec", "fec"), ("ageing", "aging"),
             ("fibre", "fiber"), ("centre", "center"), ("labour", "labor"))
_SPELLING_PATTERN = re.compile("|".join(re.escape(a) for a, _ in _SPELLING))
_SPELLING_MAP = dict(_SPELLING)
# Greek letters as the vocabularies spell them: "β-blockers" is "beta-blockers", "TNFα" "TNF
# alpha" (lower case: NFKD leaves them as they are)
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa", "λ": "lambda",
          "μ": "mu", "ω": "omega"}
_GREEK_PATTERN = re.compile("|".join(_GREEK))
# Single letters joined by a hyphen are one word: "Q-T prolongation" is "QT prolongation",
# "A-V block" "AV block" (never "T-cell": a letter before a word stays apart).
_LETTERS = re.compile(r"(?<![a-z0-9])([a-z])-(?=[a-z](?![a-z0-9]))")
# "anti-" is written joined or hyphened, in vocabularies and criteria alike: MeSH has
# "Anti-Bacterial Agents" and "Antineoplastic Agents", criteria "anti-psychotic" and
# "antipsychotic".
_ANTI = re.compile(r"(?<![a-z0-9])anti-(?=[a-z]{3})")
# Words that carry no meaning for a lookup, in a name or a mention.
_FILLER = frozenset("the of nos unspecified in with to for by on at as".split())
# Words that end in s but are not plurals.
_NOT_PLURAL = re.compile(r"(?:ss|us|is|ys|os|as|ps|xis|ics|sis|itis|ies)$")


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """The words of a name as keys see them (filler words kept)."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = folded.replace("'s ", " ").replace("\u2019s ", " ")
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = _SPELLING_PATTERN.sub(lambda m: _SPELLING_MAP[m.group()], folded)
    folded = _GREEK_PATTERN.sub(lambda m: f" {_GREEK[m.group()]} ", folded)
    folded = _LETTERS.sub(_joined, folded)
    folded = _ANTI.sub("anti", folded)
    return tuple(singular(w) for w in _NON_WORD.split(folded) if w)


# a receptor status written with its sign alone ("HER2+", "PR-", "HR+": Z17.x inclusion terms)
_STATUS_SIGN = re.compile(r"([A-Z][A-Za-z0-9]{1,6})([+-])")


def status_words(text: str) -> str | None:
    """A status written with its sign alone, with the word instead ("HER2+" -> "HER2
    positive", "PR-" -> "PR negative"): keys drop the sign, so "HER2+" and "HER2-" would both
    be "HER2". None for any other text."""
    sign = _STATUS_SIGN.fullmatch(text.strip())
    if sign is None:
        return None
    return f"{sign.group(1)} {'positive' if sign.group(2) == '+' else 'negative'}"


def _joined(match: re.Match[str]) -> str:
    """Two hyphened letters as one word, unless that word is a filler word that keys drop:
    "A-T mutated protein" (ataxia telangiectasia) must not become "protein"."""
    joined = match.group(1) + match.string[match.end()]
    return match.group() if joined in _FILLER else match.group(1)


def singular(word: str) -> str:
    """A lower-case word as keys write it: plurals made singular ("glutamates" -> "glutamate")."""
    if len(word) <= 3 or not word.endswith("s") or _NOT_PLURAL.search(word):
        if word.endswith("ies") and len(word) > 4:
            return word[:-3] + "y"
        return word
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1]


@lru_cache(maxsize=131072)
def key(text: str) -> str:
    """Lookup key: words in order, filler words dropped."""
    kept = [w for w in words(text) if w not in _FILLER]
    return " ".join(kept) if kept else " ".join(words(text))


def bag_key(text: str) -> str:
    """Lookup key that ignores word order."""
    return unordered(key(text))


def unordered(text_key: str) -> str:
    """A lookup key with its words in sorted order: what ``bag_key`` compares."""
    return " ".join(sorted(text_key.split()))


@lru_cache(maxsize=1)
def _qualifiers() -> re.Pattern[str]:
    table = rules.load("concept_synonyms")["qualifiers"]
    phrases = sorted((q["phrase"] for q in table), key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)
    return re.compile(rf"^(?:(?:{body})\b[\s,:;-]*)+", re.I)


def strip_qualifiers(text: str) -> str:
    """The mention without leading qualifiers: "history of uncontrolled diabetes" -> "diabetes".
    The mention itself when nothing would be left."""
    stripped = _qualifiers().sub("", text.strip())
    return stripped if stripped.strip() else text.strip()


def ngrams(text_key: str, n: int = 3) -> list[str]:
    """Character n-grams of a key, each word padded with a space on both sides."""
    grams = []
    for word in text_key.split():
        padded = f" {word} "
        if len(padded) <= n:
            grams.append(padded)
        else:
            grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return grams


_ACRONYM = re.compile(r"[A-Z][A-Z0-9]{1,5}")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*")


def acronym_in(short: str, long_forms: list[str]) -> str | None:
    """The words of a long form defined elsewhere whose initials spell ``short``: "ALF" in
    "Antituberculosis therapy (ATT)-associated acute liver failure" (defined for "ATT-ALF") is
    "acute liver failure". Only for an all-capital short form of 2 to 6 characters, only
    inside long forms (text that already defines something), the last match wins."""
    if not _ACRONYM.fullmatch(short):
        return None
    letters = short.lower()
    for long in long_forms:
        found = [m.group() for m in _WORD.finditer(long)]
        for start in range(len(found) - len(letters), -1, -1):
            run = found[start:start + len(letters)]
            if "".join(w[0].lower() for w in run) == letters:
                return " ".join(run)
    return None


_PART = re.compile(r"[A-Z][A-Za-z0-9]{1,5}")
_SHORT_SPLIT = re.compile(r"[/-]")
_LONG_SPLIT = re.compile(r"\s*/\s*|\s+or\s+|\s+and\s+|\s*,\s*")


def defined_part(short: str, pairs: dict[str, str]) -> str | None:
    """What a part of a compound short form stands for, when only the compound was defined:
    "BZDs" of "BZDs/RDs" ("benzodiazepines or related drugs") is "benzodiazepines", "SCA3" of
    "SCA3/MJD" ("spinocerebellar ataxia type-3 or Machado-Joseph disease") the first of the
    two; the last part, "HT" of "GC-HT" ("glucocorticoid-induced hypertension"), the long
    form's last word when it spells that word's letters in order from its first ("ALD" of
    "X-ALD" likewise). None when no defined compound has it as a part, or the parts do not
    line up."""
    if not _PART.fullmatch(short):
        return None
    for compound, long in pairs.items():
        parts = _SHORT_SPLIT.split(compound)
        if len(parts) < 2 or short not in parts:
            continue
        at = parts.index(short)
        longs = [p for p in _LONG_SPLIT.split(long) if p]
        if "/" in compound and len(longs) == len(parts):
            return longs[at]
        found = _WORD.findall(long)
        word = found[-1] if found and at == len(parts) - 1 else None
        if word and len(word) > len(short) and _spells(short, word):
            return word
    return None


def _spells(short: str, word: str) -> bool:
    """Whether the letters of ``short`` come in order in ``word``, the first at its start."""
    letters, word = short.lower(), word.lower()
    if not word.startswith(letters[0]):
        return False
    at = 1
    for letter in letters[1:]:
        at = word.find(letter, at)
        if at < 0:
            return False
        at += 1
    return True


def long_form_of(short: str, pairs: dict[str, str]) -> str | None:
    """The long form of a mention from the short form -> long form pairs its text defines:
    its own definition, else the words of a long form whose initials spell it
    (``acronym_in``), else its part of a defined compound (``defined_part``)."""
    return pairs.get(short) or acronym_in(short, list(pairs.values())) or \
        defined_part(short, pairs)
