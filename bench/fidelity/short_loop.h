// Fidelity bench, diagnostic: the simulator on a hand-written PrIM VA kernel whose element loop is as short
// as UPMEM's clang makes it, so that its error can be told apart from the cost of atim's longer loop.
#pragma once

#include "atim/target/upmem_machine.h"

namespace atim::bench {

/// Runs bench/fidelity/prim_va_short_loop.S on one DPU of `machine` and prints its cycles and instructions
/// per element beside `measured_cycles_per_element` (real hardware, PrIM VA).
void print_prim_va_short_loop(const target::UpmemMachine &machine, double measured_cycles_per_element);

}  // namespace atim::bench
