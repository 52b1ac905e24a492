"""Command line: ``python -m pipeline parse INPUT... --out DIR`` and the evaluate commands.

Thin wrappers: they check arguments, call the same functions the notebook API calls, and print.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.paths import SHARED_DATA
from pipeline.write import OutputExistsError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Parse clinical-trial eligibility criteria into Parquet tables.",
)
evaluate_app = typer.Typer(no_args_is_help=True, help="Score the pipeline on shared corpora.")
app.add_typer(evaluate_app, name="evaluate")



def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _check_model(model: str | None) -> None:
    """--model is a spaCy pipeline directory, 'rules', or left out (the shipped model)."""
    from pipeline.train import RULES_ONLY

    if model not in (None, RULES_ONLY) and not Path(model).is_dir():
        _fail(f"--model {model}: not a directory holding a spaCy pipeline")


@app.command()
def parse(
    inputs: Annotated[list[Path], typer.Argument(help="files or directories (walked)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")],
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace existing tables")] = False,
    resume: Annotated[bool, typer.Option(
        "--resume", help="finish an interrupted run into the same OUT")] = False,
    n_process: Annotated[Optional[int], typer.Option(
        "--n-process", "-n", min=1, help="worker processes (default: every usable core, as "
        "many as fit in memory; 1 parses in this process)")] = None,
    part_size: Annotated[int, typer.Option(
        "--part-size", min=1, help="trials per output part")] = 1000,
    model: Annotated[Optional[str], typer.Option(
        "--model", help="trained spaCy pipeline directory; 'rules' for rules only "
        "(default: the model shipped in models/)")] = None,
    worker_parts: Annotated[int, typer.Option(
        "--worker-parts", min=1, help="parts a worker parses before a fresh one replaces it "
        "(bounds memory on long runs)")] = 100,
    worker_words: Annotated[int, typer.Option(
        "--worker-words", min=1, help="words of criteria a worker parses before a fresh one "
        "replaces it, if that comes before --worker-parts")] = 10_000_000,
    criterion_cache: Annotated[Optional[int], typer.Option(
        "--criterion-cache", min=0, help="distinct criteria a worker remembers to tag a "
        "repeated one once (default 30,000; 0: tag every criterion)")] = None,
) -> None:
    """Parse registry records into trials, criteria, entities and codes tables in OUT."""
    from pipeline import batch
    from pipeline.linking.index import ensure_index
    from pipeline.linking.vocab import VocabularyError
    from pipeline.train import default_model

    _check_model(model)
    if criterion_cache is not None:  # read by every worker's tagger
        os.environ["ELIG_CRITERION_CACHE"] = str(criterion_cache)
    try:
        ensure_index()  # checks the vocabulary packages; builds the concept index once
    except VocabularyError as exc:
        _fail(f"cannot code concepts: {exc}")
        return
    if overwrite and resume:
        _fail("--overwrite and --resume exclude each other")
    if model is None and default_model() is None:
        typer.echo("note: no NER model found in models/; tagging with rules only", err=True)
    try:
        summary = batch.run(inputs, out, overwrite=overwrite, resume=resume, model=model,
                            n_process=n_process, part_size=part_size, progress=True,
                            worker_parts=worker_parts, worker_words=worker_words)
    except (FileNotFoundError, OutputExistsError, ValueError, batch.RunInterrupted) as exc:
        _fail(str(exc))
        return
    typer.echo(f"wrote {out}/trials.parquet, criteria.parquet, entities.parquet, codes.parquet "
               f"({summary.parts} parts each)")
    for line in summary.lines():
        typer.echo(line)


def _shared(path: Optional[Path], name: str) -> Path:
    path = path or SHARED_DATA / name
    if not path.exists():
        _fail(f"{path} not found; pass the path of the {name} folder")
    return path


@evaluate_app.command("segmentation")
def evaluate_segmentation(
    records: Annotated[Optional[Path], typer.Option(help="ctgov_records/raw folder")] = None,
    llf: Annotated[Optional[Path], typer.Option(help="llf folder or llf.jsonl")] = None,
) -> None:
    """Readers and segmenter over ctgov_records (every raw format) and LLF criteria."""
    from pipeline.evaluate.segmentation import evaluate_llf, evaluate_records

    records_path = _shared(records, "ctgov_records/raw")
    report = evaluate_records(records_path)
    for line in report.lines():
        typer.echo(line)
    llf_path = llf or SHARED_DATA / "llf"
    if llf_path.exists():
        for line in evaluate_llf(llf_path, report.texts).lines():
            typer.echo(line)
    else:
        typer.echo(f"llf: {llf_path} not found, skipped", err=True)


@evaluate_app.command("lct")
def evaluate_lct_command(
    path: Annotated[Optional[Path], typer.Argument(help="LCT folder of .txt/.ann")] = None,
    model: Annotated[Optional[str], typer.Option(help="spaCy pipeline or 'rules'")] = "rules",
    show: Annotated[int, typer.Option(help="print this many misses and errors")] = 0,
) -> None:
    """Comparisons (operator, value, unit) against the LCT annotations."""
    from pipeline.evaluate.lct import evaluate_lct
    from pipeline.tag.tagger import EntityTagger

    report = evaluate_lct(_shared(path, "lct"), EntityTagger(model, quiet=True))
    for line in report.lines():
        typer.echo(line)
    for line in report.misses[:show]:
        typer.echo(f"  missed: {line}")
    for line in report.wrong[:show]:
        typer.echo(f"  wrong: {line}")
    for line in report.wrong_units[:show]:
        typer.echo(f"  unit: {line}")


@evaluate_app.command("age")
def evaluate_age_command(
    records: Annotated[Optional[Path], typer.Option(help="ctgov_records/raw folder")] = None,
    show: Annotated[int, typer.Option(help="print this many disagreements")] = 0,
) -> None:
    """Inclusion age rows against the registry's structured minimum age."""
    from pipeline.evaluate.age import evaluate_age
    from pipeline.tag.tagger import EntityTagger

    report = evaluate_age(_shared(records, "ctgov_records/raw"), EntityTagger("rules", quiet=True))
    for line in report.lines():
        typer.echo(line)
    for line in report.disagreements[:show]:
        typer.echo(f"  {line}")


@app.command()
def bench(
    records: Annotated[Optional[Path], typer.Option(
        help="records to measure on (default ../shared/data/ctgov_records/raw, else data/raw)")
    ] = None,
    model: Annotated[Optional[str], typer.Option(
        help="NER model directory or 'rules' (default: the shipped model)")] = None,
    dump_trials: Annotated[int, typer.Option(
        help="trials in the registry-like dump for end-to-end runs (0: skip them)")] = 20_000,
    quick: Annotated[bool, typer.Option(help="skip the 10x dump")] = False,
) -> None:
    """Words/s of every stage beside spacy.blank("en") and medspacy.load() on the same text,
    then end-to-end runs on a registry-like dump with 1 and 2 workers."""
    from pipeline import bench as b
    from pipeline.train import RULES_ONLY, default_model

    path, trials, criteria, sources = b.corpus(records)
    typer.echo(f"corpus: {path} - {len(trials)} trials, {len(criteria)} criteria, "
               f"{b.words(criteria):,} words")
    chosen = None if model == RULES_ONLY else (model or default_model())
    figures = b.stage_figures(trials, criteria, chosen)
    for line in b.report(figures):
        typer.echo(line)
    for line in b.linking_lines(trials, criteria, chosen, figures):
        typer.echo(line)
    if dump_trials <= 0:
        return
    import tempfile

    k, beta = b.vocabulary_growth(trials)
    typer.echo(f"vocabulary growth of the corpus: distinct words = {k:.1f} x words^{beta:.3f}; "
               "the dumps bring new words at that rate past the corpus's size")
    from pipeline.batch import default_workers

    all_cores = max(2, default_workers())  # what parse uses by default (at least 2 to compare)
    runs = []
    with tempfile.TemporaryDirectory(prefix="elig-dump-") as folder:
        for scale in (1, 10) if not quick else (1,):
            dump = Path(folder) / f"dump-{scale}x.zip"
            words = b.make_dump(dump, dump_trials * scale, sources, growth=(k, beta))
            typer.echo(f"dump {scale}x: {dump_trials * scale:,} trials, {words:,} words "
                       "(API v2 JSON in a zip, resampled from the corpus)")
            for workers in (1, all_cores) if scale == 1 else (all_cores,):
                name = f"{workers} worker{'s' if workers > 1 else ''}, {scale}x"
                runs.append(b.end_to_end(dump, words, workers, model, name))
    floor = next((f.rate for f in figures if f.name == b.MODEL_FLOOR), None)
    for line in b.end_to_end_report(runs, figures[1].rate, figures[0].rate, floor):
        typer.echo(line)


@app.command()
def index() -> None:
    """Build the concept index from the installed vocabularies (once; `make setup` runs it)."""
    from pipeline.linking.index import ensure_index
    from pipeline.linking.vocab import VocabularyError

    try:
        typer.echo(f"concept index: {ensure_index()}")
    except VocabularyError as exc:
        _fail(str(exc))


@app.command()
def schema() -> None:
    """Print the table schemas as the markdown tables of the README."""
    from pipeline.schema import SCHEMA_VERSION, markdown

    typer.echo(f"<!-- schema_version {SCHEMA_VERSION} -->")
    typer.echo(markdown())


def _labels(value: str | None) -> frozenset[str] | None:
    """``--lct-labels condition,drug`` -> the set, checked against the model's labels."""
    from pipeline.train.brat import EVALUATED

    if value is None:
        return None
    labels = frozenset(v.strip() for v in value.split(",") if v.strip())
    if not labels or labels - set(EVALUATED):
        _fail(f"--lct-labels {value}: use some of {', '.join(EVALUATED)}")
    return labels


@app.command()
def train(
    data: Annotated[Optional[Path], typer.Option(help="Chia folder (brat .txt/.ann)")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="model directory to write")] = Path(
        "models/criteria_ner"),
    config: Annotated[Optional[Path], typer.Option(help="spaCy training config")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace the model in OUT")
                         ] = False,
    lct: Annotated[Optional[Path], typer.Option(
        help="also train on the LCT corpus in this folder (brat; see pipeline/train/lct.py)")
    ] = None,
    lct_labels: Annotated[Optional[str], typer.Option(
        help="with --lct: learn only these labels from LCT (comma-separated); its other "
             "tokens are then neither entity nor not-entity")] = None,
    vectors: Annotated[Optional[Path], typer.Option(
        help="static vectors for the model: a spaCy pipeline folder holding them, as written "
             "by `python -m pipeline vectors`")] = None,
    score_on: Annotated[str, typer.Option(
        help="what the finished model is scored on: the validation trials its checkpoint was "
             "chosen on (runs compared to choose a model never read the dev split), or dev, "
             "for the final score of a model that ships")] = "validation",
) -> None:
    """Train the criteria NER model on Chia's train trials (and LCT's documents, with --lct);
    score it on the validation trials (or on Chia's dev trials with --score-on dev)."""
    from pipeline.train import DEFAULT_CONFIG
    from pipeline.train.trainer import SCORED_ON, train_model

    config = config or DEFAULT_CONFIG
    if not config.is_file():
        _fail(f"--config {config}: not found")
    if score_on not in SCORED_ON:
        _fail(f"--score-on {score_on}: use {' or '.join(SCORED_ON)}")
    command = " ".join(["python -m pipeline", *sys.argv[1:]])
    try:
        result = train_model(_shared(data, "chia"), out, config, overwrite=overwrite,
                             command=command, lct=lct and _shared(lct, "lct"),
                             vectors=vectors, lct_labels=_labels(lct_labels),
                             score_on=score_on)
    except (FileExistsError, FileNotFoundError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"wrote {result.out} ({result.seconds / 60:.1f} min; "
               f"{result.lines['train']} train ({result.lines['extra']} of them LCT) / "
               f"{result.lines['validation']} validation lines; "
               f"checkpoint chosen on validation, scores below on {result.scored_on})")
    for line in result.report.lines():
        typer.echo(line)
    typer.echo(f"speed: {result.words_per_second:,.0f} words/s (single process, "
               f"{result.scored_on} lines)")


@app.command()
def vectors(
    shared: Annotated[Optional[Path], typer.Option(
        help="the shared data folder (chia/, lct/, ctgov_records/, ...)")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="folder to write")] = Path(
        "vectors"),
    corpora: Annotated[str, typer.Option(
        help="comma-separated corpora to train on, or 'all'; the default are those whose "
             "licences let the vectors ship (chia, lct, ncbi_disease)")] = "shippable",
) -> None:
    """Train static floret vectors on the shared corpora's text (Chia's dev trials left out)
    for `train --vectors OUT/spacy`."""
    from pipeline.train.vectors import CORPORA, SHIPPABLE, train_vectors, write_corpus

    chosen = SHIPPABLE if corpora == "shippable" else CORPORA if corpora == "all" else tuple(
        c.strip() for c in corpora.split(",") if c.strip())
    unknown = [c for c in chosen if c not in CORPORA]
    if unknown or not chosen:
        _fail(f"--corpora {corpora}: use 'shippable', 'all' or some of {', '.join(CORPORA)}")

    shared = shared or SHARED_DATA
    if not shared.is_dir():
        _fail(f"{shared} not found; pass --shared with the shared data folder")
    try:
        import floret  # noqa: F401
    except ImportError:
        _fail("floret is not installed: pip install -e '.[train]' (it pins floret)")
    words = write_corpus(shared, out / "corpus.txt", chosen)
    if not words:
        _fail(f"{shared}: no corpus text found (chia/, lct/, ctgov_records/, ...)")
    for name, count in words.items():
        typer.echo(f"{name}: {count:,} words")
    # the corpora and their words, for the card of a model trained with these vectors
    (out / "corpora.json").write_text(json.dumps(words), encoding="utf-8")
    typer.echo(f"wrote {train_vectors(out / 'corpus.txt', out)}")


@evaluate_app.command("linking")
def evaluate_linking_command(
    shared: Annotated[Optional[Path], typer.Option(
        help="folder with bc5cdr/ and ncbi_disease/ (default ../shared/data)")] = None,
    records: Annotated[Optional[Path], typer.Option(
        help="records whose entities' coverage is printed (default "
        "../shared/data/ctgov_records/raw; 'none' to skip)")] = None,
    choose_thresholds: Annotated[bool, typer.Option(
        "--choose-thresholds", help="print the threshold table of the validation part "
        "(train documents only) instead")] = False,
) -> None:
    """MeSH codes of the gold mentions of BC5CDR and NCBI disease (dev parts): acc@1, acc@5."""
    from pipeline.evaluate import linking

    base = shared or SHARED_DATA
    if not (base / "bc5cdr").exists() and not (base / "ncbi_disease").exists():
        _fail(f"neither {base / 'bc5cdr'} nor {base / 'ncbi_disease'} exists")
    if choose_thresholds:
        for line in linking.choose_thresholds(base):
            typer.echo(line)
        return
    path = None if str(records) == "none" else (records or SHARED_DATA / "ctgov_records" / "raw")
    for line in linking.evaluate_linking(base, path).lines():
        typer.echo(line)


@evaluate_app.command("chia")
def evaluate_chia_command(
    path: Annotated[Optional[Path], typer.Argument(help="Chia brat folder")] = None,
    model: Annotated[Optional[Path], typer.Option(help="spaCy pipeline directory")] = None,
    split: Annotated[str, typer.Option(
        help="all files, the dev trials, or the training trials (train)")] = "all",
    logic: Annotated[bool, typer.Option(
        help="also score criteria.logic against Chia's OR and AND")] = True,
    negation: Annotated[bool, typer.Option(
        help="also score negated/exception against Chia's Has_negation")] = True,
    show: Annotated[int, typer.Option(
        help="list this many negation misses and false alarms")] = 0,
) -> None:
    """Strict and relaxed P/R/F1 of the NER model per label on Chia brat files, then negation
    P/R/F1 of the tagger's entity rows against Has_negation, then the logic trees' OR
    precision/recall/F1 and AND recall (ours and the baseline)."""
    from pipeline.evaluate.chia import evaluate_chia
    from pipeline.train import MODEL_DIR

    if split not in ("all", "dev", "train"):
        _fail(f"--split {split}: use all, dev or train")
    model = model or MODEL_DIR
    if not (model / "config.cfg").is_file():
        _fail(f"--model {model}: not a directory holding a spaCy pipeline")
    folder = _shared(path, "chia")
    for line in evaluate_chia(folder, model, split).lines():
        typer.echo(line)
    if not (logic or negation):
        return
    import pipeline
    from pipeline.evaluate import logic as logic_eval
    from pipeline.evaluate.negation import (NegationReport, format_report, negated_ids,
                                            score_negation)
    from pipeline.train.brat import chia_folder

    tagger = pipeline.load_tagger(str(model), quiet=True)
    files = logic_eval.read_logic_folder(folder, split)
    predicted = logic_eval._predict(files, tagger)  # the tagger's entity rows, tagged once
    if negation:
        ann = chia_folder(folder)
        negated = {f.name: negated_ids(ann / f"{f.name}.txt") for f in files}
        report = score_negation(files, predicted, negated,
                                NegationReport(split, logic_eval._shown(tagger.model)))
        typer.echo("")
        for line in format_report(report, show):
            typer.echo(line)
    if logic:
        typer.echo("")
        scores = logic_eval.evaluate_logic(folder, split, predicted=predicted)
        scores.model = logic_eval._shown(tagger.model)
        typer.echo(logic_eval.format_report(scores))


def _echo_logic(folder: Path, split: str, model: str | None) -> None:
    import pipeline
    from pipeline.evaluate.logic import evaluate_logic, format_report

    tagger = pipeline.load_tagger(model, quiet=True)
    typer.echo(format_report(evaluate_logic(folder, split, tagger)))


@evaluate_app.command("logic")
def evaluate_logic_command(
    path: Annotated[Optional[Path], typer.Argument(help="Chia brat folder")] = None,
    model: Annotated[Optional[str], typer.Option(
        help="spaCy pipeline directory or 'rules'")] = None,
    split: Annotated[str, typer.Option(
        help="dev, train, validation (the rules were chosen on it), fit or all")] = "dev",
) -> None:
    """criteria.logic against Chia's OR sets and AND relations: OR P/R/F1 and AND recall, ours
    and the baseline, with predicted and with gold leaves."""
    from pipeline.evaluate.logic import SPLITS

    if split not in SPLITS:
        _fail(f"--split {split}: use one of {', '.join(SPLITS)}")
    _check_model(model)
    _echo_logic(_shared(path, "chia"), split, model)


@app.command()
def review(
    inputs: Annotated[list[Path], typer.Argument(
        help="files or directories to parse, or the --out directory of a parse run")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write")] = Path(
        "review.html"),
    trial: Annotated[Optional[list[str]], typer.Option(
        "--trial", help="only this trial (repeatable)")] = None,
    model: Annotated[Optional[str], typer.Option(
        "--model", help="spaCy pipeline directory or 'rules' (when parsing)")] = None,
) -> None:
    """Write one self-contained HTML page to look at what the parser found."""
    import pipeline
    from pipeline.review import select_trials, write_review

    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        _fail(f"input not found: {', '.join(missing)}")
    _check_model(model)
    try:
        if len(inputs) == 1 and (inputs[0] / "trials.parquet").exists():
            tables = pipeline.read_tables(inputs[0], allow_partial=True)
        else:
            tables = pipeline.parse_files(inputs, model=model)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
        return
    if trial:
        known = set(tables.trials.trial_id) | set(tables.trials.record_key)
        absent = [t for t in trial if t not in known]
        if len(absent) == len(trial):
            _fail(f"no trial {', '.join(trial)} in {', '.join(map(str, inputs))}")
        if absent:
            typer.echo(f"note: no trial {', '.join(absent)} in {', '.join(map(str, inputs))}",
                       err=True)
    write_review(tables, out, trial)
    shown = len(select_trials(tables.trials, trial))
    typer.echo(f"wrote {out} ({shown} trial{'' if shown == 1 else 's'})")


def main() -> None:
    app(prog_name="python -m pipeline")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
