// Schedule construction, handle lookup, introspection and the readable summary.
#include "atim/schedule/schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "schedule/schedule_internal.h"

namespace atim::schedule {
namespace detail {

std::string handle_name(const BlockRV &rv) { return fmt::format("b{}", rv.id); }
std::string handle_name(const LoopRV &rv) { return fmt::format("l{}", rv.id); }
std::string handle_name(const ExprRV &rv) { return fmt::format("v{}", rv.id); }

const LoopState &checked_loop(const ScheduleState &state, const LoopRV &loop, const char *primitive) {
    const int alias = loop.id - kLoopAliasBase;
    if (alias >= 0 && alias < static_cast<int>(state.loop_aliases.size()))
        return state.loops[state.loop_aliases[alias]];
    if (loop.id < 0 || loop.id >= static_cast<int>(state.loops.size()))
        schedule_error("{}: loop handle {} does not belong to this schedule; use handles returned by it",
                       primitive, handle_name(loop));
    return state.loops[loop.id];
}

LoopState &checked_loop(ScheduleState &state, const LoopRV &loop, const char *primitive) {
    return const_cast<LoopState &>(checked_loop(static_cast<const ScheduleState &>(state), loop, primitive));
}

const BlockState &checked_block(const ScheduleState &state, const BlockRV &block, const char *primitive) {
    if (block.id < 0 || block.id >= static_cast<int>(state.blocks.size()))
        schedule_error("{}: block handle {} does not belong to this schedule; use handles returned by it",
                       primitive, handle_name(block));
    return state.blocks[block.id];
}

BlockState &checked_block(ScheduleState &state, const BlockRV &block, const char *primitive) {
    return const_cast<BlockState &>(
        checked_block(static_cast<const ScheduleState &>(state), block, primitive));
}

LoopState &checked_leaf(ScheduleState &state, const LoopRV &loop, const char *primitive) {
    LoopState &l = checked_loop(state, loop, primitive);
    if (!l.is_leaf)
        schedule_error("{}: loop {} was already split or fused away; use the loops that split/fuse returned",
                       primitive, l.name);
    return l;
}

int leaf_position(const BlockState &block, int loop_id) {
    auto it = std::find(block.leaves.begin(), block.leaves.end(), loop_id);
    return it == block.leaves.end() ? -1 : static_cast<int>(it - block.leaves.begin());
}

int add_loop(ScheduleState &state, int block, const std::string &name, int64_t extent, bool is_reduce) {
    LoopState loop;
    loop.id = static_cast<int>(state.loops.size());
    loop.block = block;
    loop.name = name;
    loop.var = ir::Var(name);
    loop.extent = extent;
    loop.is_reduce = is_reduce;
    state.loops.push_back(loop);
    return loop.id;
}

std::string unique_block_name(const ScheduleState &state, const std::string &wanted) {
    auto taken = [&](const std::string &name) {
        return std::any_of(state.blocks.begin(), state.blocks.end(),
                           [&](const BlockState &b) { return b.name == name; });
    };
    std::string name = wanted;
    for (int i = 1; taken(name); ++i) name = fmt::format("{}_{}", wanted, i);
    return name;
}

void record(Trace &trace, std::string kind, nlohmann::json inputs, nlohmann::json attrs,
            std::vector<std::string> outputs, std::vector<int64_t> decision) {
    Instruction inst;
    inst.kind = std::move(kind);
    inst.inputs = std::move(inputs);
    inst.attrs = std::move(attrs);
    inst.outputs = std::move(outputs);
    inst.decision = std::move(decision);
    trace.append(std::move(inst));
}

std::string binding_name(ir::ForKind kind) {
    switch (kind) {
        case ir::ForKind::DpuX:
            return "dpu.x";
        case ir::ForKind::DpuY:
            return "dpu.y";
        case ir::ForKind::DpuZ:
            return "dpu.z";
        case ir::ForKind::Tasklet:
            return "tasklet";
        case ir::ForKind::Unrolled:
            return "unroll";
        case ir::ForKind::HostParallel:
            return "parallel";
        case ir::ForKind::Serial:
            return "";
    }
    return "";
}

}  // namespace detail

using namespace detail;

namespace {

void add_compute_block(ScheduleState &state, const te::ComputeOp &op) {
    BlockState block;
    block.id = static_cast<int>(state.blocks.size());
    block.name = op.name;
    block.kind = BlockKind::Compute;
    block.output = op.output;
    block.value = op.value;
    block.is_reduction = op.is_reduction();
    auto add_root = [&](const te::IterVar &axis, bool is_reduce) {
        // The root loop reuses the compute's axis variable, so `value` is already written in root variables.
        LoopState loop;
        loop.id = static_cast<int>(state.loops.size());
        loop.block = block.id;
        loop.name = axis.var.name();
        loop.var = axis.var;
        loop.extent = axis.extent;
        loop.is_reduce = is_reduce;
        state.loops.push_back(loop);
        block.roots.push_back(RootAxis{loop.id, is_reduce});
        block.leaves.push_back(loop.id);
    };
    for (const te::IterVar &axis : op.axes) {
        add_root(axis, false);
        block.output_indices.push_back(axis.var);
    }
    for (const te::IterVar &axis : op.reduce_axes) add_root(axis, true);
    state.block_order.push_back(block.id);
    state.blocks.push_back(std::move(block));
}

}  // namespace

Schedule::Schedule(te::PrimFunc func, uint64_t seed) : func_(std::move(func)), rng_(seed) {
    for (const auto &op : func_.blocks) add_compute_block(state_, *op);
}

BlockRV Schedule::get_block(const std::string &name) {
    for (const BlockState &block : state_.blocks) {
        if (block.name != name) continue;
        BlockRV rv{block.id};
        record(trace_, "get_block", nlohmann::json::array(), nlohmann::json{{"name", name}},
               {handle_name(rv)});
        return rv;
    }
    std::string known;
    for (const BlockState &block : state_.blocks) known += (known.empty() ? "" : ", ") + block.name;
    schedule_error("get_block: no block named '{}'; the blocks are: {}", name, known);
}

std::vector<LoopRV> Schedule::get_loops(const BlockRV &block) {
    const BlockState &b = checked_block(state_, block, "get_loops");
    std::vector<LoopRV> loops;
    nlohmann::json outputs = nlohmann::json::array();
    std::vector<std::string> names;
    for (int id : b.leaves) {
        loops.push_back(LoopRV{id});
        names.push_back(handle_name(LoopRV{id}));
    }
    record(trace_, "get_loops", nlohmann::json::array({handle_name(block)}), nlohmann::json::object(), names);
    return loops;
}

int64_t Schedule::value(const ExprRV &rv) const {
    if (rv.id < 0 || rv.id >= static_cast<int>(state_.values.size()))
        schedule_error("value: sampled-value handle {} does not belong to this schedule", handle_name(rv));
    return state_.values[rv.id];
}

std::string Schedule::loop_name(const LoopRV &loop) const {
    return checked_loop(state_, loop, "loop_name").name;
}

int64_t Schedule::loop_extent(const LoopRV &loop) const {
    return checked_loop(state_, loop, "loop_extent").extent;
}

std::string Schedule::block_name(const BlockRV &block) const {
    return checked_block(state_, block, "block_name").name;
}

std::string Schedule::to_string() const {
    std::ostringstream os;
    auto attach_text = [&](const BlockState &b) {
        if (b.attach_loop < 0) return std::string("not attached");
        const LoopState &l = state_.loops[b.attach_loop];
        return fmt::format("{} {} (block {})", b.reverse_attached ? "reverse_compute_at" : "compute_at",
                           l.name, state_.blocks[l.block].name);
    };
    for (const BlockState &b : state_.blocks) {
        switch (b.kind) {
            case BlockKind::CacheRead:
                os << fmt::format("cache {} <- {} (read by {}), {}\n", b.cache_name, b.source->name,
                                  state_.blocks[b.consumer].name, attach_text(b));
                continue;
            case BlockKind::CacheWrite:
                os << fmt::format("cache {} -> {} (written by {}), {}\n", b.cache_name, b.source->name,
                                  state_.blocks[b.consumer].name, attach_text(b));
                continue;
            case BlockKind::Compute:
                break;
        }
        std::string role;
        if (b.rfactor_loop >= 0)
            role = fmt::format(", rfactor producer over {} ({})", state_.loops[b.rfactor_loop].name,
                               b.partial_scope != ir::MemScope::Global ? "wram"
                               : b.partials_in_host_wram               ? "host_wram"
                                                                       : "mram");
        if (b.rfactor_role == RfactorRole::MramConsumer) role += ", host epilogue";
        if (b.rfactor_role == RfactorRole::WramConsumer)
            role += ", tasklet-partial consumer, " + attach_text(b);
        os << fmt::format("block {} -> {}{}{}\n", b.name, b.output->name,
                          b.is_reduction ? " (reduction)" : "", role);
        std::string indent = "  ";
        for (int id : b.leaves) {
            const LoopState &l = state_.loops[id];
            std::string kind = binding_name(l.kind);
            if (b.decompose_loop == id) os << indent << "(reduction init here, decomposed)\n";
            os << fmt::format("{}for {} in [0, {}){}{}{}\n", indent, l.name, l.extent,
                              l.is_reduce ? " reduce" : "", kind.empty() ? "" : " ", kind);
            indent += "  ";
        }
    }
    return os.str();
}

}  // namespace atim::schedule
