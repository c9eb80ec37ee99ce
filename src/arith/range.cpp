// Variable ranges.
#include "atim/arith/range.h"

namespace atim::arith {

ir::Expr Range::max_inclusive() const { return min + extent - 1; }

Range loop_range(const ir::Expr &min, const ir::Expr &extent) { return Range{min, extent}; }

}  // namespace atim::arith
