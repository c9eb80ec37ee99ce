/* Native emulation of the UPMEM SDK, DPU side: tasklet barriers (SDK `barrier.h`). A barrier that can never
 * complete (every tasklet still running is waiting, or has finished) fails the run instead of hanging. */
#ifndef ATIM_EMU_BARRIER_H
#define ATIM_EMU_BARRIER_H

#include "attributes.h"

#include "emu_barrier_type.h"

#define BARRIER_INIT(_name, _count) barrier_t _name = {(_count), 0, 0, #_name}

/* Waits until `count` tasklets have called barrier_wait on this barrier. */
void barrier_wait(barrier_t *barrier);

#endif
