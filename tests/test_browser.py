"""A real browser: headless Chromium renders the seed trial's review page; the screenshot is
kept in tests/artifacts/ and the DOM holds the trial's 22 criteria."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import pipeline
from conftest import REPO
from pipeline.review import write_review

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO / "tests" / "artifacts"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium not found: `make test` installs Debian's chromium package "
           "(apt-get install chromium); install it to run the browser test",
)


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--user-data-dir={profile}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True,
                          timeout=180)


def test_browser_renders_the_seed_review_page(tmp_path: Path, seed_text: str) -> None:
    import matplotlib.image

    result = pipeline.parse_text(seed_text, trial_id="NCT06145308")
    page = write_review(result, tmp_path / "review.html")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "review-NCT06145308.png"
    shot.unlink(missing_ok=True)
    done = chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2400",
                    page.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    assert pixels[..., :3].std() > 0.05  # not a blank page
    dom = chromium(tmp_path / "profile2", "--dump-dom", page.as_uri()).stdout
    assert dom.count('data-criterion-id="NCT06145308:') == 22
    assert "salivary gland carcinoma" in dom
