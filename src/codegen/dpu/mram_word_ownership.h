// Proof that tasklets never store into the same 8-byte MRAM word: the condition under which an element
// store narrower than 8 bytes (a read-modify-write of its whole word) needs no lock.
#pragma once

#include <vector>

#include "atim/arith/range.h"
#include "atim/ir/expr.h"
#include "atim/ir/utils.h"

namespace atim::codegen::dpu {

/// What is known where an MRAM store is emitted.
struct StoreScope {
    const arith::RangeMap &loop_ranges;    ///< enclosing loops (their variables' ranges)
    const ir::VarMap &let_values;          ///< let-bound values in scope, already expanded
    const ir::VarNode *tasklet = nullptr;  ///< variable standing for tasklet_id() in let_values
    std::vector<const ir::VarNode *>
        uniform_vars;  ///< same value in every tasklet of a DPU (grid coordinates)
    int tasklets = 1;
};

/// True when it is proven that two different tasklets never store through element index `flat_index` into
/// the same 8-byte word of an 8-byte aligned MRAM object. Shown by writing the index as
///   a*t + sum(coarse) + sum(uniform) + fine,
/// where t is the tasklet id in [0, tasklets), a a multiple of the elements per word, every coarse
/// coefficient a multiple of a*tasklets, every uniform coefficient a multiple of the elements per word, and
/// the fine part (the other loop variables and the constant) spans fewer words than a does. Each tasklet
/// then writes only inside its own word-aligned blocks of a elements. Anything else is not proven.
bool tasklets_store_disjoint_words(const ir::Expr &flat_index, int element_bytes, const StoreScope &scope);

}  // namespace atim::codegen::dpu
