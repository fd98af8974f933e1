# Kompetanseportalen. Quick start: `make run` (portal with demo data) and `make test` (whole suite).
SHELL := /bin/bash
# The distribution's Python 3.11 where there is one: Debian builds its interpreter with
# profile-guided and link-time optimisation, linked statically; a Python built from source without
# them (pyenv's default) spent 10-18 % more CPU on each page (docs/performance.md, part 26).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3.11)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
PROD_ENV := SECRET_KEY=check-deploy-$$RANDOM-kompetanseportalen-not-a-real-secret-0123456789abcdef \
	ALLOWED_HOSTS=kompetanse.example.no REDIS_URL=redis://127.0.0.1:6379/0 \
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/kompetanseportalen

# Benchmarks run the production settings on loopback, against a database and a Redis database of
# their own (never the tests' or anyone's data), with the trivial benchmark view switched on.
BENCH_ENV := DJANGO_SETTINGS_MODULE=portal.settings.production \
	SECRET_KEY=benchmark-only-kompetanseportalen-not-a-real-secret-0123456789abcdef \
	ALLOWED_HOSTS=127.0.0.1,localhost SECURE_HTTPS=false PORTAL_ALLOW_DEMO=true \
	PORTAL_BENCHMARK_VIEWS=true MEDIA_ROOT=$(CURDIR)/.benchmark-media \
	DATABASE_URL=$${LOADTEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kompetanseportalen_loadtest} \
	REDIS_URL=$${LOADTEST_REDIS_URL:-redis://127.0.0.1:6379/7}

.PHONY: run test setup bytecode lint format check-deploy migrations messages messages-extract benchmark api-schema \
	loadtest loadtest-rush benchmark-exports benchmark-results clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# The installed packages are compiled to bytecode once, at setup: where the environment sets
# PYTHONDONTWRITEBYTECODE (as this machine does), every process would otherwise compile Django and
# each library again when it starts (~4 s of CPU per test worker, manage.py command and gunicorn
# worker on a 2-core machine; docs/performance.md, part 23).
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --compile-bytecode --python $(PYTHON)
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

setup: $(VENV)/.synced node_modules/.package-lock.json

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-deploy: setup
	$(PROD_ENV) DJANGO_SETTINGS_MODULE=portal.settings.production \
		$(PY) manage.py check --deploy --fail-level WARNING

# The API's OpenAPI description, committed as api/openapi.yaml (a test checks it is current). The
# field ranges come from the database: generate it with PostgreSQL's, as in production.
api-schema: setup
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py spectacular --lang en \
		--file api/openapi.yaml --validate --fail-on-warn

migrations: setup
	$(PY) manage.py makemigrations --check --dry-run

# The portal's own modules compiled to bytecode, as the packages are at setup (see above): for the
# manage.py commands and the test processes that follow.
bytecode: setup
	$(PY) -m compileall -q -j 0 manage.py conftest.py portal surveys courses modelbibliotek hospitering api

# pytest runs in PYTEST_WORKERS processes (pytest-xdist), each with a test database of its own:
# three on two cores, since every test also waits for PostgreSQL, Redis or a browser; a process
# that runs out of tests takes some from another (worksteal), so none idles at the end.
PYTEST_WORKERS ?= 3

test: setup bytecode lint migrations check-deploy messages-extract
	$(PY) -m playwright --version >/dev/null
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Source strings are English; locale/ holds Bokmål, Nynorsk and English. `make test` extracts the strings
# again, so a new string without a translation fails tests/test_translations.py.
messages-extract: setup
	$(PY) manage.py makemessages -l nb -l nn -l en --no-location --no-obsolete \
		--ignore=node_modules --ignore=staticfiles --ignore=test-artifacts

messages: messages-extract
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools --ignore=node_modules

benchmark: setup
	$(PY) manage.py benchmark_surveys

# The regional programme under load (locust against gunicorn); figures per page. LOADTEST_ARGS:
# e.g. "--users 32 --seconds 120". See docs/performance.md.
loadtest: setup
	$(BENCH_ENV) $(PY) manage.py loadtest $(LOADTEST_ARGS)

# 500 registrations for 20 seats and 500 survey submissions at once, over HTTP; fails on a broken rule.
loadtest-rush: setup
	$(BENCH_ENV) $(PY) manage.py loadtest_rush

# The results overview and the dashboard beside the trivial view, in-process (after `generate_region`
# with the same settings, e.g. by `make loadtest`).
benchmark-results: setup
	$(BENCH_ENV) $(PY) manage.py benchmark_results

# Peak memory of the raw exports (CSV, XLSX) at 5,000 and 10,000 responses of 40 questions.
benchmark-exports: setup
	$(BENCH_ENV) $(PY) manage.py benchmark_exports

clean:
	rm -rf $(VENV) .tools node_modules staticfiles db.sqlite3 .test-media .benchmark-media
