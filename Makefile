# The README's two commands: `make run` and `make test`. Both set everything up first.
# Targets are idempotent: the virtual environment is created when missing and re-installed
# only when pyproject.toml or constraints.txt change.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXTRAS ?= test,notebooks,spark

.PHONY: setup run test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[$(EXTRAS)]"
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) -m pipeline parse data/raw --out data/processed --overwrite

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) -m pipeline bench

clean:
	rm -rf data/processed/*.parquet data/processed/_tmp* .pytest_cache
