/* Native emulation of the UPMEM SDK, DPU side: MRAM <-> WRAM DMA (SDK `mram.h`). The emulator checks the
 * rules of ldma/sdma: size in [8, 2048] and a multiple of 8, both addresses 8-byte aligned, the MRAM range
 * inside the kernel's MRAM variables. */
#ifndef ATIM_EMU_MRAM_H
#define ATIM_EMU_MRAM_H

#include "attributes.h"

/* Copies nb_of_bytes from MRAM to WRAM; blocks the calling tasklet. */
void mram_read(const __mram_ptr void *from, void *to, unsigned int nb_of_bytes);
/* Copies nb_of_bytes from WRAM to MRAM; blocks the calling tasklet. */
void mram_write(const void *from, __mram_ptr void *to, unsigned int nb_of_bytes);

#endif
