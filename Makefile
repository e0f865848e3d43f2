# Two commands: `make lab` (open the lecture) and `make test` (run every test).
# Both create .venv when missing or stale and install the pinned dependencies.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The student edition of the notebooks (`make student`). A going-further notebook has no exercise:
# its student edition is the instructor notebook itself (tests/check/test_student.py).
STUDENT   := build/student
STUDENT_CORE = $$(ls $(STUDENT)/[0-9][0-9]_*.ipynb | grep -v _further_)
FURTHER      = $$(ls notebooks/[0-9][0-9]_further_*.ipynb)
CORE         = $$(ls notebooks/[0-9][0-9]_*.ipynb | grep -v _further_)
# nbcheck (tests/nbcheck): nbval's notebook runs, outputs compared by how stable they are.
PYTEST_NB := --nbcheck --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg --nbval-cell-timeout=900
# `make test-cpu`: another CPU, emulated. A oneDNN code path other than this CPU's default (float
# rounding differs by instruction set, as it does between machines: AVX2 where the CPU has
# AVX-512, else SSE41), and every gradient ascent perturbed at its start (a relative 1e-5) and
# run from another seed (lecture_helpers/perturbation.py): CPUs that no maintainer has.
ISA ?= $(shell grep -qs avx512 /proc/cpuinfo && echo AVX2 || echo SSE41)
PERTURB ?= 1e-5
SEED_SHIFT ?= 1
OTHER_CPU := ONEDNN_MAX_CPU_ISA=$(ISA) LECTURE_HELPERS_PERTURB=$(PERTURB) \
	LECTURE_HELPERS_SEED_SHIFT=$(SEED_SHIFT)
# `make quick`: the unit tests that need no notebook run, browser, hub, long gradient ascent,
# many full-size model runs or teaching claim (tests/conftest.py assigns the markers).
QUICK := -m "not (notebook or browser or hub or slow or heavy or claim)"

.PHONY: setup lab test test-cpu quick unit notebooks student course bench lint slides html \
	web-assets clean hub-proxy bench-hub

setup: $(STAMP)
	@$(BIN)/python -m lecture_helpers.prepare

# Reinstall when pyproject.toml changes or the venv's interpreter no longer runs.
$(STAMP): pyproject.toml
	@if ! $(BIN)/python -c "import sys" >/dev/null 2>&1; then \
	  echo "creating $(VENV)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps catsordogs==0.0.9
	@touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab notebooks/

test: setup web-assets
	$(BIN)/python -m pytest tests notebooks $(PYTEST_NB)

# The notebooks and the teaching claims again, as another CPU would run them (CI runs it after
# `test`). The core notebooks run here in their student edition: its cells are the instructor
# notebook's, each exercise a stub whose check hands back the reference solution, so the two runs
# together execute both editions once (tests/check/test_student.py checks the solutions themselves).
test-cpu: setup student
	$(OTHER_CPU) $(BIN)/python -m pytest $(STUDENT_CORE) $(FURTHER) $(PYTEST_NB)
	$(OTHER_CPU) $(BIN)/python -m pytest tests/product/test_claims.py -m "not slow"

# The fast loop while writing code: under 2 minutes on 2 cores. `make test` is the full suite.
quick: setup
	$(BIN)/python -m pytest tests $(QUICK)

unit: setup web-assets
	$(BIN)/python -m pytest tests

notebooks: setup student
	$(BIN)/python -m pytest notebooks $(STUDENT_CORE) $(PYTEST_NB)

# The student edition: every exercise's solution replaced by a stub that names its slide, into
# build/student/ (lecture_helpers/check/student.py; needs no nbgrader). `make test-cpu` runs them.
student: setup
	$(BIN)/python -m lecture_helpers.check.student --out $(STUDENT) notebooks/[0-9][0-9]_*.ipynb

# The graded course (README "Running it as a graded assignment"): each core notebook becomes the
# nbgrader assignment of its name in course/source/, then its release (the student edition,
# figures kept: lecture_helpers/check/release.py). course/nbgrader runs nbgrader with the venv.
course: setup
	@for notebook in $(CORE); do \
	  assignment=$$(basename $$notebook .ipynb); mkdir -p course/source/$$assignment; \
	  cp $$notebook course/source/$$assignment/ || exit 1; \
	  course/nbgrader generate_assignment $$assignment --force || exit 1; done

bench: setup
	$(BIN)/python -m benchmarks

# The class JupyterHub (hub/, README "Teaching a class"). Its proxy, configurable-http-proxy,
# comes from the npm registry at the version hub/package-lock.json pins, into hub/node_modules.
HUB_PROXY := hub/node_modules/.bin/configurable-http-proxy

hub-proxy: $(HUB_PROXY)

$(HUB_PROXY): hub/package.json hub/package-lock.json
	npm ci --prefix hub --no-audit --no-fund
	@touch $@

# The hub's load test (N = 1, 2, 4, 8 students running notebooks 1 and 3) and its fault
# scenarios, on 127.0.0.1, stopping by itself within 10 minutes: build/bench-hub.json. As root
# (the cgroup spawner enforces the per-student limits); not part of `make test`.
bench-hub: setup hub-proxy
	$(BIN)/python -m benchmarks.hub_load --faults

lint: setup
	$(BIN)/ruff check conftest.py lecture_helpers tests benchmarks scripts hub course

# The files the exports load (reveal.js, require.js, jQuery, MathJax 2.7.7 and html-manager
# 1.0.15, which renders ipywidgets 8's saved state), as relative URLs: `make slides` and
# `make html` copy the pinned npm files (scripts/web_assets.py) next to what they write, into
# <dir>/web-assets/, so a deck or page works offline and from any web server, with no CDN.
ASSETS := web-assets
MATHJAX_URL := $(ASSETS)/mathjax@2.7.7/MathJax.js?config=TeX-AMS_CHTML-full,Safe
REQUIRE_URL := $(ASSETS)/requirejs@2.1.10/require.js
WIDGETS_URL := $(ASSETS)/@jupyter-widgets+html-manager@1.0.15/dist/embed-amd.js
OFFLINE_OPTIONS = --HTMLExporter.mathjax_url='$(MATHJAX_URL)' \
	--HTMLExporter.require_js_url=$(REQUIRE_URL) --HTMLExporter.widget_renderer_url=$(WIDGETS_URL)

# One reveal.js deck per notebook, from the committed outputs, into build/slides/. Slides are
# 1280x800 and scroll when taller (a widget under its code cell); scrolling calls jQuery. The
# theme is reveal's "white", whose fonts come with it (the default, "simple", loads Google
# fonts). No input prompts and Pygments' code colours, as `make html` (contrast), and the
# template nbconvert/lecture_slides/ (alt text, underlined links, headings in their own case):
# tests/product/test_accessibility.py audits them, tests/product/test_deck_widgets.py opens them
# offline.
SLIDES_OPTIONS := --SlidesExporter.reveal_width=1280 --SlidesExporter.reveal_height=800 \
	--no-prompt --CSSHTMLHeaderPreprocessor.style=default \
	--SlidesExporter.reveal_scroll=True --SlidesExporter.reveal_theme=white \
	--SlidesExporter.reveal_url_prefix=$(ASSETS)/reveal.js@4.0.2 \
	--SlidesExporter.jquery_url=$(ASSETS)/jquery@2.2.4/dist/jquery.min.js \
	$(OFFLINE_OPTIONS) \
	--TemplateExporter.extra_template_basedirs=nbconvert --template=lecture_slides

slides: setup web-assets
	$(BIN)/jupyter nbconvert --to slides $(SLIDES_OPTIONS) --output-dir build/slides \
	  notebooks/[0-9][0-9]_*.ipynb
	$(BIN)/python scripts/web_assets.py --publish build/slides
	@echo "open build/slides/<notebook>.slides.html in a browser; publish build/slides/ whole"

# Each notebook as one HTML page, into build/html/ (a course site). No input prompts, and
# Pygments' own code colours: the default export's prompts (2.2:1) and JupyterLab's code colours
# (4.2-4.4:1) fall below WCAG AA's 4.5:1 contrast. The template nbconvert/lecture/ underlines links.
# tests/product/test_accessibility.py audits these pages.
HTML_OPTIONS := --no-prompt --CSSHTMLHeaderPreprocessor.style=default $(OFFLINE_OPTIONS) \
	--TemplateExporter.extra_template_basedirs=nbconvert --template=lecture

html: setup web-assets
	$(BIN)/jupyter nbconvert --to html $(HTML_OPTIONS) --output-dir build/html \
	  notebooks/[0-9][0-9]_*.ipynb
	$(BIN)/python scripts/web_assets.py --publish build/html

# The pinned npm files (sha256-checked) the exports load and the accessibility audit injects,
# into build/web-assets/. Needs the npm registry once.
web-assets: $(STAMP)
	$(BIN)/python scripts/web_assets.py

clean:
	rm -rf build .pytest_cache
