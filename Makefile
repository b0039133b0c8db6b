# Two commands for a newcomer: `make lab` and `make test`. Everything else is a shortcut.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: env warm lab test test-fast bench clean

# Create the virtual environment and install dlkit with its dev tools (offline-friendly: torch is pinned).
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "==> installing dlkit and its dependencies into $(VENV) (first time: about a minute)"
	@$(PY) -m pip install -q --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

env: $(STAMP)

# Compile every Numba kernel once so the first training run in a notebook is instant.
warm: env
	@$(PY) -m dlkit.warmup

lab: warm
	$(VENV)/bin/jupyter lab --notebook-dir=. notebooks

test: env
	$(PY) -m pytest -n 2 --dist loadfile

test-fast: env
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow and not browser"

bench: warm
	$(PY) -m dlkit.bench

clean:
	rm -rf $(VENV) .pytest_cache bench-results test-artifacts
	find . -name __pycache__ -prune -exec rm -rf {} +
