// PrIM arithmetic throughput, INT32 SUB [upmem-hardware.md §4.1]: each tasklet runs
// `temp = buf[i]; temp -= scalar; buf[i] = temp` over its elements of a WRAM buffer (elements t, t+T, ...),
// as UPMEM clang -O2 emits the loop: 6 instructions per element [upmem-hardware.md §3.1 item 5].
// Host inputs: scalar, stride_bytes (= tasklets * 4), elements_of_tasklet[t], buffer.
    .section .dpu_host
    .globl scalar
scalar:
    .long 0
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
    lw r9, zero, scalar
    lw r10, zero, stride_bytes
    lw r12, id4, elements_of_tasklet
    jz r12, .Ldone
    lsl r11, id, 2
    add r11, r11, buffer
.Lelement:
    lw r14, r11, 0
    sub r14, r14, r9
    sw r11, 0, r14
    add r11, r11, r10
    add r12, r12, -1
    jnz r12, .Lelement
.Ldone:
    jump r23
