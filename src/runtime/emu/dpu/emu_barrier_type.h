/* The barrier object of the emulated DPU runtime, shared by barrier.h (kernel side) and the emulator. */
#ifndef ATIM_EMU_BARRIER_TYPE_H
#define ATIM_EMU_BARRIER_TYPE_H

typedef struct barrier {
    int count;           /* tasklets that must arrive */
    int waiting;         /* tasklets arrived in the current round */
    unsigned generation; /* completed rounds */
    const char *name;
} barrier_t;

#endif
