// schedule_to_loops: turns a Schedule's blocks, loops, caches and rfactors into the loop nests of
// ScheduledLoops (see scheduled_loops.h for the contract).
#include "lower/schedule_to_loops.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "atim/arith/const_interval.h"
#include "atim/arith/eval_bounds.h"
#include "atim/arith/simplify.h"
#include "atim/ir/functor.h"
#include "atim/ir/printer.h"
#include "atim/ir/utils.h"
#include "atim/schedule/verify.h"

namespace atim::lower {
namespace {

using schedule::BlockKind;
using schedule::BlockState;
using schedule::LoopState;
using schedule::RfactorRole;
using schedule::ScheduleState;

ir::Expr int32(int64_t v) { return ir::make_const(ir::DType::Int32, v); }

int leaf_position(const BlockState &b, int loop_id) {
    auto it = std::find(b.leaves.begin(), b.leaves.end(), loop_id);
    ATIM_CHECK(it != b.leaves.end(), "loop {} is not a leaf of block {} (verify should have caught this)",
               loop_id, b.name);
    return static_cast<int>(it - b.leaves.begin());
}

ir::Expr conjunction(const std::vector<ir::Expr> &conds) {
    ir::Expr all;
    for (const ir::Expr &c : conds) all = all.defined() ? (all && c) : c;
    return all;
}

ir::Stmt guarded(const std::vector<ir::Expr> &conds, ir::Stmt body) {
    ir::Expr cond = conjunction(conds);
    return cond.defined() ? ir::IfThenElse::make(cond, std::move(body)) : body;
}

bool contains_tasklet_loop(const ir::Stmt &s) {
    struct Finder : ir::Visitor {
        using ir::Visitor::visit;
        bool found = false;
        void visit(const ir::For *op) override {
            if (op->for_kind == ir::ForKind::Tasklet) found = true;
            ir::Visitor::visit(op);
        }
    } finder;
    finder.visit(s);
    return finder.found;
}

// Statements of one loop body. Outside tasklet loops every DPU statement runs on a single tasklet, so a
// barrier separates it from a neighbouring tasklet loop (cross-tasklet producer/consumer), and a serial loop
// that repeats such a sequence also ends with one (the next iteration must not overwrite what is still being
// read).
ir::Stmt sequence(std::vector<ir::Stmt> items, bool inside_tasklet, bool repeats) {
    items.erase(std::remove_if(items.begin(), items.end(), [](const ir::Stmt &s) { return !s.defined(); }),
                items.end());
    if (inside_tasklet || items.size() < 2) return ir::Seq::make(items);
    std::vector<bool> parallel;
    for (const ir::Stmt &s : items) parallel.push_back(contains_tasklet_loop(s));
    std::vector<ir::Stmt> out;
    bool any_barrier = false;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0 && (parallel[i - 1] || parallel[i])) {
            out.push_back(ir::Barrier::make());
            any_barrier = true;
        }
        out.push_back(items[i]);
    }
    if (any_barrier && repeats) out.push_back(ir::Barrier::make());
    return ir::Seq::make(out);
}

// Redirects accesses of a buffer to a WRAM buffer holding the box that starts at `mins`.
struct Redirect {
    ir::Buffer target;
    std::vector<ir::Expr> mins;
};
using RedirectMap = std::unordered_map<const ir::BufferNode *, Redirect>;

class BufferRedirector : public ir::Mutator {
public:
    explicit BufferRedirector(const RedirectMap &map) : map_(map) {}
    using ir::Mutator::mutate;

protected:
    ir::Expr visit(const ir::Load *op, const ir::Expr &self) override {
        ir::Expr e = ir::Mutator::visit(op, self);
        const ir::Load *load = e.as<ir::Load>();
        auto it = map_.find(load->buffer.get());
        if (it == map_.end()) return e;
        return ir::Load::make(it->second.target, shifted(load->indices, it->second.mins));
    }
    ir::Stmt visit(const ir::Store *op, const ir::Stmt &self) override {
        ir::Stmt s = ir::Mutator::visit(op, self);
        const ir::Store *store = s.as<ir::Store>();
        auto it = map_.find(store->buffer.get());
        if (it == map_.end()) return s;
        return ir::Store::make(it->second.target, shifted(store->indices, it->second.mins), store->value);
    }

private:
    static std::vector<ir::Expr> shifted(const std::vector<ir::Expr> &indices,
                                         const std::vector<ir::Expr> &mins) {
        std::vector<ir::Expr> result;
        for (size_t d = 0; d < indices.size(); ++d) result.push_back(arith::simplify(indices[d] - mins[d]));
        return result;
    }
    const RedirectMap &map_;
};

// Index lists of every access to `buffer` in an expression.
std::vector<std::vector<ir::Expr>> loads_of(const ir::Expr &e, const ir::Buffer &buffer) {
    struct Collector : ir::Visitor {
        using ir::Visitor::visit;
        const ir::BufferNode *buffer = nullptr;
        std::vector<std::vector<ir::Expr>> found;
        void visit(const ir::Load *op) override {
            if (op->buffer.get() == buffer) found.push_back(op->indices);
            ir::Visitor::visit(op);
        }
    } collector;
    collector.buffer = buffer.get();
    collector.visit(e);
    return collector.found;
}

// The box of a buffer touched in one iteration of a loop: per dimension a symbolic start and a constant
// extent.
struct Region {
    std::vector<ir::Expr> mins;
    std::vector<int64_t> extents;
};

// What schedule_to_loops needs to know about one compute block: loop values and guards.
struct BlockForm {
    ir::VarMap substitution;               ///< root and split/fused-away loop variables -> leaf expressions
    std::vector<ir::Expr> spatial_guards;  ///< imperfect splits of spatial axes
    std::vector<ir::Expr> reduce_guards;   ///< imperfect splits of reduction axes
    ir::Expr value;                        ///< substituted
    std::vector<ir::Expr> output_indices;  ///< substituted
};

class Lowering {
public:
    explicit Lowering(const schedule::Schedule &sch) : sch_(sch), state_(sch.state()) {}

    ScheduledLoops run() {
        schedule::verify(state_);
        ScheduledLoops result;
        result.name = sch_.func().name;
        std::vector<ir::Stmt> device, host;
        for (int id : state_.block_order) {
            const BlockState &b = state_.blocks[id];
            if (b.kind != BlockKind::Compute || b.attach_loop >= 0) continue;
            if (b.rfactor_role == RfactorRole::MramConsumer) {
                host.push_back(build_block(b));
            } else {
                device.push_back(build_block(b));
            }
        }
        result.device = sequence(device, false, false);
        if (!host.empty()) result.host_epilogue = ir::Seq::make(host);
        result.tensors = tensor_infos();
        result.prim_host_calls = state_.prim_host_calls;
        return result;
    }

private:
    std::vector<TensorInfo> tensor_infos() const {
        std::vector<TensorInfo> tensors;
        const auto &resident = sch_.resident_inputs();
        for (const ir::Buffer &b : sch_.func().inputs) {
            bool is_resident = std::find(resident.begin(), resident.end(), b->name) != resident.end();
            tensors.push_back(TensorInfo{b, TensorRole::Input, is_resident});
        }
        for (const ir::Buffer &b : sch_.func().outputs)
            tensors.push_back(TensorInfo{b, TensorRole::Output, false});
        // Partials: Global buffers written by blocks that are not outputs (mram rfactor producers; after a
        // second, wram rfactor the block writing them is the tasklet-partial consumer).
        for (const BlockState &b : state_.blocks) {
            if (b.kind != BlockKind::Compute || b.output->scope != ir::MemScope::Global) continue;
            bool listed = std::any_of(tensors.begin(), tensors.end(),
                                      [&](const TensorInfo &t) { return t.buffer.get() == b.output.get(); });
            if (!listed)
                tensors.push_back(TensorInfo{b.output, TensorRole::Partial, false, b.partials_in_host_wram});
        }
        return tensors;
    }

    // Leaf-variable expressions of every loop of the block, and the guards of imperfect splits.
    BlockForm block_form(const BlockState &b) const {
        std::unordered_map<int, bool> reduce_origin;
        for (const auto &root : b.roots) reduce_origin[root.loop] = root.is_reduce;
        for (const auto &rel : b.relations) {
            if (rel.is_split) {
                for (int c : rel.split.children) reduce_origin[c] = reduce_origin[rel.split.parent];
            } else {
                reduce_origin[rel.fuse.child] = reduce_origin[rel.fuse.parents[0]];
            }
        }
        std::unordered_map<int, ir::Expr> value;
        for (int leaf : b.leaves) value[leaf] = state_.loops[leaf].var;
        BlockForm form;
        for (auto it = b.relations.rbegin(); it != b.relations.rend(); ++it) {
            if (it->is_split) {
                const auto &children = it->split.children;
                ir::Expr v = value.at(children[0]);
                int64_t product = state_.loops[children[0]].extent;
                for (size_t i = 1; i < children.size(); ++i) {
                    v = v * int32(state_.loops[children[i]].extent) + value.at(children[i]);
                    product *= state_.loops[children[i]].extent;
                }
                const LoopState &parent = state_.loops[it->split.parent];
                value[parent.id] = v;
                if (product > parent.extent) {
                    auto &guards = reduce_origin[parent.id] ? form.reduce_guards : form.spatial_guards;
                    guards.push_back(v < int32(parent.extent));
                }
            } else {
                const auto &parents = it->fuse.parents;
                ir::Expr fused = value.at(it->fuse.child);
                int64_t stride = 1;
                for (size_t i = parents.size(); i-- > 0;) {
                    const LoopState &p = state_.loops[parents[i]];
                    ir::Expr v = stride == 1 ? fused : fused / int32(stride);
                    value[p.id] = i == 0 ? v : v % int32(p.extent);
                    stride *= p.extent;
                }
            }
        }
        for (const auto &[id, v] : value) {
            const LoopState &l = state_.loops[id];
            if (!l.is_leaf) form.substitution[l.var.get()] = v;
        }
        // Guards in canonical affine form (what loop-bound tightening solves); provably true ones are
        // dropped.
        arith::RangeMap ranges = leaf_ranges(b, 0, b.leaves.size());
        for (auto *guards : {&form.spatial_guards, &form.reduce_guards}) {
            std::vector<ir::Expr> kept;
            for (const ir::Expr &g : *guards) {
                ir::Expr simple = arith::simplify(g, ranges);
                if (!ir::is_const_int(simple, 1)) kept.push_back(simple);
            }
            *guards = kept;
        }
        form.value = arith::simplify(ir::substitute(b.value, form.substitution));
        for (const ir::Expr &i : b.output_indices)
            form.output_indices.push_back(arith::simplify(ir::substitute(i, form.substitution)));
        return form;
    }

    arith::RangeMap leaf_ranges(const BlockState &b, size_t begin, size_t end) const {
        arith::RangeMap ranges;
        for (size_t i = begin; i < end && i < b.leaves.size(); ++i) {
            const LoopState &l = state_.loops[b.leaves[i]];
            ranges[l.var.get()] = arith::Range{int32(0), int32(l.extent)};
        }
        return ranges;
    }

    bool inside_tasklet(const BlockState &b, int pos) const {
        for (int i = 0; i <= pos && i < static_cast<int>(b.leaves.size()); ++i)
            if (state_.loops[b.leaves[i]].kind == ir::ForKind::Tasklet) return true;
        return false;
    }

    // The box covered by `accesses` in one iteration of leaf `pos` of `host` (inner leaves relaxed).
    Region region_at(const BlockState &host, int pos, const std::vector<std::vector<ir::Expr>> &accesses,
                     const std::string &what) const {
        arith::RangeMap inner = leaf_ranges(host, pos + 1, host.leaves.size());
        arith::RangeMap outer = leaf_ranges(host, 0, pos + 1);
        arith::RangeMap all = leaf_ranges(host, 0, host.leaves.size());
        const std::string &at = state_.loops[host.leaves[pos]].name;
        Region region;
        size_t dims = accesses.front().size();
        for (size_t d = 0; d < dims; ++d) {
            ir::Expr lo, hi;
            for (const auto &access : accesses) {
                arith::SymbolicBounds bounds = arith::eval_bounds(access[d], inner);
                if (!bounds.min.defined() || !bounds.max.defined())
                    schedule::schedule_error(
                        "cannot bound dimension {} of {} in one iteration of loop {}; attach it "
                        "elsewhere",
                        d, what, at);
                lo = lo.defined() ? ir::min(lo, bounds.min) : bounds.min;
                hi = hi.defined() ? ir::max(hi, bounds.max) : bounds.max;
            }
            lo = arith::simplify(lo, outer);
            ir::Expr extent = arith::simplify(hi - lo + 1, outer);
            const int64_t *constant = ir::as_const_int(extent);
            int64_t size = constant ? *constant : arith::const_bounds(extent, all).max;
            if (size == arith::ConstInterval::kPosInf || size <= 0)
                schedule::schedule_error(
                    "the region of {} at loop {} has no constant size (dimension {} spans {}); "
                    "attach it at another loop",
                    what, at, d, ir::to_string(extent));
            region.mins.push_back(lo);
            region.extents.push_back(size);
        }
        return region;
    }

    // Fill of a read cache: for c... in the box: if (global index in bounds) wram[c] = global[min + c].
    // Reading more than the block needs is harmless, so the box need not be exact.
    ir::Stmt fill_box(const ir::Buffer &global, const ir::Buffer &wram, const Region &region) const {
        std::vector<ir::Var> vars;
        std::vector<ir::Expr> local_index, global_index, conds;
        for (size_t d = 0; d < region.extents.size(); ++d) {
            ir::Var v(fmt::format("{}_ax{}", wram->name, d));
            vars.push_back(v);
            local_index.push_back(v);
            ir::Expr g = arith::simplify(region.mins[d] + v);
            global_index.push_back(g);
            conds.push_back(g < int32(global->shape[d]));
        }
        ir::Stmt body =
            guarded(conds, ir::Store::make(wram, local_index, ir::Load::make(global, global_index)));
        for (size_t d = region.extents.size(); d-- > 0;)
            body = ir::For::make(vars[d], int32(0), int32(region.extents[d]), ir::ForKind::Serial, body);
        return body;
    }

    // Copies of the spatial loops from `first` inward (fresh variables named `<loop><suffix>`), wrapped
    // around `body` written in the original leaf variables.
    ir::Stmt over_inner_spatial_loops(const BlockState &b, size_t first, const std::string &suffix,
                                      ir::Stmt body, bool keep_kinds,
                                      const std::set<int> &excluded = {}) const {
        ir::VarMap fresh;
        std::vector<std::pair<ir::Var, const LoopState *>> loops;
        for (size_t i = first; i < b.leaves.size(); ++i) {
            const LoopState &l = state_.loops[b.leaves[i]];
            if (l.is_reduce || excluded.count(l.id)) continue;
            ir::Var v(l.name + suffix);
            fresh[l.var.get()] = v;
            loops.emplace_back(v, &l);
        }
        body = ir::substitute(body, fresh);
        for (auto it = loops.rbegin(); it != loops.rend(); ++it)
            body = ir::For::make(it->first, int32(0), int32(it->second->extent),
                                 keep_kinds ? it->second->kind : ir::ForKind::Serial, body);
        return body;
    }

    // Write-back of exactly the elements the block wrote in one iteration of leaf `pos`: a copy over the
    // spatial loops inside it, under the guards of imperfect splits. (A copy over the box guarded only by the
    // tensor bounds would also write elements owned by a neighbouring tile when nested splits are imperfect,
    // or when fused loops make the box over-cover, e.g. the bounds of i = f / N and j = f % N.)
    ir::Stmt write_back_iterations(const BlockState &b, const BlockForm &form, int pos,
                                   const ir::Buffer &wram, const Region &region) const {
        std::vector<ir::Expr> local;
        for (size_t d = 0; d < form.output_indices.size(); ++d)
            local.push_back(arith::simplify(form.output_indices[d] - region.mins[d]));
        ir::Stmt copy = ir::Store::make(b.output, form.output_indices, ir::Load::make(wram, local));
        return over_inner_spatial_loops(b, pos + 1, "_wb", guarded(form.spatial_guards, copy), false);
    }

    // What is placed at one leaf loop of a block.
    struct Attached {
        std::vector<ir::Stmt> before, after;  ///< fills; write-backs and tasklet-partial sums
        std::vector<ir::Buffer> allocations;
    };

    // Loops of `b` derived from `root` by split/fuse (root included).
    std::set<int> derived_loops(const BlockState &b, int root) const {
        std::set<int> derived{root};
        for (const auto &rel : b.relations) {
            if (rel.is_split && derived.count(rel.split.parent))
                derived.insert(rel.split.children.begin(), rel.split.children.end());
            if (!rel.is_split && derived.count(rel.fuse.parents[0])) derived.insert(rel.fuse.child);
        }
        return derived;
    }

    // out[s] = sum_r partials[r, s - min] for each output element s the producer wrote in one iteration of
    // leaf `pos` (its spatial loops inside `pos` other than the rfactor loop, under the guards of imperfect
    // splits).
    ir::Stmt wram_consumer(const BlockState &consumer, const BlockState &producer, const BlockForm &form,
                           int pos, const ir::Buffer &partials, const Region &region) const {
        std::vector<ir::Expr> out_index(form.output_indices.begin() + 1, form.output_indices.end());
        ir::Var r(consumer.name + "_rf_k");
        std::vector<ir::Expr> partial_index{arith::simplify(r - region.mins[0])};
        for (size_t d = 0; d < out_index.size(); ++d)
            partial_index.push_back(arith::simplify(out_index[d] - region.mins[d + 1]));
        ir::Stmt init = ir::Store::make(consumer.output, out_index, ir::make_zero(consumer.output->dtype));
        ir::Stmt update = ir::Store::make(
            consumer.output, out_index,
            ir::Load::make(consumer.output, out_index) + ir::Load::make(partials, partial_index));
        ir::Stmt body = ir::Seq::make(
            {init, ir::For::make(r, int32(0), int32(region.extents[0]), ir::ForKind::Serial, update)});
        body = guarded(form.spatial_guards, body);
        return over_inner_spatial_loops(producer, pos + 1, "_sum", body, false,
                                        derived_loops(producer, producer.rfactor_loop));
    }

    ir::MemScope wram_scope(const BlockState &b, int pos) const {
        return inside_tasklet(b, pos) ? ir::MemScope::WramLocal : ir::MemScope::WramShared;
    }

    // Caches and tasklet-partial consumers of block b, by leaf position; fills in the redirections.
    std::map<int, Attached> attachments(const BlockState &b, const BlockForm &form,
                                        RedirectMap &redirects) const {
        std::map<int, Attached> at;
        for (int id : b.read_caches) {
            const BlockState &cache = state_.blocks[id];
            int pos = leaf_position(b, cache.attach_loop);
            Region region = region_at(b, pos, loads_of(form.value, cache.source), cache.name);
            ir::Buffer wram =
                ir::make_buffer(cache.cache_name, cache.source->dtype, region.extents, wram_scope(b, pos));
            redirects[cache.source.get()] = Redirect{wram, region.mins};
            at[pos].before.push_back(fill_box(cache.source, wram, region));
            at[pos].allocations.push_back(wram);
        }
        if (b.write_cache >= 0) {
            const BlockState &cache = state_.blocks[b.write_cache];
            int pos = leaf_position(b, cache.attach_loop);
            Region region = region_at(b, pos, {form.output_indices}, cache.name);
            ir::Buffer wram =
                ir::make_buffer(cache.cache_name, cache.source->dtype, region.extents, wram_scope(b, pos));
            redirects[cache.source.get()] = Redirect{wram, region.mins};
            at[pos].after.push_back(write_back_iterations(b, form, pos, wram, region));
            at[pos].allocations.push_back(wram);
        }
        for (const BlockState &consumer : state_.blocks) {
            if (consumer.rfactor_role != RfactorRole::WramConsumer || consumer.rfactor_producer != b.id)
                continue;
            int pos = leaf_position(b, consumer.attach_loop);
            Region region = region_at(b, pos, {form.output_indices}, b.output->name);
            ir::Buffer partials =
                ir::make_buffer(b.output->name, b.output->dtype, region.extents, wram_scope(b, pos));
            redirects[b.output.get()] = Redirect{partials, region.mins};
            at[pos].after.push_back(wram_consumer(consumer, b, form, pos, partials, region));
            at[pos].allocations.push_back(partials);
        }
        return at;
    }

    // The innermost statement: the update, and for reductions the init guarded by "first reduction
    // iteration".
    ir::Stmt compute_statement(const BlockState &b, const BlockForm &form) const {
        std::vector<ir::Expr> all_guards = form.spatial_guards;
        all_guards.insert(all_guards.end(), form.reduce_guards.begin(), form.reduce_guards.end());
        if (!b.is_reduction)
            return guarded(all_guards, ir::Store::make(b.output, form.output_indices, form.value));
        ir::Stmt update = ir::Store::make(b.output, form.output_indices,
                                          ir::Load::make(b.output, form.output_indices) + form.value);
        update = guarded(all_guards, update);
        if (b.decompose_loop >= 0) return update;
        // The init runs where every remaining reduction loop is at 0; it is not subject to the reduction
        // guards, so a partial that receives no terms (an imperfect rfactor split) is still 0.
        std::vector<ir::Expr> init_conds = form.spatial_guards;
        for (int id : b.leaves)
            if (state_.loops[id].is_reduce) init_conds.push_back(ir::eq(state_.loops[id].var, int32(0)));
        return ir::Seq::make({guarded(init_conds, init_statement(b, form)), update});
    }

    ir::Stmt init_statement(const BlockState &b, const BlockForm &form) const {
        return ir::Store::make(b.output, form.output_indices, ir::make_zero(b.output->dtype));
    }

    // decompose_reduction: the init over copies of the spatial loops from `pos` inward.
    ir::Stmt init_nest(const BlockState &b, const BlockForm &form, int pos,
                       BufferRedirector &redirect) const {
        ir::Stmt init = redirect.mutate(guarded(form.spatial_guards, init_statement(b, form)));
        return over_inner_spatial_loops(b, pos, "_init", init, true);
    }

    ir::Stmt build_block(const BlockState &b) const {
        BlockForm form = block_form(b);
        RedirectMap redirects;
        std::map<int, Attached> at = attachments(b, form, redirects);
        BufferRedirector redirect(redirects);
        ir::Stmt stmt = redirect.mutate(compute_statement(b, form));
        for (int pos = static_cast<int>(b.leaves.size()) - 1; pos >= 0; --pos) {
            const LoopState &l = state_.loops[b.leaves[pos]];
            auto found = at.find(pos);
            if (found != at.end()) {
                std::vector<ir::Stmt> items = found->second.before;
                items.push_back(stmt);
                items.insert(items.end(), found->second.after.begin(), found->second.after.end());
                bool repeats = !ir::is_dpu_binding(l.kind) && l.kind != ir::ForKind::Tasklet;
                stmt = sequence(items, inside_tasklet(b, pos), repeats);
                for (auto it = found->second.allocations.rbegin(); it != found->second.allocations.rend();
                     ++it)
                    stmt = ir::Allocate::make(*it, stmt);
            }
            stmt = ir::For::make(l.var, int32(0), int32(l.extent), l.kind, stmt);
            if (b.decompose_loop == l.id)
                stmt = sequence({init_nest(b, form, pos, redirect), stmt}, inside_tasklet(b, pos - 1), false);
        }
        return stmt;
    }

    const schedule::Schedule &sch_;
    const ScheduleState &state_;
};

}  // namespace

ScheduledLoops schedule_to_loops(const schedule::Schedule &schedule) { return Lowering(schedule).run(); }

}  // namespace atim::lower
