# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
export DAGSTER_HOME ?= $(CURDIR)/.dagster
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
# Where the pipeline reads and writes (absolute paths; see orchestration/resources.py): the
# project's folders unless the environment names others.
export IMPACT_RAW_DIR ?= $(CURDIR)/raw
export IMPACT_WAREHOUSE ?= $(CURDIR)/warehouse/impact.duckdb
export IMPACT_REPORTS_DIR ?= $(CURDIR)/reports/output

.PHONY: install manifest run report test test-fast ui lint samples bench clean
.PHONY: team-db team-db-stop team-webserver team-daemon

install: $(INSTALLED)

# The virtualenv, with exactly the versions of requirements.lock.
$(INSTALLED): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is needed: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# dagster-dbt reads the dbt manifest when the definitions load: parse once here, not at import.
manifest: $(INSTALLED)
	cd dbt_project && ../$(BIN)/dbt parse --quiet

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp $< $@

run: manifest $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m orchestration.run_all

# One report rendered by hand from the current export (`make run` first) into reports/output:
# `make report REGION=84`, or `make report REGION=national`. Quarto if QUARTO_PATH or the PATH
# names it, the built-in engine otherwise.
REGION ?= national
report: $(INSTALLED)
	$(BIN)/python -m orchestration.publication.by_hand $(REGION)

# The whole suite (markers unit, e2e, ui: see tests/conftest.py), with its 25 slowest steps, on
# TEST_WORKERS processes (pytest-xdist). Each test module runs whole on one worker (its module
# fixtures run once), the longest tiers first; the workers share one full pipeline run. Three
# on two cores: the two UI modules mostly wait for Dagster's daemon and the runs it launches,
# and the third worker keeps the cores busy meanwhile.
TEST_WORKERS ?= 3
test: manifest
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

# The unit tier only (no Dagster run, no dbt build): under a minute. The manifest is parsed
# again only if a file of dbt_project/ changed since (collecting the tests loads the definitions).
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -path dbt_project/logs \
	-prune -o -path dbt_project/dbt_packages -prune -o -type f -print 2>/dev/null)
$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet
	touch $@

test-fast: $(MANIFEST)
	$(BIN)/python -m pytest -m unit --durations=10

# `make ui UI_PORT=3005` if 3000 is taken. The schedule's cron: IMPACT_REFRESH_CRON (README).
# While the UI runs, the reports folder is served on REPORTS_PORT: the UI does not open file://
# links, so the runs of `make ui` and `make run` link the reports and the quality report there.
UI_PORT ?= 3000
REPORTS_PORT ?= 3002
run ui: export IMPACT_REPORTS_URL ?= http://127.0.0.1:$(REPORTS_PORT)
ui: manifest $(DAGSTER_HOME)/dagster.yaml
	mkdir -p "$(IMPACT_REPORTS_DIR)"
	$(BIN)/python -m http.server $(REPORTS_PORT) --bind 127.0.0.1 \
		--directory "$(IMPACT_REPORTS_DIR)" >/dev/null 2>&1 & server=$$!; \
	trap 'kill $$server 2>/dev/null' EXIT INT TERM; \
	$(BIN)/dagster dev -m orchestration.definitions --host 127.0.0.1 --port $(UI_PORT)

# The team deployment (deployment/team/README.md): the same code location on a Dagster instance
# stored in PostgreSQL, the webserver and the daemon as two processes (two terminals, or two
# machines). The DAGSTER_PG_* variables name the database; `make team-db` starts a local one
# (Debian's PostgreSQL) with these defaults. Set your own password for anything but a trial.
TEAM_DAGSTER_HOME ?= $(CURDIR)/.team/dagster_home
TEAM_DB_DIR ?= $(CURDIR)/.team/postgres
TEAM_WORKSPACE := deployment/team/workspace.yaml
TEAM_HOST ?= 127.0.0.1
TEAM_PORT ?= 3001
export DAGSTER_PG_HOST ?= 127.0.0.1
export DAGSTER_PG_PORT ?= 5433
export DAGSTER_PG_DB ?= dagster
export DAGSTER_PG_USERNAME ?= dagster
export DAGSTER_PG_PASSWORD ?= impact-local

team-db:
	deployment/team/postgres.sh start $(TEAM_DB_DIR)

team-db-stop:
	deployment/team/postgres.sh stop $(TEAM_DB_DIR)

$(TEAM_DAGSTER_HOME)/dagster.yaml: deployment/team/dagster.yaml
	mkdir -p $(TEAM_DAGSTER_HOME)
	cp $< $@

team-webserver: manifest $(TEAM_DAGSTER_HOME)/dagster.yaml
	DAGSTER_HOME=$(TEAM_DAGSTER_HOME) $(BIN)/dagster-webserver -w $(TEAM_WORKSPACE) \
		--host $(TEAM_HOST) --port $(TEAM_PORT)

team-daemon: manifest $(TEAM_DAGSTER_HOME)/dagster.yaml
	DAGSTER_HOME=$(TEAM_DAGSTER_HOME) $(BIN)/dagster-daemon run -w $(TEAM_WORKSPACE)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Regenerate the synthetic sample deliveries shipped in raw/ (deterministic, seeded).
samples: $(INSTALLED)
	$(BIN)/python -m synthetic raw

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs reports/output .dagster

# Wall time per step and stage and peak memory of a full refresh on the sample data, of the
# update after one case changed, and of full refreshes with ×10 and ×100 survey respondents
# (figures, not a test; docs/benchmarks.md keeps them). `make bench BENCH_SCALES=1` for the
# sample data only.
BENCH_SCALES ?= 1 10 100
bench: manifest
	for scale in $(BENCH_SCALES); do $(BIN)/python -m bench.pipeline --scale $$scale || exit 1; done
