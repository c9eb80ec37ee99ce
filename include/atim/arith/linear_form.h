// Affine decomposition of integer expressions: sum of coefficient * term + constant.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "atim/ir/expr.h"

namespace atim::arith {

/// e = sum(coefficient_k * term_k) + constant. A term is anything that is not a sum, a difference, or a
/// product with a constant (a variable, a load, a division, min, a product of two variables, ...).
/// Terms keep the order in which they first appear, which keeps printed results close to their input.
struct LinearForm {
    ir::DType dtype = ir::DType::Int32;
    std::vector<std::pair<ir::Expr, int64_t>> terms;  ///< structurally distinct terms, nonzero coefficients
    int64_t constant = 0;

    /// Coefficient of `term` (structural match), 0 when absent.
    int64_t coefficient_of(const ir::Expr &term) const;
    /// Coefficient of the variable v as a term of its own (0 when absent).
    int64_t coefficient_of(const ir::VarNode *v) const;
    /// Adds coefficient * term, merging with a structurally equal term.
    void add_term(const ir::Expr &term, int64_t coefficient);
    void add(const LinearForm &other, int64_t scale = 1);
    void scale(int64_t factor);
    bool is_constant() const { return terms.empty(); }
};

/// Decomposes an integer expression (no simplification of the terms themselves).
LinearForm to_linear_form(const ir::Expr &e);
/// Rebuilds an expression: positive terms first, then subtracted ones, then the constant,
/// e.g. "((i*16) + j) - 3".
ir::Expr from_linear_form(const LinearForm &form);

/// Arithmetic of the IR's integer types: results wrap to the type's width (two's complement), exactly as a
/// 32-bit or 64-bit machine register does.
int64_t wrap_to(ir::DType t, int64_t value);
int64_t wrapping_add(int64_t a, int64_t b);
int64_t wrapping_mul(int64_t a, int64_t b);
/// Floor division and modulo (the IR's Div/Mod); b must not be 0.
int64_t floor_div(int64_t a, int64_t b);
int64_t floor_mod(int64_t a, int64_t b);

}  // namespace atim::arith
