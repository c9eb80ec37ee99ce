// What every runner does around its backend: replay and lower a candidate, turn the backend's verdict into a
// MeasureResult, classify whatever it throws as a failure result, and measure a batch on worker threads.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>

#include "atim/lower/pim_program.h"
#include "atim/runtime/emu_runner.h"
#include "atim/schedule/trace.h"
#include "atim/tune/measure.h"
#include "atim/tune/runner.h"
#include "atim/workloads/workload.h"

namespace atim::tune::detail {

/// Replays `trace` on workload.func (with the workload's resident inputs) and lowers it. Throws what replay
/// and lowering throw (ScheduleError, UserError); measure_guarded turns those into Invalid.
lower::PimProgram lower_candidate(const workloads::Workload &workload, const schedule::Trace &trace,
                                  const RunnerOptions &options);

/// Ok with the phase times when the run verified, WrongOutput naming the first mismatch otherwise. Phase
/// times come from `result.time_ms`, or from the emulator's wall times when the backend has no DPU times.
MeasureResult result_from_run(const runtime::RunResult &result, const lower::PimProgram &program);

/// Runs `measure` and turns what it throws into a failure result: ScheduleError and UserError (replay,
/// lowering, machine capacity) -> Invalid; sim::SimError and other errors -> RunFailed; a generated program
/// stopped by its time limit -> Timeout. A measurement that finishes but took longer than
/// `timeout_seconds` of wall time is also reported as Timeout: the simulator cannot be interrupted, so the
/// budget is checked when the candidate finishes. With a `kernel_ms_bound`, a kernel stopped by the
/// simulator's cycle limit (sim::CycleLimitExceeded) is Pruned, with the bound as its kernel and total time.
MeasureResult measure_guarded(double timeout_seconds, std::optional<double> kernel_ms_bound,
                              const std::function<MeasureResult()> &measure);

/// Calls body(0..count-1) on up to `threads` worker threads (0: all cores). Each index writes only its own
/// result slot, so results do not depend on the thread count.
void for_each_parallel(size_t count, int threads, const std::function<void(size_t)> &body);

/// Worker threads for `threads` (0: all cores, at least 1).
int resolve_threads(int threads);

}  // namespace atim::tune::detail
