// `atim bench --suite atim`: ATiM's evaluation (atim-method.md §8) on atim's simulator. For each suite entry
// it measures PrIM (best DPU count), PrIM+Search (grid over DPUs x tasklets x block; ATiM's batched grid for
// mmtv), SimplePIM (va and red, best DPU count), 2-D expert + Search (rc-tile over DPUs x reduction ways x
// tasklets x WRAM tile) and the tuner, and prints the time split, the speedups and their geometric means
// (overall and per part of the suite: tensor operations, GPT-J MTV layers, GPT-J attention MMTVs, all GPT-J);
// optionally as CSV and JSON.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "atim/support/error.h"
#include "atim/tune/evaluation.h"
#include "cluster_arguments.h"
#include "commands.h"
#include "suite_plot.h"

namespace atim::cli {
namespace {

namespace fs = std::filesystem;

struct BenchArguments {
    std::string suite = "atim";
    bool full = false;
    std::vector<std::string> only;
    std::vector<std::string> custom_entries;
    std::string machine = "upmem-2048";
    int trials = 64;
    int batch = 16;
    int population = 64;
    uint64_t seed = 1;
    std::string csv;
    std::string plot;
    std::string db;
    bool json = false;
    int threads = 0;
    std::vector<int64_t> grid_dpus = tune::BaselineGrid{}.dpus;
    std::vector<int64_t> grid_tasklets = tune::BaselineGrid{}.tasklets;
    std::vector<int64_t> grid_blocks = tune::BaselineGrid{}.blocks;
    std::vector<int64_t> grid_k_ways = tune::BaselineGrid{}.k_ways;
    std::vector<int64_t> grid_caches = tune::BaselineGrid{}.caches;
    std::vector<int64_t> grid_mmtv_dpus = tune::BaselineGrid{}.mmtv_dpus_per_batch;
    std::vector<int64_t> grid_mmtv_tasklets = tune::BaselineGrid{}.mmtv_tasklets;
    std::vector<int64_t> grid_mmtv_blocks = tune::BaselineGrid{}.mmtv_blocks;
    ClusterArguments cluster;
};

void check_arguments(const BenchArguments &args) {
    if (args.trials <= 0) user_error("--trials must be positive (got {})", args.trials);
    if (args.batch <= 0) user_error("--batch must be positive (got {})", args.batch);
    if (args.population <= 0) user_error("--population must be positive (got {})", args.population);
    for (const auto &[option, values] : std::vector<std::pair<const char *, const std::vector<int64_t> *>>{
             {"--dpus", &args.grid_dpus},
             {"--tasklets", &args.grid_tasklets},
             {"--blocks", &args.grid_blocks},
             {"--k-ways", &args.grid_k_ways},
             {"--caches", &args.grid_caches},
             {"--mmtv-dpus", &args.grid_mmtv_dpus},
             {"--mmtv-tasklets", &args.grid_mmtv_tasklets},
             {"--mmtv-blocks", &args.grid_mmtv_blocks}}) {
        if (values->empty()) user_error("{} needs at least one value", option);
        for (int64_t v : *values)
            if (v <= 0) user_error("{} values must be positive (got {})", option, v);
    }
}

std::vector<tune::SuiteEntry> entries_of(const BenchArguments &args) {
    if (!args.custom_entries.empty()) {
        std::vector<tune::SuiteEntry> custom;
        for (const std::string &text : args.custom_entries) custom.push_back(tune::parse_custom_entry(text));
        return tune::select_entries(custom, args.only);
    }
    return tune::select_entries(tune::atim_suite(args.full), args.only);
}

/// One progress line per phase on stderr; the tuner's progress rewrites the line in place on a terminal and
/// is printed at most every 30 seconds on a pipe.
class ProgressLine {
public:
    explicit ProgressLine(int entries) : entries_(entries) {}
    void start_entry(int index) { index_ = index; }
    void operator()(const tune::EvaluationProgress &p) {
        const double now = seconds();
        std::string line = fmt::format("bench: [{}/{}] {}: {}", index_ + 1, entries_, p.entry, p.phase);
        if (p.tune) {
            if (!tty_ && now - last_print_ < 30 && p.tune->trials_done < p.tune->trials_total) return;
            line +=
                fmt::format(" {}/{} trials, best {}", p.tune->trials_done, p.tune->trials_total,
                            p.tune->best_total_ms ? fmt::format("{:.4f} ms", *p.tune->best_total_ms) : "-");
        }
        line += fmt::format(", elapsed {:.0f} s", now);
        last_print_ = now;
        if (tty_)
            fmt::print(stderr, "\r{:<100}", line);
        else
            fmt::print(stderr, "{}\n", line);
        std::fflush(stderr);
    }
    void finish() const {
        if (tty_) fmt::print(stderr, "\n");
    }
    double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    int entries_;
    int index_ = 0;
    bool tty_ = ::isatty(STDERR_FILENO) != 0;
    double last_print_ = -1e9;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// ---- Report -------------------------------------------------------------------------------------------

std::string param_or_dash(const tune::PrimParams &params, const std::string &key) {
    auto found = params.find(key);
    return found == params.end() ? "-" : found->second;
}

std::string format_ms(double ms) { return fmt::format("{:.4f}", ms); }
std::string format_ratio(const std::optional<double> &r) { return r ? fmt::format("{:.2f}x", *r) : "-"; }

nlohmann::ordered_json measurement_json(const std::optional<tune::MeasureResult> &r) {
    if (!r) return nullptr;
    return {{"dpus", r->dpus},
            {"tasklets", r->tasklets},
            {"time_ms",
             {{"h2d", r->h2d_ms}, {"kernel", r->kernel_ms}, {"after", r->after_ms}, {"total", r->total_ms}}}};
}

nlohmann::ordered_json sweep_json(const tune::SweepResult &sweep) {
    nlohmann::ordered_json json = measurement_json(sweep.best);
    if (json.is_null()) json = nlohmann::ordered_json::object();
    json["params"] = sweep.best_params;
    json["points"] = sweep.points;
    json["illegal"] = sweep.illegal;
    json["failed"] = sweep.failed;
    json["note"] = sweep.note;
    return json;
}

nlohmann::ordered_json entry_json(const tune::EntryResult &r) {
    nlohmann::ordered_json tuned = measurement_json(r.tuned.best_full);
    if (tuned.is_null()) tuned = nlohmann::ordered_json::object();
    tuned["sketch"] = r.tuned.best ? nlohmann::ordered_json(r.tuned.best->sketch) : nlohmann::ordered_json();
    tuned["trials"] = r.tuned.trials;
    tuned["valid"] = r.tuned.valid;
    tuned["pruned"] = r.tuned.pruned;
    tuned["failed"] = r.tuned.failed;
    tuned["run"] = r.tuned.run;
    tuned["note"] = r.tuned_note;
    auto ratio = [](const std::optional<double> &v) {
        return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
    };
    return {{"entry", r.entry.name},
            {"group", r.entry.group},
            {"workload", r.entry.workload},
            {"shape", r.entry.shape_string()},
            {"dtype", r.dtype},
            {"prim", sweep_json(r.prim)},
            {"prim_search", sweep_json(r.prim_search)},
            {"simplepim", r.simplepim.points > 0 ? sweep_json(r.simplepim) : nlohmann::ordered_json()},
            {"expert_search", sweep_json(r.expert_search)},
            {"tuned", tuned},
            {"speedup_tuned_vs_prim", ratio(r.speedup_vs_prim())},
            {"speedup_tuned_vs_prim_search", ratio(r.speedup_vs_prim_search())},
            {"speedup_tuned_vs_expert_search", ratio(r.speedup_vs_expert_search())},
            {"speedup_tuned_vs_simplepim", ratio(r.speedup_vs_simplepim())}};
}

/// A part of the suite whose speedups are summarized on their own: the GPT-J attention MMTVs are small and
/// overhead-bound, so they are kept apart from the MTV layers.
struct SuitePart {
    const char *key;    ///< in the JSON and CSV: "gptj-mtv"
    const char *label;  ///< in the table: "GPT-J MTV layers"
    std::function<bool(const tune::SuiteEntry &)> contains;
};

const std::vector<SuitePart> &suite_parts() {
    static const std::vector<SuitePart> parts = {
        {"tensor-ops", "tensor operations", [](const tune::SuiteEntry &e) { return !e.is_gptj(); }},
        {"gptj-mtv", "GPT-J MTV layers",
         [](const tune::SuiteEntry &e) { return e.is_gptj() && e.workload == "mtv"; }},
        {"gptj-mmtv", "GPT-J attention MMTVs",
         [](const tune::SuiteEntry &e) { return e.is_gptj() && e.workload == "mmtv"; }},
        {"gptj", "all GPT-J operators", [](const tune::SuiteEntry &e) { return e.is_gptj(); }},
    };
    return parts;
}

/// Geometric-mean speedups of tuned over each baseline, over the entries where both were measured.
struct Geomeans {
    int entries = 0;
    std::optional<double> vs_prim, vs_prim_search, vs_expert_search, vs_simplepim;
};

Geomeans geomeans_of(const std::vector<const tune::EntryResult *> &results) {
    std::vector<std::optional<double>> vs_prim, vs_search, vs_expert, vs_simplepim;
    for (const tune::EntryResult *r : results) {
        vs_prim.push_back(r->speedup_vs_prim());
        vs_search.push_back(r->speedup_vs_prim_search());
        vs_expert.push_back(r->speedup_vs_expert_search());
        vs_simplepim.push_back(r->speedup_vs_simplepim());
    }
    return {static_cast<int>(results.size()), tune::geometric_mean(vs_prim), tune::geometric_mean(vs_search),
            tune::geometric_mean(vs_expert), tune::geometric_mean(vs_simplepim)};
}

struct Summary {
    Geomeans all;
    /// The parts of the suite that hold some but not all of the entries, in suite_parts() order.
    std::vector<std::pair<const SuitePart *, Geomeans>> parts;
    std::vector<std::string> tuned_slower_than_prim_search, tuned_slower_than_expert_search,
        tuned_slower_than_simplepim;
};

Summary summarize(const std::vector<tune::EntryResult> &results) {
    Summary s;
    std::vector<const tune::EntryResult *> all;
    for (const tune::EntryResult &r : results) {
        all.push_back(&r);
        if (r.speedup_vs_prim_search() && *r.speedup_vs_prim_search() < 1.0)
            s.tuned_slower_than_prim_search.push_back(r.entry.name);
        if (r.speedup_vs_expert_search() && *r.speedup_vs_expert_search() < 1.0)
            s.tuned_slower_than_expert_search.push_back(r.entry.name);
        if (r.speedup_vs_simplepim() && *r.speedup_vs_simplepim() < 1.0)
            s.tuned_slower_than_simplepim.push_back(r.entry.name);
    }
    s.all = geomeans_of(all);
    for (const SuitePart &part : suite_parts()) {
        std::vector<const tune::EntryResult *> in_part;
        for (const tune::EntryResult &r : results)
            if (part.contains(r.entry)) in_part.push_back(&r);
        if (!in_part.empty() && in_part.size() < results.size())
            s.parts.emplace_back(&part, geomeans_of(in_part));
    }
    return s;
}

/// The parameter each baseline's table column "block" shows: PrIM's WRAM block, rc-tile's WRAM tile.
constexpr const char *kPrimBlock = "block";
constexpr const char *kExpertTile = "cache";

std::string csv_header() {
    std::string header = "entry,group,workload,shape,dtype";
    for (const char *method : {"prim", "prim_search", "simplepim", "expert_search"})
        header += fmt::format(
            ",{0}_dpus,{0}_tasklets,{0}_block,{0}_h2d_ms,{0}_kernel_ms,{0}_after_ms,{0}_total_ms,"
            "{0}_points,{0}_illegal,{0}_failed",
            method);
    header +=
        ",tuned_dpus,tuned_tasklets,tuned_sketch,tuned_h2d_ms,tuned_kernel_ms,tuned_after_ms,tuned_total_ms,"
        "tuned_trials,tuned_valid,tuned_failed,speedup_tuned_vs_prim,speedup_tuned_vs_prim_search,"
        "speedup_tuned_vs_expert_search,speedup_tuned_vs_simplepim";
    return header;
}

std::string csv_times(const std::optional<tune::MeasureResult> &r) {
    if (!r) return ",,,";
    return fmt::format("{:.6f},{:.6f},{:.6f},{:.6f}", r->h2d_ms, r->kernel_ms, r->after_ms, r->total_ms);
}

std::string csv_sweep(const tune::SweepResult &s, const char *block_param) {
    if (s.points == 0) return ",,,,,,,,,";  // the baseline does not apply (SimplePIM on mtv)
    return fmt::format("{},{},{},{},{},{},{}", s.best ? std::to_string(s.best->dpus) : "",
                       s.best ? std::to_string(s.best->tasklets) : "",
                       s.best ? param_or_dash(s.best_params, block_param) : "", csv_times(s.best), s.points,
                       s.illegal, s.failed);
}

std::string csv_ratio(const std::optional<double> &r) { return r ? fmt::format("{:.4f}", *r) : ""; }

std::string csv_geomeans(const Geomeans &g) {
    return fmt::format("{},{},{},{}", csv_ratio(g.vs_prim), csv_ratio(g.vs_prim_search),
                       csv_ratio(g.vs_expert_search), csv_ratio(g.vs_simplepim));
}

std::string csv_text(const std::vector<tune::EntryResult> &results, const Summary &summary) {
    std::string text = csv_header() + "\n";
    for (const tune::EntryResult &r : results) {
        const std::optional<tune::MeasureResult> &t = r.tuned.best_full;
        text +=
            fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.entry.name,
                        r.entry.group, r.entry.workload, r.entry.shape_string(), r.dtype,
                        csv_sweep(r.prim, kPrimBlock), csv_sweep(r.prim_search, kPrimBlock),
                        csv_sweep(r.simplepim, kPrimBlock), csv_sweep(r.expert_search, kExpertTile),
                        t ? std::to_string(t->dpus) : "", t ? std::to_string(t->tasklets) : "",
                        r.tuned.best ? r.tuned.best->sketch : "", csv_times(t), r.tuned.trials, r.tuned.valid,
                        r.tuned.failed, csv_ratio(r.speedup_vs_prim()), csv_ratio(r.speedup_vs_prim_search()),
                        csv_ratio(r.speedup_vs_expert_search()), csv_ratio(r.speedup_vs_simplepim()));
    }
    // The geometric means as last rows, every per-entry column empty: "geomean" over all entries, then
    // "geomean-PART" for each part of the suite that holds some of the entries (geomean-gptj-mtv, ...).
    const size_t empty_columns =
        static_cast<size_t>(std::count(text.begin(), text.begin() + text.find('\n'), ',')) - 4;
    text += "geomean" + std::string(empty_columns, ',') + "," + csv_geomeans(summary.all) + "\n";
    for (const auto &[part, geomeans] : summary.parts)
        text += fmt::format("geomean-{}{},{}\n", part->key, std::string(empty_columns, ','),
                            csv_geomeans(geomeans));
    return text;
}

void write_text_file(const std::string &path, const std::string &text) {
    fs::path partial = path + ".partial";
    {
        std::ofstream file(partial, std::ios::binary);
        file << text;
        if (!file) user_error("cannot write --csv {}; check that its directory exists and is writable", path);
    }
    fs::rename(partial, path);
}

void print_row(const std::string &entry, const std::string &method,
               const std::optional<tune::MeasureResult> &r, const std::string &config,
               const std::string &speedup, const std::string &remark) {
    if (!r) {
        fmt::print("{:<20} {:<12} {:>5} {:>8} {:>6} {:>10} {:>10} {:>10} {:>10} {:>8}  {}\n", entry, method,
                   "-", "-", "-", "-", "-", "-", "-", "-", remark);
        return;
    }
    fmt::print("{:<20} {:<12} {:>5} {:>8} {:>6} {:>10} {:>10} {:>10} {:>10} {:>8}  {}\n", entry, method,
               r->dpus, r->tasklets, config, format_ms(r->h2d_ms), format_ms(r->kernel_ms),
               format_ms(r->after_ms), format_ms(r->total_ms), speedup, remark);
}

std::string sweep_remark(const tune::SweepResult &s) {
    return fmt::format("{} points, {} illegal, {} failed{}", s.points, s.illegal, s.failed,
                       s.best ? "" : "; none ran and verified");
}

/// The expert's DPU grid (x: rows, z: ttv's i rows, K: reduction ways), then the sweep's counts.
std::string expert_remark(const tune::SweepResult &s) {
    std::string grid;
    for (const auto &[param, axis] : std::vector<std::pair<const char *, const char *>>{
             {"dpus_x", "x"}, {"dpus_z", "z"}, {"dpus_y", "K"}}) {
        const std::string value = param_or_dash(s.best_params, param);
        if (value != "-") grid += fmt::format("{}{}={}", grid.empty() ? "" : " ", axis, value);
    }
    return (grid.empty() ? "" : "grid " + grid + ", ") + sweep_remark(s);
}

/// The runner's note of each best program, condensed: what was simulated per program, and what was estimated
/// once (it is the same host model for every program). A note of another form is printed whole.
void print_simulation_notes(const std::vector<tune::EntryResult> &results) {
    std::set<std::string> estimated;
    fmt::print("simulated, per best program:\n");
    for (const tune::EntryResult &r : results) {
        for (const auto &[method, note] :
             std::vector<std::pair<const char *, std::string>>{{"prim", r.prim.note},
                                                               {"PrIM+Search", r.prim_search.note},
                                                               {"SimplePIM", r.simplepim.note},
                                                               {"2-D+Search", r.expert_search.note},
                                                               {"tuned", r.tuned_note}}) {
            if (note.empty()) continue;
            std::string simulated;
            for (size_t begin = 0; begin < note.size();) {
                const size_t end = std::min(note.find("; ", begin), note.size());
                const std::string clause = note.substr(begin, end - begin);
                if (clause.rfind("simulated: ", 0) == 0) simulated = clause.substr(11);
                if (clause.rfind("estimated: ", 0) == 0) estimated.insert(clause.substr(11));
                begin = end + 2;
            }
            fmt::print("  {} {}: {}\n", r.entry.name, method, simulated.empty() ? note : simulated);
        }
    }
    for (const std::string &clause : estimated) fmt::print("estimated: {}\n", clause);
}

void print_table(const std::vector<tune::EntryResult> &results, const Summary &summary,
                 const BenchArguments &args, const std::string &machine, double seconds) {
    fmt::print(
        "atim bench --suite {}: {} entries on {} (sim runner, atim timing), tuner {} trials, seed {}\n",
        args.suite, results.size(), machine, args.trials, args.seed);
    fmt::print("{:<20} {:<12} {:>5} {:>8} {:>6} {:>10} {:>10} {:>10} {:>10} {:>8}  {}\n", "entry", "method",
               "DPUs", "tasklets", "block", "h2d ms", "kernel ms", "after ms", "total ms", "tuned x",
               "remark");
    for (const tune::EntryResult &r : results) {
        print_row(r.entry.name, "prim", r.prim.best, param_or_dash(r.prim.best_params, kPrimBlock),
                  format_ratio(r.speedup_vs_prim()), sweep_remark(r.prim));
        print_row("", "PrIM+Search", r.prim_search.best, param_or_dash(r.prim_search.best_params, kPrimBlock),
                  format_ratio(r.speedup_vs_prim_search()), sweep_remark(r.prim_search));
        if (r.simplepim.points > 0)
            print_row("", "SimplePIM", r.simplepim.best, param_or_dash(r.simplepim.best_params, kPrimBlock),
                      format_ratio(r.speedup_vs_simplepim()), sweep_remark(r.simplepim));
        else
            print_row("", "SimplePIM", std::nullopt, "-", "-",
                      fmt::format("does not apply: SimplePIM has va and red only, no {}", r.entry.workload));
        print_row("", "2-D+Search", r.expert_search.best,
                  param_or_dash(r.expert_search.best_params, kExpertTile),
                  format_ratio(r.speedup_vs_expert_search()), expert_remark(r.expert_search));
        print_row(
            "", "tuned", r.tuned.best_full, "-", "",
            fmt::format("{} trials, {} valid{}", r.tuned.trials, r.tuned.valid,
                        r.tuned.best ? ", sketch " + r.tuned.best->sketch : "; nothing ran and verified"));
    }
    auto print_geomeans = [](const std::string &what, const Geomeans &g) {
        fmt::print(
            "geometric mean speedup of tuned, {} ({} entries): {} over PrIM+Search, {} over prim, {} over "
            "2-D expert+Search, {} over SimplePIM\n",
            what, g.entries, format_ratio(g.vs_prim_search), format_ratio(g.vs_prim),
            format_ratio(g.vs_expert_search), format_ratio(g.vs_simplepim));
    };
    print_geomeans("all", summary.all);
    for (const auto &[part, geomeans] : summary.parts) print_geomeans(part->label, geomeans);
    for (const auto &[baseline, slower] :
         std::vector<std::pair<const char *, const std::vector<std::string> *>>{
             {"PrIM+Search", &summary.tuned_slower_than_prim_search},
             {"2-D expert+Search", &summary.tuned_slower_than_expert_search},
             {"SimplePIM", &summary.tuned_slower_than_simplepim}}) {
        if (slower->empty())
            fmt::print("tuned was not slower than {} on any entry\n", baseline);
        else
            fmt::print("tuned was SLOWER than {} on: {}\n", baseline, fmt::join(*slower, ", "));
    }
    fmt::print("elapsed {:.0f} s\n", seconds);
    fmt::print(
        "note: all times are simulated by atim's cycle-level UPMEM model (DPU kernels run instruction by "
        "instruction; host transfers and the host epilogue come from the calibrated transfer and host-work "
        "models). Sweeps and the tuner measured candidates in the sim runner's fast mode; each best program "
        "shown was measured again with every DPU simulated and verified bit-exactly (its runner note below). "
        "\"tuned x\" = baseline total / tuned total; a geometric mean over a baseline counts the entries it "
        "ran on (SimplePIM: va and red). PrIM+Search of mmtv is ATiM's batched grid (DPUs per batch y in "
        "1..256, 32 <= batches * y <= 2048, tasklets 1..16, blocks 16..256, 2 * y * tasklets <= rows). "
        "SimplePIM = its fixed strategy (12 tasklets, 256-element blocks, cyclic) at the best grid DPU "
        "count. 2-D+Search = the rc-tile schedule (rows and the reduction split over DPUs, the host summing "
        "the partials) grid-searched; its \"block\" column is its WRAM tile.\n");
    print_simulation_notes(results);
}

// ---- Run ----------------------------------------------------------------------------------------------

/// The records database: the given file, or a temporary one removed at the end.
class RecordsFile {
public:
    explicit RecordsFile(const std::string &given) {
        if (!given.empty()) {
            path_ = given;
            return;
        }
        path_ = (fs::temp_directory_path() / fmt::format("atim-bench-{}.db", ::getpid())).string();
        temporary_ = true;
    }
    ~RecordsFile() {
        if (!temporary_) return;
        std::error_code ec;
        for (const char *suffix : {"", "-wal", "-shm"}) fs::remove(path_ + suffix, ec);
    }
    RecordsFile(const RecordsFile &) = delete;
    RecordsFile &operator=(const RecordsFile &) = delete;
    const std::string &path() const { return path_; }

private:
    std::string path_;
    bool temporary_ = false;
};

void run_bench(const BenchArguments &args) {
    // Everything the user typed is checked before anything is measured or written.
    check_arguments(args);
    const std::vector<tune::SuiteEntry> entries = entries_of(args);
    if (!args.plot.empty()) check_plot_output(args.plot);
    const target::UpmemMachine machine = target::load_machine(args.machine);

    tune::RunnerOptions runner_options;
    runner_options.machine = machine;
    runner_options.seed = args.seed;
    runner_options.threads = args.threads;
    // Under mpirun the worker ranks measure what rank 0 sends: the sweeps' points and the tuner's candidates.
    std::unique_ptr<tune::Runner> runner =
        args.cluster.runner_for_rank(tune::make_sim_runner(runner_options), machine, args.threads);
    if (!runner) return;

    tune::EvaluationOptions options;
    options.grid.dpus = args.grid_dpus;
    options.grid.tasklets = args.grid_tasklets;
    options.grid.blocks = args.grid_blocks;
    options.grid.k_ways = args.grid_k_ways;
    options.grid.caches = args.grid_caches;
    options.grid.mmtv_dpus_per_batch = args.grid_mmtv_dpus;
    options.grid.mmtv_tasklets = args.grid_mmtv_tasklets;
    options.grid.mmtv_blocks = args.grid_mmtv_blocks;
    options.search.trials = args.trials;
    options.search.batch = args.batch;
    options.search.population = args.population;
    options.search.seed = args.seed;
    options.search.measurement = "sim/atim";

    RecordsFile records(args.db);
    tune::Database db = tune::Database::open(records.path());
    ProgressLine progress(static_cast<int>(entries.size()));
    // The same workload and shape twice (GPT-J's attention output is the 64 MB MTV) is measured once.
    std::map<std::string, tune::EntryResult> measured;
    std::vector<tune::EntryResult> results;
    for (size_t i = 0; i < entries.size(); ++i) {
        progress.start_entry(static_cast<int>(i));
        const std::string key = entries[i].workload + "/" + entries[i].shape_string();
        auto found = measured.find(key);
        if (found == measured.end()) {
            tune::EntryResult r =
                tune::evaluate_entry(entries[i], machine, *runner, db, options,
                                     [&](const tune::EvaluationProgress &p) { progress(p); });
            found = measured.emplace(key, std::move(r)).first;
        }
        tune::EntryResult r = found->second;
        r.entry = entries[i];
        results.push_back(std::move(r));
    }
    progress.finish();

    const Summary summary = summarize(results);
    if (!args.csv.empty()) write_text_file(args.csv, csv_text(results, summary));
    if (!args.plot.empty())
        plot_suite_speedups(
            results,
            fmt::format("atim bench --suite {}: tuned vs baselines, simulated on {}, {} trials", args.suite,
                        machine.name, args.trials),
            args.plot);
    if (args.json) {
        nlohmann::ordered_json json = {{"suite", args.suite},
                                       {"machine", machine.name},
                                       {"runner", "sim"},
                                       {"timing", "atim"},
                                       {"trials", args.trials},
                                       {"seed", args.seed},
                                       {"entries", nlohmann::ordered_json::array()}};
        for (const tune::EntryResult &r : results) json["entries"].push_back(entry_json(r));
        auto ratio = [](const std::optional<double> &v) {
            return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json();
        };
        json["geomean_speedup_tuned_vs_prim"] = ratio(summary.all.vs_prim);
        json["geomean_speedup_tuned_vs_prim_search"] = ratio(summary.all.vs_prim_search);
        json["geomean_speedup_tuned_vs_expert_search"] = ratio(summary.all.vs_expert_search);
        json["geomean_speedup_tuned_vs_simplepim"] = ratio(summary.all.vs_simplepim);
        // Per part of the suite (tensor-ops, gptj-mtv, gptj-mmtv, gptj) that holds some of the entries.
        json["geomeans_by_part"] = nlohmann::ordered_json::object();
        for (const auto &[part, g] : summary.parts)
            json["geomeans_by_part"][part->key] = {{"entries", g.entries},
                                                   {"vs_prim", ratio(g.vs_prim)},
                                                   {"vs_prim_search", ratio(g.vs_prim_search)},
                                                   {"vs_expert_search", ratio(g.vs_expert_search)},
                                                   {"vs_simplepim", ratio(g.vs_simplepim)}};
        json["tuned_slower_than_prim_search"] = summary.tuned_slower_than_prim_search;
        json["tuned_slower_than_expert_search"] = summary.tuned_slower_than_expert_search;
        json["tuned_slower_than_simplepim"] = summary.tuned_slower_than_simplepim;
        fmt::print("{}\n", json.dump());
    } else {
        print_table(results, summary, args, machine.name, progress.seconds());
    }
}

void add_bench_command(CLI::App &app) {
    auto args = std::make_shared<BenchArguments>();
    CLI::App *command = app.add_subcommand(
        "bench",
        "evaluate the tuner against PrIM, PrIM+Search, SimplePIM (va, red) and 2-D expert+Search on ATiM's "
        "benchmark suite (simulated)");
    command->footer(
        "Suite atim: by default the 4 MB and 64 MB tensor-operation columns (14 entries) and GPT-J 6B's 12 "
        "operators: 4 MTV layers (gptj6b-qkv 12288x4096, -attn-out 4096x4096, -fc-in 16384x4096, -fc-out "
        "4096x16384) and 8 attention-score MMTVs (gptj6b-score-bB-tT: [16*B, T, 256], batch B in {1, 4}, T "
        "in {64, 128, 256, 512}). --full adds the 256 MB and 512 MB columns and GPT-J 30B's 12 operators "
        "(MTV 21504x7168, 7168x7168, 28672x7168, 7168x28672; MMTV with 28 heads): all 24 GPT-J operators of "
        "ATiM's evaluation. --only selects from that suite by entry name, group (4MB, 64MB, 256MB, 512MB, "
        "gptj6b, gptj30b), workload, or gptj, gptj-mtv, gptj-mmtv, gptj6b-mtv, gptj6b-mmtv, gptj30b-mtv, "
        "gptj30b-mmtv. The summary prints geometric-mean speedups over all entries and separately for the "
        "tensor operations, the GPT-J MTV layers, the GPT-J attention MMTVs (small, overhead-bound) and all "
        "GPT-J operators.");
    command
        ->add_option("--suite", args->suite,
                     "benchmark suite: atim (ATiM's tensor operations + GPT-J operators)")
        ->check(CLI::IsMember({"atim"}))
        ->capture_default_str();
    command->add_flag(
        "--full", args->full,
        "the whole suite: also the 256 MB and 512 MB columns and GPT-J 30B (50 entries, 26 by default)");
    command->add_option(
        "--only", args->only,
        "entries to run: entry names, groups (4MB, 64MB, gptj6b, gptj30b), workloads, or gptj, "
        "gptj-mtv, gptj-mmtv, gptj6b-mmtv, ...");
    command->add_option("--entry", args->custom_entries,
                        "measure WORKLOAD:SHAPE entries (e.g. mtv:1024x1024) instead of the suite");
    command->add_option("--machine", args->machine, "machine preset or JSON file")->capture_default_str();
    command->add_option("--trials", args->trials, "tuner trials per entry")->capture_default_str();
    command->add_option("--batch", args->batch, "tuner candidates per search iteration")
        ->capture_default_str();
    command->add_option("--population", args->population, "tuner evolutionary population")
        ->capture_default_str();
    command->add_option("--seed", args->seed, "seed of the search and of the random inputs")
        ->capture_default_str();
    command->add_option("--csv", args->csv, "also write the table as CSV to this file");
    command->add_option("--plot", args->plot,
                        "also draw the speedups into this directory (suite_speedups.png/.svg, with gnuplot)");
    command->add_option("--db", args->db,
                        "keep the tuner's records in this database (default: a temporary file)");
    command->add_flag("--json", args->json, "print one JSON object instead of the table");
    command->add_option("--threads", args->threads, "candidates measured in parallel (0: all cores)")
        ->capture_default_str();
    command
        ->add_option(
            "--dpus", args->grid_dpus,
            "baseline grid: total DPU counts (prim, SimplePIM, 2-D expert+Search; PrIM+Search except "
            "mmtv)")
        ->delimiter(',')
        ->capture_default_str();
    command
        ->add_option("--tasklets", args->grid_tasklets,
                     "PrIM+Search (not mmtv) and 2-D expert+Search grids: tasklets")
        ->delimiter(',')
        ->capture_default_str();
    command
        ->add_option("--blocks", args->grid_blocks,
                     "PrIM+Search grid (not mmtv): WRAM block sizes in elements")
        ->delimiter(',')
        ->capture_default_str();
    command
        ->add_option("--k-ways", args->grid_k_ways,
                     "2-D expert+Search grid: ways the reduction is split over DPUs (1: rows only)")
        ->delimiter(',')
        ->capture_default_str();
    command->add_option("--caches", args->grid_caches, "2-D expert+Search grid: WRAM tiles in elements")
        ->delimiter(',')
        ->capture_default_str();
    command
        ->add_option("--mmtv-dpus", args->grid_mmtv_dpus,
                     "PrIM+Search grid of mmtv: DPUs per batch y (kept where 32 <= batches * y <= 2048)")
        ->delimiter(',')
        ->capture_default_str();
    command
        ->add_option("--mmtv-tasklets", args->grid_mmtv_tasklets,
                     "PrIM+Search grid of mmtv: tasklets t (kept where 2 * y * t <= rows per batch)")
        ->delimiter(',')
        ->capture_default_str();
    command
        ->add_option("--mmtv-blocks", args->grid_mmtv_blocks,
                     "PrIM+Search grid of mmtv: WRAM blocks in elements")
        ->delimiter(',')
        ->capture_default_str();
    args->cluster.add_to(*command);
    command->callback([args] { run_bench(*args); });
}

const CommandRegistration registration(70, add_bench_command);

}  // namespace
}  // namespace atim::cli
