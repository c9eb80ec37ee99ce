// Constant integer bounds of an expression (interval analysis with saturating int64 ends).
#pragma once

#include <cstdint>
#include <limits>

#include "atim/arith/range.h"
#include "atim/ir/expr.h"

namespace atim::arith {

/// The closed interval [min, max] of int64 values; kNegInf / kPosInf stand for "unbounded".
struct ConstInterval {
    static constexpr int64_t kNegInf = std::numeric_limits<int64_t>::min();
    static constexpr int64_t kPosInf = std::numeric_limits<int64_t>::max();
    int64_t min = kNegInf;
    int64_t max = kPosInf;

    bool has_min() const { return min != kNegInf; }
    bool has_max() const { return max != kPosInf; }
    bool is_single_point() const { return has_min() && min == max; }
    static ConstInterval everything() { return {}; }
    static ConstInterval point(int64_t v) { return {v, v}; }
};

/// Bounds that hold for every value of e when each variable in `ranges` lies in its range (variables not in
/// `ranges` may take any value of their type). Bool expressions give [0, 1] or a single point.
ConstInterval const_bounds(const ir::Expr &e, const RangeMap &ranges = {});

}  // namespace atim::arith
