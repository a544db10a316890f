# Quick start:  make demo   (install, then simulate MLPerf Tiny VWW on an Ethos-U55 system)
#               make test   (install, then run the test suite, pyright and ruff)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test typecheck test-kernels-nojit bench-jitter clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/edgesim run mlperf-vww --hw ethos-u55-128 --out results/demo

test: $(STAMP)
	$(BIN)/python -m pytest
	if ls tests/kernels/test_*.py >/dev/null 2>&1; then \
	  NUMBA_DISABLE_JIT=1 $(BIN)/python -m pytest tests/kernels -q -p no:cacheprovider; fi
	$(MAKE) --no-print-directory typecheck

# pyright on sim/ as [tool.pyright] in pyproject says (standard, strict where listed); ruff for
# undefined names, unused imports and syntax errors everywhere
typecheck: $(STAMP)
	$(BIN)/pyright --pythonpath $(BIN)/python
	$(BIN)/ruff check --select F,E9 sim tests validation scripts workloads

bench-jitter: $(STAMP)
	$(BIN)/python scripts/bench_jitter.py

clean:
	rm -rf $(VENV) results .pytest_cache

# MCU model validation (writes validation/mlperf_tiny/REPORT.md and validation/tflm_arena/REPORT.md)
validate-mcu: $(STAMP)
	$(BIN)/python validation/mlperf_tiny/calibrate.py
	$(BIN)/python validation/mlperf_tiny/holdout.py
	bash validation/tflm_arena/setup.sh
	$(BIN)/python validation/tflm_arena/check_arena.py

# SCALE-Sim compat validation (writes validation/scalesim/report.md, report.csv) and speed ratio
validate-scalesim: $(STAMP)
	bash validation/scalesim/setup.sh
	$(BIN)/python validation/scalesim/run_grid.py

bench-scalesim: $(STAMP)
	bash validation/scalesim/setup.sh
	$(BIN)/python scripts/bench_scalesim.py

# Cross-check against Arm Vela (writes validation/vela/REPORT.md and WEIGHTS.md)
validate-vela: $(STAMP)
	bash validation/vela/setup.sh
	$(BIN)/python validation/vela/run_vela.py
	$(BIN)/python validation/vela/weight_encoding.py
