// The phases around the kernel of a lowered program, priced by the host model before anything runs: the
// SDK calls host.c makes (the same ones runtime::run_sim issues on sim::Machine), the launch without its
// DPU time, and the host epilogue. These phases are analytic in the simulator too, so the estimate is
// exact; only the kernel needs simulating. The tuner's cost model reads them as features.
#pragma once

#include "atim/codegen/c_codegen.h"
#include "atim/lower/pim_program.h"
#include "atim/target/upmem_machine.h"

namespace atim::runtime {

struct HostPhases {
    double h2d_ms = 0;     ///< timed host->DPU pushes (and the DPU arguments under PrIM's accounting)
    double launch_ms = 0;  ///< dpu_launch on the program's DPUs, without the slowest DPU's run time
    double after_ms = 0;   ///< DPU->host gathers and the host epilogue
};

/// The host phases of `program` on `machine` under `timing` (ATiM's: resident inputs and the DPU arguments
/// pushed before the timed window).
HostPhases estimate_host_phases(const lower::PimProgram &program, const target::UpmemMachine &machine,
                                codegen::TimingMode timing = codegen::TimingMode::Atim);

}  // namespace atim::runtime
