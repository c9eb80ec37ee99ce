// Shared runner plumbing: lowering a candidate, classifying failures, and a deterministic parallel batch.
#include "candidate_measurement.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <thread>
#include <vector>

#include "atim/lower/lower.h"
#include "atim/schedule/schedule.h"
#include "atim/sim/dpu_stats.h"
#include "atim/support/error.h"
#include "atim/support/stage_timer.h"
#include "measurement_memo.h"

namespace atim::tune::detail {
namespace {

/// The first line of an exception message: records and progress lines stay one line.
std::string first_line(const std::string &message) { return message.substr(0, message.find('\n')); }

MeasureResult failure(MeasureStatus status, const std::string &message) {
    MeasureResult result;
    result.status = status;
    result.error = first_line(message);
    return result;
}

bool is_time_limit_message(const std::string &message) {
    return message.find("time limit") != std::string::npos;
}

MeasureResult classify_current_exception() {
    try {
        throw;
    } catch (const sim::SimError &e) {  // before UserError: SimError derives from it
        return failure(MeasureStatus::RunFailed, fmt::format("simulator fault: {}", e.what()));
    } catch (const UserError &e) {
        if (is_time_limit_message(e.what())) return failure(MeasureStatus::Timeout, e.what());
        return failure(MeasureStatus::Invalid, e.what());
    } catch (const InternalError &e) {
        if (is_time_limit_message(e.what())) return failure(MeasureStatus::Timeout, e.what());
        return failure(MeasureStatus::RunFailed, fmt::format("internal error: {}", e.what()));
    } catch (const std::exception &e) {
        return failure(MeasureStatus::RunFailed, e.what());
    } catch (...) {
        return failure(MeasureStatus::RunFailed, "the backend threw an unknown exception");
    }
}

}  // namespace

lower::PimProgram lower_candidate(const workloads::Workload &workload, const schedule::Trace &trace,
                                  const RunnerOptions &options) {
    schedule::Schedule sch = trace.replay(workload.func);
    sch.set_resident_inputs(workload.resident_inputs);
    lower::LowerOptions lower_options;
    lower_options.opt_level = options.opt_level;
    return lower::lower(sch, options.machine, lower_options);
}

MeasureResult result_from_run(const runtime::RunResult &run, const lower::PimProgram &program) {
    MeasureResult result;
    result.dpus = static_cast<int>(program.grid.count());
    result.tasklets = program.tasklets;
    result.stats = run.stats;
    if (!run.verified) {
        result.status = MeasureStatus::WrongOutput;
        result.error = fmt::format("{} output elements differ from the reference", run.mismatch_count);
        if (!run.mismatches.empty()) {
            const runtime::Mismatch &m = run.mismatches.front();
            result.error +=
                fmt::format(" (first: {}[{}] expected {}, got {})", m.tensor, m.index, m.expected, m.got);
        }
        return result;
    }
    result.status = MeasureStatus::Ok;
    if (run.time_ms.total) {
        result.h2d_ms = run.time_ms.h2d.value_or(0);
        result.kernel_ms = run.time_ms.kernel.value_or(0);
        result.after_ms = run.time_ms.after.value_or(0);
        result.total_ms = *run.time_ms.total;
    } else if (run.stats.contains("emu_wall_ms")) {
        const nlohmann::json &wall = run.stats.at("emu_wall_ms");
        result.h2d_ms = wall.at("h2d").get<double>();
        result.kernel_ms = wall.at("kernel").get<double>();
        result.after_ms = wall.at("after").get<double>();
        result.total_ms = wall.at("total").get<double>();
    }
    return result;
}

MeasureResult measure_guarded(double timeout_seconds, std::optional<double> kernel_ms_bound,
                              const std::function<MeasureResult()> &measure) {
    const auto start = std::chrono::steady_clock::now();
    MeasureResult result;
    try {
        result = measure();
    } catch (const sim::CycleLimitExceeded &e) {
        if (!kernel_ms_bound) return classify_current_exception();
        return pruned_result(*kernel_ms_bound);
    } catch (...) {
        return classify_current_exception();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (timeout_seconds > 0 && seconds > timeout_seconds) {
        return failure(MeasureStatus::Timeout,
                       fmt::format("the measurement took {:.1f} s, over the budget of {:.1f} s per candidate",
                                   seconds, timeout_seconds));
    }
    return result;
}

int resolve_threads(int threads) {
    if (threads > 0) return threads;
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

void for_each_parallel(size_t count, int threads, const std::function<void(size_t)> &body) {
    const size_t workers = std::min(count, static_cast<size_t>(resolve_threads(threads)));
    if (workers <= 1) {
        for (size_t i = 0; i < count; ++i) body(i);
        return;
    }
    std::atomic<size_t> next{0};
    std::vector<std::exception_ptr> errors(workers);
    std::vector<std::thread> pool;
    pool.reserve(workers);
    for (size_t w = 0; w < workers; ++w) {
        pool.emplace_back([&, w] {
            try {
                for (size_t i = next++; i < count; i = next++) body(i);
            } catch (...) {
                errors[w] = std::current_exception();
            }
        });
    }
    {
        StageTimer waiting(Stage::Wait);
        for (std::thread &thread : pool) thread.join();
    }
    for (const std::exception_ptr &error : errors)
        if (error) std::rethrow_exception(error);
}

}  // namespace atim::tune::detail
