// hoist_invariant_branches: lift loop-invariant guards, merge implied guards, sink feeding DMAs.
#include "invariant_branch_hoisting.h"

#include <algorithm>
#include <unordered_map>

#include "atim/arith/can_prove.h"
#include "atim/ir/functor.h"
#include "atim/ir/utils.h"
#include "memory_reads.h"
#include "scoped_ranges.h"

namespace atim::lower {
namespace {

/// How many times each WRAM buffer is read (Load, or a WRAM->MRAM DMA source) in a statement.
class WramReadCounter : public ir::Visitor {
public:
    std::unordered_map<const ir::BufferNode *, int> reads;

public:
    using ir::Visitor::visit;

protected:
    void visit(const ir::Load *load) override {
        ++reads[load->buffer.get()];
        ir::Visitor::visit(load);
    }
    void visit(const ir::Dma *dma) override {
        if (dma->direction == ir::DmaDirection::WramToMram) ++reads[dma->wram.get()];
        ir::Visitor::visit(dma);
    }
};

int reads_of(const ir::Stmt &s, const ir::BufferNode *buffer) {
    WramReadCounter counter;
    counter.visit(s);
    return counter.reads[buffer];
}

void split_conjuncts(const ir::Expr &cond, std::vector<ir::Expr> &out) {
    if (const auto *both = cond.as<ir::And>()) {
        split_conjuncts(both->a, out);
        split_conjuncts(both->b, out);
        return;
    }
    out.push_back(cond);
}

/// An else-less branch whose condition may be moved (it reads no memory).
const ir::IfThenElse *as_plain_if(const ir::Stmt &s) {
    const auto *branch = s.as<ir::IfThenElse>();
    return branch && !branch->else_case.defined() && !reads_memory(branch->cond) ? branch : nullptr;
}

class BranchHoister : public ir::Mutator {
public:
    BranchHoister(const ir::Stmt &kernel, const DpuGrid &grid, const GridVars &grid_vars, int64_t tasklets,
                  bool sink_dma_reads)
        : scopes_(tasklets, grid_ranges(grid_vars, grid)), sink_dma_reads_(sink_dma_reads) {
        WramReadCounter counter;
        counter.visit(kernel);
        kernel_reads_ = std::move(counter.reads);
    }

protected:
    using ir::Mutator::visit;
    ir::Stmt visit(const ir::For *loop, const ir::Stmt &self) override {
        ir::Stmt body;
        {
            RangeScope scope(scopes_, loop);
            body = mutate(loop->body);
        }
        const auto *branch = as_plain_if(body);
        if (branch && !ir::uses_var(branch->cond, loop->var.get())) {
            return ir::IfThenElse::make(branch->cond, ir::For::make(loop->var, loop->min, loop->extent,
                                                                    loop->for_kind, branch->then_case));
        }
        if (body.same_as(loop->body)) return self;
        return ir::For::make(loop->var, loop->min, loop->extent, loop->for_kind, body);
    }
    ir::Stmt visit(const ir::LetStmt *let, const ir::Stmt &self) override {
        ir::Stmt body;
        {
            RangeScope scope(scopes_, let);
            body = mutate(let->body);
        }
        const auto *branch = as_plain_if(body);
        if (branch && !ir::uses_var(branch->cond, let->var.get())) {
            return ir::IfThenElse::make(branch->cond,
                                        ir::LetStmt::make(let->var, let->value, branch->then_case));
        }
        if (body.same_as(let->body)) return self;
        return ir::LetStmt::make(let->var, let->value, body);
    }
    ir::Stmt visit(const ir::Allocate *alloc, const ir::Stmt &self) override {
        ir::Stmt body = mutate(alloc->body);
        if (const auto *branch = as_plain_if(body)) {
            return ir::IfThenElse::make(branch->cond, ir::Allocate::make(alloc->buffer, branch->then_case));
        }
        if (body.same_as(alloc->body)) return self;
        return ir::Allocate::make(alloc->buffer, body);
    }
    ir::Stmt visit(const ir::Seq *seq, const ir::Stmt &self) override {
        std::vector<ir::Stmt> out;
        for (const ir::Stmt &s : seq->stmts) {
            out.push_back(mutate(s));
            if (out.size() >= 2) guard_possibly_empty_loop(out[out.size() - 2], out.back());
            while (out.size() >= 2 && merge_into_branch(out[out.size() - 2], out.back())) out.pop_back();
        }
        return ir::Seq::make(out);
    }

private:
    /// A loop whose trip count may be 0 (after LT, e.g. a tasklet past the end of the data) behaves like
    /// `if (extent > 0) loop`; writing it so lets the DMAs that only feed it move under that guard too.
    void guard_possibly_empty_loop(const ir::Stmt &previous, ir::Stmt &s) const {
        const auto *loop = s.as<ir::For>();
        if (!sink_dma_reads_ || !loop || reads_memory(loop->extent) || !only_feeds(previous, loop->body))
            return;
        ir::Expr not_empty = loop->extent > 0;
        if (arith::can_prove(not_empty, scopes_.ranges())) return;
        s = ir::IfThenElse::make(not_empty, s);
    }

    /// Tries to fold `first` into the branch `second`; on success `first` holds the merged statement.
    bool merge_into_branch(ir::Stmt &first, const ir::Stmt &second) {
        const auto *branch = as_plain_if(second);
        if (!branch) return false;
        const auto *earlier = as_plain_if(first);
        if (sink_dma_reads_) {
            // A DMA (possibly under its own guard c0) whose data only X reads is dead when c is false.
            const ir::Stmt &transfer = earlier ? earlier->then_case : first;
            if (only_feeds(transfer, branch->then_case)) {
                bool guard_implied = !earlier || implies(branch->cond, earlier->cond);
                first = ir::IfThenElse::make(
                    branch->cond, ir::Seq::make({guard_implied ? transfer : first, branch->then_case}));
                return true;
            }
        }
        if (!earlier) return false;
        if (!implies(earlier->cond, branch->cond)) return false;
        // c0 => c: when c is false, c0 is too, so Y may move under c; it keeps its own guard unless c => c0.
        ir::Stmt moved = implies(branch->cond, earlier->cond) ? earlier->then_case : first;
        first = ir::IfThenElse::make(branch->cond, ir::Seq::make({moved, branch->then_case}));
        return true;
    }

    /// True when `premise` => `conclusion` is proven: every conjunct of the conclusion is a conjunct of the
    /// premise, or the prover shows `conclusion || !premise` from the ranges in scope.
    bool implies(const ir::Expr &premise, const ir::Expr &conclusion) const {
        std::vector<ir::Expr> known, needed;
        split_conjuncts(premise, known);
        split_conjuncts(conclusion, needed);
        bool all_known = std::all_of(needed.begin(), needed.end(), [&](const ir::Expr &c) {
            return std::any_of(known.begin(), known.end(),
                               [&](const ir::Expr &k) { return ir::equal(k, c); });
        });
        return all_known || arith::can_prove(conclusion || !premise, scopes_.ranges());
    }

    /// True when `s` is an MRAM->WRAM DMA whose WRAM buffer is read nowhere in the kernel but in `use`:
    /// skipping it when `use` does not run cannot change a result (partial dead-code elimination).
    /// A sequence of such DMAs (the chunks of one tile) qualifies too.
    bool only_feeds(const ir::Stmt &s, const ir::Stmt &use) const {
        if (const auto *seq = s.as<ir::Seq>()) {
            return std::all_of(seq->stmts.begin(), seq->stmts.end(),
                               [&](const ir::Stmt &inner) { return only_feeds(inner, use); });
        }
        const auto *dma = s.as<ir::Dma>();
        if (!dma || dma->direction != ir::DmaDirection::MramToWram) return false;
        auto total = kernel_reads_.find(dma->wram.get());
        const int total_reads = total == kernel_reads_.end() ? 0 : total->second;
        return total_reads > 0 && reads_of(use, dma->wram.get()) == total_reads;
    }

    ScopedRanges scopes_;
    bool sink_dma_reads_;
    std::unordered_map<const ir::BufferNode *, int> kernel_reads_;
};

}  // namespace

ir::Stmt hoist_invariant_branches(const ir::Stmt &kernel, const DpuGrid &grid, const GridVars &grid_vars,
                                  int64_t tasklets, bool sink_dma_reads) {
    return BranchHoister(kernel, grid, grid_vars, tasklets, sink_dma_reads).mutate(kernel);
}

}  // namespace atim::lower
