// The program-building options shared by `atim compile` and `atim run` (see program_options.h).
#include <fmt/format.h>

#include <filesystem>

#include "atim/baselines/named_schedules.h"
#include "atim/schedule/trace.h"
#include "atim/support/error.h"
#include "atim/tune/space.h"
#include "program_options.h"

namespace atim::cli {
namespace {

bool looks_like_trace_file(const std::string &schedule) {
    return schedule.find('/') != std::string::npos || (schedule.size() > 5 && schedule.ends_with(".json")) ||
           std::filesystem::exists(schedule);
}

// `--schedule sketch`: any decision vector of any tuner sketch, decisions named as the tuner names them.
schedule::Schedule sketch_schedule(const ProgramOptions &options, const workloads::Workload &workload,
                                   const target::UpmemMachine &machine,
                                   const std::map<std::string, std::string> &params) {
    tune::SpaceOptions space;
    space.opt_level = options.opt_level;
    const std::vector<tune::Sketch> sketches = tune::generate_sketches(workload, machine, space);
    const tune::Candidate candidate = tune::candidate_from_params(sketches, workload, params);
    const std::vector<std::pair<std::string, std::string>> full =
        tune::candidate_params(sketches, workload, candidate);
    // Decisions left out were drawn: say which program this is, so that it can be re-run as given.
    if (full.size() > params.size() + (params.contains(tune::kSketchParam) ? 0 : 1))
        fmt::print(stderr, "note: decisions not given were drawn; this program is {}\n",
                   tune::sketch_param_arguments(full));
    schedule::Schedule sch = candidate.trace.replay(workload.func);
    sch.set_resident_inputs(workload.resident_inputs);
    return sch;
}

schedule::Schedule make_schedule(const ProgramOptions &options, const workloads::Workload &workload,
                                 const target::UpmemMachine &machine) {
    std::map<std::string, std::string> params = parse_params(options.params);
    if (options.schedule == tune::kSketchSchedule) return sketch_schedule(options, workload, machine, params);
    if (baselines::is_named_schedule(options.schedule)) {
        schedule::Schedule sch = baselines::apply_named_schedule(options.schedule, workload, params, machine);
        // On stderr, so that `run --json` stays one JSON object on stdout.
        for (const std::string &note :
             baselines::named_schedule_notes(options.schedule, workload, params, machine))
            fmt::print(stderr, "note: {}\n", note);
        return sch;
    }
    if (!looks_like_trace_file(options.schedule)) {
        std::string names;
        for (const baselines::NamedScheduleInfo &info : baselines::list_named_schedules(workload))
            names += (names.empty() ? "" : ", ") + info.name;
        names += std::string(", ") + tune::kSketchSchedule;
        if (workload.is_op())
            user_error("unknown schedule '{}'; use one of {} or a trace .json file", options.schedule, names);
        user_error("unknown schedule '{}'; use one of {} (see `atim schedules {}`) or a trace .json file",
                   options.schedule, names, workload.name);
    }
    if (!params.empty())
        user_error("--param applies to named schedules; the trace file '{}' already fixes every decision",
                   options.schedule);
    schedule::Schedule sch = schedule::Trace::load(options.schedule).replay(workload.func);
    sch.set_resident_inputs(workload.resident_inputs);
    return sch;
}

}  // namespace

void WorkloadOptions::add_to(CLI::App &command) {
    CLI::Option *name = command.add_option("workload", workload, "operator name (see `atim workloads`)");
    command
        .add_option("--op", op,
                    "a user-defined operator instead of a workload name, e.g. 'C[i] += A[i,k] * B[k]' "
                    "(+= sums over the indices only on the right; + - * min max, integer constants)")
        ->excludes(name);
    command
        .add_option(
            "--shape", shape,
            "task shape: M (va, geva, red), MxK (mtv, gemv), MxNxK (ttv, mmtv); for --op the extent of "
            "every index, e.g. i=8192,k=8192")
        ->required();
    command.add_option("--dtype", dtype,
                       "element types: one for every tensor (int8, uint8, int16, int32, int64) or one per "
                       "tensor, e.g. A=int8,B=int8,C=int32 (tensors left out keep the default: the "
                       "workload's, int32 for --op); the operator computes in its output's type");
}

workloads::Workload WorkloadOptions::make() const {
    if (!op.empty()) return workloads::make_op_workload(op, shape, dtype);
    if (workload.empty())
        user_error("give a workload name (see `atim workloads`) or a user-defined operator with --op");
    return workloads::make_workload(workload, workloads::parse_shape(workload, shape), dtype);
}

std::string WorkloadOptions::command_line(const workloads::Workload &workload) {
    return workload.is_op() ? fmt::format("--op '{}'", workload.notation) : workload.name;
}

void ProgramOptions::add_to(CLI::App &command) {
    workload.add_to(command);
    command
        .add_option("--schedule", schedule,
                    "named schedule (see `atim schedules WORKLOAD`) or a trace .json file")
        ->capture_default_str();
    command.add_option("--param", params, "named-schedule parameter key=value (repeatable)");
    command
        .add_option(
            "--machine", machine,
            "machine: a preset (upmem-2048: ATiM's evaluation server, SDK 2021.3; upmem-cloud-2048: the "
            "SDK 2024.2 cloud server of the transfer table; upmem-2560, upmem-rank, upmem-1) or a JSON file")
        ->capture_default_str();
    command
        .add_option("--opt-level", opt_level,
                    "PIM-aware optimizations: 0 none, 1 DMA, 2 +LT, 3 +weak BH, 4 +BH")
        ->check(CLI::Range(0, 4))
        ->capture_default_str();
    command.add_option("--print-after", print_after,
                       "print the kernel IR to stderr after this lowering pass "
                       "(repeatable; 'all' for every pass)");
}

std::map<std::string, std::string> parse_params(const std::vector<std::string> &items) {
    std::map<std::string, std::string> params;
    for (const std::string &item : items) {
        size_t equals = item.find('=');
        if (equals == std::string::npos || equals == 0)
            user_error("--param '{}' is not key=value; write e.g. --param tasklets=16", item);
        std::string key = item.substr(0, equals);
        if (!params.emplace(key, item.substr(equals + 1)).second)
            user_error("--param {} is given twice; give each parameter once", key);
    }
    return params;
}

BuiltProgram build_program(const ProgramOptions &options) {
    BuiltProgram built{options.workload.make(), target::load_machine(options.machine), std::nullopt, {}};
    for (const std::string &pass : options.print_after) {
        const std::vector<std::string> &names = lower::lower_pass_names();
        if (pass != "all" && std::find(names.begin(), names.end(), pass) == names.end())
            user_error("--print-after {}: no such lowering pass; use 'all' or one of: {}", pass,
                       fmt::join(names, ", "));
    }
    built.schedule.emplace(make_schedule(options, built.workload, built.machine));
    lower::LowerOptions lower_options;
    lower_options.opt_level = options.opt_level;
    lower_options.print_after = options.print_after;
    built.program = lower::lower(*built.schedule, built.machine, lower_options);
    return built;
}

}  // namespace atim::cli
