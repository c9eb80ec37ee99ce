// PrIM arithmetic throughput, INT32 DIV [upmem-hardware.md §4.1]: each tasklet runs
// `temp = buf[i]; temp /= scalar; buf[i] = temp` over its elements of a WRAM buffer (elements t, t+T, ...).
// No 32-bit hardware divider: clang calls the runtime's __divsi3 [upmem-hardware.md §2.1], so the cost
// depends on the operands (PrIM: scalar = elements per DPU).
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
    move r20, r23                   // the runtime call below overwrites the return address
    lw r9, zero, scalar
    lw r10, zero, stride_bytes
    lw r12, id4, elements_of_tasklet
    jz r12, .Ldone
    lsl r11, id, 2
    add r11, r11, buffer
.Lelement:
    lw r0, r11, 0
    move r1, r9
    call r23, __divsi3
    sw r11, 0, r0
    add r11, r11, r10
    add r12, r12, -1
    jnz r12, .Lelement
.Ldone:
    jump r20
