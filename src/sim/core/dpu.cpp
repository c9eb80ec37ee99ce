// The DPU core model. Instructions take effect when they issue (as in uPIMulator); time comes from the
// revolver (a tasklet issues at most every `revolver_cycles`, one issue per cycle, round robin), the
// register-file bank stall, the DMA engine, and the pipeline depth, which delays only a woken tasklet.
// Idle stretches are skipped in one step, never ticked.
#include "atim/sim/dpu.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "atim/support/error.h"

namespace atim::sim {
namespace {

constexpr int kMaxTasklets = 24;
constexpr uint32_t kMramPageBytes = 64 * 1024;  // MRAM is allocated lazily in pages of this size
constexpr uint32_t kEvenRegisters = 0x555555;   // r0, r2, .., r22
constexpr uint32_t kOddRegisters = 0xaaaaaa;    // r1, r3, .., r23
// run_functional: the most instructions a tasklet executes before the next one takes its turn. Long enough
// to amortise the switch, short enough that a tasklet polling memory (no synchronising instruction) lets the
// others progress.
constexpr int kFunctionalBurst = 1024;

/// Instructions after which run_functional hands over to the next tasklet: they synchronise tasklets (a
/// failed acquire or resume is retried by jumping back to it, so the holder must get its turn) or put the
/// tasklet to sleep.
bool ends_functional_burst(Opcode op) {
    return op == Opcode::Acquire || op == Opcode::Release || op == Opcode::Stop || op == Opcode::Boot ||
           op == Opcode::Resume;
}

struct Tasklet {
    std::array<uint32_t, reg::kFileSize> r{};
    uint32_t pc = 0;
    bool zero_flag = false;
    bool carry_flag = false;
    bool sleeping = true;   ///< stopped or never booted: `boot`/`resume` can wake it
    int64_t ready_at = 0;   ///< earliest cycle of its next issue
    int64_t dma_until = 0;  ///< its DMA completes at this cycle
    uint32_t last_write_mask = 0;
    int64_t instructions = 0;
};

/// What a computing instruction produced, for its condition and flags.
struct Outcome {
    uint32_t result;
    uint32_t source;  ///< first operand, for the source conditions (sz, spl, ...)
    bool carry;
    bool overflow;
};

// Bit count without relying on a popcnt instruction (the build targets baseline x86-64, where
// std::popcount becomes a library call in the hot loop).
[[gnu::always_inline]] inline int bit_count(uint32_t x) {
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0fu;
    return static_cast<int>((x * 0x01010101u) >> 24);
}

[[gnu::always_inline]] inline bool condition_holds(Condition cond, const Outcome &o, bool previous_zero) {
    bool zero = o.result == 0;
    bool negative = static_cast<int32_t>(o.result) < 0;
    switch (cond) {
        case Condition::None:
            return false;
        case Condition::True:
            return true;
        case Condition::False:
            return false;
        case Condition::Z:
            return zero;
        case Condition::Nz:
            return !zero;
        case Condition::Xz:
            return zero && previous_zero;
        case Condition::Xnz:
            return !(zero && previous_zero);
        case Condition::Pl:
            return !negative;
        case Condition::Mi:
            return negative;
        case Condition::Sz:
            return o.source == 0;
        case Condition::Snz:
            return o.source != 0;
        case Condition::Spl:
            return static_cast<int32_t>(o.source) >= 0;
        case Condition::Smi:
            return static_cast<int32_t>(o.source) < 0;
        case Condition::Even:
            return (o.result & 1) == 0;
        case Condition::Odd:
            return (o.result & 1) != 0;
        case Condition::C:
            return o.carry;
        case Condition::Nc:
            return !o.carry;
        case Condition::Ov:
            return o.overflow;
        case Condition::Nov:
            return !o.overflow;
        // Subtraction a - b sets carry when there is no borrow (a >= b unsigned), as ARM does.
        case Condition::Ltu:
            return !o.carry;
        case Condition::Geu:
            return o.carry;
        case Condition::Leu:
            return !o.carry || zero;
        case Condition::Gtu:
            return o.carry && !zero;
        case Condition::Lts:
            return negative != o.overflow;
        case Condition::Ges:
            return negative == o.overflow;
        case Condition::Les:
            return zero || negative != o.overflow;
        case Condition::Gts:
            return !zero && negative == o.overflow;
        case Condition::Small:
            return o.carry;  // Mul8 puts "both operands fit in 8 bits" in carry
        case Condition::Large:
            return !o.carry;
        case Condition::Max:
            return o.result == 32;
        case Condition::Nmax:
            return o.result != 32;
    }
    return false;
}

[[gnu::always_inline]] inline Outcome add_outcome(uint32_t a, uint32_t b, uint32_t carry_in) {
    uint64_t wide = uint64_t{a} + b + carry_in;
    uint32_t result = static_cast<uint32_t>(wide);
    bool overflow = ((~(a ^ b)) & (a ^ result)) >> 31;
    return {result, a, (wide >> 32) != 0, overflow};
}

// a - b - borrow computed as a + ~b + carry: carry out means "no borrow".
[[gnu::always_inline]] inline Outcome sub_outcome(uint32_t a, uint32_t b, uint32_t carry_in) {
    Outcome o = add_outcome(a, ~b, carry_in);
    o.overflow = (((a ^ b) & (a ^ o.result)) >> 31) != 0;
    return o;
}

uint32_t shift_left(uint32_t a, uint32_t amount) { return amount >= 32 ? 0 : a << amount; }
uint32_t shift_right(uint32_t a, uint32_t amount) { return amount >= 32 ? 0 : a >> amount; }

int64_t dma_latency(double alpha, double beta, uint32_t bytes) {
    return static_cast<int64_t>(std::ceil(alpha + beta * bytes));
}

}  // namespace

struct Dpu::State {
    std::shared_ptr<const Program> program;
    const Instruction *code = nullptr;
    uint32_t code_size = 0;
    target::DpuTiming timing;
    int64_t wram_bytes = 0;
    int64_t mram_bytes = 0;
    int tasklet_count = 0;
    DpuOptions options;

    std::vector<uint8_t> wram;
    std::vector<std::unique_ptr<uint8_t[]>> mram_pages;
    std::array<Tasklet, kMaxTasklets> tasklets;
    std::array<uint64_t, 4> atomic_bits{};

    int64_t cycle = 0;
    int64_t dma_engine_free = 0;
    uint32_t active_mask = 0;  ///< tasklets that will issue again (runnable or waiting for DMA)
    DpuStats stats;

    // --- faults ---
    std::string fault_message(int tasklet, const std::string &what) const {
        uint32_t pc = tasklets[tasklet].pc;
        return fmt::format("DPU fault: tasklet {} at pc {} ({}): {}", tasklet, pc, program->where(pc), what);
    }
    [[noreturn]] void fault(int tasklet, const std::string &what) const {
        throw SimError(fault_message(tasklet, what));
    }
    [[noreturn]] void cycle_limit_reached(int tasklet, int64_t limit) const {
        throw CycleLimitExceeded(
            fault_message(tasklet, fmt::format("the DPU did not stop within {} cycles", limit)));
    }

    // The fault paths of the per-instruction code are out of line: formatting a message inline would give
    // every instruction's execution a large stack frame to set up.
    [[noreturn, gnu::cold, gnu::noinline]] void wram_fault(int tasklet, uint32_t address, uint32_t bytes,
                                                           const char *access) const {
        if (uint64_t{address} + bytes > static_cast<uint64_t>(wram_bytes))
            fault(tasklet, fmt::format("WRAM {} of {} B at address 0x{:x} is out of bounds (WRAM is {} B)",
                                       access, bytes, address, wram_bytes));
        fault(tasklet,
              fmt::format("WRAM {} of {} B at address 0x{:x} is misaligned", access, bytes, address));
    }
    [[noreturn, gnu::cold, gnu::noinline]] void jump_fault(int tasklet, uint32_t destination) const {
        fault(tasklet, fmt::format("jump outside IRAM: target {} but the program has {} instructions",
                                   destination, code_size));
    }
    [[noreturn, gnu::cold, gnu::noinline]] void pc_fault(int tasklet) const {
        fault(tasklet,
              fmt::format("pc {} is outside IRAM ({} instructions)", tasklets[tasklet].pc, code_size));
    }
    [[noreturn, gnu::cold, gnu::noinline]] void fault_instruction(int tasklet, int32_t code) const {
        const char *meaning = code == 1   ? " (mem_alloc: WRAM heap exhausted)"
                              : code == 2 ? " (division by zero)"
                                          : "";
        fault(tasklet, fmt::format("fault instruction, code {}{}", code, meaning));
    }
    [[noreturn, gnu::cold, gnu::noinline]] static void unhandled_opcode(Opcode op) {
        ATIM_CHECK(false, "unhandled opcode {}", static_cast<int>(op));
        std::abort();
    }

    // --- memory ---
    uint32_t wram_address(int tasklet, uint32_t address, uint32_t bytes, const char *access) const {
        if (uint64_t{address} + bytes > static_cast<uint64_t>(wram_bytes) || address % bytes != 0)
            wram_fault(tasklet, address, bytes, access);
        return address;
    }

    template <typename T>
    T load(int tasklet, uint32_t address) const {
        T value;
        std::memcpy(&value, &wram[wram_address(tasklet, address, sizeof(T), "load")], sizeof(T));
        return value;
    }

    template <typename T>
    void store(int tasklet, uint32_t address, T value) {
        std::memcpy(&wram[wram_address(tasklet, address, sizeof(T), "store")], &value, sizeof(T));
    }

    uint8_t *mram_page(uint64_t page) {
        auto &slot = mram_pages[page];
        if (!slot) {
            slot = std::make_unique<uint8_t[]>(kMramPageBytes);
            std::memset(slot.get(), 0, kMramPageBytes);
        }
        return slot.get();
    }

    void mram_copy_in(uint64_t offset, const uint8_t *from, uint64_t bytes) {
        while (bytes > 0) {
            uint64_t page = offset / kMramPageBytes, within = offset % kMramPageBytes;
            uint64_t chunk = std::min<uint64_t>(bytes, kMramPageBytes - within);
            std::memcpy(mram_page(page) + within, from, chunk);
            offset += chunk;
            from += chunk;
            bytes -= chunk;
        }
    }

    void mram_copy_out(uint64_t offset, uint8_t *to, uint64_t bytes) const {
        while (bytes > 0) {
            uint64_t page = offset / kMramPageBytes, within = offset % kMramPageBytes;
            uint64_t chunk = std::min<uint64_t>(bytes, kMramPageBytes - within);
            if (mram_pages[page]) {
                std::memcpy(to, mram_pages[page].get() + within, chunk);
            } else {
                std::memset(to, 0, chunk);
            }
            offset += chunk;
            to += chunk;
            bytes -= chunk;
        }
    }

    // --- launch ---
    void reset_tasklets() {
        active_mask = 0;
        for (int i = 0; i < tasklet_count; ++i) {
            Tasklet &t = tasklets[i];
            t = Tasklet{};
            t.r[reg::kOne] = 1;
            t.r[reg::kLneg] = 0xffffffffu;
            t.r[reg::kMneg] = 0x80000000u;
            t.r[reg::kId] = static_cast<uint32_t>(i);
            t.r[reg::kId2] = static_cast<uint32_t>(2 * i);
            t.r[reg::kId4] = static_cast<uint32_t>(4 * i);
            t.r[reg::kId8] = static_cast<uint32_t>(8 * i);
            t.pc = program->entry_pc;
            bool starts = !program->has_bootstrap || i == 0;
            t.sleeping = !starts;
            if (starts) active_mask |= 1u << i;
        }
        atomic_bits = {};
        cycle = 0;
        dma_engine_free = 0;
        stats = DpuStats{};
        stats.tasklet_instructions.assign(tasklet_count, 0);
        if (const Symbol *count = program->find_symbol("__sys_nr_tasklets"))
            std::memcpy(&wram[count->address], &tasklet_count, 4);
    }

    DpuStats run();
    DpuStats run_functional();
    void check_everyone_finished() const;
    void finish_stats();
    [[gnu::always_inline]] void execute(int id, Tasklet &t, const Instruction &ins);
    [[gnu::always_inline]] void finish_compute(Tasklet &t, const Instruction &ins, const Outcome &o,
                                               bool sets_carry);
    [[gnu::noinline]] void transfer(int id, Tasklet &t, const Instruction &ins);
    bool wake(int target_id, bool restart);
};

inline void Dpu::State::finish_compute(Tasklet &t, const Instruction &ins, const Outcome &o,
                                       bool sets_carry) {
    bool taken = ins.cond != Condition::None && condition_holds(ins.cond, o, t.zero_flag);
    uint32_t *r = t.r.data();
    switch (ins.write) {
        case WriteMode::Single:
            r[ins.rc] = o.result;
            break;
        case WriteMode::SetCondition:
            r[ins.rc] = taken ? 1 : 0;
            break;
        case WriteMode::PairSigned:
            r[ins.rc] = static_cast<uint32_t>(static_cast<int32_t>(o.result) >> 31);
            r[ins.rc + 1] = o.result;
            break;
        case WriteMode::PairUnsigned:
            r[ins.rc] = 0;
            r[ins.rc + 1] = o.result;
            break;
    }
    t.zero_flag = o.result == 0;
    if (sets_carry) t.carry_flag = o.carry;
    t.pc = (taken && ins.target != kNoTarget) ? static_cast<uint32_t>(ins.target) : t.pc + 1;
}

// A booted tasklet restarts at the entry; a resumed one continues after its `stop`. Either becomes issuable
// only when the waking instruction has left the pipeline.
bool Dpu::State::wake(int target_id, bool restart) {
    if (target_id < 0 || target_id >= tasklet_count) return false;
    Tasklet &target = tasklets[target_id];
    if (!target.sleeping) return false;
    target.sleeping = false;
    if (restart) target.pc = program->entry_pc;
    target.ready_at = std::max(target.ready_at, cycle + timing.pipeline_stages);
    active_mask |= 1u << target_id;
    return true;
}

void Dpu::State::transfer(int id, Tasklet &t, const Instruction &ins) {
    uint32_t wram_register = t.r[ins.ra];
    uint32_t mram_register = t.r[ins.rb];
    uint32_t bytes = (1 + ((static_cast<uint32_t>(ins.imm) + (wram_register >> 24)) & 0xff)) * 8;
    uint32_t wram_address = wram_register & 0xffffff;
    uint64_t mram_offset = mram_register >= kMramBase ? mram_register - kMramBase : mram_register;
    bool read = ins.op == Opcode::Ldma;
    const char *name = read ? "ldma" : "sdma";
    if (wram_address % 8 != 0 || mram_register % 8 != 0)
        fault(id, fmt::format(
                      "misaligned DMA: {} of {} B between WRAM 0x{:x} and MRAM 0x{:x}; both addresses must "
                      "be multiples of 8",
                      name, bytes, wram_address, mram_register));
    if (uint64_t{wram_address} + bytes > static_cast<uint64_t>(wram_bytes))
        fault(id, fmt::format("{} of {} B at WRAM 0x{:x} runs past the {} B of WRAM", name, bytes,
                              wram_address, wram_bytes));
    if (mram_offset + bytes > static_cast<uint64_t>(mram_bytes))
        fault(id, fmt::format("{} of {} B at MRAM 0x{:x} runs past the {} B of MRAM", name, bytes,
                              mram_register, mram_bytes));
    if (read) {
        mram_copy_out(mram_offset, &wram[wram_address], bytes);
        stats.dma_read_bytes += bytes;
    } else {
        mram_copy_in(mram_offset, &wram[wram_address], bytes);
        stats.dma_write_bytes += bytes;
    }
    stats.dma_transfers += 1;
    // One engine per DPU serves requests in FIFO order [upmem-hardware.md §3.2]. PrIM's alpha was measured
    // from the program's side, so it also covers the request's trip down the pipeline (pipeline_stages) and
    // the tasklet's way back into the revolver (revolver_cycles): the engine itself is busy for the rest, and
    // other tasklets' requests travel while it works. A transfer alone still takes alpha + beta * bytes.
    double alpha = read ? timing.dma_read_alpha : timing.dma_write_alpha;
    int64_t latency = dma_latency(alpha, timing.dma_beta, bytes);
    int64_t done = 0;
    if (options.dma_model == DmaModel::Serialized) {
        const int64_t there = timing.pipeline_stages, back = timing.revolver_cycles;
        const int64_t engine_busy = std::max(dma_latency(0, timing.dma_beta, bytes), latency - there - back);
        int64_t start = std::max(cycle + latency - engine_busy - back, dma_engine_free);
        dma_engine_free = start + engine_busy;
        done = dma_engine_free + back;
    } else {
        int64_t start = std::max(cycle, dma_engine_free);
        done = start + latency;
        dma_engine_free = start + dma_latency(0, timing.dma_beta, bytes);
    }
    t.dma_until = done;
    t.ready_at = std::max(t.ready_at, done);
    t.pc += 1;
}

inline void Dpu::State::execute(int id, Tasklet &t, const Instruction &ins) {
    uint32_t *r = t.r.data();
    const uint32_t a = ins.ra == reg::kNone ? static_cast<uint32_t>(ins.imm) : r[ins.ra];
    const uint32_t b = ins.rb == reg::kNone ? static_cast<uint32_t>(ins.imm) : r[ins.rb];
    switch (ins.op) {
        case Opcode::Add:
            finish_compute(t, ins, add_outcome(a, b, 0), true);
            return;
        case Opcode::Addc:
            finish_compute(t, ins, add_outcome(a, b, t.carry_flag), true);
            return;
        case Opcode::Sub:
            finish_compute(t, ins, sub_outcome(a, b, 1), true);
            return;
        case Opcode::Subc:
            finish_compute(t, ins, sub_outcome(a, b, t.carry_flag), true);
            return;
        case Opcode::Rsub:
            finish_compute(t, ins, sub_outcome(b, a, 1), true);
            return;
        case Opcode::Rsubc:
            finish_compute(t, ins, sub_outcome(b, a, t.carry_flag), true);
            return;
        case Opcode::And:
            finish_compute(t, ins, {a & b, a, false, false}, false);
            return;
        case Opcode::Or:
            finish_compute(t, ins, {a | b, a, false, false}, false);
            return;
        case Opcode::Xor:
            finish_compute(t, ins, {a ^ b, a, false, false}, false);
            return;
        case Opcode::Andn:
            finish_compute(t, ins, {~a & b, a, false, false}, false);
            return;
        case Opcode::Orn:
            finish_compute(t, ins, {~a | b, a, false, false}, false);
            return;
        case Opcode::Nand:
            finish_compute(t, ins, {~(a & b), a, false, false}, false);
            return;
        case Opcode::Nor:
            finish_compute(t, ins, {~(a | b), a, false, false}, false);
            return;
        case Opcode::Nxor:
            finish_compute(t, ins, {~(a ^ b), a, false, false}, false);
            return;
        case Opcode::Lsl:
            finish_compute(t, ins, {shift_left(a, b & 63), a, false, false}, false);
            return;
        case Opcode::Lsr:
            finish_compute(t, ins, {shift_right(a, b & 63), a, false, false}, false);
            return;
        case Opcode::Asr: {
            uint32_t amount = std::min<uint32_t>(b & 63, 31);
            finish_compute(
                t, ins, {static_cast<uint32_t>(static_cast<int32_t>(a) >> amount), a, false, false}, false);
            return;
        }
        case Opcode::Rol:
            finish_compute(t, ins, {std::rotl(a, static_cast<int>(b & 31)), a, false, false}, false);
            return;
        case Opcode::Ror:
            finish_compute(t, ins, {std::rotr(a, static_cast<int>(b & 31)), a, false, false}, false);
            return;
        case Opcode::Lsl1: {
            uint32_t amount = b & 63;
            uint32_t ones = amount >= 32 ? 0xffffffffu : (1u << amount) - 1;
            finish_compute(t, ins, {shift_left(a, amount) | ones, a, false, false}, false);
            return;
        }
        case Opcode::Lsr1: {
            uint32_t amount = b & 63;
            uint32_t ones = amount >= 32 ? 0xffffffffu : ~(0xffffffffu >> amount);
            finish_compute(t, ins, {shift_right(a, amount) | ones, a, false, false}, false);
            return;
        }
        case Opcode::LslAdd:
            finish_compute(t, ins, add_outcome(a, r[ins.rb] << ins.imm, 0), true);
            return;
        case Opcode::LslSub:
            finish_compute(t, ins, sub_outcome(a, r[ins.rb] << ins.imm, 1), true);
            return;
        case Opcode::LsrAdd:
            finish_compute(t, ins, add_outcome(a, r[ins.rb] >> ins.imm, 0), true);
            return;
        case Opcode::RolAdd:
            finish_compute(t, ins, add_outcome(a, std::rotl(r[ins.rb], ins.imm), 0), true);
            return;
        case Opcode::Mul8: {
            int selector = ins.imm2;
            uint32_t a_byte = (selector & 2) ? (a >> 8) & 0xff : a & 0xff;
            uint32_t b_byte = (selector & 8) ? (b >> 8) & 0xff : b & 0xff;
            int32_t x = (selector & 1) ? static_cast<int8_t>(a_byte) : static_cast<int32_t>(a_byte);
            int32_t y = (selector & 4) ? static_cast<int8_t>(b_byte) : static_cast<int32_t>(b_byte);
            bool small = a < 256 && b < 256;
            finish_compute(t, ins, {static_cast<uint32_t>(x * y), a, small, false}, false);
            return;
        }
        case Opcode::Move:
            finish_compute(t, ins, {a, a, false, false}, false);
            return;
        case Opcode::Extsb:
            finish_compute(t, ins, {static_cast<uint32_t>(static_cast<int8_t>(a)), a, false, false}, false);
            return;
        case Opcode::Extsh:
            finish_compute(t, ins, {static_cast<uint32_t>(static_cast<int16_t>(a)), a, false, false}, false);
            return;
        case Opcode::Extub:
            finish_compute(t, ins, {a & 0xff, a, false, false}, false);
            return;
        case Opcode::Extuh:
            finish_compute(t, ins, {a & 0xffff, a, false, false}, false);
            return;
        case Opcode::Cao:
            finish_compute(t, ins, {static_cast<uint32_t>(bit_count(a)), a, false, false}, false);
            return;
        case Opcode::Clz:
            finish_compute(t, ins, {static_cast<uint32_t>(std::countl_zero(a)), a, false, false}, false);
            return;
        case Opcode::Clo:
            finish_compute(t, ins, {static_cast<uint32_t>(std::countl_one(a)), a, false, false}, false);
            return;
        case Opcode::Cls: {
            int count = static_cast<int32_t>(a) < 0 ? std::countl_one(a) : std::countl_zero(a);
            finish_compute(t, ins, {static_cast<uint32_t>(count), a, false, false}, false);
            return;
        }
        case Opcode::Movd:
        case Opcode::Swapd: {
            uint32_t high = r[ins.ra], low = r[ins.ra + 1];
            if (ins.op == Opcode::Swapd) std::swap(high, low);
            r[ins.rc] = high;
            r[ins.rc + 1] = low;
            bool taken = ins.cond != Condition::None &&
                         condition_holds(ins.cond, {low, high, false, false}, t.zero_flag);
            t.pc = (taken && ins.target != kNoTarget) ? static_cast<uint32_t>(ins.target) : t.pc + 1;
            return;
        }
        case Opcode::Lbs:
            finish_compute(t, ins, {static_cast<uint32_t>(load<int8_t>(id, a + ins.imm)), a, false, false},
                           false);
            return;
        case Opcode::Lbu:
            finish_compute(t, ins, {load<uint8_t>(id, a + ins.imm), a, false, false}, false);
            return;
        case Opcode::Lhs:
            finish_compute(t, ins, {static_cast<uint32_t>(load<int16_t>(id, a + ins.imm)), a, false, false},
                           false);
            return;
        case Opcode::Lhu:
            finish_compute(t, ins, {load<uint16_t>(id, a + ins.imm), a, false, false}, false);
            return;
        case Opcode::Lw:
            finish_compute(t, ins, {load<uint32_t>(id, a + ins.imm), a, false, false}, false);
            return;
        case Opcode::Ld: {
            uint64_t value = load<uint64_t>(id, a + ins.imm);
            r[ins.rc] = static_cast<uint32_t>(value >> 32);
            r[ins.rc + 1] = static_cast<uint32_t>(value);
            t.pc += 1;
            return;
        }
        case Opcode::Sb:
        case Opcode::Sh:
        case Opcode::Sw: {
            uint32_t value = ins.rb == reg::kNone ? static_cast<uint32_t>(ins.imm2) : r[ins.rb];
            uint32_t address = a + ins.imm;
            if (ins.op == Opcode::Sb)
                store<uint8_t>(id, address, static_cast<uint8_t>(value));
            else if (ins.op == Opcode::Sh)
                store<uint16_t>(id, address, static_cast<uint16_t>(value));
            else
                store<uint32_t>(id, address, value);
            t.pc += 1;
            return;
        }
        case Opcode::Sd: {
            uint64_t value = ins.rb == reg::kNone ? static_cast<uint64_t>(static_cast<int64_t>(ins.imm2))
                                                  : (uint64_t{r[ins.rb]} << 32) | r[ins.rb + 1];
            store<uint64_t>(id, a + ins.imm, value);
            t.pc += 1;
            return;
        }
        case Opcode::Ldma:
        case Opcode::Sdma:
            transfer(id, t, ins);
            return;
        case Opcode::MulStep: {
            // Even half: the multiplier, consumed one bit per step; odd half: the accumulated product.
            uint32_t multiplier = r[ins.rb], product = r[ins.rb + 1];
            if (multiplier & 1) product += r[ins.ra] << ins.imm;
            multiplier >>= 1;
            r[ins.rc] = multiplier;
            r[ins.rc + 1] = product;
            Outcome o{multiplier, r[ins.ra], false, false};
            bool taken = ins.cond != Condition::None && condition_holds(ins.cond, o, t.zero_flag);
            t.zero_flag = multiplier == 0;
            t.pc = (taken && ins.target != kNoTarget) ? static_cast<uint32_t>(ins.target) : t.pc + 1;
            return;
        }
        case Opcode::DivStep: {
            // Even half: the quotient, one bit per step; odd half: the remainder being reduced.
            uint32_t quotient = r[ins.rb], remainder = r[ins.rb + 1];
            uint64_t divisor = uint64_t{r[ins.ra]} << ins.imm;
            if (remainder >= divisor) {
                remainder -= static_cast<uint32_t>(divisor);
                quotient = (quotient << 1) | 1;
            } else {
                quotient <<= 1;
            }
            r[ins.rc] = quotient;
            r[ins.rc + 1] = remainder;
            Outcome o{remainder, r[ins.ra], false, false};
            bool taken = ins.cond != Condition::None && condition_holds(ins.cond, o, t.zero_flag);
            t.pc = (taken && ins.target != kNoTarget) ? static_cast<uint32_t>(ins.target) : t.pc + 1;
            return;
        }
        case Opcode::Jump:
        case Opcode::Call: {
            uint32_t destination = r[ins.ra] + static_cast<uint32_t>(ins.imm);
            if (destination >= code_size) jump_fault(id, destination);
            if (ins.op == Opcode::Call) r[ins.rc] = t.pc + 1;
            t.pc = destination;
            return;
        }
        case Opcode::Stop:
            t.sleeping = true;
            active_mask &= ~(1u << id);
            t.pc = ins.target != kNoTarget ? static_cast<uint32_t>(ins.target) : t.pc + 1;
            return;
        case Opcode::Boot:
        case Opcode::Resume: {
            bool woke =
                wake(static_cast<int>((a + static_cast<uint32_t>(ins.imm)) & 0xff), ins.op == Opcode::Boot);
            Outcome o{woke ? 0u : 1u, a, false, false};
            bool taken = ins.cond != Condition::None && condition_holds(ins.cond, o, t.zero_flag);
            t.pc = (taken && ins.target != kNoTarget) ? static_cast<uint32_t>(ins.target) : t.pc + 1;
            return;
        }
        case Opcode::Acquire:
        case Opcode::Release: {
            uint32_t bit = (a + static_cast<uint32_t>(ins.imm)) & 0xff;
            uint64_t mask = uint64_t{1} << (bit % 64);
            bool held = (atomic_bits[bit / 64] & mask) != 0;
            bool succeeded;
            if (ins.op == Opcode::Acquire) {
                succeeded = !held;
                atomic_bits[bit / 64] |= mask;
            } else {
                succeeded = held;
                atomic_bits[bit / 64] &= ~mask;
            }
            Outcome o{succeeded ? 0u : 1u, a, false, false};
            bool taken = ins.cond != Condition::None && condition_holds(ins.cond, o, t.zero_flag);
            t.pc = (taken && ins.target != kNoTarget) ? static_cast<uint32_t>(ins.target) : t.pc + 1;
            return;
        }
        case Opcode::Fault:
            fault_instruction(id, ins.imm);
        case Opcode::Nop:
            t.pc += 1;
            return;
        case Opcode::Time: {
            // `time` reads bits 4..35 of the cycle counter [upmem-hardware.md §1, SDK25 isa.py].
            uint32_t now = static_cast<uint32_t>(cycle >> 4);
            finish_compute(t, ins, {now, now, false, false}, false);
            return;
        }
    }
    unhandled_opcode(ins.op);
}

// With the bootstrap, a tasklet that returned from main sleeps at __sys_end. Any other sleeper when the DPU
// stops (e.g. inside barrier_wait) was never woken: the program deadlocked, and its results are incomplete.
void Dpu::State::check_everyone_finished() const {
    const Symbol *end = program->has_bootstrap ? program->find_symbol("__sys_end") : nullptr;
    if (!end) return;
    for (int i = 0; i < tasklet_count; ++i) {
        if (tasklets[i].pc != end->address)
            fault(i,
                  "deadlock: the tasklet is still asleep when every tasklet has stopped (a barrier or resume "
                  "that never came)");
    }
}

DpuStats Dpu::State::run() {
    reset_tasklets();
    const int count = tasklet_count;
    const int64_t revolver = timing.revolver_cycles;
    const bool bank_stall = timing.register_bank_stall;
    const int64_t limit = options.max_cycles;
    const double port_share = timing.dma_wram_port_share;
    double port_debt = 0;
    int next_first = 0;  // round robin: the scan starts after the last tasklet that issued
    int last_issuer = 0;
    while (active_mask != 0) {
        int chosen = -1;
        int64_t next_ready = std::numeric_limits<int64_t>::max();
        bool someone_waits_for_revolver = false;
        for (int k = 0; k < count; ++k) {
            int i = next_first + k;
            if (i >= count) i -= count;
            if (!((active_mask >> i) & 1)) continue;
            const Tasklet &t = tasklets[i];
            if (t.ready_at <= cycle) {
                chosen = i;
                break;
            }
            next_ready = std::min(next_ready, t.ready_at);
            if (t.dma_until <= cycle) someone_waits_for_revolver = true;
        }
        if (chosen < 0) {
            // Nobody can issue before next_ready: skip the idle stretch in one step.
            int64_t idle = next_ready - cycle;
            (someone_waits_for_revolver ? stats.revolver_wait_cycles : stats.dma_wait_cycles) += idle;
            cycle = next_ready;
            if (cycle > limit) cycle_limit_reached(last_issuer, limit);
            continue;
        }
        Tasklet &t = tasklets[chosen];
        if (t.pc >= code_size) pc_fault(chosen);
        const Instruction &ins = code[t.pc];
        // Register-file bank rule (uPIMulator): operands read now plus registers the tasklet's previous
        // instruction writes share two ports per bank; each extra pair of one bank costs a cycle.
        int64_t stall = 0;
        if (bank_stall) {
            uint32_t used = ins.read_mask | t.last_write_mask;
            stall = bit_count(used & kEvenRegisters) / 2 + bit_count(used & kOddRegisters) / 2;
        }
        if (options.on_issue) options.on_issue(IssueRecord{cycle, chosen, t.pc});
        // The DMA engine writes and reads WRAM through the port the pipeline's loads and stores use: while it
        // moves data, a share of the cycles is lost to the pipeline (timing.dma_wram_port_share).
        int64_t port_stall = 0;
        if (cycle < dma_engine_free && port_share > 0) {
            port_debt += port_share;
            if (port_debt >= 1) {
                port_debt -= 1;
                port_stall = 1;
            }
        }
        t.last_write_mask = ins.write_mask;
        t.ready_at = cycle + revolver;
        t.instructions += 1;
        execute(chosen, t, ins);
        stats.issue_cycles += 1;
        stats.rf_stall_cycles += stall;
        stats.dma_port_stall_cycles += port_stall;
        cycle += 1 + stall + port_stall;
        if (cycle > limit) cycle_limit_reached(chosen, limit);
        last_issuer = chosen;
        next_first = chosen + 1 == count ? 0 : chosen + 1;
    }
    stats.cycles = cycle;
    finish_stats();
    return stats;
}

void Dpu::State::finish_stats() {
    check_everyone_finished();
    for (int i = 0; i < tasklet_count; ++i) {
        stats.tasklet_instructions[i] = tasklets[i].instructions;
        stats.instructions += tasklets[i].instructions;
    }
}

// Round robin over the awake tasklets, each running a burst (see ends_functional_burst). Timing state
// (ready_at, the DMA engine) is updated by execute() as in run() but never read, and `cycle` stays 0.
DpuStats Dpu::State::run_functional() {
    reset_tasklets();
    const int64_t limit = options.max_cycles;
    int64_t executed = 0;
    while (active_mask != 0) {
        for (int id = 0; id < tasklet_count; ++id) {
            if (!((active_mask >> id) & 1)) continue;
            Tasklet &t = tasklets[id];
            int64_t burst = 0;
            while (burst < kFunctionalBurst) {
                if (t.pc >= code_size) pc_fault(id);
                const Instruction &ins = code[t.pc];
                execute(id, t, ins);
                ++burst;
                if (ends_functional_burst(ins.op)) break;
            }
            t.instructions += burst;
            executed += burst;
            if (executed > limit) cycle_limit_reached(id, limit);
        }
    }
    stats.issue_cycles = 0;
    finish_stats();
    return stats;
}

Dpu::Dpu(std::shared_ptr<const Program> program, const target::UpmemMachine &machine, int tasklets,
         DpuOptions options)
    : state_(std::make_unique<State>()) {
    ATIM_CHECK(program != nullptr, "Dpu needs a program");
    if (tasklets < 1 || tasklets > std::min(machine.max_tasklets, kMaxTasklets))
        user_error("cannot run {} tasklets; a DPU of machine '{}' runs 1..{}", tasklets, machine.name,
                   std::min(machine.max_tasklets, kMaxTasklets));
    if (program->has_bootstrap && tasklets > program->linked_tasklets)
        user_error(
            "the program reserves stacks for {} tasklets but {} were asked for; assemble it with "
            "AssembleOptions::tasklets >= {}",
            program->linked_tasklets, tasklets, tasklets);
    if (static_cast<int64_t>(program->instructions.size()) > machine.iram_instructions)
        user_error("the program has {} instructions but IRAM of machine '{}' holds {}",
                   program->instructions.size(), machine.name, machine.iram_instructions);
    if (static_cast<int64_t>(program->wram_image.size()) > machine.wram_bytes)
        user_error("the program needs {} B of WRAM but machine '{}' has {}", program->wram_image.size(),
                   machine.name, machine.wram_bytes);
    if (static_cast<int64_t>(program->mram_used_bytes) > machine.mram_bytes)
        user_error("the program needs {} B of MRAM but machine '{}' has {}", program->mram_used_bytes,
                   machine.name, machine.mram_bytes);
    State &s = *state_;
    s.program = std::move(program);
    s.code = s.program->instructions.data();
    s.code_size = static_cast<uint32_t>(s.program->instructions.size());
    s.timing = machine.dpu;
    s.wram_bytes = machine.wram_bytes;
    s.mram_bytes = machine.mram_bytes;
    s.tasklet_count = tasklets;
    s.options = options;
    s.wram.assign(static_cast<size_t>(machine.wram_bytes), 0);
    std::copy(s.program->wram_image.begin(), s.program->wram_image.end(), s.wram.begin());
    s.mram_pages.resize(static_cast<size_t>((machine.mram_bytes + kMramPageBytes - 1) / kMramPageBytes));
    if (!s.program->mram_image.empty())
        s.mram_copy_in(0, s.program->mram_image.data(), s.program->mram_image.size());
}

Dpu Dpu::clone() const {
    Dpu copy(*this, CloneTag{});
    return copy;
}

Dpu::Dpu(const Dpu &other, CloneTag) : state_(std::make_unique<State>()) {
    const State &from = *other.state_;
    State &to = *state_;
    to.program = from.program;
    to.code = from.code;
    to.code_size = from.code_size;
    to.timing = from.timing;
    to.wram_bytes = from.wram_bytes;
    to.mram_bytes = from.mram_bytes;
    to.tasklet_count = from.tasklet_count;
    to.options = from.options;
    to.wram = from.wram;
    to.mram_pages.resize(from.mram_pages.size());
    for (size_t page = 0; page < from.mram_pages.size(); ++page) {
        if (!from.mram_pages[page]) continue;
        to.mram_pages[page] = std::make_unique<uint8_t[]>(kMramPageBytes);
        std::memcpy(to.mram_pages[page].get(), from.mram_pages[page].get(), kMramPageBytes);
    }
    to.tasklets = from.tasklets;
    to.atomic_bits = from.atomic_bits;
    to.cycle = from.cycle;
    to.dma_engine_free = from.dma_engine_free;
    to.active_mask = from.active_mask;
    to.stats = from.stats;
}

Dpu::~Dpu() = default;
Dpu::Dpu(Dpu &&) noexcept = default;
Dpu &Dpu::operator=(Dpu &&) noexcept = default;

namespace {

/// Checks a host access to a named object and returns its offset in its memory (WRAM address / MRAM offset).
uint64_t symbol_offset(const Program &program, const std::string &name, uint64_t offset, uint64_t bytes) {
    const Symbol &symbol = program.symbol(name);
    if (symbol.space == MemorySpace::Iram)
        user_error("'{}' is code in IRAM, not a WRAM or MRAM object the host can access", name);
    if (offset + bytes > symbol.size)
        user_error("access of {} B at offset {} runs past the {} B of '{}'", bytes, offset, symbol.size,
                   name);
    return (symbol.space == MemorySpace::Mram ? symbol.address - kMramBase : symbol.address) + offset;
}

}  // namespace

void Dpu::write_symbol(const std::string &name, uint32_t offset, std::span<const uint8_t> bytes) {
    uint64_t at = symbol_offset(*state_->program, name, offset, bytes.size());
    if (state_->program->symbol(name).space == MemorySpace::Mram) {
        write_mram(at, bytes);
    } else {
        write_wram(static_cast<uint32_t>(at), bytes);
    }
}

void Dpu::read_symbol(const std::string &name, uint32_t offset, std::span<uint8_t> bytes) const {
    uint64_t at = symbol_offset(*state_->program, name, offset, bytes.size());
    if (state_->program->symbol(name).space == MemorySpace::Mram) {
        read_mram(at, bytes);
    } else {
        read_wram(static_cast<uint32_t>(at), bytes);
    }
}

std::vector<uint8_t> Dpu::read_symbol(const std::string &name) const {
    std::vector<uint8_t> bytes(state_->program->symbol(name).size);
    read_symbol(name, 0, bytes);
    return bytes;
}

void Dpu::write_wram(uint32_t address, std::span<const uint8_t> bytes) {
    if (uint64_t{address} + bytes.size() > static_cast<uint64_t>(state_->wram_bytes))
        user_error("host write of {} B at WRAM 0x{:x} runs past the {} B of WRAM", bytes.size(), address,
                   state_->wram_bytes);
    std::copy(bytes.begin(), bytes.end(), state_->wram.begin() + address);
}

void Dpu::read_wram(uint32_t address, std::span<uint8_t> bytes) const {
    if (uint64_t{address} + bytes.size() > static_cast<uint64_t>(state_->wram_bytes))
        user_error("host read of {} B at WRAM 0x{:x} runs past the {} B of WRAM", bytes.size(), address,
                   state_->wram_bytes);
    std::copy_n(state_->wram.begin() + address, bytes.size(), bytes.begin());
}

void Dpu::write_mram(uint64_t offset, std::span<const uint8_t> bytes) {
    if (offset + bytes.size() > static_cast<uint64_t>(state_->mram_bytes))
        user_error("host write of {} B at MRAM offset {} runs past the {} B of MRAM", bytes.size(), offset,
                   state_->mram_bytes);
    state_->mram_copy_in(offset, bytes.data(), bytes.size());
}

void Dpu::read_mram(uint64_t offset, std::span<uint8_t> bytes) const {
    if (offset + bytes.size() > static_cast<uint64_t>(state_->mram_bytes))
        user_error("host read of {} B at MRAM offset {} runs past the {} B of MRAM", bytes.size(), offset,
                   state_->mram_bytes);
    state_->mram_copy_out(offset, bytes.data(), bytes.size());
}

DpuStats Dpu::run() { return state_->run(); }
DpuStats Dpu::run_functional() { return state_->run_functional(); }

uint32_t Dpu::register_value(int tasklet, int index) const {
    ATIM_CHECK(tasklet >= 0 && tasklet < state_->tasklet_count && index >= 0 && index < reg::kFileSize,
               "register {} of tasklet {}", index, tasklet);
    return state_->tasklets[tasklet].r[index];
}

bool Dpu::zero_flag(int tasklet) const { return state_->tasklets.at(tasklet).zero_flag; }
bool Dpu::carry_flag(int tasklet) const { return state_->tasklets.at(tasklet).carry_flag; }
int Dpu::tasklets() const { return state_->tasklet_count; }
const Program &Dpu::program() const { return *state_->program; }

}  // namespace atim::sim
