// `atim compile`: schedules and lowers a workload and prints (or writes) the lowered program as IR, or as the
// UPMEM SDK C sources (dpu.c, host.c, build.sh).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "atim/codegen/c_codegen.h"
#include "atim/codegen/dpu_codegen.h"
#include "atim/ir/printer.h"
#include "atim/support/error.h"
#include "commands.h"
#include "program_options.h"

namespace atim::cli {
namespace {

struct CompileArguments {
    ProgramOptions program;
    std::string emit;
    std::string output_dir;
    std::string save_trace;
    std::string timing = "atim";
};

const char *role_name(lower::TensorRole role) {
    switch (role) {
        case lower::TensorRole::Input:
            return "input";
        case lower::TensorRole::Output:
            return "output";
        case lower::TensorRole::Partial:
            return "partial";
    }
    return "?";
}

std::string shape_text(const std::vector<int64_t> &shape) {
    return fmt::format("[{}]", fmt::join(shape, ", "));
}

void describe_transfers(const lower::PimProgram &p, const std::vector<lower::Transfer> &transfers,
                        const char *direction, std::string &out) {
    for (const lower::Transfer &t : transfers) {
        const lower::MramSlice &slice = p.slices.at(t.slice);
        out +=
            fmt::format("//   {} {} {} -> {}: {} B per DPU{}\n", direction, lower::to_string(t.kind),
                        t.direction == lower::TransferDirection::ToDpu ? slice.host->name : slice.local->name,
                        t.direction == lower::TransferDirection::ToDpu ? slice.local->name : slice.host->name,
                        t.bytes_per_dpu, t.resident ? " (resident)" : "");
    }
}

/// The lowered program as text: the schedule, the layout and transfers, the kernel and the host epilogue.
std::string program_ir(const BuiltProgram &built) {
    const lower::PimProgram &p = built.program;
    std::string out = "// schedule\n";
    std::string schedule = built.schedule->to_string();
    for (size_t start = 0; start < schedule.size();) {
        size_t end = schedule.find('\n', start);
        if (end == std::string::npos) end = schedule.size();
        out += "//   " + schedule.substr(start, end - start) + "\n";
        start = end + 1;
    }
    out += fmt::format(
        "// program {}: {} DPUs ({} x {} x {}), {} tasklets, opt level {}, {} B WRAM per DPU\n", p.name,
        p.grid.count(), p.grid.x, p.grid.y, p.grid.z, p.tasklets, p.opt_level, p.wram_bytes_per_dpu);
    for (const lower::TensorInfo &t : p.tensors)
        out += fmt::format("//   tensor {} {}{} {}{}\n", t.buffer->name, ir::to_string(t.buffer->dtype),
                           shape_text(t.buffer->shape), role_name(t.role), t.resident ? " resident" : "");
    for (const lower::MramSlice &s : p.slices) {
        std::string origin;
        for (const ir::Expr &e : s.box_min) origin += (origin.empty() ? "" : ", ") + ir::to_string(e);
        std::string view = s.fused_dims > 1 ? " seen as " + shape_text(s.host_shape()) : "";
        std::string place =
            s.in_wram ? "in a __host WRAM symbol" : fmt::format("at offset {}", s.mram_offset);
        out += fmt::format("//   {} {} {}{} = box of {}{} at ({}), {} B per DPU {}\n",
                           s.in_wram ? "wram" : "mram", s.local->name, ir::to_string(s.local->dtype),
                           shape_text(s.local->shape), s.host->name, view, origin, s.bytes_per_dpu, place);
    }
    describe_transfers(p, p.to_dpu, "push", out);
    describe_transfers(p, p.from_dpu, "gather", out);
    out += "kernel:\n" + ir::to_string(p.kernel);
    if (p.host_epilogue.defined()) out += "host_epilogue:\n" + ir::to_string(p.host_epilogue);
    return out;
}

void write_text_atomically(const std::filesystem::path &path, const std::string &text) {
    std::filesystem::path partial = path;
    partial += ".partial";
    {
        std::ofstream file(partial, std::ios::binary);
        file << text;
        if (!file)
            user_error("cannot write {}; check that the directory exists and is writable", path.string());
    }
    std::filesystem::rename(partial, path);
}

void run_compile(const CompileArguments &args) {
    codegen::CEmitOptions emit_options;
    emit_options.timing = codegen::parse_timing_mode(args.timing);
    BuiltProgram built = build_program(args.program);
    emit_options.stack_bytes_per_tasklet = built.machine.stack_bytes_per_tasklet;
    if (!args.save_trace.empty()) built.schedule->trace().save(args.save_trace);
    if (args.emit == "ir") {
        std::string text = program_ir(built);
        if (args.output_dir.empty()) {
            fmt::print("{}", text);
        } else {
            std::filesystem::create_directories(args.output_dir);
            write_text_atomically(std::filesystem::path(args.output_dir) / (built.program.name + ".ir"),
                                  text);
        }
        return;
    }
    if (args.emit == "asm") {
        std::string text = codegen::emit_dpu_asm(built.program, built.machine);
        if (args.output_dir.empty()) {
            fmt::print("{}", text);
        } else {
            std::filesystem::create_directories(args.output_dir);
            write_text_atomically(std::filesystem::path(args.output_dir) / (built.program.name + ".S"), text);
        }
        return;
    }
    codegen::CSources sources = codegen::emit_c(built.program, emit_options);
    if (args.output_dir.empty()) {
        fmt::print("/* ===== dpu.c ===== */\n{}\n/* ===== host.c ===== */\n{}\n# ===== build.sh =====\n{}",
                   sources.dpu_c, sources.host_c, sources.build_sh);
    } else {
        codegen::write_c_sources(sources, args.output_dir);
    }
}

void add_compile_command(CLI::App &app) {
    auto args = std::make_shared<CompileArguments>();
    CLI::App *command =
        app.add_subcommand("compile", "schedule and lower a workload; print or write IR or C");
    args->program.add_to(*command);
    command
        ->add_option("--emit", args->emit, "what to produce: ir (lowered program) or c (UPMEM SDK sources)")
        ->required()
        ->check(CLI::IsMember({"ir", "c", "asm"}));
    command->add_option("-o,--output", args->output_dir,
                        "directory to write into (default: print to stdout)");
    command->add_option("--save-trace", args->save_trace,
                        "also save the schedule's trace (JSON) to this file");
    command->add_option("--timing", args->timing, "host.c timing: atim (resident inputs untimed) or prim")
        ->capture_default_str();
    command->callback([args] { run_compile(*args); });
}

const CommandRegistration registration(30, add_compile_command);

}  // namespace
}  // namespace atim::cli
