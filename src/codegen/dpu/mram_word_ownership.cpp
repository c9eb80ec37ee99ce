// tasklets_store_disjoint_words: affine decomposition of an MRAM store index by tasklet, loop and grid
// variables, and interval bounds of the part inside one tasklet's block.
#include "codegen/dpu/mram_word_ownership.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "atim/arith/const_interval.h"
#include "atim/arith/linear_form.h"
#include "codegen/dpu/variable_placement.h"

namespace atim::codegen::dpu {

namespace {

constexpr int kMramWordBytes = 8;

bool is_uniform(const ir::VarNode *var, const StoreScope &scope) {
    return std::find(scope.uniform_vars.begin(), scope.uniform_vars.end(), var) != scope.uniform_vars.end();
}

}  // namespace

bool tasklets_store_disjoint_words(const ir::Expr &flat_index, int element_bytes, const StoreScope &scope) {
    if (element_bytes <= 0 || kMramWordBytes % element_bytes != 0) return false;
    const int64_t per_word = kMramWordBytes / element_bytes;
    if (per_word == 1) return true;  // whole-word stores: no other element shares the word
    arith::LinearForm form = arith::to_linear_form(ir::substitute(flat_index, scope.let_values));

    int64_t tasklet_coefficient = 0;
    for (const auto &[term, coefficient] : form.terms) {
        const auto *var = term.as<ir::VarNode>();
        if (is_tasklet_id(term) || (var && var == scope.tasklet)) tasklet_coefficient += coefficient;
    }
    const int64_t block = std::abs(tasklet_coefficient);
    if (block == 0 || block % per_word != 0) return false;

    ir::Expr fine = ir::make_const(form.dtype, form.constant);
    for (const auto &[term, coefficient] : form.terms) {
        const auto *var = term.as<ir::VarNode>();
        if (is_tasklet_id(term) || (var && var == scope.tasklet)) continue;
        if (!var) return false;  // a division, a load, a product of variables: not analysed
        if (is_uniform(var, scope)) {
            if (coefficient % per_word != 0) return false;  // would shift the blocks off word boundaries
            continue;
        }
        if (!scope.loop_ranges.count(var)) return false;
        // A coarse term moves a tasklet's block by whole rounds of `tasklets` blocks: it never lands on
        // another tasklet's block.
        if (coefficient % (block * scope.tasklets) == 0) continue;
        fine = ir::Add::make(fine, ir::Mul::make(term, ir::make_const(form.dtype, coefficient)));
    }
    arith::RangeMap ranges = scope.loop_ranges;
    if (scope.tasklet)
        ranges[scope.tasklet] = {ir::make_const(ir::DType::Int32, 0),
                                 ir::make_const(ir::DType::Int32, scope.tasklets)};
    const arith::ConstInterval bounds = arith::const_bounds(fine, ranges);
    if (!bounds.has_min() || !bounds.has_max()) return false;
    const int64_t words_spanned =
        arith::floor_div(bounds.max, per_word) - arith::floor_div(bounds.min, per_word) + 1;
    return words_spanned <= block / per_word;
}

}  // namespace atim::codegen::dpu
