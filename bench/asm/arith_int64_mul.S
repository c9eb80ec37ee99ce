// PrIM arithmetic throughput, INT64 MUL [upmem-hardware.md §4.1]: `temp = buf[i]; temp *= scalar; buf[i] = temp`
// on 64-bit elements; clang calls the runtime's __muldi3 (d0 * d2 -> d0) [upmem-hardware.md §2.1].
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
    move r20, r23                   // the runtime call below overwrites the return address
    ld d8, zero, scalar
    lw r10, zero, stride_bytes
    lw r12, id4, elements_of_tasklet
    jz r12, .Ldone
    lsl r11, id, 3
    add r11, r11, buffer
.Lelement:
    ld d0, r11, 0
    movd d2, d8
    call r23, __muldi3
    sd r11, 0, d0
    add r11, r11, r10
    add r12, r12, -1
    jnz r12, .Lelement
.Ldone:
    jump r20
