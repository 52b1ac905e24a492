"""Sieves: what a mention that has no exact name may be looked up as instead. Pure functions of
text, no vocabulary: each gives names to look up *exactly*, so a vocabulary decides whether a
rewritten form exists (D'Souza & Ng 2015, "Sieve-based entity linking for the biomedical
domain", do the same: each sieve transforms the mention, an exact match ends the search).

* ``cause``: the agent or cause a condition is attributed to is not part of the condition:
  "cisplatin-induced nephrotoxicity", "nephrotoxicity induced by cisplatin", "steroid-related
  hyperglycemia", "anemia due to chemotherapy" -> the condition; MeSH's own "drug-induced"
  descriptors first ("levodopa-induced dyskinesia" -> *Dyskinesia, Drug-Induced*).
* ``organ``: an organ named by its adjective or noun and a generic head ("renal damage",
  "hepatic toxicity", "lesions of the brain") -> that organ's disease descriptor (*Kidney
  Diseases*; in ICD-10-CM its "unspecified" disorder), from the curated ``organs`` table; an
  organ adjective before another noun is tried as the organ's noun ("ocular pain" -> "eye pain").
* ``noun``: an adjective for the condition it names ("dystonic" -> dystonia, "cataleptic" ->
  catalepsy, "edematous" -> edema, "psychotic symptoms" -> psychosis), by suffix rules; the
  vocabulary filters what they overgenerate.
* ``manifestation``: "X-like symptoms", "symptoms of X", "signs of X" -> X.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline import rules
from pipeline.linking import text as keys

__all__ = ["cause", "clause_cut", "cores", "function_loss", "head_dropped", "head_swapped", "manifestation", "noun", "noun_forms",
           "organ", "organ_word", "sieve_names"]

_AGENT = r"[\w.+/'-]+(?:\s+[\w.+/'-]+){0,3}"
# "<agent>-induced X", "<agent> induced X", "X induced by <agent>", "X due to <cause>" …
_CAUSE_BEFORE = re.compile(
    r"^(?:[\w.+/'-]+\s+){0,2}[\w.+/'-]+[- ](?:induced|related|associated|mediated|triggered|"
    r"provoked|caused|evoked|elicited)\s+(?P<x>.+)$", re.I)
_CAUSE_AFTER = re.compile(
    r"^(?P<x>.+?)\s+(?:(?:induced|caused|provoked|triggered|evoked|elicited)\s+by|"
    r"due\s+to|secondary\s+to|attributable\s+to|(?:associated|related)\s+(?:with|to)|"
    r"following|after)\s+" + _AGENT + "$", re.I)
_KINDS = ("drug-induced", "chemically induced", "substance-induced")


def cause(text: str) -> list[str]:
    """The condition without its agent, the MeSH "drug-induced" names of it first; [] when the
    mention names no agent."""
    for pattern in (_CAUSE_BEFORE, _CAUSE_AFTER):
        match = pattern.match(text.strip())
        if match and match.group("x").strip():
            x = match.group("x").strip()
            if keys.key(x) in _generic_heads() | _REACTION:
                # "COVID-related symptoms": the condition is what the symptoms come from;
                # "treatment-related adverse events": no condition at all
                agent = _AGENT_BEFORE.match(text.strip())
                if agent and _SYMPTOMS.fullmatch(x) and not _ADJECTIVE.search(agent.group(
                        "agent")) and keys.key(agent.group("agent")) not in _generic_heads():
                    return [agent.group("agent")]
                return []
            related = []
            agent = _AGENT_BEFORE.match(text.strip())
            if agent and _MENTAL.search(x):
                # MeSH files a substance's mental disorders under "<substance>-Related
                # Disorders": "cocaine-induced mood disorder" -> *Cocaine-Related Disorders*
                related = [f"{agent.group('agent')}-related disorders"]
            return related + [f"{kind} {x}" for kind in _KINDS] + [x]
    return []


_MENTAL = re.compile(r"\b(?:mood|psychos[ie]s|psychotic|anxiety|depressi|mania|manic|delirium|"
                     r"dementia|hallucin|withdrawal|dependence|abuse|use\s+disorder)", re.I)


_AGENT_BEFORE = re.compile(r"^(?P<agent>.+?)[- ](?:related|associated|induced)\s", re.I)
_SYMPTOMS = re.compile(r"(?:symptoms?|signs?|illness(?:es)?|diseases?|disorders?|conditions?)",
                       re.I)


@lru_cache(maxsize=1)
def _generic_heads() -> frozenset[str]:
    return frozenset(keys.key(h["head"]) for h in rules.load("concept_synonyms")["generic_heads"])


_LEADING = (r"(?:acute|chronic|severe|significant|clinically\s+significant|major|serious|"
            r"mild|moderate|structural|functional|progressive|permanent|irreversible|"
            r"underlying|known|active|current|previous|prior|other|any|existing|pre-existing|"
            r"preexisting|concomitant|unstable|substantial|extensive|sudden|transient)")
_INJURY = re.compile(r"injur(?:y|ies)$", re.I)
_TOXIC = re.compile(r"(?:toxicit(?:y|ies)|toxic\s+effects?|adverse\s+effects?|side\s+effects?)$",
                    re.I)


@lru_cache(maxsize=1)
def _organs() -> tuple[dict[str, dict], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(organ key -> its entry, "<organ> <head>" pattern, "<head> of <organ>" pattern,
    "<prefix>toxicity" pattern)."""
    table = rules.load("concept_synonyms")
    means: dict[str, dict] = {}
    for entry in table["organs"]:
        for word in entry["words"] + entry.get("combining_forms", []):
            means[keys.key(word)] = entry
    prefixes = "|".join(p for e in table["organs"] for p in e.get("combining_forms", []))
    compound = re.compile(rf"^(?:{_LEADING}\s+){{0,2}}(?P<organ>{prefixes})-?"
                          r"(?P<what>toxicit(?:y|ies)|path(?:y|ies))$", re.I)
    words = sorted((w for e in table["organs"] for w in e["words"]), key=len, reverse=True)
    organ = "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in words)
    heads = [h["head"] for h in table["organ_heads"]]
    heads += [h[:-1] + "ies" if h.endswith("y") else h + "es" if h.endswith("s") else h + "s"
              for h in heads]  # plurals
    head_re = "(?:" + "|".join(re.escape(h).replace(r"\ ", r"\s+")
                               for h in sorted(heads, key=len, reverse=True)) + ")"
    between = r"(?:\s+[\w-]+(?:al|ic|ar|ary|ous|ive))?"  # "renal interstitial damage"
    # only words that grade or time the damage may come first: "inflammatory bowel disease"
    # and "diabetic nephropathy" are diseases of their own, not any disease of the organ
    lead = rf"(?:{_LEADING}\s+){{0,2}}"
    before = re.compile(rf"^{lead}(?P<organ>{organ}){between}\s+{head_re}$", re.I)
    after = re.compile(rf"^{lead}{head_re}\s+(?:of|to|in|on)\s+(?:the\s+)?(?P<organ>{organ})$",
                       re.I)
    return means, before, after, compound


def organ(text: str, system: str) -> list[str]:
    """The organ's disease name in ``system`` for "<organ> <generic head>", "<head> of the
    <organ>" or "<organ prefix>toxicity" ("nephrotoxicity"); for a toxicity, the organ's toxic
    disease first where the vocabulary has one ("hepatic toxicity" -> *Chemical and Drug
    Induced Liver Injury*, ICD-10-CM's "toxic liver disease"); [] for anything else or an
    organ without a name in that system."""
    means, before, after, compound = _organs()
    text = text.strip()
    for pattern in (compound, before, after):
        match = pattern.match(text)
        if match:
            entry = means.get(keys.key(match.group("organ")), {})
            toxic = _TOXIC.search(text) if pattern is not compound else \
                match.group("what").lower().startswith("tox")
            names = [entry.get("toxic", {}).get(system)] if toxic else []
            if not (system == "ICD10CM" and _INJURY.search(text)):
                names.append(entry.get("means", {}).get(system))  # ICD-10-CM injuries: trauma
            return [n for n in names if n]
    return []


@lru_cache(maxsize=1)
def _organ_words() -> tuple[dict[str, list[str]], re.Pattern[str]]:
    """Organ word -> the other words of its entry, lower case ("ocular" -> ["eye", …]), and a
    pattern that finds any of them as whole words."""
    out: dict[str, list[str]] = {}
    for entry in rules.load("concept_synonyms")["organs"]:
        found = [w.lower() for w in entry["words"] if not w.isupper()]
        for word in found:
            out[word] = [w for w in found if w != word]
    body = "|".join(re.escape(w) for w in sorted(out, key=len, reverse=True))
    return out, re.compile(rf"\b(?:{body})\b", re.I)


def organ_word(text: str) -> list[str]:
    """The mention with an organ named another way: "ocular pain" -> "eye pain", "artery
    calcification" -> "vascular calcification"; [] when it names no organ."""
    others, pattern = _organ_words()
    out = []
    for match in pattern.finditer(text):
        for other in others[match.group().lower()]:
            out.append(text[:match.start()] + other + text[match.end():])
    return out


# Adjective endings -> the noun endings of the conditions they name, most specific first.
_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("itic", ("itis",)), ("otic", ("osis",)), ("ytic", ("ysis",)), ("istic", ("ism",)),
    ("etic", ("esia", "etes", "esis")), ("ptic", ("psy", "psis")), ("ctic", ("xia", "xy")),
    ("atic", ("a",)), ("emic", ("emia",)), ("eic", ("ea",)), ("ian", ("ism",)),
    ("ic", ("ia", "y", "e", "ism")), ("atous", ("a",)), ("ous", ("", "a", "y")), ("ive", ("ion",)),
    ("ated", ("ation",)), ("ed", ("ion", "ation", "ia", "e", "")), ("ese", ("esity",)),
    ("oid", ("oidism",)), ("ing", ("", "e")),
    # Latin plurals, and the condition a plural lesion names: "emboli" -> embolism
    ("ices", ("ix",)), ("i", ("us", "ism", "osis")),
)


def noun_forms(word: str) -> list[str]:
    """Nouns an adjective may name the condition by: "dystonic" -> ["dystonia", "dystony", …].
    Overgenerates; only forms a vocabulary has are kept by the caller."""
    lower = word.lower()
    if len(lower) < 6 or not lower.isalpha():
        return []
    out: list[str] = []
    for ending, nouns in _SUFFIXES:
        if lower.endswith(ending):
            stem = lower[:-len(ending)]
            out += [stem + noun for noun in nouns if len(stem + noun) >= 4]
            break
    return list(dict.fromkeys(o for o in out if o != lower))


def noun(text: str) -> list[str]:
    """The mention with an adjective as the noun of the condition: a single adjective
    ("cataleptic"), an adjective before a generic head ("psychotic symptoms", "dystonic
    reactions") or as the last word ("gastric hemorrhagic")."""
    found = text.split()
    if not found:
        return []
    if len(found) == 2 and keys.key(found[1]) in _generic_heads() | _REACTION:
        return noun_forms(found[0])
    # the last word, or the last part of a hyphenated last word ("HIV-infected")
    head, dash, last = found[-1].rpartition("-")
    before = " ".join(found[:-1] + ([head + dash] if head else []))
    joiner = "" if head else " "
    return [f"{before}{joiner}{n}".strip() for n in noun_forms(last)]


_FUNCTION_HEAD = (r"(?:dysfunctions?|impairments?|deficits?|deficienc(?:y|ies)|disturbances?|"
                  r"abnormalit(?:y|ies)|problems?|difficult(?:y|ies)|complaints?)")
_LOSS_AFTER = re.compile(rf"^(?P<x>.+?)\s+{_FUNCTION_HEAD}$", re.I)
_LOSS_BEFORE = re.compile(
    rf"^(?:(?:loss|{_FUNCTION_HEAD}|deterioration|decline)\s+(?:of|in)\s+(?:the\s+)?|"
    r"(?:impaired|abnormal|disordered|altered|reduced|poor|disturbed|deficient)\s+)"
    r"(?P<x>.+?)(?:\s+functions?)?$", re.I)


def function_loss(text: str) -> list[str]:
    """A function that is lost or impaired as the disorders of it: "memory deficits",
    "impaired consciousness", "loss of vision", "cranial nerve dysfunction" -> "X disorders",
    "X diseases" (MeSH names many descriptors so: *Memory Disorders*, *Consciousness
    Disorders*, *Vision Disorders*, *Cranial Nerve Diseases*)."""
    for pattern in (_LOSS_AFTER, _LOSS_BEFORE):
        match = pattern.match(text.strip())
        if match:
            x = match.group("x").strip()
            if keys.key(x) in _generic_heads() or not x:
                return []
            return [f"{x} disorders", f"{x} diseases"]
    return []


_TRAILING = re.compile(r"^(?P<x>.+?)\s+(?:diseases?|disorders?|syndromes?|conditions?|"
                       r"illness(?:es)?|symptoms?|signs?|problems?|attacks?|episodes?|"
                       r"exacerbations?|flares?)$", re.I)


_CLAUSE = re.compile(
    r"\s+(?:making|rendering|inducing|limiting|affecting|requiring|precluding|preventing|"
    r"interfering|managed|treated|like|such\s+as|e\.?\s?g\.?|including|which|that|who|"
    r"unrelated|sensitive|amenable|according|judged|deemed|considered|likely)\b.*$", re.I)


def clause_cut(text: str) -> list[str]:
    """The condition a clause qualifies, the clause cut off: "psychiatric disorder making
    participation unsafe", "central nervous system disorder like convulsion" -> the disorder;
    not when only a generic word is left."""
    cut = _CLAUSE.sub("", text.strip()).strip(" ,;:(")
    if cut and cut != text.strip() and keys.key(cut) not in _generic_heads():
        return [cut]
    return []


_KIND_WORDS = ("disease", "disorder", "illness", "condition", "syndrome")
_KIND_HEAD = re.compile(r"^(?P<x>.+?)\s+(?:diseases?|disorders?|illness(?:es)?|conditions?|"
                        r"syndromes?)$", re.I)


def head_swapped(text: str) -> list[str]:
    """The mention with its last word, one of disease, disorder, illness and condition, as
    each of the others: "acute illness" -> "acute disease" (MeSH *Acute Disease*), "thyroid
    disorder" -> "thyroid disease"."""
    match = _KIND_HEAD.match(text.strip())
    if not match:
        return []
    x = match.group("x")
    head = text.strip()[match.end("x"):].strip().lower()
    return [f"{x} {w}" for w in _KIND_WORDS if not head.startswith(w[:5])]


def head_dropped(text: str) -> list[str]:
    """The mention without a generic last word: "peptic ulcer disease" -> "peptic ulcer",
    "asthma attack" -> "asthma", "lupus syndrome" -> "lupus"; not when a generic word or
    nothing is left."""
    match = _TRAILING.match(text.strip())
    if match and keys.key(match.group("x")) not in _generic_heads() and not \
            _ADJECTIVE.search(match.group("x")):
        return [match.group("x")]
    return []


# a word that is an adjective by its ending: left alone it names no condition ("psychiatric")
_ADJECTIVE = re.compile(r"(?:al|ic|ous|ive|ar|ary|ed)$", re.I)


_REACTION = frozenset({"reaction", "change", "sign", "behavior", "state", "episode", "effect",
                       "manifestation", "phenomenon", "picture", "presentation", "attack"})
_LIKE = re.compile(r"^(?P<x>.+?)[- ]like(?:\s+(?:symptoms?|signs?|illness(?:es)?|syndromes?|"
                   r"behaviou?rs?|episodes?|reactions?|states?|features?|disorders?))?$", re.I)
_SIGNS_OF = re.compile(r"^(?:(?:clinical|any|other)\s+)?(?:symptoms?|signs?|manifestations?|"
                       r"features?|evidence|findings?)\s+(?:and\s+(?:symptoms?|signs?)\s+)?"
                       r"(?:of|suggestive\s+of|consistent\s+with|suggesting)\s+(?:an?\s+|the\s+)?"
                       r"(?P<x>.+)$", re.I)


def manifestation(text: str) -> list[str]:
    """"X-like symptoms", "symptoms of X", "signs and symptoms of X" -> X."""
    for pattern in (_LIKE, _SIGNS_OF):
        match = pattern.match(text.strip())
        if match and keys.key(match.group("x")) not in _generic_heads():
            return [match.group("x").strip()]
    return []


def cores(text: str) -> list[str]:
    """What the mention names without its agent, its "-like" or its generic last word
    ("nicotine-induced nystagmus" -> "nystagmus"): also searched approximately."""
    # a lone word left by a dropped head is too vague to search ("congenital", "bladder")
    found = (cause(text)[-1:] + manifestation(text)
             + [x for x in head_dropped(text) if len(x.split()) > 1])
    return list(dict.fromkeys(found))


def sieve_names(text: str, system: str, depth: int = 2) -> list[str]:
    """Every name the sieves make of a mention, in the order they are tried: the cause
    removed, the organ's disease, the adjective as a noun, the manifestation's condition;
    the cause's and manifestation's conditions are sieved again (one level)."""
    out: list[str] = []
    for name in cause(text):
        out.append(name)
    inner = out[-1:] + manifestation(text)
    dropped = head_dropped(text)
    cut = clause_cut(text)
    inner += cut + dropped
    # "X disorders" is MeSH's way of naming; in ICD-10-CM such words are inclusion terms of
    # unrelated codes ("sensory disorders" under eyelid function)
    losses = function_loss(text) if system == "MESH" else []
    out += (cut + organ(text, system) + losses + head_swapped(text) + organ_word(text)
            + noun(text) + manifestation(text) + dropped)
    if depth > 1:
        for x in inner:
            out += [n for n in sieve_names(x, system, depth - 1) if n not in out]
    return list(dict.fromkeys(n for n in out if n.strip() and n.strip() != text.strip()))
