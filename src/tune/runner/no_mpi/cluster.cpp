// The single-process build (ATIM_MPI off): one rank, nothing to distribute.
#include "atim/tune/cluster.h"
#include "atim/support/error.h"

namespace atim::tune {

void Cluster::start(int *, char ***) {}
int Cluster::finish(int exit_code) { return exit_code; }
int Cluster::rank() { return 0; }
int Cluster::size() { return 1; }

std::unique_ptr<Runner> make_cluster_runner(std::unique_ptr<Runner> local, int, const ClusterOptions &) {
    return local;
}

void serve_measurements(Runner &, const target::UpmemMachine &, int, const ClusterOptions &) {
    ATIM_CHECK(false, "serve_measurements called in a build without MPI");
}

}  // namespace atim::tune
