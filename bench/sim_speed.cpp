// Wall time of `atim run` on the simulator in the sampled mode (the default) against the full mode, and how
// far the sampled mode's estimated kernel time is from the fully simulated one. The first row is the issue's
// target: mtv 8192x8192, prim, 512 DPUs, under 2 s on one core. Wall times are printed, never asserted; they
// include drawing the inputs, the reference, the simulation and the comparison, like `atim run` (without
// compiling the schedule).
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace {

using atim::sim::SimulationMode;

struct SpeedCase {
    std::string workload, shape, schedule;
    std::map<std::string, std::string> params;
};

struct Timed {
    double wall_s = 0, kernel_ms = 0;
    int64_t simulated_dpus = 0, verified_elements = 0, total_elements = 0;
    bool verified = false;
};

Timed run(const atim::workloads::Workload &workload, const atim::lower::PimProgram &program,
          const atim::target::UpmemMachine &machine, SimulationMode mode) {
    atim::runtime::SimRunOptions options;
    options.machine = machine;
    options.mode = mode;
    options.threads = 1;  // one core, as the target is stated
    auto start = std::chrono::steady_clock::now();
    atim::runtime::RunResult result = atim::runtime::run_sim(workload, program, options);
    Timed t;
    t.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    t.kernel_ms = result.time_ms.kernel.value_or(0);
    t.simulated_dpus = result.stats.at("simulation").at("simulated_dpus").get<int64_t>();
    t.verified_elements = result.verified_elements;
    t.total_elements = result.total_elements;
    t.verified = result.verified;
    return t;
}

}  // namespace

int main() {
    const atim::target::UpmemMachine machine = atim::target::load_machine("upmem-2048");
    const std::vector<SpeedCase> cases = {
        {"mtv", "8192x8192", "prim", {{"dpus", "512"}}},
        {"mtv", "4096x4096", "rc-tile", {}},
        {"mtv", "2000x3001", "rc-tile", {{"dpus_x", "64"}, {"dpus_y", "4"}}},
        {"gemv", "2048x2048", "prim", {{"dpus", "256"}}},
        {"va", "16777216", "prim", {{"dpus", "512"}}},
        {"ttv", "64x64x1024", "prim", {}},
    };
    fmt::print("sampled vs full simulation on {} (one simulation thread; wall times vary with the machine)\n",
               machine.name);
    fmt::print("{:<38} {:>5} {:>9} {:>9} {:>8} {:>12} {:>12} {:>9} {:>16}\n", "case", "dpus", "sampled s",
               "full s", "speedup", "kernel ms s", "kernel ms f", "diff %", "verified (s)");
    bool all_verified = true;
    for (const SpeedCase &c : cases) {
        atim::workloads::Workload workload =
            atim::workloads::make_workload(c.workload, atim::workloads::parse_shape(c.workload, c.shape));
        atim::lower::PimProgram program = atim::lower::lower(
            atim::baselines::apply_named_schedule(c.schedule, workload, c.params, machine), machine);
        Timed sampled = run(workload, program, machine, SimulationMode::Sampled);
        Timed full = run(workload, program, machine, SimulationMode::Full);
        all_verified = all_verified && sampled.verified && full.verified;
        fmt::print("{:<38} {:>5} {:>9.2f} {:>9.2f} {:>7.1f}x {:>12.4f} {:>12.4f} {:>+9.3f} {:>7}/{:<8}\n",
                   fmt::format("{} {} {}", c.workload, c.shape, c.schedule), program.grid.count(),
                   sampled.wall_s, full.wall_s, full.wall_s / sampled.wall_s, sampled.kernel_ms,
                   full.kernel_ms, 100.0 * (sampled.kernel_ms - full.kernel_ms) / full.kernel_ms,
                   sampled.verified_elements, sampled.total_elements);
    }
    fmt::print(
        "(kernel ms s: sampled mode's estimate, from the simulated DPUs of each timing class; kernel ms f: "
        "every "
        "DPU simulated; verified (s): output elements the sampled run compared with the reference)\n");
    return all_verified ? 0 : 1;
}
