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
) -> None:
    """Parse registry records into trials, criteria and entities tables in OUT."""
    from pipeline import batch

    try:
        summary = batch.run(inputs, out, overwrite=overwrite, progress=True)
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


def main() -> None:
    app(prog_name="python -m pipeline")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
