// Whole-program fidelity on ATiM's server: every row of atim_server_prim_suite.csv is compiled with the
// `prim` schedule, run on the simulator (sampled mode: the kernel within 0.4% of simulating every DPU, the
// computed outputs checked bit-exactly), and its host events (transfer calls, launches, host work) are priced
// by the host model. The host constants are fitted by mechanism on these rows (log-time least squares over
// the H2D, kernel and after phases; the socket bandwidth on the cpu_tvm_total_ms column), and each row is
// also predicted by a fit that left its whole workload out.
#include "fidelity/server_suite.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/runtime/verification.h"
#include "atim/sim/host_model.h"
#include "atim/workloads/workload.h"
#include "calibration_csv.h"
#include "nelder_mead.h"

namespace atim::bench {
namespace {

/// One measured row and the program that stands for it.
struct ServerRow {
    std::string group, workload;
    std::vector<int64_t> shape;
    std::map<std::string, std::string> params;
    int64_t dpus = 0;
    double h2d = 0, kernel = 0, after = 0, total = 0, cpu_tvm = 0;
    int64_t input_bytes = 0, output_bytes = 0;
    std::string label() const { return fmt::format("{} {}", group, workload); }
};

std::vector<ServerRow> read_rows() {
    std::vector<ServerRow> rows;
    for (const CsvRow &csv : read_calibration("atim_server_prim_suite.csv")) {
        ServerRow row;
        row.group = csv.text("group");
        row.workload = csv.text("workload");
        const int64_t m = std::stoll(csv.text("M")), n = std::stoll(csv.text("N")),
                      k = std::stoll(csv.text("K"));
        row.dpus = std::stoll(csv.text("dpus"));
        if (row.workload == "va" || row.workload == "geva" || row.workload == "red") row.shape = {m};
        if (row.workload == "mtv" || row.workload == "gemv") row.shape = {m, k};
        if (row.workload == "ttv" || row.workload == "mmtv") row.shape = {m, n, k};
        // PrIM(E) MMTV's `dpus` is batch x DPUs per batch; the prim schedule takes the DPUs per batch.
        const int64_t dpus_param = row.workload == "mmtv" ? row.dpus / m : row.dpus;
        row.params = {{"dpus", std::to_string(dpus_param)},
                      {"tasklets", csv.text("tasklets")},
                      {"block", csv.text("block")}};
        row.h2d = csv.number("h2d_ms"), row.kernel = csv.number("kernel_ms"),
        row.after = csv.number("after_ms");
        row.total = csv.number("total_ms"), row.cpu_tvm = csv.number("cpu_tvm_total_ms");
        rows.push_back(row);
    }
    return rows;
}

/// What the simulator produced for a row: its host events (priced again under any constants).
struct SimulatedRow {
    std::vector<sim::HostEvent> events;
    int64_t dpus = 0;
    bool verified = false;
};

SimulatedRow simulate(const ServerRow &row, const target::UpmemMachine &machine) {
    workloads::Workload workload = workloads::make_workload(row.workload, row.shape);
    schedule::Schedule schedule = baselines::apply_named_schedule("prim", workload, row.params, machine);
    lower::PimProgram program = lower::lower(schedule, machine, lower::LowerOptions{});
    runtime::SimRunOptions options;
    options.machine = machine;
    options.mode = sim::SimulationMode::Sampled;
    runtime::SeededInputs inputs = runtime::seeded_inputs(workload, 1);
    runtime::SimExecution run = runtime::execute_on_sim(program, inputs.by_name, options);
    runtime::run_reference(workload, inputs.memory, run.known);
    runtime::TensorValues expected;
    for (const ir::Buffer &output : workload.func.outputs)
        expected[output->name] = inputs.memory.values(output);
    runtime::RunResult result;
    runtime::compare_outputs(workload, expected, run.outputs, run.known, result);
    return {run.measurement.host_events, program.grid.count(), result.verified};
}

struct Phases {
    double h2d = 0, kernel = 0, after = 0;
    double total() const { return h2d + kernel + after; }
};

Phases price(const std::vector<sim::HostEvent> &events, const target::UpmemMachine &machine) {
    sim::HostModel model(machine);
    Phases p;
    for (const sim::HostEvent &e : events) {
        const double ms = model.event_ms(e);
        (e.phase == sim::Phase::H2d ? p.h2d : e.phase == sim::Phase::Kernel ? p.kernel : p.after) += ms;
    }
    return p;
}

// ---- the fit ----------------------------------------------------------------------------------------------
// The kernel phase depends only on the launch constants and the DPU's DMA/WRAM-port share; H2D and after only
// on the transfer and host-work constants. So the two are fitted apart, each over its discrete mechanism
// choices (port share; ranks per DDR channel and pool threads) with Nelder-Mead over its continuous
// constants in log space.

/// A fitted constant: where it lives in HostTiming.
struct Constant {
    const char *name;
    double target::HostTiming::*member;
};
const std::vector<Constant> kLaunchConstants = {
    {"launch_ms", &target::HostTiming::launch_ms},
    {"launch_per_rank_ms", &target::HostTiming::launch_per_rank_ms},
};
const std::vector<Constant> kTransferConstants = {
    {"call_ms", &target::HostTiming::call_ms},
    {"call_per_rank_ms", &target::HostTiming::call_per_rank_ms},
    {"rank_section_ms", &target::HostTiming::rank_section_ms},
    {"write_line_ns", &target::HostTiming::write_line_ns},
    {"read_line_ns", &target::HostTiming::read_line_ns},
    {"read_gbps", &target::HostTiming::read_gbps},
    {"short_run_line_factor", &target::HostTiming::short_run_line_factor},
};

target::UpmemMachine with_constants(target::UpmemMachine machine, const std::vector<Constant> &constants,
                                    const std::vector<double> &log_values) {
    for (size_t i = 0; i < constants.size(); ++i) machine.host.*constants[i].member = std::exp(log_values[i]);
    return machine;
}

std::vector<double> log_constants(const target::UpmemMachine &machine,
                                  const std::vector<Constant> &constants) {
    std::vector<double> v;
    for (const Constant &c : constants) v.push_back(std::log(std::max(machine.host.*c.member, 1e-6)));
    return v;
}

double squared_log_error(double predicted, double measured) {
    const double r = std::log(std::max(predicted, 1e-6) / measured);
    return r * r;
}

enum class FittedPhases { Kernel, Transfers };

/// Sum of squared log errors of the chosen rows: the kernel phase, or the H2D (where measured) and after
/// phases.
double objective(const std::vector<ServerRow> &rows, const std::vector<SimulatedRow> &sims,
                 const std::vector<bool> &use, const target::UpmemMachine &machine, FittedPhases which) {
    double sum = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!use[i]) continue;
        const Phases p = price(sims[i].events, machine);
        if (which == FittedPhases::Kernel) {
            sum += squared_log_error(p.kernel, rows[i].kernel);
            continue;
        }
        if (rows[i].h2d > 0) sum += squared_log_error(p.h2d, rows[i].h2d);
        sum += squared_log_error(p.after, rows[i].after);
    }
    return sum;
}

/// `machine` with `constants` fitted on the rows `use` selects; `error` receives the objective reached.
target::UpmemMachine fit(const std::vector<ServerRow> &rows, const std::vector<SimulatedRow> &sims,
                         const std::vector<bool> &use, const target::UpmemMachine &machine,
                         const std::vector<Constant> &constants, FittedPhases which, double *error) {
    auto f = [&](const std::vector<double> &v) {
        return objective(rows, sims, use, with_constants(machine, constants, v), which);
    };
    // The simplex finds a local minimum: start it from the given constants and from all of them halved and
    // doubled, and keep the best end point.
    const std::vector<double> given = log_constants(machine, constants);
    std::vector<double> best = given;
    double best_error = f(given);
    for (double scale : {0.0, -std::log(2.0), std::log(2.0)}) {
        std::vector<double> start = given;
        for (double &v : start) v += scale;
        const std::vector<double> end = nelder_mead(f, start, 1500, 2);
        if (const double e = f(end); e < best_error) best_error = e, best = end;
    }
    *error = best_error;
    return with_constants(machine, constants, best);
}

/// The host's all-core streaming rate from cpu_tvm_total_ms: bytes read plus twice the bytes written
/// (write-allocate) over the time, median over the rows moving at least 64 MB.
double socket_bytes_per_ns(const std::vector<ServerRow> &rows) {
    std::vector<double> rates;
    for (const ServerRow &row : rows) {
        workloads::Workload w = workloads::make_workload(row.workload, row.shape);
        double read = 0, written = 0;
        for (const ir::Buffer &b : w.func.inputs) read += static_cast<double>(b->size_bytes());
        for (const ir::Buffer &b : w.func.outputs) written += static_cast<double>(b->size_bytes());
        if (read + written < 64e6) continue;
        rates.push_back((read + 2 * written) / (row.cpu_tvm * 1e6));
    }
    std::sort(rates.begin(), rates.end());
    return rates.empty() ? 0 : rates[rates.size() / 2];
}

// ---- tables
// --------------------------------------------------------------------------------------------------

struct PhaseErrors {
    ErrorSummary h2d, kernel, after, total;
    int h2d_over_20 = 0, after_over_20 = 0;
    void add(const ServerRow &row, const Phases &p) {
        if (row.h2d > 0.1) {
            h2d.add(percent_error(p.h2d, row.h2d));
            if (std::abs(percent_error(p.h2d, row.h2d)) > 20) ++h2d_over_20;
        }
        kernel.add(percent_error(p.kernel, row.kernel));
        if (row.after > 0.1) {
            after.add(percent_error(p.after, row.after));
            if (std::abs(percent_error(p.after, row.after)) > 20) ++after_over_20;
        }
        total.add(percent_error(p.total(), row.total));
    }
    void print(const char *title) const {
        fmt::print(
            "{}\n  total  {}\n  kernel {}\n  h2d    {} (rows over 0.1 ms); beyond 20%: {}\n"
            "  after  {} (rows over 0.1 ms); beyond 20%: {}\n",
            title, total.str(), kernel.str(), h2d.str(), h2d_over_20, after.str(), after_over_20);
    }
};

void print_row(const ServerRow &row, const Phases &p, const char *mark) {
    auto cell = [](double predicted, double measured) {
        if (measured <= 0) return fmt::format("{:>6.3f}/{:>6.3f}       ", measured, predicted);
        return fmt::format("{:>6.3f}/{:>6.3f} {:>+5.0f}%", measured, predicted,
                           percent_error(predicted, measured));
    };
    fmt::print("{:<14} {:>5} | {} | {} | {} | {}{}\n", row.label(), row.dpus, cell(p.h2d, row.h2d),
               cell(p.kernel, row.kernel), cell(p.after, row.after), cell(p.total(), row.total), mark);
}

}  // namespace

double print_atim_server_suite(const target::UpmemMachine &base) {
    std::vector<ServerRow> rows = read_rows();
    target::UpmemMachine machine = base;
    machine.host.socket_bytes_per_ns = socket_bytes_per_ns(rows);
    fmt::print(
        "\n== atim_server_prim_suite.csv: PrIM / PrIM(E) on ATiM's server (SDK 2021.3.0), --timing atim, "
        "machine {}\nhost socket bandwidth from cpu_tvm_total_ms: {:.1f} GB/s\n",
        machine.name, machine.host.socket_bytes_per_ns);

    // The DMA/WRAM-port share is a DPU constant: each candidate value needs its own simulation.
    const std::vector<double> shares = {0.0, 0.15, 0.3, 0.45};
    std::vector<std::vector<SimulatedRow>> sims(shares.size());
    int wrong = 0;
    for (size_t s = 0; s < shares.size(); ++s) {
        target::UpmemMachine m = machine;
        m.dpu.dma_wram_port_share = shares[s];
        for (const ServerRow &row : rows) {
            sims[s].push_back(simulate(row, m));
            if (!sims[s].back().verified) ++wrong;
        }
    }
    // Fits the launch constants and the port share on the kernels, then the transfer constants with the
    // ranks per channel and pool threads on H2D and after, on the rows `use` selects.
    struct Fitted {
        target::UpmemMachine machine;
        size_t share = 0;
    };
    auto fit_all = [&](const std::vector<bool> &use) {
        Fitted best;
        double best_error = 1e300;
        for (size_t s = 0; s < shares.size(); ++s) {
            target::UpmemMachine m = machine;
            m.dpu.dma_wram_port_share = shares[s];
            double error = 0;
            target::UpmemMachine fitted =
                fit(rows, sims[s], use, m, kLaunchConstants, FittedPhases::Kernel, &error);
            if (error < best_error) best_error = error, best = {fitted, s};
        }
        best_error = 1e300;
        target::UpmemMachine transfers = best.machine;
        // Discrete choices: ranks per channel, how a set sits on the channels, and the pool's threads for
        // 32 KiB per DPU and more (nrThreadPerPool: 4 by default in SDK 2021.3's source; a server's profile
        // may set another).
        for (int ranks_per_channel : {1, 2, 4}) {
            for (bool interleave : {false, true}) {
                for (int pool_threads : {1, 4}) {
                    target::UpmemMachine m = best.machine;
                    m.host.ranks_per_channel = ranks_per_channel;
                    m.host.interleave_channels = interleave;
                    m.host.pool_threads = pool_threads;
                    double error = 0;
                    target::UpmemMachine fitted = fit(rows, sims[best.share], use, m, kTransferConstants,
                                                      FittedPhases::Transfers, &error);
                    if (error < best_error) best_error = error, transfers = fitted;
                }
            }
        }
        best.machine = transfers;
        return best;
    };

    // In sample: every row.
    const Fitted all = fit_all(std::vector<bool>(rows.size(), true));
    const size_t share_all = all.share;
    fmt::print("fitted on all 26 rows: DMA/WRAM-port share {}, ranks per channel {} ({}), pool threads {}\n",
               shares[share_all], all.machine.host.ranks_per_channel,
               all.machine.host.interleave_channels ? "interleaved" : "channel by channel",
               all.machine.host.pool_threads);
    for (const std::vector<Constant> *constants : {&kLaunchConstants, &kTransferConstants})
        for (const Constant &c : *constants)
            fmt::print("  {:<20} {:.6g}\n", c.name, all.machine.host.*c.member);

    // Leave one workload out.
    std::vector<std::string> workloads;
    for (const ServerRow &row : rows)
        if (std::find(workloads.begin(), workloads.end(), row.workload) == workloads.end())
            workloads.push_back(row.workload);
    std::vector<Phases> held_out(rows.size());
    for (const std::string &left_out : workloads) {
        std::vector<bool> use(rows.size());
        for (size_t i = 0; i < rows.size(); ++i) use[i] = rows[i].workload != left_out;
        const Fitted fitted = fit_all(use);
        const target::HostTiming &h = fitted.machine.host;
        fmt::print(
            "fit without {:<5}: share {:.2f}, ranks/channel {}{}, pool {}, launch {:.3f} + {:.4f}/rank ms, "
            "lines "
            "{:.0f}/{:.0f} ns, call {:.3f} + {:.4f}/rank ms\n",
            left_out, shares[fitted.share], h.ranks_per_channel, h.interleave_channels ? " interleaved" : "",
            h.pool_threads, h.launch_ms, h.launch_per_rank_ms, h.write_line_ns, h.read_line_ns, h.call_ms,
            h.call_per_rank_ms);
        for (size_t i = 0; i < rows.size(); ++i)
            if (!use[i]) held_out[i] = price(sims[fitted.share][i].events, fitted.machine);
    }

    fmt::print(
        "\nrow              DPUs |  h2d meas/sim  err |  kernel meas/sim err |  after meas/sim err | "
        " total meas/sim err   (in-sample fit)\n");
    PhaseErrors in_sample, loo;
    for (size_t i = 0; i < rows.size(); ++i) {
        const Phases p = price(sims[share_all][i].events, all.machine);
        in_sample.add(rows[i], p);
        print_row(rows[i], p, sims[share_all][i].verified ? "" : "  OUTPUT MISMATCH");
    }
    fmt::print(
        "\nrow              DPUs |  h2d meas/sim  err |  kernel meas/sim err |  after meas/sim err | "
        " total meas/sim err   (leave-one-workload-out)\n");
    for (size_t i = 0; i < rows.size(); ++i) {
        loo.add(rows[i], held_out[i]);
        print_row(rows[i], held_out[i], "");
    }
    in_sample.print("\nin-sample (fitted on every row):");
    loo.print("leave-one-workload-out (each workload predicted by a fit without it):");

    // The preset as shipped, for comparison (its constants were pasted from an earlier run of this fit); its
    // port share is one of the simulated ones unless a machine file changed it.
    PhaseErrors preset;
    const auto base_share = std::find(shares.begin(), shares.end(), base.dpu.dma_wram_port_share);
    for (size_t i = 0; i < rows.size(); ++i) {
        const SimulatedRow row = base_share != shares.end()
                                     ? sims[static_cast<size_t>(base_share - shares.begin())][i]
                                     : simulate(rows[i], base);
        preset.add(rows[i], price(row.events, base));
    }
    preset.print("preset upmem-2048 as shipped:");
    if (wrong > 0) fmt::print("{} simulated rows computed wrong outputs\n", wrong);
    return loo.total.count ? loo.total.sum / loo.total.count : 0;
}

}  // namespace atim::bench
