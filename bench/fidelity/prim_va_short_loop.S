// PrIM's VA kernel on one DPU written by hand with a 7-instruction element loop, to time the simulator on
// code as short as UPMEM's clang emits (uPIMulator runs clang's -O2 binary of PrIM VA at 7.38 cycles per
// element, so that binary issues at most 7.38 instructions per element; atim's codegen issues 9.1).
// 262144 int32 elements per array (1 MB), 16 tasklets, 1 KB blocks dealt cyclically (PrIM: tasklet t takes
// blocks t, t + 16, ...); B[i] += A[i] in place, as PrIM does. No host inputs: the sizes are constants.
    .section .data
    .p2align 3
wram_a:
    .zero 16384
wram_b:
    .zero 16384
    .section .mram
    .p2align 3
array_a:
    .zero 1048576
array_b:
    .zero 1048576

    .text
    .globl main
main:
    move r12, 64                 // blocks per tasklet: 1024 blocks / 16 tasklets
    lsl r10, id, 10              // this tasklet's 1 KB WRAM buffers
    move r14, r10
    add r10, r10, wram_a
    add r14, r14, wram_b
    lsl r11, id, 10              // this tasklet's first block of A and of B
    move r13, r11
    add r11, r11, array_a
    add r13, r13, array_b
.Lblock:
    ldma r10, r11, 127
    ldma r14, r13, 127
    move r0, r10
    move r1, r14
    move r2, 256
.Lelement:
    lw r3, r0, 0
    lw r4, r1, 0
    add r3, r4, r3
    sw r1, 0, r3
    add r0, r0, 4
    add r1, r1, 4
    add r2, r2, -1, nz, .Lelement
    sdma r14, r13, 127
    add r11, r11, 16384          // 16 tasklets x 1 KB further
    add r13, r13, 16384
    add r12, r12, -1
    jnz r12, .Lblock
    jump r23
