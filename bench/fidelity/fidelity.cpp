// Kernel-level fidelity of compiler + simulator: DPU kernel times of compiled programs (named schedules ->
// lower -> codegen::dpu -> sim::Machine) against real-hardware kernel times, with uPIMulator's register-file
// bank rule on and off (off is the presets' default). No parameter is fitted here: every row is validation.
//
// Data: ../shared/calibration/boundary_opt_kernels.csv (ATiM artifact: MTV on 1 DPU and VA on 32 DPUs, PrIM
// kernel and ATiM kernels at O0..O4) and prim_workloads_1to64dpus.csv (uPIMulator repository: PrIM VA, RED,
// GEMV on 1..64 DPUs, with uPIMulator's own simulated kernel time). The compared figure is the simulated
// kernel time (launch constant + slowest DPU's cycles / clock), i.e. `time_ms.kernel` of `atim run`; the
// summaries also give the error of cycles / clock alone, since the launch constant is not measured anywhere.
// Inputs are those of `atim run --seed 1`. Every DPU is simulated: the host sends each DPU its own grid
// coordinates, so no two DPUs share a simulation; the whole bench takes about two minutes on 2 cores.
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/interp/interpreter.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"
#include "calibration_csv.h"

namespace {

using atim::bench::CsvRow;
using atim::bench::ErrorSummary;
using atim::bench::percent_error;
using atim::bench::read_calibration;

/// One program to time: a workload at a shape with a named schedule, lowered at an optimization level.
struct KernelCase {
    std::string workload;
    std::vector<int64_t> shape;
    std::string schedule;
    std::map<std::string, std::string> params;
    int opt_level = 4;
    int dpus = 1;
};

/// Simulated kernel of one case on one machine.
struct KernelTime {
    int64_t cycles = 0;
    double kernel_ms = 0;   ///< launch constant + cycles / clock (what `atim run` reports as kernel)
    double cycles_ms = 0;   ///< cycles / clock alone
    int64_t simulated = 0;  ///< DPU runs simulated instruction by instruction
    bool verified = false;
};

/// The two machines compared: the preset with the register-file bank rule forced on, and with it off (the
/// presets' default since this comparison).
struct Machines {
    atim::target::UpmemMachine rule_on, rule_off;
};

Machines make_machines() {
    Machines m;
    m.rule_on = atim::target::load_machine("upmem-rank");
    m.rule_on.dpu.register_bank_stall = true;
    m.rule_off = m.rule_on;
    m.rule_off.dpu.register_bank_stall = false;
    return m;
}

KernelTime time_on(const atim::lower::PimProgram &program, const atim::runtime::TensorValues &inputs,
                   const atim::te::PrimFunc &func, const atim::interp::Memory &reference,
                   const atim::target::UpmemMachine &machine) {
    atim::runtime::SimRunOptions options;
    options.machine = machine;
    options.timing = atim::codegen::TimingMode::Prim;
    atim::runtime::SimExecution run = atim::runtime::execute_on_sim(program, inputs, options);
    KernelTime t;
    t.cycles = run.measurement.kernel.cycles;
    t.kernel_ms = run.measurement.kernel_ms;
    t.cycles_ms = static_cast<double>(t.cycles) / (machine.dpu_mhz * 1e3);
    t.simulated = run.measurement.counter("simulated_dpu_runs");
    t.verified = true;
    for (const atim::ir::Buffer &output : func.outputs)
        if (run.outputs.at(output->name) != reference.values(output)) t.verified = false;
    return t;
}

/// Times one case with the rule on and off; outputs are checked bit-exactly against the interpreter.
std::pair<KernelTime, KernelTime> time_case(const KernelCase &c, const Machines &machines) {
    atim::workloads::Workload workload = atim::workloads::make_workload(c.workload, c.shape);
    atim::schedule::Schedule schedule =
        atim::baselines::apply_named_schedule(c.schedule, workload, c.params, machines.rule_on);
    atim::lower::LowerOptions lower_options;
    lower_options.opt_level = c.opt_level;
    atim::lower::PimProgram program = atim::lower::lower(schedule, machines.rule_on, lower_options);
    // The inputs of `atim run --seed 1`, so that every row can be reproduced from the command line.
    atim::interp::Memory memory = atim::interp::random_inputs(workload.func.inputs, 1);
    atim::runtime::TensorValues inputs;
    for (const atim::ir::Buffer &input : workload.func.inputs) inputs[input->name] = memory.values(input);
    atim::interp::run(workload.func.body, memory);
    return {time_on(program, inputs, workload.func, memory, machines.rule_on),
            time_on(program, inputs, workload.func, memory, machines.rule_off)};
}

/// Error summaries of one column of a comparison, rule on and off, on kernel_ms and on cycles / clock.
struct ColumnErrors {
    ErrorSummary on, off, on_cycles, off_cycles;
    void add(double measured, const KernelTime &on_time, const KernelTime &off_time) {
        on.add(percent_error(on_time.kernel_ms, measured));
        off.add(percent_error(off_time.kernel_ms, measured));
        on_cycles.add(percent_error(on_time.cycles_ms, measured));
        off_cycles.add(percent_error(off_time.cycles_ms, measured));
    }
};

std::string verdict(const ErrorSummary &on, const ErrorSummary &off) {
    if (on.count == 0) return "-";
    return on.sum < off.sum ? "rule on" : "rule off";
}

void print_summary_row(const std::string &label, const ColumnErrors &e) {
    fmt::print("{:<24} {:>5} {:>9.1f}% {:>9.1f}% {:>11.1f}% {:>11.1f}%   {}\n", label, e.on.count,
               e.on.sum / e.on.count, e.off.sum / e.off.count, e.on_cycles.sum / e.on_cycles.count,
               e.off_cycles.sum / e.off_cycles.count, verdict(e.on, e.off));
}

void print_summary_header() {
    fmt::print("{:<24} {:>5} {:>10} {:>10} {:>12} {:>12}   {}\n", "column", "rows", "MAPE on", "MAPE off",
               "cyc-only on", "cyc-only off", "lower error (kernel_ms)");
}

/// Rows whose outputs differed from the interpreter's (a compiler or simulator bug: the bench then fails).
int rows_with_wrong_outputs = 0;

void print_row(const std::string &label, double measured, const KernelTime &on, const KernelTime &off,
               const std::string &extra = "") {
    fmt::print("{:<24} {:>9.3f} {:>9.3f} {:>+8.1f}% {:>9.3f} {:>+8.1f}% {:>10} {:>10} {:>4}{}{}\n", label,
               measured, on.kernel_ms, percent_error(on.kernel_ms, measured), off.kernel_ms,
               percent_error(off.kernel_ms, measured), on.cycles, off.cycles, on.simulated, extra,
               on.verified && off.verified ? "" : "  OUTPUT MISMATCH");
    if (!on.verified || !off.verified) ++rows_with_wrong_outputs;
}

void print_row_header(const std::string &title, const std::string &extra = "") {
    fmt::print("\n{}\n{:<24} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>4}{}\n", title, "row", "measured",
               "sim on", "err", "sim off", "err", "cyc on", "cyc off", "sims", extra);
}

// ---- Part 1 and 2: boundary_opt_kernels.csv -------------------------------------------------------------

/// Columns of boundary_opt_kernels.csv and the program each one was measured with.
struct BoundaryColumn {
    std::string csv_column;
    std::string schedule;
    int opt_level;
};

const std::vector<BoundaryColumn> &boundary_columns() {
    static const std::vector<BoundaryColumn> columns = {
        {"prim_kernel_ms", "prim", 4},  {"o0_none_ms", "rc-tile", 0},      {"o1_dma_ms", "rc-tile", 1},
        {"o2_dma_lt_ms", "rc-tile", 2}, {"o4_dma_lt_bh_ms", "rc-tile", 4},
    };
    return columns;
}

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
    c.dpus = mtv ? 1 : 32;
    const std::string dpus = std::to_string(c.dpus);
    if (column.schedule == "prim") {
        c.params = {{"dpus", dpus}, {"tasklets", "16"}};
    } else {
        c.params = {{"dpus_x", dpus}, {"tasklets", "16"}, {"cache", mtv ? "32" : "64"}};
        if (mtv) c.params["dpus_y"] = "1";
    }
    return c;
}

void boundary_opt_kernels(const Machines &machines) {
    std::vector<CsvRow> rows = read_calibration("boundary_opt_kernels.csv");
    std::map<std::string, std::map<std::string, ColumnErrors>> errors;  // experiment -> column -> errors
    std::map<std::string, ColumnErrors> all;                            // column -> errors
    for (const BoundaryColumn &column : boundary_columns()) {
        print_row_header(fmt::format("boundary_opt_kernels.csv, column {} ({} at O{}), kernel ms",
                                     column.csv_column, column.schedule, column.opt_level));
        for (const CsvRow &row : rows) {
            auto [on, off] = time_case(boundary_case(row, column), machines);
            const double measured = row.number(column.csv_column);
            print_row(fmt::format("{} L={}", row.text("experiment"), row.text("L")), measured, on, off);
            errors[row.text("experiment")][column.csv_column].add(measured, on, off);
            all[column.csv_column].add(measured, on, off);
        }
    }
    fmt::print(
        "\nboundary_opt_kernels.csv summary: mean |error| of kernel_ms (launch {} ms + cycles/clock) and "
        "of cycles/clock alone, register-bank rule on vs off\n",
        machines.rule_on.host.launch_ms);
    print_summary_header();
    for (const auto &[experiment, columns] : errors)
        for (const BoundaryColumn &column : boundary_columns())
            print_summary_row(
                fmt::format("{} {}", experiment.substr(0, experiment.find('_')), column.csv_column),
                columns.at(column.csv_column));
    ColumnErrors total;
    for (const BoundaryColumn &column : boundary_columns()) {
        print_summary_row(fmt::format("all {}", column.csv_column), all.at(column.csv_column));
        const ColumnErrors &e = all.at(column.csv_column);
        for (ErrorSummary ColumnErrors::*part :
             {&ColumnErrors::on, &ColumnErrors::off, &ColumnErrors::on_cycles, &ColumnErrors::off_cycles}) {
            (total.*part).sum += (e.*part).sum;
            (total.*part).count += (e.*part).count;
        }
    }
    print_summary_row("all columns", total);
}

// ---- Part 3: prim_workloads_1to64dpus.csv (VA, RED, GEMV kernels) ----------------------------------------

/// PrIM's program for a row: VA (int32) and RED (int64) over `total_size_param` elements, GEMV as a
/// (param x 64) int32 matrix times a vector (PrIM GEMV computes A·B without a scale: workload mtv); the prim
/// schedule on the row's DPU count with 16 tasklets and PrIM's default block.
KernelCase prim_case(const CsvRow &row) {
    const std::string benchmark = row.text("benchmark");
    const int64_t size = std::stoll(row.text("total_size_param"));
    KernelCase c;
    c.dpus = std::stoi(row.text("dpus"));
    c.schedule = "prim";
    c.params = {{"dpus", std::to_string(c.dpus)}, {"tasklets", "16"}};
    if (benchmark == "GEMV") {
        c.workload = "mtv";
        c.shape = {size, 64};
    } else {
        c.workload = benchmark == "VA" ? "va" : "red";
        c.shape = {size};
    }
    return c;
}

void prim_workloads(const Machines &machines) {
    std::vector<CsvRow> rows = read_calibration("prim_workloads_1to64dpus.csv");
    std::map<std::string, ColumnErrors> errors;
    std::map<std::string, ErrorSummary> upimulator;
    ColumnErrors all;
    ErrorSummary all_upimulator;
    print_row_header("prim_workloads_1to64dpus.csv, PrIM kernels, kernel ms", "  uPIMulator      err");
    for (const CsvRow &row : rows) {
        const std::string benchmark = row.text("benchmark");
        if (benchmark != "VA" && benchmark != "RED" && benchmark != "GEMV") continue;
        auto [on, off] = time_case(prim_case(row), machines);
        const double measured = row.number("hw_kernel_ms");
        const double upim_error = percent_error(row.number("upimulator_sim_kernel_ms"), measured);
        print_row(fmt::format("{} {}x{}", benchmark, row.text("dpus"), row.text("total_size_param")),
                  measured, on, off,
                  fmt::format("  {:>10.3f} {:>+7.1f}%", row.number("upimulator_sim_kernel_ms"), upim_error));
        errors[benchmark].add(measured, on, off);
        all.add(measured, on, off);
        upimulator[benchmark].add(upim_error);
        all_upimulator.add(upim_error);
    }
    fmt::print(
        "\nprim_workloads_1to64dpus.csv summary (kernel time), register-bank rule on vs off, uPIMulator\n");
    fmt::print("{:<24} {:>5} {:>10} {:>10} {:>12} {:>12} {:>11}   {}\n", "benchmark", "rows", "MAPE on",
               "MAPE off", "cyc-only on", "cyc-only off", "uPIMulator", "lower error (kernel_ms)");
    auto line = [](const std::string &label, const ColumnErrors &e, const ErrorSummary &u) {
        fmt::print("{:<24} {:>5} {:>9.1f}% {:>9.1f}% {:>11.1f}% {:>11.1f}% {:>10.1f}%   {}\n", label,
                   e.on.count, e.on.sum / e.on.count, e.off.sum / e.off.count,
                   e.on_cycles.sum / e.on_cycles.count, e.off_cycles.sum / e.off_cycles.count,
                   u.sum / u.count, verdict(e.on, e.off));
    };
    for (const auto &[benchmark, e] : errors) line(benchmark, e, upimulator.at(benchmark));
    line("all", all, all_upimulator);
}

}  // namespace

int main() {
    const auto start = std::chrono::steady_clock::now();
    Machines machines = make_machines();
    fmt::print(
        "Kernel-level fidelity: simulated DPU kernel time of compiled programs vs real hardware.\n"
        "machine: {} ({} MHz, launch constant {} ms); 'on' = preset with dpu.register_bank_stall = true, "
        "'off' = with it false (the presets' default). No parameter fitted: every row is validation.\n"
        "Compared: kernel_ms = launch + cycles/clock (atim run's time_ms.kernel); 'cyc' = cycles of the "
        "slowest DPU; 'sims' = DPU runs simulated (every DPU: each gets its own grid coordinates). Outputs "
        "checked bit-exactly.\n",
        machines.rule_on.name, machines.rule_on.dpu_mhz, machines.rule_on.host.launch_ms);
    boundary_opt_kernels(machines);
    prim_workloads(machines);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("\nbench wall time {:.1f} s (this machine, not asserted)\n", seconds);
    if (rows_with_wrong_outputs > 0) {
        fmt::print("{} rows computed wrong outputs (marked OUTPUT MISMATCH)\n", rows_with_wrong_outputs);
        return 1;
    }
    return 0;
}
