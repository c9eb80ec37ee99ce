// The search ablation ATiM's reviewers asked for (issue 5, atim-method.md §6.3): best total time versus
// trials on mtv for five searches run in this one process with the same seed, runner and inputs: random
// search, the evolutionary search without its seeds (PrIM+Search's grid, rc-tile's K splits), without
// balanced sampling, without adaptive epsilon, and with all of them (full: ATiM plus our seeds). Times are
// the search's own measurements in the sim runner's fast mode (its note is printed); nothing is re-measured
// at the end.
//
// usage: bench_search_ablation [trials=16] [batch=8] [shape=8192x8192] [seed=1] [population=64]
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atim/support/error.h"
#include "atim/tune/runner.h"
#include "atim/tune/search.h"
#include "atim/workloads/workload.h"

namespace {

using namespace atim;
namespace fs = std::filesystem;

struct Variant {
    std::string name;
    tune::SearchStrategy strategy;
    bool balanced_sampling, adaptive_epsilon;
    bool seeds = true;  ///< PrIM+Search's grid and rc-tile's K splits as seeds (evolutionary only)
};

const std::vector<Variant> &variants() {
    static const std::vector<Variant> all = {
        {"random", tune::SearchStrategy::Random, false, false},
        {"no-seeds", tune::SearchStrategy::Evolutionary, true, true, false},
        {"no-balanced", tune::SearchStrategy::Evolutionary, false, true},
        {"no-adaptive-eps", tune::SearchStrategy::Evolutionary, true, false},
        {"full", tune::SearchStrategy::Evolutionary, true, true},
    };
    return all;
}

struct Budget {
    int trials = 16;
    int batch = 8;
    std::string shape = "8192x8192";
    uint64_t seed = 1;
    int population = 64;
};

Budget parse_budget(int argc, char **argv) {
    Budget b;
    if (argc > 1) b.trials = std::atoi(argv[1]);
    if (argc > 2) b.batch = std::atoi(argv[2]);
    if (argc > 3) b.shape = argv[3];
    if (argc > 4) b.seed = std::strtoull(argv[4], nullptr, 10);
    if (argc > 5) b.population = std::atoi(argv[5]);
    if (b.trials <= 0 || b.batch <= 0 || b.population <= 0)
        user_error("usage: bench_search_ablation [trials>0] [batch>0] [shape MxK] [seed] [population>0]");
    return b;
}

/// Best total time after each batch (trials done -> best so far).
struct Curve {
    std::map<int, std::optional<double>> best_after;
    int valid = 0, failed = 0;
    std::map<std::string, int> failures;  ///< status -> count
    std::string note;                     ///< the runner's note of the best measurement
    double seconds = 0;
};

Curve run_variant(const Variant &variant, const workloads::Workload &workload,
                  const target::UpmemMachine &machine, tune::Runner &runner, const Budget &budget,
                  const std::string &db_path) {
    tune::SearchOptions options;
    options.strategy = variant.strategy;
    options.balanced_sampling = variant.balanced_sampling;
    options.adaptive_epsilon = variant.adaptive_epsilon;
    options.prim_seeds = variant.seeds;
    options.trials = budget.trials;
    options.batch = budget.batch;
    options.population = budget.population;
    options.seed = budget.seed;
    options.verify_top = 0;  // the curve is the search's own measurements
    tune::Database db = tune::Database::open(db_path);
    Curve curve;
    const auto start = std::chrono::steady_clock::now();
    tune::TuneResult result =
        tune::tune(workload, machine, runner, db, options, [&](const tune::TuneProgress &p) {
            curve.best_after[p.trials_done] = p.best_total_ms;
            fmt::print(stderr, "  {}: {}/{} trials, best {}\n", variant.name, p.trials_done, p.trials_total,
                       p.best_total_ms ? fmt::format("{:.4f} ms", *p.best_total_ms) : "-");
        });
    curve.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    curve.valid = result.valid;
    curve.failed = result.failed;
    std::optional<double> best;
    for (const tune::TuningRecord &record : db.run_records(result.run)) {
        const tune::MeasureResult &r = record.result;
        if (!r.ok()) {
            ++curve.failures[tune::to_string(r.status)];
            continue;
        }
        if (best && r.total_ms >= *best) continue;
        best = r.total_ms;
        curve.note =
            r.stats.contains("note") && r.stats["note"].is_string() ? r.stats["note"].get<std::string>() : "";
    }
    return curve;
}

int run(int argc, char **argv) {
    const Budget budget = parse_budget(argc, argv);
    const workloads::Workload workload =
        workloads::make_workload("mtv", workloads::parse_shape("mtv", budget.shape));
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    tune::RunnerOptions runner_options;
    runner_options.machine = machine;
    runner_options.seed = budget.seed;
    std::unique_ptr<tune::Runner> runner = tune::make_sim_runner(runner_options);

    fmt::print(
        "search ablation: mtv {} int32 on {} (sim runner, atim timing), {} trials per variant in batches of "
        "{}, "
        "population {}, seed {} (override: bench_search_ablation TRIALS BATCH SHAPE SEED POPULATION)\n",
        budget.shape, machine.name, budget.trials, budget.batch, budget.population, budget.seed);
    const fs::path db_path =
        fs::temp_directory_path() / fmt::format("atim-search-ablation-{}.db", ::getpid());
    std::map<std::string, Curve> curves;
    for (const Variant &v : variants())
        curves[v.name] = run_variant(v, workload, machine, *runner, budget, db_path.string());
    std::error_code ec;
    for (const char *suffix : {"", "-wal", "-shm"}) fs::remove(db_path.string() + suffix, ec);

    fmt::print("best total time (ms) after N trials\n{:>8}", "trials");
    for (const Variant &v : variants()) fmt::print(" {:>16}", v.name);
    fmt::print("\n");
    for (const auto &[trials, unused] : curves.at("full").best_after) {
        fmt::print("{:>8}", trials);
        for (const Variant &v : variants()) {
            const auto &points = curves.at(v.name).best_after;
            auto found = points.find(trials);
            fmt::print(" {:>16}",
                       found != points.end() && found->second ? fmt::format("{:.4f}", *found->second) : "-");
        }
        fmt::print("\n");
    }
    fmt::print("{:>8}", "valid");
    for (const Variant &v : variants())
        fmt::print(" {:>16}", fmt::format("{}/{}", curves.at(v.name).valid, budget.trials));
    fmt::print("\n{:>8}", "wall s");
    for (const Variant &v : variants()) fmt::print(" {:>16.0f}", curves.at(v.name).seconds);
    fmt::print("\n");
    for (const Variant &v : variants()) {
        const Curve &c = curves.at(v.name);
        if (c.failures.empty()) continue;
        std::vector<std::string> parts;
        for (const auto &[status, count] : c.failures) parts.push_back(fmt::format("{} {}", count, status));
        fmt::print("failed in {}: {}\n", v.name, fmt::join(parts, ", "));
    }
    fmt::print(
        "note: simulated times, as the search measured them (nothing re-measured); wall seconds are this "
        "machine's and vary run to run. Runner note of the best of \"full\": {}\n",
        curves.at("full").note.empty() ? "-" : curves.at("full").note);
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    try {
        return run(argc, argv);
    } catch (const atim::UserError &e) {
        fmt::print(stderr, "bench_search_ablation: {}\n", e.what());
        return 2;
    }
}
