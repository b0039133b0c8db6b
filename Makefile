# Two commands for a newcomer: `make lab` and `make test`. Everything else is a shortcut.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# nbval runs every notebook and compares the outputs of cells marked # NBVAL_CHECK_OUTPUT
NBVAL  := --nbval-lax --nbval-current-env --nbval-sanitize-with nbval_sanitize.cfg

.PHONY: env warm lab chromium test test-fast bench gpu-report release notebooks clean \
	prepare-grading distribute collect grade feedback release-feedback export report student-kit hub-demo hub-install hub-test

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

# JupyterLab at the course root with notebook 00 open, no news or update pop-ups, the URL printed; as root it
# adds --allow-root (tools/lab.py). More options: make lab PORT=8899 LAB_ARGS="--ip=0.0.0.0 --no-browser".
lab: warm
	@$(PY) tools/lab.py $(if $(PORT),--port $(PORT)) -- $(LAB_ARGS)

# The browser tests drive Debian's chromium (browsers cannot be downloaded here); without it they skip.
chromium:
	@command -v chromium >/dev/null 2>&1 || { echo "==> installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 || \
		echo "warning: could not install chromium with apt-get; the browser tests will be skipped"; }

# The browser tier runs alone (its frame rates are the labs', not those of a test beside it); nbval's kernels
# start tests/notebook_spy.py (a spy on fit's divergence verdicts); the last step reads its log
SPY_LOG := $(CURDIR)/test-artifacts/divergence-spy.jsonl
test: warm chromium
	$(PY) -m pytest -n 2 --dist loadfile --durations=30 -m "not browser"
	$(PY) -m pytest -p no:xdist -q --durations=5 -m browser tests/browser
	@mkdir -p test-artifacts && rm -f $(SPY_LOG)
	DLKIT_DIVERGENCE_LOG=$(SPY_LOG) PYTHONSTARTUP=$(CURDIR)/tests/notebook_spy.py \
		$(PY) -m pytest -n 2 --dist loadfile $(NBVAL) notebooks solutions
	DLKIT_DIVERGENCE_LOG=$(SPY_LOG) $(PY) -m pytest -q tests/test_divergence_in_notebooks.py

test-fast: env
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow and not browser"

bench: warm
	$(PY) -m dlkit.bench

# On a CUDA GPU machine: the gpu-marked tests, then the benchmark as Markdown tables (bench-results/gpu-report.md).
gpu-report: warm
	@mkdir -p bench-results
	$(PY) -m pytest -m gpu tests/kernels/test_cuda.py -q -rs 2>&1 | tee bench-results/gpu-tests.txt
	$(PY) -m dlkit.bench --markdown bench-results/gpu-report.md

# Regenerate the student versions in exercises/ from solutions/ (nbgrader generate_assignment --force, no gradebook).
release: env
	$(PY) -m dlkit.course release

# Grading a class (dlkit/course/, docs/instructor-guide.md): A=assignment, FROM=folder/zip, EXCHANGE=the exchange
# root (a hub's), GRADE_ARGS=more options (--workdir, --db, ...: python -m dlkit.course COMMAND --help).
GRADE_ARGS ?=
need = $(if $($(1)),,$(error make $@ needs $(1)=$(2)))
prepare-grading: env
	$(PY) -m dlkit.course prepare $(A) $(GRADE_ARGS)
collect: env
	$(if $(EXCHANGE)$(FROM),,$(error make collect needs EXCHANGE=DIR or FROM=PATH (a folder or an LMS zip)))
	$(PY) -m dlkit.course collect $(A) $(if $(EXCHANGE),--exchange $(EXCHANGE),--from $(FROM)) $(GRADE_ARGS)
grade: env
	$(PY) -m dlkit.course grade $(A) $(GRADE_ARGS)
feedback: env
	$(PY) -m dlkit.course feedback $(A) $(GRADE_ARGS)
# to the exchange: the released assignment (nbgrader release_assignment), the feedback pages (release_feedback)
distribute release-feedback: env
	$(call need,A,ASSIGNMENT)$(call need,EXCHANGE,DIR)
	$(PY) -m dlkit.course $@ $(A) --exchange $(EXCHANGE) $(GRADE_ARGS)
export: env
	$(PY) -m dlkit.course export $(GRADE_ARGS)
report: env
	$(PY) -m dlkit.course report $(A) $(GRADE_ARGS)

# What a class gets: dist/student-kit/ and dist/student-kit.zip, without solutions, hidden tests, planted bugs or
# the instructor's tools (tools/student_kit.py checks it before writing the zip).
student-kit: env
	$(PY) tools/student_kit.py

# A real JupyterHub on 127.0.0.1, as root: the shared environment, Unix accounts, the whole term, then everything
# removed (hub/, docs/jupyterhub.md). HUB_ARGS="--serve" keeps the hub up afterwards until Ctrl+C.
hub-demo: env
	$(PY) -m hub.demo $(HUB_ARGS)

# The class hub's shared environment alone (root: /opt/dlkit-hub; idempotent, hub-demo and hub-test run it too).
hub-install: env
	$(PY) -m hub.install

hub-test: env chromium
	$(PY) -m pytest -m hub tests/hub -p no:xdist -q --durations=15

# Run the lecture notebooks afresh and keep only the outputs nbval checks (commit the result).
notebooks: warm
	$(PY) -m dlkit.course refresh notebooks

clean:
	rm -rf $(VENV) .pytest_cache bench-results test-artifacts dist
	find . -name __pycache__ -prune -exec rm -rf {} +
