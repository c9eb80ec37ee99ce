// Where a tuning run's time goes: wall time per stage of a candidate's life (sampling, lowering, features,
// code generation, assembly, simulation, verification, the cost model, the database), summed over threads.
// bench_tune_throughput prints the split; the tuner's results never depend on it.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace atim {

/// The stages, each timed exclusively: a stage entered inside another pauses the outer one on that thread.
enum class Stage : int {
    Sample,          ///< drawing and mutating traces, structural hashing
    Lower,           ///< replaying a trace and lowering it to a PimProgram
    Features,        ///< cost-model feature extraction
    Codegen,         ///< DPU instruction selection and register allocation
    Assemble,        ///< assembling the kernel for the simulator
    Simulate,        ///< the simulated machine: transfers, DPU kernels, the host model
    Verify,          ///< sampling DPUs, host epilogue, comparing outputs with the reference, stats
    CostModelTrain,  ///< XGBoost training
    CostModelPredict,
    Database,  ///< writing and reading records
    Memo,      ///< identifying a program the simulator runner measured before
    Other,     ///< the rest of a tuning run (search bookkeeping)
    Wait,      ///< a thread waiting for worker threads (not work: left out of the split)
};
inline constexpr size_t kStageCount = static_cast<size_t>(Stage::Wait) + 1;

/// The stage's short name ("lower", "simulate", ...).
const char *to_string(Stage stage);

/// Seconds and entries per stage, summed over every thread since the last reset.
struct StageTotals {
    std::array<double, kStageCount> seconds{};
    std::array<int64_t, kStageCount> calls{};
    double total_seconds() const;
};

/// The totals so far (process-wide).
StageTotals stage_totals();
/// Zeroes the totals (a bench calls it before the run it profiles).
void reset_stage_totals();

/// Charges the wall time of its lifetime to `stage`, minus the time of stages nested inside it on the same
/// thread. Cheap (two clock reads): it stays on in every build.
class StageTimer {
public:
    explicit StageTimer(Stage stage);
    ~StageTimer();
    StageTimer(const StageTimer &) = delete;
    StageTimer &operator=(const StageTimer &) = delete;

private:
    Stage stage_;
    StageTimer *outer_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace atim
