/* Native emulation of the UPMEM SDK, DPU side: memory-placement attributes (SDK `attributes.h`).
 * MRAM variables and `__host` variables go to dedicated ELF sections of the kernel's shared object; the
 * emulator keeps one image of each section per DPU and swaps it in while that DPU runs. */
#ifndef ATIM_EMU_ATTRIBUTES_H
#define ATIM_EMU_ATTRIBUTES_H

#ifndef NR_TASKLETS
#error "NR_TASKLETS is not defined: compile the kernel with -DNR_TASKLETS=<n>, as with dpu-upmem-dpurte-clang"
#endif
/* The SDK leaves the default stack size to the link step; atim's generated kernels use 256 bytes
 * (UpmemMachine::stack_bytes_per_tasklet). */
#ifndef STACK_SIZE_DEFAULT
#define STACK_SIZE_DEFAULT 256
#endif

/* On the DPU an MRAM pointer lives in its own address space; natively it is an ordinary pointer into
 * the current DPU's MRAM image. */
#define __mram_ptr
#define __dma_aligned __attribute__((aligned(8)))
#define __mram_noinit __attribute__((section("atim_mram"), aligned(8)))
#define __mram __attribute__((section("atim_mram"), aligned(8), used))
#define __mram_keep __mram
#define __mram_noinit_keep __mram_noinit
#define __host __attribute__((section("atim_host"), aligned(8), used))
#define __keep __attribute__((used))
#define __weak __attribute__((weak))
#define __section(s) __attribute__((section(s)))
#define __aligned(a) __attribute__((aligned(a)))
#define __used __attribute__((used))
#define __noinline __attribute__((noinline))
#define __lower_data(name) name

/* Read by the emulator when the kernel is loaded (weak: every translation unit defines them). */
__attribute__((weak, used)) const unsigned int __atim_emu_nr_tasklets = NR_TASKLETS;
__attribute__((weak, used)) const unsigned int __atim_emu_stack_size_default = STACK_SIZE_DEFAULT;

#endif
