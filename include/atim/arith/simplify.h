// The simplifier: canonical affine form, constant folding, floor div/mod and min/max rules, comparisons
// decided by variable ranges, and statement clean-up (dead branches, empty and single-iteration loops).
#pragma once

#include "atim/arith/range.h"
#include "atim/ir/expr.h"
#include "atim/ir/stmt.h"

namespace atim::arith {

/// An expression equal to e for every value of its variables within `ranges` (exact: it never changes a
/// value). Integer sums are put in canonical form (like terms merged, constants folded), floor division and
/// modulo by constants are simplified using the ranges ((i*16 + j) / 16 -> i when 0 <= j < 16), min/max and
/// comparisons are decided when the ranges allow it, and boolean connectives are folded.
/// Assumes index arithmetic does not overflow its type (as TVM's and every C compiler's simplifier do).
ir::Expr simplify(const ir::Expr &e, const RangeMap &ranges = {});

/// Simplifies every expression of s, knowing each loop variable's range inside its loop and each let
/// variable's value: removes `if (true)`, drops `if (false)` branches, removes loops of extent <= 0 and
/// substitutes serial/unrolled loops of extent 1 (DPU-grid and tasklet loops are kept: they carry the
/// binding). `ranges` gives the ranges of free variables (e.g. DPU-grid variables of an enclosing program).
ir::Stmt simplify(const ir::Stmt &s, const RangeMap &ranges = {});

}  // namespace atim::arith
