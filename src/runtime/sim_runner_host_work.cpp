// estimate_host_work: what the host epilogue costs, counted from its loop nest (for sim::op::HostWork).
// Counted as a compiler would emit the code: the arithmetic of the stored values and the bytes loaded and
// stored; index arithmetic is not work, since any compiler strength-reduces it to pointer increments.
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
        const int64_t trips = extent && *extent > 0 ? *extent : 1;
        const bool opens_region = op->for_kind == ir::ForKind::HostParallel && region_ < 0;
        if (opens_region) {
            region_ = static_cast<int>(estimate.parallel.size());
            estimate.parallel.push_back(HostParallelWork{0, 0, trips, iterations_});
        }
        int64_t saved = iterations_;
        iterations_ *= trips;
        visit(op->body);
        iterations_ = saved;
        if (opens_region) region_ = -1;
    }
    void visit(const ir::Store *op) override {
        ExprCounter counter;
        counter.visit(op->value);
        const int64_t ops = iterations_ * counter.operations;
        const int64_t bytes = iterations_ * (counter.loaded_bytes + ir::bytes_of(op->buffer->dtype));
        estimate.integer_ops += ops;
        estimate.bytes_touched += bytes;
        if (region_ >= 0) {
            estimate.parallel[region_].integer_ops += ops;
            estimate.parallel[region_].bytes_touched += bytes;
        }
    }

private:
    class ExprCounter : public ir::Visitor {
    public:
        using ir::Visitor::visit;
        int64_t operations = 0;
        int64_t loaded_bytes = 0;
        void visit(const ir::Expr &e) override {
            if (const auto *load = e.as<ir::Load>()) {
                loaded_bytes += ir::bytes_of(load->buffer->dtype);
                return;  // its indices are addressing, not work
            }
            if (e.kind() != ir::ExprKind::IntImm && e.kind() != ir::ExprKind::Var) ++operations;
            ir::Visitor::visit(e);
        }
    };

    int64_t iterations_ = 1;
    int region_ = -1;  ///< index in estimate.parallel of the parallel loop being visited, -1: serial code
};

}  // namespace

HostParallelWork HostWorkEstimate::serial_part() const {
    HostParallelWork serial{integer_ops, bytes_touched, 1, 0};
    for (const HostParallelWork &p : parallel) {
        serial.integer_ops -= p.integer_ops;
        serial.bytes_touched -= p.bytes_touched;
    }
    return serial;
}

HostWorkEstimate estimate_host_work(const ir::Stmt &epilogue) {
    HostWorkCounter counter;
    if (epilogue.defined()) counter.visit(epilogue);
    return counter.estimate;
}

}  // namespace atim::runtime
