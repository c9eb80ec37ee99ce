// Checked factories of the expression nodes and the operator sugar that builds them.
#include "atim/ir/expr.h"

#include <limits>

#include "atim/ir/buffer.h"
#include "atim/support/error.h"

namespace atim::ir {
namespace {

bool fits(DType t, int64_t value) { return value >= min_value(t) && value <= max_value(t); }

constexpr bool is_arithmetic(ExprKind k) {
    return k == ExprKind::Add || k == ExprKind::Sub || k == ExprKind::Mul || k == ExprKind::Div ||
           k == ExprKind::Mod || k == ExprKind::Min || k == ExprKind::Max;
}
constexpr bool is_comparison(ExprKind k) {
    return k == ExprKind::EQ || k == ExprKind::NE || k == ExprKind::LT || k == ExprKind::LE ||
           k == ExprKind::GT || k == ExprKind::GE;
}

// Mixed Int32/Int64 operands: the Int32 side is widened, as C's usual arithmetic conversions do.
void promote(Expr &a, Expr &b) {
    ATIM_CHECK(a.defined() && b.defined(), "operator on an undefined expression");
    if (a.dtype() == b.dtype()) return;
    if (a.dtype() == DType::Int32 && b.dtype() == DType::Int64) a = Cast::make(DType::Int64, a);
    if (a.dtype() == DType::Int64 && b.dtype() == DType::Int32) b = Cast::make(DType::Int64, b);
}

// A plain integer operand takes the type of the expression it is combined with.
Expr constant_like(const Expr &other, int64_t value) {
    ATIM_CHECK(other.defined(), "operator on an undefined expression");
    return IntImm::make(other.dtype(), value);
}

}  // namespace

Expr::Expr(int value) : node_(std::make_shared<IntImm>(DType::Int32, value)) {}
Expr::Expr(int64_t value) : node_(std::make_shared<IntImm>(DType::Int64, value)) {}

Expr IntImm::make(DType t, int64_t value) {
    ATIM_CHECK(fits(t, value), "constant {} does not fit type {}", value, to_string(t));
    return Expr(std::make_shared<IntImm>(t, value));
}

Var::Var(const std::string &name, DType t) : Expr(std::make_shared<VarNode>(name, t)) {
    ATIM_CHECK(!name.empty(), "a variable needs a name");
}

template <ExprKind K>
Expr BinaryNode<K>::make(Expr a, Expr b) {
    ATIM_CHECK(a.defined() && b.defined(), "operand of binary node {} is undefined", static_cast<int>(K));
    ATIM_CHECK(a.dtype() == b.dtype(), "operands of binary node {} have types {} and {}", static_cast<int>(K),
               to_string(a.dtype()), to_string(b.dtype()));
    DType result = a.dtype();
    if constexpr (is_arithmetic(K)) {
        ATIM_CHECK(is_integer(a.dtype()), "arithmetic on {} operands", to_string(a.dtype()));
    } else if constexpr (is_comparison(K)) {
        if constexpr (K != ExprKind::EQ && K != ExprKind::NE) {
            ATIM_CHECK(is_integer(a.dtype()), "ordering comparison on {} operands", to_string(a.dtype()));
        }
        result = DType::Bool;
    } else {
        ATIM_CHECK(a.dtype() == DType::Bool, "logical operator on {} operands", to_string(a.dtype()));
    }
    return Expr(std::make_shared<BinaryNode<K>>(result, std::move(a), std::move(b)));
}

template struct BinaryNode<ExprKind::Add>;
template struct BinaryNode<ExprKind::Sub>;
template struct BinaryNode<ExprKind::Mul>;
template struct BinaryNode<ExprKind::Div>;
template struct BinaryNode<ExprKind::Mod>;
template struct BinaryNode<ExprKind::Min>;
template struct BinaryNode<ExprKind::Max>;
template struct BinaryNode<ExprKind::EQ>;
template struct BinaryNode<ExprKind::NE>;
template struct BinaryNode<ExprKind::LT>;
template struct BinaryNode<ExprKind::LE>;
template struct BinaryNode<ExprKind::GT>;
template struct BinaryNode<ExprKind::GE>;
template struct BinaryNode<ExprKind::And>;
template struct BinaryNode<ExprKind::Or>;

Expr Not::make(Expr a) {
    ATIM_CHECK(a.defined(), "operand of ! is undefined");
    ATIM_CHECK(a.dtype() == DType::Bool, "! on a {} operand", to_string(a.dtype()));
    return Expr(std::make_shared<Not>(std::move(a)));
}

Expr Select::make(Expr cond, Expr true_value, Expr false_value) {
    ATIM_CHECK(cond.defined() && true_value.defined() && false_value.defined(),
               "operand of select is undefined");
    ATIM_CHECK(cond.dtype() == DType::Bool, "select condition has type {}", to_string(cond.dtype()));
    ATIM_CHECK(true_value.dtype() == false_value.dtype(), "select branches have types {} and {}",
               to_string(true_value.dtype()), to_string(false_value.dtype()));
    return Expr(std::make_shared<Select>(std::move(cond), std::move(true_value), std::move(false_value)));
}

Expr Cast::make(DType t, Expr value) {
    ATIM_CHECK(value.defined(), "operand of cast is undefined");
    if (value.dtype() == t) return value;
    return Expr(std::make_shared<Cast>(t, std::move(value)));
}

Expr Load::make(Buffer buffer, std::vector<Expr> indices) {
    ATIM_CHECK(buffer != nullptr, "load from an undefined buffer");
    ATIM_CHECK(indices.size() == buffer->shape.size(), "load from {} has {} indices for {} dimensions",
               buffer->name, indices.size(), buffer->shape.size());
    for (const Expr &index : indices) {
        ATIM_CHECK(index.defined() && is_integer(index.dtype()), "load from {} has a non-integer index",
                   buffer->name);
    }
    DType t = buffer->dtype;
    return Expr(std::make_shared<Load>(t, std::move(buffer), std::move(indices)));
}

Expr Call::make(DType t, std::string name, std::vector<Expr> args) {
    ATIM_CHECK(!name.empty(), "call without a name");
    for (const Expr &arg : args) ATIM_CHECK(arg.defined(), "call {} has an undefined argument", name);
    return Expr(std::make_shared<Call>(t, std::move(name), std::move(args)));
}

Expr operator+(Expr a, Expr b) {
    promote(a, b);
    return Add::make(std::move(a), std::move(b));
}
Expr operator-(Expr a, Expr b) {
    promote(a, b);
    return Sub::make(std::move(a), std::move(b));
}
Expr operator*(Expr a, Expr b) {
    promote(a, b);
    return Mul::make(std::move(a), std::move(b));
}
Expr operator/(Expr a, Expr b) {
    promote(a, b);
    return Div::make(std::move(a), std::move(b));
}
Expr operator%(Expr a, Expr b) {
    promote(a, b);
    return Mod::make(std::move(a), std::move(b));
}
Expr operator<(Expr a, Expr b) {
    promote(a, b);
    return LT::make(std::move(a), std::move(b));
}
Expr operator<=(Expr a, Expr b) {
    promote(a, b);
    return LE::make(std::move(a), std::move(b));
}
Expr operator>(Expr a, Expr b) {
    promote(a, b);
    return GT::make(std::move(a), std::move(b));
}
Expr operator>=(Expr a, Expr b) {
    promote(a, b);
    return GE::make(std::move(a), std::move(b));
}
Expr operator&&(Expr a, Expr b) { return And::make(std::move(a), std::move(b)); }
Expr operator||(Expr a, Expr b) { return Or::make(std::move(a), std::move(b)); }
Expr operator!(Expr a) { return Not::make(std::move(a)); }
Expr operator-(Expr a) {
    Expr zero = constant_like(a, 0);
    return Sub::make(std::move(zero), std::move(a));
}

Expr operator+(Expr a, int64_t b) { return a + constant_like(a, b); }
Expr operator+(int64_t a, Expr b) { return constant_like(b, a) + b; }
Expr operator-(Expr a, int64_t b) { return a - constant_like(a, b); }
Expr operator-(int64_t a, Expr b) { return constant_like(b, a) - b; }
Expr operator*(Expr a, int64_t b) { return a * constant_like(a, b); }
Expr operator*(int64_t a, Expr b) { return constant_like(b, a) * b; }
Expr operator/(Expr a, int64_t b) { return a / constant_like(a, b); }
Expr operator%(Expr a, int64_t b) { return a % constant_like(a, b); }
Expr operator<(Expr a, int64_t b) { return a < constant_like(a, b); }
Expr operator<=(Expr a, int64_t b) { return a <= constant_like(a, b); }
Expr operator>(Expr a, int64_t b) { return a > constant_like(a, b); }
Expr operator>=(Expr a, int64_t b) { return a >= constant_like(a, b); }

Expr eq(Expr a, Expr b) {
    promote(a, b);
    return EQ::make(std::move(a), std::move(b));
}
Expr ne(Expr a, Expr b) {
    promote(a, b);
    return NE::make(std::move(a), std::move(b));
}
Expr min(Expr a, Expr b) {
    promote(a, b);
    return Min::make(std::move(a), std::move(b));
}
Expr max(Expr a, Expr b) {
    promote(a, b);
    return Max::make(std::move(a), std::move(b));
}
Expr select(Expr cond, Expr t, Expr f) {
    promote(t, f);
    return Select::make(std::move(cond), std::move(t), std::move(f));
}
Expr cast(DType t, Expr v) { return Cast::make(t, std::move(v)); }

Expr make_zero(DType t) { return IntImm::make(t, 0); }
Expr make_const(DType t, int64_t value) { return IntImm::make(t, value); }
Expr const_true() { return IntImm::make(DType::Bool, 1); }
Expr const_false() { return IntImm::make(DType::Bool, 0); }

const int64_t *as_const_int(const Expr &e) {
    const auto *imm = e.as<IntImm>();
    return imm ? &imm->value : nullptr;
}

bool is_const_int(const Expr &e, int64_t value) {
    const int64_t *v = as_const_int(e);
    return v != nullptr && *v == value;
}

}  // namespace atim::ir
