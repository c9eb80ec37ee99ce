// The space x algorithm search ablation (issue 14 item 3; atim-method.md §6.3): what each part of the search
// buys. Six variants (tune::ablation_variants(): random, TVM's default evolutionary search, ATiM's, ours on
// the joint space; PrIM+Search's grid and ATiM's search on PrIM's 1-D space) on mtv 4096x4096,
// mmtv 64x256x256, ttv 128x256x512 and red 8388608, five seeds, each run's best-so-far read at 32 and 128
// trials (and 512 on mtv). Every run keeps its records under the output directory and continues from them,
// so the experiment can be interrupted at any time and run again; --report prints the table of whatever is
// recorded without running anything. Times are the search's own measurements in the sim runner's sampled
// mode (nothing re-measured), with the same random inputs (seed 1) for every run.
//
// usage: bench_search_ablation [--out DIR] [--workloads mtv:4096x4096@512,...] [--variants ...]
//                              [--seeds 1,2,3,4,5] [--budgets 32,128,512] [--stop-at N] [--threads N]
//                              [--report] [--csv FILE]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atim/support/error.h"
#include "atim/support/gnuplot.h"
#include "atim/tune/runner.h"
#include "atim/tune/search_ablation.h"

namespace {

using namespace atim;
using tune::AblationCurve;
using tune::AblationRun;
using tune::AblationVariant;
namespace fs = std::filesystem;

/// One workload of the experiment and the length of its runs.
struct Workload {
    tune::SuiteEntry entry;
    int trials = 128;
};

struct Args {
    std::string out = "search-ablation";
    std::vector<std::string> workloads = {"mtv:4096x4096@512", "mmtv:64x256x256@128", "ttv:128x256x512@128",
                                          "red:8388608@128"};
    std::vector<std::string> variants;  ///< empty: all
    std::vector<uint64_t> seeds = {1, 2, 3, 4, 5};
    std::vector<int> budgets = {32, 128, 512};
    std::optional<int> stop_at;
    int threads = 0;
    int batch = tune::AblationSettings{}.batch;
    int population = tune::AblationSettings{}.population;
    bool report_only = false;
    std::string csv;  ///< default OUT/table.csv
};

/// "WORKLOAD:SHAPE[@TRIALS]"; without @, runs as long as the largest budget.
Workload parse_workload(const std::string &text, int largest_budget) {
    Workload w;
    const size_t at = text.find('@');
    w.entry = tune::parse_custom_entry(text.substr(0, at));
    w.trials = largest_budget;
    if (at != std::string::npos) {
        try {
            w.trials = std::stoi(text.substr(at + 1));
        } catch (const std::exception &) {
            w.trials = 0;
        }
        if (w.trials <= 0)
            user_error("--workloads {}: the run length after @ must be a positive count", text);
    }
    return w;
}

/// The run of `variant` on `w` with `seed` (the grid's seed is irrelevant: always 1).
AblationRun make_run(const Workload &w, const AblationVariant &variant, uint64_t seed) {
    return AblationRun{w.entry, variant, variant.seeded() ? seed : 1, w.trials};
}

/// Median, min and max of one cell over the seeds that reached its budget.
struct Cell {
    std::vector<double> values;
    int seeds_expected = 0, seeds_reached = 0;  ///< reached: the run got that far (valid or not)
    double median() const {
        std::vector<double> v = values;
        std::sort(v.begin(), v.end());
        const size_t n = v.size();
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
    double min() const { return *std::min_element(values.begin(), values.end()); }
    double max() const { return *std::max_element(values.begin(), values.end()); }
    bool complete() const { return seeds_reached == seeds_expected; }
    bool empty() const { return values.empty(); }
};

/// A budget label: a trial count, or the grid's full size.
constexpr int kFullGrid = -1;
std::string budget_label(int budget) { return budget == kFullGrid ? "grid" : std::to_string(budget); }

struct Table {
    // (entry name, budget) -> variant -> cell
    std::map<std::pair<std::string, int>, std::map<std::string, Cell>> cells;
    std::map<std::string, int> grid_size;  ///< entry name -> points the grid measured (when complete)
};

Cell cell_of(const std::vector<AblationCurve> &curves, int budget) {
    Cell cell;
    cell.seeds_expected = static_cast<int>(curves.size());
    for (const AblationCurve &c : curves) {
        const int at = budget == kFullGrid ? std::max(1, c.trials_done) : budget;
        if (budget == kFullGrid ? !c.complete : !c.reached(at)) continue;
        ++cell.seeds_reached;
        if (std::optional<double> best = c.best_within(at)) cell.values.push_back(*best);
    }
    return cell;
}

std::optional<double> ratio(const Cell &numerator, const Cell &denominator) {
    if (numerator.empty() || denominator.empty()) return std::nullopt;
    return numerator.median() / denominator.median();
}

std::string format_cell(const Cell &cell, const Cell *ours) {
    if (cell.empty()) return cell.seeds_reached < cell.seeds_expected ? "pending" : "no valid";
    std::string text = cell.values.size() == 1
                           ? fmt::format("{:.4f}", cell.median())
                           : fmt::format("{:.4f} [{:.4f}-{:.4f}]", cell.median(), cell.min(), cell.max());
    if (ours && !ours->empty()) text += fmt::format(" {:.2f}x", cell.median() / ours->median());
    if (!cell.complete()) text += fmt::format(" ({}/{})", cell.seeds_reached, cell.seeds_expected);
    return text;
}

/// One computed line per comparison: the median ratio `slower / faster` per workload at each budget, their
/// geometric mean, and on how many workloads the seed spreads do not overlap.
void print_comparison(const Table &table, const std::vector<Workload> &workloads,
                      const std::vector<int> &budgets, const std::string &title, const std::string &base,
                      const std::string &better) {
    for (int budget : budgets) {
        std::vector<std::string> parts;
        double log_sum = 0;
        int count = 0, better_wins = 0, base_wins = 0, overlapping = 0;
        for (const Workload &w : workloads) {
            auto row = table.cells.find({w.entry.name, budget});
            if (row == table.cells.end() || !row->second.contains(base) || !row->second.contains(better))
                continue;
            const Cell &a = row->second.at(base), &b = row->second.at(better);
            const std::optional<double> r = ratio(a, b);
            if (!r) continue;
            const bool complete = a.complete() && b.complete();
            parts.push_back(fmt::format("{} {:.3f}x{}", w.entry.workload, *r, complete ? "" : "*"));
            log_sum += std::log(*r);
            ++count;
            if (b.max() < a.min())
                ++better_wins;
            else if (a.max() < b.min())
                ++base_wins;
            else
                ++overlapping;
        }
        if (count == 0) continue;
        const double mean = std::exp(log_sum / count);
        const std::string verdict = std::abs(mean - 1) < 0.01 ? "buys nothing measurable (geomean within 1%)"
                                    : mean > 1 ? fmt::format("buys {:.1f}% (geomean)", (mean - 1) * 100)
                                               : fmt::format("costs {:.1f}% (geomean)", (1 / mean - 1) * 100);
        fmt::print(
            "  {} at {}: {}; geomean {:.3f}x: {}; {} faster on {}, {} faster on {}, spreads overlap on {}\n",
            title, budget_label(budget), fmt::join(parts, ", "), mean, verdict, better, better_wins, base,
            base_wins, overlapping);
    }
}

/// OUT/ablation.{dat,gp} and, with gnuplot, OUT/ablation.{png,svg}: one panel per budget, per workload a
/// group of bars (one per variant) of its median best over ours' median, with the min-max spread over seeds.
void plot_ablation(const Table &table, const std::vector<Workload> &workloads,
                   const std::vector<AblationVariant> &variants, const std::vector<int> &budgets,
                   const fs::path &out) {
    std::ofstream dat(out / "ablation.dat");
    std::vector<int> panels;
    for (int budget : budgets) {
        dat << "# budget " << budget << ": workload, then per variant median/ours, min/ours, max/ours\n";
        for (const Workload &w : workloads) {
            auto row = table.cells.find({w.entry.name, budget});
            const Cell *ours = nullptr;
            if (row != table.cells.end() && row->second.contains("ours") && !row->second.at("ours").empty())
                ours = &row->second.at("ours");
            dat << '"' << w.entry.name << '"';
            for (const AblationVariant &v : variants) {
                const Cell *c = nullptr;
                if (ours && row->second.contains(v.name) && !row->second.at(v.name).empty())
                    c = &row->second.at(v.name);
                if (!c) {
                    dat << " ? ? ?";
                    continue;
                }
                const double base = ours->median();
                dat << fmt::format(" {:.4f} {:.4f} {:.4f}", c->median() / base, c->min() / base,
                                   c->max() / base);
            }
            dat << "\n";
        }
        dat << "\n\n";
        panels.push_back(budget);
    }
    dat.close();
    std::ofstream gp(out / "ablation.gp");
    gp << "# Drawn by bench_search_ablation: best total time over ours (median over seeds, bars: min-max).\n";
    gp << "set datafile missing '?'\nset style data histogram\nset style histogram errorbars gap 1 lw 1\n";
    gp << "set style fill solid 0.7 border -1\nset logscale y\nset grid ytics\nset xtics rotate by -20\n";
    gp << "set ylabel 'best / best of ours'\nset key outside right\n";
    for (const char *term : {"pngcairo size 1300,420", "svg size 1300,420"}) {
        const std::string ext = std::string(term).starts_with("png") ? "png" : "svg";
        gp << "set terminal " << term << "\nset output 'ablation." << ext << "'\n";
        gp << "set multiplot layout 1," << panels.size() << "\n";
        for (size_t p = 0; p < panels.size(); ++p) {
            gp << "set title 'after " << panels[p] << " trials'\nplot ";
            for (size_t v = 0; v < variants.size(); ++v)
                gp << (v ? ", " : "") << "'ablation.dat' index " << p << " using " << 2 + 3 * v << ":"
                   << 3 + 3 * v << ":" << 4 + 3 * v << (v ? "" : ":xtic(1)") << " title '" << variants[v].name
                   << "'";
            gp << ", 1 notitle lc rgb 'black'\n";
        }
        gp << "unset multiplot\n";
    }
    gp.close();
    fmt::print("{}\n", draw_figure(out.string(), "ablation", "figure"));
}

int run(int argc, char **argv) {
    Args args;
    CLI::App app{"Search ablation: best total time after N trials, per workload, variant and seed"};
    app.add_option("--out", args.out, "output directory: one records database per run, table.csv")
        ->capture_default_str();
    app.add_option("--workloads", args.workloads, "WORKLOAD:SHAPE[@RUN_TRIALS] entries")
        ->delimiter(',')
        ->capture_default_str();
    app.add_option("--variants", args.variants,
                   "variants to run (default all): random, tvm-default, atim, ours, prim-search-1d, atim-1d")
        ->delimiter(',');
    app.add_option("--seeds", args.seeds, "search seeds")->delimiter(',')->capture_default_str();
    app.add_option("--budgets", args.budgets, "trial counts the table reads each run's curve at")
        ->delimiter(',')
        ->capture_default_str();
    app.add_option("--stop-at", args.stop_at,
                   "stop every search run after this many trials (it continues on the next invocation); the "
                   "grid always runs whole");
    app.add_option("--threads", args.threads, "candidates measured in parallel (0: all cores)")
        ->capture_default_str();
    app.add_option("--batch", args.batch, "candidates per search iteration (part of each run's identity)")
        ->capture_default_str();
    app.add_option("--population", args.population, "evolutionary population (part of each run's identity)")
        ->capture_default_str();
    app.add_flag("--report", args.report_only, "run nothing: print the table of what is recorded");
    app.add_option("--csv", args.csv, "where the table goes as CSV (default OUT/table.csv)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e);
    }
    if (args.budgets.empty() || *std::min_element(args.budgets.begin(), args.budgets.end()) <= 0)
        user_error("--budgets must be positive trial counts");
    if (args.stop_at && *args.stop_at <= 0) user_error("--stop-at must be positive");
    std::sort(args.budgets.begin(), args.budgets.end());
    args.budgets.erase(std::unique(args.budgets.begin(), args.budgets.end()), args.budgets.end());
    std::vector<Workload> workloads;
    for (const std::string &text : args.workloads)
        workloads.push_back(parse_workload(text, args.budgets.back()));
    std::vector<AblationVariant> variants;
    if (args.variants.empty())
        variants = tune::ablation_variants();
    else
        for (const std::string &name : args.variants) variants.push_back(tune::ablation_variant(name));
    const fs::path out = args.out;
    const std::string csv_path = args.csv.empty() ? (out / "table.csv").string() : args.csv;

    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    tune::AblationSettings settings;
    settings.batch = args.batch;
    settings.population = args.population;
    tune::RunnerOptions runner_options;
    runner_options.machine = machine;
    runner_options.seed = 1;  // the same random inputs for every run: only the search's seed varies
    runner_options.threads = args.threads;
    std::unique_ptr<tune::Runner> runner = tune::make_sim_runner(runner_options);

    fmt::print(
        "search ablation on {} (sim runner, atim timing, inputs seed 1), batch {}, population {}; records "
        "in {}\n",
        machine.name, settings.batch, settings.population, out.string());
    for (const AblationVariant &v : variants) fmt::print("  {:<15} {}\n", v.name, v.description);
    fmt::print(
        "  (on a workload with one sketch family, red, the 1-D space is the whole space: atim-1d is its atim "
        "run, listed twice)\n");

    // Seeds outermost: a partial experiment holds whole seeds of every workload and variant.
    std::map<std::string, double> seconds_of;  // "entry variant seed" -> wall seconds
    if (!args.report_only) {
        for (uint64_t seed : args.seeds)
            for (const Workload &w : workloads)
                for (const AblationVariant &v : variants) {
                    if (!v.seeded() && seed != args.seeds.front()) continue;
                    const AblationRun r = make_run(w, v, seed);
                    const AblationCurve curve = tune::run_ablation(
                        r, machine, *runner, out, settings, v.seeded() ? args.stop_at : std::nullopt,
                        [](const AblationRun &run, const AblationCurve &c) {
                            const std::optional<double> best =
                                c.best_after.empty() ? std::nullopt : c.best_after.back();
                            fmt::print(stderr, "  {} {} seed {}: {}/{} trials, best {}, {:.0f} s\n",
                                       run.entry.name, run.variant.name, run.seed, c.trials_done,
                                       run.variant.seeded() ? run.trials : c.trials_done,
                                       best ? fmt::format("{:.4f} ms", *best) : "-", c.seconds);
                        });
                    (void)curve;
                }
    }

    // The table, from the records alone.
    Table table;
    fmt::print(
        "\nper run: trials recorded, measured (not replayed), wall seconds, seconds per measured trial\n");
    for (const Workload &w : workloads)
        for (const AblationVariant &v : variants) {
            std::vector<AblationCurve> curves;
            for (uint64_t seed : args.seeds) {
                if (!v.seeded() && seed != args.seeds.front()) continue;
                const AblationRun r = make_run(w, v, seed);
                AblationCurve c = tune::read_ablation_run(r, machine, out, settings);
                if (c.trials_done > 0)
                    fmt::print(
                        "  {:<16} {:<15} seed {}: {:>4} trials{} ({} valid, {} pruned, {} failed), "
                        "{:>4} measured, {:>7.1f} s, {:.2f} s/trial\n",
                        w.entry.name, v.name, r.seed, c.trials_done, c.complete ? "" : " (incomplete)",
                        c.valid, c.pruned, c.failed, c.measured, c.seconds,
                        c.measured > 0 ? c.seconds / c.measured : 0.0);
                curves.push_back(std::move(c));
            }
            for (int budget : args.budgets)
                if (budget <= w.trials) table.cells[{w.entry.name, budget}][v.name] = cell_of(curves, budget);
            if (!v.seeded()) {
                table.cells[{w.entry.name, kFullGrid}][v.name] = cell_of(curves, kFullGrid);
                if (!curves.empty() && curves.front().complete)
                    table.grid_size[w.entry.name] = curves.front().trials_done;
            }
        }

    fmt::print(
        "\nbest total time (ms, simulated): median [min-max] over seeds, then median / median of ours; "
        "(k/n): only k of n seeds reached the budget; pending: none did; the grid at \"grid\" is all its "
        "points, at N its first N points in spread order\n");
    fmt::print("{:<18} {:>6}", "workload", "trials");
    for (const AblationVariant &v : variants) fmt::print(" | {:<34}", v.name);
    fmt::print("\n");
    std::ofstream csv;
    if (!csv_path.empty()) {
        fs::create_directories(fs::path(csv_path).parent_path().empty() ? "."
                                                                        : fs::path(csv_path).parent_path());
        csv.open(csv_path);
        csv << "workload,shape,variant,budget,seeds,seeds_reached,median_ms,min_ms,max_ms,ratio_to_ours,"
               "complete\n";
    }
    for (const Workload &w : workloads) {
        std::vector<int> budgets;
        for (int b : args.budgets)
            if (b <= w.trials) budgets.push_back(b);
        budgets.push_back(kFullGrid);
        for (int budget : budgets) {
            auto row = table.cells.find({w.entry.name, budget});
            if (row == table.cells.end()) continue;
            const Cell *ours = row->second.contains("ours") ? &row->second.at("ours") : nullptr;
            std::string label = budget_label(budget);
            if (budget == kFullGrid && table.grid_size.contains(w.entry.name))
                label = fmt::format("{}={}", label, table.grid_size.at(w.entry.name));
            fmt::print("{:<18} {:>6}", w.entry.name, label);
            for (const AblationVariant &v : variants) {
                auto found = row->second.find(v.name);
                fmt::print(" | {:<34}", found == row->second.end() ? "" : format_cell(found->second, ours));
                if (found == row->second.end() || !csv.is_open()) continue;
                const Cell &c = found->second;
                const std::optional<double> to_ours = ours ? ratio(c, *ours) : std::nullopt;
                csv << fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", w.entry.workload,
                                   w.entry.shape_string(), v.name, budget_label(budget), c.seeds_expected,
                                   c.seeds_reached, c.empty() ? "" : fmt::format("{:.6f}", c.median()),
                                   c.empty() ? "" : fmt::format("{:.6f}", c.min()),
                                   c.empty() ? "" : fmt::format("{:.6f}", c.max()),
                                   to_ours ? fmt::format("{:.4f}", *to_ours) : "", c.complete() ? 1 : 0);
            }
            fmt::print("\n");
        }
    }
    if (csv.is_open()) fmt::print("CSV: {}\n", csv_path);
    plot_ablation(table, workloads, variants, args.budgets, out);

    fmt::print(
        "\nwhat each part buys (median ratio slower-candidate / faster-candidate per workload, >1: the "
        "second named is faster; *: some seeds missing)\n");
    print_comparison(table, workloads, args.budgets, "joint space over 1-D (atim-1d / atim)", "atim-1d",
                     "atim");
    print_comparison(table, workloads, args.budgets,
                     "ATiM's balancing + adaptive eps over TVM default (tvm-default / atim)", "tvm-default",
                     "atim");
    print_comparison(table, workloads, args.budgets, "our seeds + local search over ATiM (atim / ours)",
                     "atim", "ours");
    print_comparison(table, workloads, args.budgets, "evolutionary over random (random / tvm-default)",
                     "random", "tvm-default");
    print_comparison(table, workloads, args.budgets,
                     "1-D: ATiM's search over PrIM+Search's grid (prim-search-1d / atim-1d)",
                     "prim-search-1d", "atim-1d");
    print_comparison(table, workloads, args.budgets,
                     "all: ours over PrIM+Search's grid (prim-search-1d / ours)", "prim-search-1d", "ours");
    fmt::print(
        "note: simulated times as the search measured them (sampled mode, nothing re-measured); wall seconds "
        "are this machine's and vary with its load\n");
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
