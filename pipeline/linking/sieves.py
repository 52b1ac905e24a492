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
  catalepsy, "edematous" -> edema, "psychotic symptoms" -> psychosis, "ataxic movements" ->
  ataxia), by suffix rules; the
  vocabulary filters what they overgenerate.
* ``manifestation``: "X-like symptoms", "symptoms of X", "signs of X" -> X.
* ``infection``: an agent said to be carried as its infection ("HIV-positive", "positive for
  hepatitis C", "hepatitis B virus" -> the infection, the disease, the agent).
* ``direction``: a quantity said to be high or low as the condition that names it, from the
  curated ``directions`` table ("elevated blood pressure" -> hypertension, "low platelet
  count" -> thrombocytopenia, "BP reduction" -> hypotension).
* ``person_dropped``: a group of people as the condition that names it ("hypertensive
  patients" -> "hypertensive", then hypertension); ``of_inverted``: "<head> of the <word>" as
  "<word> <head>" ("disorder of coagulation" -> "coagulation disorder").
* ``word_swapped``: one word as a vocabulary may say it, from the curated ``word_swaps`` table
  ("GI bleed" -> "GI hemorrhage", "adrenal failure" -> "adrenal insufficiency").
* ``head_added``: the mention with a kind word after it ("bipolar I" -> "bipolar I disorder",
  "hypermobility" -> "hypermobility syndrome").
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline import rules
from pipeline.linking import text as keys

__all__ = ["cause", "clause_cut", "cores", "direction", "function_loss", "head_added",
           "head_dropped", "head_swapped", "infection", "manifestation", "noun", "noun_forms",
           "of_inverted", "organ", "organ_word", "person_dropped", "sieve_names", "word_swapped"]

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
_COURSE = re.compile(r"\b(acute|chronic)\b", re.I)  # an organ entry's "acute" / "chronic" names
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
    Induced Liver Injury*, ICD-10-CM's "toxic liver disease"); after "acute" or "chronic",
    the organ's acute or chronic disease first where the table names one ("acute renal
    impairment" -> acute kidney injury); [] for anything else or an organ without a name in
    that system."""
    means, before, after, compound = _organs()
    text = text.strip()
    for pattern in (compound, before, after):
        match = pattern.match(text)
        if match:
            entry = means.get(keys.key(match.group("organ")), {})
            toxic = _TOXIC.search(text) if pattern is not compound else \
                match.group("what").lower().startswith("tox")
            names = [entry.get("toxic", {}).get(system)] if toxic else []
            # "acute renal impairment" is acute kidney injury, "chronic renal damage" CKD
            course = _COURSE.search(text, 0, match.start("organ"))
            if course:
                names.append(entry.get(course.group(1).lower(), {}).get(system))
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


# site words the organ table lacks: a plural or another word for one of its organs ("arteries"
# is its "artery"), or a site of its own (each a group of the words that name it)
_SITE_ALIASES = {"eyes": "eye", "arteries": "artery", "vessel": "vascular", "vessels": "vascular"}
_SITE_GROUPS = (("optic",), ("vein", "veins", "venous"))
_SITE_WORDS = re.compile(
    r"\b(?:" + "|".join([*_SITE_ALIASES, *(w for g in _SITE_GROUPS for w in g)]) + r")\b", re.I)


def sites(text: str) -> set[str]:
    """The body sites ``text`` names, each as the sorted words of its organ's entry (or group):
    an organ word of the table ("cerebral", "skin") or a vessel or the optic nerve ("vein",
    "arteries", "optic"); "cutaneous" and "… of skin" name the same one."""
    others, pattern = _organ_words()

    def organ_site(word: str) -> str:
        return " ".join(sorted({word, *others[word]}))

    found = {organ_site(m.group().lower()) for m in pattern.finditer(text)}
    for m in _SITE_WORDS.finditer(text):
        word = m.group().lower()
        found |= {organ_site(_SITE_ALIASES[word])} if word in _SITE_ALIASES else \
            {" ".join(sorted(g)) for g in _SITE_GROUPS if word in g}
    return found


_PERSONS = re.compile(r"^(?P<x>.+?)\s+(?:patients?|subjects?|individuals?|persons?|people|"
                      r"participants?|volunteers?|populations?|cases?|women|men|adults?|"
                      r"children|infants?|adolescents?)$", re.I)


def person_dropped(text: str) -> list[str]:
    """The condition a group of people is named by: "hypertensive patients" -> "hypertensive"
    (then its noun, hypertension), "asthma patients" -> "asthma"; not when only a generic
    word is left."""
    match = _PERSONS.match(text.strip())
    if match and keys.key(match.group("x")) not in _generic_heads():
        return [match.group("x")]
    return []


_OF = re.compile(r"^(?P<head>[\w-]+(?:\s+[\w-]+)?)\s+of\s+(?:the\s+)?(?P<what>[\w-]+)$", re.I)


def of_inverted(text: str) -> list[str]:
    """"<head> of (the) <word>" as "<word> <head>": "disorder of coagulation" -> "coagulation
    disorder", "infection of the jawbone" -> "jawbone infection" (a bag of words ignores the
    order, not the "the" a name lacks or keeps)."""
    match = _OF.match(text.strip())
    return [f"{match.group('what')} {match.group('head')}"] if match else []


@lru_cache(maxsize=1)
def _word_swaps() -> tuple[dict[str, tuple[str, ...]], re.Pattern[str]]:
    table = {e["word"].lower(): tuple(e["as"])
             for e in rules.load("concept_synonyms")["word_swaps"]}
    words = sorted(table, key=len, reverse=True)
    return table, re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.I)


def word_swapped(text: str) -> list[str]:
    """The mention with one word as a vocabulary may say it (``word_swaps``): "GI bleed" ->
    "GI hemorrhage", "adrenal failure" -> "adrenal insufficiency", "nasal polyposis" ->
    "nasal polyps"; [] when no word has another."""
    table, pattern = _word_swaps()
    return [text[:m.start()] + other + text[m.end():]
            for m in pattern.finditer(text) for other in table[m.group().lower()]]


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
    ("atic", ("a", "asis")), ("emic", ("emia",)), ("eic", ("ea",)), ("ian", ("ism",)),
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
                       "manifestation", "phenomenon", "picture", "presentation", "attack",
                       "movement", "syndrome"})
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


_CARRIED = re.compile(r"^(?P<x>.+?)"
                      r"(?:\s+(?:antibod(?:y|ies)|ab|antigen|ag|rna|dna|pcr|serology))?"
                      r"(?:\s+|\s*-\s*)(?P<how>(?:sero)?(?:positive|positivity)|infected)"
                      r"(?:\s+(?:status|patients?|subjects?|individuals?|persons?|participants?))?$",
                      re.I)
_CARRIED_BEFORE = re.compile(r"^(?:(?P<how>(?:sero)?positive)\s+(?:for|to)|infected\s+(?:with|by)|"
                             r"infections?\s+(?:with|by))\s+(?:the\s+|an?\s+)?(?P<x>.+)$", re.I)
_VIRUS = re.compile(r"^(?P<x>.+?)\s+virus(?:es)?(?:\s+infections?)?$", re.I)


def infection(text: str) -> list[str]:
    """An agent a person carries, as its infection: "HIV-infected", "infected with HIV" ->
    "HIV infection", "HIV disease", "HIV"; "HIV seropositive", "HCV antibody positive", "HBV DNA
    positive", "positive for hepatitis C"
    the same after "HIV positive" (ICD-10-CM's name of the carrier state); a virus named as
    a condition ("hepatitis B virus", "human immunodeficiency virus infection") -> its
    infection, its disease, the disease without "virus" ("hepatitis B"). [] for anything
    else; the vocabulary decides which exist ("HER2-positive" names no infection)."""
    text = text.strip()
    names: list[str] = []
    agent = None
    for pattern in (_CARRIED, _CARRIED_BEFORE):
        match = pattern.match(text)
        if match:
            agent = match.group("x").strip(" -")
            if keys.key(agent) in _generic_heads():
                return []
            positive = [f"{agent} positive", f"{agent} seropositivity"] if match.group(
                "how") and "positiv" in match.group("how").lower() else []
            names += positive + [f"{agent} infection", f"{agent} disease", agent]
            break
    virus = _VIRUS.match(agent or text)
    if virus:
        x = virus.group("x")
        names += [f"{x} virus infection", f"{x} virus disease", f"{x} virus", f"{x} infection",
                  x]
    return [n for n in dict.fromkeys(names) if n != text]


_KIND_WORDS_ADDED = ("disease", "disorder", "syndrome")
# what stands for a disease only with its kind word: a type ("bipolar I", "type 2") or an
# eponym's possessive ("Parkinson's", "Graves'")
_TYPES = r"I{1,3}|[1-3]|type\s+[\w-]+"
_DESIGNATED = re.compile(rf"^(?:\S+\s+)+(?:{_TYPES}|IV|4)$|^\S+(?:'s|\u2019s|s')$")
# a type after its kind, dropped ("IV" is left: more often a stage, "pleural IV")
_TYPE = re.compile(rf"\s+(?:{_TYPES})$")


def head_added(text: str) -> list[str]:
    """A type or an eponym with the kind word it stands for: "bipolar I" -> "bipolar I
    disorder", "Graves'" -> "Graves' disease", and after them the kind the type is of
    ("bipolar II" -> "bipolar disorder", for MeSH, which has no types of it); nothing else (a
    kind word after any word would turn "bleeding" into a coagulation defect, "skin" into a
    skin disease)."""
    text = text.strip()
    if not _DESIGNATED.match(text):
        return []
    named = [f"{text} {w}" for w in _KIND_WORDS_ADDED]
    # then the kind the type is of, where the vocabulary has no such type: "bipolar II" ->
    # "bipolar disorder", "von Willebrand type 3" -> "von Willebrand disease"
    kind = _TYPE.sub("", text).strip()
    if kind != text and kind and keys.key(kind) not in _generic_heads():
        named += [f"{kind} {w}" for w in _KIND_WORDS_ADDED]
    return named


@lru_cache(maxsize=1)
def _directions() -> tuple[re.Pattern[str], dict[str, dict]]:
    """("<high or low> <quantity>" pattern, quantity key -> its entry) from the curated
    ``directions`` table."""
    table = rules.load("concept_synonyms")["directions"]
    entry_of: dict[str, dict] = {}
    for entry in table:
        for word in entry["words"]:
            entry_of[keys.key(word)] = entry
    words = sorted((w for e in table for w in e["words"]), key=len, reverse=True)
    quantity = "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in words)
    of = r"(?:\s+(?:of|in)(?:\s+the)?)?"
    fluid = r"(?:(?:blood|serum|plasma|circulating)\s+)?"
    amount = r"(?:\s+(?:levels?|counts?|concentrations?|values?|readings?))?"
    high = (r"high|higher|elevated|increased|raised|abnormally\s+high|excessive|rising|"
            r"prolonged|elevations?|increases?|rises?|prolongations?")
    low = (r"low|lower|decreased|reduced|diminished|lowered|depressed|abnormally\s+low|"
           r"falling|reductions?|decreases?|drops?|falls?|lowering")
    pattern = re.compile(
        rf"^(?:(?P<high>{high})|(?P<low>{low})){of}\s+{fluid}(?P<q>{quantity})s?{amount}$|"
        rf"^{fluid}(?P<q2>{quantity})s?{amount}\s+(?:(?P<high2>{high})|(?P<low2>{low}))$", re.I)
    return pattern, entry_of


def direction(text: str) -> list[str]:
    """A quantity said to be high or low as the condition that names it, from the curated
    ``directions`` table: "elevated blood pressure", "increased SBP" -> hypertension, "BP
    reduction", "decrease in arterial blood pressure" -> hypotension, "low platelet count"
    -> thrombocytopenia; [] for anything else or a direction the table names nothing for."""
    pattern, entry_of = _directions()
    match = pattern.match(text.strip())
    if not match:
        return []
    quantity = match.group("q") or match.group("q2")
    high = bool(match.group("high") or match.group("high2"))
    entry = entry_of.get(keys.key(quantity), {})
    return list(entry.get("high" if high else "low", []))


def cores(text: str) -> list[str]:
    """What the mention names without its agent, its "-like" or its generic last word
    ("nicotine-induced nystagmus" -> "nystagmus"): also searched approximately."""
    # a lone word left by a dropped head is too vague to search ("congenital", "bladder")
    found = (cause(text)[-1:] + manifestation(text)
             + [x for x in head_dropped(text) if len(x.split()) > 1])
    return list(dict.fromkeys(found))


@lru_cache(maxsize=65536)
def _names_of(text: str) -> tuple[tuple[str, ...], ...]:
    """What every system's sieves make of a text, computed once for both systems: (the
    cause's names, texts sieved again, before the organ, after the organ)."""
    caused = cause(text)
    dropped = head_dropped(text)
    cut = clause_cut(text)
    shown = manifestation(text)
    persons = person_dropped(text)
    inverted = of_inverted(text)
    inner = caused[-1:] + shown + cut + dropped + persons + inverted
    before = cut + persons + inverted + infection(text) + direction(text)
    after = (head_swapped(text) + organ_word(text) + word_swapped(text) + noun(text) + shown
             + dropped + head_added(text))
    return tuple(caused), tuple(inner), tuple(before), tuple(after)


@lru_cache(maxsize=65536)
def sieve_names(text: str, system: str, depth: int = 2) -> tuple[str, ...]:
    """Every name the sieves make of a mention, in the order they are tried: the cause
    removed, a clause cut off, the infection, the direction's condition, the organ's
    disease, a lost function, the kind word swapped, the organ named another way, the
    adjective as a noun, the manifestation's condition, a generic last word dropped, a
    type's or eponym's kind word added; the cause's, manifestation's, cut and dropped forms
    are sieved again (one level)."""
    caused, inner, before, after = _names_of(text)
    # "X disorders" is MeSH's way of naming; in ICD-10-CM such words are inclusion terms of
    # unrelated codes ("sensory disorders" under eyelid function)
    losses = function_loss(text) if system == "MESH" else []
    out = list(caused) + list(before) + organ(text, system) + losses + list(after)
    if depth > 1:
        for x in inner:
            out += [n for n in sieve_names(x, system, depth - 1) if n not in out]
    return tuple(dict.fromkeys(n for n in out if n.strip() and n.strip() != text.strip()))
