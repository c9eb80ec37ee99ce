// MPI scaling (issue 16): the wall time of `atim tune` under `mpirun -n 1` and `mpirun -n RANKS` (one
// measuring thread per rank; rank 0 measures too, so 2 ranks are 2 measuring threads on 2 cores), their
// ratio, and what one trial costs rank 0 (the search itself, serialising the job and its result, writing the
// record) against a worker (lower, codegen, assemble, simulate, verify), measured in this one run. From
// those: the rank count at which rank 0 becomes the bottleneck, and how the batch size moves it.
//
// usage: bench_mpi_scaling [trials=64] [shape=4096x4096] [ranks=2] [costs: only the per-trial costs]
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "atim/support/error.h"
#include "atim/support/stage_timer.h"
#include "atim/tune/database.h"
#include "atim/tune/runner.h"
#include "atim/tune/search.h"
#include "atim/tune/space.h"
#include "atim/workloads/workload.h"
#include "tune/runner/mpi/messages.h"

namespace {

using namespace atim;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Setup {
    int trials = 64;
    std::string shape = "4096x4096";
    int ranks = 2;
    int batch = 64;  // atim tune's default
    int population = 512;
    bool costs_only = false;  ///< skip the RANKS-rank run: only the per-trial costs
};

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string load_average() {
    std::ifstream file("/proc/loadavg");
    std::string one, five, fifteen;
    file >> one >> five >> fifteen;
    return fmt::format("{} {} {}", one, five, fifteen);
}

std::string tune_arguments(const Setup &s, const std::string &db) {
    return fmt::format(
        "tune mtv --shape {} --trials {} --batch {} --population {} --threads 1 --db {} --json", s.shape,
        s.trials, s.batch, s.population, db);
}

/// Wall seconds of `atim tune` under mpirun with `ranks` ranks.
double timed_mpirun(const Setup &s, int ranks, const std::string &db, const fs::path &dir) {
    const std::string command =
        fmt::format("{} -n {} --oversubscribe{} {}/tools/atim/atim {} >{}/tune-{}.json 2>{}/tune-{}.err",
                    ATIM_MPIEXEC, ranks, ::getuid() == 0 ? " --allow-run-as-root" : "", ATIM_BINARY_DIR,
                    tune_arguments(s, db), dir.string(), ranks, dir.string(), ranks);
    const auto start = Clock::now();
    const int status = std::system(command.c_str());
    const double seconds = seconds_since(start);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        user_error("`{}` failed (exit status {}); see {}/tune-{}.err", command, status, dir.string(), ranks);
    return seconds;
}

/// Answers every candidate from the recorded run, so that tune() costs only rank 0's own work.
class ReplayRunner : public tune::Runner {
public:
    explicit ReplayRunner(const std::vector<tune::TuningRecord> &records) {
        for (const tune::TuningRecord &r : records) results_[r.trace_hash] = r.result;
    }
    std::string name() const override { return "replay"; }
    std::vector<tune::MeasureResult> run(const workloads::Workload &,
                                         const std::vector<schedule::Trace> &batch,
                                         std::optional<double>) override {
        std::vector<tune::MeasureResult> out;
        for (const schedule::Trace &trace : batch) out.push_back(lookup(trace));
        return out;
    }
    tune::MeasureResult run_full(const workloads::Workload &, const schedule::Trace &trace) override {
        return lookup(trace);
    }
    /// The population's lowering, which the cluster runner gives to the workers: timed apart, on one thread.
    std::vector<tune::CandidateAnalysis> analyze(const workloads::Workload &workload,
                                                 const std::vector<schedule::Trace> &traces,
                                                 const target::UpmemMachine &machine,
                                                 int opt_level) override {
        const auto start = Clock::now();
        std::vector<tune::CandidateAnalysis> analyses =
            tune::analyze_candidates(workload, traces, machine, opt_level, 1);
        analysis_seconds += seconds_since(start);
        return analyses;
    }
    double analysis_seconds = 0;

private:
    tune::MeasureResult lookup(const schedule::Trace &trace) const {
        auto found = results_.find(tune::structural_hash(trace));
        if (found != results_.end()) return found->second;
        tune::MeasureResult invalid;  // the prim schedule's bound: not a trial
        invalid.error = "not recorded";
        return invalid;
    }
    std::map<uint64_t, tune::MeasureResult> results_;
};

/// Rank 0's serial work per trial, and the search's lowering that the workers take from it.
struct MasterCost {
    double search_ms = 0, serialise_ms = 0, database_ms = 0;
    double analysis_ms = 0;  ///< lowering populations for the cost model: done by the workers
    double total() const { return search_ms + serialise_ms + database_ms; }
};

MasterCost master_cost(const Setup &s, const workloads::Workload &workload,
                       const target::UpmemMachine &machine, const std::vector<tune::TuningRecord> &records,
                       const fs::path &dir) {
    MasterCost cost;
    const double trials = static_cast<double>(records.size());
    // The search as rank 0 runs it, every measurement answered at once from the records.
    {
        tune::Database db = tune::Database::open((dir / "replay.db").string());
        ReplayRunner replay(records);
        tune::SearchOptions options;
        options.trials = s.trials;
        options.batch = s.batch;
        options.population = s.population;
        options.verify_top = 0;
        const auto start = Clock::now();
        tune::tune(workload, machine, replay, db, options);
        cost.analysis_ms = 1000 * replay.analysis_seconds / trials;
        cost.search_ms = 1000 * seconds_since(start) / trials - cost.analysis_ms;
    }
    // One job out and one result in per trial, as the cluster runner encodes and decodes them.
    {
        const nlohmann::json spec = tune::cluster::workload_to_json(workload);
        const auto start = Clock::now();
        for (const tune::TuningRecord &r : records) {
            const std::string job =
                tune::cluster::Job{r.trial, tune::cluster::JobKind::Measure, spec, {r.trace_json}, 1.0}
                    .to_json()
                    .dump();
            const std::string result =
                nlohmann::json{{"job", r.trial}, {"result", r.result.to_json()}}.dump();
            tune::MeasureResult back =
                tune::MeasureResult::from_json(nlohmann::json::parse(result).at("result"));
            if (back.total_ms != r.result.total_ms || job.empty()) user_error("serialisation is not exact");
        }
        cost.serialise_ms = 1000 * seconds_since(start) / trials;
    }
    // Appending the records, one transaction each, as tune() does.
    {
        tune::Database db = tune::Database::open((dir / "rewrite.db").string());
        const auto start = Clock::now();
        for (tune::TuningRecord r : records) {
            r.run += "#rewrite";
            db.add(r);
        }
        cost.database_ms = 1000 * seconds_since(start) / trials;
    }
    return cost;
}

/// Milliseconds per trial of each stage of measuring the recorded candidates again on one thread.
std::map<Stage, double> worker_cost(const workloads::Workload &workload, const target::UpmemMachine &machine,
                                    const std::vector<tune::TuningRecord> &records) {
    tune::RunnerOptions options;
    options.machine = machine;
    options.threads = 1;
    std::unique_ptr<tune::Runner> runner = tune::make_sim_runner(options);
    runner->run(workload, {});  // the inputs and reference outputs, once per worker, not per trial
    reset_stage_totals();
    for (const tune::TuningRecord &r : records) {
        // A pruned record holds the bound it was stopped at; the others ran to their end.
        std::optional<double> bound;
        if (r.result.status == tune::MeasureStatus::Pruned) bound = r.result.kernel_ms;
        runner->run(workload, {schedule::Trace::from_json(r.trace_json)}, bound);
    }
    const StageTotals totals = stage_totals();
    std::map<Stage, double> per_trial;
    for (Stage stage :
         {Stage::Lower, Stage::Codegen, Stage::Assemble, Stage::Simulate, Stage::Verify, Stage::Memo})
        per_trial[stage] =
            1000 * totals.seconds[static_cast<size_t>(stage)] / static_cast<double>(records.size());
    return per_trial;
}

std::vector<std::string> record_lines(const std::string &db_path) {
    std::vector<std::string> lines;
    for (const tune::TuningRecord &r : tune::Database::open_existing(db_path).all())
        lines.push_back(fmt::format("{} {:016x} {} {}", r.trial, r.trace_hash,
                                    tune::to_string(r.result.status), r.result.total_ms));
    return lines;
}

void run(const Setup &s) {
    const fs::path dir = fs::temp_directory_path() / fmt::format("atim-mpi-scaling-{}", ::getpid());
    fs::create_directories(dir);
    const workloads::Workload workload =
        workloads::make_workload("mtv", workloads::parse_shape("mtv", s.shape));
    const target::UpmemMachine machine = target::load_machine("upmem-2048");

    fmt::print("mpi scaling: atim tune mtv --shape {} --trials {} --batch {} --population {} --threads 1\n",
               s.shape, s.trials, s.batch, s.population);
    fmt::print("load average before: {}\n", load_average());
    const double one = timed_mpirun(s, 1, (dir / "one.db").string(), dir);
    if (!s.costs_only) {
        const double many = timed_mpirun(s, s.ranks, (dir / "many.db").string(), dir);
        fmt::print("load average after:  {}\n", load_average());
        const bool same = record_lines((dir / "one.db").string()) == record_lines((dir / "many.db").string());
        fmt::print("wall: 1 rank {:.1f} s, {} ranks {:.1f} s: {:.2f}x (records {})\n", one, s.ranks, many,
                   one / many, same ? "identical" : "DIFFERENT");
    }

    const std::vector<tune::TuningRecord> records =
        tune::Database::open_existing((dir / "one.db").string()).all();
    const MasterCost master = master_cost(s, workload, machine, records, dir);
    const std::map<Stage, double> worker = worker_cost(workload, machine, records);
    double measuring = 0;
    for (const auto &[stage, ms] : worker) measuring += ms;
    const double worker_total = measuring + master.analysis_ms;
    fmt::print(
        "rank 0 per trial (serial): search {:.2f} ms (sampling, mutation, XGBoost, batch assembly), "
        "serialise "
        "job + result {:.3f} ms, database write {:.3f} ms: {:.2f} ms\n",
        master.search_ms, master.serialise_ms, master.database_ms, master.total());
    fmt::print("worker per trial (one thread): the search's population lowering {:.2f} ms; measuring:",
               master.analysis_ms);
    for (const auto &[stage, ms] : worker) fmt::print(" {} {:.2f} ms,", to_string(stage), ms);
    fmt::print(" {:.2f} ms; total {:.2f} ms\n", measuring, worker_total);
    fmt::print(
        "estimate: rank 0's serial {:.2f} ms per trial equals the workers' {:.2f} ms / N at N = {:.0f} ranks "
        "of "
        "one thread; past that, more ranks do not shorten a batch. Batch {} here: most of rank 0's search "
        "work "
        "is per batch (population {}), so a larger --batch spreads it over more trials and moves the point "
        "up "
        "(estimated, not measured)\n",
        master.total(), worker_total, worker_total / master.total(), s.batch, s.population);
    std::error_code ec;
    fs::remove_all(dir, ec);
}

}  // namespace

int main(int argc, char **argv) {
    Setup s;
    if (argc > 1) s.trials = std::atoi(argv[1]);
    if (argc > 2) s.shape = argv[2];
    if (argc > 3) s.ranks = std::atoi(argv[3]);
    if (argc > 4) s.costs_only = std::string(argv[4]) == "costs";
    try {
        run(s);
    } catch (const std::exception &e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
    return 0;
}
