# Neurolab: every target sets up its own environment first (.venv, CPU torch, the package).
PY      := .venv/bin/python
STAMP   := .venv/.installed
# Corpora: the library decides, the same way for make, the CLI and Python: $NEUROLAB_DATA if set,
# else this checkout's data/ (neurolab.core.data_dir). Nothing here picks a folder of its own.

.PHONY: setup demo test docs readme results results-check figures bench clean

setup: $(STAMP)

# torch is pinned here, not in setup.py: 2.13.0 takes the local CPU wheel, and Colab brings its own torch.
# setuptools prints a UserWarning banner on every editable install of a flat layout (a notice, not a fault): the
# package install hides UserWarnings so a first `make demo` shows only its own output; deprecations still show.
$(STAMP): setup.py settings.ini
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	PYTHONWARNINGS=ignore::UserWarning $(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)          ## the main job: everything end to end on local defaults
	.venv/bin/neurolab demo --out results/demo

test: $(STAMP)          ## sync check + notebooks + pytest, ending with "N passed, N failed"
	$(PY) scripts/run_tests.py

docs: $(STAMP)          ## offline HTML docs under _docs/
	$(PY) scripts/build_docs.py

readme: $(STAMP)        ## README.md from nbs/index.ipynb
	$(PY) scripts/make_readme.py

results: $(STAMP)       ## rerun the studies that write results/*.json (long)
	$(PY) scripts/run_studies.py

results-check: $(STAMP) ## rerun a cheap slice of each study against the committed results (minutes)
	$(PY) scripts/results_check.py

figures: $(STAMP)       ## redraw results/figures/viz_* by running nbs/52_viz_study.ipynb in a real kernel; keep its outputs, slimmed
	$(PY) -m jupyter nbconvert --to notebook --execute --inplace nbs/52_viz_study.ipynb --ExecutePreprocessor.timeout=3600
	$(PY) scripts/slim_outputs.py nbs/52_viz_study.ipynb
	.venv/bin/nbdev_clean --fname nbs/52_viz_study.ipynb

bench: $(STAMP)         ## speed ratios measured in one run
	for b in bench/[!_]*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf _docs .venv
