// unroll_small_loops: bounded full unrolling so that IRAM (4096 instructions) is not exhausted.
#include "codegen/dpu/small_loop_unrolling.h"

#include <vector>

#include "atim/arith/simplify.h"
#include "atim/ir/functor.h"
#include "atim/ir/utils.h"

namespace atim::codegen::dpu {
namespace {

/// Number of IR nodes of a statement: a rough measure of the instructions it becomes.
class NodeCounter : public ir::Visitor {
public:
    using ir::Visitor::visit;
    int64_t count = 0;
    void visit(const ir::Expr &e) override {
        ++count;
        ir::Visitor::visit(e);
    }
    void visit(const ir::Stmt &s) override {
        ++count;
        ir::Visitor::visit(s);
    }
};

class SmallLoopUnroller : public ir::Mutator {
public:
    using ir::Mutator::mutate;
    explicit SmallLoopUnroller(int64_t max_nodes) : max_nodes_(max_nodes) {}

protected:
    ir::Stmt visit(const ir::For *op, const ir::Stmt &self) override {
        ir::Stmt rebuilt = ir::Mutator::visit(op, self);  // inner loops first
        const auto *loop = rebuilt.as<ir::For>();
        if (!loop || loop->for_kind != ir::ForKind::Unrolled) return rebuilt;
        const int64_t *min = ir::as_const_int(loop->min);
        const int64_t *extent = ir::as_const_int(loop->extent);
        if (!min || !extent || *extent <= 0) return rebuilt;
        NodeCounter counter;
        counter.visit(loop->body);
        if (*extent * counter.count > max_nodes_) return rebuilt;
        std::vector<ir::Stmt> copies;
        for (int64_t i = 0; i < *extent; ++i) {
            ir::VarMap value{{loop->var.get(), ir::make_const(loop->var.dtype(), *min + i)}};
            copies.push_back(arith::simplify(ir::substitute(loop->body, value)));
        }
        return ir::Seq::make(std::move(copies));
    }

private:
    int64_t max_nodes_;
};

}  // namespace

ir::Stmt unroll_small_loops(const ir::Stmt &kernel, int64_t max_unrolled_nodes) {
    return SmallLoopUnroller(max_unrolled_nodes).mutate(kernel);
}

}  // namespace atim::codegen::dpu
