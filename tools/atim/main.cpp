// Entry point of the `atim` command-line tool: builds the CLI from the registered subcommands and maps
// errors to exit codes (2: bad input, 1: a bug of ours).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <utility>
#include <vector>

#include "atim/support/error.h"
#include "atim/support/version.h"
#include "atim/tune/cluster.h"
#include "commands.h"

namespace atim::cli {
namespace {

std::vector<std::pair<int, AddCommand>> &registry() {
    static std::vector<std::pair<int, AddCommand>> commands;
    return commands;
}

}  // namespace

CommandRegistration::CommandRegistration(int order, AddCommand add) {
    registry().emplace_back(order, std::move(add));
}

}  // namespace atim::cli

namespace {

int run_command(int argc, char **argv) {
    CLI::App app{"atim: search-based optimizing tensor compiler for UPMEM processing-in-DRAM"};
    app.require_subcommand(1);
    app.set_version_flag("--version", fmt::format("atim {}", atim::atim_version()));
    auto commands = atim::cli::registry();
    std::stable_sort(commands.begin(), commands.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (auto &[order, add] : commands) add(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        fmt::print(stderr, "error: {} (see atim --help)\n", e.what());
        return 2;
    } catch (const atim::UserError &e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 2;
    } catch (const atim::InternalError &e) {
        fmt::print(stderr,
                   "internal error: {}\nThis is a bug in atim; please report it with the command line.\n",
                   e.what());
        return 1;
    } catch (const std::exception &e) {
        fmt::print(stderr,
                   "internal error: {}\nThis is a bug in atim; please report it with the command line.\n",
                   e.what());
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    // Under mpirun or srun every rank runs the same command line; rank 0 does the command's work and the
    // others measure for it (tune and bench). Started by hand, this does nothing.
    atim::tune::Cluster::start(&argc, &argv);
    return atim::tune::Cluster::finish(run_command(argc, argv));
}
