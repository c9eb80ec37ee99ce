// Stage timers charge each stage its own time: a stage entered inside another pauses the outer one, so the
// stages of a thread never add up to more than the time that passed.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "atim/support/stage_timer.h"

namespace atim {
namespace {

using std::chrono::milliseconds;

size_t index(Stage stage) { return static_cast<size_t>(stage); }

TEST(StageTimer, NestedStagesAreChargedExclusively) {
    reset_stage_totals();
    const auto start = std::chrono::steady_clock::now();
    {
        StageTimer outer(Stage::Other);
        std::this_thread::sleep_for(milliseconds(5));
        {
            StageTimer inner(Stage::Simulate);
            std::this_thread::sleep_for(milliseconds(30));
        }
        std::this_thread::sleep_for(milliseconds(5));
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const StageTotals totals = stage_totals();
    EXPECT_EQ(totals.calls[index(Stage::Other)], 1);
    EXPECT_EQ(totals.calls[index(Stage::Simulate)], 1);
    EXPECT_GE(totals.seconds[index(Stage::Simulate)], 0.030);
    EXPECT_GE(totals.seconds[index(Stage::Other)], 0.010);
    // Counting the inner stage in the outer one too would exceed the elapsed time by its 30 ms.
    EXPECT_LE(totals.total_seconds(), elapsed);
    EXPECT_STREQ(to_string(Stage::Simulate), "simulate");
    EXPECT_STREQ(to_string(Stage::Wait), "wait");
}

TEST(StageTimer, ThreadsAddUpAndResetClears) {
    reset_stage_totals();
    std::thread worker([] { StageTimer timer(Stage::Lower); });
    { StageTimer timer(Stage::Lower); }
    worker.join();
    EXPECT_EQ(stage_totals().calls[index(Stage::Lower)], 2);
    reset_stage_totals();
    EXPECT_EQ(stage_totals().calls[index(Stage::Lower)], 0);
    EXPECT_EQ(stage_totals().total_seconds(), 0.0);
}

}  // namespace
}  // namespace atim
