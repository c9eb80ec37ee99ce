// Proving conditions from variable ranges (for boundary guards: is `i < M` always true in this loop nest?).
#pragma once

#include "atim/arith/range.h"
#include "atim/ir/expr.h"

namespace atim::arith {

/// True when cond (a Bool expression) holds for every value of the variables within `ranges`.
/// False means "not proven" (it may still always hold).
bool can_prove(const ir::Expr &cond, const RangeMap &ranges = {});

}  // namespace atim::arith
