// The full end-to-end matrix: every workload x {prim, rc-tile, rc-tile with dpus_y > 1} x {divisible,
// non-divisible} shapes x optimization levels {0, 1, 2, 4}, run on the SDK emulation, verified bit-exactly.
#include "integration/end_to_end/workload_matrix.h"

namespace atim::runtime::testing {
namespace {

class FullWorkloadMatrix : public ::testing::TestWithParam<MatrixCase> {};

TEST_P(FullWorkloadMatrix, RunsBitExactOnTheEmulator) { run_matrix_case(GetParam()); }

INSTANTIATE_TEST_SUITE_P(AllShapesAndLevels, FullWorkloadMatrix,
                         ::testing::ValuesIn(matrix_cases({true, false}, {0, 1, 2, 4})),
                         [](const ::testing::TestParamInfo<MatrixCase> &info) { return info.param.name(); });

}  // namespace
}  // namespace atim::runtime::testing
