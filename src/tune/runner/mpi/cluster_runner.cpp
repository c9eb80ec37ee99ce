// Rank 0's runner: a batch becomes one job per candidate; a communication thread hands jobs to the workers
// that have a free measuring thread, collects their results by job, watches their heartbeats and deadlines
// and puts a lost worker's jobs back in the queue; rank 0's own threads measure from the same queue.
// A result is stored in its candidate's slot, so the batch does not depend on who answered first.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "atim/support/error.h"
#include "atim/tune/cluster.h"
#include "cluster_state.h"
#include "messages.h"
#include "tune/runner/candidate_measurement.h"

namespace atim::tune {
namespace {

using cluster::Clock;
using cluster::Job;

struct WorkerState {
    bool alive = true;
    int threads = 0;  ///< measuring threads; 0 until its hello arrives (no job before)
    Clock::time_point last_heard = Clock::now();
    /// Jobs it holds, with when each was sent; a job past the deadline stays here (the worker is busy with
    /// it) but is also queued again once.
    struct Held {
        Clock::time_point sent;
        bool requeued = false;
    };
    std::map<int64_t, Held> holding;
};

/// The batch being measured: its jobs, their results, and the queue of jobs no rank is working on.
struct Batch {
    int64_t first_id = 0;
    std::vector<Job> jobs;
    std::vector<std::optional<MeasureResult>> results;
    std::deque<size_t> queue;
    size_t remaining = 0;

    bool contains(int64_t id) const {
        return id >= first_id && id < first_id + static_cast<int64_t>(jobs.size());
    }
};

class ClusterRunner : public Runner {
public:
    ClusterRunner(std::unique_ptr<Runner> local, int local_threads, const ClusterOptions &options)
        : local_(std::move(local)),
          local_threads_(detail::resolve_threads(local_threads)),
          options_(options),
          workers_(static_cast<size_t>(Cluster::size())),
          measured_by_(workers_.size(), 0) {
        workers_[0].alive = false;  // rank 0 is this process
        communication_ = std::thread([this] { communicate(); });
    }

    ~ClusterRunner() override {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        communication_.join();
        shut_down_workers();
        // Where the work went: a rank that measured nothing points at a launch or network problem.
        std::fprintf(stderr, "atim: %zu ranks; candidates measured by rank 0..%zu: %s\n", workers_.size(),
                     workers_.size() - 1, fmt::format("{}", fmt::join(measured_by_, " ")).c_str());
    }

    std::string name() const override { return local_->name(); }

    std::vector<MeasureResult> run(const workloads::Workload &workload,
                                   const std::vector<schedule::Trace> &batch,
                                   std::optional<double> kernel_ms_bound) override {
        std::vector<Job> jobs;
        const nlohmann::json spec = cluster::workload_to_json(workload);
        for (const schedule::Trace &trace : batch)
            jobs.push_back({0, spec, trace.to_json(), false, kernel_ms_bound});
        return measure_all(workload, std::move(jobs));
    }

    MeasureResult run_full(const workloads::Workload &workload, const schedule::Trace &trace) override {
        std::vector<Job> jobs{{0, cluster::workload_to_json(workload), trace.to_json(), true, std::nullopt}};
        return measure_all(workload, std::move(jobs)).at(0);
    }

private:
    std::vector<MeasureResult> measure_all(const workloads::Workload &workload, std::vector<Job> jobs) {
        if (jobs.empty()) return {};
        {
            std::lock_guard lock(mutex_);
            batch_.first_id = next_id_;
            for (size_t i = 0; i < jobs.size(); ++i) {
                jobs[i].id = next_id_++;
                batch_.queue.push_back(i);
            }
            batch_.results.assign(jobs.size(), std::nullopt);
            batch_.remaining = jobs.size();
            batch_.jobs = std::move(jobs);
        }
        std::vector<std::thread> measuring;
        if (options_.master_measures)
            for (int t = 0; t < local_threads_; ++t)
                measuring.emplace_back([&] {
                    while (measure_one_locally(workload, /*only_without_workers=*/false)) {
                    }
                });
        std::vector<MeasureResult> results;
        {
            std::unique_lock lock(mutex_);
            for (;;) {
                changed_.wait(lock, [&] { return batch_.remaining == 0 || must_measure_alone(); });
                if (batch_.remaining == 0) break;
                lock.unlock();
                measure_one_locally(workload, /*only_without_workers=*/true);
                lock.lock();
            }
            for (std::optional<MeasureResult> &r : batch_.results) results.push_back(std::move(*r));
            batch_ = Batch{};
            changed_.notify_all();  // releases the local measuring threads
        }
        for (std::thread &thread : measuring) thread.join();
        return results;
    }

    /// Rank 0 measures by itself when it does not measure alongside the workers and none is left.
    bool must_measure_alone() const {
        if (options_.master_measures || batch_.queue.empty()) return false;
        for (const WorkerState &w : workers_)
            if (w.alive) return false;
        return true;
    }

    /// Takes a queued job and measures it with the local runner; false once the batch is done.
    bool measure_one_locally(const workloads::Workload &workload, bool only_without_workers) {
        size_t index = 0;
        Job job;
        {
            std::unique_lock lock(mutex_);
            if (!only_without_workers)
                changed_.wait(lock, [&] { return batch_.remaining == 0 || !batch_.queue.empty(); });
            if (batch_.remaining == 0 || batch_.queue.empty()) return false;
            index = batch_.queue.front();
            batch_.queue.pop_front();
            job = batch_.jobs[index];
        }
        const schedule::Trace trace = schedule::Trace::from_json(job.trace_json);
        MeasureResult result = job.full ? local_->run_full(workload, trace)
                                        : local_->run(workload, {trace}, job.kernel_ms_bound).at(0);
        std::lock_guard lock(mutex_);
        if (store(job.id, std::move(result))) ++measured_by_[0];
        return true;
    }

    /// The first result of a job of the current batch wins; a second one (from a re-queued job) is the same
    /// measurement and is dropped, as is a late one of an earlier batch. True when it was kept.
    bool store(int64_t id, MeasureResult result) {
        if (!batch_.contains(id)) return false;
        std::optional<MeasureResult> &slot = batch_.results[static_cast<size_t>(id - batch_.first_id)];
        if (slot) return false;
        slot = std::move(result);
        --batch_.remaining;
        changed_.notify_all();
        return true;
    }

    /// Puts a job back at the front of the queue, unless its result is in.
    void requeue(int64_t id) {
        if (!batch_.contains(id)) return;
        const size_t index = static_cast<size_t>(id - batch_.first_id);
        if (batch_.results[index]) return;
        batch_.queue.push_front(index);
        changed_.notify_all();
    }

    // ---- the communication thread: the only one that calls MPI -----------------------------------------

    void communicate() {
        auto last_heartbeat = Clock::now();
        for (;;) {
            bool busy = false;
            {
                std::lock_guard lock(mutex_);
                if (stop_) return;
                busy |= receive();
                watch_workers();
                busy |= assign();
                if (cluster::seconds_since(last_heartbeat) >= cluster::kHeartbeatSeconds) {
                    for (size_t rank = 1; rank < workers_.size(); ++rank)
                        if (workers_[rank].alive)
                            outbox_.send(static_cast<int>(rank), cluster::kHeartbeat, {});
                    last_heartbeat = Clock::now();
                }
                outbox_.progress();
            }
            if (!busy) cluster::idle_pause();
        }
    }

    bool receive() {
        bool any = false;
        while (std::optional<cluster::Message> message = cluster::poll_message(MPI_ANY_SOURCE)) {
            any = true;
            WorkerState &worker = workers_.at(static_cast<size_t>(message->source));
            worker.last_heard = Clock::now();
            if (!worker.alive && message->source != 0) {
                worker.alive = true;  // presumed dead too early (a loaded machine): it serves again
                std::fprintf(stderr, "atim: worker rank %d is back\n", message->source);
            }
            if (message->tag == cluster::kHello) worker.threads = message->body.at("threads").get<int>();
            if (message->tag == cluster::kResult) {
                const int64_t id = message->body.at("job").get<int64_t>();
                worker.holding.erase(id);
                if (store(id, MeasureResult::from_json(message->body.at("result"))))
                    ++measured_by_[static_cast<size_t>(message->source)];
            }
        }
        return any;
    }

    /// A silent worker is presumed dead: its jobs go back to the queue. A job held past the deadline is
    /// queued once more (the worker may hang); whichever result comes first is kept.
    void watch_workers() {
        for (size_t rank = 1; rank < workers_.size(); ++rank) {
            WorkerState &worker = workers_[rank];
            if (worker.alive && options_.silence_seconds > 0 &&
                cluster::seconds_since(worker.last_heard) > options_.silence_seconds) {
                worker.alive = false;
                lost_ = true;
                std::fprintf(
                    stderr,
                    "atim: worker rank %zu silent for %.0f s, presumed dead; its %zu candidates go to "
                    "the other ranks\n",
                    rank, options_.silence_seconds, worker.holding.size());
                for (const auto &[id, held] : worker.holding) requeue(id);
                worker.holding.clear();
                changed_.notify_all();
            }
            for (auto &[id, held] : worker.holding) {
                if (held.requeued || options_.deadline_seconds <= 0 ||
                    cluster::seconds_since(held.sent) <= options_.deadline_seconds)
                    continue;
                held.requeued = true;
                lost_ = true;
                std::fprintf(stderr,
                             "atim: worker rank %zu holds a candidate past the %.0f s deadline; "
                             "measuring it elsewhere\n",
                             rank, options_.deadline_seconds);
                requeue(id);
            }
        }
    }

    /// Hands queued jobs to live workers with a free measuring thread.
    bool assign() {
        bool any = false;
        for (size_t rank = 1; rank < workers_.size() && !batch_.queue.empty(); ++rank) {
            WorkerState &worker = workers_[rank];
            while (worker.alive && static_cast<int>(worker.holding.size()) < worker.threads &&
                   !batch_.queue.empty()) {
                const size_t index = batch_.queue.front();
                batch_.queue.pop_front();
                const Job &job = batch_.jobs[index];
                outbox_.send(static_cast<int>(rank), cluster::kJob, job.to_json());
                worker.holding[job.id] = {Clock::now(), false};
                any = true;
            }
        }
        return any;
    }

    /// Tells every worker the work is done. When a worker was lost or still holds a job, nobody calls
    /// MPI_Finalize (it would wait for that worker): the ranks leave once their outputs are written.
    void shut_down_workers() {
        bool outstanding = lost_;
        for (size_t rank = 1; rank < workers_.size(); ++rank)
            outstanding |= !workers_[rank].alive || !workers_[rank].holding.empty();
        for (size_t rank = 1; rank < workers_.size(); ++rank)
            if (workers_[rank].alive)
                outbox_.send(static_cast<int>(rank), cluster::kShutdown, {{"finalize", !outstanding}});
        if (outstanding) {
            cluster::mark_degraded();
            outbox_.progress();
        } else {
            outbox_.flush();
        }
    }

    std::unique_ptr<Runner> local_;
    const int local_threads_;
    const ClusterOptions options_;
    std::mutex mutex_;  ///< guards everything below, and MPI
    std::condition_variable changed_;
    std::vector<WorkerState> workers_;
    std::vector<int64_t> measured_by_;  ///< per rank (rank 0: its own threads)
    Batch batch_;
    int64_t next_id_ = 0;
    bool stop_ = false;
    bool lost_ = false;
    cluster::Outbox outbox_;
    std::thread communication_;
};

}  // namespace

std::unique_ptr<Runner> make_cluster_runner(std::unique_ptr<Runner> local, int local_threads,
                                            const ClusterOptions &options) {
    if (!Cluster::distributed()) return local;
    return std::make_unique<ClusterRunner>(std::move(local), local_threads, options);
}

}  // namespace atim::tune
