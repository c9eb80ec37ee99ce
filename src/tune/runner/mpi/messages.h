// What rank 0 and the workers say to each other: JSON texts on MPI_COMM_WORLD, one tag per kind, sent
// without waiting (a peer may be dead, and a blocking send to it would never return).
#pragma once

#include <mpi.h>

#include <chrono>
#include <list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "atim/schedule/trace.h"
#include "atim/tune/measure.h"
#include "atim/workloads/workload.h"

namespace atim::tune::cluster {

enum Tag : int {
    kHello = 1,      ///< worker -> 0: {"threads": N}, once, when it starts serving
    kJob = 2,        ///< 0 -> worker: one candidate to measure
    kResult = 3,     ///< worker -> 0: {"job", "result"}
    kHeartbeat = 4,  ///< both ways, every kHeartbeatSeconds: "I am alive"
    kShutdown = 5,   ///< 0 -> worker: {"finalize": bool}; the work is done
};

/// How often a rank that has nothing else to say proves it is alive.
inline constexpr double kHeartbeatSeconds = 1.0;

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

/// What a job asks of the rank that takes it.
enum class JobKind {
    Measure,  ///< Runner::run of one candidate (sampled simulation, under the kernel-time bound)
    Full,     ///< Runner::run_full (or its part `part` of `parts`): every DPU simulated
    Analyze,  ///< analyze_candidates of a few candidates (the search's lowering for its cost model)
};

/// Work for one rank, as sent to a worker: one candidate to measure, or a few to analyze.
struct Job {
    int64_t id = 0;
    JobKind kind = JobKind::Measure;
    nlohmann::json workload;  ///< workload_to_json
    std::vector<std::string> traces;
    std::optional<double> kernel_ms_bound;
    int opt_level = 4;        ///< Analyze
    int part = 0, parts = 1;  ///< Full: Runner::run_full_part

    nlohmann::json to_json() const;
    static Job from_json(const nlohmann::json &json);
};

/// What rebuilds `workload` on another rank: a built-in's name, shape and dtype, or an --op's notation.
nlohmann::json workload_to_json(const workloads::Workload &workload);
workloads::Workload workload_from_json(const nlohmann::json &json);

/// A received message.
struct Message {
    int source = 0;
    int tag = 0;
    nlohmann::json body;
};

/// Sends without blocking: each message's buffer lives until MPI has taken it. Messages to a dead peer stay
/// pending; drop() forgets them when the process leaves without MPI_Finalize.
class Outbox {
public:
    ~Outbox();
    void send(int destination, Tag tag, const nlohmann::json &body);
    /// Releases the messages MPI has delivered (or buffered).
    void progress();
    /// Waits until every message has left (only when every peer is known to be alive).
    void flush();
    bool empty() const { return pending_.empty(); }

private:
    struct Pending {
        std::string text;
        MPI_Request request = MPI_REQUEST_NULL;
    };
    std::list<Pending> pending_;
};

/// The next message from `source` (MPI_ANY_SOURCE: anyone), if one has arrived.
std::optional<Message> poll_message(int source);

/// Sleeps briefly: the polling loops must not take a core from the measuring threads (a blocking MPI
/// receive busy-waits in Open MPI).
void idle_pause();

}  // namespace atim::tune::cluster
