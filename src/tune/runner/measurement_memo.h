// Measurements of programs the simulator runner already measured, so that a trace that lowers to a program
// measured before (a cache moved across a loop of extent 1, an unroll step above a loop's trip count, a
// mutation undone) costs a lowering, not a simulation. The simulator is deterministic, so the remembered
// result is the one a new simulation would give; only the pruning bound differs between two requests, and
// it is applied to the remembered kernel cycles exactly as the simulator's cycle limit would apply it.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "atim/codegen/dpu_codegen.h"
#include "atim/lower/pim_program.h"
#include "atim/tune/measure.h"

namespace atim::tune::detail {

/// What identifies a sampled measurement of `program`: every part of the host program, printed, and of its
/// compiled kernel what the simulator runs and reports (the assembly without its comment lines, symbols,
/// instruction and frame counts). The kernel's IR is left out: loops that unroll to the same instructions
/// (128 x 1 or 64 x 2 steps, both unrolled) are one program to the simulator.
std::string measurement_key(const lower::PimProgram &program, const codegen::DpuKernel &kernel);

/// The result of a candidate stopped by the kernel-time bound (what measure_guarded reports).
MeasureResult pruned_result(double kernel_ms_bound);

/// Thread-safe memo of measurements by measurement_key.
class MeasurementMemo {
public:
    /// The result a measurement with kernel-cycle limit `max_cycles` (nullopt: none) and kernel-time bound
    /// `kernel_ms_bound` would give, when the memo knows it.
    std::optional<MeasureResult> find(const std::string &key, std::optional<int64_t> max_cycles,
                                      std::optional<double> kernel_ms_bound) const;
    /// Remembers a result measured under `max_cycles`. Only results a bound decides exactly are kept:
    /// completed runs (Ok, WrongOutput: their slowest DPU's cycles are known) and Pruned ones.
    void add(const std::string &key, const MeasureResult &result, std::optional<int64_t> max_cycles);
    size_t hits() const;

private:
    struct Entry {
        MeasureResult result;
        int64_t kernel_cycles = 0;         ///< slowest simulated DPU of a completed run
        std::optional<int64_t> pruned_at;  ///< for a Pruned result: the cycle limit it ran past
    };
    mutable std::mutex mutex_;
    /// Two independent 64-bit hashes of the key: the key text (the printed program and its assembly, tens of
    /// KB) is not kept, and a collision of both is out of reach.
    using Digest = std::pair<uint64_t, size_t>;
    struct DigestHash {
        size_t operator()(const Digest &d) const { return static_cast<size_t>(d.first) ^ d.second; }
    };
    static Digest digest(const std::string &key);
    std::unordered_map<Digest, Entry, DigestHash> entries_;
    mutable size_t hits_ = 0;
};

}  // namespace atim::tune::detail
