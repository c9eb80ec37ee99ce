// Text form of the IR. It is the format of expected-IR tests and of `atim compile --emit ir`, so it must
// stay stable: every binary operation is parenthesised, blocks are two-space indented.
#include "atim/ir/printer.h"

#include <sstream>

#include "atim/ir/buffer.h"
#include "atim/support/error.h"

namespace atim::ir {
namespace {

class Printer {
public:
    explicit Printer(std::ostream &os) : os_(os) {}

    void print(const Expr &e) {
        if (!e.defined()) {
            os_ << "<undefined>";
            return;
        }
        switch (e.kind()) {
            case ExprKind::IntImm:
                return print_constant(*e.as<IntImm>());
            case ExprKind::Var:
                os_ << e.as<VarNode>()->name;
                return;
            case ExprKind::Add:
                return infix(e.as<Add>(), " + ");
            case ExprKind::Sub:
                return infix(e.as<Sub>(), " - ");
            case ExprKind::Mul:
                return infix(e.as<Mul>(), "*");
            case ExprKind::Div:
                return infix(e.as<Div>(), " / ");
            case ExprKind::Mod:
                return infix(e.as<Mod>(), " % ");
            case ExprKind::Min:
                return call_like("min", e.as<Min>());
            case ExprKind::Max:
                return call_like("max", e.as<Max>());
            case ExprKind::EQ:
                return infix(e.as<EQ>(), " == ");
            case ExprKind::NE:
                return infix(e.as<NE>(), " != ");
            case ExprKind::LT:
                return infix(e.as<LT>(), " < ");
            case ExprKind::LE:
                return infix(e.as<LE>(), " <= ");
            case ExprKind::GT:
                return infix(e.as<GT>(), " > ");
            case ExprKind::GE:
                return infix(e.as<GE>(), " >= ");
            case ExprKind::And:
                return infix(e.as<And>(), " && ");
            case ExprKind::Or:
                return infix(e.as<Or>(), " || ");
            case ExprKind::Not:
                os_ << "!";
                print(e.as<Not>()->a);
                return;
            case ExprKind::Select: {
                const auto *op = e.as<Select>();
                os_ << "select(";
                print(op->cond);
                os_ << ", ";
                print(op->true_value);
                os_ << ", ";
                print(op->false_value);
                os_ << ")";
                return;
            }
            case ExprKind::Cast:
                os_ << to_string(e.dtype()) << "(";
                print(e.as<Cast>()->value);
                os_ << ")";
                return;
            case ExprKind::Load: {
                const auto *op = e.as<Load>();
                return access(op->buffer, op->indices);
            }
            case ExprKind::Call: {
                const auto *op = e.as<Call>();
                os_ << op->name << "(";
                list(op->args);
                os_ << ")";
                return;
            }
        }
        ATIM_CHECK(false, "unknown expression kind {}", static_cast<int>(e.kind()));
    }

    void print(const Stmt &s) {
        if (!s.defined()) return;
        switch (s.kind()) {
            case StmtKind::Store: {
                const auto *op = s.as<Store>();
                indent();
                access(op->buffer, op->indices);
                os_ << " = ";
                print(op->value);
                os_ << "\n";
                return;
            }
            case StmtKind::For: {
                const auto *op = s.as<For>();
                indent();
                os_ << "for (" << op->var.name() << ", ";
                print(op->min);
                os_ << ", ";
                print(op->extent);
                os_ << ")";
                if (op->for_kind != ForKind::Serial) os_ << " " << to_string(op->for_kind);
                block(op->body);
                return;
            }
            case StmtKind::IfThenElse:
                return print_if(*s.as<IfThenElse>());
            case StmtKind::Seq:
                for (const Stmt &inner : s.as<Seq>()->stmts) print(inner);
                return;
            case StmtKind::LetStmt: {
                const auto *op = s.as<LetStmt>();
                indent();
                os_ << "let " << op->var.name() << " = ";
                print(op->value);
                block(op->body);
                return;
            }
            case StmtKind::Allocate: {
                const auto *op = s.as<Allocate>();
                indent();
                os_ << "allocate " << op->buffer->name << "[";
                for (size_t d = 0; d < op->buffer->shape.size(); ++d) {
                    os_ << (d ? ", " : "") << op->buffer->shape[d];
                }
                os_ << "] " << to_string(op->buffer->dtype) << " " << to_string(op->buffer->scope);
                block(op->body);
                return;
            }
            case StmtKind::Evaluate:
                indent();
                print(s.as<Evaluate>()->value);
                os_ << "\n";
                return;
            case StmtKind::Barrier:
                indent();
                os_ << "barrier\n";
                return;
            case StmtKind::Dma:
                return print_dma(*s.as<Dma>());
        }
        ATIM_CHECK(false, "unknown statement kind {}", static_cast<int>(s.kind()));
    }

private:
    void print_constant(const IntImm &imm) {
        if (imm.dtype == DType::Bool) {
            os_ << (imm.value ? "true" : "false");
        } else {
            os_ << imm.value;
        }
    }

    template <typename Node>
    void infix(const Node *op, const char *symbol) {
        os_ << "(";
        print(op->a);
        os_ << symbol;
        print(op->b);
        os_ << ")";
    }

    template <typename Node>
    void call_like(const char *name, const Node *op) {
        os_ << name << "(";
        print(op->a);
        os_ << ", ";
        print(op->b);
        os_ << ")";
    }

    void list(const std::vector<Expr> &exprs) {
        for (size_t i = 0; i < exprs.size(); ++i) {
            if (i) os_ << ", ";
            print(exprs[i]);
        }
    }

    void access(const Buffer &buffer, const std::vector<Expr> &indices) {
        os_ << buffer->name << "[";
        list(indices);
        os_ << "]";
    }

    void print_if(const IfThenElse &op) {
        indent();
        os_ << "if (";
        print(op.cond);
        os_ << ")";
        block(op.then_case, op.else_case.defined());
        if (op.else_case.defined()) {
            os_ << " else";
            block(op.else_case);
        }
    }

    void print_dma(const Dma &op) {
        indent();
        bool to_wram = op.direction == DmaDirection::MramToWram;
        os_ << (to_wram ? "dma mram->wram(" : "dma wram->mram(");
        // Destination first, like memcpy.
        if (to_wram) {
            os_ << op.wram->name << "[";
            print(op.wram_offset);
            os_ << "], " << op.mram->name << "[";
            print(op.mram_offset);
        } else {
            os_ << op.mram->name << "[";
            print(op.mram_offset);
            os_ << "], " << op.wram->name << "[";
            print(op.wram_offset);
        }
        os_ << "], ";
        print(op.bytes);
        os_ << " bytes)\n";
    }

    // " {\n" body "}\n" (no newline after the brace when an else follows).
    void block(const Stmt &body, bool else_follows = false) {
        os_ << " {\n";
        ++depth_;
        print(body);
        --depth_;
        indent();
        os_ << "}";
        if (!else_follows) os_ << "\n";
    }

    void indent() {
        for (int i = 0; i < depth_; ++i) os_ << "  ";
    }

    std::ostream &os_;
    int depth_ = 0;
};

}  // namespace

std::string to_string(const Expr &e) {
    std::ostringstream os;
    Printer(os).print(e);
    return os.str();
}

std::string to_string(const Stmt &s) {
    std::ostringstream os;
    Printer(os).print(s);
    return os.str();
}

std::ostream &operator<<(std::ostream &os, const Expr &e) {
    Printer(os).print(e);
    return os;
}

std::ostream &operator<<(std::ostream &os, const Stmt &s) {
    Printer(os).print(s);
    return os;
}

}  // namespace atim::ir
