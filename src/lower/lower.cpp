// lower: THE ordered list of lowering passes, from a schedule to a PimProgram (read top to bottom).
#include "atim/lower/lower.h"

#include <algorithm>
#include <iostream>

#include "atim/arith/simplify.h"
#include "atim/lower/schedule_to_loops.h"
#include "atim/support/error.h"
#include "atim/support/stage_timer.h"
#include "copy_to_dma_lowering.h"
#include "dpu_grid_binding.h"
#include "global_index_localization.h"
#include "invariant_branch_hoisting.h"
#include "kernel_simplification.h"
#include "loop_bound_tightening.h"
#include "machine_fit_verification.h"
#include "mram_layout.h"
#include "mram_slice_inference.h"
#include "pass_log.h"
#include "transfer_planning.h"

namespace atim::lower {
namespace {

constexpr int kMaxOptLevel = 4;

void check_options(const LowerOptions &options) {
    if (options.opt_level < 0 || options.opt_level > kMaxOptLevel) {
        user_error(
            "optimization level {} does not exist; use 0 (none), 1 (DMA), 2 (DMA+LT), 3, or 4 (DMA+LT+BH)",
            options.opt_level);
    }
    for (const std::string &pass : options.print_after) {
        const auto &names = lower_pass_names();
        if (pass != "all" && std::find(names.begin(), names.end(), pass) == names.end()) {
            user_error("unknown pass '{}' for --print-after; use one of: {}, or all", pass,
                       fmt::join(names, ", "));
        }
    }
}

PimProgram run_pim_passes(const ScheduledLoops &loops, const target::UpmemMachine &machine,
                          const LowerOptions &options, const PassLog &log) {
    PimProgram program;
    program.name = loops.name;
    program.tensors = loops.tensors;
    program.opt_level = options.opt_level;
    const int level = options.opt_level;

    BoundKernel bound = bind_dpu_grid(loops.device, program.grid_vars);
    program.grid = bound.grid;
    program.tasklets = bound.tasklets;
    const DpuGrid &grid = program.grid;
    const GridVars &vars = program.grid_vars;
    const int64_t tasklets = program.tasklets;
    ir::Stmt s = bound.kernel;
    log("bind_dpu_grid", s);
    s = simplify_kernel(s, grid, vars, tasklets);
    log("simplify", s);

    program.slices = infer_mram_slices(s, program.tensors, tasklets, grid, vars);
    s = localize_global_indices(s, program.slices);
    log("localize_global_indices", s);
    if (level >= 1) {
        s = lower_copies_to_dma(s, grid, vars, tasklets, machine.max_dma_bytes);
        s = simplify_kernel(s, grid, vars, tasklets);
        log("lower_copies_to_dma", s);
    }
    if (level >= 2) {
        s = tighten_loop_bounds(s, grid, vars, tasklets);
        s = simplify_kernel(s, grid, vars, tasklets);
        log("tighten_loop_bounds", s);
    }
    if (level >= 3) {
        // Level 3 is ATiM's weak hoisting: DMAs stay where they are.
        s = hoist_invariant_branches(s, grid, vars, tasklets, /*sink_dma_reads=*/level >= 4);
        s = simplify_kernel(s, grid, vars, tasklets);
        log("hoist_invariant_branches", s);
    }
    layout_mram_slices(s, grid, vars, tasklets, program.slices);
    TransferPlan transfers = plan_transfers(program.slices, program.tensors, loops.prim_host_calls);
    program.to_dpu = transfers.to_dpu;
    program.from_dpu = transfers.from_dpu;
    program.kernel = s;
    if (loops.host_epilogue.defined()) program.host_epilogue = arith::simplify(loops.host_epilogue);
    program.wram_bytes_per_dpu = verify_fits_machine(program, machine);
    return program;
}

std::ostream &print_stream(const LowerOptions &options) {
    return options.print_stream ? *options.print_stream : std::cerr;
}

}  // namespace

const std::vector<std::string> &lower_pass_names() {
    static const std::vector<std::string> kNames = {
        "schedule_to_loops",       "bind_dpu_grid",       "simplify",
        "localize_global_indices", "lower_copies_to_dma", "tighten_loop_bounds",
        "hoist_invariant_branches"};
    return kNames;
}

PimProgram lower(const schedule::Schedule &schedule, const target::UpmemMachine &machine,
                 const LowerOptions &options) {
    StageTimer timer(Stage::Lower);
    check_options(options);
    PassLog log(options.print_after, print_stream(options));
    ScheduledLoops loops = schedule_to_loops(schedule);
    log("schedule_to_loops", loops.device);
    return run_pim_passes(loops, machine, options, log);
}

PimProgram lower_loops(const ScheduledLoops &loops, const target::UpmemMachine &machine,
                       const LowerOptions &options) {
    StageTimer timer(Stage::Lower);
    check_options(options);
    PassLog log(options.print_after, print_stream(options));
    return run_pim_passes(loops, machine, options, log);
}

}  // namespace atim::lower
