// Immutable statement nodes with checked factories.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "atim/ir/buffer.h"
#include "atim/ir/expr.h"

namespace atim::ir {

enum class StmtKind : uint8_t { Store, For, IfThenElse, Seq, LetStmt, Allocate, Evaluate, Barrier, Dma };

struct StmtNode {
    explicit StmtNode(StmtKind kind) : kind(kind) {}
    virtual ~StmtNode() = default;
    const StmtKind kind;
};

/// A handle to an immutable statement node.
class Stmt {
public:
    Stmt() = default;
    Stmt(std::shared_ptr<const StmtNode> node) : node_(std::move(node)) {}  // NOLINT: implicit by design
    bool defined() const { return node_ != nullptr; }
    const StmtNode *get() const { return node_.get(); }
    const StmtNode *operator->() const { return node_.get(); }
    StmtKind kind() const { return node_->kind; }
    template <typename T>
    const T *as() const {
        return node_ && node_->kind == T::kKind ? static_cast<const T *>(node_.get()) : nullptr;
    }
    bool same_as(const Stmt &other) const { return node_ == other.node_; }
    const std::shared_ptr<const StmtNode> &node() const { return node_; }

private:
    std::shared_ptr<const StmtNode> node_;
};

/// buffer[indices...] = value.
struct Store : StmtNode {
    static constexpr StmtKind kKind = StmtKind::Store;
    Store(Buffer b, std::vector<Expr> i, Expr v)
        : StmtNode(kKind), buffer(std::move(b)), indices(std::move(i)), value(std::move(v)) {}
    const Buffer buffer;
    const std::vector<Expr> indices;
    const Expr value;
    static Stmt make(Buffer buffer, std::vector<Expr> indices, Expr value);
};

/// for (var = min; var < min + extent; ++var) body, run as `kind` says.
struct For : StmtNode {
    static constexpr StmtKind kKind = StmtKind::For;
    For(Var v, Expr mn, Expr ex, ForKind k, Stmt b)
        : StmtNode(kKind),
          var(std::move(v)),
          min(std::move(mn)),
          extent(std::move(ex)),
          for_kind(k),
          body(std::move(b)) {}
    const Var var;
    const Expr min, extent;
    const ForKind for_kind;
    const Stmt body;
    static Stmt make(Var var, Expr min, Expr extent, ForKind kind, Stmt body);
};

/// if (cond) then_case else else_case (else_case may be undefined).
struct IfThenElse : StmtNode {
    static constexpr StmtKind kKind = StmtKind::IfThenElse;
    IfThenElse(Expr c, Stmt t, Stmt e)
        : StmtNode(kKind), cond(std::move(c)), then_case(std::move(t)), else_case(std::move(e)) {}
    const Expr cond;
    const Stmt then_case, else_case;
    static Stmt make(Expr cond, Stmt then_case, Stmt else_case = Stmt());
};

/// Statements run in order. make() flattens nested sequences and drops undefined entries;
/// a one-element sequence is returned as that element.
struct Seq : StmtNode {
    static constexpr StmtKind kKind = StmtKind::Seq;
    explicit Seq(std::vector<Stmt> s) : StmtNode(kKind), stmts(std::move(s)) {}
    const std::vector<Stmt> stmts;
    static Stmt make(std::vector<Stmt> stmts);
};

/// let var = value in body.
struct LetStmt : StmtNode {
    static constexpr StmtKind kKind = StmtKind::LetStmt;
    LetStmt(Var v, Expr val, Stmt b)
        : StmtNode(kKind), var(std::move(v)), value(std::move(val)), body(std::move(b)) {}
    const Var var;
    const Expr value;
    const Stmt body;
    static Stmt make(Var var, Expr value, Stmt body);
};

/// Allocates `buffer` (a WRAM buffer: per tasklet for WramLocal, per DPU for WramShared) for `body`.
struct Allocate : StmtNode {
    static constexpr StmtKind kKind = StmtKind::Allocate;
    Allocate(Buffer b, Stmt bd) : StmtNode(kKind), buffer(std::move(b)), body(std::move(bd)) {}
    const Buffer buffer;
    const Stmt body;
    static Stmt make(Buffer buffer, Stmt body);
};

/// Evaluates an expression for its effect (rarely needed; kept for intrinsics).
struct Evaluate : StmtNode {
    static constexpr StmtKind kKind = StmtKind::Evaluate;
    explicit Evaluate(Expr v) : StmtNode(kKind), value(std::move(v)) {}
    const Expr value;
    static Stmt make(Expr value);
};

/// All tasklets of a DPU wait here until every one has arrived (barrier_wait).
struct Barrier : StmtNode {
    static constexpr StmtKind kKind = StmtKind::Barrier;
    Barrier() : StmtNode(kKind) {}
    static Stmt make();
};

/// One MRAM<->WRAM DMA: copies `bytes` between mram[mram_offset...] and wram[wram_offset...]
/// (offsets in elements of each buffer's type). The hardware requires bytes in [8, 2048], a multiple of 8,
/// and 8-byte-aligned addresses; the verifier checks what it can prove.
enum class DmaDirection : uint8_t { MramToWram, WramToMram };
struct Dma : StmtNode {
    static constexpr StmtKind kKind = StmtKind::Dma;
    Dma(DmaDirection d, Buffer w, Expr wo, Buffer m, Expr mo, Expr by)
        : StmtNode(kKind),
          direction(d),
          wram(std::move(w)),
          wram_offset(std::move(wo)),
          mram(std::move(m)),
          mram_offset(std::move(mo)),
          bytes(std::move(by)) {}
    const DmaDirection direction;
    const Buffer wram;
    const Expr wram_offset;
    const Buffer mram;
    const Expr mram_offset;
    const Expr bytes;
    static Stmt make(DmaDirection direction, Buffer wram, Expr wram_offset, Buffer mram, Expr mram_offset,
                     Expr bytes);
};

}  // namespace atim::ir
