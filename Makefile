# The two commands: `make run` (set up, build, run the main job on the simulator) and
# `make test` (set up, build, pass the tests). `make bench` prints the benchmarks and fidelity reports.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
ATIM := $(BUILD)/tools/atim/atim

.PHONY: all deps configure build build-tool build-asan run test test-fast bench format check-format clean

all: build

deps:
	@scripts/install_deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DATIM_WERROR=ON >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Only the command-line tool: what `make run` needs (not the test and bench targets).
build-tool: configure
	@cmake --build $(BUILD) -j $(JOBS) --target atim

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DATIM_SANITIZE=ON -DATIM_WERROR=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The main job: tune MTV 8192x8192 on the built-in cycle-level simulator of a 2048-DPU UPMEM machine
# (evolutionary search with ATiM's balanced sampling and adaptive epsilon, seeded with PrIM+Search's grid and
# rc-tile's K splits, 64 trials: 3 minutes measured with the default threads while an ASan build ran beside it), verify the best with every DPU simulated and compare it with PrIM's schedule. The best trace, its
# C and assembly, report.json and the records database go to $(BUILD)/tune-mtv-8192x8192; --resume makes a
# second `make run` reuse the recorded trials.
run: build-tool
	$(ATIM) tune mtv --shape 8192x8192 --trials 64 --batch 16 --population 64 --resume -o $(BUILD)/tune-mtv-8192x8192

check-format: deps
	@scripts/check_format.sh

# Release build runs every label; the sanitizer build runs the unit tests.
test: check-format build build-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|integration|slow'
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|integration'

# Every bench/ executable but the search ablation and the tuning cost with their defaults; the tuning cost
# (bench_tuning_cost: best-so-far against trials and wall time, 10 runs of 1000 trials, ~25 minutes on 2 idle
# cores, curves in $(BUILD)/tuning-cost) runs with its records kept there; the ablation (bench_search_ablation: six
# search variants x space, issue 14; its defaults are the full experiment, hours of CPU, and resume from
# the records under --out) runs here as a slice, 1 seed and 32 trials of mtv 4096x4096 and red 8M, whose
# runs are the first 32 trials of the full experiment's (its table is pending; see README);
# then ATiM's evaluation: `atim bench --suite atim` on the 4 MB column (prim, PrIM+Search's 72-point grid and a
# 32-trial tuner per entry; 2.6 minutes with --threads 1 on 2 cores shared at load average 6.5-7.6, measured
# 2026-12-06 on h-suite; the 2-D expert+Search baseline added since), table on stdout, CSV in
# $(BUILD)/bench-suite-atim.csv, the speedup figure in $(BUILD)/plots (gnuplot).
# `$(ATIM) bench --suite atim` alone runs the 4 MB and 64 MB columns and GPT-J 6B's layers; --full every column.
bench: build
	@for b in $(BUILD)/bench/bench_*; do \
		case "$$b" in */bench_search_ablation|*/bench_tuning_cost) continue;; esac; \
		echo "== $$b"; $$b || exit 1; done
	@echo "== bench_tuning_cost (mtv 4096x4096 and mmtv 64x256x256, 1000 trials x 5 seeds; resumes from its records)"
	$(BUILD)/bench/bench_tuning_cost 1000 5 $(BUILD)/tuning-cost
	@echo "== bench_search_ablation (slice)"
	$(BUILD)/bench/bench_search_ablation --out $(BUILD)/search-ablation --workloads mtv:4096x4096@512,red:8388608@128 \
		--seeds 1 --budgets 32 --stop-at 32
	@echo "== atim bench --suite atim"
	$(ATIM) bench --suite atim --only 4MB --trials 32 --csv $(BUILD)/bench-suite-atim.csv --plot $(BUILD)/plots

format:
	@git ls-files '*.h' '*.cpp' '*.c' | xargs -r clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
