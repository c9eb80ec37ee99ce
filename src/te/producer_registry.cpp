// A process-wide, thread-safe map from output buffer to the compute that writes it.
#include "te/producer_registry.h"

#include <mutex>
#include <unordered_map>

namespace atim::te {
namespace {

struct Registry {
    std::mutex mutex;
    std::unordered_map<const ir::BufferNode *, std::weak_ptr<const ComputeOp>> producers;
    size_t inserts_since_prune = 0;
};

Registry &registry() {
    static Registry instance;
    return instance;
}

// Drops entries whose op died, so a long-running tuner that builds many workloads does not grow the map.
void prune_dead_entries(Registry &r) {
    std::erase_if(r.producers, [](const auto &entry) { return entry.second.expired(); });
    r.inserts_since_prune = 0;
}

}  // namespace

void register_producer(const std::shared_ptr<const ComputeOp> &op) {
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    if (++r.inserts_since_prune >= 1024) prune_dead_entries(r);
    r.producers[op->output.get()] = op;
}

std::shared_ptr<const ComputeOp> find_producer(const ir::Buffer &buffer) {
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    auto it = r.producers.find(buffer.get());
    if (it == r.producers.end()) return nullptr;
    std::shared_ptr<const ComputeOp> op = it->second.lock();
    // A dead op's buffer address may have been reused by a new buffer: check identity.
    if (!op || op->output.get() != buffer.get()) return nullptr;
    return op;
}

}  // namespace atim::te
