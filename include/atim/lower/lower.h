// The lowering entry points: a schedule (or hand-built ScheduledLoops) to a PimProgram, and their options.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "atim/lower/pim_program.h"
#include "atim/lower/scheduled_loops.h"
#include "atim/target/upmem_machine.h"

namespace atim::schedule {
class Schedule;
}

namespace atim::lower {

/// How far lowering optimizes, and what it prints on the way.
struct LowerOptions {
    /// PIM-aware optimizations (atim-method.md §7.2): 0 none (element copies with per-element guards),
    /// 1 DMA, 2 DMA + loop-bound tightening, 3 like 2 plus weak hoisting (no DMA sinking),
    /// 4 DMA + tightening + branch hoisting (the default).
    int opt_level = 4;
    /// Pass names after which the kernel IR is printed (to `print_stream`, stderr when null), e.g.
    /// "bind_dpu_grid"; "all" prints after every pass.
    std::vector<std::string> print_after;
    std::ostream *print_stream = nullptr;
};

/// Names of the passes `print_after` accepts, in pipeline order.
const std::vector<std::string> &lower_pass_names();

/// Lowers a scheduled program: schedule_to_loops, then the PIM passes (lower_loops).
/// Throws UserError when the program does not fit the machine (with what to change).
PimProgram lower(const schedule::Schedule &schedule, const target::UpmemMachine &machine,
                 const LowerOptions &options = {});

/// The PIM passes on loop nests already produced by schedule_to_loops (or built by hand in tests).
PimProgram lower_loops(const ScheduledLoops &loops, const target::UpmemMachine &machine,
                       const LowerOptions &options = {});

}  // namespace atim::lower
