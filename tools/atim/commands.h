// Subcommand registry of the `atim` tool: each command lives in its own file and registers itself.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace atim::cli {

/// Adds one subcommand (with its callback) to the application.
using AddCommand = std::function<void(CLI::App &)>;

/// Registers a subcommand at static-initialization time; `order` sets its place in --help.
struct CommandRegistration {
    CommandRegistration(int order, AddCommand add);
};

}  // namespace atim::cli
