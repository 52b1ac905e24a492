"""Command line: ``python -m pipeline parse INPUT... --out DIR`` and the evaluate commands.

Thin wrappers: they check arguments, call the same functions the notebook API calls, and print.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.write import OutputExistsError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Parse clinical-trial eligibility criteria into Parquet tables.",
)
evaluate_app = typer.Typer(no_args_is_help=True, help="Score the pipeline on shared corpora.")
app.add_typer(evaluate_app, name="evaluate")

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


@app.command()
def parse(
    inputs: Annotated[list[Path], typer.Argument(help="files or directories (walked)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="output directory")],
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace existing tables")] = False,
    model: Annotated[Optional[str], typer.Option(
        "--model", help="trained spaCy pipeline directory; 'rules' for rules only "
        "(default: the model shipped in models/)")] = None,
) -> None:
    """Parse registry records into trials, criteria and entities tables in OUT."""
    from pipeline import batch
    from pipeline.tag.tagger import EntityTagger

    if model not in (None, "rules") and not Path(model).is_dir():
        _fail(f"--model {model}: not a directory holding a spaCy pipeline")
    try:
        summary = batch.run(inputs, out, overwrite=overwrite, progress=True,
                            tagger=EntityTagger(model))
    except (FileNotFoundError, OutputExistsError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"wrote {out}/trials.parquet, criteria.parquet, entities.parquet")
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
def schema() -> None:
    """Print the table schemas as the markdown tables of the README."""
    from pipeline.schema import SCHEMA_VERSION, markdown

    typer.echo(f"<!-- schema_version {SCHEMA_VERSION} -->")
    typer.echo(markdown())


def main() -> None:
    app(prog_name="python -m pipeline")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
