// PrIM arithmetic throughput, INT64 SUB [upmem-hardware.md §4.1]: as arith_int32_sub.S on 64-bit elements; the
// pair operation (sub + subc) makes it 7 instructions per element [upmem-hardware.md §3.1 item 5].
// Host inputs: scalar (int64), stride_bytes (= tasklets * 8), elements_of_tasklet[t], buffer.
    .section .dpu_host
    .p2align 3
    .globl scalar
scalar:
    .quad 0
    .globl stride_bytes
stride_bytes:
    .long 0
    .globl elements_of_tasklet
elements_of_tasklet:
    .zero 96
    .section .data
    .p2align 3
    .globl buffer
buffer:
    .zero 32768

    .text
    .globl main
main:
    ld d8, zero, scalar
    lw r10, zero, stride_bytes
    lw r12, id4, elements_of_tasklet
    jz r12, .Ldone
    lsl r11, id, 3
    add r11, r11, buffer
.Lelement:
    ld d14, r11, 0
    sub r15, r15, r9
    subc r14, r14, r8
    sd r11, 0, d14
    add r11, r11, r10
    add r12, r12, -1
    jnz r12, .Lelement
.Ldone:
    jump r23
