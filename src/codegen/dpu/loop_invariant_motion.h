// hoist_loop_invariants: loop-invariant code motion for DPU kernels, as clang -O2 does it (LICM).
#pragma once

#include "atim/ir/stmt.h"

namespace atim::codegen::dpu {

/// Moves every maximal integer subexpression of a loop's body that does not change between iterations
/// (reads no variable bound inside the loop, no memory, and cannot trap) into a `let` just outside the loop;
/// equal subexpressions share one let (common subexpression elimination). Applied from the outermost loop
/// in, so a value invariant in several loops is computed once outside all of them. UPMEM's clang compiles
/// the generated C at -O2, where LICM and GVN do exactly this; the DPU code we simulate must match.
/// Conditions (Bool values) stay where they are: clang keeps them as compare-and-branch.
ir::Stmt hoist_loop_invariants(const ir::Stmt &kernel);

}  // namespace atim::codegen::dpu
