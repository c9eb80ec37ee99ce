// Fidelity benchmark: compiled programs (named schedules -> lower -> codegen::dpu -> sim::Machine) beside
// published real-hardware measurements, with the error of each row and the mean absolute percentage error
// (MAPE) and R^2 per experiment. No parameter is fitted on these rows: every row is validation (the machine
// preset's parameters come from the microbenchmarks and host-transfer data, see docs/simulator.md).
//
// Data: ../shared/calibration/prim_workloads_1to64dpus.csv (uPIMulator repository: PrIM VA, RED, GEMV on
// 1..64 DPUs, kernel and CPU->DPU / DPU->CPU times, and uPIMulator's own simulated kernel time) and
// boundary_opt_kernels.csv (ATiM artifact: MTV on 1 DPU and VA on 32 DPUs, PrIM kernel and ATiM kernels at
// O0, O1, O2, O4). The compared kernel figure is `time_ms.kernel` of `atim run --timing prim` (launch +
// slowest DPU's cycles / clock); transfers are the host model's h2d and after phases. Inputs are those of
// `atim run --seed 1`; every DPU is simulated and every output is checked bit-exactly against the reference
// interpreter: the bench exits 1 when any row computes a wrong output, 2 when the simulated O0 > O1 > O2 >=
// O4 ordering of a boundary row does not hold.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/interp/interpreter.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"
#include "calibration_csv.h"
#include "fidelity/server_suite.h"
#include "fidelity/short_loop.h"

namespace {

using atim::bench::CsvRow;
using atim::bench::percent_error;
using atim::bench::read_calibration;

/// One program to time: a workload at a shape with a named schedule, lowered at an optimization level.
struct KernelCase {
    std::string workload;
    std::vector<int64_t> shape;
    std::string schedule;
    std::map<std::string, std::string> params;
    int opt_level = 4;
};

/// Simulated times of one case.
struct SimTimes {
    int64_t cycles = 0;
    int64_t instructions = 0;  ///< issued by the slowest DPU (all its tasklets)
    double kernel_ms = 0;      ///< launch + cycles / clock (what `atim run` reports as kernel)
    double h2d_ms = 0, after_ms = 0;
    bool verified = false;
};

/// MAPE and R^2 of simulated against measured values.
class Fit {
public:
    void add(double measured, double simulated) {
        measured_.push_back(measured);
        simulated_.push_back(simulated);
    }
    int count() const { return static_cast<int>(measured_.size()); }
    double mape() const {
        double sum = 0;
        for (int i = 0; i < count(); ++i) sum += std::abs(percent_error(simulated_[i], measured_[i]));
        return count() ? sum / count() : 0;
    }
    /// 1 - SS_res / SS_tot: the share of the variance of the measured times the simulation explains.
    double r_squared() const {
        double mean = 0;
        for (double m : measured_) mean += m / count();
        double residual = 0, total = 0;
        for (int i = 0; i < count(); ++i) {
            residual += (measured_[i] - simulated_[i]) * (measured_[i] - simulated_[i]);
            total += (measured_[i] - mean) * (measured_[i] - mean);
        }
        return total > 0 ? 1 - residual / total : 0;
    }
    std::string str() const {
        return fmt::format("{:>4} rows  MAPE {:>6.1f}%  R^2 {:>7.4f}", count(), mape(), r_squared());
    }

private:
    std::vector<double> measured_, simulated_;
};

/// Least-squares line time = fixed + per_unit * size of measured and of simulated times over one row set:
/// separates a missing fixed cost (launch, host polling, set-up) from a wrong per-element cost.
class SizeLines {
public:
    void add(double size, double measured, double simulated) {
        sizes_.push_back(size);
        measured_.push_back(measured);
        simulated_.push_back(simulated);
    }
    int count() const { return static_cast<int>(sizes_.size()); }
    /// "fixed a / b ms (difference), per unit ratio measured/simulated": needs two distinct sizes.
    std::string str(const char *unit) const {
        auto [measured_slope, measured_fixed] = line(measured_);
        auto [simulated_slope, simulated_fixed] = line(simulated_);
        return fmt::format(
            "{:>3} rows  fixed {:>6.3f} / {:>6.3f} ms ({:>+6.3f})  per {} measured/simulated {:>5.3f}",
            count(), measured_fixed, simulated_fixed, measured_fixed - simulated_fixed, unit,
            simulated_slope != 0 ? measured_slope / simulated_slope : 0.0);
    }
    bool has_line() const {
        for (double s : sizes_)
            if (s != sizes_.front()) return true;
        return false;
    }

private:
    std::pair<double, double> line(const std::vector<double> &times) const {
        double mean_size = 0, mean_time = 0;
        for (int i = 0; i < count(); ++i) {
            mean_size += sizes_[i] / count();
            mean_time += times[i] / count();
        }
        double covariance = 0, variance = 0;
        for (int i = 0; i < count(); ++i) {
            covariance += (sizes_[i] - mean_size) * (times[i] - mean_time);
            variance += (sizes_[i] - mean_size) * (sizes_[i] - mean_size);
        }
        const double slope = variance > 0 ? covariance / variance : 0;
        return {slope, mean_time - slope * mean_size};
    }
    std::vector<double> sizes_, measured_, simulated_;
};

/// Cost per element (GEMV: per row) of the row with the most work per DPU in a row set, in DPU cycles:
/// measured, uPIMulator's and ours, with our instructions per element and IPC. uPIMulator runs the binary
/// UPMEM's clang built, so its cycles per element bound that binary's instructions per element from above.
class PerElementCost {
public:
    void add(const std::string &label, double per_dpu, double measured_ms, double upimulator_ms,
             const SimTimes &t) {
        if (per_dpu <= per_dpu_) return;
        per_dpu_ = per_dpu;
        label_ = label;
        measured_ms_ = measured_ms;
        upimulator_ms_ = upimulator_ms;
        sim_ = t;
    }
    double measured_cycles(double mhz) const {
        return per_dpu_ > 0 ? measured_ms_ * mhz * 1e3 / per_dpu_ : 0;
    }
    std::string str(double mhz) const {
        const double cycles_per_ms = mhz * 1e3;
        return fmt::format(
            "{:<20} cycles: measured {:>6.2f}  uPIMulator {:>6.2f}  atim {:>6.2f};  atim: instructions "
            "{:>6.2f}, "
            "IPC {:.2f}",
            label_, measured_ms_ * cycles_per_ms / per_dpu_, upimulator_ms_ * cycles_per_ms / per_dpu_,
            static_cast<double>(sim_.cycles) / per_dpu_, static_cast<double>(sim_.instructions) / per_dpu_,
            sim_.cycles ? static_cast<double>(sim_.instructions) / static_cast<double>(sim_.cycles) : 0.0);
    }

private:
    double per_dpu_ = 0, measured_ms_ = 0, upimulator_ms_ = 0;
    std::string label_;
    SimTimes sim_;
};

/// Rows whose outputs differed from the interpreter's (a compiler or simulator bug: the bench then fails).
int rows_with_wrong_outputs = 0;

SimTimes run_case(const KernelCase &c, const atim::target::UpmemMachine &machine) {
    atim::workloads::Workload workload = atim::workloads::make_workload(c.workload, c.shape);
    atim::schedule::Schedule schedule =
        atim::baselines::apply_named_schedule(c.schedule, workload, c.params, machine);
    atim::lower::LowerOptions lower_options;
    lower_options.opt_level = c.opt_level;
    atim::lower::PimProgram program = atim::lower::lower(schedule, machine, lower_options);
    // The inputs of `atim run --seed 1`, so that every row can be reproduced from the command line.
    atim::interp::Memory memory = atim::interp::random_inputs(workload.func.inputs, 1);
    atim::runtime::TensorValues inputs;
    for (const atim::ir::Buffer &input : workload.func.inputs) inputs[input->name] = memory.values(input);
    atim::interp::run(workload.func.body, memory);

    atim::runtime::SimRunOptions options;
    options.machine = machine;
    options.timing = atim::codegen::TimingMode::Prim;
    atim::runtime::SimExecution run = atim::runtime::execute_on_sim(program, inputs, options);
    SimTimes t;
    t.cycles = run.measurement.kernel.cycles;
    t.instructions = run.measurement.kernel.instructions;
    t.kernel_ms = run.measurement.kernel_ms;
    t.h2d_ms = run.measurement.h2d_ms;
    t.after_ms = run.measurement.after_ms;
    t.verified = true;
    for (const atim::ir::Buffer &output : workload.func.outputs)
        if (run.outputs.at(output->name) != memory.values(output)) t.verified = false;
    if (!t.verified) ++rows_with_wrong_outputs;
    return t;
}

const char *mismatch(const SimTimes &t) { return t.verified ? "" : "  OUTPUT MISMATCH"; }

// ---- prim_workloads_1to64dpus.csv (VA, RED, GEMV) --------------------------------------------------------

/// PrIM's program for a row: VA (int32) and RED (int64) over `total_size_param` elements, GEMV as a
/// (param x 64) int32 matrix times a vector (PrIM GEMV computes A·B without a scale: workload mtv); the prim
/// schedule on the row's DPU count with 16 tasklets and PrIM's default block.
KernelCase prim_case(const CsvRow &row) {
    const std::string benchmark = row.text("benchmark");
    const int64_t size = std::stoll(row.text("total_size_param"));
    KernelCase c;
    c.schedule = "prim";
    c.params = {{"dpus", row.text("dpus")}, {"tasklets", "16"}};
    if (benchmark == "GEMV") {
        c.workload = "mtv";
        c.shape = {size, 64};
    } else {
        c.workload = benchmark == "VA" ? "va" : "red";
        c.shape = {size};
    }
    return c;
}

/// Prints the PrIM rows and their summaries; returns the measured cycles per element of the VA row with the
/// most elements per DPU.
double prim_workloads(const atim::target::UpmemMachine &machine) {
    struct Fits {
        Fit kernel, upimulator, h2d, d2h;
    };
    std::map<std::string, Fits> fits;
    std::map<std::pair<std::string, int>, SizeLines> lines;  // (benchmark, DPUs) -> kernel vs size per DPU
    std::map<std::string, PerElementCost> per_element;       // benchmark -> its largest row per DPU
    Fits all;
    fmt::print(
        "\n== prim_workloads_1to64dpus.csv: PrIM VA (int32), RED (int64), GEMV (rows x 64 int32) on 1..64 "
        "DPUs, "
        "16 tasklets, --timing prim (ms)\n");
    fmt::print("{:<18} {:>8} {:>8} {:>7} {:>8} {:>7} | {:>7} {:>7} {:>7} | {:>7} {:>7} {:>7}\n", "row",
               "kernel", "sim", "err", "uPIMul", "err", "h2d", "sim", "err", "d2h", "sim", "err");
    for (const CsvRow &row : read_calibration("prim_workloads_1to64dpus.csv")) {
        const std::string benchmark = row.text("benchmark");
        if (benchmark != "VA" && benchmark != "RED" && benchmark != "GEMV") continue;
        SimTimes t = run_case(prim_case(row), machine);
        const double kernel = row.number("hw_kernel_ms"), upim = row.number("upimulator_sim_kernel_ms");
        const double h2d = row.number("hw_cpu_to_dpu_ms"), d2h = row.number("hw_dpu_to_cpu_ms");
        fmt::print(
            "{:<18} {:>8.3f} {:>8.3f} {:>+6.1f}% {:>8.3f} {:>+6.1f}% | {:>7.3f} {:>7.3f} {:>+6.0f}% | "
            "{:>7.3f} "
            "{:>7.3f} {:>+6.0f}%{}\n",
            fmt::format("{} {}x{}", benchmark, row.text("dpus"), row.text("total_size_param")), kernel,
            t.kernel_ms, percent_error(t.kernel_ms, kernel), upim, percent_error(upim, kernel), h2d, t.h2d_ms,
            percent_error(t.h2d_ms, h2d), d2h, t.after_ms, percent_error(t.after_ms, d2h), mismatch(t));
        const int dpus = std::stoi(row.text("dpus"));
        const double per_dpu = std::stod(row.text("total_size_param")) / dpus;
        lines[{benchmark, dpus}].add(per_dpu, kernel, t.kernel_ms);
        per_element[benchmark].add(fmt::format("{} {}x{}", benchmark, dpus, row.text("total_size_param")),
                                   per_dpu, kernel, upim, t);
        for (Fits *f : {&fits[benchmark], &all}) {
            f->kernel.add(kernel, t.kernel_ms);
            f->upimulator.add(kernel, upim);
            f->h2d.add(h2d, t.h2d_ms);
            f->d2h.add(d2h, t.after_ms);
        }
    }
    fmt::print("\nprim_workloads summary\n");
    fmt::print("{:<6} {:<40} {:<40} {}\n", "", "kernel: atim", "kernel: uPIMulator",
               "rows used to fit a parameter");
    for (auto &[benchmark, f] : fits)
        fmt::print("{:<6} {:<40} {:<40} {}\n", benchmark, f.kernel.str(), f.upimulator.str(), "none");
    fmt::print("{:<6} {:<40} {:<40}\n", "all", all.kernel.str(), all.upimulator.str());
    fmt::print("{:<6} {:<40} {:<40}\n", "", "CPU->DPU (host model)", "DPU->CPU (host model, after phase)");
    for (auto &[benchmark, f] : fits)
        fmt::print("{:<6} {:<40} {:<40}\n", benchmark, f.h2d.str(), f.d2h.str());
    fmt::print(
        "kernel time as a line over elements (GEMV: rows) per DPU, measured / simulated: the fixed part "
        "(size -> 0) and the per-element cost\n");
    for (const auto &[key, line] : lines)
        if (line.has_line())
            fmt::print("{:<6} {:>2} DPUs {}\n", key.first, key.second,
                       line.str(key.first == "GEMV" ? "row" : "element"));
    fmt::print(
        "cost per element (GEMV: per row) of the row with the most work per DPU, in DPU cycles (measured and "
        "uPIMulator: kernel ms x clock; atim: the slowest DPU's cycles, without the launch constant)\n");
    for (const auto &[benchmark, cost] : per_element) fmt::print("{}\n", cost.str(machine.dpu_mhz));
    return per_element["VA"].measured_cycles(machine.dpu_mhz);
}

// ---- boundary_opt_kernels.csv ----------------------------------------------------------------------------

/// Columns of boundary_opt_kernels.csv and the program each one was measured with.
struct BoundaryColumn {
    std::string csv_column;
    std::string schedule;
    int opt_level;
};

const std::vector<BoundaryColumn> kBoundaryColumns = {
    {"prim_kernel_ms", "prim", 4},  {"o0_none_ms", "rc-tile", 0},      {"o1_dma_ms", "rc-tile", 1},
    {"o2_dma_lt_ms", "rc-tile", 2}, {"o4_dma_lt_bh_ms", "rc-tile", 4},
};

/// The program of one row and column: MTV A[256 x L] on one DPU (rows [16, ., 2], K in 32-element chunks)
/// or VA of L*100000 on 32 DPUs (64-element chunks); 16 tasklets; PrIM's kernel with its default block.
KernelCase boundary_case(const CsvRow &row, const BoundaryColumn &column) {
    const int64_t l = std::stoll(row.text("L"));
    const bool mtv = row.text("experiment").rfind("mtv", 0) == 0;
    KernelCase c;
    c.workload = mtv ? "mtv" : "va";
    c.shape = mtv ? std::vector<int64_t>{256, l} : std::vector<int64_t>{l * 100000};
    c.schedule = column.schedule;
    c.opt_level = column.opt_level;
    const std::string dpus = mtv ? "1" : "32";
    if (column.schedule == "prim") {
        c.params = {{"dpus", dpus}, {"tasklets", "16"}};
    } else {
        c.params = {{"dpus_x", dpus}, {"tasklets", "16"}, {"cache", mtv ? "32" : "64"}};
        if (mtv) c.params["dpus_y"] = "1";
    }
    return c;
}

/// How much slower O4 may be than O2 before the ordering counts as broken (measurement noise level).
constexpr double kOrderTolerance = 0.02;

/// Ratios between consecutive levels: O0/O1, O1/O2, O2/O4 (columns 1..4 of kBoundaryColumns).
constexpr int kRatios = 3;

/// Returns false when the simulated ordering O0 > O1 > O2 >= O4 fails on some row.
bool boundary_opt_kernels(const atim::target::UpmemMachine &machine) {
    std::map<std::string, std::map<std::string, Fit>> fits;         // experiment -> column -> fit
    std::map<std::string, Fit> experiment_fits;                     // experiment -> all its columns
    std::map<std::string, std::vector<Fit>> ratio_fits;             // experiment -> ratio fits
    std::map<std::string, std::map<std::string, SizeLines>> lines;  // experiment -> column -> time over L
    Fit all;
    bool ordered = true;
    fmt::print(
        "\n== boundary_opt_kernels.csv: kernel ms, measured / simulated (error); ratios between levels "
        "measured / simulated\n");
    fmt::print("{:<22}", "row");
    for (const BoundaryColumn &column : kBoundaryColumns) fmt::print(" {:>22}", column.csv_column);
    fmt::print("  {:>11} {:>11} {:>11}\n", "O0/O1", "O1/O2", "O2/O4");
    for (const CsvRow &row : read_calibration("boundary_opt_kernels.csv")) {
        const std::string experiment = row.text("experiment").substr(0, row.text("experiment").find('_'));
        fmt::print("{:<22}", fmt::format("{} L={}", experiment, row.text("L")));
        std::vector<double> measured, simulated;
        std::string problems;
        for (const BoundaryColumn &column : kBoundaryColumns) {
            SimTimes t = run_case(boundary_case(row, column), machine);
            const double m = row.number(column.csv_column);
            fmt::print(" {:>6.3f}/{:>6.3f} ({:>+5.0f}%)", m, t.kernel_ms, percent_error(t.kernel_ms, m));
            if (!t.verified) problems += fmt::format(" OUTPUT MISMATCH in {}", column.csv_column);
            measured.push_back(m);
            simulated.push_back(t.kernel_ms);
            fits[experiment][column.csv_column].add(m, t.kernel_ms);
            lines[experiment][column.csv_column].add(row.number("L"), m, t.kernel_ms);
            experiment_fits[experiment].add(m, t.kernel_ms);
            all.add(m, t.kernel_ms);
        }
        ratio_fits[experiment].resize(kRatios);
        for (int r = 0; r < kRatios; ++r) {
            const double m = measured[r + 1] / measured[r + 2], s = simulated[r + 1] / simulated[r + 2];
            fmt::print(" {:>5.2f}/{:<5.2f}", m, s);
            ratio_fits[experiment][r].add(m, s);
        }
        // O2 >= O4 within kOrderTolerance: the measured rows themselves have O4 up to 0.8% above O2.
        const bool row_ordered = simulated[1] > simulated[2] && simulated[2] > simulated[3] &&
                                 simulated[3] * (1 + kOrderTolerance) >= simulated[4];
        if (!row_ordered) problems += " ORDER O0>O1>O2>=O4 FAILS";
        ordered = ordered && row_ordered;
        fmt::print("{}\n", problems);
    }
    fmt::print("\nboundary_opt_kernels summary (rows used to fit a parameter: none): kernel time\n");
    for (const auto &[experiment, columns] : fits) {
        for (const BoundaryColumn &column : kBoundaryColumns)
            fmt::print("{:<5} {:<16} {}\n", experiment, column.csv_column,
                       columns.at(column.csv_column).str());
        fmt::print("{:<5} {:<16} {}\n", experiment, "all columns", experiment_fits.at(experiment).str());
    }
    fmt::print("{:<22} {}\n", "all rows and columns", all.str());
    fmt::print("kernel time as a line over L, measured / simulated: fixed part and per-L cost\n");
    for (const auto &[experiment, columns] : lines)
        for (const BoundaryColumn &column : kBoundaryColumns)
            fmt::print("{:<5} {:<16} {}\n", experiment, column.csv_column,
                       columns.at(column.csv_column).str("L"));
    fmt::print("ratio between levels, simulated vs measured (MAPE of the ratio):\n");
    const char *names[kRatios] = {"O0/O1", "O1/O2", "O2/O4"};
    for (const auto &[experiment, ratios] : ratio_fits)
        for (int r = 0; r < kRatios; ++r)
            fmt::print("{:<5} {:<16} {:>4} rows  MAPE {:>6.1f}%\n", experiment, names[r], ratios[r].count(),
                       ratios[r].mape());
    fmt::print("simulated O0 > O1 > O2 >= O4 (O4 within {:.0f}% of O2) on every row: {}\n",
               100 * kOrderTolerance, ordered ? "yes" : "NO");
    return ordered;
}

}  // namespace

int main(int argc, char **argv) {
    const auto start = std::chrono::steady_clock::now();
    // `bench_fidelity server`: only the whole-program table of ATiM's server.
    if (argc > 1 && std::string(argv[1]) == "server") {
        atim::bench::print_atim_server_suite(atim::target::load_machine("upmem-2048"));
        return 0;
    }
    const atim::target::UpmemMachine machine = atim::target::load_machine("upmem-rank");
    fmt::print(
        "Fidelity: simulated times of compiled programs vs real UPMEM hardware. machine {} ({} MHz, launch "
        "{} "
        "ms, register-bank rule {}). Simulated: every DPU's kernel, instruction by instruction; estimated: "
        "launch constant and host transfers (host model). Outputs checked bit-exactly. No row of these files "
        "was used to fit a parameter (each summary says so per row set).\n",
        machine.name, machine.dpu_mhz, machine.host.launch_ms,
        machine.dpu.register_bank_stall ? "on" : "off");
    const double va_measured_cycles = prim_workloads(machine);
    atim::bench::print_prim_va_short_loop(machine, va_measured_cycles);
    const bool ordered = boundary_opt_kernels(machine);
    atim::bench::print_atim_server_suite(atim::target::load_machine("upmem-2048"));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("\nbench wall time {:.1f} s (this machine, not asserted)\n", seconds);
    if (rows_with_wrong_outputs > 0) {
        fmt::print("{} runs computed wrong outputs (marked OUTPUT MISMATCH)\n", rows_with_wrong_outputs);
        return 1;
    }
    return ordered ? 0 : 2;
}
