"""The endpoint span categorizer (pipeline/tag/spans.py): candidates, gradients, decoding and a
save/load round trip, on a model small enough to train here in seconds."""

from __future__ import annotations

import numpy
import pytest
import spacy
from spacy.pipeline.spancat import ngram_suggester
from spacy.tokens import Doc
from spacy.training import Example
from thinc.api import NumpyOps
from thinc.types import Ragged

from pipeline.tag.spans import build_endpoint_reducer, build_suggester, ngram_table
from pipeline.tag.tokenizer import blank

TINY_MODEL = {
    "@architectures": "elig.SpanCategorizer.v1",
    "scorer": {"@layers": "Softmax.v2"},
    "reducer": {"@layers": "elig.endpoint_reducer.v1", "hidden_size": 16, "max_width": 4},
    "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": 16,
                  "attrs": ["NORM", "SHAPE"], "rows": [500, 50],
                  "include_static_vectors": False},
        "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 16, "depth": 1,
                   "window_size": 1, "maxout_pieces": 2},
    },
}


def _docs(lengths: list[int]) -> list[Doc]:
    nlp = blank()
    return [Doc(nlp.vocab, words=[f"w{i}" for i in range(n)]) for n in lengths]


@pytest.mark.parametrize("max_size", [1, 3, 8])
def test_suggester_gives_spacys_ngrams(max_size: int) -> None:
    docs = _docs([0, 1, 2, 5, 12])
    ours = build_suggester(max_size)(docs, ops=NumpyOps())
    theirs = ngram_suggester(docs, list(range(1, max_size + 1)), ops=NumpyOps())
    assert ours.lengths.tolist() == theirs.lengths.tolist()
    assert ours.dataXd.tolist() == theirs.dataXd.tolist()
    assert ngram_table(5, max_size).shape[0] == sum(5 - k + 1 for k in range(1, min(5, max_size) + 1))


def test_suggester_rejects_an_empty_size() -> None:
    with pytest.raises(ValueError, match="max_size"):
        build_suggester(0)


def test_endpoint_reducer_gradients_match_finite_differences() -> None:
    """Each span's vector depends on its first and last token and the mean of all of them; the
    analytic gradient must agree with central differences (bias large: no ReLU kinks)."""
    rng = numpy.random.default_rng(0)
    lengths = numpy.asarray([5, 3, 7], dtype="int32")
    X = rng.normal(size=(int(lengths.sum()), 6)).astype("float32")
    spans = build_suggester(4)(_docs(lengths.tolist()), ops=NumpyOps())
    model = build_endpoint_reducer(5, max_width=3)
    model.initialize(X=(Ragged(X, lengths), spans))
    model.set_param("b", numpy.full(5, 5.0, dtype="float32"))
    H, backprop = model((Ragged(X, lengths), spans), is_train=True)
    assert H.shape == (int(spans.lengths.sum()), 5)
    G = rng.normal(size=H.shape).astype("float32")
    dX = backprop(G)[0].dataXd

    def f(values: numpy.ndarray) -> float:
        out, _ = model((Ragged(values.astype("float32"), lengths), spans), is_train=False)
        return float((out.astype("float64") * G).sum())

    eps = 1e-2
    numeric = numpy.zeros(X.shape)
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            up, down = X.astype("float64"), X.astype("float64")
            up[i, j] += eps
            down[i, j] -= eps
            numeric[i, j] = (f(up) - f(down)) / (2 * eps)
    assert numpy.abs(numeric - dX).max() < 1e-2 * max(1.0, numpy.abs(numeric).max())
    # the mean really enters: a span's vector changes when a middle token does
    moved = X.copy()
    moved[1] += 1.0
    out, _ = model((Ragged(moved, lengths), spans), is_train=False)
    middle = [k for k, (s, e) in enumerate(spans.dataXd[: spans.lengths[0]].tolist())
              if s < 1 < e - 1]
    assert middle and not numpy.allclose(out[middle], H[middle])


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    """elig_spancat trained for a few steps on two sentences, saved and loaded back."""
    nlp = blank()
    nlp.add_pipe("elig_spancat", config={"model": TINY_MODEL,
                                         "suggester": {"@misc": "elig.ngram_suggester.v1",
                                                       "max_size": 6}})
    rows = [("history of renal failure or hepatic failure", [(11, 24, "condition"),
                                                              (11, 43, "condition"),
                                                              (28, 43, "condition")]),
            ("no insulin within 6 months", [(3, 10, "drug"), (11, 26, "temporal")])]
    examples = []
    for text, spans in rows:
        doc = nlp.make_doc(text)
        ref = nlp.make_doc(text)
        ref.spans["sc"] = [ref.char_span(s, e, label=label) for s, e, label in spans]
        examples.append(Example(doc, ref))
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = 0.01
    for _ in range(100):
        nlp.update(examples, sgd=optimizer)
    path = tmp_path_factory.mktemp("spancat")
    nlp.to_disk(path)
    return nlp, spacy.load(path), rows


def test_elig_spancat_learns_nested_spans_and_survives_a_round_trip(trained) -> None:
    nlp, loaded, rows = trained
    for text, gold in rows:
        doc = nlp(text)
        found = {(s.start_char, s.end_char, s.label_) for s in doc.spans["sc"]}
        assert found == set(gold), (text, found)
        assert len(doc.spans["sc"].attrs["scores"]) == len(found)
        again = loaded(text)
        assert {(s.start_char, s.end_char, s.label_) for s in again.spans["sc"]} == found
    assert loaded("").spans["sc"] == [] or len(loaded("").spans["sc"]) == 0


def test_batched_annotation_matches_spacys_per_doc_decoder(trained) -> None:
    nlp, _, _ = trained
    pipe = nlp.get_pipe("elig_spancat")
    docs = [nlp.make_doc(t) for t in ("renal failure", "", "insulin or metformin within 6 months")]
    indices = pipe.suggester(docs, ops=pipe.model.ops)
    rng = numpy.random.default_rng(1)
    scores = rng.random((int(indices.lengths.sum()), len(pipe.labels) + 1)).astype("float32")
    pipe.set_annotations(docs, (indices, scores))
    offset = 0
    for i, doc in enumerate(docs):
        n = int(indices.lengths[i])
        expected = pipe._make_span_group_singlelabel(doc, indices[i].dataXd,
                                                     scores[offset:offset + n], True)
        offset += n
        assert [(s.start, s.end, s.label_) for s in doc.spans["sc"]] == \
            [(s.start, s.end, s.label_) for s in expected]
        assert numpy.allclose(doc.spans["sc"].attrs["scores"],
                              numpy.asarray(expected.attrs.get("scores", [])).reshape(-1))
