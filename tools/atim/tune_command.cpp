// `atim tune`: searches the schedule space of a workload on a runner (the simulator by default), records
// every measurement in a database, verifies the best candidates with every DPU simulated, compares the best
// with the `prim` baseline measured the same way, and writes the best trace and its generated code.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "atim/baselines/named_schedules.h"
#include "atim/codegen/c_codegen.h"
#include "atim/codegen/dpu_codegen.h"
#include "atim/lower/lower.h"
#include "atim/support/error.h"
#include "atim/tune/search.h"
#include "cluster_arguments.h"
#include "commands.h"
#include "program_options.h"

namespace atim::cli {
namespace {

namespace fs = std::filesystem;

struct TuneArguments {
    WorkloadOptions workload;
    std::string machine = "upmem-2048";
    int trials = 1000;
    int batch = 64;
    int population = 512;
    uint64_t seed = 1;
    std::string db;
    std::string output_dir;
    bool json = false;
    bool resume = false;
    std::string search = "evolutionary";
    bool no_balanced = false;
    bool no_adaptive = false;
    std::string cost_model = "xgboost";
    std::string runner = "sim";
    std::string timing = "atim";
    int opt_level = 4;
    int threads = 0;
    double prune_factor = 2.0;
    ClusterArguments cluster;
};

tune::SearchStrategy parse_strategy(const std::string &name) {
    if (name == "random") return tune::SearchStrategy::Random;
    if (name == "grid") return tune::SearchStrategy::Grid;
    return tune::SearchStrategy::Evolutionary;
}

/// --db default: next to the other outputs when -o is given, else in the current directory.
std::string database_path(const TuneArguments &args) {
    if (!args.db.empty()) return args.db;
    if (!args.output_dir.empty()) return (fs::path(args.output_dir) / "records.db").string();
    return "atim_records.db";
}

/// The single live progress line: rewritten in place on a terminal; on a pipe or file, a plain line at most
/// every 15 seconds and at the end.
class ProgressLine {
public:
    void operator()(const tune::TuneProgress &p) {
        const bool done = p.trials_done >= p.trials_total;
        if (!tty_ && !done && p.elapsed_seconds - last_print_ < 15) return;
        last_print_ = p.elapsed_seconds;
        const double eta =
            p.trials_done > 0 ? p.elapsed_seconds / p.trials_done * (p.trials_total - p.trials_done) : 0.0;
        std::string line = fmt::format(
            "tune: {}/{} trials, {} valid, {} pruned, best {}, elapsed {:.0f} s, eta {:.0f} s", p.trials_done,
            p.trials_total, p.valid, p.pruned,
            p.best_total_ms ? fmt::format("{:.4f} ms", *p.best_total_ms) : "-", p.elapsed_seconds, eta);
        if (tty_)
            fmt::print(stderr, "\r{:<90}", line);
        else
            fmt::print(stderr, "{}\n", line);
        std::fflush(stderr);
    }
    void finish() const {
        if (tty_) fmt::print(stderr, "\n");
    }

private:
    bool tty_ = ::isatty(STDERR_FILENO) != 0;
    double last_print_ = 0;
};

void write_text(const fs::path &path, const std::string &text) {
    fs::path partial = path;
    partial += ".partial";
    {
        std::ofstream file(partial, std::ios::binary);
        file << text;
        if (!file) user_error("cannot write {}; check that the directory is writable", path.string());
    }
    fs::rename(partial, path);
}

nlohmann::ordered_json times_json(const tune::MeasureResult &r) {
    return {{"h2d", r.h2d_ms}, {"kernel", r.kernel_ms}, {"after", r.after_ms}, {"total", r.total_ms}};
}

/// The `prim` schedule's trace, or why it does not apply to the workload.
std::optional<schedule::Trace> prim_trace(const workloads::Workload &workload,
                                          const target::UpmemMachine &machine, std::string &why) {
    try {
        return baselines::apply_named_schedule("prim", workload, {}, machine).trace();
    } catch (const UserError &e) {
        why = e.what();
        return std::nullopt;
    }
}

/// The `prim` baseline, measured with the same runner, every DPU simulated.
tune::MeasureResult measure_baseline(const workloads::Workload &workload, const target::UpmemMachine &machine,
                                     tune::Runner &runner) {
    std::string why;
    if (const std::optional<schedule::Trace> prim = prim_trace(workload, machine, why))
        return runner.run_full(workload, *prim);
    tune::MeasureResult failed;
    failed.status = tune::MeasureStatus::Invalid;
    failed.error = why;
    return failed;
}

/// best_trace.json, dpu.c, host.c, build.sh, kernel.S of the best candidate.
void write_best_program(const TuneArguments &args, const workloads::Workload &workload,
                        const target::UpmemMachine &machine, const schedule::Trace &trace) {
    const fs::path dir = args.output_dir;
    trace.save((dir / "best_trace.json").string());
    schedule::Schedule sch = trace.replay(workload.func);
    sch.set_resident_inputs(workload.resident_inputs);
    lower::LowerOptions lower_options;
    lower_options.opt_level = args.opt_level;
    lower::PimProgram program = lower::lower(sch, machine, lower_options);
    codegen::CEmitOptions emit;
    emit.timing = codegen::parse_timing_mode(args.timing);
    emit.stack_bytes_per_tasklet = machine.stack_bytes_per_tasklet;
    codegen::write_c_sources(codegen::emit_c(program, emit), dir);
    write_text(dir / "kernel.S", codegen::emit_dpu_asm(program, machine));
}

/// The `--schedule sketch` parameters that rebuild the best program. nullopt (the reason in `why`) for a
/// trace this version's sketches do not build, e.g. a record of an older version resumed from the database:
/// best_trace.json still re-runs it.
std::optional<std::vector<std::pair<std::string, std::string>>> best_params(
    const workloads::Workload &workload, const target::UpmemMachine &machine, const tune::SpaceOptions &space,
    const tune::TuningRecord &best, std::string &why) {
    const std::vector<tune::Sketch> sketches = tune::generate_sketches(workload, machine, space);
    auto sketch = std::find_if(sketches.begin(), sketches.end(),
                               [&](const tune::Sketch &s) { return s.name == best.sketch; });
    if (sketch == sketches.end()) {
        why = fmt::format("no sketch of {} is named {}", workload.name, best.sketch);
        return std::nullopt;
    }
    const tune::Candidate candidate{schedule::Trace::from_json(best.trace_json),
                                    static_cast<int>(sketch - sketches.begin())};
    try {
        return tune::candidate_params(sketches, workload, candidate);
    } catch (const UserError &e) {
        why = e.what();
        return std::nullopt;
    }
}

/// `atim run ... --schedule sketch --param ...` for the parameters of best_params.
std::string rerun_command(const TuneArguments &args, const workloads::Workload &workload,
                          const std::vector<std::pair<std::string, std::string>> &params) {
    std::string command =
        fmt::format("atim run {} --shape {} --dtype {} --machine {}", WorkloadOptions::command_line(workload),
                    workload.shape_string(), workload.dtype_string(), args.machine);
    if (args.opt_level != 4) command += fmt::format(" --opt-level {}", args.opt_level);
    if (args.timing != "atim") command += fmt::format(" --timing {}", args.timing);
    return command + " " + tune::sketch_param_arguments(params);
}

nlohmann::ordered_json report_json(const TuneArguments &args, const workloads::Workload &workload,
                                   const target::UpmemMachine &machine, const tune::TuneResult &result,
                                   const tune::MeasureResult &baseline, const std::string &db_path,
                                   const tune::SpaceOptions &space) {
    nlohmann::ordered_json report = {
        {"workload", workload.name},
        {"shape", workload.shape_string()},
        {"dtype", workload.dtype_string()},
        {"machine", machine.name},
        {"runner", args.runner},
        {"timing", args.timing},
        {"search", args.search},
        {"seed", args.seed},
        {"run", result.run},
        {"db", db_path},
        {"trials", result.trials},
        {"valid", result.valid},
        {"pruned", result.pruned},
        {"failed", result.failed},
        {"reused", result.reused},
        {"best", nullptr},
        {"baseline", nullptr},
        {"speedup_vs_prim", nullptr},
        {"output_dir",
         args.output_dir.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(args.output_dir)},
        {"note",
         args.runner == "sim"
             ? "times are simulated by atim's cycle-level UPMEM model; the search measured in the sampled "
               "mode (a few DPUs per timing class simulated, the others' kernel time estimated), and the "
               "best and the baseline were re-measured with every DPU simulated and verified bit-exactly"
             : "times come from the " + args.runner + " runner"},
    };
    if (result.best && result.best_full) {
        const tune::MeasureResult &full = *result.best_full;
        report["best"] = {{"trial", result.best->trial},
                          {"sketch", result.best->sketch},
                          {"trace_hash", fmt::format("{:016x}", result.best->trace_hash)},
                          {"dpus", full.dpus},
                          {"tasklets", full.tasklets},
                          {"time_ms", times_json(full)},
                          {"verified", true},
                          {"command", nullptr},
                          {"params", nullptr}};
        std::string why;
        if (const auto params = best_params(workload, machine, space, *result.best, why)) {
            report["best"]["command"] = rerun_command(args, workload, *params);
            for (const auto &[name, value] : *params) report["best"]["params"][name] = value;
        } else {
            report["best"]["command_error"] = why;
        }
    }
    if (baseline.ok()) {
        report["baseline"] = {{"schedule", "prim"},
                              {"dpus", baseline.dpus},
                              {"tasklets", baseline.tasklets},
                              {"time_ms", times_json(baseline)}};
        if (result.best_full && result.best_full->total_ms > 0)
            report["speedup_vs_prim"] = baseline.total_ms / result.best_full->total_ms;
    } else {
        report["baseline"] = {{"schedule", "prim"}, {"error", baseline.error}};
    }
    return report;
}

void print_report(const nlohmann::ordered_json &r) {
    fmt::print(
        "tuned {} {} {} on {} ({} runner, {} timing, {} search): {} trials, {} valid, {} pruned, {} "
        "failed{}\n",
        r["workload"].get<std::string>(), r["shape"].get<std::string>(), r["dtype"].get<std::string>(),
        r["machine"].get<std::string>(), r["runner"].get<std::string>(), r["timing"].get<std::string>(),
        r["search"].get<std::string>(), r["trials"].get<int>(), r["valid"].get<int>(), r["pruned"].get<int>(),
        r["failed"].get<int>(),
        r["reused"].get<int>() > 0 ? fmt::format(", {} from the database", r["reused"].get<int>()) : "");
    auto print_times = [](const char *label, const nlohmann::ordered_json &entry) {
        const nlohmann::ordered_json &t = entry["time_ms"];
        fmt::print(
            "{}: {} DPUs x {} tasklets, h2d {:.4f} ms, kernel {:.4f} ms, after {:.4f} ms, total {:.4f} ms\n",
            label, entry["dpus"].get<int>(), entry["tasklets"].get<int>(), t["h2d"].get<double>(),
            t["kernel"].get<double>(), t["after"].get<double>(), t["total"].get<double>());
    };
    if (r["best"].is_null()) {
        fmt::print("best: none of the candidates ran and verified; see the records in {}\n",
                   r["db"].get<std::string>());
    } else {
        fmt::print("best: trial {}, sketch {}\n", r["best"]["trial"].get<int>(),
                   r["best"]["sketch"].get<std::string>());
        print_times("  best", r["best"]);
        if (r["best"]["command"].is_string())
            fmt::print("  re-run: {}\n", r["best"]["command"].get<std::string>());
        else
            fmt::print("  re-run: not as --schedule sketch ({})\n",
                       r["best"]["command_error"].get<std::string>());
    }
    if (r["baseline"].contains("time_ms"))
        print_times("  prim", r["baseline"]);
    else
        fmt::print("  prim: not measured ({})\n", r["baseline"]["error"].get<std::string>());
    if (!r["speedup_vs_prim"].is_null())
        fmt::print("speedup vs prim: {:.3f}x\n", r["speedup_vs_prim"].get<double>());
    if (!r["output_dir"].is_null())
        fmt::print("wrote best_trace.json, dpu.c, host.c, build.sh, kernel.S, report.json to {}\n",
                   r["output_dir"].get<std::string>());
    fmt::print("records: {} (run {})\n", r["db"].get<std::string>(), r["run"].get<std::string>());
    fmt::print("note: {}\n", r["note"].get<std::string>());
}

void run_tune(const TuneArguments &args) {
    // Everything the user typed is checked before the database or the output directory is touched.
    const workloads::Workload workload = args.workload.make();
    const target::UpmemMachine machine = target::load_machine(args.machine);
    if (args.trials <= 0) user_error("--trials must be positive (got {})", args.trials);
    if (args.batch <= 0) user_error("--batch must be positive (got {})", args.batch);
    if (args.population <= 0) user_error("--population must be positive (got {})", args.population);

    tune::RunnerOptions runner_options;
    runner_options.machine = machine;
    runner_options.seed = args.seed;
    runner_options.prim_timing = args.timing == "prim";
    runner_options.opt_level = args.opt_level;
    runner_options.threads = args.threads;
    // Under mpirun the worker ranks stop here: they measure what rank 0 sends, and only rank 0 searches,
    // opens the database and writes the outputs.
    std::unique_ptr<tune::Runner> runner =
        args.cluster.runner_for_rank(tune::make_runner(args.runner, runner_options), machine, args.threads);
    if (!runner) return;

    tune::SearchOptions options;
    options.strategy = parse_strategy(args.search);
    options.trials = args.trials;
    options.batch = args.batch;
    options.population = args.population;
    options.seed = args.seed;
    options.balanced_sampling = !args.no_balanced;
    options.adaptive_epsilon = !args.no_adaptive;
    options.prune_factor = args.prune_factor;
    options.use_cost_model = args.cost_model == "xgboost";
    options.resume = args.resume;
    options.measurement = args.runner + "/" + args.timing;
    options.space.opt_level = args.opt_level;

    if (!args.output_dir.empty()) fs::create_directories(args.output_dir);
    const std::string db_path = database_path(args);
    tune::Database db = tune::Database::open(db_path);
    ProgressLine progress;
    // The baseline does not depend on the search: a runner with idle ranks measures it meanwhile.
    std::string no_prim;
    if (const std::optional<schedule::Trace> prim = prim_trace(workload, machine, no_prim))
        runner->prefetch_full(workload, *prim);
    tune::TuneResult result = tune::tune(workload, machine, *runner, db, options,
                                         [&](const tune::TuneProgress &p) { progress(p); });
    progress.finish();
    const tune::MeasureResult baseline = measure_baseline(workload, machine, *runner);
    nlohmann::ordered_json report =
        report_json(args, workload, machine, result, baseline, db_path, options.space);
    if (!args.output_dir.empty()) {
        if (result.best) {
            write_best_program(args, workload, machine, schedule::Trace::from_json(result.best->trace_json));
        }
        write_text(fs::path(args.output_dir) / "report.json", report.dump(2) + "\n");
    }
    if (args.json)
        fmt::print("{}\n", report.dump());
    else
        print_report(report);
}

void add_tune_command(CLI::App &app) {
    auto args = std::make_shared<TuneArguments>();
    CLI::App *command =
        app.add_subcommand("tune", "search the schedule space of a workload for its fastest program");
    args->workload.add_to(*command);
    command->add_option("--machine", args->machine, "machine preset or JSON file")->capture_default_str();
    command->add_option("--trials", args->trials, "candidates to measure")->capture_default_str();
    command->add_option("--batch", args->batch, "candidates measured per search iteration")
        ->capture_default_str();
    command->add_option("--population", args->population, "evolutionary population size")
        ->capture_default_str();
    command->add_option("--seed", args->seed, "seed of the search and of the random inputs")
        ->capture_default_str();
    command->add_option("--db", args->db,
                        "records database (SQLite); default DIR/records.db with -o, else ./atim_records.db");
    command->add_option("-o,--output", args->output_dir,
                        "directory for best_trace.json, dpu.c, host.c, build.sh, kernel.S, report.json");
    command->add_flag("--json", args->json, "print one JSON object with the report");
    command->add_flag("--resume", args->resume,
                      "continue the latest run with the same options from the database (measured trials are "
                      "not measured again)");
    command->add_option("--search", args->search, "evolutionary (ATiM), random or grid")
        ->check(CLI::IsMember({"evolutionary", "random", "grid"}))
        ->capture_default_str();
    command->add_flag("--no-balanced-sampling", args->no_balanced,
                      "do not balance reduction-split and reduction-kept seeds early (ATiM change a)");
    command->add_flag(
        "--no-adaptive-epsilon", args->no_adaptive,
        "fixed epsilon 0.05 instead of 0.5 -> 0.05 over the first 40% of trials (ATiM change b)");
    command->add_option("--cost-model", args->cost_model, "xgboost or random (ablation)")
        ->check(CLI::IsMember({"xgboost", "random"}))
        ->capture_default_str();
    command->add_option("--runner", args->runner, "sim (cycle-level simulator), emu or hardware (UPMEM SDK)")
        ->check(CLI::IsMember({"sim", "emu", "hardware"}))
        ->capture_default_str();
    command->add_option("--timing", args->timing, "atim: resident inputs untimed; prim: every copy timed")
        ->check(CLI::IsMember({"atim", "prim"}))
        ->capture_default_str();
    command->add_option("--opt-level", args->opt_level, "PIM-aware optimizations: 0 none ... 4 all")
        ->check(CLI::Range(0, 4))
        ->capture_default_str();
    command->add_option("--threads", args->threads, "candidates measured in parallel (0: all cores)")
        ->capture_default_str();
    command
        ->add_option("--prune-factor", args->prune_factor,
                     "stop a candidate once its kernel runs past this many times the best total so far "
                     "(recorded as pruned; 0: measure every candidate to the end)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    args->cluster.add_to(*command);
    command->callback([args] { run_tune(*args); });
}

const CommandRegistration registration(50, add_tune_command);

}  // namespace
}  // namespace atim::cli
