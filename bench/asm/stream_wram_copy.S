// PrIM STREAM COPY in WRAM [upmem-hardware.md §3.3, §4.1]: each tasklet copies its 8-byte elements of a to c
// (`c[i] = a[i]`, a loop clang -O2 emits with one pointer per array), elements dealt in contiguous chunks.
// Host inputs: elements_of_tasklet[t], first_byte_of_tasklet[t].
    .section .dpu_host
    .globl elements_of_tasklet
elements_of_tasklet:
    .zero 96
    .globl first_byte_of_tasklet
first_byte_of_tasklet:
    .zero 96
    .section .data
    .p2align 3
    .globl array_a
array_a:
    .zero 16384
    .globl array_c
array_c:
    .zero 16384

    .text
    .globl main
main:
    lw r12, id4, elements_of_tasklet
    jz r12, .Ldone
    lw r11, id4, first_byte_of_tasklet
    add r13, r11, array_c
    add r11, r11, array_a
.Lelement:
    ld d14, r11, 0
    sd r13, 0, d14
    add r11, r11, 8
    add r13, r13, 8
    add r12, r12, -1
    jnz r12, .Lelement
.Ldone:
    jump r23
