# SPDX-License-Identifier: MIT
# make bench: libaccel against ONNX Runtime ("Benchmarks" in README.md).
.PHONY: bench
bench: $(TOOLS)
	@O=$(O) CC="$(CC)" PYTHON="$(PYTHON)" MAKE="$(MAKE)" bench/run.sh $(O)
