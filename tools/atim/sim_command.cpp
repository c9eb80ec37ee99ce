// `atim sim FILE.S`: assembles a raw DPU assembly program, runs it on the simulated UPMEM system and prints
// cycles, instructions, IPC, time, DMA bytes, the cycle breakdown and what was simulated.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "atim/sim/assembler.h"
#include "atim/sim/system.h"
#include "atim/support/error.h"
#include "atim/target/upmem_machine.h"
#include "commands.h"

namespace atim::cli {
namespace {

struct SimArguments {
    std::string file;
    int tasklets = 16;  // PrIM's default and uPIMulator's characterization setting [upmem-hardware.md §4.2]
    int dpus = 1;
    std::string machine = "upmem-2048";
    bool all_dpus = false;
    bool json = false;
};

std::string read_source(const std::string &path) {
    std::ifstream in(path);
    if (!in) user_error("cannot read assembly file '{}'; check the path", path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

double percent(int64_t part, int64_t whole) {
    return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

void print_text(const SimArguments &args, const target::UpmemMachine &machine, const sim::Measurement &m,
                double kernel_only_ms, double wall_seconds) {
    const sim::DpuStats &k = m.kernel;
    int64_t simulated = m.counter("simulated_instructions");
    fmt::print("program      {} on {} DPU(s) of {} ({} tasklets, {} MHz)\n", args.file, args.dpus,
               machine.name, args.tasklets, machine.dpu_mhz);
    fmt::print("cycles       {}\n", k.cycles);
    fmt::print("instructions {}\n", k.instructions);
    fmt::print("ipc          {:.3f}\n", k.ipc());
    fmt::print("time         {:.6f} ms kernel ({:.6f} ms DPU cycles + {:.6f} ms launch)\n", m.kernel_ms,
               kernel_only_ms, m.kernel_ms - kernel_only_ms);
    fmt::print("dma          {} bytes ({} read, {} written, {} transfers)\n",
               k.dma_read_bytes + k.dma_write_bytes, k.dma_read_bytes, k.dma_write_bytes, k.dma_transfers);
    fmt::print(
        "breakdown    issue {:.1f}%  dma wait {:.1f}%  revolver wait {:.1f}%  register-file stall {:.1f}%\n",
        percent(k.issue_cycles, k.cycles), percent(k.dma_wait_cycles, k.cycles),
        percent(k.revolver_wait_cycles, k.cycles), percent(k.rf_stall_cycles, k.cycles));
    fmt::print("sim speed    {:.0f} simulated instructions per second ({} in {:.3f} s wall)\n",
               wall_seconds > 0 ? static_cast<double>(simulated) / wall_seconds : 0.0, simulated,
               wall_seconds);
    fmt::print("note         {}\n", m.note);
}

void print_json(const SimArguments &args, const target::UpmemMachine &machine, const sim::Measurement &m,
                double wall_seconds) {
    const sim::DpuStats &k = m.kernel;
    nlohmann::json out = {
        {"file", args.file},
        {"machine", machine.name},
        {"dpus", args.dpus},
        {"tasklets", args.tasklets},
        {"cycles", k.cycles},
        {"instructions", k.instructions},
        {"ipc", k.ipc()},
        {"time_ms", m.kernel_ms},
        {"dma_bytes", k.dma_read_bytes + k.dma_write_bytes},
        {"dma_read_bytes", k.dma_read_bytes},
        {"dma_write_bytes", k.dma_write_bytes},
        {"dma_transfers", k.dma_transfers},
        {"breakdown",
         {{"issue", k.issue_cycles},
          {"dma_wait", k.dma_wait_cycles},
          {"revolver_wait", k.revolver_wait_cycles},
          {"rf_stall", k.rf_stall_cycles}}},
        {"simulated_instructions_per_second",
         wall_seconds > 0 ? static_cast<double>(m.counter("simulated_instructions")) / wall_seconds : 0.0},
        {"simulated_dpu_runs", m.counter("simulated_dpu_runs")},
        {"note", m.note},
    };
    fmt::print("{}\n", out.dump());
}

void run_sim(const SimArguments &args) {
    target::UpmemMachine machine = target::load_machine(args.machine);
    if (args.tasklets < 1 || args.tasklets > machine.max_tasklets) {
        user_error("--tasklets {} is out of range; machine '{}' runs 1..{}", args.tasklets, machine.name,
                   machine.max_tasklets);
    }
    sim::AssembleOptions options;
    options.tasklets = args.tasklets;
    options.stack_bytes_per_tasklet = static_cast<int>(machine.stack_bytes_per_tasklet);
    options.iram_instructions = machine.iram_instructions;
    options.wram_bytes = machine.wram_bytes;
    options.mram_bytes = machine.mram_bytes;
    auto program =
        std::make_shared<const sim::Program>(sim::assemble(read_source(args.file), args.file, options));

    sim::MachineOptions machine_options;
    machine_options.mode = args.all_dpus ? sim::SimulationMode::Full : sim::SimulationMode::Identical;
    sim::Machine system(machine, machine_options);
    auto start = std::chrono::steady_clock::now();
    sim::Measurement m =
        system.run({sim::op::Allocate{args.dpus}, sim::op::Load{program, args.tasklets}, sim::op::Launch{}})
            .measurement;
    double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double kernel_only_ms = static_cast<double>(m.kernel.cycles) / (machine.dpu_mhz * 1e3);
    if (args.json) {
        print_json(args, machine, m, wall_seconds);
    } else {
        print_text(args, machine, m, kernel_only_ms, wall_seconds);
    }
}

void add_sim_command(CLI::App &app) {
    auto args = std::make_shared<SimArguments>();
    CLI::App *sim = app.add_subcommand("sim", "assemble and run a raw DPU assembly program on the simulator");
    sim->add_option("file", args->file, "DPU assembly file (UPMEM clang syntax)")->required();
    sim->add_option("--tasklets", args->tasklets, "tasklets per DPU (default 16)");
    sim->add_option("--dpus", args->dpus, "DPUs running the program (default 1)");
    sim->add_option("--machine", args->machine, "machine preset or JSON file (default upmem-2048)");
    sim->add_flag("--all-dpus", args->all_dpus, "simulate every DPU instead of sharing identical ones");
    sim->add_flag("--json", args->json, "print one JSON object");
    sim->callback([args] {
        try {
            run_sim(*args);
        } catch (const UserError &e) {
            // Assembler and runtime faults may span lines; the CLI contract is one line.
            std::string message = e.what();
            for (char &c : message)
                if (c == '\n') c = ' ';
            throw UserError(message);
        }
    });
}

const CommandRegistration registration(50, add_sim_command);

}  // namespace
}  // namespace atim::cli
