# Two commands on a fresh machine (see README.md):
#   make run   - create .venv from the pinned requirements and run the whole workflow
#   make test  - create .venv, install the system packages the tests need, run the test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)
SLURM_STAMP := .slurm-plugins/.installed-$(shell sha1sum requirements-slurm.lock | cut -c1-12)
CORES ?= 2
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run real-study test env system-deps slurm-plugins cluster report dryrun clean

env: $(STAMP)

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	rm -f $(VENV)/.installed-* && touch $@

# The Slurm executor lives outside .venv (see requirements-slurm.lock) and is put on PYTHONPATH
# only for cluster runs.
slurm-plugins: $(SLURM_STAMP)

$(SLURM_STAMP): requirements-slurm.lock $(STAMP)
	rm -rf .slurm-plugins
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --target .slurm-plugins -r requirements-slurm.lock
	touch $@

cluster: $(STAMP) $(SLURM_STAMP)
	PYTHONPATH=$(CURDIR)/.slurm-plugins snakemake --profile profiles/slurm

# Debian packages the test suite needs, installed only when missing: R with survival, lmtest and
# sandwich (independent engines the results are checked against), a minimal LaTeX (Table 1's .tex
# must compile) and chromium (the report is opened in a real headless browser). Slurm is installed by
# tests/slurm/start_slurm.sh when the Slurm test starts it.
system-deps:
	@missing=""; \
	command -v Rscript >/dev/null 2>&1 && Rscript -e 'quit(status = !all(sapply(c("survival","lmtest","sandwich"), requireNamespace, quietly = TRUE)))' >/dev/null 2>&1 \
	  || missing="r-base-core r-cran-survival r-cran-lmtest r-cran-sandwich"; \
	command -v pdflatex >/dev/null 2>&1 || missing="$$missing texlive-latex-base"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	    || { echo "could not install$$missing; install them with apt-get and rerun" >&2; exit 1; }; \
	fi

# Snakemake's progress counter in the terminal, every job record in results/logs/snakemake/run.log,
# and a closing summary (Table 1, rows read/kept/rejected, where things are) or the one-line error
# of each failed job with its log (scripts/countysurv/console.py).
run: $(STAMP)
	@PYTHONPATH=scripts $(PY) -m countysurv.console -- --cores $(CORES)

# The real study (README "Real counties"): the CSMAR-layout panel in ../shared/data/real/ and the
# 832-county list beside the repository, into results/real_study/ (dated counties) and
# results/real_study/all_counties/; the summary shows the dated run's Table 1.
real-study: $(STAMP)
	@PYTHONPATH=scripts $(PY) -m countysurv.console --results results/real_study \
	  --report "snakemake real_study --report results/real_study/report.html" -- --cores $(CORES) real_study

dryrun: $(STAMP)
	snakemake -n --quiet

report: run
	@snakemake --quiet all --report results/report.html
	@echo "report written: $(CURDIR)/results/report.html"

test: $(STAMP) $(SLURM_STAMP) system-deps
	$(PY) -m pytest

clean:
	rm -rf results/*
