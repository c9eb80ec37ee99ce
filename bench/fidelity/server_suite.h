// Fidelity bench, whole programs: PrIM and PrIM(E) on ATiM's evaluation server
// (calibration/atim_server_prim_suite.csv), predicted against measured H2D / kernel / after / total, with the
// host constants fitted on the rows and the error of each row when its workload is left out of the fit.
#pragma once

#include "atim/target/upmem_machine.h"

namespace atim::bench {

/// Simulates every row's PrIM program on `machine` (its DPU timing and a grid of DMA/WRAM-port shares), fits
/// the host constants by mechanism, and prints the in-sample and leave-one-workload-out tables. Returns the
/// leave-one-workload-out MAPE of the total time.
double print_atim_server_suite(const target::UpmemMachine &machine);

}  // namespace atim::bench
