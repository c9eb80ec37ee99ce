// `atim schedules WORKLOAD`: the named schedules that apply to a workload and their parameters.
#include <fmt/format.h>

#include <memory>

#include "atim/baselines/named_schedules.h"
#include "commands.h"

namespace atim::cli {
namespace {

void print_schedules(const std::string &workload) {
    for (const baselines::NamedScheduleInfo &info : baselines::list_named_schedules(workload)) {
        fmt::print("{}: {}\n", info.name, info.description);
        for (const baselines::NamedScheduleParam &param : info.params)
            fmt::print("    --param {}=N  {} (default {})\n", param.name, param.meaning, param.default_value);
    }
}

void add_schedules_command(CLI::App &app) {
    auto workload = std::make_shared<std::string>();
    CLI::App *command =
        app.add_subcommand("schedules", "list named schedules of a workload and their parameters");
    command->add_option("workload", *workload, "operator name (see `atim workloads`)")->required();
    command->callback([workload] { print_schedules(*workload); });
}

const CommandRegistration registration(20, add_schedules_command);

}  // namespace
}  // namespace atim::cli
