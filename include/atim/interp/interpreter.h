// The reference interpreter: executes any IR statement over buffers held in a Memory. It defines what a
// program means, so every generated program is verified against it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "atim/ir/buffer.h"
#include "atim/ir/stmt.h"

namespace atim::interp {

/// Storage for buffers, keyed by buffer identity. Values are int64 and always wrapped to the buffer's type
/// (an int32 buffer holds values in [-2^31, 2^31) that wrap like C's two's complement).
class Memory {
public:
    /// The elements of b in row-major order, created zero-filled on first use.
    std::vector<int64_t> &values(const ir::Buffer &b);
    /// The elements of b; b must be present.
    const std::vector<int64_t> &values(const ir::Buffer &b) const;
    bool contains(const ir::Buffer &b) const;
    /// Replaces b's contents (exactly b->num_elements() values, each wrapped to b's type).
    void set_values(const ir::Buffer &b, std::vector<int64_t> values);

    /// The value a Call of `name` without arguments returns (e.g. "tasklet_id", 0 unless set).
    void set_intrinsic(const std::string &name, int64_t value) { intrinsics_[name] = value; }
    const std::unordered_map<std::string, int64_t> &intrinsics() const { return intrinsics_; }

private:
    struct Entry {
        ir::Buffer buffer;  // keeps the key's node alive
        std::vector<int64_t> values;
    };
    std::unordered_map<const ir::BufferNode *, Entry> buffers_;
    std::unordered_map<std::string, int64_t> intrinsics_{{"tasklet_id", 0}};
};

/// Values of variables the statement uses without binding them (e.g. DPU-grid variables).
using VarValues = std::unordered_map<const ir::VarNode *, int64_t>;

/// Executes s over `memory`. Loops of every kind run sequentially in order; a Tasklet loop whose body
/// contains a Barrier runs its iterations as concurrent tasklets that meet at each barrier (a tasklet that
/// finishes leaves the barrier, so nothing deadlocks). Allocate gives fresh zero-filled storage per
/// execution (per tasklet inside a Tasklet loop). Integer arithmetic wraps to its type after every
/// operation, Div/Mod are floor division/modulo. Buffers read or written but absent from `memory` are
/// created zero-filled. A load or store out of its buffer, a division by zero, an unbound variable or an
/// unknown intrinsic throws InternalError; a DMA reads zeros past the end of its source and drops bytes
/// past the end of its destination (MRAM allocations are padded; the padding is not modelled).
/// The statement is compiled once into closures (variables in slots, buffers resolved to pointers).
void run(const ir::Stmt &s, Memory &memory, const VarValues &free_vars = {});

/// Memory holding `buffers` filled with uniform integers in [0, 50) (DESIGN.md §4): one splitmix64 stream
/// seeded with `seed`, buffers filled in the given order, element i of a buffer from the next 64-bit output
/// x as floor(x * 50 / 2^64). Reproducible on every platform.
Memory random_inputs(const std::vector<ir::Buffer> &buffers, uint64_t seed);

/// The next output of the splitmix64 generator with state `state` (advanced in place). splitmix64 (Steele,
/// Lea, Flood: "Fast splittable pseudorandom number generators", OOPSLA 2014) is the generator Java's
/// SplittableRandom uses; specified bit for bit, unlike std:: distributions. Inline: drawing a 2^26-element
/// input is on the path of every `atim run`.
inline uint64_t splitmix64(uint64_t &state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace atim::interp
