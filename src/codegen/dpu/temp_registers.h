// Expression temporaries of the DPU code generator: registers r8..r21 not held by variables in scope, spilled
// to the tasklet's stack frame when they run out, and the frame itself.
#pragma once

#include <cstdint>
#include <vector>

#include "codegen/dpu/asm_writer.h"

namespace atim::codegen::dpu {

/// The stack frame of one tasklet (addressed from r22). Fixed slots first, then variables and spills.
class Frame {
public:
    explicit Frame(int64_t first_free) : size_(first_free) {}
    /// A slot of `bytes` (4 or 8) aligned to its size.
    int64_t allocate(int bytes);
    /// Gives a spill slot back for reuse.
    void release(int64_t offset, int bytes);
    int64_t size() const { return size_; }

private:
    int64_t size_;
    std::vector<std::pair<int64_t, int>> free_;
};

class TempRegisters {
public:
    static constexpr int kFirst = 8;
    static constexpr int kLast = 21;

    TempRegisters(AsmWriter &out, Frame &frame) : out_(out), frame_(frame) {}

    /// Registers held by variables in scope: temporaries never use them.
    void set_reserved(uint32_t mask);
    uint32_t reserved() const { return reserved_; }

    /// A new temporary in a register (one register, or an even/odd pair), pinned until unpin().
    int allocate(bool pair);
    /// The temporary's register, reloading it when it was spilled; pins it.
    int reg(int temp);
    void unpin(int temp);
    /// The temporary is dead: its register (or slot) is free.
    void release(int temp);
    bool is_pair(int temp) const { return temps_[temp].pair; }
    /// True when no temporary is live (between statements).
    bool none_live() const;

private:
    struct Temp {
        bool pair = false;
        int reg = -1;
        int64_t slot = -1;
        bool pinned = false;
        bool live = false;
    };
    int free_register(bool pair) const;
    int take_register(bool pair);
    void spill_one();
    uint32_t mask_of(int reg, bool pair) const { return (pair ? 3u : 1u) << reg; }

    AsmWriter &out_;
    Frame &frame_;
    std::vector<Temp> temps_;
    uint32_t busy_ = 0;
    uint32_t reserved_ = 0;
};

}  // namespace atim::codegen::dpu
