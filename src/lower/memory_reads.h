// reads_memory: whether an expression loads from a buffer (such a condition cannot move past stores).
#pragma once

#include "atim/ir/expr.h"

namespace atim::lower {

/// True when `e` contains a Load. Passes that move or re-evaluate conditions (loop-bound tightening,
/// branch hoisting) leave such conditions in place: a store they move across could change their value.
bool reads_memory(const ir::Expr &e);

}  // namespace atim::lower
