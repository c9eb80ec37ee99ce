// Defines an operator atim does not ship, tunes it on the simulated 2048-DPU UPMEM server, and writes the
// fastest program's UPMEM SDK sources: everything through the public headers (include/atim/).
//
// The operator: for every row of a matrix A (a database of vectors) its squared Euclidean distance to one
// query vector B, the inner step of a nearest-neighbour search:
//     D[i] = sum_k (A[i,k] - B[k]) * (A[i,k] - B[k])
//
// Usage: custom_operator [trials] [output directory]     (defaults: 32 trials, ./custom_operator_out)
// Exit code 0 when the tuned program verifies bit-exactly with every DPU simulated.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "atim/codegen/c_codegen.h"
#include "atim/lower/lower.h"
#include "atim/support/error.h"
#include "atim/target/upmem_machine.h"
#include "atim/tune/search.h"
#include "atim/workloads/workload.h"

namespace {

using namespace atim;

/// The operator in atim's notation: `+=` sums over the indices that appear only on the right (k).
constexpr const char *kStatement = "D[i] += (A[i,k] - B[k]) * (A[i,k] - B[k])";
/// 4096 vectors of 1024 int32 elements: a 16 MiB database, resident in the DPUs' MRAM.
constexpr const char *kExtents = "i=4096,k=1024";

/// The best schedule of the run, replayed, lowered and written out as dpu.c, host.c and build.sh.
void write_program(const workloads::Workload &op, const target::UpmemMachine &machine,
                   const tune::TuningRecord &best, const std::filesystem::path &dir) {
    const schedule::Schedule sch = schedule::Trace::from_json(best.trace_json).replay(op.func);
    const lower::PimProgram program = lower::lower(sch, machine);
    codegen::write_c_sources(codegen::emit_c(program), dir);
}

int run(int argc, char **argv) {
    const int trials = argc > 1 ? std::atoi(argv[1]) : 32;
    const std::filesystem::path out = argc > 2 ? argv[2] : "custom_operator_out";
    std::filesystem::create_directories(out);

    const workloads::Workload op = workloads::make_op_workload(kStatement, kExtents, "int32");
    const target::UpmemMachine machine = target::load_machine("upmem-2048");

    tune::RunnerOptions runner_options;
    runner_options.machine = machine;
    std::unique_ptr<tune::Runner> runner = tune::make_sim_runner(runner_options);
    tune::Database db = tune::Database::open((out / "records.db").string());

    tune::SearchOptions search;
    search.trials = trials;
    search.batch = 16;
    search.population = 64;
    const tune::TuneResult result =
        tune::tune(op, machine, *runner, db, search, [](const tune::TuneProgress &p) {
            fmt::print("  {}/{} trials, best {}\n", p.trials_done, p.trials_total,
                       p.best_total_ms ? fmt::format("{:.4f} ms", *p.best_total_ms) : "-");
        });
    if (!result.best || !result.best_full) {
        fmt::print("no valid program found in {} trials\n", result.trials);
        return 1;
    }
    const tune::MeasureResult &full = *result.best_full;
    fmt::print("{} with {} on {}: sketch {}\n", kStatement, kExtents, machine.name, result.best->sketch);
    fmt::print(
        "  {} DPUs x {} tasklets: h2d {:.4f} ms, kernel {:.4f} ms, after {:.4f} ms, total {:.4f} ms ({})\n",
        full.dpus, full.tasklets, full.h2d_ms, full.kernel_ms, full.after_ms, full.total_ms,
        full.ok() ? "verified, every DPU simulated" : full.error);
    write_program(op, machine, *result.best, out);
    fmt::print("  dpu.c, host.c, build.sh and records.db written to {}\n", out.string());
    return full.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
    try {
        return run(argc, argv);
    } catch (const atim::UserError &e) {
        fmt::print(stderr, "custom_operator: {}\n", e.what());
        return 2;
    }
}
