// Rank 0's runner: a batch becomes one job per candidate (or per few candidates to analyze); a
// communication thread hands jobs to the workers that have a free thread, collects their results by job,
// watches their heartbeats and deadlines and puts a lost worker's jobs back in the queue; rank 0's own
// threads take jobs from the same queue. A result is stored in its job's slot, so the batch does not depend
// on who answered first. A prefetched full measurement waits in a background queue that otherwise idle
// workers take from (the longest job first, as a list scheduler would), and rank 0 too once the search
// has ended.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
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
#include "job_execution.h"
#include "messages.h"
#include "tune/runner/candidate_measurement.h"

namespace atim::tune {
namespace {

using cluster::Clock;
using cluster::Job;
using cluster::JobKind;

/// Candidates per analysis job: enough to make a message worth its round trip.
constexpr size_t kAnalysisChunk = 8;

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
    std::vector<std::optional<nlohmann::json>> results;
    std::deque<size_t> queue;
    size_t remaining = 0;

    bool contains(int64_t id) const {
        return id >= first_id && id < first_id + static_cast<int64_t>(jobs.size());
    }
};

/// A prefetched full measurement (job ids -1, -2, ...): taken only by a rank with nothing else to do.
struct Background {
    Job job;
    std::string key;  ///< workload and trace
    bool queued = true;
    bool taken_back = false;  ///< rank 0 measures it as part of a batch
    std::optional<nlohmann::json> result;
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
        // Where the work went: a rank that did nothing points at a launch or network problem.
        std::fprintf(stderr, "atim: %zu ranks; jobs done by rank 0..%zu: %s\n", workers_.size(),
                     workers_.size() - 1, fmt::format("{}", fmt::join(measured_by_, " ")).c_str());
    }

    std::string name() const override { return local_->name(); }

    std::vector<MeasureResult> run(const workloads::Workload &workload,
                                   const std::vector<schedule::Trace> &batch,
                                   std::optional<double> kernel_ms_bound) override {
        std::vector<Job> jobs;
        const nlohmann::json spec = cluster::workload_to_json(workload);
        for (const schedule::Trace &trace : batch)
            jobs.push_back({0, JobKind::Measure, spec, {trace.to_json()}, kernel_ms_bound});
        std::vector<MeasureResult> results;
        for (const nlohmann::json &r : run_jobs(workload, std::move(jobs)))
            results.push_back(MeasureResult::from_json(r));
        return results;
    }

    /// In parts, one per idle measuring thread, when the local runner can split it: one program's full
    /// simulation (seconds to minutes for thousands of DPUs) would otherwise hold one rank while the others
    /// wait.
    MeasureResult run_full(const workloads::Workload &workload, const schedule::Trace &trace) override {
        release_background();
        const nlohmann::json spec = cluster::workload_to_json(workload);
        const std::string key = spec.dump() + trace.to_json();
        std::vector<std::optional<nlohmann::json>> results;
        std::vector<Job> jobs;
        if (!take_prefetched(key, results, jobs)) {
            jobs = full_jobs(spec, trace, free_slots());
            results.resize(jobs.size());
        }
        // Parts no rank took are measured here, while ranks that took the others finish them; a part
        // whose rank was lost comes back as untaken.
        while (!jobs.empty()) {
            std::vector<size_t> slots;  // the part each job measures
            for (const Job &job : jobs) slots.push_back(static_cast<size_t>(job.part));
            std::vector<nlohmann::json> measured = run_jobs(workload, std::move(jobs));
            for (size_t i = 0; i < measured.size(); ++i) results[slots[i]] = std::move(measured[i]);
            jobs.clear();
            take_prefetched(key, results, jobs);
        }
        std::vector<MeasureResult> parts;
        for (const std::optional<nlohmann::json> &r : results) parts.push_back(MeasureResult::from_json(*r));
        if (std::optional<MeasureResult> combined = combine_full_parts(parts)) return *combined;
        std::fprintf(
            stderr,
            "atim: the parts of a full measurement did not verify every output; measuring it whole\n");
        return MeasureResult::from_json(run_jobs(workload, full_jobs(spec, trace, 1)).at(0));
    }

    std::vector<CandidateAnalysis> analyze(const workloads::Workload &workload,
                                           const std::vector<schedule::Trace> &traces,
                                           const target::UpmemMachine &machine, int opt_level) override {
        std::vector<Job> jobs;
        const nlohmann::json spec = cluster::workload_to_json(workload);
        for (size_t begin = 0; begin < traces.size(); begin += kAnalysisChunk) {
            Job job{0, JobKind::Analyze, spec, {}, std::nullopt, opt_level};
            for (size_t i = begin; i < std::min(traces.size(), begin + kAnalysisChunk); ++i)
                job.traces.push_back(traces[i].to_json());
            jobs.push_back(std::move(job));
        }
        machine_ = machine;
        std::vector<CandidateAnalysis> analyses;
        for (const nlohmann::json &chunk : run_jobs(workload, std::move(jobs)))
            for (const nlohmann::json &a : chunk) analyses.push_back(cluster::analysis_from_json(a));
        return analyses;
    }

    void prefetch_full(const workloads::Workload &workload, const schedule::Trace &trace) override {
        const nlohmann::json spec = cluster::workload_to_json(workload);
        // Whole: the first idle worker takes it while rank 0 starts the search (the longest job first, as a
        // list scheduler would). In parts, the worker took the second one later, in the middle of the
        // search: 31 s against 28 s for 2 ranks at mtv 4096² (2026-12-08).
        std::vector<Job> jobs = full_jobs(spec, trace, 1);
        std::lock_guard lock(mutex_);
        for (Job &job : jobs) {
            Background &b = background_.emplace_back();
            job.id = -static_cast<int64_t>(background_.size());
            b.job = std::move(job);
            b.key = spec.dump() + trace.to_json();
        }
    }

private:
    /// The search has ended (its final full measurements begin): rank 0's own threads may now take
    /// prefetched jobs too. Before, they would hold up the search, whose serial part only rank 0 runs.
    void release_background() {
        std::lock_guard lock(mutex_);
        background_released_ = true;
    }

    /// Measuring threads with nothing to do now: rank 0's own and the workers' free ones.
    int free_slots() {
        std::lock_guard lock(mutex_);
        int free = options_.master_measures ? local_threads_ : 0;
        for (const WorkerState &w : workers_)
            if (w.alive) free += std::max(0, w.threads - static_cast<int>(w.holding.size()));
        return free;
    }

    /// The jobs of a full measurement in `parts` parts when the local runner splits it (the parts combine
    /// into the same result whatever their number), else one.
    std::vector<Job> full_jobs(const nlohmann::json &spec, const schedule::Trace &trace, int parts) {
        if (!local_->splits_full()) parts = 1;
        parts = std::max(parts, 1);
        std::vector<Job> jobs;
        for (int part = 0; part < parts; ++part) {
            Job job{0, JobKind::Full, spec, {trace.to_json()}, std::nullopt};
            job.part = part;
            job.parts = parts;
            jobs.push_back(std::move(job));
        }
        return jobs;
    }

    /// Collects the prefetched parts of a full measurement with this key into `results` (one slot per
    /// part) and takes the parts no rank has taken into `untaken`; waits while ranks measure the others,
    /// until some part is untaken or every part is in. False when none was prefetched.
    bool take_prefetched(const std::string &key, std::vector<std::optional<nlohmann::json>> &results,
                         std::vector<Job> &untaken) {
        std::unique_lock lock(mutex_);
        bool prefetched = false;
        for (;;) {
            bool in_flight = false;
            for (Background &b : background_) {
                if (b.key != key) continue;
                prefetched = true;
                results.resize(static_cast<size_t>(b.job.parts));
                if (b.result) {
                    results[static_cast<size_t>(b.job.part)] = b.result;
                } else if (b.queued) {
                    b.queued = false;
                    b.taken_back = true;
                    untaken.push_back(b.job);
                } else if (!b.taken_back) {
                    in_flight = true;
                }
            }
            if (!untaken.empty() || !in_flight) return prefetched;
            changed_.wait(lock);
        }
    }

    /// Each job's result, in job order, wherever it was computed. A result {"job_error": ...} (a rank could
    /// not read the job) is a bug of ours.
    std::vector<nlohmann::json> run_jobs(const workloads::Workload &workload, std::vector<Job> jobs) {
        std::vector<nlohmann::json> results = measure_all(workload, std::move(jobs));
        for (const nlohmann::json &r : results)
            if (r.is_object() && r.contains("job_error"))
                ATIM_CHECK(false, "a rank failed a job: {}", r.at("job_error").get<std::string>());
        return results;
    }

    std::vector<nlohmann::json> measure_all(const workloads::Workload &workload, std::vector<Job> jobs) {
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
                    while (do_one_locally(workload, /*only_without_workers=*/false)) {
                    }
                });
        std::vector<nlohmann::json> results;
        {
            std::unique_lock lock(mutex_);
            for (;;) {
                changed_.wait(lock, [&] { return batch_.remaining == 0 || must_work_alone(); });
                if (batch_.remaining == 0) break;
                lock.unlock();
                do_one_locally(workload, /*only_without_workers=*/true);
                lock.lock();
            }
            for (std::optional<nlohmann::json> &r : batch_.results) results.push_back(std::move(*r));
            batch_ = Batch{};
            changed_.notify_all();  // releases the local threads
        }
        for (std::thread &thread : measuring) thread.join();
        return results;
    }

    /// Rank 0 works by itself when it does not work alongside the workers and none is left.
    bool must_work_alone() const {
        if (options_.master_measures || batch_.queue.empty()) return false;
        for (const WorkerState &w : workers_)
            if (w.alive) return false;
        return true;
    }

    /// Takes a queued job of the batch (or, once the search has ended, a prefetched one) and does it with
    /// the local runner; false once the batch is done.
    bool do_one_locally(const workloads::Workload &workload, bool only_without_workers) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            if (!only_without_workers)
                changed_.wait(lock, [&] { return batch_.remaining == 0 || has_job(background_released_); });
            if (batch_.remaining == 0) return false;
            const Job *next = next_job(background_released_);
            if (!next) return false;
            job = *next;
        }
        nlohmann::json result;
        try {
            result = cluster::execute_job(*local_, machine_, workload, job);
        } catch (const std::exception &e) {
            result = {{"job_error", fmt::format("rank 0: {}", e.what())}};
        }
        std::lock_guard lock(mutex_);
        if (store(job.id, std::move(result))) ++measured_by_[0];
        return true;
    }

    /// The first result of a job wins; a second one (from a re-queued job) is the same result and is
    /// dropped, as is a late one of an earlier batch. True when it was kept.
    bool store(int64_t id, nlohmann::json result) {
        if (id < 0) {
            Background &b = background_.at(static_cast<size_t>(-id - 1));
            if (b.result) return false;
            b.result = std::move(result);
            changed_.notify_all();
            return true;
        }
        if (!batch_.contains(id)) return false;
        std::optional<nlohmann::json> &slot = batch_.results[static_cast<size_t>(id - batch_.first_id)];
        if (slot) return false;
        slot = std::move(result);
        --batch_.remaining;
        changed_.notify_all();
        return true;
    }

    /// Puts a job back in its queue (a batch job at the front), unless its result is in.
    void requeue(int64_t id) {
        if (id < 0) {
            Background &b = background_.at(static_cast<size_t>(-id - 1));
            if (!b.result) b.queued = true;  // another idle worker takes it, or run_full measures it
        } else if (batch_.contains(id)) {
            const size_t index = static_cast<size_t>(id - batch_.first_id);
            if (!batch_.results[index]) batch_.queue.push_front(index);
        }
        changed_.notify_all();
    }

    // ---- the communication thread: the only one that calls MPI while the runner lives -----------------

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
                if (store(id, message->body.at("result")))
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
                    "atim: worker rank %zu silent for %.0f s, presumed dead; its %zu jobs go to the other "
                    "ranks\n",
                    rank, options_.silence_seconds, worker.holding.size());
                for (const auto &[id, held] : worker.holding) requeue(id);
                worker.holding.clear();
            }
            for (auto &[id, held] : worker.holding) {
                if (held.requeued || options_.deadline_seconds <= 0 ||
                    cluster::seconds_since(held.sent) <= options_.deadline_seconds)
                    continue;
                held.requeued = true;
                lost_ = true;
                std::fprintf(stderr,
                             "atim: worker rank %zu holds a job past the %g s deadline; doing it elsewhere\n",
                             rank, options_.deadline_seconds);
                requeue(id);
            }
        }
    }

    /// Hands queued jobs to live workers with a free thread; prefetched ones only when no job of the batch
    /// is waiting.
    bool assign() {
        bool any = false;
        for (size_t rank = 1; rank < workers_.size(); ++rank) {
            WorkerState &worker = workers_[rank];
            while (worker.alive && static_cast<int>(worker.holding.size()) < worker.threads) {
                const Job *job = next_job();
                if (!job) break;
                outbox_.send(static_cast<int>(rank), cluster::kJob, job->to_json());
                worker.holding[job->id] = {Clock::now(), false};
                any = true;
            }
        }
        return any;
    }

    bool has_job(bool with_background) const {
        if (!batch_.queue.empty()) return true;
        for (const Background &b : background_)
            if (with_background && b.queued && !b.result) return true;
        return false;
    }

    /// The next job for a rank, taken off its queue (a prefetched one only `with_background`, and only
    /// when no job of the batch waits); nullptr when none is waiting.
    const Job *next_job(bool with_background = true) {
        if (!batch_.queue.empty()) {
            const size_t index = batch_.queue.front();
            batch_.queue.pop_front();
            return &batch_.jobs[index];
        }
        for (Background &b : background_) {
            if (!with_background || !b.queued || b.result) continue;
            b.queued = false;
            return &b.job;
        }
        return nullptr;
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
    std::vector<int64_t> measured_by_;  ///< jobs per rank (rank 0: its own threads)
    Batch batch_;
    std::vector<Background> background_;  ///< in prefetch order: job id -1 is the first
    target::UpmemMachine machine_;        ///< of the last analyze(), for rank 0's own analysis jobs
    int64_t next_id_ = 0;
    bool stop_ = false;
    bool lost_ = false;
    bool background_released_ = false;  ///< see release_background()
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
