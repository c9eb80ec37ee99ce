// Proving conditions: simplification under the ranges, conjunction by conjunction.
#include "atim/arith/can_prove.h"

#include "atim/arith/simplify.h"
#include "atim/support/error.h"

namespace atim::arith {

bool can_prove(const ir::Expr &cond, const RangeMap &ranges) {
    ATIM_CHECK(cond.defined() && cond.dtype() == ir::DType::Bool, "can_prove needs a bool condition");
    if (const auto *both = cond.as<ir::And>())
        return can_prove(both->a, ranges) && can_prove(both->b, ranges);
    if (const auto *either = cond.as<ir::Or>()) {
        if (can_prove(either->a, ranges) || can_prove(either->b, ranges)) return true;
    }
    return ir::is_const_int(simplify(cond, ranges), 1);
}

}  // namespace atim::arith
