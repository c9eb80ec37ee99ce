// Options shared by the commands that build a program (compile, run): which workload at which shape, which
// schedule with which parameters, on which machine, lowered at which optimization level.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atim/lower/lower.h"
#include "atim/lower/pim_program.h"
#include "atim/schedule/schedule.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::cli {

/// The named schedule used when --schedule is not given.
inline constexpr const char *kDefaultSchedule = "prim";

/// The workload a command works on: a built-in by name (positional WORKLOAD) or a user-defined operator
/// (--op STATEMENT), at --shape, with --dtype.
struct WorkloadOptions {
    std::string workload;
    std::string op;  ///< operator notation, e.g. "C[i] += A[i,k] * B[k]"
    std::string shape;
    std::string dtype;  ///< empty: the workload's default

    /// Adds WORKLOAD and --op (mutually exclusive, one of them required), --shape and --dtype.
    void add_to(CLI::App &command);
    /// Builds the workload; throws UserError for bad input.
    workloads::Workload make() const;
    /// How to name the workload on a command line: "mtv" or "--op 'C[i] += A[i,k] * B[k]'".
    static std::string command_line(const workloads::Workload &workload);
};

struct ProgramOptions {
    WorkloadOptions workload;
    std::string schedule = kDefaultSchedule;  ///< a named schedule or a trace .json file
    std::vector<std::string> params;          ///< key=value, for named schedules
    std::string machine = "upmem-2048";       ///< preset name or JSON file
    int opt_level = 4;
    std::vector<std::string> print_after;  ///< lowering passes after which to print the kernel IR

    /// Adds WORKLOAD or --op, --shape, --dtype, --schedule, --param, --machine, --opt-level, --print-after.
    void add_to(CLI::App &command);
};

/// A workload, scheduled and lowered for a machine.
struct BuiltProgram {
    workloads::Workload workload;
    target::UpmemMachine machine;
    std::optional<schedule::Schedule> schedule;
    lower::PimProgram program;
};

/// Parses `key=value` items; throws UserError for an item without '=' or a repeated key.
std::map<std::string, std::string> parse_params(const std::vector<std::string> &items);

/// Builds the workload, the schedule (named, or replayed from a trace file) and lowers it. Throws UserError
/// with what to change for every bad input.
BuiltProgram build_program(const ProgramOptions &options);

}  // namespace atim::cli
