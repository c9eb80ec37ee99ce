// schedule_to_loops semantics on the large, non-divisible shapes of the task list (VA 999999, RED 1000003):
// slow under the interpreter, hence a slow test.
#include <gtest/gtest.h>

#include "integration/schedule/baseline_like_schedules.h"

namespace atim::schedule {
namespace {

using namespace baseline_like;

TEST(ScheduleSemanticsLarge, VectorAdd999999) {
    auto w = workloads::make_workload("va", {999999});
    expect_matches_reference(w, va_tile(w, 64, 11, 64));
}

TEST(ScheduleSemanticsLarge, Reduction1000003) {
    auto w = workloads::make_workload("red", {1000003});
    expect_matches_reference(w, red_cross(w, 16, 4, 64));
}

}  // namespace
}  // namespace atim::schedule
