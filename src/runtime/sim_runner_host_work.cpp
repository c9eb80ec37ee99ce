// estimate_host_work: what the host epilogue costs, counted from its loop nest (for sim::op::HostWork).
#include "atim/ir/functor.h"
#include "atim/runtime/sim_runner.h"

namespace atim::runtime {
namespace {

/// Counts operations of every statement times the trip counts of the loops around it. Loops with bounds that
/// are not constant count one iteration (epilogues lowered from static shapes have constant bounds).
class HostWorkCounter : public ir::Visitor {
public:
    using ir::Visitor::visit;
    HostWorkEstimate estimate;

protected:
    void visit(const ir::For *op) override {
        const int64_t *extent = ir::as_const_int(op->extent);
        int64_t saved = iterations_;
        iterations_ *= extent && *extent > 0 ? *extent : 1;
        visit(op->body);
        iterations_ = saved;
    }
    void visit(const ir::Store *op) override {
        ExprCounter counter;
        counter.visit(op->value);
        for (const ir::Expr &index : op->indices) counter.visit(index);
        estimate.integer_ops += iterations_ * (counter.operations + 1);
        estimate.bytes_touched += iterations_ * (counter.loaded_bytes + ir::bytes_of(op->buffer->dtype));
    }

private:
    class ExprCounter : public ir::Visitor {
    public:
        using ir::Visitor::visit;
        int64_t operations = 0;
        int64_t loaded_bytes = 0;
        void visit(const ir::Expr &e) override {
            if (e.kind() != ir::ExprKind::IntImm && e.kind() != ir::ExprKind::Var) ++operations;
            if (const auto *load = e.as<ir::Load>()) loaded_bytes += ir::bytes_of(load->buffer->dtype);
            ir::Visitor::visit(e);
        }
    };

    int64_t iterations_ = 1;
};

}  // namespace

HostWorkEstimate estimate_host_work(const ir::Stmt &epilogue) {
    HostWorkCounter counter;
    if (epilogue.defined()) counter.visit(epilogue);
    return counter.estimate;
}

}  // namespace atim::runtime
