// Immutable, reference-counted expression nodes with checked factories and operator sugar.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "atim/ir/type.h"

namespace atim::ir {

enum class ExprKind : uint8_t {
    IntImm,
    Var,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Min,
    Max,
    EQ,
    NE,
    LT,
    LE,
    GT,
    GE,
    And,
    Or,
    Not,
    Select,
    Cast,
    Load,
    Call
};

/// Base of every expression node. Nodes never change after construction.
struct ExprNode {
    ExprNode(ExprKind kind, DType dtype) : kind(kind), dtype(dtype) {}
    virtual ~ExprNode() = default;
    const ExprKind kind;
    const DType dtype;
};

struct BufferNode;
using Buffer = std::shared_ptr<const BufferNode>;

/// A handle to an immutable expression node (null when default-constructed).
class Expr {
public:
    Expr() = default;
    Expr(std::shared_ptr<const ExprNode> node) : node_(std::move(node)) {}  // NOLINT: implicit by design
    Expr(int value);                                                        // NOLINT: int32 constant
    Expr(int64_t value);                                                    // NOLINT: int64 constant

    // static_cast, not `!= nullptr`: C++20 rewrites that through `!node_`, which ADL makes ambiguous with
    // ir::operator!(Expr).
    bool defined() const { return static_cast<bool>(node_); }
    const ExprNode *get() const { return node_.get(); }
    const ExprNode *operator->() const { return node_.get(); }
    DType dtype() const { return node_->dtype; }
    ExprKind kind() const { return node_->kind; }
    /// The node as T, or nullptr when it is of another kind.
    template <typename T>
    const T *as() const {
        return node_ && node_->kind == T::kKind ? static_cast<const T *>(node_.get()) : nullptr;
    }
    /// True when both handles point at the same node (not structural equality: see ir::equal).
    bool same_as(const Expr &other) const { return node_ == other.node_; }
    const std::shared_ptr<const ExprNode> &node() const { return node_; }

private:
    std::shared_ptr<const ExprNode> node_;
};

struct IntImm : ExprNode {
    static constexpr ExprKind kKind = ExprKind::IntImm;
    IntImm(DType t, int64_t v) : ExprNode(kKind, t), value(v) {}
    const int64_t value;
    /// Constant of type t; checks that value fits t.
    static Expr make(DType t, int64_t value);
};

/// A variable; identity is the node, the name is for printing.
struct VarNode : ExprNode {
    static constexpr ExprKind kKind = ExprKind::Var;
    VarNode(std::string n, DType t) : ExprNode(kKind, t), name(std::move(n)) {}
    const std::string name;
};
/// A variable handle (an Expr that is known to be a VarNode).
class Var : public Expr {
public:
    Var() = default;
    explicit Var(const std::string &name, DType t = DType::Int32);
    explicit Var(std::shared_ptr<const VarNode> node) : Expr(std::move(node)) {}
    const VarNode *get() const { return static_cast<const VarNode *>(Expr::get()); }
    const VarNode *operator->() const { return get(); }
    const std::string &name() const { return get()->name; }
};

/// Binary nodes share one shape; `make` checks both operands are defined and of the same type
/// (for And/Or: Bool; comparisons yield Bool).
template <ExprKind K>
struct BinaryNode : ExprNode {
    static constexpr ExprKind kKind = K;
    BinaryNode(DType t, Expr a, Expr b) : ExprNode(K, t), a(std::move(a)), b(std::move(b)) {}
    const Expr a, b;
    static Expr make(Expr a, Expr b);
};
using Add = BinaryNode<ExprKind::Add>;
using Sub = BinaryNode<ExprKind::Sub>;
using Mul = BinaryNode<ExprKind::Mul>;
using Div = BinaryNode<ExprKind::Div>;  ///< floor division
using Mod = BinaryNode<ExprKind::Mod>;  ///< floor modulo (result has the divisor's sign)
using Min = BinaryNode<ExprKind::Min>;
using Max = BinaryNode<ExprKind::Max>;
using EQ = BinaryNode<ExprKind::EQ>;
using NE = BinaryNode<ExprKind::NE>;
using LT = BinaryNode<ExprKind::LT>;
using LE = BinaryNode<ExprKind::LE>;
using GT = BinaryNode<ExprKind::GT>;
using GE = BinaryNode<ExprKind::GE>;
using And = BinaryNode<ExprKind::And>;
using Or = BinaryNode<ExprKind::Or>;

struct Not : ExprNode {
    static constexpr ExprKind kKind = ExprKind::Not;
    explicit Not(Expr a) : ExprNode(kKind, DType::Bool), a(std::move(a)) {}
    const Expr a;
    static Expr make(Expr a);
};

/// cond ? true_value : false_value (both branches may be evaluated).
struct Select : ExprNode {
    static constexpr ExprKind kKind = ExprKind::Select;
    Select(Expr c, Expr t, Expr f)
        : ExprNode(kKind, t->dtype),
          cond(std::move(c)),
          true_value(std::move(t)),
          false_value(std::move(f)) {}
    const Expr cond, true_value, false_value;
    static Expr make(Expr cond, Expr true_value, Expr false_value);
};

struct Cast : ExprNode {
    static constexpr ExprKind kKind = ExprKind::Cast;
    Cast(DType t, Expr v) : ExprNode(kKind, t), value(std::move(v)) {}
    const Expr value;
    static Expr make(DType t, Expr value);
};

/// buffer[indices...] (one index per buffer dimension, row-major).
struct Load : ExprNode {
    static constexpr ExprKind kKind = ExprKind::Load;
    Load(DType t, Buffer b, std::vector<Expr> i)
        : ExprNode(kKind, t), buffer(std::move(b)), indices(std::move(i)) {}
    const Buffer buffer;
    const std::vector<Expr> indices;
    static Expr make(Buffer buffer, std::vector<Expr> indices);
};

/// A named pure intrinsic, e.g. "tasklet_id" (no arguments) in a lowered kernel.
struct Call : ExprNode {
    static constexpr ExprKind kKind = ExprKind::Call;
    Call(DType t, std::string n, std::vector<Expr> a)
        : ExprNode(kKind, t), name(std::move(n)), args(std::move(a)) {}
    const std::string name;
    const std::vector<Expr> args;
    static Expr make(DType t, std::string name, std::vector<Expr> args);
};

// Operator sugar. An int operand takes the other operand's type.
Expr operator+(Expr a, Expr b);
Expr operator-(Expr a, Expr b);
Expr operator*(Expr a, Expr b);
Expr operator/(Expr a, Expr b);  ///< floor division
Expr operator%(Expr a, Expr b);  ///< floor modulo
Expr operator<(Expr a, Expr b);
Expr operator<=(Expr a, Expr b);
Expr operator>(Expr a, Expr b);
Expr operator>=(Expr a, Expr b);
Expr operator&&(Expr a, Expr b);
Expr operator||(Expr a, Expr b);
Expr operator!(Expr a);
Expr operator-(Expr a);
Expr operator+(Expr a, int64_t b);
Expr operator+(int64_t a, Expr b);
Expr operator-(Expr a, int64_t b);
Expr operator-(int64_t a, Expr b);
Expr operator*(Expr a, int64_t b);
Expr operator*(int64_t a, Expr b);
Expr operator/(Expr a, int64_t b);
Expr operator%(Expr a, int64_t b);
Expr operator<(Expr a, int64_t b);
Expr operator<=(Expr a, int64_t b);
Expr operator>(Expr a, int64_t b);
Expr operator>=(Expr a, int64_t b);
Expr eq(Expr a, Expr b);
Expr ne(Expr a, Expr b);
Expr min(Expr a, Expr b);
Expr max(Expr a, Expr b);
Expr select(Expr cond, Expr t, Expr f);
Expr cast(DType t, Expr v);
/// Constant 0/1 of a type; const_true() is a Bool 1.
Expr make_zero(DType t);
Expr make_const(DType t, int64_t value);
Expr const_true();
Expr const_false();

/// The constant value of e, or nullptr when e is not an IntImm.
const int64_t *as_const_int(const Expr &e);
bool is_const_int(const Expr &e, int64_t value);

}  // namespace atim::ir
