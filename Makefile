# Two commands for a new machine with Python 3.11+ and make:  make run  /  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV := DJANGO_DEBUG=1
PORT ?= 8000

.PHONY: run serve test bench bench-hl7 hl7-listen load backup lint format check clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## run: the app with demo data on SQLite at http://127.0.0.1:8000 (another port: make run PORT=8001)
run: $(VENV)/.runtime
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py seed_demo
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## serve: production mode (needs DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS; see README, Deploying)
serve: $(VENV)/.runtime
	DJANGO_DEBUG=0 $(BIN)/python manage.py check --deploy --fail-level WARNING
	# Migrations as the tables' owner when TRACKER_MIGRATE_DATABASE_URL names it (README: database privileges).
	DATABASE_URL=$${TRACKER_MIGRATE_DATABASE_URL:-$$DATABASE_URL} DJANGO_DEBUG=0 $(BIN)/python manage.py migrate --noinput
	if [ -n "$$TRACKER_MIGRATE_DATABASE_URL" ]; then psql "$$TRACKER_MIGRATE_DATABASE_URL" -v ON_ERROR_STOP=1 -q -f deploy/postgres-grants.sql; fi
	DJANGO_DEBUG=0 $(BIN)/python manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=0 $(BIN)/gunicorn tracker.wsgi -c tracker/gunicorn.py

## backup: a consistent copy of the database into backups/ (safe while the app runs)
backup: $(VENV)/.runtime
	$(BIN)/python manage.py backup

## test: the whole suite (SQLite unless DATABASE_URL says otherwise)
test: $(VENV)/.dev
	$(BIN)/python -m pytest

## bench: board throughput and latency against a baseline, with gunicorn and wrk (needs: apt-get install wrk)
bench: $(VENV)/.dev
	$(BIN)/python bench/run.py

## bench-hl7: HL7 bookings per second and ACK latency over MLLP, SQLite and the local PostgreSQL
bench-hl7: $(VENV)/.dev
	$(BIN)/python bench/hl7_bookings.py

## hl7-listen: receive the hospital's bookings (HL7 v2 over MLLP) on 127.0.0.1:2575, beside `make run`
hl7-listen: $(VENV)/.runtime
	$(DEV) $(BIN)/python manage.py hl7_listen --host 127.0.0.1 --port 2575

## load: 50 nurses and 40 boards for 5 minutes against two gunicorns on PostgreSQL, a worker killed midway
load: $(VENV)/.dev
	$(BIN)/pip install --quiet -r bench/requirements.txt
	$(BIN)/python bench/load.py

## check: lint, formatting, types and migrations, as CI runs them
check: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
