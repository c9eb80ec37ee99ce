// Tuning cost (issue 14, item 4): how fast the tuner gets close to its best. For each workload and seed it
// runs `atim tune`'s search (sim runner, sampled mode, the default options) for TRIALS trials and prints:
// - the run's best total time, the first trial whose best-so-far is within 2% of it, and the wall time to it;
// - per workload, the median over seeds of best-so-far / final best after 16, 32, ..., TRIALS trials and
//   after the same fractions of wall time;
// - whether the median trial within 2% is <= 250 (the issue's target for mtv 4096² and mmtv 64x256x256).
// Each run keeps its records in OUT/<workload>-<shape>-seed<N>.db and its wall-time checkpoints (one per
// batch) in OUT/<...>.time.csv, so an interrupted bench continues where it stopped (the tuner's --resume) and
// a finished run is read back, not re-run. Curves go to OUT/tuning_cost.{dat,gp} and, when gnuplot is
// installed, OUT/tuning_cost.{png,svg}. Trials are deterministic per seed; wall times are this machine's and
// vary with its load (a resumed run's wall time covers only the part run by the last process and is marked
// so).
//
// usage: bench_tuning_cost [trials=1000] [seeds=5] [out=build/tuning-cost] [threads=0 (all cores)]
//                          [workloads=mtv:4096x4096,mmtv:64x256x256]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "atim/support/error.h"
#include "atim/support/gnuplot.h"
#include "atim/tune/database.h"
#include "atim/tune/runner.h"
#include "atim/tune/search.h"
#include "atim/workloads/workload.h"

namespace {

using namespace atim;
namespace fs = std::filesystem;

constexpr double kWithin = 0.02;   // "within 2% of the best"
constexpr int kTargetTrial = 250;  // the issue's target for the median trial within 2%
const std::vector<int> kCheckpoints = {16, 32, 64, 128, 250, 500, 1000, 2000, 4000};

struct Options {
    int trials = 1000;
    int seeds = 5;
    std::string out = "build/tuning-cost";
    int threads = 0;
    std::vector<std::pair<std::string, std::string>> workloads = {{"mtv", "4096x4096"},
                                                                  {"mmtv", "64x256x256"}};
};

std::vector<std::pair<std::string, std::string>> parse_workloads(const std::string &text) {
    std::vector<std::pair<std::string, std::string>> list;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        const size_t colon = item.find(':');
        if (colon == std::string::npos)
            user_error("workload '{}': expected NAME:SHAPE, e.g. mtv:4096x4096", item);
        list.emplace_back(item.substr(0, colon), item.substr(colon + 1));
    }
    return list;
}

Options parse_options(int argc, char **argv) {
    Options o;
    if (argc > 1) o.trials = std::atoi(argv[1]);
    if (argc > 2) o.seeds = std::atoi(argv[2]);
    if (argc > 3) o.out = argv[3];
    if (argc > 4) o.threads = std::atoi(argv[4]);
    if (argc > 5) o.workloads = parse_workloads(argv[5]);
    if (o.trials <= 0 || o.seeds <= 0 || o.threads < 0 || o.workloads.empty())
        user_error(
            "usage: bench_tuning_cost [trials>0] [seeds>0] [out dir] [threads>=0] [workloads "
            "NAME:SHAPE,...]");
    return o;
}

/// One batch's end: trials done and wall seconds since the run started.
struct Checkpoint {
    int trials = 0;
    double seconds = 0;
};

/// What one (workload, seed) run gives: best-so-far per trial and the wall-time checkpoints.
struct RunCurve {
    std::vector<double> best_so_far;  ///< per trial; infinity until the first valid trial
    std::vector<Checkpoint> wall;
    bool resumed = false;  ///< the wall times cover only the last process's part
    double final_best() const { return best_so_far.empty() ? INFINITY : best_so_far.back(); }
    /// 1-based trial at which the best so far is first within kWithin of the final best.
    int trial_within() const {
        for (size_t i = 0; i < best_so_far.size(); ++i)
            if (best_so_far[i] <= final_best() * (1 + kWithin)) return static_cast<int>(i) + 1;
        return 0;
    }
    /// Wall seconds at `trial` (1-based) for the curve: interpolated within its batch (a batch's candidates
    /// are measured together, so the checkpoints are the only times measured).
    double interpolated_seconds(int trial) const {
        Checkpoint previous;
        for (const Checkpoint &c : wall) {
            if (c.trials >= trial)
                return previous.seconds + (c.seconds - previous.seconds) * (trial - previous.trials) /
                                              std::max(1, c.trials - previous.trials);
            previous = c;
        }
        return previous.seconds;
    }
    /// Wall seconds by the end of the batch holding `trial` (1-based).
    double seconds_at(int trial) const {
        for (const Checkpoint &c : wall)
            if (c.trials >= trial) return c.seconds;
        return wall.empty() ? 0 : wall.back().seconds;
    }
};

std::string run_name(const std::pair<std::string, std::string> &w, int seed) {
    return fmt::format("{}-{}-seed{}", w.first, w.second, seed);
}

std::vector<Checkpoint> read_checkpoints(const fs::path &path, bool &resumed) {
    std::vector<Checkpoint> wall;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("#")) {
            resumed = resumed || line.find("resumed") != std::string::npos;
            continue;
        }
        Checkpoint c;
        if (std::sscanf(line.c_str(), "%d,%lf", &c.trials, &c.seconds) == 2) wall.push_back(c);
    }
    return wall;
}

/// Runs (or resumes, or reads back) one tuning run and returns its curve.
RunCurve tune_one(const Options &o, const std::pair<std::string, std::string> &w, int seed) {
    const workloads::Workload workload =
        workloads::make_workload(w.first, workloads::parse_shape(w.first, w.second));
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    const fs::path base = fs::path(o.out) / run_name(w, seed);
    const fs::path time_path = base.string() + ".time.csv";
    tune::SearchOptions options;  // `atim tune`'s defaults
    options.trials = o.trials;
    options.seed = static_cast<uint64_t>(seed);
    options.resume = true;
    tune::Database db = tune::Database::open(base.string() + ".db");
    const std::string key = tune::run_key(workload, tune::machine_fingerprint(machine), options);
    RunCurve curve;
    bool complete = static_cast<int>(db.run_records(key).size()) >= o.trials && fs::exists(time_path);
    if (!complete) {
        const bool resumed = !db.run_records(key).empty();
        tune::RunnerOptions runner_options;
        runner_options.machine = machine;
        runner_options.seed = options.seed;
        runner_options.threads = o.threads;
        std::unique_ptr<tune::Runner> runner = tune::make_sim_runner(runner_options);
        std::vector<Checkpoint> wall;
        const auto start = std::chrono::steady_clock::now();
        tune::tune(workload, machine, *runner, db, options, [&](const tune::TuneProgress &p) {
            wall.push_back({p.trials_done,
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
        });
        std::ofstream out(time_path.string() + ".part");
        out << (resumed ? "# resumed: wall seconds of the last process only\n" : "# trials,wall_seconds\n");
        for (const Checkpoint &c : wall) out << c.trials << ',' << c.seconds << '\n';
        out.close();
        fs::rename(time_path.string() + ".part", time_path);  // written whole or not at all
    }
    curve.wall = read_checkpoints(time_path, curve.resumed);
    double best = INFINITY;
    for (const tune::TuningRecord &r : db.run_records(key)) {
        if (r.trial >= o.trials) continue;
        if (r.result.status == tune::MeasureStatus::Ok) best = std::min(best, r.result.total_ms);
        curve.best_so_far.push_back(best);
    }
    return curve;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

void write_plot(const Options &o, const std::vector<std::string> &names,
                const std::vector<std::vector<RunCurve>> &curves) {
    const fs::path dat = fs::path(o.out) / "tuning_cost.dat";
    std::ofstream out(dat);
    // One block per workload: trial, median ratio, min ratio, max ratio, median wall seconds at the trial.
    for (size_t w = 0; w < names.size(); ++w) {
        out << "# " << names[w] << "\n";
        for (int trial = 1; trial <= o.trials; ++trial) {
            std::vector<double> ratios, seconds;
            for (const RunCurve &c : curves[w]) {
                ratios.push_back(c.best_so_far[trial - 1] / c.final_best());
                seconds.push_back(c.interpolated_seconds(trial));
            }
            out << fmt::format("{} {:.5f} {:.5f} {:.5f} {:.2f}\n", trial, median(ratios),
                               *std::min_element(ratios.begin(), ratios.end()),
                               *std::max_element(ratios.begin(), ratios.end()), median(seconds));
        }
        out << "\n\n";
    }
    out.close();
    std::ofstream gp(fs::path(o.out) / "tuning_cost.gp");
    gp << "# Drawn by bench_tuning_cost: best-so-far / final best, median over seeds (band: min-max); wall\n"
          "# seconds are the batches' end times, interpolated within each batch.\n";
    gp << "set datafile missing '?'\nset logscale x\nset yrange [0.95:*]\nset grid\nset key top right\n";
    gp << "set ylabel 'best so far / best after " << o.trials << " trials'\n";
    for (const char *term : {"pngcairo size 1100,420", "svg size 1100,420"}) {
        const std::string ext = std::string(term).starts_with("png") ? "png" : "svg";
        gp << "set terminal " << term << "\nset output 'tuning_cost." << ext << "'\n";
        gp << "set multiplot layout 1,2\n";
        for (const char *axis : {"trials", "wall"}) {
            const bool trials = std::string(axis) == "trials";
            gp << "set xlabel '" << (trials ? "trials" : "wall seconds (this machine)") << "'\n";
            gp << "plot ";
            for (size_t w = 0; w < names.size(); ++w) {
                const std::string x = trials ? "1" : "5";
                gp << (w ? ", " : "") << "'tuning_cost.dat' index " << w << " using " << x
                   << ":3:4 with filledcurves notitle fs transparent solid 0.2 lc " << w + 1 << ", '' index "
                   << w << " using " << x << ":2 with lines lw 2 lc " << w + 1 << " title '" << names[w]
                   << "'";
            }
            gp << "\n";
        }
        gp << "unset multiplot\n";
    }
    gp.close();
    fmt::print("{}\n", draw_figure(o.out, "tuning_cost", "curves"));
}

int run(int argc, char **argv) {
    const Options o = parse_options(argc, argv);
    fs::create_directories(o.out);
    fmt::print(
        "tuning cost: {} trials x {} seeds per workload on upmem-2048 (sim runner, sampled mode, atim tune's "
        "defaults); records and checkpoints in {} (resumable)\n",
        o.trials, o.seeds, o.out);
    fmt::print("{:<22} {:>4} {:>12} {:>14} {:>12} {:>10}\n", "workload", "seed", "best ms", "trial in 2%",
               "s to 2%", "wall s");
    std::vector<std::string> names;
    std::vector<std::vector<RunCurve>> curves;
    for (const auto &w : o.workloads) {
        names.push_back(w.first + " " + w.second);
        curves.emplace_back();
        for (int seed = 1; seed <= o.seeds; ++seed) {
            RunCurve c = tune_one(o, w, seed);
            fmt::print("{:<22} {:>4} {:>12.4f} {:>14} {:>12.1f} {:>10.1f}{}\n", names.back(), seed,
                       c.final_best(), c.trial_within(), c.seconds_at(c.trial_within()),
                       c.wall.empty() ? 0 : c.wall.back().seconds, c.resumed ? " (resumed)" : "");
            std::fflush(stdout);
            curves.back().push_back(std::move(c));
        }
    }
    fmt::print("\nmedian over seeds of best-so-far / final best, after N trials:\n{:<22}", "workload");
    std::vector<int> shown;
    for (int n : kCheckpoints)
        if (n < o.trials) shown.push_back(n);
    shown.push_back(o.trials);
    for (int n : shown) fmt::print(" {:>7}", n);
    fmt::print(" {:>14} {:>10}\n", "trial in 2%", "s to 2%");
    for (size_t w = 0; w < names.size(); ++w) {
        fmt::print("{:<22}", names[w]);
        for (int n : shown) {
            std::vector<double> ratios;
            for (const RunCurve &c : curves[w]) ratios.push_back(c.best_so_far[n - 1] / c.final_best());
            fmt::print(" {:>7.3f}", median(ratios));
        }
        std::vector<double> trials, seconds;
        for (const RunCurve &c : curves[w]) {
            trials.push_back(c.trial_within());
            seconds.push_back(c.seconds_at(c.trial_within()));
        }
        const double median_trial = median(trials);
        fmt::print(" {:>14.0f} {:>10.1f}   target <= {} at {} trials: {}\n", median_trial, median(seconds),
                   kTargetTrial, o.trials, median_trial <= kTargetTrial ? "met" : "missed");
    }
    fmt::print(
        "(best ms: the search's sampled-mode measurement; s to 2%: wall seconds at the end of the batch "
        "holding "
        "that trial)\n");
    write_plot(o, names, curves);
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    try {
        return run(argc, argv);
    } catch (const atim::UserError &e) {
        fmt::print(stderr, "bench_tuning_cost: {}\n", e.what());
        return 2;
    }
}
