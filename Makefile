# Long-form reliability runs; CI (scripts/test.sh) runs their short forms.
#   make fuzz     every libFuzzer target for FUZZ_SECONDS (60) each
#   make stress   crash.test.js with STRESS_CYCLES SIGKILLs (100) and
#                 races.test.js with STRESS_OPS operations per account (2000),
#                 against NUMBERD_BIN (build/numberd)
FUZZ_SECONDS ?= 60
STRESS_CYCLES ?= 100
STRESS_OPS ?= 2000
NUMBERD_BIN ?= $(CURDIR)/build/numberd

.PHONY: fuzz stress

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

stress:
	bash scripts/build.sh RelWithDebInfo
	cd tests/api && NUMBERD_BIN=$(NUMBERD_BIN) CRASH_CYCLES=$(STRESS_CYCLES) RACE_OPS=$(STRESS_OPS) \
	  node --test crash.test.js races.test.js
