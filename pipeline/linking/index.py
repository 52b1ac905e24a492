"""The concept index: every vocabulary name as a lookup key and as a character-trigram TF-IDF
vector, built once from the installed vocabularies and kept on disk.

Building reads ~250k names (about 20 s); loading the built index takes well under a second, its
arrays are memory-mapped (worker processes share one copy in the page cache) and its key
tables are plain Python dicts. The index lives in ``models/concept_index/<fingerprint>/`` (or
``$ELIG_CONCEPT_INDEX``), where the fingerprint covers the vocabulary versions, the LOINC table
and the code that makes keys, so a change to any of them builds a new one. It is a build
product, never committed: ``make setup`` builds it, and so does the first run that needs it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from pipeline.linking import text as keys
from pipeline.linking.vocab import Concept, load_concepts, package_versions
from pipeline.paths import REPO

__all__ = ["ConceptIndex", "SystemIndex", "build_index", "ensure_index", "index_dir",
           "index_of_terms", "load_index", "search"]

INDEX_FORMAT = 3  # bump when build_index writes something else


@dataclass
class SystemIndex:
    """One vocabulary: its concepts, their names as keys, and the keys' TF-IDF vectors."""

    system: str
    codes: list[str]
    names: list[str]
    specificity: np.ndarray  # per concept
    chapters: list[str | None]
    keys: list[str]  # unique keys of the names
    key_row: dict[str, int]
    bag_row: dict[str, int]
    concepts_indptr: np.ndarray  # key row -> concept ids (least specific first)
    concepts_indices: np.ndarray
    postings: sparse.csr_matrix  # n-gram x key row, TF-IDF weights (each key L2-normalized)
    vectors: sparse.csr_matrix  # key row x n-gram, the same weights
    posting_length: np.ndarray  # per n-gram
    _acc: np.ndarray | None = None

    def accumulator(self) -> np.ndarray:
        """A zeroed score per key row (reused: whoever adds to it sets it back to zero)."""
        if self._acc is None:
            self._acc = np.zeros(len(self.keys), dtype=np.float32)
        return self._acc

    def concepts_of(self, row: int) -> np.ndarray:
        return self.concepts_indices[self.concepts_indptr[row]:self.concepts_indptr[row + 1]]


@dataclass
class ConceptIndex:
    systems: dict[str, SystemIndex]
    grams: dict[str, int]
    idf: np.ndarray
    path: Path | None = None
    _dense: np.ndarray | None = None
    _last: tuple | None = None

    def query(self, text_key: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(n-gram columns, L2-normalized TF-IDF weights) of a key; None when it shares no
        n-gram with the vocabularies. The last one is kept: each system asks for it in turn."""
        if self._last is not None and self._last[0] == text_key:
            return self._last[1]
        found = self._query(text_key)
        self._last = (text_key, found)
        return found

    def _query(self, text_key: str) -> tuple[np.ndarray, np.ndarray] | None:
        counts: dict[int, int] = {}
        for gram in keys.ngrams(text_key):
            column = self.grams.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return None
        columns = np.fromiter(counts, dtype=np.int32, count=len(counts))
        weights = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        weights *= self.idf[columns]
        weights /= np.sqrt(np.dot(weights, weights))
        return columns, weights

    def dense(self, columns: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """A query as a dense vector over the n-grams (a reused buffer: ``clear_dense`` after)."""
        if self._dense is None:
            self._dense = np.zeros(len(self.idf), dtype=np.float32)
        self._dense[columns] = weights
        return self._dense

    def clear_dense(self, columns: np.ndarray) -> None:
        self._dense[columns] = 0.0


# Candidate generation reads only n-grams whose postings are at most this long (the common ones,
# "ic ", " di", carry little weight); the candidates are then scored with every n-gram.
MAX_POSTING = 500
RARE_KEPT = 3  # when every n-gram of a key is common, its rarest ones still generate
RAREST = 6  # at most this many n-grams generate candidates (the rarest carry the most weight)


def search(index: "ConceptIndex", system: SystemIndex, text_key: str,
           top: int = 12) -> list[tuple[int, float]]:
    """(key row, cosine) of the ``top`` names nearest to a key, best first (exact cosine).

    Plain numpy over the CSR arrays: scipy's sparse product costs more in checks than in
    arithmetic at this size."""
    query = index.query(text_key)
    if query is None:
        return []
    columns, weights = query
    lengths = system.posting_length[columns]
    # the rarest n-grams of the key (those in fewer than MAX_POSTING names) find the candidates
    rare = np.argsort(lengths, kind="stable")[:RAREST]
    rare = rare[(lengths[rare] > 0) & ((lengths[rare] <= MAX_POSTING) | (np.arange(len(rare)) <
                                                                         RARE_KEPT))]
    indptr, rows_of, data = system.postings.indptr, system.postings.indices, system.postings.data
    acc = system.accumulator()
    touched = []
    for position in rare:
        column = columns[position]
        rows = rows_of[indptr[column]:indptr[column + 1]]
        acc[rows] += weights[position] * data[indptr[column]:indptr[column + 1]]
        touched.append(rows)
    if not touched:
        return []
    hit = np.concatenate(touched) if len(touched) > 1 else touched[0]
    if not len(hit):
        return []
    partial = acc[hit]  # a row reached through several n-grams appears several times
    acc[hit] = 0.0
    keep = min(top * 3, len(hit))
    candidates = np.unique(hit[np.argpartition(-partial, keep - 1)[:keep]])
    # exact cosine of the candidates, every n-gram of the key counted
    dense = index.dense(columns, weights)
    vectors = system.vectors
    starts = vectors.indptr[candidates]
    sizes = vectors.indptr[candidates + 1] - starts
    offsets = np.cumsum(sizes) - sizes
    # the candidates' stored entries, gathered at once (one slice each costs more)
    at = np.arange(offsets[-1] + sizes[-1]) + np.repeat(starts - offsets, sizes)
    exact = np.add.reduceat(vectors.data[at] * dense[vectors.indices[at]], offsets)
    index.clear_dense(columns)
    order = np.argsort(-exact, kind="stable")[:top]
    return [(int(candidates[i]), float(exact[i])) for i in order]


def index_of_terms(index: ConceptIndex, system: str,
                   pairs: list[tuple[str, str]]) -> SystemIndex:
    """A small in-memory index of extra (name, code) pairs — the evaluation's training
    mentions — in the n-gram space of ``index``; a name's codes most frequent first."""
    counts: dict[str, dict[str, int]] = {}
    for term, code in pairs:
        k = keys.key(term)
        if k:
            per_code = counts.setdefault(k, {})
            per_code[code] = per_code.get(code, 0) + 1
    codes = sorted({c for per_code in counts.values() for c in per_code})
    code_id = {c: n for n, c in enumerate(codes)}
    key_list = sorted(counts)
    indptr, indices, data, columns, vptr = [0], [], [], [], [0]
    for k in key_list:
        ranked = sorted(counts[k].items(), key=lambda item: (-item[1], item[0]))
        indices.extend(code_id[c] for c, _ in ranked)
        indptr.append(len(indices))
        query = index.query(k)
        if query is not None:
            columns.extend(query[0].tolist())
            data.extend(query[1].tolist())
        vptr.append(len(columns))
    vectors = sparse.csr_matrix((np.array(data, dtype=np.float32),
                                 np.array(columns, dtype=np.int32), np.array(vptr)),
                                shape=(len(key_list), len(index.idf)))
    vectors.sort_indices()
    postings = vectors.T.tocsr()
    bag_row: dict[str, int] = {}
    for row, k in enumerate(key_list):
        bag_row.setdefault(keys.unordered(k), row)
    return SystemIndex(system, codes, codes, np.zeros(len(codes), dtype=np.int16),
                       [None] * len(codes), key_list, {k: n for n, k in enumerate(key_list)},
                       bag_row, np.array(indptr, dtype=np.int64),
                       np.array(indices, dtype=np.int32), postings, vectors,
                       np.diff(postings.indptr))


def fingerprint() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    digest.update(json.dumps([INDEX_FORMAT, package_versions()], sort_keys=True).encode())
    for name in ("text.py", "vocab.py"):
        digest.update((here / name).read_bytes())
    digest.update((here.parent / "rules" / "loinc.json").read_bytes())
    return digest.hexdigest()[:16]


def index_dir() -> Path:
    root = os.environ.get("ELIG_CONCEPT_INDEX")
    return (Path(root) if root else REPO / "models" / "concept_index") / fingerprint()


def _system_arrays(system: str, concepts: list[Concept]) -> tuple[dict, dict]:
    order = sorted(range(len(concepts)), key=lambda i: (concepts[i].specificity, concepts[i].code))
    rank = {concept_id: n for n, concept_id in enumerate(order)}
    by_key: dict[str, set[int]] = {}
    for concept_id, concept in enumerate(concepts):
        for term in concept.terms:
            k = keys.key(term)
            if k:
                by_key.setdefault(k, set()).add(concept_id)
    key_list = sorted(by_key)
    indptr, indices = [0], []
    for k in key_list:
        # least specific first; among equally specific codes the one whose own name this is
        # ("syphilis": A53.9 *Syphilis, unspecified* before A52.3 *Neurosyphilis*, whose
        # inclusion term "Syphilis (late)" reads the same without its parenthesis)
        indices.extend(sorted(by_key[k], key=lambda c: (concepts[c].specificity,
                                                         keys.key(concepts[c].name) != k,
                                                         rank[c])))
        indptr.append(len(indices))
    meta = {"codes": [c.code for c in concepts], "names": [c.name for c in concepts],
            "chapters": [c.chapter for c in concepts], "keys": key_list}
    arrays = {"specificity": np.array([c.specificity for c in concepts], dtype=np.int16),
              "concepts_indptr": np.array(indptr, dtype=np.int64),
              "concepts_indices": np.array(indices, dtype=np.int32)}
    return meta, arrays


def build_index(out: Path | None = None, quiet: bool = False) -> Path:
    """Build the index from the installed vocabularies into ``out`` (atomically)."""
    out = out or index_dir()
    started = time.perf_counter()
    if not quiet:
        print(f"building the concept index once (about 20 s) into {out}", file=sys.stderr)
    concepts = load_concepts()
    metas, arrays = {}, {}
    for system, items in concepts.items():
        metas[system], arrays[system] = _system_arrays(system, items)
    # One n-gram vocabulary and IDF over the keys of every system.
    grams: dict[str, int] = {}
    df: list[int] = []
    gram_lists: dict[str, list[list[int]]] = {}
    for system, meta in metas.items():
        rows = []
        for k in meta["keys"]:
            ids = []
            for gram in keys.ngrams(k):
                column = grams.setdefault(gram, len(grams))
                if column == len(df):
                    df.append(0)
                ids.append(column)
            for column in set(ids):
                df[column] += 1
            rows.append(ids)
        gram_lists[system] = rows
    n_keys = sum(len(m["keys"]) for m in metas.values())
    idf = np.array([math.log((1 + n_keys) / (1 + d)) + 1.0 for d in df], dtype=np.float32)
    for system, rows in gram_lists.items():
        data, indices, indptr = [], [], [0]
        for ids in rows:
            counts: dict[int, int] = {}
            for column in ids:
                counts[column] = counts.get(column, 0) + 1
            weights = np.array([c * idf[g] for g, c in counts.items()], dtype=np.float32)
            norm = float(np.sqrt(np.dot(weights, weights))) or 1.0
            indices.extend(counts)
            data.extend((weights / norm).tolist())
            indptr.append(len(indices))
        by_key = sparse.csr_matrix((np.array(data, dtype=np.float32),
                                    np.array(indices, dtype=np.int32),
                                    np.array(indptr, dtype=np.int64)),
                                   shape=(len(rows), len(grams)))
        postings = by_key.T.tocsr()
        postings.sort_indices()
        arrays[system].update(key_data=by_key.data, key_indices=by_key.indices,
                              key_indptr=by_key.indptr.astype(np.int64),
                              post_data=postings.data.astype(np.float32),
                              post_indices=postings.indices.astype(np.int32),
                              post_indptr=postings.indptr.astype(np.int64))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=out.parent))
    try:
        gram_list = sorted(grams, key=grams.__getitem__)
        (tmp / "meta.json").write_text(json.dumps({
            "format": INDEX_FORMAT, "versions": package_versions(), "grams": gram_list,
            "systems": sorted(metas)}), encoding="utf-8")
        np.save(tmp / "idf.npy", idf)
        for system, meta in metas.items():
            (tmp / f"{system}.json").write_text(json.dumps(meta), encoding="utf-8")
            for name, array in arrays[system].items():
                np.save(tmp / f"{system}.{name}.npy", array)
        try:
            tmp.rename(out)
        except OSError:  # another process built it meanwhile: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
        for stale in out.parent.iterdir():  # indexes of other vocabulary or code versions
            if stale.is_dir() and stale != out and not stale.name.startswith("."):
                shutil.rmtree(stale, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not quiet:
        print(f"concept index built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return out


def ensure_index() -> Path:
    """The index directory of the installed vocabularies, built first if missing; stops with
    ``VocabularyError`` (naming the package and the fix) when a vocabulary is missing."""
    from pipeline.linking.vocab import check_packages

    check_packages()
    path = index_dir()
    if not (path / "meta.json").exists():
        build_index(path)
    return path


def load_index(path: Path | None = None, build: bool = True) -> ConceptIndex:
    """The index at ``path`` (default: this code's and these vocabularies' own), built first
    when missing and ``build`` is true."""
    if path is None:
        path = ensure_index() if build else index_dir()
    if not (path / "meta.json").exists():
        raise FileNotFoundError(f"no concept index at {path}; run `make setup`")
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    grams = {gram: n for n, gram in enumerate(meta["grams"])}
    idf = np.load(path / "idf.npy")
    systems = {}
    for system in meta["systems"]:
        info = json.loads((path / f"{system}.json").read_text(encoding="utf-8"))

        def arr(name: str) -> np.ndarray:
            # memory-mapped, seen as a plain ndarray: a memmap's slices cost ten times more
            return np.load(path / f"{system}.{name}.npy", mmap_mode="r").view(np.ndarray)

        postings = sparse.csr_matrix((arr("post_data"), arr("post_indices"), arr("post_indptr")),
                                     shape=(len(grams), len(info["keys"])), copy=False)
        vectors = sparse.csr_matrix((arr("key_data"), arr("key_indices"), arr("key_indptr")),
                                    shape=(len(info["keys"]), len(grams)), copy=False)
        key_list = info["keys"]
        bag_row: dict[str, int] = {}
        for row, k in enumerate(key_list):
            bag_row.setdefault(keys.unordered(k), row)
        systems[system] = SystemIndex(
            system, info["codes"], info["names"], np.asarray(arr("specificity")),
            info["chapters"], key_list, {k: n for n, k in enumerate(key_list)}, bag_row,
            arr("concepts_indptr"), arr("concepts_indices"), postings, vectors,
            np.diff(np.asarray(postings.indptr)))
    return ConceptIndex(systems, grams, idf, path)
