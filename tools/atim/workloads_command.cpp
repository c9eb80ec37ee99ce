// `atim workloads`: the operator library, with each operator's formula, shape parameters and default dtype.
#include <fmt/format.h>

#include "atim/ir/type.h"
#include "atim/workloads/workload.h"
#include "commands.h"

namespace atim::cli {
namespace {

void print_workloads() {
    fmt::print("{:<8} {:<8} {:<7} {}\n", "workload", "shape", "dtype", "formula");
    for (const workloads::WorkloadInfo &w : workloads::workload_list())
        fmt::print("{:<8} {:<8} {:<7} {}\n", w.name, w.shape_params, ir::to_string(w.default_dtype),
                   w.formula);
    fmt::print(
        "\n--dtype: {} for every tensor, or per tensor (A=int8,B=int8,C=int32); the operator computes in its "
        "output's type (reads are widened or wrapped to it)\n",
        ir::dtype_names());
}

void add_workloads_command(CLI::App &app) {
    CLI::App *command = app.add_subcommand("workloads", "list workloads, their shape parameters and dtypes");
    command->callback(print_workloads);
}

const CommandRegistration registration(10, add_workloads_command);

}  // namespace
}  // namespace atim::cli
