// `atim run`: schedules, lowers and runs a workload on a backend, verifies the outputs bit-exactly against
// the reference interpreter, and reports the phase times.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "atim/runtime/emu_runner.h"
#include "atim/runtime/sim_runner.h"
#include "atim/support/error.h"
#include "commands.h"
#include "program_options.h"

namespace atim::cli {
namespace {

struct RunArguments {
    ProgramOptions program;
    std::string backend = "sim";
    std::string timing = "atim";
    std::string sim_mode = "sampled";
    uint64_t seed = 1;
    bool json = false;
    bool keep_dir = false;
};

nlohmann::ordered_json optional_ms(const std::optional<double> &ms) {
    return ms ? nlohmann::ordered_json(*ms) : nlohmann::ordered_json();
}

/// The DESIGN.md §5 object, keys in the documented order.
nlohmann::ordered_json result_json(const BuiltProgram &built, const RunArguments &args,
                                   const runtime::RunResult &r) {
    return {
        {"workload", built.workload.name},
        {"shape", built.workload.shape_string()},
        {"dtype", built.workload.dtype_string()},
        {"schedule", args.program.schedule},
        {"machine", built.machine.name},
        {"dpus", built.program.grid.count()},
        {"tasklets", built.program.tasklets},
        {"time_ms",
         {{"h2d", optional_ms(r.time_ms.h2d)},
          {"kernel", optional_ms(r.time_ms.kernel)},
          {"after", optional_ms(r.time_ms.after)},
          {"total", optional_ms(r.time_ms.total)}}},
        {"verified", r.verified},
        {"stats", nlohmann::ordered_json::parse(r.stats.dump())},
    };
}

void print_text(const BuiltProgram &built, const RunArguments &args, const runtime::RunResult &r) {
    fmt::print("{} {} {} with schedule {} on {}: {} DPUs x {} tasklets, backend {}\n", built.workload.name,
               built.workload.shape_string(), built.workload.dtype_string(), args.program.schedule,
               built.machine.name, built.program.grid.count(), built.program.tasklets, args.backend);
    if (!r.verified)
        fmt::print("verified: NO\n");
    else if (r.stats.contains("notes"))
        fmt::print("verified: yes, {}\n", r.stats.at("notes").at("verified").get<std::string>());
    else
        fmt::print("verified: yes, all {} output elements bit-exact against the reference interpreter\n",
                   r.total_elements);
    for (const runtime::Mismatch &m : r.mismatches)
        fmt::print("  {}[{}]: expected {}, got {}\n", m.tensor, m.index, m.expected, m.got);
    if (r.time_ms.total) {
        fmt::print("time: h2d {:.4f} ms, kernel {:.4f} ms, after {:.4f} ms, total {:.4f} ms\n",
                   *r.time_ms.h2d, *r.time_ms.kernel, *r.time_ms.after, *r.time_ms.total);
    } else {
        const nlohmann::json &wall = r.stats.at("emu_wall_ms");
        fmt::print(
            "time: none (the emu backend measures no DPU time); emulator wall time h2d {:.3f} ms, kernel "
            "{:.3f} ms, "
            "after {:.3f} ms\n",
            wall.at("h2d").get<double>(), wall.at("kernel").get<double>(), wall.at("after").get<double>());
    }
    if (r.stats.contains("dpu")) {
        // The simulator's view of the slowest DPU: where its cycles went tells a user why a schedule is slow.
        const nlohmann::json &dpu = r.stats.at("dpu");
        const nlohmann::json &cycles = dpu.at("cycle_breakdown");
        fmt::print(
            "slowest DPU: {} cycles, {} instructions, IPC {:.2f}; issue {}, revolver wait {}, DMA wait {}, "
            "register-file stall {} cycles\n",
            dpu.at("cycles").get<int64_t>(), dpu.at("instructions").get<int64_t>(),
            dpu.at("ipc").get<double>(), cycles.at("issue").get<int64_t>(),
            cycles.at("revolver_wait").get<int64_t>(), cycles.at("dma_wait").get<int64_t>(),
            cycles.at("register_file_stall").get<int64_t>());
    }
    if (r.stats.contains("notes") && args.backend == "sim") {
        const nlohmann::json &notes = r.stats.at("notes");
        for (const char *part : {"simulated", "estimated"})
            fmt::print("{}: {}\n", part, notes.at(part).get<std::string>());
    }
    if (!r.work_dir.empty()) fmt::print("work directory kept: {}\n", r.work_dir);
}

void run_run(const RunArguments &args) {
    const codegen::TimingMode timing = codegen::parse_timing_mode(args.timing);
    BuiltProgram built = build_program(args.program);
    runtime::RunResult result;
    if (args.backend == "sim") {
        runtime::SimRunOptions options;
        options.machine = built.machine;
        options.seed = args.seed;
        options.timing = timing;
        options.mode = sim::parse_simulation_mode(args.sim_mode);
        result = runtime::run_sim(built.workload, built.program, options);
    } else {
        runtime::RunOptions options;
        options.seed = args.seed;
        options.timing = timing;
        options.keep_dir = args.keep_dir;
        result = runtime::run_emu(built.workload, built.program, options);
    }
    if (args.json)
        fmt::print("{}\n", result_json(built, args, result).dump());
    else
        print_text(built, args, result);
    if (!result.verified) {
        const runtime::Mismatch &first = result.mismatches.front();
        internal_error(
            __FILE__, __LINE__,
            fmt::format("the generated program computes wrong values: {} of the outputs' elements differ "
                        "from the reference (first: {}[{}] expected {}, got {})",
                        result.mismatch_count, first.tensor, first.index, first.expected, first.got));
    }
}

void add_run_command(CLI::App &app) {
    auto args = std::make_shared<RunArguments>();
    CLI::App *command = app.add_subcommand("run", "schedule, lower, run and verify a workload");
    args->program.add_to(*command);
    command
        ->add_option("--backend", args->backend,
                     "sim (cycle-level simulator, the default) or emu (native SDK emulation, no DPU times)")
        ->check(CLI::IsMember({"emu", "sim"}))
        ->capture_default_str();
    command->add_option("--timing", args->timing, "atim: resident inputs untimed; prim: every copy timed")
        ->check(CLI::IsMember({"atim", "prim"}))
        ->capture_default_str();
    command
        ->add_option(
            "--sim", args->sim_mode,
            "sim backend: full (every DPU simulated), identical (DPUs given identical bytes share one "
            "simulation) or sampled (a few DPUs per timing class simulated, the others' kernel time "
            "estimated; only outputs of simulated DPUs verified)")
        ->check(CLI::IsMember({"full", "identical", "sampled"}))
        ->capture_default_str();
    command->add_option("--seed", args->seed, "seed of the random inputs in [0, 50)")->capture_default_str();
    command->add_flag("--json", args->json, "print one JSON object");
    command->add_flag("--keep-dir", args->keep_dir, "keep the generated sources, binaries and tensors");
    command->callback([args] { run_run(*args); });
}

const CommandRegistration registration(40, add_run_command);

}  // namespace
}  // namespace atim::cli
