// Affine decomposition of integer expressions and wrapping integer arithmetic.
#include "atim/arith/linear_form.h"

#include "atim/ir/utils.h"
#include "atim/support/error.h"

namespace atim::arith {

int64_t wrap_to(ir::DType t, int64_t value) { return ir::wrap_value(t, value); }

// Unsigned arithmetic wraps by definition; converting back to int64 is two's complement (C++20).
int64_t wrapping_add(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t wrapping_mul(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

int64_t floor_div(int64_t a, int64_t b) {
    ATIM_CHECK(b != 0, "floor division by zero");
    if (b == -1) return static_cast<int64_t>(0 - static_cast<uint64_t>(a));  // INT64_MIN / -1 wraps
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

int64_t floor_mod(int64_t a, int64_t b) {
    ATIM_CHECK(b != 0, "floor modulo by zero");
    if (b == -1) return 0;
    int64_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

int64_t LinearForm::coefficient_of(const ir::Expr &term) const {
    for (const auto &[t, c] : terms) {
        if (ir::equal(t, term)) return c;
    }
    return 0;
}

int64_t LinearForm::coefficient_of(const ir::VarNode *v) const {
    for (const auto &[t, c] : terms) {
        if (t.get() == v) return c;
    }
    return 0;
}

void LinearForm::add_term(const ir::Expr &term, int64_t coefficient) {
    if (coefficient == 0) return;
    for (auto it = terms.begin(); it != terms.end(); ++it) {
        if (ir::equal(it->first, term)) {
            it->second = wrap_to(dtype, wrapping_add(it->second, coefficient));
            if (it->second == 0) terms.erase(it);
            return;
        }
    }
    terms.emplace_back(term, wrap_to(dtype, coefficient));
}

void LinearForm::add(const LinearForm &other, int64_t scale) {
    for (const auto &[t, c] : other.terms) add_term(t, wrapping_mul(c, scale));
    constant = wrap_to(dtype, wrapping_add(constant, wrapping_mul(other.constant, scale)));
}

void LinearForm::scale(int64_t factor) {
    if (factor == 0) {
        terms.clear();
        constant = 0;
        return;
    }
    for (auto &[t, c] : terms) c = wrap_to(dtype, wrapping_mul(c, factor));
    std::erase_if(terms, [](const auto &term) { return term.second == 0; });
    constant = wrap_to(dtype, wrapping_mul(constant, factor));
}

namespace {

void decompose(const ir::Expr &e, int64_t scale, LinearForm &form) {
    if (const int64_t *v = ir::as_const_int(e)) {
        form.constant = wrap_to(form.dtype, wrapping_add(form.constant, wrapping_mul(*v, scale)));
    } else if (const auto *add = e.as<ir::Add>()) {
        decompose(add->a, scale, form);
        decompose(add->b, scale, form);
    } else if (const auto *sub = e.as<ir::Sub>()) {
        decompose(sub->a, scale, form);
        decompose(sub->b, wrapping_mul(scale, -1), form);
    } else if (const auto *mul = e.as<ir::Mul>(); mul && ir::as_const_int(mul->b)) {
        decompose(mul->a, wrapping_mul(scale, *ir::as_const_int(mul->b)), form);
    } else if (mul && ir::as_const_int(mul->a)) {
        decompose(mul->b, wrapping_mul(scale, *ir::as_const_int(mul->a)), form);
    } else {
        form.add_term(e, scale);
    }
}

ir::Expr scaled_term(const ir::Expr &term, int64_t magnitude) {
    return magnitude == 1 ? term : ir::Mul::make(term, ir::make_const(term.dtype(), magnitude));
}

}  // namespace

LinearForm to_linear_form(const ir::Expr &e) {
    ATIM_CHECK(e.defined() && e.dtype() != ir::DType::Bool, "linear form of a non-integer expression");
    LinearForm form;
    form.dtype = e.dtype();
    decompose(e, 1, form);
    return form;
}

ir::Expr from_linear_form(const LinearForm &form) {
    ir::DType t = form.dtype;
    ir::Expr sum;
    for (const auto &[term, c] : form.terms) {
        if (c <= 0) continue;
        ir::Expr part = scaled_term(term, c);
        sum = sum.defined() ? ir::Add::make(sum, part) : part;
    }
    int64_t constant = form.constant;
    if (!sum.defined() && constant > 0) {
        sum = ir::make_const(t, constant);
        constant = 0;
    }
    for (const auto &[term, c] : form.terms) {
        if (c >= 0) continue;
        // -c overflows only for the type's minimum; then keep the term as term*c.
        bool negatable = wrap_to(t, -c) > 0;
        if (!sum.defined()) {
            sum = ir::Mul::make(term, ir::make_const(t, c));
        } else if (negatable) {
            sum = ir::Sub::make(sum, scaled_term(term, -c));
        } else {
            sum = ir::Add::make(sum, ir::Mul::make(term, ir::make_const(t, c)));
        }
    }
    if (!sum.defined()) return ir::make_const(t, constant);
    if (constant > 0) return ir::Add::make(sum, ir::make_const(t, constant));
    if (constant < 0 && wrap_to(t, -constant) > 0) return ir::Sub::make(sum, ir::make_const(t, -constant));
    if (constant < 0) return ir::Add::make(sum, ir::make_const(t, constant));
    return sum;
}

}  // namespace atim::arith
