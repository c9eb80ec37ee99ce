// Block primitives: rfactor, cache_read, cache_write, compute_at, reverse_compute_at, decompose_reduction.
#include <fmt/format.h>

#include <algorithm>

#include "atim/ir/functor.h"
#include "atim/schedule/schedule.h"
#include "atim/schedule/verify.h"
#include "schedule/schedule_internal.h"

namespace atim::schedule {

using namespace detail;

namespace {

class LoadCollector : public ir::Visitor {
public:
    using ir::Visitor::visit;
    std::vector<ir::Buffer> buffers;

protected:
    void visit(const ir::Load *op) override {
        if (std::none_of(buffers.begin(), buffers.end(),
                         [&](const ir::Buffer &b) { return b.get() == op->buffer.get(); }))
            buffers.push_back(op->buffer);
        ir::Visitor::visit(op);
    }
};

std::vector<ir::Buffer> buffers_read(const ir::Expr &value) {
    LoadCollector collector;
    collector.visit(value);
    return collector.buffers;
}

ir::MemScope parse_rfactor_scope(const std::string &scope) {
    if (scope == "mram" || scope == "host_wram") return ir::MemScope::Global;
    if (scope == "wram") return ir::MemScope::WramShared;
    schedule_error(
        "rfactor: unknown scope '{}'; use \"mram\" (partials per DPU, summed on the host), \"host_wram\" "
        "(the same, each DPU's partials in a host-visible WRAM symbol) or \"wram\" (partials per tasklet, "
        "summed in the DPU)",
        scope);
}

void check_wram_scope(const char *primitive, const std::string &scope) {
    if (scope != "wram")
        schedule_error("{}: unknown cache scope '{}'; caches live in \"wram\"", primitive, scope);
}

bool buffer_name_taken(const ScheduleState &state, const te::PrimFunc &func, const std::string &name) {
    for (const auto &b : func.inputs)
        if (b->name == name) return true;
    for (const BlockState &block : state.blocks) {
        if (block.output && block.output->name == name) return true;
        if (block.cache_name == name) return true;
    }
    return false;
}

std::string unique_buffer_name(const ScheduleState &state, const te::PrimFunc &func,
                               const std::string &wanted) {
    std::string name = wanted;
    for (int i = 1; buffer_name_taken(state, func, name); ++i) name = fmt::format("{}_{}", wanted, i);
    return name;
}

BlockState &checked_compute(ScheduleState &state, const BlockRV &rv, const char *primitive) {
    BlockState &b = checked_block(state, rv, primitive);
    if (b.kind != BlockKind::Compute)
        schedule_error("{}: block {} is a cache block; apply {} to a compute block", primitive, b.name,
                       primitive);
    return b;
}

}  // namespace

BlockRV Schedule::rfactor(const LoopRV &loop, const std::string &scope) {
    LoopState &l = checked_leaf(state_, loop, "rfactor");
    ir::MemScope partial_scope = parse_rfactor_scope(scope);
    const int block_id = l.block, loop_id = l.id;
    {
        const BlockState &b = state_.blocks[block_id];
        if (!b.is_reduction)
            schedule_error("rfactor: block {} is not a reduction; rfactor applies to sums", b.name);
        if (!l.is_reduce)
            schedule_error(
                "rfactor: loop {} of block {} is not a reduction loop; rfactor a loop split from a reduction "
                "axis",
                l.name, b.name);
        if (l.kind != ir::ForKind::Serial)
            schedule_error("rfactor: loop {} is already {}; rfactor before bind/unroll", l.name,
                           binding_name(l.kind));
        if (b.rfactor_role != RfactorRole::None)
            schedule_error("rfactor: block {} already sums partials of {}; rfactor the producer {} instead",
                           b.name, state_.blocks[b.rfactor_producer].name,
                           state_.blocks[b.rfactor_producer].name);
        if (!b.read_caches.empty() || b.write_cache >= 0)
            schedule_error(
                "rfactor: block {} already has WRAM caches; call rfactor before cache_read/cache_write",
                b.name);
        if (b.decompose_loop >= 0)
            schedule_error("rfactor: block {} was decomposed; call rfactor before decompose_reduction",
                           b.name);
    }
    const BlockState original = state_.blocks[block_id];

    // The producer takes over the block's loops; the rfactored loop becomes one of its spatial axes.
    BlockState producer = original;
    producer.id = static_cast<int>(state_.blocks.size());
    producer.name = unique_block_name(state_, original.name + "_rf");
    std::vector<int64_t> partial_shape{state_.loops[loop_id].extent};
    partial_shape.insert(partial_shape.end(), original.output->shape.begin(), original.output->shape.end());
    producer.output = ir::make_buffer(unique_buffer_name(state_, func_, original.output->name + "_rf"),
                                      original.output->dtype, partial_shape, partial_scope);
    producer.output_indices.insert(producer.output_indices.begin(), state_.loops[loop_id].var);
    producer.rfactor_loop = loop_id;
    producer.partial_scope = partial_scope;
    producer.partials_in_host_wram = scope == "host_wram";
    for (LoopState &other : state_.loops)
        if (other.block == block_id) other.block = producer.id;
    state_.loops[loop_id].is_reduce = false;

    // The original block now sums the partials: out[s] = sum_r partial[r, s].
    BlockState consumer;
    consumer.id = block_id;
    consumer.name = original.name;
    consumer.kind = BlockKind::Compute;
    consumer.output = original.output;
    // After a second (wram) rfactor the consumer is the block that writes the host-WRAM partials.
    consumer.partials_in_host_wram = original.partials_in_host_wram;
    consumer.is_reduction = true;
    consumer.rfactor_role =
        partial_scope == ir::MemScope::Global ? RfactorRole::MramConsumer : RfactorRole::WramConsumer;
    consumer.rfactor_producer = producer.id;
    std::vector<ir::Expr> partial_index;
    int reduce = add_loop(state_, block_id, original.name + "_rf_k", state_.loops[loop_id].extent, true);
    partial_index.push_back(state_.loops[reduce].var);
    for (size_t d = 0; d < original.output->shape.size(); ++d) {
        int axis = add_loop(state_, block_id, fmt::format("{}_ax{}", original.name, d),
                            original.output->shape[d], false);
        consumer.roots.push_back(RootAxis{axis, false});
        consumer.leaves.push_back(axis);
        consumer.output_indices.push_back(state_.loops[axis].var);
        partial_index.push_back(state_.loops[axis].var);
    }
    consumer.roots.push_back(RootAxis{reduce, true});
    consumer.leaves.push_back(reduce);
    consumer.value = ir::Load::make(producer.output, partial_index);

    const int producer_id = producer.id;
    state_.blocks[block_id] = std::move(consumer);
    state_.blocks.push_back(std::move(producer));
    auto pos = std::find(state_.block_order.begin(), state_.block_order.end(), block_id);
    state_.block_order.insert(pos, producer_id);
    record(trace_, "rfactor", nlohmann::json::array({handle_name(loop)}), nlohmann::json{{"scope", scope}},
           {handle_name(BlockRV{producer_id})});
    return BlockRV{producer_id};
}

BlockRV Schedule::cache_read(const BlockRV &block, const std::string &buffer_name, const std::string &scope) {
    BlockState &b = checked_compute(state_, block, "cache_read");
    check_wram_scope("cache_read", scope);
    if (b.rfactor_role != RfactorRole::None)
        schedule_error(
            "cache_read: block {} sums rfactor partials; cache the reads of its producer {} instead", b.name,
            state_.blocks[b.rfactor_producer].name);
    ir::Buffer source;
    std::string reads;
    for (const ir::Buffer &buffer : buffers_read(b.value)) {
        reads += (reads.empty() ? "" : ", ") + buffer->name;
        if (buffer->name == buffer_name) source = buffer;
    }
    if (!source)
        schedule_error("cache_read: block {} reads no buffer named '{}'; it reads: {}", b.name, buffer_name,
                       reads);
    for (int id : b.read_caches)
        if (state_.blocks[id].source.get() == source.get())
            schedule_error(
                "cache_read: buffer {} of block {} is already cached in {}; cache each buffer once",
                buffer_name, b.name, state_.blocks[id].cache_name);
    BlockState cache;
    cache.id = static_cast<int>(state_.blocks.size());
    cache.kind = BlockKind::CacheRead;
    cache.cache_name = unique_buffer_name(state_, func_, buffer_name + "_local");
    cache.name = unique_block_name(state_, cache.cache_name);
    cache.consumer = b.id;
    cache.source = source;
    b.read_caches.push_back(cache.id);
    state_.blocks.push_back(std::move(cache));
    BlockRV rv{static_cast<int>(state_.blocks.size()) - 1};
    record(trace_, "cache_read", nlohmann::json::array({handle_name(block)}),
           nlohmann::json{{"buffer", buffer_name}, {"scope", scope}}, {handle_name(rv)});
    return rv;
}

BlockRV Schedule::cache_write(const BlockRV &block, const std::string &scope) {
    BlockState &b = checked_compute(state_, block, "cache_write");
    check_wram_scope("cache_write", scope);
    if (b.rfactor_role != RfactorRole::None)
        schedule_error(
            "cache_write: block {} sums rfactor partials; cache the writes of its producer {} instead",
            b.name, state_.blocks[b.rfactor_producer].name);
    if (b.output->scope != ir::MemScope::Global)
        schedule_error("cache_write: block {} already writes WRAM ({}); only host/MRAM outputs can be cached",
                       b.name, b.output->name);
    if (b.write_cache >= 0)
        schedule_error("cache_write: block {} already has the write cache {}", b.name,
                       state_.blocks[b.write_cache].cache_name);
    BlockState cache;
    cache.id = static_cast<int>(state_.blocks.size());
    cache.kind = BlockKind::CacheWrite;
    cache.cache_name = unique_buffer_name(state_, func_, b.output->name + "_local");
    cache.name = unique_block_name(state_, cache.cache_name);
    cache.consumer = b.id;
    cache.source = b.output;
    b.write_cache = cache.id;
    state_.blocks.push_back(std::move(cache));
    BlockRV rv{static_cast<int>(state_.blocks.size()) - 1};
    record(trace_, "cache_write", nlohmann::json::array({handle_name(block)}),
           nlohmann::json{{"scope", scope}}, {handle_name(rv)});
    return rv;
}

void Schedule::compute_at(const BlockRV &block, const LoopRV &loop) {
    BlockState &b = checked_block(state_, block, "compute_at");
    const LoopState &l = checked_leaf(state_, loop, "compute_at");
    if (b.kind != BlockKind::CacheRead)
        schedule_error(
            "compute_at: block {} is not a cache_read block; compute_at places WRAM read caches "
            "(use reverse_compute_at for write caches and wram rfactor consumers)",
            b.name);
    if (l.block != b.consumer)
        schedule_error(
            "compute_at: loop {} belongs to block {}, but cache {} serves block {}; use a loop of {}", l.name,
            state_.blocks[l.block].name, b.name, state_.blocks[b.consumer].name,
            state_.blocks[b.consumer].name);
    const int old_loop = b.attach_loop;
    b.attach_loop = l.id;
    b.reverse_attached = false;
    try {
        verify_attachment(state_, block.id);
    } catch (const ScheduleError &) {
        state_.blocks[block.id].attach_loop = old_loop;
        throw;
    }
    record(trace_, "compute_at", nlohmann::json::array({handle_name(block), handle_name(loop)}),
           nlohmann::json::object(), {});
}

void Schedule::reverse_compute_at(const BlockRV &block, const LoopRV &loop) {
    BlockState &b = checked_block(state_, block, "reverse_compute_at");
    const LoopState &l = checked_leaf(state_, loop, "reverse_compute_at");
    int host = -1;
    if (b.kind == BlockKind::CacheWrite) host = b.consumer;
    if (b.kind == BlockKind::Compute && b.rfactor_role == RfactorRole::WramConsumer)
        host = b.rfactor_producer;
    if (b.kind == BlockKind::Compute && b.rfactor_role == RfactorRole::MramConsumer)
        schedule_error(
            "reverse_compute_at: block {} sums DPU partials on the host; it cannot be placed inside a DPU "
            "loop",
            b.name);
    if (host < 0)
        schedule_error(
            "reverse_compute_at: block {} is neither a cache_write block nor a wram rfactor consumer; "
            "reverse_compute_at places those",
            b.name);
    if (l.block != host)
        schedule_error(
            "reverse_compute_at: loop {} belongs to block {}, but {} follows block {}; use a loop of {}",
            l.name, state_.blocks[l.block].name, b.name, state_.blocks[host].name, state_.blocks[host].name);
    const int old_loop = b.attach_loop;
    const bool old_reverse = b.reverse_attached;
    b.attach_loop = l.id;
    b.reverse_attached = true;
    try {
        verify_attachment(state_, block.id);
    } catch (const ScheduleError &) {
        state_.blocks[block.id].attach_loop = old_loop;
        state_.blocks[block.id].reverse_attached = old_reverse;
        throw;
    }
    record(trace_, "reverse_compute_at", nlohmann::json::array({handle_name(block), handle_name(loop)}),
           nlohmann::json::object(), {});
}

void Schedule::decompose_reduction(const BlockRV &block, const LoopRV &loop) {
    BlockState &b = checked_compute(state_, block, "decompose_reduction");
    const LoopState &l = checked_leaf(state_, loop, "decompose_reduction");
    if (!b.is_reduction)
        schedule_error("decompose_reduction: block {} is not a reduction; it has no init", b.name);
    if (l.block != b.id)
        schedule_error("decompose_reduction: loop {} belongs to block {}, not {}; use a loop of {}", l.name,
                       state_.blocks[l.block].name, b.name, b.name);
    const int old = b.decompose_loop;
    b.decompose_loop = l.id;
    try {
        verify_decomposition(state_, block.id);
    } catch (const ScheduleError &) {
        state_.blocks[block.id].decompose_loop = old;
        throw;
    }
    record(trace_, "decompose_reduction", nlohmann::json::array({handle_name(block), handle_name(loop)}),
           nlohmann::json::object(), {});
}

}  // namespace atim::schedule
