// Per-stage wall-time accumulators: process-wide atomics, and a per-thread chain of the open timers so that a
// nested stage's time is not counted twice.
#include "atim/support/stage_timer.h"

#include <atomic>

namespace atim {
namespace {

using Clock = std::chrono::steady_clock;

std::array<std::atomic<int64_t>, kStageCount> g_nanoseconds{};
std::array<std::atomic<int64_t>, kStageCount> g_calls{};
thread_local StageTimer *t_innermost = nullptr;

void charge(Stage stage, Clock::time_point from, Clock::time_point to) {
    const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
    g_nanoseconds[static_cast<size_t>(stage)].fetch_add(ns, std::memory_order_relaxed);
}

}  // namespace

const char *to_string(Stage stage) {
    // clang-format off
    static constexpr std::array<const char *, kStageCount> kNames = {
        "sample", "lower", "features", "codegen", "assemble", "simulate", "verify", "cost_model_train",
        "cost_model_predict", "database", "memo", "other", "wait"};
    // clang-format on
    return kNames[static_cast<size_t>(stage)];
}

double StageTotals::total_seconds() const {
    double total = 0;
    for (double s : seconds) total += s;
    return total;
}

StageTotals stage_totals() {
    StageTotals totals;
    for (size_t i = 0; i < kStageCount; ++i) {
        totals.seconds[i] = static_cast<double>(g_nanoseconds[i].load(std::memory_order_relaxed)) * 1e-9;
        totals.calls[i] = g_calls[i].load(std::memory_order_relaxed);
    }
    return totals;
}

void reset_stage_totals() {
    for (size_t i = 0; i < kStageCount; ++i) {
        g_nanoseconds[i].store(0, std::memory_order_relaxed);
        g_calls[i].store(0, std::memory_order_relaxed);
    }
}

StageTimer::StageTimer(Stage stage) : stage_(stage), outer_(t_innermost), start_(Clock::now()) {
    if (outer_) charge(outer_->stage_, outer_->start_, start_);
    t_innermost = this;
    g_calls[static_cast<size_t>(stage)].fetch_add(1, std::memory_order_relaxed);
}

StageTimer::~StageTimer() {
    const Clock::time_point now = Clock::now();
    charge(stage_, start_, now);
    t_innermost = outer_;
    if (outer_) outer_->start_ = now;  // the outer stage resumes
}

}  // namespace atim
