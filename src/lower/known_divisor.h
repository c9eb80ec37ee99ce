// known_divisor: the largest power-of-two-friendly divisor an integer expression is known to have, used to
// prove DMA addresses 8-byte aligned.
#pragma once

#include <cstdint>

#include "atim/ir/expr.h"

namespace atim::lower {

/// A positive integer that divides every value `e` can take (1 when nothing is known; 0 for the
/// constant 0, which every integer divides). Exact for sums and products of constants and variables.
int64_t known_divisor(const ir::Expr &e);

/// True when `e * scale` is provably a multiple of `alignment` for every value of its variables.
bool provably_aligned(const ir::Expr &e, int64_t scale, int64_t alignment);

}  // namespace atim::lower
