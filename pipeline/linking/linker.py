"""Mentions -> ranked codes, by system.

For each vocabulary a label is coded in (``LABEL_SYSTEMS``), a mention is looked up as:

1. the trial's own long form first when the mention is an abbreviation it defined, then the
   mention itself; each also with its leading qualifiers stripped ("history of", "known",
   "uncontrolled" …: ``concept_synonyms.json``) and through the curated synonyms ("T2DM",
   "heart attack") and, for ICD-10-CM, the rewrites of "X cancer" / "X metastases" into its
   "malignant neoplasm of X" / "secondary malignant neoplasm of X"; a type, grade, stage or
   class numbered in digits or words also in Roman numerals, as ICD-10-CM writes it ("type 1
   diabetes" -> "Type I diabetes");
2. **exact**: the lookup key of a form (``text.key``) equals a vocabulary name's, or the same
   words in another order — score 1.0 (0.97 for another order). Where one name belongs to
   several codes, the least specific comes first ("Diabetes mellitus" is the block E08-E13,
   not a leaf under it);
3. **sieves** (conditions only, ``sieves.py``): what a form may be looked up as instead, each
   exactly, the first found wins (score 0.9): the agent removed ("cisplatin-induced X" -> X,
   MeSH's "drug-induced X" first), an organ and a generic head as the organ's disease ("renal
   damage" -> *Kidney Diseases*, "hepatotoxicity" -> *Chemical and Drug Induced Liver Injury*),
   a lost function as its disorders (MeSH: "memory deficits" -> *Memory Disorders*), an organ
   named another way ("ocular pain" -> "eye pain"), an adjective as its noun ("dystonic" ->
   dystonia), "signs of X" / "X-like" -> X, a generic last word dropped ("peptic ulcer
   disease"), an agent carried as its infection ("HIV seropositive"), a quantity high or low
   as its condition ("elevated blood pressure"), a type with its kind word ("bipolar I"); in
   MeSH only descriptors of the mention's kind;
   **spelling** (conditions only, ``_spelled``): a word the vocabularies lack, of six letters
   or more, as their commonest word one edit away ("osteopososis"), exactly (score 0.9);
   **treatment words** (drugs only, ``_headless``): without the word after a drug that says it
   is given ("insulin therapy", "anti-TB treatment"), exactly (score 0.95), in MeSH only drug
   descriptors; a curated synonym's ``null`` for a system gives no code there (a drug class
   has no DrugBank drug, a receptor status no MeSH disease); a drug that MeSH names exactly
   keeps no approximate DrugBank code (``_drug_named``);
4. **approximate**: cosine of character-trigram TF-IDF vectors against every name of the
   vocabulary, searched exactly (a sparse product over the n-grams' postings), for the forms
   and their cores ("nicotine-induced nystagmus" -> "nystagmus"). A code is given only at or
   above the system's threshold (``THRESHOLDS``, chosen on a validation part of the training
   mentions, see ``evaluate/linking.py``). An abbreviation ("GAD") meets only names that have
   it as a word: its letters inside other words are chance ("GAD-7");
   **bridge** (conditions, MeSH only, ``_bridged``): when MeSH has nothing, or only an
   approximate name under ``BRIDGE_BELOW``, the name of the ICD-10-CM code found (at
   ``BRIDGE_FROM`` or more) without what ICD-10-CM adds to make a leaf, exactly in MeSH:
   "fits" is R56.9 *Unspecified convulsions*, and "convulsions" MeSH's *Seizures*;
5. **parts and heads** (``_fallback``): the coordinated parts, each also without its first
   one or two words, else the words after the first one or two, exactly (through the sieves
   too when the words dropped only grade it: "major hypoglycaemic episodes"), of the mention
   and of its long form.

Measurements are coded through the lexicon's concept (the typed rows' ``concept`` column, or
the lexicon run on the mention) and the LOINC table, never approximately.

Results are cached by (label, mention, long form, concept): a registry repeats its mentions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline import rules
from pipeline.linking import sieves, text as keys
from pipeline.linking.vocab import MESH_ANATOMY, MESH_DISEASE, MESH_DRUG, MESH_ORGANISM, MESH_OTHER
from pipeline.linking.index import ConceptIndex, SystemIndex, index_of_terms, load_index, search

__all__ = ["Code", "LABEL_SYSTEMS", "Linker", "MAX_MENTION", "THRESHOLDS"]

LABEL_SYSTEMS: dict[str, tuple[str, ...]] = {
    "condition": ("ICD10CM", "MESH"),
    "drug": ("DRUGBANK", "MESH"),
    "measurement": ("LOINC", "ICD10CM", "MESH"),  # the last two: a test for a condition
    "procedure": (),  # uncoded: see README, "Concept codes"
}
# Lowest approximate score that still gives a code, per system, chosen on validation parts,
# never on the dev parts: MeSH and DrugBank by `evaluate linking --choose-thresholds` (train
# documents of BC5CDR and NCBI disease). ICD-10-CM, whose long descriptive names match loosely,
# is coded exactly only (names, inclusion terms, curated synonyms and rewrites): judged by hand
# on 1,500 condition mentions of Chia's *train* trials, its approximate codes were wrong about
# half the time below 0.90 ("thyroid disease" -> Thyroid orbitopathy) and about 4 in 10 above,
# and they came to under 1 % of the codes of the shared records, for a third of linking's time.
EXACT_ONLY = 1.01
THRESHOLDS: dict[str, float] = {"ICD10CM": EXACT_ONLY, "MESH": 0.75, "DRUGBANK": 0.75}
_KIND = {"condition": MESH_DISEASE, "drug": MESH_DRUG}
_OTHER_KIND = {MESH_DISEASE: MESH_DRUG, MESH_DRUG: MESH_DISEASE}  # a condition is no drug, and back
# The bridge from ICD-10-CM to MeSH (``_bridged``): used when MeSH's own best is under
# BRIDGE_BELOW, from ICD-10-CM codes scored BRIDGE_FROM or more; both chosen as the pair with
# the most right MeSH codes over the validation folds of both train parts (``validate``).
BRIDGE_BELOW = 0.8
BRIDGE_FROM = 0.97
MAX_MENTION = 160  # characters looked up; a longer span is cut (it is never a single concept)
TOP = 3  # codes per system
_CANDIDATES = 6


@dataclass(frozen=True)
class Code:
    system: str
    code: str
    name: str
    score: float
    rank: int


@dataclass(frozen=True)
class _Synonym:
    means: dict[str, str | None]  # system -> name ("*": every system; None: no code there)
    case_sensitive: bool


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, list[_Synonym]]:
    table: dict[str, list[_Synonym]] = {}
    for entry in rules.load("concept_synonyms")["synonyms"]:
        term = entry["term"]
        exact_case = term.isupper() and len(term) <= 5
        means = entry["means"] if isinstance(entry["means"], dict) else {"*": entry["means"]}
        table.setdefault(keys.key(term), []).append(_Synonym(means, exact_case))
    return table


@lru_cache(maxsize=1)
def _sites() -> dict[str, dict[str, tuple[str, ...]]]:
    """Site key -> the site's names per system, as a neoplasm rewrite writes it: "cervical" ->
    ("cervix uteri",), "colorectal" -> ("colon", "rectum") (``sites`` in concept_synonyms.json)."""
    table: dict[str, dict[str, tuple[str, ...]]] = {}
    for entry in rules.load("concept_synonyms")["sites"]:
        names = {s: tuple(v) for s, v in entry.items() if s not in ("words", "metadata")}
        for word in entry["words"]:
            table[keys.key(word)] = names
    return table


def _rewritten(system: str, target: str, groups: dict[str, str]) -> list[str | tuple[str, ...]]:
    """A rewrite's names: its target with the mention's words, and first, when the whole site
    is one the ``sites`` table knows, with the site as the system writes it ("cervical cancer"
    -> "malignant neoplasm of cervix uteri"); several sites ("colorectal") make one group,
    whose names are all looked up."""
    plain = target.format(**groups)
    site = groups.get("site")
    nouns = _sites().get(keys.key(site), {}).get(system) if site else None
    if not nouns:
        return [plain]
    named = tuple(target.format(**{**groups, "site": noun}) for noun in nouns)
    return [named[0] if len(named) == 1 else named, plain]


@lru_cache(maxsize=None)
def _rewrites(system: str) -> tuple[re.Pattern[str] | None, list[tuple[re.Pattern[str], str]]]:
    """A system's rewrites, and one pattern that matches where any of them does (most forms
    match none, and one search then costs what 80 would)."""
    table = [r for r in rules.load("concept_synonyms")["rewrites"] if system in r["systems"]]
    if not table:
        return None, []
    either = "|".join(f"(?:{re.sub(r'[(][?]P<[a-z]+>', '(?:', r['pattern'])})" for r in table)
    return re.compile(either, re.I), [(re.compile(r["pattern"], re.I), r["to"]) for r in table]


# "positive HIV test", "hepatitis B serology": a test that names the condition it detects
_TEST_WORDS = re.compile(r"\b(?:tests?|testing|results?|serology|screen(?:ing)?|positive|"
                         r"negative|status|positivity|seropositivity)\b", re.I)
# a parenthesis or ICD-10-CM's square brackets: "human immunodeficiency virus (HIV)",
# "hepatitis B virus [HBV]"
_PARENTHESES = re.compile(r"\s*(?:\([^()]*\)?|\[[^\[\]]*\]?)")
# spelled out, "not otherwise specified" is what keys drop as "NOS": "psychotic disorder not
# otherwise specified" is "psychotic disorder"
# the words after a drug that say it is given: "insulin therapy", "steroid treatment"
_DRUG_HEAD = re.compile(r"(?:\s+(?:drug|medication|medicine))?\s+(?:therap(?:y|ies)|treatments?|"
                        r"regimens?|medications?|medicines?|drugs?|use|usage|administration)$",
                        re.I)
_NOS = re.compile(r",?\s*\bnot\s+otherwise\s+specified\b", re.I)


# words that say a function is impaired, and the names MeSH gives a function's disorder
_IMPAIRED = re.compile(r"\b(?:abnormal\w*|anomal\w*|impair\w*|loss|decreased|reduced|deficits?|"
                       r"defects?|disturb\w*|dysfunction\w*|poor)\b", re.I)
_DISORDER_SUFFIXES = ("disorders", "defects", "diseases", "disabilities")

# Systems whose names are looked up as the mention writes them before its rewrites: MeSH often
# has the written name itself where a rewrite reaches the organ's class ("renal
# insufficiency" is *Renal Insufficiency*, not *Kidney Diseases*; "nasopharyngeal carcinoma"
# *Nasopharyngeal Carcinoma*, not *Nasopharyngeal Neoplasms*). ICD-10-CM words its names as
# the rewrites do ("malignant neoplasm of X"), so they come first there.
_WRITTEN_FIRST = frozenset({"MESH"})

# an abbreviation: searched approximately, it only meets names that have it as a word
# ("HPV infection"); its letters in other words are chance ("GAD" -> "GAD-7" questionnaire)
_ACRONYM = re.compile(r"(?=(?:[^A-Z]*[A-Z]){2})[A-Za-z][A-Za-z0-9-]{1,6}")
# a type, grade, stage or class numbered in digits or words ("type 1 diabetes", "type one")
_DESIGNATIONS = "type|grade|stage|class"
_NUMBERED = re.compile(
    rf"\b({_DESIGNATIONS})[\s-]*(1|2|3|4|one|two|three|four|iii|ii|iv|i)\b", re.I)
_DESIGNATION = re.compile(_DESIGNATIONS, re.I)
# the other spelling of a number: Roman for digits and words, digits for Roman
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "one": "I", "two": "II", "three": "III",
          "four": "IV", "i": "1", "ii": "2", "iii": "3", "iv": "4"}
# what ICD-10-CM adds to a name to make a leaf: "Other fatigue", "Unspecified convulsions",
# "Epilepsy, unspecified, not intractable, without status epilepticus"
_ICD_GRADE = re.compile(r"^(?:other|unspecified)\s+|,?\s*\bunspecified\b|\s*\bNOS\b", re.I)


@dataclass(frozen=True)
class _Form:
    text: str
    means: dict[str, str] | None  # a curated synonym's names, by system
    search: bool  # also searched approximately


@lru_cache(maxsize=1)
def _generic_heads() -> frozenset[str]:
    return frozenset(keys.key(h["head"]) for h in rules.load("concept_synonyms")["generic_heads"])


# words that grade a condition or say it is known, never part of its name (unlike "acute",
# "unstable", "transient": "acute coronary syndrome" is no coronary disease); "chronic" only
# says how long it lasts ("chronic peptic ulcer disease", "chronic coronary syndrome")
_GRADE_WORDS = (r"chronic|severe|significant|clinically\s+significant|major|serious|mild|moderate|"
                r"substantial|extensive|underlying|known|current|previous|prior|other|any|"
                r"existing|pre-?existing|concomitant")
_GRADING = re.compile(rf"(?:(?:{_GRADE_WORDS})(?:\s+|$))+$", re.I)
# heads whose ICD-10-CM code says "unspecified" for the whole class (B99.9 "Unspecified
# infectious disease", T14.9 "Unspecified injury"): reached after dropping words only when
# those words grade it or say how far it reaches ("acute infection", "major trauma"), never a
# site or an organism ("skin infection", "HIV-1 infection", "knee trauma" have codes of their own)
_BROAD_ICD = frozenset({"infection", "trauma"})
_GRADING_OR_EXTENT = re.compile(
    rf"(?:(?:{_GRADE_WORDS}|acute|active|recent|systemic|local|localized|persistent|recurrent|"
    r"uncontrolled|ongoing|overt)(?:\s+|$))+$", re.I)
# a word that names the cause of what follows it, which ICD-10-CM codes with the cause
# (E08-E13 "with diabetic retinopathy", I11-I13): the rest alone is another code
_CAUSE_WORD = re.compile(r"(?:diabetic|diabetes-related|hypertensive)$", re.I)
_SOCIAL = re.compile(r"Z(?:5[5-9]|6[0-5])")  # ICD-10-CM's socioeconomic and psychosocial factors
# ICD-10-CM's categories for what no other code claims
_RESIDUAL = re.compile(r"not elsewhere classified|\bnec\b")
# how ICD-10-CM names its manifestation codes, coded only beside the disease that causes them
_MANIFESTATION = "in diseases classified elsewhere"
_FUNCTION_WORDS = frozenset("with without of in to for by on at as and or from than".split())
_COORDINATION = re.compile(r"\s*(?:,\s*(?:and|or)\b|,|\band/or\b|\bor\b|\band\b|/)\s*", re.I)


def _conjuncts(text: str) -> list[str]:
    """The coordinated parts of a mention, the last part's head given to parts of one word and
    to a type, stage, grade or class numbered like the last part's: "hepatic or renal
    impairment" -> ["hepatic impairment", "renal impairment"]; "colon or rectal cancer" ->
    ["colon cancer", "rectal cancer"]; "type 1 or type 2 diabetes" -> ["type 1 diabetes",
    "type 2 diabetes"]; a mention without "or", "and", "/" or "," -> [itself]."""
    parts = [p for p in _COORDINATION.split(text) if p]
    if len(parts) < 2:
        return [text]
    last = parts[-1].split()
    head = " ".join(last[1:])
    out = []
    for part in parts[:-1]:
        words = part.split()
        if len(words) == 1 and head:
            part = f"{part} {head}"
        elif (len(words) == 2 < len(last) and words[0].lower() == last[0].lower()
              and _DESIGNATION.fullmatch(words[0])):
            part = f"{part} {' '.join(last[2:])}"
        out.append(part)
    return out + [parts[-1]]


def _clean(text: str) -> str:
    return " ".join(text[:MAX_MENTION].split()).strip(" ,;:.-")


class Linker:
    """Codes for mentions; load once per process (``pipeline.linking.load_linker``)."""

    def __init__(self, index: ConceptIndex | None = None, extra_terms: dict | None = None,
                 cache_size: int = 200_000, top: int = TOP,
                 thresholds: dict[str, float] | None = None) -> None:
        self.index = index or load_index()
        self.top = top
        self.thresholds = THRESHOLDS if thresholds is None else thresholds
        # more names for codes (the evaluation's training mentions), looked up before the
        # vocabulary's own, exactly and approximately
        self.extra: dict[str, SystemIndex] = {
            system: index_of_terms(self.index, system, pairs)
            for system, pairs in (extra_terms or {}).items()}
        self._cache: dict[tuple, list[Code]] = {}
        self._formed: dict[tuple, list[_Form]] = {}  # (text, long form) -> its forms
        self._searched: dict[tuple, list[tuple[int, float]]] = {}
        self.cache_size = cache_size
        self.lookups = 0
        self.hits = 0
        self._loinc = {e["concept"]: (e["code"], e["name"]) for e in rules.load("loinc")["loinc"]}
        self._code_names = {s: dict(zip(ix.codes, ix.names))
                            for s, ix in self.index.systems.items()}
        self._chapters: dict[str, str | None] | None = None
        self._words: dict[str, int] | None = None  # vocabulary words, for spelling
        self._spelling: dict[str, str | None] = {}  # misspelt word -> its correction
        self._specificity = {s: dict(zip(ix.codes, ix.specificity.tolist()))
                             for s, ix in self.index.systems.items()}
        # codes never given: ICD-10-CM's external causes (chapter 20, V00-Y99: how, where and
        # doing what an injury happened, never a condition of the person; "functional
        # activities" is not Y93.9 "Activity, unspecified") and its manifestation codes ("…
        # in diseases classified elsewhere", coded only beside the disease that causes them:
        # "nephropathy" is no N08), and for conditions MeSH's body parts and organisms
        # ("heart" is no condition; "hepatitis B virus" is the infection)
        icd = self.index.systems.get("ICD10CM")
        self._external = frozenset(
            code for code, chapter, name in zip(icd.codes, icd.chapters, icd.names)
            if (chapter and chapter.startswith("20 ")) or _MANIFESTATION in (name or "")
        ) if icd else frozenset()
        self._not_conditions = frozenset(
            code for code, kind in self._specificity.get("MESH", {}).items()
            if kind in (MESH_ANATOMY, MESH_ORGANISM))

    # ------------------------------------------------------------------ public
    def link(self, text: str, label: str, long_form: str | None = None,
             concept: str | None = None) -> list[Code]:
        """Codes of one mention, best first within each system (at most ``TOP`` a system)."""
        systems = LABEL_SYSTEMS.get(label, ())
        if not systems or not text or not text.strip():
            return []
        cache_key = (label, text[:MAX_MENTION], long_form, concept)
        self.lookups += 1
        found = self._cache.get(cache_key)
        if found is not None:
            self.hits += 1
            return found
        if label == "measurement":
            found = self._measurement(text, concept)
            if not found and _TEST_WORDS.search(text):
                named = _clean(_TEST_WORDS.sub(" ", text))
                forms = self._forms(named, long_form) if named else []
                found = [code for system in ("ICD10CM", "MESH")
                         for code in self._system(system, forms, exact_only=True)]
        else:
            forms = self._forms(text, long_form)
            found = []
            kind = _KIND.get(label)
            cores = None
            approximate: set[str] = set()  # systems whose codes came from approximate search
            named = forms
            if label == "drug" and _DRUG_HEAD.search(text):  # the class of "X therapy" too
                named = forms + self._forms(_DRUG_HEAD.sub("", text).strip() or text, None)
            for system in systems:
                if any(f.means is not None and system in f.means and f.means[system] is None
                       for f in named):
                    continue  # a curated name that no code of this system names
                codes = (self._system(system, forms, exact_only=True, kind=kind)
                         or (self._sieved(system, forms, kind) if label == "condition" else [])
                         or (self._spelled(system, forms, kind) if label == "condition" else [])
                         or (self._headless(system, forms, kind) if label == "drug" else []))
                if not codes and kind == MESH_DISEASE and self._names_barred(system, forms):
                    continue  # a body part or an organism: its infection (sieves) or nothing
                parts = None  # the fallback's codes, once computed
                if (not codes and label == "condition" and self._approximate(system)
                        and self._coordinated(forms)):
                    # each part's disease before the whole is matched approximately: "drug or
                    # alcohol abuse" is both abuses, not the nearest name of one of them; a
                    # part that names no disease ("renal artery or aortic aneurysm") leaves
                    # the mention to the approximate search
                    parts = self._fallback(system, forms, label)
                    codes = self._codes(system, [(c.code, c.score)
                                                 for c in self._of_kind(parts, {kind})])
                if not codes and self._approximate(system):
                    if cores is None:
                        cores = self._cores(forms, label)
                    codes = self._system(system, forms + cores, kind=kind, exact=False)
                    if codes:
                        approximate.add(system)
                if not codes:
                    codes = parts if parts is not None else self._fallback(system, forms, label)
                if system == "MESH" and label == "condition" and (
                        not codes or codes[0].score < BRIDGE_BELOW):
                    codes = self._bridged(found, kind) or codes
                if system == "MESH" and label == "condition" and codes:
                    codes = self._function_disorder(codes, text) or codes
                found += codes
            if label == "drug" and "DRUGBANK" in approximate:
                found = self._drug_named(found)
        if len(self._cache) >= self.cache_size:
            self._cache.clear()  # bounded: a registry's mentions repeat within a run's start
        self._cache[cache_key] = found
        return found

    @property
    def hit_rate(self) -> float:
        return self.hits / self.lookups if self.lookups else 0.0

    def chapter(self, code: str) -> str | None:
        if self._chapters is None:
            ix = self.index.systems["ICD10CM"]
            self._chapters = dict(zip(ix.codes, ix.chapters))
        return self._chapters.get(code)

    def name(self, system: str, code: str) -> str | None:
        return self._code_names.get(system, {}).get(code)

    # ----------------------------------------------------------------- private
    def _forms(self, text: str, long_form: str | None) -> list[_Form]:
        """The forms to look up, most trusted first: the long form, then the mention; each as
        written, without a parenthesis ("human immunodeficiency virus (HIV)") and without its
        leading qualifiers; a curated synonym of any of them just before it. Remembered (the
        sieves and the fallback ask for the same texts again): callers never change the list."""
        found = self._formed.get((text, long_form))
        if found is None:
            if len(self._formed) >= self.cache_size:
                self._formed.clear()
            found = self._formed[(text, long_form)] = self._make_forms(text, long_form)
        return found

    def _make_forms(self, text: str, long_form: str | None) -> list[_Form]:
        forms: list[_Form] = []
        for source in ((long_form, text) if long_form else (text,)):
            cleaned = _clean(source or "")
            if not cleaned:
                continue
            # "HER2+" is "HER2 positive" (keys drop the sign), as ICD-10-CM's are read
            cleaned = keys.status_words(source or "") or cleaned
            bare = _clean(_NOS.sub("", _PARENTHESES.sub("", cleaned))) or cleaned
            variants = list(dict.fromkeys((cleaned, bare, keys.strip_qualifiers(bare))))
            for n, form in enumerate(variants):
                # ICD-10-CM names types in Roman numerals ("Type I diabetes") and in digits
                # ("Type 1 diabetes mellitus"), criteria either way or in words: the other
                # spelling too, after the form as written
                roman = _NUMBERED.sub(lambda m: f"{m.group(1)} {_ROMAN[m.group(2).lower()]}",
                                      form)
                for each in dict.fromkeys((form, roman)):
                    for synonym in _synonyms().get(keys.key(each), ()):
                        if not synonym.case_sensitive or any(c.isupper() for c in each):
                            forms.append(_Form(each, synonym.means, True))
                    forms.append(_Form(each, None, each is form and n == len(variants) - 1))
        return forms

    def _barred(self, system: str, kind: int | None) -> frozenset[str]:
        """Codes a mention of ``kind`` never gets in ``system``."""
        if system == "ICD10CM":
            return self._external
        return self._not_conditions if system == "MESH" and kind == MESH_DISEASE else frozenset()

    def _names_barred(self, system: str, forms: list[_Form]) -> bool:
        """Whether a form as written names, exactly, only codes a condition never gets in
        ``system`` (MeSH: "heart", "hepatitis B virus")."""
        barred = self._barred(system, MESH_DISEASE)
        if not barred:
            return False
        ix = self.index.systems[system]
        for form in forms:
            if form.means is None:
                k = keys.key(form.text)
                row = ix.key_row.get(k) if k else None
                if row is not None and all(ix.codes[c] in barred for c in ix.concepts_of(row)):
                    return True
        return False

    def _system(self, system: str, forms: list[_Form], exact_only: bool = False,
                kind: int | None = None, exact: bool = True) -> list[Code]:
        """Codes of the forms in one system: exact names first, else the nearest names above
        the system's threshold — in MeSH only descriptors of the mention's ``kind`` (disease or
        drug): "illness" is not "Cost of Illness"; a generic word alone ("disorder") is never
        looked up approximately."""
        ix = self.index.systems[system]
        extra = self.extra.get(system, {})
        # looked up exactly, in this order (a group: several sites, each looked up)
        candidates: list[str | tuple[str, ...]] = []
        fuzzy: list = []  # and approximately when none is found exactly
        written = [form.text for form in forms if form.means is None]  # no synonym applied
        grouped = False
        for form in forms:
            names = [form.text]
            if form.means is not None:
                names = [form.means[system]] if form.means.get(system) else \
                    [form.means["*"]] if "*" in form.means and system not in form.means else []
            else:
                either, rewrites = _rewrites(system)
                if either is not None and either.match(form.text):
                    for pattern, target in rewrites:
                        match = pattern.match(form.text)
                        if match:
                            made = _rewritten(system, target, match.groupdict())
                            grouped = grouped or isinstance(made[0], tuple)
                            if system in _WRITTEN_FIRST:
                                names.extend(made)
                            else:
                                names[0:0] = made
            candidates += names
            if form.search:
                fuzzy += names
        # exact, in the order of the forms (extra names before the vocabulary's)
        indexes = [ix for ix in (self.extra.get(system), self.index.systems[system]) if ix]
        barred = self._barred(system, kind)
        for ix in indexes if exact else ():
            # extra names are usage: the text as written first, then curated synonyms
            for form in (written + candidates if ix is not indexes[-1] else candidates):
                if isinstance(form, tuple):  # several sites: the codes of each, interleaved
                    each = [self._exact(system, ix, n, kind, indexes, barred) for n in form]
                    found = [pair for rank in range(self.top) for pairs in each
                             for pair in pairs[rank:rank + 1]]
                else:
                    found = self._exact(system, ix, form, kind, indexes, barred)
                if found:
                    return self._codes(system, found)
        if grouped:  # a group's names are searched one by one
            fuzzy = [n for name in fuzzy for n in (name if isinstance(name, tuple) else (name,))]
        threshold = self.thresholds.get(system, 1.0)
        if exact_only or threshold > 1.0:
            return []
        # approximate: the last (barest) form of each source, and what synonyms and rewrites
        # made of the forms; the best score of a name wins, ties to the less specific code
        best: dict[tuple[int, int], float] = {}
        vocabulary = self.index.systems[system]
        acronyms = {keys.key(form) for form in fuzzy
                    if isinstance(form, str) and _ACRONYM.fullmatch(form.strip())}
        for k in dict.fromkeys(keys.key(form) for form in fuzzy):
            if k in _generic_heads() or (system == "ICD10CM" and " " not in k):
                continue  # one word reaches 0.90 in ICD-10-CM only by being its name
            for which, ix in enumerate(indexes):
                for row, score in self._search(which, ix, k) if k else ():
                    if k in acronyms and not set(k.split()) <= set(ix.keys[row].split()):
                        continue  # "GAD" is not "GAD-7", "GBM" not "anti-GBM disease"
                    if score > best.get((which, row), 0.0):
                        best[(which, row)] = score
        ranked = sorted(((s, r) for r, s in best.items() if s >= threshold),
                        key=lambda item: (-round(item[0], 3), item[1]))
        pairs: list[tuple[str, float]] = []
        for score, (which, row) in ranked:
            ix = indexes[which]
            concepts = ix.concepts_of(row)
            if kind is not None and system == "MESH" and ix is vocabulary:
                concepts = [c for c in concepts if ix.specificity[c] == kind]
            elif kind is not None and system == "MESH":  # extra names: not the other kind
                other = _OTHER_KIND[kind]
                concepts = [c for c in concepts
                            if self._specificity["MESH"].get(ix.codes[c]) != other]
            order = sorted(concepts, key=lambda c: ix.specificity[c])
            pairs.extend((ix.codes[c], round(score, 4)) for c in order
                         if ix.codes[c] not in barred)
        return self._codes(system, pairs)

    def _exact(self, system: str, ix: SystemIndex, form: str, kind: int | None,
               indexes: list[SystemIndex], barred: frozenset[str]) -> list[tuple[str, float]]:
        """(code, score) of the names one form's key (or its words in another order) is,
        least specific first; none that ``barred`` holds."""
        k = keys.key(form)
        if not k:
            return []
        row = ix.key_row.get(k)
        score = 1.0
        if row is None:
            row = ix.bag_row.get(keys.unordered(k))
            score = 0.97
            if row is None:
                return []
        codes = [ix.codes[c] for c in ix.concepts_of(row)]  # the index's order (index.py)
        if kind is not None and system == "MESH" and ix is not indexes[-1]:
            # extra names (usage) mix kinds: a condition is no drug descriptor, a drug no
            # disease one ("PCP": phencyclidine, or Pneumocystis pneumonia)
            other = _OTHER_KIND[kind]
            codes = [c for c in codes if self._specificity["MESH"].get(c) != other]
        if kind == MESH_DRUG and system == "MESH" and len(codes) > 1:
            codes = self._compound_first(form, codes)
        return [(c, score) for c in codes if c not in barred]

    def _compound_first(self, form: str, codes: list[str]) -> list[str]:
        """A drug named in the singular is the compound before the class MeSH names in the
        plural, which keys make singular too: "glutamate" is *Glutamic Acid* before
        *Glutamates*, "xanthine" *Xanthine* before *Xanthines*, "cyclosporin" *Cyclosporine*
        before *Cyclosporins*."""
        written = re.findall(r"[a-z0-9]+", form.lower())
        last = written[-1] if written else ""
        if not last or keys.singular(last) != last:
            return codes  # written in the plural ("xanthines"): the class may be meant
        names = self._code_names["MESH"]

        def is_class(code: str) -> bool:
            word = (names.get(code) or "").rsplit(" ", 1)[-1].lower()
            return word != last and keys.singular(word) == last

        return sorted(codes, key=is_class)  # stable: the index's order otherwise

    def _bridged(self, found: list[Code], kind: int | None) -> list[Code]:
        """MeSH codes of the names of the ICD-10-CM codes a condition got exactly: "fits" is
        R56.9 *Unspecified convulsions*, and "convulsions" is MeSH's *Seizures*. The name is
        looked up bare (what ICD-10-CM adds to it to make a leaf gone: "unspecified", "other",
        what follows a comma or "with"/"without"), exactly, in descriptors of the mention's
        kind; scored 0.9 of the ICD-10-CM code's own."""
        for code in found:
            if code.system != "ICD10CM" or code.score < BRIDGE_FROM:
                continue
            names = (code.name, _ICD_GRADE.sub("", code.name).strip(" ,"))
            forms = [_Form(n, None, False) for n in dict.fromkeys(names) if n
                     and keys.key(n) not in _generic_heads()]
            got = self._of_kind(self._system("MESH", forms, exact_only=True, kind=kind), {kind})
            if got:
                return self._codes("MESH", [(c.code, round(min(c.score, code.score) * 0.9, 4))
                                            for c in got])
        return []

    def _function_disorder(self, codes: list[Code], text: str) -> list[Code]:
        """A condition said to impair a function MeSH names (a phenomenon, or a name the disease
        list also has) is the function's disorder: "abnormal color vision" is *Color Vision
        Defects*, not *Color Vision*; "impaired hearing" *Hearing Disorders*. Only with a word
        of impairment (a lactating woman has no *Lactation Disorders*) and only where MeSH has
        that disease descriptor; scored at most 0.9."""
        first = codes[0]
        if not _IMPAIRED.search(text) or not first.name:
            return []
        for suffix in _DISORDER_SUFFIXES:
            named = self._system("MESH", [_Form(f"{first.name} {suffix}", None, False)],
                                 exact_only=True, kind=MESH_DISEASE)
            named = self._of_kind(named, {MESH_DISEASE})
            if named:
                return self._codes("MESH", [(c.code, round(min(first.score, 0.9), 4))
                                            for c in named])
        return []

    def _approximate(self, system: str) -> bool:
        """Whether a system is ever searched approximately (ICD-10-CM is not)."""
        return self.thresholds.get(system, 1.0) <= 1.0

    @staticmethod
    def _cores(forms: list[_Form], label: str) -> list[_Form]:
        """The searched forms' cores (``sieves.cores``: "nicotine-induced nystagmus" ->
        "nystagmus"), searched approximately beside them; conditions only."""
        if label != "condition":
            return []
        return [_Form(core, None, True) for form in forms if form.search and form.means is None
                for core in sieves.cores(form.text)]

    def _vocabulary_words(self) -> dict[str, int]:
        """Every word of the vocabularies' names (as keys write it), with how many names have
        it; built at the first misspelt mention."""
        if self._words is None:
            counts: dict[str, int] = {}
            for ix in self.index.systems.values():
                for k in ix.keys:
                    for word in k.split():
                        counts[word] = counts.get(word, 0) + 1
            self._words = counts
        return self._words

    def _corrected(self, word: str) -> str | None:
        """The vocabulary's word one edit (a letter dropped, added, changed, or two swapped)
        from a word it lacks, the commonest if several; None for a word it has, a short word
        (< 6 letters: "fits" is no misspelt "fats") or a word with digits."""
        vocabulary = self._vocabulary_words()
        if word in vocabulary or len(word) < 6 or not word.isalpha():
            return None
        if word in self._spelling:
            return self._spelling[word]
        if len(self._spelling) >= self.cache_size:
            self._spelling.clear()
        self._spelling[word] = found = self._nearest(word, vocabulary)
        return found

    @staticmethod
    def _nearest(word: str, vocabulary: dict[str, int]) -> str | None:
        letters = "abcdefghijklmnopqrstuvwxyz"
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        edits = {a + b[1:] for a, b in splits if b}
        edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        edits |= {a + c + b[1:] for a, b in splits if b for c in letters}
        edits |= {a + c + b for a, b in splits for c in letters}
        found = [(vocabulary[e], e) for e in edits if e in vocabulary and len(e) >= 5]
        return max(found)[1] if found else None

    def _spelled(self, system: str, forms: list[_Form], kind: int | None) -> list[Code]:
        """Codes of the forms as written with each misspelt word corrected (``_corrected``:
        "osteopososis" -> osteoporosis, "peridontal disease" -> periodontal disease), exactly,
        in MeSH only descriptors of the mention's kind; scored 0.9 of their own. D'Souza & Ng
        (2015) found spelling the sieve that most helps after exact names."""
        seen: set[str] = set()
        for form in forms:
            if form.means is not None or not form.search:
                continue
            words = keys.key(form.text).split()
            fixed = [self._corrected(w) for w in words]
            if not any(fixed):
                continue
            text = " ".join(f or w for f, w in zip(fixed, words))
            if text in seen:
                continue
            seen.add(text)
            found = self._system(system, [_Form(text, None, False)], exact_only=True, kind=kind)
            if system == "MESH" and kind is not None:
                found = self._of_kind(found, {kind})
            if found:
                return self._scaled(system, found, 0.9)
        return []

    def _drug_named(self, found: list[Code]) -> list[Code]:
        """A drug that MeSH names exactly keeps no approximate DrugBank code: DrugBank's code of
        the MeSH descriptor's name, exactly, or none. Drug names a few letters apart are other
        drugs ("gemtuzumab" is not *Alemtuzumab*, "calcitonin" not *Procalcitonin*)."""
        mesh = [c for c in found if c.system == "MESH"]
        if not mesh or mesh[0].score < 0.97:
            return found
        named = self._system("DRUGBANK", [_Form(mesh[0].name, None, False)], exact_only=True)
        drugbank = self._codes("DRUGBANK", [(c.code, round(c.score * mesh[0].score * 0.95, 4))
                                            for c in named])
        return drugbank + [c for c in found if c.system != "DRUGBANK"]

    def _headless(self, system: str, forms: list[_Form], kind: int | None) -> list[Code]:
        """A drug said with the treatment word after it, without that word, exactly (score 0.95
        of its own; in MeSH only drug descriptors, or what a curated name says): "insulin
        therapy" is insulin, "anti-TB treatment" the antitubercular agents; "radiation therapy"
        is no *Radiation*."""
        seen: set[str] = set()
        for form in forms:
            if form.means is not None or not form.search:
                continue
            bare = _DRUG_HEAD.sub("", form.text).strip()
            if not bare or bare == form.text.strip() or bare in seen:
                continue
            seen.add(bare)
            bare_forms = self._forms(bare, None)
            found = self._system(system, bare_forms, exact_only=True, kind=kind)
            if system == "MESH":
                # a drug descriptor ("radiation therapy" is not *Radiation*), or one of no kind
                # that a curated name gives ("steroid" is *Adrenal Cortex Hormones*); never a
                # disease ("hypertension medication" is not *Hypertension*)
                found = self._of_kind(found, {kind, MESH_OTHER} if any(f.means for f in bare_forms)
                                      else {kind})
            if found:
                return self._scaled(system, found, 0.95)
        return []

    def _sieved(self, system: str, forms: list[_Form], kind: int | None) -> list[Code]:
        """Codes of what the sieves make of the forms as written (``sieves.sieve_names``:
        the cause removed, an organ's disease, an adjective's noun, "X-like" -> X), exactly,
        the first that has any, scored 0.9 of their own; in MeSH only descriptors of the
        mention's kind."""
        seen: set[str] = set()
        for form in forms:
            if form.means is not None:
                continue
            for name in sieves.sieve_names(form.text, system):
                if name in seen:
                    continue
                seen.add(name)
                # a generic word left once qualifiers are stripped ("systemic illness") is none
                named = [f for f in self._forms(name, None)
                         if keys.key(f.text) not in _generic_heads()]
                found = self._system(system, named, exact_only=True) if named else []
                if system == "MESH" and kind is not None:
                    found = self._of_kind(found, {kind})
                if found:
                    return self._scaled(system, found, 0.9)
        return []

    def _search(self, which: int, ix: SystemIndex, k: str) -> list[tuple[int, float]]:
        """``search``, remembered by (index, key): mentions written differently ("history of
        X", "X") share their barest key."""
        cache_key = (which, ix.system, k)
        found = self._searched.get(cache_key)
        if found is None:
            if len(self._searched) >= self.cache_size:
                self._searched.clear()
            found = self._searched[cache_key] = search(self.index, ix, k, _CANDIDATES)
        return found

    @staticmethod
    def _coordinated(forms: list[_Form]) -> bool:
        """Whether the mention as written coordinates parts ("X or Y", "X, Y and Z")."""
        return any(f.search and f.means is None and len(_conjuncts(f.text)) > 1 for f in forms)

    def _fallback(self, system: str, forms: list[_Form], label: str) -> list[Code]:
        """When the mention as a whole has no code: each of its coordinated parts, with the
        head they share ("hepatic or renal impairment" -> "hepatic impairment", "renal
        impairment"), exactly, and after them the parts found only without their first one or
        two words ("high-risk prostate cancer"), scored 0.95 of their own; when no part has a
        code, the mention without its first one or two words, exactly ("unremitting diarrhea"
        -> "diarrhea", score 0.9), unless only a generic head is left ("psychotic features")
        or, in MeSH, a descriptor that is not a disease (a drug, for drugs): "depressed mood"
        is not "Affect". The long form's barest form is tried first, then the mention's:
        "RIHA" is nothing, "ribavirin-induced hemolytic anemia" without its first words is."""
        for text in dict.fromkeys(f.text for f in forms if f.search and f.means is None):
            found = self._fallback_of(system, text, label)
            if found:
                return found
        return []

    def _fallback_of(self, system: str, text: str, label: str) -> list[Code]:
        parts = _conjuncts(text)
        if len(parts) > 1:
            kind = _KIND.get(label)
            per_part, cut = [], []
            for part in parts:
                forms = self._forms(part, None)
                found = self._system(system, forms, exact_only=True, kind=kind) or (
                    self._sieved(system, forms, kind) if label == "condition" else [])
                if found:
                    per_part.append(found)
                else:  # after the parts named whole: "localized cancer" is only "cancer"
                    cut.append(self._dropped(system, part, label, part=True))
            if system == "MESH" and kind is not None:
                per_part = self._parts_of_kind(per_part, kind)
            merged = [c for group in (per_part, cut) for rank in range(self.top)
                      for codes in group for c in codes[rank:rank + 1]]
            if merged:
                return self._scaled(system, merged, 0.95)
        return self._dropped(system, text, label)

    def _parts_of_kind(self, per_part: list[list[Code]], kind: int) -> list[list[Code]]:
        """The MeSH codes of coordinated parts, without the other kind's descriptors when a
        part has one of the mention's own: in "alcohol or drug abuse" (a condition) "alcohol"
        is no *Ethanol* once "drug abuse" is a disease; "Proscar or Propecia", tagged a
        condition but naming drugs only, keeps its drugs, as a whole mention would."""
        if not any(self._of_kind(codes, {kind}) for codes in per_part):
            return per_part
        other = _OTHER_KIND[kind]
        kept = [[c for c in codes if self._specificity["MESH"].get(c.code) != other]
                for codes in per_part]
        return [codes for codes in kept if codes]

    def _dropped(self, system: str, text: str, label: str, part: bool = False) -> list[Code]:
        """The mention without its first one or two words, exactly (see ``_fallback``); for a
        coordinated ``part``, never a tail that opens with a function word ("gingival sulcus
        with PD" is not "PD"); one organ word left, as its organ's disease ("transplant
        glomerulopathy"); in ICD-10-CM never past a word that names the cause ("diabetic
        retinopathy" is no H35.9) and, once a site word is dropped, no code of a residual
        category or another site (``_site_free``)."""
        words = text.split()
        for drop in (1, 2):
            tail = " ".join(words[drop:])
            if len(words) - drop < 1 or keys.key(tail) in _generic_heads():
                break
            if system == "ICD10CM" and _CAUSE_WORD.match(words[drop - 1]):
                break  # ICD-10-CM codes "diabetic retinopathy" under diabetes, never as H35.9
            if (system == "ICD10CM" and keys.key(tail) in _BROAD_ICD
                    and not _GRADING_OR_EXTENT.match(" ".join(words[:drop]))):
                break  # "skin infection" is no B99.9 *Unspecified infectious disease*
            if part and words[drop].lower() in _FUNCTION_WORDS:
                continue
            forms = self._forms(tail, None)
            found = self._system(system, forms, exact_only=True)
            if not found and label == "condition" and _GRADING.match(" ".join(words[:drop])):
                # only words that grade it gone, the rest is sieved as a mention would be:
                # "major hypoglycaemic episodes" -> hypoglycemia; not after words that make a
                # disease of its own ("acute coronary syndrome", "inflammatory bowel disease")
                found = self._sieved(system, forms, _KIND.get(label))
            elif not found and label == "condition" and len(words) - drop == 1:
                # one word left that is an organ's disease whatever came before it: "transplant
                # glomerulopathy" is a kidney disease, "contrast nephropathy" too
                named = [_Form(n, None, False) for n in sieves.organ(tail, system)]
                found = self._system(system, named, exact_only=True) if named else []
            if system == "MESH":
                kind = MESH_DISEASE if label == "condition" else MESH_DRUG
                found = self._of_kind(found, {kind})
            elif system == "ICD10CM" and len(words) - drop == 1:
                # one word left is a condition's head, never a social circumstance (Z55-Z65):
                # "sinus arrest" is no "Arrest" of Z65.3, legal circumstances
                found = [c for c in found if not _SOCIAL.match(c.code)]
                dropped = sieves.sites(" ".join(words[:drop]))
                if dropped:
                    found = [c for c in found if self._site_free(c, dropped)]
            if found:
                return self._scaled(system, found, 0.9)
        return []

    @staticmethod
    def _site_free(code: Code, dropped: set[str]) -> bool:
        """Whether an ICD-10-CM code of a bare head, left once words naming the sites
        ``dropped`` (``sieves.sites``) are gone, is that head at any site: no residual category
        and no other site in its name. ICD-10-CM gives a bare head a default site or keeps its
        code for what no site claims: "cerebral hemorrhage" is no R58 *Hemorrhage, not
        elsewhere classified*, "arterial thrombosis" no I82.90 (a vein), "corneal scar" no L90.5
        (skin); "deep venous thrombosis" keeps I82.90, "hepatic neoplasm" D49. (Manifestation
        codes are never given at all.)"""
        name = code.name.lower()
        named = sieves.sites(name)
        return not _RESIDUAL.search(name) and (not named or bool(named & dropped))

    def _scaled(self, system: str, codes: list[Code], factor: float) -> list[Code]:
        """The codes again, each scored ``factor`` of its own (a sieve's or a part's trust)."""
        return self._codes(system, [(c.code, round(c.score * factor, 4)) for c in codes])

    def _of_kind(self, codes: list[Code], kinds: set[int | None]) -> list[Code]:
        """The MeSH codes among ``codes`` whose descriptor is of one of ``kinds``."""
        return [c for c in codes if self._specificity["MESH"].get(c.code) in kinds]

    def _codes(self, system: str, pairs: list[tuple[str, float]]) -> list[Code]:
        out: list[Code] = []
        seen: set[str] = set()
        for code, score in pairs:
            if code in seen:
                continue
            seen.add(code)
            name = self.name(system, code) or code
            out.append(Code(system, code, name, min(1.0, score), len(out) + 1))
            if len(out) == self.top:
                break
        return out

    def _measurement(self, text: str, concept: str | None) -> list[Code]:
        if concept is None:
            from pipeline.tag.measurements import find_measurements

            found = find_measurements(text[:MAX_MENTION])
            concept = found[0].concept if found else None
        entry = self._loinc.get(concept) if concept else None
        return [Code("LOINC", entry[0], entry[1], 1.0, 1)] if entry else []
