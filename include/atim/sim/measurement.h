// Measurement: what one run of a host program on the simulated UPMEM system cost, phase by phase.
// The tuner's only view of a candidate (DESIGN.md §1): times, the kernel's DPU statistics and counters.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <vector>

#include "atim/sim/dpu_stats.h"
#include "atim/sim/host_model.h"

namespace atim::sim {

struct Measurement {
    // Phases: host operations before the first launch are h2d; launches are the kernel; host operations after
    // the first launch (gathers, host work, further pushes of a multi-kernel program) are `after`.
    double h2d_ms = 0;
    double kernel_ms =
        0;  ///< per launch: launch overhead + slowest DPU's cycles / clock, summed over launches
    double after_ms = 0;
    double total_ms = 0;

    /// The kernel: statistics of the slowest DPU of each launch, summed over launches (cycles = kernel
    /// cycles).
    DpuStats kernel;
    /// The slowest DPU of the last launch (the first of equally slow ones); -1 before a launch.
    int slowest_dpu = -1;
    /// Counters: dpus, launches, dpu_runs (DPU runs the kernel stands for), simulated_dpu_runs (runs
    /// simulated instruction by instruction), simulated_instructions, total_instructions (all DPUs),
    /// host_to_dpu_bytes, dpu_to_host_bytes, host_transfers (of which broadcasts and one_buffer_pushes:
    /// parallel pushes whose every DPU reads one host buffer), dma_bytes (all DPUs).
    std::map<std::string, int64_t> counters;
    /// Every transfer call, launch and host work of the run, in order, with its phase (HostModel prices
    /// them).
    std::vector<HostEvent> host_events;
    /// What was simulated and what was estimated by a model, in words, for reports.
    std::string note;
    bool verified = false;  ///< set by the caller that compared the results with a reference

    int64_t counter(const std::string &name) const {
        auto it = counters.find(name);
        return it == counters.end() ? 0 : it->second;
    }
};

}  // namespace atim::sim
