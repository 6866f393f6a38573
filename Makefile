# Three commands: `make run` (app with demo data), `make test` (every test, with a small fuzzing
# sample) and `make fuzz` (the long fuzzing run: over 10,000 cases). All create .venv and install
# what they need; all are safe to run again.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test fuzz clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ICV needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/flask --debug migrate
	$(BIN)/flask --debug load-demo
	$(BIN)/flask --debug run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# FUZZ_EXAMPLES=n: examples per fuzz test instead of the profile's 2,500.
fuzz: $(VENV)/.installed-test
	FUZZ_PROFILE=fuzz-long $(BIN)/python -m pytest -m fuzz tests/test_fuzz.py --hypothesis-show-statistics $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache test-results
