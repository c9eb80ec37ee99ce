// Process-wide MPI state shared by the cluster runner and the worker loop.
#pragma once

namespace atim::tune::cluster {

/// A peer was lost: MPI_Finalize would wait for it, so Cluster::finish leaves without it.
void mark_degraded();
bool degraded();

}  // namespace atim::tune::cluster
