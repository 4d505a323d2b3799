# The two commands a fresh machine needs: `make verify` and `make test`.
# Both build .venv on first use: torch (pinned CPU wheel) first, then the package with every extra.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | cksum | cut -d' ' -f1)
TORCH  := torch==2.13.0
export HF_HUB_OFFLINE := 1
export MPLBACKEND := Agg
# one process per core (pytest -n 2, verify --jobs 2): BLAS threads on top of that only oversubscribe the cores
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1

# `make docs` runs with any Python that has the package installed (an active virtual environment, say);
# without one it builds and uses .venv.
DOCS_PYTHON ?= $(shell python3 -c 'import properties.cli, tests.zoo' 2>/dev/null && echo python3 || echo $(BIN)/python)

.PHONY: test verify docs bench install clean core-test

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$(TORCH)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[all,test]"
	rm -f $(VENV)/.installed-*
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

verify: $(STAMP)
	$(BIN)/invariants verify --out reports --jobs 2

docs:
	@test "$(DOCS_PYTHON)" != "$(BIN)/python" || $(MAKE) install
	$(DOCS_PYTHON) -m properties list --markdown > docs/invariants.md
	$(DOCS_PYTHON) -m properties list --readme README.md
	$(DOCS_PYTHON) -m tests.zoo --jobs 2 > docs/mutants.md

BENCHMARKS := pca kdtree boosting ddim_table1 ddim_learned sde flows features logistic som peft

bench: $(STAMP)
	for b in $(BENCHMARKS); do $(BIN)/python benchmarks/$$b.py || exit 1; done

core-test:
	$(BIN)/python -m pip install --quiet tox
	$(BIN)/tox -e core

clean:
	rm -rf $(VENV) reports .tox
