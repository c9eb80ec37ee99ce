// Loop primitives: split, fuse, reorder, bind, unroll, parallel.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "atim/schedule/schedule.h"
#include "schedule/schedule_internal.h"

namespace atim::schedule {

using namespace detail;

namespace {

std::string join_extents(const std::vector<int64_t> &values) {
    return fmt::format("[{}]", fmt::join(values, ", "));
}

// Loops handed to fuse/reorder must be distinct leaf loops of one block.
BlockState &block_of_leaves(ScheduleState &state, const std::vector<LoopRV> &loops, const char *primitive) {
    if (loops.empty()) schedule_error("{}: give at least one loop", primitive);
    std::set<int> seen;
    int block = -1;
    for (const LoopRV &rv : loops) {
        const LoopState &l = checked_leaf(state, rv, primitive);
        if (!seen.insert(l.id).second)
            schedule_error("{}: loop {} is listed twice; list each loop once", primitive, l.name);
        if (block >= 0 && l.block != block)
            schedule_error(
                "{}: loops {} and {} belong to different blocks ({} and {}); use loops of one block",
                primitive, state.loops[*seen.begin()].name, l.name, state.blocks[block].name,
                state.blocks[l.block].name);
        block = l.block;
    }
    return state.blocks[block];
}

ir::ForKind parse_binding(const std::string &axis) {
    if (axis == "dpu.x") return ir::ForKind::DpuX;
    if (axis == "dpu.y") return ir::ForKind::DpuY;
    if (axis == "dpu.z") return ir::ForKind::DpuZ;
    if (axis == "tasklet") return ir::ForKind::Tasklet;
    schedule_error("bind: unknown thread axis '{}'; use dpu.x, dpu.y, dpu.z or tasklet", axis);
}

}  // namespace

std::vector<LoopRV> Schedule::split(const LoopRV &loop, const std::vector<ExprRV> &factors) {
    return split(loop, std::vector<Factor>(factors.begin(), factors.end()));
}

std::vector<LoopRV> Schedule::split(const LoopRV &loop, const std::vector<Factor> &factors) {
    LoopState &parent = checked_leaf(state_, loop, "split");
    if (factors.size() < 2)
        schedule_error("split: loop {} needs at least 2 factors, got {}", parent.name, factors.size());
    if (parent.kind != ir::ForKind::Serial)
        schedule_error("split: loop {} is already bound/unrolled ({}); split before bind or unroll",
                       parent.name, binding_name(parent.kind));
    // Resolve constants and sampled values; remember which (at most one) factor is inferred.
    std::vector<int64_t> extents;
    nlohmann::json recorded = nlohmann::json::array();
    int inferred = -1;
    int64_t known_product = 1;
    for (size_t i = 0; i < factors.size(); ++i) {
        const Factor &f = factors[i];
        int64_t value = 0;
        if (f.inferred()) {
            if (inferred >= 0)
                schedule_error(
                    "split: loop {} has more than one inferred factor; leave at most one factor to inference",
                    parent.name);
            inferred = static_cast<int>(i);
            recorded.push_back(nullptr);
        } else if (f.sampled) {
            value = this->value(*f.sampled);
            recorded.push_back(handle_name(*f.sampled));
        } else {
            value = *f.constant;
            recorded.push_back(value);
        }
        if (!f.inferred() && value <= 0)
            schedule_error("split: factor {} of loop {} is {}; factors must be positive", i, parent.name,
                           value);
        extents.push_back(value);
        if (!f.inferred()) known_product *= value;
    }
    if (inferred >= 0) {
        extents[inferred] = (parent.extent + known_product - 1) / known_product;
    } else if (known_product < parent.extent) {
        schedule_error(
            "split: factors {} of loop {} multiply to {}, less than its extent {}; make the product at least "
            "{} "
            "(a larger product adds a boundary guard) or leave one factor to inference",
            join_extents(extents), parent.name, known_product, parent.extent, parent.extent);
    }

    std::string parent_name = parent.name;
    int parent_id = parent.id, block_id = parent.block;
    bool is_reduce = parent.is_reduce;
    BlockState &block = state_.blocks[block_id];
    Relation relation;
    relation.is_split = true;
    relation.split.parent = parent_id;
    std::vector<LoopRV> result;
    std::vector<std::string> outputs;
    for (size_t i = 0; i < extents.size(); ++i) {
        int child = add_loop(state_, block_id, fmt::format("{}_{}", parent_name, i), extents[i], is_reduce);
        relation.split.children.push_back(child);
        result.push_back(LoopRV{child});
        outputs.push_back(handle_name(LoopRV{child}));
    }
    state_.loops[parent_id].is_leaf = false;
    int pos = leaf_position(block, parent_id);
    block.leaves.erase(block.leaves.begin() + pos);
    block.leaves.insert(block.leaves.begin() + pos, relation.split.children.begin(),
                        relation.split.children.end());
    block.relations.push_back(relation);
    record(trace_, "split", nlohmann::json::array({handle_name(loop), recorded}), nlohmann::json::object(),
           outputs);
    return result;
}

LoopRV Schedule::fuse(const std::vector<LoopRV> &loops) {
    BlockState &block = block_of_leaves(state_, loops, "fuse");
    if (loops.size() < 2) schedule_error("fuse: give at least 2 loops to fuse");
    int first = leaf_position(block, loops[0].id);
    std::string name;
    int64_t extent = 1;
    for (size_t i = 0; i < loops.size(); ++i) {
        const LoopState &l = state_.loops[loops[i].id];
        if (leaf_position(block, l.id) != first + static_cast<int>(i))
            schedule_error("fuse: loop {} is not directly inside {}; fuse adjacent loops, outer to inner",
                           l.name, state_.loops[loops[i - (i > 0 ? 1 : 0)].id].name);
        if (l.kind != ir::ForKind::Serial)
            schedule_error("fuse: loop {} is bound/unrolled ({}); fuse before bind or unroll", l.name,
                           binding_name(l.kind));
        if (l.is_reduce != state_.loops[loops[0].id].is_reduce)
            schedule_error("fuse: loops {} and {} mix a reduction and a spatial loop; fuse loops of one kind",
                           state_.loops[loops[0].id].name, l.name);
        name += (i ? "_" : "") + l.name;
        extent *= l.extent;
    }
    bool is_reduce = state_.loops[loops[0].id].is_reduce;
    int child = add_loop(state_, block.id, name + "_fused", extent, is_reduce);
    Relation relation;
    relation.is_split = false;
    nlohmann::json inputs = nlohmann::json::array();
    for (const LoopRV &rv : loops) {
        relation.fuse.parents.push_back(rv.id);
        state_.loops[rv.id].is_leaf = false;
        inputs.push_back(handle_name(rv));
    }
    relation.fuse.child = child;
    block.leaves.erase(block.leaves.begin() + first,
                       block.leaves.begin() + first + static_cast<int>(loops.size()));
    block.leaves.insert(block.leaves.begin() + first, child);
    block.relations.push_back(relation);
    record(trace_, "fuse", inputs, nlohmann::json::object(), {handle_name(LoopRV{child})});
    return LoopRV{child};
}

void Schedule::reorder(const std::vector<LoopRV> &loops) {
    BlockState &block = block_of_leaves(state_, loops, "reorder");
    std::vector<int> positions;
    nlohmann::json inputs = nlohmann::json::array();
    for (const LoopRV &rv : loops) {
        positions.push_back(leaf_position(block, rv.id));
        inputs.push_back(handle_name(rv));
    }
    std::sort(positions.begin(), positions.end());
    for (size_t i = 0; i < loops.size(); ++i) block.leaves[positions[i]] = loops[i].id;
    record(trace_, "reorder", inputs, nlohmann::json::object(), {});
}

void Schedule::bind(const LoopRV &loop, const std::string &thread_axis) {
    LoopState &l = checked_leaf(state_, loop, "bind");
    ir::ForKind kind = parse_binding(thread_axis);
    const BlockState &block = state_.blocks[l.block];
    if (l.kind != ir::ForKind::Serial)
        schedule_error("bind: loop {} is already {}; bind a loop once", l.name, binding_name(l.kind));
    if (l.is_reduce)
        schedule_error(
            "bind: loop {} of block {} is a reduction loop; rfactor it first (rfactor(loop, \"mram\") to "
            "spread a "
            "reduction over DPUs, \"wram\" over tasklets)",
            l.name, block.name);
    if (block.rfactor_role == RfactorRole::MramConsumer)
        schedule_error(
            "bind: block {} runs in the host epilogue (mram rfactor consumer); its loops cannot be bound",
            block.name);
    for (int id : block.leaves) {
        if (state_.loops[id].kind == kind)
            schedule_error(
                "bind: block {} already has a {} loop ({}); bind each axis kind at most once per block",
                block.name, thread_axis, state_.loops[id].name);
    }
    l.kind = kind;
    record(trace_, "bind", nlohmann::json::array({handle_name(loop)}),
           nlohmann::json{{"thread_axis", thread_axis}}, {});
}

void Schedule::unroll(const LoopRV &loop) {
    LoopState &l = checked_leaf(state_, loop, "unroll");
    if (l.kind != ir::ForKind::Serial)
        schedule_error("unroll: loop {} is {}; only serial loops can be unrolled", l.name,
                       binding_name(l.kind));
    l.kind = ir::ForKind::Unrolled;
    record(trace_, "unroll", nlohmann::json::array({handle_name(loop)}), nlohmann::json::object(), {});
}

void Schedule::parallel(const LoopRV &loop) {
    LoopState &l = checked_leaf(state_, loop, "parallel");
    const BlockState &block = state_.blocks[l.block];
    if (block.rfactor_role != RfactorRole::MramConsumer)
        schedule_error(
            "parallel: loop {} of block {} runs in the DPU kernel; only host-epilogue loops (of an mram "
            "rfactor consumer) can be parallel (bind DPU loops to dpu.x/y/z or tasklet instead)",
            l.name, block.name);
    if (l.kind != ir::ForKind::Serial)
        schedule_error("parallel: loop {} is already {}; only serial loops can be parallel", l.name,
                       binding_name(l.kind));
    if (l.is_reduce)
        schedule_error(
            "parallel: loop {} of block {} is a reduction loop; threads would race on the sum, parallelise a "
            "spatial loop",
            l.name, block.name);
    for (int id : block.leaves) {
        if (state_.loops[id].kind == ir::ForKind::HostParallel)
            schedule_error(
                "parallel: block {} already has a parallel loop ({}); parallelise one loop per block",
                block.name, state_.loops[id].name);
    }
    l.kind = ir::ForKind::HostParallel;
    record(trace_, "parallel", nlohmann::json::array({handle_name(loop)}), nlohmann::json::object(), {});
}

}  // namespace atim::schedule

namespace atim::schedule {

using namespace detail;

void Schedule::annotate_unroll(const BlockRV &block, const ExprRV &max_step) {
    BlockState &b = checked_block(state_, block, "annotate_unroll");
    if (max_step.id < 0 || max_step.id >= static_cast<int>(state_.values.size()))
        schedule_error("annotate_unroll: value handle {} does not belong to this schedule",
                       handle_name(max_step));
    const int64_t limit = state_.values[max_step.id];
    if (limit < 0) schedule_error("annotate_unroll: max step {} is negative; use 0 for no unrolling", limit);
    auto is_attach_point = [&](int loop_id) {
        for (const BlockState &other : state_.blocks)
            if (other.attach_loop == loop_id) return true;
        return false;
    };
    int64_t product = 1;
    for (auto it = b.leaves.rbegin(); it != b.leaves.rend(); ++it) {
        LoopState &l = state_.loops[*it];
        if (l.kind != ir::ForKind::Serial || is_attach_point(l.id) || product * l.extent > limit) break;
        product *= l.extent;
        l.kind = ir::ForKind::Unrolled;
    }
    record(trace_, "annotate_unroll", nlohmann::json::array({handle_name(block), handle_name(max_step)}),
           nlohmann::json::object(), {});
}

void Schedule::annotate_host_calls(const std::string &style) {
    if (style != "atim" && style != "prim")
        schedule_error(
            "annotate_host_calls: unknown style '{}'; use \"atim\" (dpu_broadcast_to) or \"prim\" (the same "
            "pointer prepared for every DPU + one dpu_push_xfer)",
            style);
    state_.prim_host_calls = style == "prim";
    record(trace_, "annotate_host_calls", nlohmann::json::array(), {{"style", style}}, {});
}

}  // namespace atim::schedule
