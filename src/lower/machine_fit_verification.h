// verify_fits_machine: rejects a lowered program the UPMEM machine cannot run (ATiM's VerifyUPMEMCode,
// atim-method.md §5.2), with a message that says what to change.
#pragma once

#include "atim/lower/pim_program.h"
#include "atim/target/upmem_machine.h"

namespace atim::lower {

/// WRAM one DPU needs: WramLocal buffers x tasklets + WramShared buffers + tasklet stacks + static data.
int64_t wram_bytes_per_dpu(const PimProgram &program, const target::UpmemMachine &machine);

/// Throws UserError when the program uses more DPUs or tasklets than the machine has, more WRAM or MRAM
/// per DPU than it holds, or a DMA the hardware rejects (size not a constant multiple of 8 in
/// [8, max_dma_bytes], or an address not provably 8-byte aligned). Returns the WRAM bytes per DPU.
int64_t verify_fits_machine(const PimProgram &program, const target::UpmemMachine &machine);

}  // namespace atim::lower
