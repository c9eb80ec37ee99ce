/* Native emulation of the UPMEM SDK, DPU side: the WRAM bump allocator (SDK `alloc.h`). The heap holds what
 * is left of the 64 KB WRAM after static data and NR_TASKLETS stacks; running out fails the run, as the
 * SDK's mem_alloc faults. */
#ifndef ATIM_EMU_ALLOC_H
#define ATIM_EMU_ALLOC_H

#include <stddef.h>

#include "attributes.h"

/* Allocates size bytes (rounded up to 8, so the buffer is DMA-aligned) from this DPU's WRAM heap. */
void *mem_alloc(size_t size);
/* Frees the whole heap of this DPU; returns its start. */
void *mem_reset(void);

#endif
