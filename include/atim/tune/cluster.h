// Tuning on many machines (issue 16): under `mpirun -n N` or `srun`, rank 0 runs the search and owns the
// records database, and every other rank measures candidates (replay, lower, codegen, simulate, verify) and
// sends back MeasureResults. The search sees one more Runner; only rank 0 ever opens the database. Without
// MPI (built with ATIM_MPI off, or started without a launcher) this is a single process of rank 0 of 1.
#pragma once

#include <memory>

#include "atim/target/upmem_machine.h"
#include "atim/tune/runner.h"

namespace atim::tune {

/// How rank 0 treats its workers.
struct ClusterOptions {
    /// A candidate a worker holds this long is given to another rank (the worker may hang); 0: never.
    double deadline_seconds = 300;
    /// A worker that has sent nothing (no result, no heartbeat) for this long is presumed dead: its
    /// candidates go to the others, and it gets no new ones unless it is heard from again.
    double silence_seconds = 30;
    /// Rank 0 measures candidates too (with the local runner's threads) while it waits for the workers.
    bool master_measures = true;
};

/// The process's place in the MPI job: rank 0 of 1 without MPI.
class Cluster {
public:
    /// Starts MPI when the binary was built with it and the process was started by an MPI launcher
    /// (mpirun's or Slurm's environment); otherwise does nothing. Call once, first thing in main().
    static void start(int *argc, char ***argv);
    /// Ends MPI (when started) and returns `exit_code`. When a worker was lost (killed, hung), the ranks
    /// left leave without MPI_Finalize, which would wait for the lost one forever.
    static int finish(int exit_code);
    static int rank();
    static int size();
    /// More than one rank: rank 0 distributes, the others serve.
    static bool distributed() { return size() > 1; }
    static bool is_worker() { return rank() != 0; }
};

/// Rank 0's runner when distributed(): each candidate of a batch is measured by a worker (or by `local`,
/// when options.master_measures), results come back in batch order, and a lost worker's candidates are
/// measured by the others. Results do not depend on which rank measured what.
/// `local_threads` is how many candidates rank 0 measures at once (0: all cores).
std::unique_ptr<Runner> make_cluster_runner(std::unique_ptr<Runner> local, int local_threads,
                                            const ClusterOptions &options);

/// A worker rank's loop: measures the candidates rank 0 sends with `local` (on as many threads as
/// `threads` resolves to: 0 = all cores) and returns when rank 0 says the work is done. A worker that
/// hears nothing from rank 0 for options.silence_seconds presumes it dead and leaves (exit code 3).
/// `machine` is the one rank 0 searches on (every rank parses the same command line).
void serve_measurements(Runner &local, const target::UpmemMachine &machine, int threads,
                        const ClusterOptions &options);

}  // namespace atim::tune
