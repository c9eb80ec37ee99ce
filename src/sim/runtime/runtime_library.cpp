// The DPU runtime library in DPU assembly (our own code). Routines take arguments in r0, r1 (64-bit: d0, d2),
// return in r0 (or d0), return through r23, and may clobber r0..r7 and the flags; r8..r22 are preserved.
// Atomic bits 0..7 are reserved for the runtime (0: heap, 1: the default barrier); user mutexes use 8..255.
#include "sim/runtime/runtime_library.h"

#include <fmt/format.h>

namespace atim::sim::runtime {
namespace {

// Each tasklet boots the next one (`boot id, 1`), as UPMEM's bootstrap does, so tasklets start staggered.
// Tasklet 0 re-arms the heap and the default barrier (which counts all tasklets) before booting anyone.
// WRAM data of the runtime, linked whenever the bootstrap or the library is. The stack table and the heap
// start are filled in by the linker, __sys_nr_tasklets by the DPU at launch.
constexpr const char *kRuntimeData = R"(
    .section .dpu_host
    .globl __sys_nr_tasklets
__sys_nr_tasklets:
    .long 0
    .section .data
    .p2align 3
__sys_stack_table:
    .zero 96
__sys_heap_start:
    .long 0
__sys_heap_pointer:
    .long 0
    .globl __sys_barrier
__sys_barrier:                  // remaining arrivals, initial count, wait-queue head (0xff: empty), lock bit
    .byte 0, 0, 0xff, 1
__sys_wait_queue:               // next waiter after tasklet i, per tasklet
    .zero 24
)";

constexpr const char *kBootstrap = R"(
    .text
__bootstrap:
    jnz id, __bootstrap_boot_next
    lw r0, zero, __sys_heap_start          // tasklet 0 prepares the runtime before anyone else runs
    sw zero, __sys_heap_pointer, r0
    lw r1, zero, __sys_nr_tasklets
    sb zero, __sys_barrier, r1
    sb zero, __sys_barrier+1, r1
    move r2, 0xff
    sb zero, __sys_barrier+2, r2
__bootstrap_boot_next:
    lw r1, zero, __sys_nr_tasklets
    add r0, id, 1
    jgeu r0, r1, __bootstrap_run
    boot id, 1
__bootstrap_run:
    lw r22, id4, __sys_stack_table
    call r23, main
__sys_end:
    stop true, __sys_end
)";

// One mul_step ladder on d4 (even r4 = multiplier, consumed bit by bit; odd r5 += r6 << step), leaving as
// soon as the multiplier's remaining bits are zero.
std::string ladder(const std::string &exit_label, int steps) {
    std::string text;
    for (int step = 0; step < steps; ++step)
        text += fmt::format("    mul_step d4, r6, d4, {}, z, {}\n", step, exit_label);
    return text + exit_label + ":\n";
}

// __muldi3: d0 * d2 -> d0 (low 64 bits) from mul_step ladders, as UPMEM's runtime builds it from small
// products: hi(a)*lo(b) + lo(a)*hi(b) are 32-bit ladders driven by the high words; lo(a)*lo(b) is four
// 16x16 ladders whose halves are summed with add/addc. Zero high parts cost one step each, so the cost is
// data-dependent: 31 + ladder steps, i.e. 42 instructions for 49 * 37 and 159 for full 64-bit operands.
std::string muldi3_source() {
    std::string text = "__muldi3:\n";
    text += "    move r4, r0\n    move r5, zero\n    move r6, r3\n";  // a_hi * b_lo
    text += ladder("__muldi3_cross_a", 32);
    text += "    move r4, r2\n    move r6, r1\n";  // + b_hi * a_lo
    text += ladder("__muldi3_cross_b", 32);
    text += "    move r0, r5\n";  // r0 = cross sum (lands in the high word)
    text += "    and r4, r1, 0xffff\n    and r6, r3, 0xffff\n    move r5, zero\n";  // al * bl
    text += ladder("__muldi3_low_low", 16);
    text += "    move r2, r5\n";                                            // r2 = low word
    text += "    lsr r4, r1, 16\n    lsr r6, r3, 16\n    move r5, zero\n";  // ah * bh
    text += ladder("__muldi3_high_high", 16);
    text += "    move r7, r5\n";                                                // r7 = high word
    text += "    lsr r4, r3, 16\n    and r6, r1, 0xffff\n    move r5, zero\n";  // bh * al, shifted by 16
    text += ladder("__muldi3_middle_a", 16);
    text += "    lsl r4, r5, 16\n    add r2, r2, r4\n    lsr r4, r5, 16\n    addc r7, r7, r4\n";
    text += "    lsr r4, r1, 16\n    and r6, r3, 0xffff\n    move r5, zero\n";  // ah * bl, shifted by 16
    text += ladder("__muldi3_middle_b", 16);
    text += "    lsl r4, r5, 16\n    add r2, r2, r4\n    lsr r4, r5, 16\n    addc r7, r7, r4\n";
    text += "    move r1, r2\n    add r0, r7, r0\n    jump r23\n";
    return text;
}

// __mulsi3: the smaller operand drives a mul_step ladder that leaves as soon as its remaining bits are zero,
// so the cost is about 5 + bit-length(smaller operand) instructions [upmem-hardware.md §2.1].
std::string multiply_source() {
    std::string text = R"(
    .text
    .globl __mulsi3
__mulsi3:
    jleu r0, r1, __mulsi3_ordered
    move r2, r0
    move r0, r1, true, __mulsi3_start
__mulsi3_ordered:
    move r2, r1
__mulsi3_start:
    move r1, zero
)";
    for (int bit = 0; bit < 32; ++bit)
        text += fmt::format("    mul_step d0, r2, d0, {}, z, __mulsi3_exit\n", bit);
    text += R"(__mulsi3_exit:
    move r0, r1
    jump r23

    .globl __muldi3
)";
    text += muldi3_source();
    return text;
}

// Unsigned division: clz of both operands gives the quotient's bit-length k; a computed jump enters an
// unrolled div_step ladder at step k, so the cost is about 11 + (k + 1) instructions [upmem-hardware.md
// §2.1]. div_step keeps the quotient in the even register and the remainder in the odd one.
std::string division_source() {
    std::string text = R"(
    .text
    .globl __udivsi3
__udivsi3:                      // r0 / r1 -> r0 quotient, r1 remainder
    jz r1, __div_by_zero
    clz r3, r1
    clz r4, r0
    sub r3, r4, r3
    jgts r3, 0, __udivsi3_small
    move r2, r1
    move r1, r0
    move r0, zero
    add r3, r3, 31
    add r3, r3, __udivsi3_ladder
    jump r3
__udivsi3_ladder:
)";
    for (int shift = 31; shift >= 0; --shift) text += fmt::format("    div_step d0, r2, d0, {}\n", shift);
    text += R"(    jump r23
__udivsi3_small:
    move r1, r0
    move r0, zero
    jump r23
__div_by_zero:
    fault 2

    .globl __umodsi3
__umodsi3:
    move r6, r23
    call r23, __udivsi3
    move r0, r1
    jump r6

    .globl __divsi3
__divsi3:                       // quotient rounds toward zero; its sign is sign(a) xor sign(b)
    move r6, r23
    xor r7, r0, r1
    jges r0, 0, __divsi3_a_positive
    neg r0, r0
__divsi3_a_positive:
    jges r1, 0, __divsi3_b_positive
    neg r1, r1
__divsi3_b_positive:
    call r23, __udivsi3
    jges r7, 0, __divsi3_done
    neg r0, r0
__divsi3_done:
    jump r6

    .globl __modsi3
__modsi3:                       // the remainder takes the sign of the dividend
    move r6, r23
    move r7, r0
    jges r0, 0, __modsi3_a_positive
    neg r0, r0
__modsi3_a_positive:
    jges r1, 0, __modsi3_b_positive
    neg r1, r1
__modsi3_b_positive:
    call r23, __udivsi3
    move r0, r1
    jges r7, 0, __modsi3_done
    neg r0, r0
__modsi3_done:
    jump r6
)";
    return text;
}

// barrier_wait(r0 = barrier): SDK20 barrier.c semantics [upmem-hardware.md §3.1 item 4]. Arrivals take the
// barrier's lock bit, count down, queue themselves and sleep with `stop`; the last arrival re-arms the
// barrier and resumes each waiter. A waiter may not have executed its `stop` yet when it is resumed; `resume`
// then fails (nz) and the last arrival retries until it succeeds. mutex_lock/unlock(r0 = atomic bit): a
// spinning `acquire` burns issue slots, as on hardware. mem_alloc(r0 = bytes) -> r0: 8-byte-aligned bump
// allocation from the WRAM heap after the stacks.
constexpr const char *kSynchronization = R"(
    .text
    .globl barrier_wait
barrier_wait:
    lbu r1, r0, 3
    acquire r1, 0, nz, .
    lbu r2, r0, 0
    sub r2, r2, 1, z, __barrier_last
    sb r0, 0, r2
    lbu r3, r0, 2
    sb id, __sys_wait_queue, r3
    sb r0, 2, id
    release r1, 0, nz, .+1
    stop
    jump r23
__barrier_last:
    lbu r2, r0, 1
    sb r0, 0, r2
    lbu r3, r0, 2
    move r4, 0xff
    sb r0, 2, r4
    release r1, 0, nz, .+1
__barrier_wake:
    jeq r3, 0xff, __barrier_done
    lbu r5, r3, __sys_wait_queue
    resume r3, 0, nz, .
    move r3, r5, true, __barrier_wake
__barrier_done:
    jump r23

    .globl mutex_lock
mutex_lock:
    acquire r0, 0, nz, .
    jump r23

    .globl mutex_unlock
mutex_unlock:
    release r0, 0, nz, .+1
    jump r23

    .globl mem_alloc
mem_alloc:
    acquire zero, 0, nz, .
    lw r1, zero, __sys_heap_pointer
    add r0, r0, 7
    and r0, r0, -8
    add r2, r1, r0
    jgtu r2, 0x10000, __mem_alloc_exhausted
    sw zero, __sys_heap_pointer, r2
    release zero, 0, nz, .+1
    move r0, r1
    jump r23
__mem_alloc_exhausted:
    fault 1

    .globl mem_reset
mem_reset:
    lw r0, zero, __sys_heap_start
    sw zero, __sys_heap_pointer, r0
    jump r23
)";

}  // namespace

const std::string &bootstrap_source() {
    static const std::string text = kBootstrap;
    return text;
}

const std::string &runtime_data_source() {
    static const std::string text = kRuntimeData;
    return text;
}

const std::vector<std::pair<std::string, std::string>> &library_sources() {
    static const std::vector<std::pair<std::string, std::string>> sources = {
        {"<runtime>/multiply.S", multiply_source()},
        {"<runtime>/division.S", division_source()},
        {"<runtime>/synchronization.S", kSynchronization},
    };
    return sources;
}

}  // namespace atim::sim::runtime
