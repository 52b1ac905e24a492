"""Static subword vectors (floret) trained here on the shared corpora's text, for the NER model.

No pretrained vectors can be downloaded here, so they are trained on what the project has: the
criteria of every shared corpus (Chia, LCT, the CT.gov records, NCI CTS) and the PubMed
abstracts of the two linking gold sets (BC5CDR, NCBI disease), a few million words. Chia's dev
trials are left out everywhere, so the dev score stays a score on unseen text.

floret (Explosion's fastText fork) stores subword n-gram vectors in a small hashed table, so
every token, seen or not, gets a vector from its character n-grams, and the table's size is
fixed (``bucket`` rows x ``dim``) whatever the vocabulary. Tokens are the criteria tokenizer's,
lower-cased; spaCy looks vectors up by ``LOWER``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.train.brat import chia_folder, dev_trial_ids, trial_of
from pipeline.train.lct import lct_docs_folder

__all__ = ["CORPORA", "LICENCES", "SHIPPABLE", "VectorSettings", "corpus_texts",
           "train_vectors", "write_corpus"]

_PUBTATOR = re.compile(r"\d+\|[ta]\|")
# each corpus the vectors may be trained on: its licence as the model card states it, and
# whether vectors trained on it may ship with the models
LICENCES: dict[str, tuple[str, bool]] = {
    "chia": ("CC BY 4.0, Kury et al. 2020; Chia's dev trials left out", True),
    "lct": ("MIT + CC BY 4.0, Dobbins et al. 2022", True),
    "ctgov_records": ("no licence stated or GPL-3.0: not for a shipped model", False),
    "nci_cts": ("no licence file: not for a shipped model", False),
    "bc5cdr": ("its copy states no licence: not for a shipped model", False),
    "ncbi_disease": ("PubMed abstracts of the NCBI disease corpus, Doğan et al. 2014; public "
                     "domain (U.S. Government work)", True),
}
CORPORA = tuple(LICENCES)
SHIPPABLE = tuple(name for name, (_, ships) in LICENCES.items() if ships)


@dataclass(frozen=True)
class VectorSettings:
    """floret's settings (the ones that differ from its defaults are chosen for size)."""

    dim: int = 64
    bucket: int = 50_000
    minn: int = 3
    maxn: int = 5
    hash_count: int = 2
    epoch: int = 10
    min_count: int = 3
    mode: str = "cbow"


def _jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def corpus_texts(shared: Path, exclude: set[str],
                 corpora: tuple[str, ...] = CORPORA) -> Iterator[tuple[str, str]]:
    """(corpus name, text) for every document of the named ``corpora`` found under
    ``shared``, but those of the trials in ``exclude``; the other corpora are not read."""
    chia = shared / "chia"
    if "chia" in corpora and chia.is_dir():
        for path in sorted(chia_folder(chia).glob("*.txt")):
            if trial_of(path.stem) not in exclude:
                with open(path, encoding="utf-8", newline="") as handle:
                    yield "chia", handle.read()
    lct = shared / "lct"
    if "lct" in corpora and lct.is_dir():
        for path in sorted(lct_docs_folder(lct).glob("*.ann")):  # documents, not licences
            if trial_of(path.stem) not in exclude and path.with_suffix(".txt").is_file():
                yield "lct", path.with_suffix(".txt").read_text(encoding="utf-8")
    for name, file, fields in (("ctgov_records", "ctgov_records/records.jsonl",
                                ("eligibility_criteria",)),
                               ("nci_cts", "nci_cts_segmented/nci_cts_trials.jsonl",
                                ("criteria",))):
        if name in corpora and (shared / file).is_file():
            for row in _jsonl(shared / file):
                if row.get("nct_id") in exclude:
                    continue
                for key in fields:
                    value = row.get(key)
                    if isinstance(value, list):
                        value = "\n".join(v.get("description", "") if isinstance(v, dict)
                                          else str(v) for v in value)
                    if value:
                        yield name, str(value)
    for name in ("bc5cdr", "ncbi_disease"):  # PubTator: "PMID|t|title", "PMID|a|abstract"
        if name not in corpora or not (shared / name).is_dir():
            continue
        for path in sorted((shared / name).glob("*.txt")):
            with open(path, encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    match = _PUBTATOR.match(line)
                    if match:
                        yield name, line[match.end():]


def write_corpus(shared: Path, out: Path, corpora: tuple[str, ...] = CORPORA) -> dict[str, int]:
    """One lower-cased, tokenized line per text line of the named ``corpora`` in ``out``;
    words per corpus."""
    from pipeline.tag.tokenizer import blank

    nlp = blank()
    exclude = dev_trial_ids(shared / "chia") if (shared / "chia").is_dir() else set()
    words: dict[str, int] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        for name, text in corpus_texts(shared, exclude, corpora):
            for line in text.splitlines():
                tokens = [t.lower_ for t in nlp.make_doc(line) if not t.is_space]
                if tokens:
                    handle.write(" ".join(tokens) + "\n")
                    words[name] = words.get(name, 0) + len(tokens)
    return words


def train_vectors(corpus: Path, out: Path, settings: VectorSettings = VectorSettings()) -> Path:
    """floret vectors from ``corpus`` -> a spaCy pipeline folder ``out`` holding them (what the
    training config's ``paths.vectors`` takes)."""
    import floret
    from spacy.cli.init_pipeline import init_vectors_cli

    out.mkdir(parents=True, exist_ok=True)
    model = floret.train_unsupervised(
        str(corpus), model=settings.mode, dim=settings.dim, minn=settings.minn,
        maxn=settings.maxn, bucket=settings.bucket, hashCount=settings.hash_count,
        epoch=settings.epoch, minCount=settings.min_count, mode="floret", thread=2, verbose=0)
    table = out / "vectors.floret"
    model.save_floret_vectors(str(table))
    init_vectors_cli("en", table, out / "spacy", mode="floret", attr="LOWER", prune=-1,
                     truncate=0, name="elig_criteria_floret", verbose=False, jsonl_loc=None)
    return out / "spacy"
