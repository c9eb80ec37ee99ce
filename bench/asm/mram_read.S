// PrIM MRAM latency/bandwidth microbenchmark, read side [upmem-hardware.md §3.2, §4.1]: one tasklet issues
// `transfers` mram_read (ldma) of the same size back to back; the size rides in the high byte of the WRAM
// address register (length = (1 + field) * 8 bytes), so one program covers 8..2048 bytes.
// Host inputs: dma_length_field (= (bytes / 8 - 1) << 24), transfers.
    .section .dpu_host
    .globl dma_length_field
dma_length_field:
    .long 0
    .globl transfers
transfers:
    .long 0
    .section .data
    .p2align 3
wram_block:
    .zero 2048
    .section .mram
    .p2align 3
    .globl mram_block
mram_block:
    .zero 2048

    .text
    .globl main
main:
    lw r8, zero, dma_length_field
    lw r9, zero, transfers
    jz r9, .Ldone
    move r10, wram_block
    or r10, r10, r8
    move r11, mram_block
.Ltransfer:
    ldma r10, r11, 0
    add r9, r9, -1
    jnz r9, .Ltransfer
.Ldone:
    jump r23
