// The options of `atim tune` and `atim bench` that concern MPI runs, and the split of a command between
// rank 0 (search, database, outputs) and the worker ranks (measure what rank 0 sends).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

#include "atim/tune/cluster.h"
#include "atim/tune/runner.h"

namespace atim::cli {

struct ClusterArguments {
    tune::ClusterOptions options;

    /// Adds --worker-deadline and --worker-silence.
    void add_to(CLI::App &command);
    /// On a worker rank: measures what rank 0 sends with `local` until rank 0 is done, and returns
    /// nullptr (the command has nothing else to do). On rank 0: the runner the command measures with
    /// (`local` itself when the process is alone).
    std::unique_ptr<tune::Runner> runner_for_rank(std::unique_ptr<tune::Runner> local,
                                                  const target::UpmemMachine &machine, int threads) const;
};

}  // namespace atim::cli
