# The two commands that do all set-up on a fresh machine:
#   make demo   - the offline demo (world -> replay server -> ...)
#   make test   - the whole test suite
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# the web page's front-end libraries: from the npm registry at build time (web/package-lock.json),
# shipped inside the package; the page never loads anything from elsewhere
VENDOR  := src/polyrank/web/static/vendor
ASSETS  := $(VENDOR)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint venv assets browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(ASSETS): web/package.json web/package-lock.json
	cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp web/node_modules/uplot/dist/uPlot.iife.min.js web/node_modules/uplot/dist/uPlot.min.css \
	   $(VENDOR)/
	cp web/node_modules/uplot/LICENSE $(VENDOR)/uPlot.LICENSE
	cp web/node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	   web/node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/
	cp web/node_modules/swagger-ui-dist/LICENSE $(VENDOR)/swagger-ui.LICENSE
	touch $(ASSETS)

venv: $(STAMP) $(ASSETS)

assets: $(ASSETS)

# Debian's chromium for the browser test (never a browser download of Playwright's own)
browser:
	test -x $(CHROMIUM) || (apt-get update -q && \
	  apt-get install -y -q --no-install-recommends chromium)

demo: $(STAMP) $(ASSETS)
	$(BIN)/polyrank-sim demo

test: $(STAMP) $(ASSETS) browser
	$(BIN)/ruff check src tests bench
	# three workers, a test file each at a time (a file's fixtures are built once): on two
	# cores, since many tests wait on subprocesses, servers and retries (with three the whole
	# suite kept the two cores 91% busy)
	$(BIN)/python -m pytest -n 3 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean:
	rm -rf $(VENV) data runtime .pytest_cache web/node_modules $(VENDOR)
