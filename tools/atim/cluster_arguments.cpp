// MPI options shared by `atim tune` and `atim bench`.
#include "cluster_arguments.h"

namespace atim::cli {

void ClusterArguments::add_to(CLI::App &command) {
    command
        .add_option("--worker-deadline", options.deadline_seconds,
                    "MPI runs: seconds a worker rank may hold a candidate before it is also given to another "
                    "rank (0: no deadline)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command
        .add_option(
            "--worker-silence", options.silence_seconds,
            "MPI runs: seconds without a word from a rank before it is presumed dead (its candidates go "
            "to the others; a worker leaves when rank 0 is silent)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
}

std::unique_ptr<tune::Runner> ClusterArguments::runner_for_rank(std::unique_ptr<tune::Runner> local,
                                                                const target::UpmemMachine &machine,
                                                                int threads) const {
    if (tune::Cluster::is_worker()) {
        tune::serve_measurements(*local, machine, threads, options);
        return nullptr;
    }
    return tune::make_cluster_runner(std::move(local), threads, options);
}

}  // namespace atim::cli
