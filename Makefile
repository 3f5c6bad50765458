# The two commands a new user needs:  make run   and   make test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install setup run test serve bench lint clean analyzer-model ralph messages translations

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# The interface catalogues: compiled (.mo) from the committed .po files, never committed themselves.
CATALOGUES := $(wildcard lms/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

install: $(STAMP) $(COMPILED)

%/LC_MESSAGES/messages.mo: %/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -d lms/translations -D messages -l $(notdir $*)

translations: $(COMPILED)

# Extract every string a person can see into messages.pot, then merge it into each catalogue
# (tests/test_i18n_catalogue.py fails while any message lacks its translation).
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2 -k pgettext:1c,2 \
		--no-location --sort-output --omit-header -o lms/translations/messages.pot .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations -D messages --no-fuzzy-matching --ignore-obsolete

# Migrate the database, sync the shipped courses, load the demo data once (idempotent).
setup: install
	$(BIN)/flask --app lms setup

run: setup
	@echo ""
	@echo "  PeerCert is running at http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	@echo ""
	$(BIN)/flask --app lms run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Production-style serving: gunicorn with gunicorn.conf.py (see README, Production).
serve: setup
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py "lms:create_app()"

# Seeds small and large data sets, measures, prints each figure beside its baseline (bench/results/).
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# Retrain the reply analyzer's shipped weights from the AnnoMI development CSV (see docs/analyzer.md).
analyzer-model: install
	@test -n "$(ANNOMI)" || { echo "usage: make analyzer-model ANNOMI=path/to/annomi-dev.csv"; exit 2; }
	$(BIN)/python tools/train_analyzer.py $(ANNOMI)
	$(BIN)/python tools/train_main_behaviour.py $(ANNOMI)

# The learning record store the xAPI tests send to (Ralph, tests/lrs_server.py), in a virtual environment of
# its own: its pins clash with ours. The tests build it when missing; this builds it ahead of them.
RALPH_VENV := .venv-ralph
RALPH_REQUIREMENTS := "ralph-malph[cli,lrs]==5.1.*" requests

$(RALPH_VENV)/.installed:
	@test -x $(RALPH_VENV)/bin/python || $(PYTHON) -m venv $(RALPH_VENV)
	$(RALPH_VENV)/bin/python -m pip install --quiet $(RALPH_REQUIREMENTS)
	@touch $@

ralph: $(RALPH_VENV)/.installed

lint: install
	$(BIN)/ruff check lms tests

clean:
	rm -rf $(VENV) $(RALPH_VENV) .pytest_cache
