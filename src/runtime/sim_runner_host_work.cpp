// estimate_host_work: what the host epilogue costs, counted from its loop nest (for sim::op::HostWork).
// Counted as a compiler would emit the code: the arithmetic of the stored values and the bytes loaded and
// stored; index arithmetic is not work, since any compiler strength-reduces it to pointer increments.
// Memory traffic is compulsory traffic: a buffer's bytes cross the memory bus once per loop region, however
// often the loop nest reads them. The epilogues are final sums whose accumulator is reused within a row or
// a pass over the partials, a reuse distance that the host's caches hold; charging every access would bill
// the accumulator's read and write for each partial (4x the traffic of a K-split sum).
#include <algorithm>
#include <map>
#include <utility>

#include "atim/ir/buffer.h"
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

    /// Fills the estimate's byte counts from the accesses seen: each buffer at most its size per region.
    void count_compulsory_traffic() {
        estimate.bytes_touched = 0;
        for (const auto &[region, accessed] : accessed_bytes_) {
            int64_t bytes = 0;
            for (const auto &[access, access_bytes] : accessed)
                bytes += std::min(access_bytes, access.first->size_bytes());
            estimate.bytes_touched += bytes;
            if (region >= 0) estimate.parallel[region].bytes_touched = bytes;
        }
    }

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
        estimate.integer_ops += ops;
        if (region_ >= 0) estimate.parallel[region_].integer_ops += ops;
        std::map<Access, int64_t> &accessed = accessed_bytes_[region_];
        for (const auto &[buffer, bytes] : counter.loaded_bytes)
            accessed[{buffer, false}] += iterations_ * bytes;
        accessed[{op->buffer.get(), true}] += iterations_ * ir::bytes_of(op->buffer->dtype);
    }

private:
    class ExprCounter : public ir::Visitor {
    public:
        using ir::Visitor::visit;
        int64_t operations = 0;
        std::map<const ir::BufferNode *, int64_t> loaded_bytes;  ///< per buffer, one evaluation's loads
        void visit(const ir::Expr &e) override {
            if (const auto *load = e.as<ir::Load>()) {
                loaded_bytes[load->buffer.get()] += ir::bytes_of(load->buffer->dtype);
                return;  // its indices are addressing, not work
            }
            if (e.kind() != ir::ExprKind::IntImm && e.kind() != ir::ExprKind::Var) ++operations;
            ir::Visitor::visit(e);
        }
    };

    int64_t iterations_ = 1;
    int region_ = -1;  ///< index in estimate.parallel of the parallel loop being visited, -1: serial code
    /// A buffer and whether it is stored (its lines are written back) or loaded (read in).
    using Access = std::pair<const ir::BufferNode *, bool>;
    /// Bytes each buffer is loaded and stored for, per region (-1: the serial code).
    std::map<int, std::map<Access, int64_t>> accessed_bytes_;
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
    counter.count_compulsory_traffic();
    return counter.estimate;
}

}  // namespace atim::runtime
