// PrIM STREAM COPY-DMA in MRAM [upmem-hardware.md §4.1]: each tasklet copies its 1 KB blocks (BL=10) of array
// a to array c through its WRAM buffer with mram_read + mram_write; blocks are dealt cyclically to tasklets.
// Host inputs: stride_bytes (= tasklets * 1024), blocks_of_tasklet[t].
    .section .dpu_host
    .globl stride_bytes
stride_bytes:
    .long 0
    .globl blocks_of_tasklet
blocks_of_tasklet:
    .zero 96
    .section .data
    .p2align 3
wram_blocks:
    .zero 24576
    .section .mram
    .p2align 3
    .globl array_a
array_a:
    .zero 262144
    .globl array_c
array_c:
    .zero 262144

    .text
    .globl main
main:
    lw r9, zero, stride_bytes
    lw r12, id4, blocks_of_tasklet
    jz r12, .Ldone
    lsl r10, id, 10
    add r10, r10, wram_blocks
    lsl r11, id, 10
    move r13, r11
    add r11, r11, array_a
    add r13, r13, array_c
.Lblock:
    ldma r10, r11, 127
    sdma r10, r13, 127
    add r11, r11, r9
    add r13, r13, r9
    add r12, r12, -1
    jnz r12, .Lblock
.Ldone:
    jump r23
