// Checked factories of the statement nodes.
#include "atim/ir/stmt.h"

#include "atim/support/error.h"

namespace atim::ir {
namespace {

bool is_integer(const Expr &e) {
    return e.defined() && (e.dtype() == DType::Int32 || e.dtype() == DType::Int64);
}

void check_indices(const Buffer &buffer, const std::vector<Expr> &indices) {
    ATIM_CHECK(buffer != nullptr, "access to an undefined buffer");
    ATIM_CHECK(indices.size() == buffer->shape.size(), "access to {} has {} indices for {} dimensions",
               buffer->name, indices.size(), buffer->shape.size());
    for (const Expr &index : indices) {
        ATIM_CHECK(is_integer(index), "access to {} has a non-integer index", buffer->name);
    }
}

void append_flattened(std::vector<Stmt> &out, const Stmt &s) {
    if (!s.defined()) return;
    if (const auto *seq = s.as<Seq>()) {
        for (const Stmt &inner : seq->stmts) append_flattened(out, inner);
    } else {
        out.push_back(s);
    }
}

}  // namespace

Stmt Store::make(Buffer buffer, std::vector<Expr> indices, Expr value) {
    check_indices(buffer, indices);
    ATIM_CHECK(value.defined(), "store to {} of an undefined value", buffer->name);
    ATIM_CHECK(value.dtype() == buffer->dtype, "store of a {} value to {} buffer {}",
               to_string(value.dtype()), to_string(buffer->dtype), buffer->name);
    return Stmt(std::make_shared<Store>(std::move(buffer), std::move(indices), std::move(value)));
}

Stmt For::make(Var var, Expr min, Expr extent, ForKind kind, Stmt body) {
    ATIM_CHECK(var.defined(), "loop without a variable");
    ATIM_CHECK(var.dtype() != DType::Bool, "loop variable {} is bool", var.name());
    ATIM_CHECK(is_integer(min) && is_integer(extent), "loop {} needs integer min and extent", var.name());
    ATIM_CHECK(body.defined(), "loop {} has no body", var.name());
    return Stmt(
        std::make_shared<For>(std::move(var), std::move(min), std::move(extent), kind, std::move(body)));
}

Stmt IfThenElse::make(Expr cond, Stmt then_case, Stmt else_case) {
    ATIM_CHECK(cond.defined() && cond.dtype() == DType::Bool, "if condition must be a defined bool");
    ATIM_CHECK(then_case.defined(), "if without a then branch");
    return Stmt(std::make_shared<IfThenElse>(std::move(cond), std::move(then_case), std::move(else_case)));
}

Stmt Seq::make(std::vector<Stmt> stmts) {
    std::vector<Stmt> flat;
    flat.reserve(stmts.size());
    for (const Stmt &s : stmts) append_flattened(flat, s);
    if (flat.size() == 1) return flat.front();
    return Stmt(std::make_shared<Seq>(std::move(flat)));
}

Stmt LetStmt::make(Var var, Expr value, Stmt body) {
    ATIM_CHECK(var.defined() && value.defined(), "let needs a variable and a value");
    ATIM_CHECK(var.dtype() == value.dtype(), "let {} of type {} bound to a {} value", var.name(),
               to_string(var.dtype()), to_string(value.dtype()));
    ATIM_CHECK(body.defined(), "let {} has no body", var.name());
    return Stmt(std::make_shared<LetStmt>(std::move(var), std::move(value), std::move(body)));
}

Stmt Allocate::make(Buffer buffer, Stmt body) {
    ATIM_CHECK(buffer != nullptr, "allocate of an undefined buffer");
    ATIM_CHECK(body.defined(), "allocate {} has no body", buffer->name);
    return Stmt(std::make_shared<Allocate>(std::move(buffer), std::move(body)));
}

Stmt Evaluate::make(Expr value) {
    ATIM_CHECK(value.defined(), "evaluate of an undefined expression");
    return Stmt(std::make_shared<Evaluate>(std::move(value)));
}

Stmt Barrier::make() { return Stmt(std::make_shared<Barrier>()); }

Stmt Dma::make(DmaDirection direction, Buffer wram, Expr wram_offset, Buffer mram, Expr mram_offset,
               Expr bytes) {
    ATIM_CHECK(wram != nullptr && mram != nullptr, "dma with an undefined buffer");
    ATIM_CHECK(wram->scope == MemScope::WramLocal || wram->scope == MemScope::WramShared,
               "dma wram side {} is in scope {}", wram->name, to_string(wram->scope));
    ATIM_CHECK(mram->scope == MemScope::Mram || mram->scope == MemScope::Global,
               "dma mram side {} is in scope {}", mram->name, to_string(mram->scope));
    ATIM_CHECK(is_integer(wram_offset) && is_integer(mram_offset) && is_integer(bytes),
               "dma between {} and {} needs integer offsets and size", wram->name, mram->name);
    return Stmt(std::make_shared<Dma>(direction, std::move(wram), std::move(wram_offset), std::move(mram),
                                      std::move(mram_offset), std::move(bytes)));
}

}  // namespace atim::ir
