"""Eligibility-criteria parser: registry records -> trials, criteria, entities and codes tables.

The notebook API::

    import pipeline
    result = pipeline.parse_text(text, trial_id="NCT06145308")   # .criteria, .entities
    tables = pipeline.parse_files(["data/raw/"])                  # same tables as the CLI
    tables = pipeline.read_tables("data/processed")               # what a parse run wrote
    pipeline.link(["T2DM", "heart attack"], "condition")          # concept codes of mentions

Nothing heavy is imported or loaded at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ParseResult", "link", "load_tagger", "parse_files", "parse_text", "read_tables"]
__version__ = "0.1.0"


@dataclass
class ParseResult:
    """The four tables as pandas DataFrames (same columns and dtypes as the Parquet files)."""

    trials: "pd.DataFrame"
    criteria: "pd.DataFrame"
    entities: "pd.DataFrame"
    codes: "pd.DataFrame"

    def __iter__(self):
        return iter((self.trials, self.criteria, self.entities, self.codes))


def _result(tables: dict[str, list[dict]]) -> ParseResult:
    from pipeline.write import rows_to_frame

    return ParseResult(*(rows_to_frame(tables[name], name)
                         for name in ("trials", "criteria", "entities", "codes")))


_TAGGERS: dict = {}


def load_tagger(model: str | Path | None = None, quiet: bool = False):
    """The entity tagger (NER model + rules + ConText), loaded once per model per process and
    reused.

    ``model``: a trained spaCy pipeline directory, None for the shipped model, or "rules";
    ``quiet``: no note when the shipped model is missing (Spark workers).
    """
    from pipeline.tag.tagger import EntityTagger

    key = str(model)
    if key not in _TAGGERS:
        _TAGGERS[key] = EntityTagger(model, quiet=quiet)
    return _TAGGERS[key]


def link(texts: "Iterable[str] | str", label: str) -> list[list[dict]]:
    """Concept codes of mentions: for each text, ``{"system", "code", "name", "score"}`` dicts,
    best first within each system; ``label`` is condition, drug, measurement or procedure."""
    from pipeline.linking import link as _link

    return _link(texts, label)


def parse_text(text: str, trial_id: str = "text", model: str | Path | None = None) -> ParseResult:
    """Parse one trial's criteria text (offsets index ``text`` exactly as given)."""
    from pipeline.assemble import process_record
    from pipeline.sources.record import Record

    rows = process_record(Record(trial_id, "<text>", "text", text), tagger=load_tagger(model))
    return _result({"trials": [rows.trial], "criteria": rows.criteria,
                    "entities": rows.entities, "codes": rows.codes})


def parse_files(paths: Iterable[str | Path] | str | Path,
                model: str | Path | None = None) -> ParseResult:
    """Parse files and directories in memory: the same rows ``python -m pipeline parse`` writes."""
    from pipeline.batch import collect

    if isinstance(paths, (str, Path)):
        paths = [paths]
    tables, _ = collect(list(paths), tagger=load_tagger(model))
    return _result(tables)


def read_tables(out_dir: str | Path, allow_partial: bool = False) -> ParseResult:
    """The tables a parse run wrote to ``out_dir`` (refuses an unfinished run by default)."""
    from pipeline.write import read_tables as _read

    frames = _read(Path(out_dir), allow_partial=allow_partial)
    return ParseResult(frames["trials"], frames["criteria"], frames["entities"], frames["codes"])
