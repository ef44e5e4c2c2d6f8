# adminapp — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install install-dev migrate seed serve lint catalog bench clean worker

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed units
	$(FLASK) seed demo

## make run: install, migrate, load reference units and demo data, serve on 127.0.0.1:5000
run: seed
	@echo "Mở http://$(HOST):$(PORT)/ — tài khoản mẫu: xem README (mật khẩu Demo@2026)"
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: install dev requirements and run the whole suite (SQLite; PostgreSQL too if TEST_DATABASE_URL is set),
## on 2 workers (pytest-xdist: each worker has its own SQLite files, PostgreSQL schema and server ports)
PYTEST_ARGS ?= -n 2
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc

## make worker: the background job worker (exports), needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)
REDIS_URL ?= redis://127.0.0.1:6379/0
worker: install
	REDIS_URL=$(REDIS_URL) $(BIN)/rq worker --url $(REDIS_URL) $${RQ_QUEUE:-adminapp}

## make bench [N="250000 1000000"]: benchmark against bare Flask-Admin on SQLite, then on the PostgreSQL
## at BENCH_DATABASE_URL (default: the local server; skipped with a note when it is not reachable)
N ?= 250000 1000000
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
bench: install-dev
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.run --n $(N)

lint: install-dev
	$(BIN)/ruff check .

catalog: install
	$(BIN)/python adminapp/translations/build_admin_catalog.py

clean:
	rm -rf $(VENV) .pytest_cache
