// Tuning throughput (issue 14, item 5): trials per second of `atim tune` and where a trial's time goes.
// Runs the tuner in this process as `atim tune` does (sim runner, evolutionary search, XGBoost cost model,
// SQLite records in a temporary file, the best candidates re-measured with every DPU simulated) and prints
// the wall time, trials per second and the split over stages (lowering, features, codegen, assembling,
// simulating, verifying, the cost model, the database, sampling), in thread-seconds measured in this one run.
// Wall-clock times vary with the machine's load; the split's shares are what to compare between versions.
//
// usage: bench_tune_throughput [trials=1000] [shape=4096x4096] [threads=0 (all cores)] [batch=64] [seed=1]
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "atim/support/error.h"
#include "atim/support/stage_timer.h"
#include "atim/tune/runner.h"
#include "atim/tune/search.h"
#include "atim/workloads/workload.h"

namespace {

using namespace atim;
namespace fs = std::filesystem;

struct Budget {
    int trials = 1000;
    std::string shape = "4096x4096";
    int threads = 0;
    int batch = 64;
    uint64_t seed = 1;
};

Budget parse_budget(int argc, char **argv) {
    Budget b;
    if (argc > 1) b.trials = std::atoi(argv[1]);
    if (argc > 2) b.shape = argv[2];
    if (argc > 3) b.threads = std::atoi(argv[3]);
    if (argc > 4) b.batch = std::atoi(argv[4]);
    if (argc > 5) b.seed = std::strtoull(argv[5], nullptr, 10);
    if (b.trials <= 0 || b.threads < 0 || b.batch <= 0)
        user_error("usage: bench_tune_throughput [trials>0] [shape MxK] [threads>=0] [batch>0] [seed]");
    return b;
}

/// Removes the temporary records database (and SQLite's side files) when the bench ends.
struct TemporaryDatabase {
    fs::path path = fs::temp_directory_path() / fmt::format("atim-tune-throughput-{}.db", ::getpid());
    ~TemporaryDatabase() {
        std::error_code ec;
        for (const char *suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix, ec);
    }
};

/// The split: seconds, share of the busy thread-seconds and entries per stage, largest first; waiting for
/// worker threads is printed apart (it is not work).
void print_split(const StageTotals &totals, double wall_seconds, int trials, int threads) {
    const size_t wait = static_cast<size_t>(Stage::Wait);
    double busy = 0;
    for (size_t i = 0; i < kStageCount; ++i)
        if (i != wait) busy += totals.seconds[i];
    std::vector<size_t> order;
    for (size_t i = 0; i < kStageCount; ++i)
        if (i != wait) order.push_back(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return totals.seconds[a] > totals.seconds[b]; });
    fmt::print("{:<20} {:>10} {:>7} {:>10} {:>12}\n", "stage", "thread-s", "share", "calls", "ms/trial");
    for (size_t i : order) {
        fmt::print("{:<20} {:>10.2f} {:>6.1f}% {:>10} {:>12.2f}\n", to_string(static_cast<Stage>(i)),
                   totals.seconds[i], busy > 0 ? 100.0 * totals.seconds[i] / busy : 0.0, totals.calls[i],
                   1000.0 * totals.seconds[i] / trials);
    }
    fmt::print("{:<20} {:>10.2f} {:>6.1f}%\n", "busy (sum)", busy, 100.0);
    fmt::print("{:<20} {:>10.2f}          (a thread waiting for the measuring threads)\n", "wait",
               totals.seconds[wait]);
    fmt::print("busy thread-seconds / (wall x {} threads) = {:.0f}%\n", threads,
               100.0 * busy / (wall_seconds * threads));
}

int run(int argc, char **argv) {
    const Budget budget = parse_budget(argc, argv);
    const workloads::Workload workload =
        workloads::make_workload("mtv", workloads::parse_shape("mtv", budget.shape));
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    tune::RunnerOptions runner_options;
    runner_options.machine = machine;
    runner_options.seed = budget.seed;
    runner_options.threads = budget.threads;
    std::unique_ptr<tune::Runner> runner = tune::make_sim_runner(runner_options);
    tune::SearchOptions options;  // `atim tune`'s defaults
    options.trials = budget.trials;
    options.batch = budget.batch;
    options.seed = budget.seed;
    const int threads = budget.threads > 0
                            ? budget.threads
                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    fmt::print(
        "tune throughput: mtv {} int32 on {}, {} trials in batches of {}, population {}, seed {}, {} threads "
        "(override: bench_tune_throughput TRIALS SHAPE THREADS BATCH SEED)\n",
        budget.shape, machine.name, budget.trials, budget.batch, options.population, budget.seed, threads);

    TemporaryDatabase database;
    tune::Database db = tune::Database::open(database.path.string());
    reset_stage_totals();
    const auto start = std::chrono::steady_clock::now();
    tune::TuneResult result = tune::tune(workload, machine, *runner, db, options);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const StageTotals totals = stage_totals();

    fmt::print("{} trials ({} valid, {} pruned, {} failed) in {:.1f} s wall: {:.2f} trials/s\n",
               result.trials, result.valid, result.pruned, result.failed, wall, result.trials / wall);
    if (result.best_full)
        fmt::print("best: {:.4f} ms (search), {:.4f} ms with every DPU simulated\n",
                   result.best->result.total_ms, result.best_full->total_ms);
    print_split(totals, wall, std::max(1, result.trials), threads);
    fmt::print(
        "note: wall-clock figures are this machine's and vary with its load; the split is measured in this "
        "run (the final full re-measurement of the best programs included)\n");
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    try {
        return run(argc, argv);
    } catch (const atim::UserError &e) {
        fmt::print(stderr, "bench_tune_throughput: {}\n", e.what());
        return 2;
    }
}
