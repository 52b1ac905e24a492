"""Static vectors: the corpus they are trained on (dev trials left out) and a tiny training."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES
from pipeline.train.vectors import VectorSettings, corpus_texts, train_vectors, write_corpus


def _shared(tmp_path: Path) -> Path:
    """A shared-data folder holding the tiny Chia and LCT fixtures and one CT.gov record."""
    shared = tmp_path / "shared"
    shutil.copytree(FIXTURES / "chia_tiny", shared / "chia")
    shutil.copytree(FIXTURES / "lct_tiny", shared / "lct" / "docs")
    (shared / "ctgov_records").mkdir()
    (shared / "ctgov_records" / "records.jsonl").write_text(
        '{"nct_id": "NCT00965900", "eligibility_criteria": "Dev trial text"}\n'
        '{"nct_id": "NCT01234567", "eligibility_criteria": "Inclusion: Metformin users"}\n',
        encoding="utf-8")
    return shared


def test_vector_corpus_leaves_out_chia_dev_trials_everywhere(tmp_path: Path) -> None:
    shared = _shared(tmp_path)
    names = [name for name, _ in corpus_texts(shared, exclude={"NCT00965900"})]
    assert names.count("chia") == 4 and names.count("lct") == 2  # 2 Chia dev files left out
    assert names.count("ctgov_records") == 1
    words = write_corpus(shared, tmp_path / "corpus.txt")
    corpus = (tmp_path / "corpus.txt").read_text(encoding="utf-8")
    assert set(words) == {"chia", "lct", "ctgov_records"}
    assert "metformin users" in corpus and "dev trial text" not in corpus
    assert "esophageal varices" not in corpus  # NCT00965900, a Chia dev trial
    assert corpus == corpus.lower()
    # the shippable corpora only: no CT.gov records (no licence, or GPL-3.0)
    from pipeline.train.vectors import SHIPPABLE

    words = write_corpus(shared, tmp_path / "clean.txt", SHIPPABLE)
    assert set(words) == {"chia", "lct"}
    assert "metformin users" not in (tmp_path / "clean.txt").read_text(encoding="utf-8")


@pytest.mark.slow
def test_vectors_train_into_a_spacy_folder(tmp_path: Path) -> None:
    import spacy

    shared = _shared(tmp_path)
    write_corpus(shared, tmp_path / "corpus.txt")
    folder = train_vectors(tmp_path / "corpus.txt", tmp_path / "vec",
                           VectorSettings(dim=8, bucket=500, epoch=1, min_count=1))
    vectors = spacy.load(folder).vocab.vectors
    assert vectors.mode == "floret" and vectors.shape == (500, 8)
    # subwords give every token a vector, also one never seen
    assert vectors.get_batch(["hypertensionitis"]).any()


def test_vectors_switch_on_in_each_component_own_embedding(tmp_path: Path) -> None:
    from pipeline.train import DEFAULT_CONFIG
    from pipeline.train.trainer import _static_vector_keys

    assert _static_vector_keys(DEFAULT_CONFIG) == [
        "components.ner.model.tok2vec.embed.include_static_vectors"]
    renamed = tmp_path / "spancat.cfg"
    renamed.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        '"ner"]', '"spancat"]').replace("[components.ner", "[components.spancat"),
        encoding="utf-8")
    assert _static_vector_keys(renamed) == [
        "components.spancat.model.tok2vec.embed.include_static_vectors"]
