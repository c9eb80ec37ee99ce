// Fast subset of the end-to-end matrix (the full one is tests/slow/runtime): every workload and named
// schedule at a non-divisible shape, with and without the PIM-aware optimizations, verified bit-exactly.
#include "integration/end_to_end/workload_matrix.h"

namespace atim::runtime::testing {
namespace {

class WorkloadMatrix : public ::testing::TestWithParam<MatrixCase> {};

TEST_P(WorkloadMatrix, RunsBitExactOnTheEmulator) { run_matrix_case(GetParam()); }

INSTANTIATE_TEST_SUITE_P(NonDivisibleShapes, WorkloadMatrix,
                         ::testing::ValuesIn(matrix_cases({false}, {0, 4})),
                         [](const ::testing::TestParamInfo<MatrixCase> &info) { return info.param.name(); });

}  // namespace
}  // namespace atim::runtime::testing
