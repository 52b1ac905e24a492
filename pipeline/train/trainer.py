"""``python -m pipeline train``: Chia (+ LCT) -> DocBins -> ``spacy train`` -> a model folder and its card.

The work happens in a scratch folder (DocBins, spaCy's ``model-best`` / ``model-last``); only the
best model is copied out, saved with ``nlp.to_disk`` (config, meta, tokenizer, vocab, the
component), then scored and given its model card: on the validation trials by default (the ones
the checkpoint was chosen on, so a run never reads the dev split), on the dev trials when asked
(``score_on="dev"``: the final score of a model that ships).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy

from pipeline.evaluate.chia import ChiaReport, evaluate_chia, words_per_second
from pipeline.paths import REPO
from pipeline.tag.tokenizer import blank
from pipeline.train import DEFAULT_CONFIG, MODEL_NAME
from pipeline.train.brat import (VALIDATION_PERCENT, VALIDATION_SALT, dev_trial_ids,
                                 read_folder, validation_trials)
from pipeline.train.lct import label_counts, read_lct_folder
from pipeline.train.card import add_lct_meta, update_meta, write_card
from pipeline.train.convert import write_docbins

__all__ = ["SCORED_ON", "TrainResult", "train_model"]

SCORED_ON = ("validation", "dev")  # what a training run scores its model on


@dataclass
class TrainResult:
    """What a training run produced, for the CLI to print."""

    out: Path
    seconds: float
    lines: dict[str, int]
    report: ChiaReport
    words_per_second: float
    scored_on: str = "validation"


def _check_out(out: Path, overwrite: bool) -> None:
    """Refuse to replace anything but a spaCy model directory, and that only when asked."""
    if not out.exists():
        return
    if not overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    if not (out / "config.cfg").exists():
        raise FileExistsError(f"{out} exists and is not a spaCy model directory; not replacing it")


def _repo_relative(path: Path) -> str:
    """``path`` as the card names it: relative to the repository when it lies inside it."""
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def _static_vector_keys(config: Path) -> list[str]:
    """The ``include_static_vectors`` setting of each component's own tok2vec embedding."""
    from spacy.util import load_config

    settings = load_config(config, interpolate=False)
    keys = []
    for name in settings["nlp"]["pipeline"]:
        embed = settings["components"].get(name, {}).get("model", {}).get("tok2vec", {}).get(
            "embed", {})
        if "include_static_vectors" in embed:
            keys.append(f"components.{name}.model.tok2vec.embed.include_static_vectors")
    return keys


def run_spacy_train(config: Path, corpus: Path, output: Path,
                    overrides: dict[str, Any] | None = None) -> Path:
    """``spacy train`` on the converted corpus, CPU only; returns the ``model-best`` folder."""
    from spacy.cli.train import train

    settings = {"paths.train": str(corpus / "train.spacy"), "paths.dev": str(corpus / "dev.spacy")}
    settings.update(overrides or {})
    train(config, output, use_gpu=-1, overrides=settings)
    return output / "model-best"


def train_model(data: Path, out: Path, config: Path = DEFAULT_CONFIG, overwrite: bool = False,
                overrides: dict[str, Any] | None = None, command: str = "",
                lct: Path | None = None, vectors: Path | None = None,
                lct_labels: frozenset[str] | None = None,
                score_on: str = "validation") -> TrainResult:
    """Train on the train trials of ``data`` (the checkpoint chosen on their validation part)
    and, given ``lct``, on the LCT documents too; save the best model to ``out`` and score it
    on ``score_on``: the validation trials (the default: the dev split is not read, so runs
    that are compared to choose a model never see it; the figures flatter the model, whose
    checkpoint was chosen on them) or Chia's dev trials (the final score of a model that
    ships). ``vectors``: a spaCy pipeline folder with static vectors, which the model's
    embedding then reads beside its hashed features."""
    if score_on not in SCORED_ON:
        raise ValueError(f"score_on must be one of {', '.join(SCORED_ON)}, not {score_on!r}")
    _check_out(out, overwrite)
    if vectors is not None:
        if not (vectors / "vocab").is_dir():
            raise FileNotFoundError(f"{vectors}: not a spaCy pipeline folder with vectors")
        overrides = {**(overrides or {}), "paths.vectors": str(vectors),
                     **{key: True for key in _static_vector_keys(config)}}
    started = time.perf_counter()
    extra = []
    if lct is not None:
        extra = read_lct_folder(lct, exclude=dev_trial_ids(data), labels=lct_labels)
        if not extra:
            raise FileNotFoundError(f"{lct}: no LCT .txt/.ann documents found")
    train = read_folder(data, "train")
    with tempfile.TemporaryDirectory(prefix="elig-train-") as scratch:
        work = Path(scratch)
        lines = write_docbins(blank(), data, work / "corpus", extra, train)
        best = run_spacy_train(config, work / "corpus", work / "output", overrides)
        nlp = spacy.load(best)
    seconds = time.perf_counter() - started
    held = validation_trials(train)  # sorted trial ids
    if score_on == "dev":
        scored = read_folder(data, "dev")  # read once: scored, timed and listed in the card
    else:
        chosen = set(held)
        scored = [chia for chia in train if chia.trial_id in chosen]
    report = evaluate_chia(data, split=score_on, nlp=nlp, files=scored)
    report.model = str(out)
    speed = words_per_second(nlp, [line.text for chia in scored for line in chia.lines])
    nlp.meta["chia_validation"] = {  # the trials the checkpoint was chosen on
        "rule": f"train trials with sha256('{VALIDATION_SALT}:' + NCT id)[:8] % 100 < "
                f"{VALIDATION_PERCENT}", "trials": held}
    update_meta(nlp, report, speed, sorted(dev_trial_ids(data)), name=out.name or MODEL_NAME,
                scored_on=score_on)
    corpora = vectors.parent / "corpora.json" if vectors is not None else None
    if corpora is not None and corpora.is_file():  # written by `python -m pipeline vectors`
        rows, dim = nlp.vocab.vectors.shape
        nlp.meta["vectors_training"] = {
            "corpora": json.loads(corpora.read_text(encoding="utf-8")), "rows": rows, "dim": dim}
    if extra:
        add_lct_meta(nlp, {"documents": len(extra), "lines": lines["extra"],
                           "spans": label_counts(extra),
                           "labels": sorted(lct_labels) if lct_labels else "all"})
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    write_card(out, nlp, report, speed, command=command, train_seconds=seconds,
               config=_repo_relative(config))
    return TrainResult(out, seconds, lines, report, speed, score_on)
