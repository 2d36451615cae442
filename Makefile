# Qiandai developer entry points. `make demo` and `make test` work from a fresh clone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: demo test check bench venv clean fmt

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The demo keeps its working files (knowledge base, rule sets, SQLite database) in demo-output/home,
# then serves the API on 127.0.0.1:8000 until interrupted (Ctrl-C).
DEMO_HOME := $(CURDIR)/demo-output/home

demo: $(STAMP)
	QIANDAI_HOME=$(DEMO_HOME) $(BIN)/qiandai demo --out demo-output
	QIANDAI_HOME=$(DEMO_HOME) $(BIN)/qiandai serve --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/pytest -q -n 2 --dist loadfile

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/claims_audit.py --visits 1000000 --repeat 3
	$(BIN)/python bench/datagen_claims.py --visits 1000000 --repeat 3
	$(BIN)/python bench/report_xlsx.py --rows 1000000 --repeat 3
	$(BIN)/python bench/texts.py --texts 20000 --repeat 5

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
