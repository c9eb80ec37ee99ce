// Starting and ending MPI: only when a launcher started the process, so that `atim` run by hand stays the
// single-process program it always was.
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "atim/tune/cluster.h"
#include "cluster_state.h"

namespace atim::tune {
namespace {

struct State {
    bool started = false;
    int rank = 0;
    int size = 1;
    bool degraded = false;
};

State &state() {
    static State s;
    return s;
}

/// Set by mpirun/mpiexec (Open MPI) and by srun (PMIx or PMI-2): the process is one rank of a job.
bool launched_by_mpi() {
    for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (std::getenv(name)) return true;
    return false;
}

}  // namespace

namespace cluster {

void mark_degraded() { state().degraded = true; }
bool degraded() { return state().degraded; }

}  // namespace cluster

void Cluster::start(int *argc, char ***argv) {
    if (!launched_by_mpi()) return;
    // Rank 0 talks from a communication thread, not from main(): calls come from one thread at a time.
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
    // A failed peer must be an error code to handle (re-queue its candidates), not the end of the job.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    State &s = state();
    s.started = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &s.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &s.size);
    if (provided < MPI_THREAD_SERIALIZED && s.size > 1) {
        if (s.rank == 0)
            std::fprintf(stderr,
                         "error: the MPI library does not allow calls from several threads "
                         "(MPI_THREAD_SERIALIZED); run atim as a single process\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
}

int Cluster::finish(int exit_code) {
    State &s = state();
    if (!s.started) return exit_code;
    if (s.degraded) {
        // A lost rank never reaches MPI_Finalize, and Open MPI's finalize may wait for it; everything this
        // rank owns (the database, the outputs) is closed by now.
        std::fflush(stdout);
        std::fflush(stderr);
        ::_exit(exit_code);
    }
    MPI_Finalize();
    return exit_code;
}

int Cluster::rank() { return state().rank; }
int Cluster::size() { return state().size; }

}  // namespace atim::tune
