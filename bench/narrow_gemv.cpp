// int8 x int8 -> int32 GEMV against int32 GEMV of the same shape on the simulator: the kernel time under the
// same fixed schedules (prim and rc-tile with their default parameters), outputs verified, and the ratio
// measured in this run. The int8 kernel multiplies with the DPU's 8x8 instructions (mul_sl_sl, one per
// product of two int8 values; alpha * A * B takes one 8x8 product and one int16 x int8 step of two, or two
// int32 x int8 products of four when ALPHA stays int32) instead of the int32 kernel's __mulsi3 calls, and
// moves a quarter of the bytes.
//
// usage: bench_narrow_gemv [M=8192] [K=8192]
#include <fmt/format.h>

#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace {

using namespace atim;

struct Variant {
    std::string workload, dtype;
};

// The simulated kernel time (ms) of `workload` in `dtype` under a named schedule's defaults.
double kernel_ms(const Variant &v, const std::vector<int64_t> &shape, const std::string &schedule,
                 const target::UpmemMachine &machine) {
    const workloads::Workload w = workloads::make_workload(v.workload, shape, v.dtype);
    const lower::PimProgram program =
        lower::lower(baselines::apply_named_schedule(schedule, w, {}, machine), machine);
    runtime::SimRunOptions options;
    options.machine = machine;
    options.mode = sim::SimulationMode::Sampled;
    const runtime::RunResult run = runtime::run_sim(w, program, options);
    if (!run.verified) fmt::print("  ({} {} {}: WRONG OUTPUT)\n", v.workload, v.dtype, schedule);
    return *run.time_ms.kernel;
}

}  // namespace

int main(int argc, char **argv) {
    const int64_t m = argc > 1 ? std::stoll(argv[1]) : 8192, k = argc > 2 ? std::stoll(argv[2]) : 8192;
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    fmt::print("kernel time (simulated, sampled DPUs, outputs verified) on {}, shape {}x{}\n", machine.name,
               m, k);
    fmt::print("{:<6} {:<9} {:>12} {:>12} {:>8}   {}\n", "op", "schedule", "int32 ms", "int8 ms", "speedup",
               "int8 dtype");
    const std::vector<std::pair<Variant, Variant>> pairs = {
        {{"mtv", "int32"}, {"mtv", "A=int8,B=int8,C=int32"}},
        {{"gemv", "int32"}, {"gemv", "A=int8,B=int8,ALPHA=int8,C=int32"}},
        {{"gemv", "int32"}, {"gemv", "A=int8,B=int8,C=int32"}},
    };
    for (const auto &[wide, narrow] : pairs) {
        for (const char *schedule : {"prim", "rc-tile"}) {
            const double wide_ms = kernel_ms(wide, {m, k}, schedule, machine);
            const double narrow_ms = kernel_ms(narrow, {m, k}, schedule, machine);
            fmt::print("{:<6} {:<9} {:>12.3f} {:>12.3f} {:>7.2f}x   {}\n", wide.workload, schedule, wide_ms,
                       narrow_ms, wide_ms / narrow_ms, narrow.dtype);
        }
    }
    return 0;
}
