// A worker rank: measures the candidates rank 0 sends on its own threads, while its main thread keeps the
// conversation going (results, heartbeats, watching that rank 0 is still there).
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "atim/tune/cluster.h"
#include "cluster_state.h"
#include "job_execution.h"
#include "messages.h"
#include "tune/runner/candidate_measurement.h"

namespace atim::tune {
namespace {

using cluster::Job;

/// Jobs waiting for a measuring thread and results waiting to be sent, shared with the measuring threads.
class JobQueue {
public:
    void push(Job job) {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
        ready_.notify_one();
    }
    /// The next job; nullopt once stop() was called.
    std::optional<Job> pop() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return stopped_ || !jobs_.empty(); });
        if (stopped_) return std::nullopt;
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        return job;
    }
    void finish(nlohmann::json result) {
        std::lock_guard lock(mutex_);
        finished_.push_back(std::move(result));
    }
    std::deque<nlohmann::json> take_finished() {
        std::lock_guard lock(mutex_);
        return std::exchange(finished_, {});
    }
    void stop() {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        ready_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Job> jobs_;
    std::deque<nlohmann::json> finished_;
    bool stopped_ = false;
};

/// The job's result, or what went wrong: the runner turns every failure of a candidate into a result, so
/// what is left is a job this rank could not even read, which rank 0 reports.
nlohmann::json run_job(Runner &local, const target::UpmemMachine &machine, cluster::WorkloadCache &workloads,
                       const Job &job) {
    try {
        return cluster::execute_job(local, machine, workloads.get(job.workload), job);
    } catch (const std::exception &e) {
        return {{"job_error", fmt::format("worker rank {}: {}", Cluster::rank(), e.what())}};
    }
}

[[noreturn]] void leave(int exit_code) {
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(exit_code);
}

}  // namespace

void serve_measurements(Runner &local, const target::UpmemMachine &machine, int threads,
                        const ClusterOptions &options) {
    const int thread_count = detail::resolve_threads(threads);
    JobQueue queue;
    cluster::WorkloadCache workloads;
    std::vector<std::thread> measuring;
    for (int t = 0; t < thread_count; ++t)
        measuring.emplace_back([&] {
            while (std::optional<Job> job = queue.pop())
                queue.finish({{"job", job->id}, {"result", run_job(local, machine, workloads, *job)}});
        });

    cluster::Outbox outbox;
    outbox.send(0, cluster::kHello, {{"threads", thread_count}});
    auto last_heard = cluster::Clock::now(), last_sent = cluster::Clock::now();
    std::optional<bool> finalize;
    while (!finalize) {
        bool busy = false;
        while (std::optional<cluster::Message> message = cluster::poll_message(0)) {
            busy = true;
            last_heard = cluster::Clock::now();
            if (message->tag == cluster::kJob) queue.push(Job::from_json(message->body));
            if (message->tag == cluster::kShutdown) finalize = message->body.value("finalize", true);
        }
        for (nlohmann::json &result : queue.take_finished()) {
            busy = true;
            outbox.send(0, cluster::kResult, result);
            last_sent = cluster::Clock::now();
        }
        if (cluster::seconds_since(last_sent) >= cluster::kHeartbeatSeconds) {
            outbox.send(0, cluster::kHeartbeat, nlohmann::json::object());
            last_sent = cluster::Clock::now();
        }
        outbox.progress();
        if (options.silence_seconds > 0 && cluster::seconds_since(last_heard) > options.silence_seconds) {
            std::fprintf(stderr, "atim rank %d: nothing from rank 0 for %.0f s; presuming it dead, leaving\n",
                         Cluster::rank(), options.silence_seconds);
            leave(3);
        }
        if (!busy) cluster::idle_pause();
    }
    // Rank 0 lost a worker and leaves without MPI_Finalize; so does this rank, without waiting for a
    // measurement it no longer needs.
    if (!*finalize) leave(0);
    queue.stop();
    for (std::thread &thread : measuring) thread.join();
    outbox.flush();
}

}  // namespace atim::tune
