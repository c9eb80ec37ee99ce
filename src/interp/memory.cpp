// Buffer storage of the reference interpreter and its deterministic random inputs.
#include "atim/interp/interpreter.h"
#include "atim/support/error.h"
#include "interp/integer_ops.h"

namespace atim::interp {

std::vector<int64_t> &Memory::values(const ir::Buffer &b) {
    ATIM_CHECK(b != nullptr, "memory access to an undefined buffer");
    auto it = buffers_.find(b.get());
    if (it == buffers_.end()) {
        it = buffers_
                 .emplace(b.get(), Entry{b, std::vector<int64_t>(static_cast<size_t>(b->num_elements()), 0)})
                 .first;
    }
    return it->second.values;
}

const std::vector<int64_t> &Memory::values(const ir::Buffer &b) const {
    auto it = buffers_.find(b.get());
    ATIM_CHECK(it != buffers_.end(), "buffer {} is not in memory", b->name);
    return it->second.values;
}

bool Memory::contains(const ir::Buffer &b) const { return buffers_.count(b.get()) != 0; }

void Memory::set_values(const ir::Buffer &b, std::vector<int64_t> values) {
    ATIM_CHECK(b != nullptr, "memory access to an undefined buffer");
    ATIM_CHECK(static_cast<int64_t>(values.size()) == b->num_elements(),
               "{} values for buffer {} of {} elements", values.size(), b->name, b->num_elements());
    for (int64_t &v : values) v = detail::wrap(b->dtype, v);
    buffers_[b.get()] = Entry{b, std::move(values)};
}

namespace {

// floor(x * bound / 2^64) without 128-bit arithmetic: exact because the dropped low part is below 2^32.
int64_t scale_to(uint64_t x, uint64_t bound) {
    uint64_t high = x >> 32, low = x & 0xffffffffULL;
    return static_cast<int64_t>((high * bound + ((low * bound) >> 32)) >> 32);
}

}  // namespace

Memory random_inputs(const std::vector<ir::Buffer> &buffers, uint64_t seed) {
    constexpr uint64_t kValueBound = 50;  // DESIGN.md §4: inputs uniform in [0, 50), as ATiM/PrIM/uPIMulator
    Memory memory;
    uint64_t state = seed;
    for (const ir::Buffer &b : buffers) {
        std::vector<int64_t> &values = memory.values(b);
        for (int64_t &v : values) v = scale_to(splitmix64(state), kValueBound);
    }
    return memory;
}

}  // namespace atim::interp
