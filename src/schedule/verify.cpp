// Whole-schedule legality checks (see verify.h).
#include "atim/schedule/verify.h"

#include <fmt/format.h>

#include "atim/schedule/schedule.h"
#include "schedule/schedule_internal.h"

namespace atim::schedule {
namespace {

using detail::binding_name;
using detail::leaf_position;

// Position of the innermost DPU-bound leaf, -1 without DPU loops.
int innermost_dpu_position(const ScheduleState &state, const BlockState &block) {
    int pos = -1;
    for (size_t i = 0; i < block.leaves.size(); ++i) {
        if (ir::is_dpu_binding(state.loops[block.leaves[i]].kind)) pos = static_cast<int>(i);
    }
    return pos;
}

void check_binding_order(const ScheduleState &state, const BlockState &block) {
    bool seen_unbound = false;
    std::string outer;
    for (int id : block.leaves) {
        const LoopState &l = state.loops[id];
        if (ir::is_dpu_binding(l.kind) && seen_unbound)
            schedule_error(
                "block {}: loop {} ({}) is inside loop {}; DPU-bound loops must be outermost, reorder it "
                "outward",
                block.name, l.name, binding_name(l.kind), outer);
        if (!ir::is_dpu_binding(l.kind) && !seen_unbound) {
            seen_unbound = true;
            outer = l.name;
        }
    }
}

// The attach loop of an attached block: a leaf of `host` at or inside the innermost DPU loop.
int checked_attach_position(const ScheduleState &state, const BlockState &attached, const BlockState &host,
                            const char *how) {
    if (attached.attach_loop < 0)
        schedule_error("{} {} is not attached; {} it to a loop of block {}",
                       attached.kind == BlockKind::Compute ? "block" : "cache", attached.name, how,
                       host.name);
    int pos = leaf_position(host, attached.attach_loop);
    const LoopState &at = state.loops[attached.attach_loop];
    if (pos < 0)
        schedule_error(
            "{} {} is attached at loop {}, which is no longer a loop of block {}; {} it to a current loop",
            attached.kind == BlockKind::Compute ? "block" : "cache", attached.name, at.name, host.name, how);
    int dpu = innermost_dpu_position(state, host);
    if (pos < dpu)
        schedule_error(
            "{} {} is attached at loop {}, outside the DPU loop {}; attach it at or inside the innermost DPU "
            "loop",
            attached.kind == BlockKind::Compute ? "block" : "cache", attached.name, at.name,
            state.loops[host.leaves[dpu]].name);
    return pos;
}

// A reduction loop at or outside `pos` would make the attached block see incomplete sums.
void check_no_reduction_outside(const ScheduleState &state, const BlockState &attached,
                                const BlockState &host, int pos, const char *what) {
    for (int i = 0; i <= pos; ++i) {
        const LoopState &l = state.loops[host.leaves[i]];
        if (l.is_reduce)
            schedule_error(
                "{} {} is attached at loop {}, but reduction loop {} of block {} encloses it; attach it "
                "outside every reduction loop (or reorder the reduction loops inward)",
                what, attached.name, state.loops[attached.attach_loop].name, l.name, host.name);
    }
}

void check_decomposition(const ScheduleState &state, const BlockState &block) {
    if (block.decompose_loop < 0) return;
    int pos = leaf_position(block, block.decompose_loop);
    const std::string &at = state.loops[block.decompose_loop].name;
    if (pos < 0)
        schedule_error(
            "decompose_reduction: loop {} is no longer a loop of block {}; decompose at a current loop", at,
            block.name);
    for (int i = 0; i < pos; ++i) {
        const LoopState &l = state.loops[block.leaves[i]];
        if (l.is_reduce)
            schedule_error(
                "decompose_reduction: reduction loop {} of block {} is outside loop {}; decompose at a loop "
                "that encloses every reduction loop",
                l.name, block.name, at);
    }
    if (block.write_cache >= 0) {
        const BlockState &cache = state.blocks[block.write_cache];
        int cache_pos = leaf_position(block, cache.attach_loop);
        if (cache_pos >= 0 && pos <= cache_pos)
            schedule_error(
                "decompose_reduction: loop {} of block {} is not inside loop {} where its write cache {} "
                "lives; decompose at a loop inside {}",
                at, block.name, state.loops[cache.attach_loop].name, cache.name,
                state.loops[cache.attach_loop].name);
    }
}

void check_attachment(const ScheduleState &state, const BlockState &block) {
    switch (block.kind) {
        case BlockKind::CacheRead: {
            checked_attach_position(state, block, state.blocks[block.consumer], "compute_at");
            return;
        }
        case BlockKind::CacheWrite: {
            const BlockState &host = state.blocks[block.consumer];
            int pos = checked_attach_position(state, block, host, "reverse_compute_at");
            check_no_reduction_outside(state, block, host, pos, "write cache");
            return;
        }
        case BlockKind::Compute:
            break;
    }
    if (block.rfactor_role == RfactorRole::WramConsumer) {
        const BlockState &producer = state.blocks[block.rfactor_producer];
        int pos = checked_attach_position(state, block, producer, "reverse_compute_at");
        int rf = leaf_position(producer, producer.rfactor_loop);
        if (rf >= 0 && rf <= pos)
            schedule_error(
                "block {} is attached at loop {}, which does not enclose the rfactor loop {} of {}; attach "
                "it "
                "at a loop outside {}",
                block.name, state.loops[block.attach_loop].name, state.loops[producer.rfactor_loop].name,
                producer.name, state.loops[producer.rfactor_loop].name);
        check_no_reduction_outside(state, block, producer, pos, "block");
    }
}

void check_block(const ScheduleState &state, const BlockState &block) {
    if (block.kind == BlockKind::Compute) {
        check_binding_order(state, block);
        check_decomposition(state, block);
    }
    check_attachment(state, block);
}

}  // namespace

void verify_attachment(const ScheduleState &state, int block_id) {
    check_attachment(state, state.blocks[block_id]);
}

void verify_decomposition(const ScheduleState &state, int block_id) {
    check_decomposition(state, state.blocks[block_id]);
}

void verify(const ScheduleState &state) {
    for (const BlockState &block : state.blocks) check_block(state, block);
    // Top-level device blocks share the DPU grid only when there is a single one.
    int device_blocks = 0;
    bool any_grid = false;
    std::string names;
    for (int id : state.block_order) {
        const BlockState &b = state.blocks[id];
        if (b.kind != BlockKind::Compute || b.attach_loop >= 0 || b.rfactor_role == RfactorRole::MramConsumer)
            continue;
        ++device_blocks;
        names += (names.empty() ? "" : ", ") + b.name;
        if (innermost_dpu_position(state, b) >= 0) any_grid = true;
    }
    if (device_blocks > 1 && any_grid)
        schedule_error(
            "blocks {} all run at the top level of the DPU program, but one is bound to DPUs; attach the "
            "others inside it (compute_at / reverse_compute_at)",
            names);
}

}  // namespace atim::schedule
