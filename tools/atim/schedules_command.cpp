// `atim schedules WORKLOAD|--op STATEMENT`: the named schedules that apply to a workload and their
// parameters, and the `sketch` schedule: every decision of each tuner sketch with its legal values at a
// shape.
#include <fmt/format.h>

#include <memory>

#include "atim/baselines/named_schedules.h"
#include "atim/support/error.h"
#include "atim/tune/space.h"
#include "commands.h"

namespace atim::cli {
namespace {

struct SchedulesArguments {
    std::string workload, op, shape;
    std::string machine = "upmem-2048";
};

// The shape the sketch decisions are listed at when none is given (their ranges depend on the extents).
std::string listing_shape(const std::string &workload) {
    for (const workloads::WorkloadInfo &info : workloads::workload_list()) {
        if (info.name != workload) continue;
        if (info.shape_params == "MxK") return "4096x4096";
        if (info.shape_params == "MxNxK") return "64x256x256";
    }
    return "1048576";
}

void print_sketches(const SchedulesArguments &args, const workloads::Workload &workload,
                    const std::string &shape_text) {
    const target::UpmemMachine machine = target::load_machine(args.machine);
    const std::vector<tune::Sketch> sketches = tune::generate_sketches(workload, machine);
    fmt::print(
        "{}: any decision vector of a tuner sketch; `atim tune` prints its best program in this form. "
        "Decisions not given are drawn. Legal values below are for --shape {} on {}{}:\n",
        tune::kSketchSchedule, shape_text, machine.name,
        args.shape.empty() ? " (give --shape for yours)" : "");
    for (const tune::Sketch &sketch : sketches) {
        fmt::print("    --param {}={}  ({})\n", tune::kSketchParam, tune::to_string(sketch.family),
                   sketch.name);
        for (const tune::DecisionInfo &d : tune::sketch_decisions(sketch, workload))
            fmt::print("        --param {}={}  {}\n", d.name, d.values, d.meaning);
    }
}

void print_schedules(const SchedulesArguments &args) {
    if (args.op.empty() && args.workload.empty())
        user_error("give a workload name (see `atim workloads`) or a user-defined operator with --op");
    if (!args.op.empty() && args.shape.empty())
        user_error("--op needs --shape with the extent of every index, e.g. --shape i=8192,k=8192");
    // A built-in's schedules are listed (or its name refused) before its shape is looked at.
    std::vector<baselines::NamedScheduleInfo> named;
    if (args.op.empty()) named = baselines::list_named_schedules(args.workload);
    const std::string shape_text = args.shape.empty() ? listing_shape(args.workload) : args.shape;
    const workloads::Workload workload =
        args.op.empty()
            ? workloads::make_workload(args.workload, workloads::parse_shape(args.workload, shape_text))
            : workloads::make_op_workload(args.op, shape_text);
    if (!args.op.empty()) named = baselines::list_named_schedules(workload);
    for (const baselines::NamedScheduleInfo &info : named) {
        fmt::print("{}: {}\n", info.name, info.description);
        for (const baselines::NamedScheduleParam &param : info.params)
            fmt::print("    --param {}=N  {} (default {})\n", param.name, param.meaning, param.default_value);
    }
    print_sketches(args, workload, shape_text);
}

void add_schedules_command(CLI::App &app) {
    auto args = std::make_shared<SchedulesArguments>();
    CLI::App *command =
        app.add_subcommand("schedules", "list named schedules of a workload and their parameters");
    CLI::Option *name =
        command->add_option("workload", args->workload, "operator name (see `atim workloads`)");
    command->add_option("--op", args->op, "a user-defined operator instead, e.g. 'C[i] += A[i,k] * B[k]'")
        ->excludes(name);
    command->add_option("--shape", args->shape,
                        "task shape the sketch decisions' legal values are shown for");
    command->add_option("--machine", args->machine, "machine preset or JSON file (DPU and tasklet bounds)")
        ->capture_default_str();
    command->callback([args] { print_schedules(*args); });
}

const CommandRegistration registration(20, add_schedules_command);

}  // namespace
}  // namespace atim::cli
