// Expression temporaries: first-fit register choice, spilling the oldest unpinned temporary when none is
// free.
#include "codegen/dpu/temp_registers.h"

#include "atim/support/error.h"

namespace atim::codegen::dpu {

int64_t Frame::allocate(int bytes) {
    for (size_t i = 0; i < free_.size(); ++i) {
        if (free_[i].second == bytes) {
            int64_t offset = free_[i].first;
            free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(i));
            return offset;
        }
    }
    size_ = (size_ + bytes - 1) / bytes * bytes;
    int64_t offset = size_;
    size_ += bytes;
    return offset;
}

void Frame::release(int64_t offset, int bytes) { free_.push_back({offset, bytes}); }

void TempRegisters::set_reserved(uint32_t mask) {
    ATIM_CHECK((mask & busy_) == 0, "a variable register is bound while a temporary holds it");
    reserved_ = mask;
}

int TempRegisters::free_register(bool pair) const {
    for (int reg = kFirst; reg + (pair ? 1 : 0) <= kLast; reg += pair ? 2 : 1) {
        if (((busy_ | reserved_) & mask_of(reg, pair)) == 0) return reg;
    }
    return -1;
}

int TempRegisters::take_register(bool pair) {
    int reg = free_register(pair);
    while (reg < 0) {
        spill_one();
        reg = free_register(pair);
    }
    busy_ |= mask_of(reg, pair);
    return reg;
}

// The oldest live temporary is the one used last (expressions consume their operands in order).
void TempRegisters::spill_one() {
    for (size_t id = 0; id < temps_.size(); ++id) {
        Temp &t = temps_[id];
        if (!t.live || t.pinned || t.reg < 0) continue;
        t.slot = frame_.allocate(t.pair ? 8 : 4);
        if (t.pair) {
            out_.ins("sd r22, {}, {}", t.slot, pair_name(t.reg));
        } else {
            out_.ins("sw r22, {}, {}", t.slot, register_name(t.reg));
        }
        busy_ &= ~mask_of(t.reg, t.pair);
        t.reg = -1;
        return;
    }
    ATIM_CHECK(false, "expression needs more registers than the DPU has (all temporaries are in use)");
}

int TempRegisters::allocate(bool pair) {
    Temp t;
    t.pair = pair;
    t.reg = take_register(pair);
    t.pinned = true;
    t.live = true;
    temps_.push_back(t);
    return static_cast<int>(temps_.size()) - 1;
}

int TempRegisters::reg(int temp) {
    Temp &t = temps_.at(temp);
    ATIM_CHECK(t.live, "temporary {} used after it died", temp);
    t.pinned = true;
    if (t.reg < 0) {
        int reg = take_register(t.pair);
        Temp &reloaded = temps_[temp];  // take_register never adds temporaries, the reference stays valid
        reloaded.reg = reg;
        if (reloaded.pair) {
            out_.ins("ld {}, r22, {}", pair_name(reg), reloaded.slot);
        } else {
            out_.ins("lw {}, r22, {}", register_name(reg), reloaded.slot);
        }
        frame_.release(reloaded.slot, reloaded.pair ? 8 : 4);
        reloaded.slot = -1;
    }
    return t.reg;
}

void TempRegisters::unpin(int temp) { temps_.at(temp).pinned = false; }

void TempRegisters::release(int temp) {
    Temp &t = temps_.at(temp);
    ATIM_CHECK(t.live, "temporary {} released twice", temp);
    if (t.reg >= 0) busy_ &= ~mask_of(t.reg, t.pair);
    if (t.slot >= 0) frame_.release(t.slot, t.pair ? 8 : 4);
    t = Temp{};
}

bool TempRegisters::none_live() const {
    for (const Temp &t : temps_)
        if (t.live) return false;
    return true;
}

}  // namespace atim::codegen::dpu
