"""Batch runs: parts, workers, interruption and --resume give exactly the rows of one run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import pipeline
from conftest import REPO
from pipeline import batch
from pipeline.sources import Record

SAMPLE = REPO / "data" / "raw"


def parse(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "parse", *args, "--model", "rules"],
                          cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def tables(out: Path) -> dict[str, pd.DataFrame]:
    result = pipeline.read_tables(out)
    return {"trials": result.trials, "criteria": result.criteria, "entities": result.entities,
            "codes": result.codes}


def assert_same(a: Path, b: Path) -> None:
    left, right = tables(a), tables(b)
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], check_like=False)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "out"
    result = parse(str(SAMPLE), "--out", str(out), "--part-size", "1000", "--n-process", "1")
    assert result.returncode == 0, result.stderr
    assert "workers: 1 (in this process)" in result.stdout
    return out


def test_batch_uses_every_usable_core_by_default(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "default"
    result = parse(str(SAMPLE), "--out", str(out), "--part-size", "10")
    assert result.returncode == 0, result.stderr
    expected = batch.default_workers()
    assert expected == min(batch.usable_cores(),
                           int(batch.available_memory_mb() // batch.WORKER_MEMORY_MB))
    assert f"workers: {expected}" in result.stdout
    assert_same(reference, out)


def test_default_workers_fit_in_memory(monkeypatch) -> None:
    monkeypatch.setattr(batch, "usable_cores", lambda: 16)
    monkeypatch.setattr(batch, "available_memory_mb", lambda: 2.5 * batch.WORKER_MEMORY_MB)
    assert batch.default_workers() == 2
    monkeypatch.setattr(batch, "available_memory_mb", lambda: 100.0)
    assert batch.default_workers() == 1
    monkeypatch.setattr(batch, "available_memory_mb", lambda: None)
    assert batch.default_workers() == 16


def test_batch_same_rows_whatever_workers_and_part_size(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "two"
    result = parse(str(SAMPLE), "--out", str(out), "--n-process", "2", "--part-size", "7")
    assert result.returncode == 0, result.stderr
    assert len(list((out / "criteria.parquet").glob("part-*.parquet"))) == 7
    assert_same(reference, out)
    done = json.loads((out / "_SUCCESS").read_text())
    assert done["records"] == 49 and done["parts"] == 7 and done["ok"] == 49


def test_batch_fresh_workers_give_the_same_rows(reference: Path, tmp_path: Path) -> None:
    # Workers replaced after every 2 parts (pools of fresh processes), and in one process the
    # tagger rebuilt after every part or every 2,000 words: the rows of one long-lived worker.
    for n, (n_process, limit) in enumerate((("2", ["--worker-parts", "2"]),
                                            ("1", ["--worker-parts", "1"]),
                                            ("1", ["--worker-words", "2000"]))):
        out = tmp_path / f"fresh-{n}"
        result = parse(str(SAMPLE), "--out", str(out), "--n-process", n_process,
                       "--part-size", "5", *limit)
        assert result.returncode == 0, result.stderr
        assert json.loads((out / "_SUCCESS").read_text())["parts"] == 10
        assert_same(reference, out)


def _part(*word_counts: int) -> list:
    return [(Record(trial_id=f"NCT{n:08d}", source="t", format="text",
                    text=" ".join(["w"] * words) if words else None), f"k{n}")
            for n, words in enumerate(word_counts)]


def test_batch_workers_replaced_by_parts_or_words_whichever_first() -> None:
    parts = [_part(40, 0), _part(30), _part(5, 5), _part(100), _part(1), _part(2), _part(3)]
    read = []

    def reading():
        for part in parts:
            read.append(len(read))
            yield part

    runs = []
    for group in batch.worker_groups(reading(), n_process=2, worker_parts=2, worker_words=35):
        run = []
        for part in group:
            run.append(parts.index(part))
            assert len(read) <= parts.index(part) + 1  # parts are read as the workers take them
        runs.append(run)
    # 2 workers: a run ends at 4 parts or 70 words; 40+30 = 70 words ends the first one.
    assert runs == [[0, 1], [2, 3], [4, 5, 6]]
    assert [batch.part_words(p) for p in parts[:3]] == [40, 30, 10]
    one = [list(map(parts.index, group)) for group in batch.worker_groups(
        iter(parts), n_process=1, worker_parts=3, worker_words=1000)]
    assert one == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batch.worker_groups(iter([]), 2)) == []


def test_batch_parent_killed_then_resume(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = parse(str(SAMPLE), "--out", str(out), "--part-size", "5",
                   env={"ELIG_TEST_PARENT_DIES_AFTER_PART": "3"})
    assert result.returncode == 9
    assert not (out / "_SUCCESS").exists()
    manifest = json.loads((out / "_manifest.json").read_text())
    assert [p["index"] for p in manifest["parts"]] == [0, 1, 2, 3]
    again = parse(str(SAMPLE), "--out", str(out), "--part-size", "5")
    assert again.returncode == 2 and "--resume" in again.stderr
    resumed = parse(str(SAMPLE), "--out", str(out), "--part-size", "5", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed: 20 records were already done" in resumed.stdout
    assert_same(reference, out)


def test_batch_worker_killed_then_resume(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = parse(str(SAMPLE), "--out", str(out), "--part-size", "4", "--n-process", "2",
                   env={"ELIG_TEST_WORKER_DIES_AT_PART": "5"})
    assert result.returncode == 2 and "worker process died" in result.stderr
    assert "Traceback" not in result.stderr
    finished = json.loads((out / "_manifest.json").read_text())["parts"]
    assert 0 < len(finished) <= 5
    resumed = parse(str(SAMPLE), "--out", str(out), "--part-size", "4", "--n-process", "2",
                    "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert_same(reference, out)


def test_batch_sigkill_mid_run_then_resume(tmp_path: Path) -> None:
    """A real kill -9 of the whole process group while parts are being written."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    texts = [p.read_text(encoding="utf-8") for p in sorted((SAMPLE / "text").glob("*.txt"))]
    with open(inputs / "dump.jsonl", "w", encoding="utf-8") as handle:
        for n in range(1500):
            handle.write(json.dumps({"nct_id": f"NCT9{n:07d}", "criteria": texts[n % len(texts)]})
                         + "\n")
    ref = tmp_path / "ref"
    assert parse(str(inputs), "--out", str(ref), "--part-size", "50").returncode == 0
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "parse", str(inputs), "--out", str(out), "--model",
         "rules", "--part-size", "50"], cwd=REPO, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = out / "_manifest.json"
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if manifest.exists() and len(json.loads(manifest.read_text())["parts"]) >= 2:
            break
        time.sleep(0.02)
    if process.poll() is not None:
        pytest.skip("the run finished before it could be interrupted")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / "_SUCCESS").exists()
    resumed = parse(str(inputs), "--out", str(out), "--part-size", "50", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert_same(ref, out)


def test_batch_resume_refuses_other_inputs(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    parse(str(SAMPLE), "--out", str(out), "--part-size", "5",
          env={"ELIG_TEST_PARENT_DIES_AFTER_PART": "0"})
    other = parse(str(SAMPLE / "text"), "--out", str(out), "--part-size", "5", "--resume")
    assert other.returncode == 2 and "cannot resume" in other.stderr


def test_peak_memory_is_the_programs_own_not_its_parents() -> None:
    """A parse started by a big process (make bench) reported the parent's peak: Linux keeps
    ru_maxrss across exec. The figure must be the child's own."""
    import subprocess
    import sys

    import numpy

    from pipeline.batch import peak_rss_mb

    ballast = numpy.ones(300 * 2**20 // 8)  # 300 MB touched in this process
    code = "from pipeline.batch import peak_rss_mb; print(peak_rss_mb())"
    child = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout)
    assert ballast.sum() > 0 and peak_rss_mb() > 300
    assert child < peak_rss_mb() - 200
