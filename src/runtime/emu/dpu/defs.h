/* Native emulation of the UPMEM SDK, DPU side: tasklet identity (SDK `defs.h`). */
#ifndef ATIM_EMU_DEFS_H
#define ATIM_EMU_DEFS_H

#include "attributes.h"

typedef unsigned int sysname_t;
typedef unsigned int thread_id_t;

/* The id of the calling tasklet, 0..NR_TASKLETS-1. */
sysname_t me(void);
/* Stops the DPU with a fault (dpu_launch then fails with DPU_ERR_DPU_FAULT). */
void halt(void);
/* Remaining 32-bit words of stack; the emulator runs tasklets on host stacks and always answers 0. */
int check_stack(void);

#endif
