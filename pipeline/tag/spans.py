"""A span categorizer for criteria that is cheap enough to run on every criterion of a registry.

spaCy's span categorizer pools every candidate span (first, last, mean and max of its token
vectors) and runs a Maxout layer on the pooled vector: with all spans of one to eight tokens
that is eight hidden layers per token, several times the cost of the encoder below it. Its
suggester and its ``set_annotations`` also loop over each Doc in Python with a few NumPy calls
apiece, which for one-line criteria costs more than the model.

Here the span vector is built from projections made once per token (Lee et al. 2017's endpoint
representation): ``relu(A[start] + B[end - 1] + mean(C[start:end]) + width[n] + b)``, where
``A``, ``B`` and ``C`` are three slices of one linear projection of the token vectors and the
mean comes from a cumulative sum. The hidden layer is then a few additions per span; the
softmax on top is the only per-span matrix product.

Registered names (a trained model's config refers to them, so loading one needs this module,
which ``pipeline.tag.tokenizer`` imports):

* ``elig.ngram_suggester.v1``: every span of 1..``max_size`` tokens, from cached index tables;
* ``elig.endpoint_reducer.v1``: the span vector above (a drop-in for spaCy's reducers that
  takes the token vectors and the span indices itself);
* ``elig.SpanCategorizer.v1``: tok2vec -> endpoint reducer -> scorer;
* ``elig.MultiHashEmbed.v1``: spaCy's ``MultiHashEmbed.v2`` (same layers and weights) whose
  floret vectors are read through a per-process cache when it predicts;
* factory ``elig_spancat``: spaCy's single-label span categorizer (a softmax over the labels
  and "none", nested spans kept) whose ``set_annotations`` handles the batch at once.
"""

# No ``from __future__ import annotations``: spaCy's registry validates these functions' argument
# types from their annotations, which must be real types, not strings.
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import numpy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.ml.models.tok2vec import MultiHashEmbed
from spacy.ml.staticvectors import forward as _spacy_static_vectors_forward
from spacy.pipeline.spancat import SpanCategorizer
from spacy.tokens import Doc, Span, SpanGroup
from spacy.util import registry
from spacy.vectors import Mode
from thinc.api import Model, chain, get_current_ops, glorot_uniform_init, list2ragged, with_getitem
from thinc.types import Floats2d, Ragged

__all__ = ["ngram_table", "build_suggester", "build_endpoint_reducer", "build_span_categorizer",
           "FastSpanCategorizer"]

_TABLES: Dict[Tuple[int, int], numpy.ndarray] = {}


def ngram_table(n_tokens: int, max_size: int) -> numpy.ndarray:
    """(start, end) of every span of 1..max_size tokens in a Doc of ``n_tokens``, as int32 rows
    ordered by size, then start (the order of spaCy's n-gram suggester)."""
    key = (n_tokens, max_size)
    table = _TABLES.get(key)
    if table is None:
        rows = [numpy.stack([numpy.arange(n_tokens - size + 1),
                             numpy.arange(size, n_tokens + 1)], axis=1)
                for size in range(1, min(max_size, n_tokens) + 1)]
        table = (numpy.concatenate(rows).astype("int32") if rows
                 else numpy.zeros((0, 2), dtype="int32"))
        if n_tokens <= 256:  # criteria are short; a 5,000-token outlier is not worth keeping
            _TABLES[key] = table
        table.flags.writeable = False
    return table


@registry.misc("elig.ngram_suggester.v1")
def build_suggester(max_size: int) -> Callable[..., Ragged]:
    """Every span of 1..max_size tokens (spaCy's ``ngram_suggester`` with sizes 1..max_size)."""
    if max_size < 1:
        raise ValueError(f"elig.ngram_suggester.v1: max_size must be >= 1, got {max_size}")

    def suggest(docs: Iterable[Doc], *, ops=None) -> Ragged:
        ops = ops if ops is not None else get_current_ops()
        tables = [ngram_table(len(doc), max_size) for doc in docs]
        lengths = numpy.asarray([len(t) for t in tables], dtype="int32")
        data = numpy.concatenate(tables) if tables else numpy.zeros((0, 2), dtype="int32")
        return Ragged(ops.asarray(data, dtype="i"), ops.asarray1i(lengths))

    return suggest


@registry.layers("elig.endpoint_reducer.v1")
def build_endpoint_reducer(hidden_size: int, max_width: int = 8
                           ) -> Model[Tuple[Ragged, Ragged], Floats2d]:
    """Token vectors (Ragged, one row per token) + spans (Ragged (start, end) per Doc, Doc-relative)
    -> one ``hidden_size`` vector per span (see the module's docstring)."""
    return Model("endpoint_reducer", _endpoint_forward, init=_endpoint_init,
                 dims={"nO": hidden_size, "nI": None},
                 params={"W": None, "b": None, "width": None},
                 attrs={"max_width": max_width})


def _endpoint_init(model: Model, X=None, Y=None) -> Model:
    if X is not None:
        model.set_dim("nI", X[0].dataXd.shape[1])
    n_in, n_out = model.get_dim("nI"), model.get_dim("nO")
    model.set_param("W", glorot_uniform_init(model.ops, (3 * n_out, n_in)))
    model.set_param("b", model.ops.alloc1f(n_out))
    model.set_param("width", model.ops.alloc2f(model.attrs["max_width"], n_out))
    return model


def _endpoint_forward(model: Model, inputs: Tuple[Ragged, Ragged], is_train: bool):
    tokens, spans = inputs
    ops = model.ops
    xp = ops.xp
    X = tokens.dataXd
    W, b, width_table = model.get_param("W"), model.get_param("b"), model.get_param("width")
    h = model.get_dim("nO")
    # Doc-relative (start, end) -> rows of the batch's token matrix.
    doc_starts = xp.concatenate([xp.zeros(1, dtype="int64"),
                                 xp.cumsum(tokens.lengths[:-1], dtype="int64")])
    offset = xp.repeat(doc_starts, spans.lengths.astype("int64"))
    idx = spans.dataXd
    start = idx[:, 0].astype("int64") + offset
    end = idx[:, 1].astype("int64") + offset
    last = end - 1
    inv = (1.0 / (end - start)).astype("float32")[:, None]
    width = xp.minimum(end - start, model.attrs["max_width"]) - 1
    # three contiguous projections: rows gathered from them are contiguous too
    A = ops.gemm(X, W[:h], trans2=True)
    B = ops.gemm(X, W[h:2 * h], trans2=True)
    cum = xp.zeros((X.shape[0] + 1, h), dtype="float32")
    xp.cumsum(ops.gemm(X, W[2 * h:], trans2=True), axis=0, out=cum[1:])
    Z = xp.take(A, start, axis=0)
    Z += xp.take(B, last, axis=0)
    mean = xp.take(cum, end, axis=0)
    mean -= xp.take(cum, start, axis=0)
    mean *= inv
    Z += mean
    Z += xp.take(width_table + b, width, axis=0)
    if not is_train:
        return xp.maximum(Z, 0, out=Z), None
    mask = Z > 0
    H = Z * mask

    def backprop(dH: Floats2d) -> Tuple[Ragged, Ragged]:
        dZ = dH * mask
        model.inc_grad("b", dZ.sum(axis=0))
        d_width = xp.zeros_like(width_table)
        xp.add.at(d_width, width, dZ)
        model.inc_grad("width", d_width)
        dP = xp.zeros((X.shape[0], 3 * h), dtype="float32")
        xp.add.at(dP[:, :h], start, dZ)
        xp.add.at(dP[:, h:2 * h], last, dZ)
        d_mean = dZ * inv
        d_cum = xp.zeros_like(cum)
        xp.add.at(d_cum, end, d_mean)
        xp.add.at(d_cum, start, -d_mean)
        # cum[k] sums C[0:k], so C[j] receives the gradient of every cum[k] with k > j.
        dP[:, 2 * h:] = xp.cumsum(d_cum[::-1], axis=0)[::-1][1:]
        model.inc_grad("W", ops.gemm(dP, X, trans1=True))
        return Ragged(ops.gemm(dP, W), tokens.lengths), spans

    return H, backprop


class _VectorCache:
    """Rows of a floret table by token key, kept after the first lookup.

    floret builds a word's vector from the hashes of its character n-grams, every time it is
    asked (a quarter of the span categorizer's time on criteria); criteria reuse a small
    vocabulary, so after a few thousand criteria nearly every token is a dictionary hit. The
    rows are the same numbers ``Vectors.get_batch`` returns; at ``limit`` keys the cache stops
    growing and new keys are computed each time."""

    def __init__(self, vectors, limit: int = 200_000) -> None:
        self.vectors = vectors
        self.limit = limit
        self.rows: Dict[int, int] = {}
        self.table = numpy.zeros((1024, vectors.shape[1]), dtype="float32")

    def get_batch(self, keys: numpy.ndarray) -> numpy.ndarray:
        unique, inverse = numpy.unique(numpy.asarray(keys, dtype="uint64"), return_inverse=True)
        found = numpy.fromiter((self.rows.get(k, -1) for k in unique.tolist()), dtype="int64",
                               count=len(unique))
        missing = found < 0
        out = numpy.empty((len(unique), self.table.shape[1]), dtype="float32")
        out[~missing] = self.table[found[~missing]]
        if missing.any():
            new = numpy.asarray(self.vectors.get_batch(unique[missing]), dtype="float32")
            out[missing] = new
            n = len(self.rows)
            if n + len(new) <= self.limit:
                if n + len(new) > len(self.table):
                    grown = numpy.zeros((max(2 * len(self.table), n + len(new)),
                                         self.table.shape[1]), dtype="float32")
                    grown[:n] = self.table[:n]
                    self.table = grown
                self.table[n:n + len(new)] = new
                self.rows.update(zip(unique[missing].tolist(), range(n, n + len(new))))
        return out[inverse]


_VECTOR_CACHES: Dict[int, _VectorCache] = {}


def _cached_vectors(vectors) -> _VectorCache:
    cache = _VECTOR_CACHES.get(id(vectors))
    if cache is None or cache.vectors is not vectors:
        cache = _VECTOR_CACHES[id(vectors)] = _VectorCache(vectors)
    return cache


def _static_vectors_forward(model: Model, docs: List[Doc], is_train: bool):
    """spaCy's ``StaticVectors`` (as ``MultiHashEmbed.v2`` uses it: no dropout) on floret
    vectors read through ``_VectorCache``; any other table goes to spaCy's own forward."""
    vectors = docs[0].vocab.vectors if docs else None
    if is_train or vectors is None or vectors.mode != Mode.floret:
        return _spacy_static_vectors_forward(model, docs, is_train)
    lengths = [len(doc) for doc in docs]
    if not sum(lengths):
        return _spacy_static_vectors_forward(model, docs, is_train)
    keys = numpy.concatenate([doc.to_array(getattr(vectors, "attr", ORTH)) for doc in docs])
    V = model.ops.asarray(_cached_vectors(vectors).get_batch(keys))
    W = model.ops.as_contig(model.get_param("W"))
    return Ragged(model.ops.gemm(V, W, trans2=True), model.ops.asarray1i(lengths)), None


@registry.architectures("elig.MultiHashEmbed.v1")
def build_multi_hash_embed(width: int, attrs: List[str], rows: List[int],
                           include_static_vectors: bool) -> Model[List[Doc], List[Floats2d]]:
    """spaCy's ``MultiHashEmbed.v2``, the same layers and weights, whose static-vectors layer
    reads floret rows through a per-process cache when it predicts."""
    model = MultiHashEmbed(width=width, attrs=attrs, rows=rows,
                           include_static_vectors=include_static_vectors)
    for node in model.walk():
        if node.name == "static_vectors":
            node._func = _static_vectors_forward
    return model


@registry.architectures("elig.SpanCategorizer.v1")
def build_span_categorizer(tok2vec: Model[List[Doc], List[Floats2d]],
                           reducer: Model[Tuple[Ragged, Ragged], Floats2d],
                           scorer: Model[Floats2d, Floats2d]
                           ) -> Model[Tuple[List[Doc], Ragged], Floats2d]:
    """tok2vec -> (token vectors, span indices) -> endpoint reducer -> scorer."""
    model = chain(with_getitem(0, chain(tok2vec, list2ragged())), reducer, scorer)
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("reducer", reducer)
    model.set_ref("scorer", scorer)
    return model


_DEFAULT_MODEL = {
    "@architectures": "elig.SpanCategorizer.v1",
    "scorer": {"@layers": "Softmax.v2"},
    "reducer": {"@layers": "elig.endpoint_reducer.v1", "hidden_size": 128, "max_width": 8},
    "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": 64,
                  "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
                  "rows": [5000, 1000, 2500, 2500], "include_static_vectors": False},
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 64, "depth": 3,
                   "window_size": 1, "maxout_pieces": 3},
    },
}


@Language.factory("elig_spancat", assigns=["doc.spans"], default_config={
    "suggester": {"@misc": "elig.ngram_suggester.v1", "max_size": 8},
    "model": _DEFAULT_MODEL,
    "spans_key": "sc",
    "negative_weight": 1.0,
    "allow_overlap": True,
    "scorer": {"@scorers": "spacy.spancat_scorer.v1"},
})
def make_fast_spancat(nlp: Language, name: str, suggester: Callable, model: Model,
                      spans_key: str, negative_weight: float, allow_overlap: bool,
                      scorer: Optional[Callable]) -> "FastSpanCategorizer":
    """spaCy's ``spancat_singlelabel`` with a batched ``set_annotations``."""
    return FastSpanCategorizer(nlp.vocab, model=model, suggester=suggester, name=name,
                               spans_key=spans_key, negative_weight=negative_weight,
                               allow_overlap=allow_overlap, max_positive=1,
                               add_negative_label=True, threshold=None, scorer=scorer)


class FastSpanCategorizer(SpanCategorizer):
    """Single-label span categorizer: each candidate gets its argmax label, "none" is dropped.

    With ``allow_overlap`` (the default here) every other candidate is kept, nested ones
    included, and the whole batch is decided in a few array operations; without it, spaCy's
    greedy per-Doc filter runs."""

    def set_annotations(self, docs: Iterable[Doc], indices_scores) -> None:
        docs = list(docs)
        if not self.cfg["allow_overlap"]:
            super().set_annotations(docs, indices_scores)
            return
        indices, scores = indices_scores
        lengths = self.model.ops.to_numpy(indices.lengths).astype("int64")
        scores = self.model.ops.to_numpy(scores)
        rows = self.model.ops.to_numpy(indices.dataXd)
        labels = self.labels
        predicted = numpy.zeros(0, dtype="int64")
        if scores.size:
            predicted = scores.argmax(axis=1)
        keep = numpy.flatnonzero(predicted != self._negative_label_i)
        bounds = numpy.concatenate([[0], numpy.cumsum(lengths)])
        split = numpy.searchsorted(keep, bounds)
        for i, doc in enumerate(docs):
            kept = keep[split[i]:split[i + 1]]
            group = SpanGroup(doc, name=self.key,
                              spans=[Span(doc, int(rows[k, 0]), int(rows[k, 1]),
                                          label=labels[predicted[k]]) for k in kept])
            group.attrs["scores"] = scores[kept, predicted[kept]] if len(kept) else numpy.zeros(0)
            doc.spans[self.key] = group
