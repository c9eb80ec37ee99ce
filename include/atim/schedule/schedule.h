// A schedule over a te::PrimFunc: TensorIR-flavoured primitives (split, fuse, reorder, bind, rfactor,
// cache_read/write, compute_at, decompose_reduction, unroll, sampling) on blocks and their loops, each
// checked for legality and recorded in a replayable Trace.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "atim/schedule/state.h"
#include "atim/schedule/trace.h"
#include "atim/support/error.h"
#include "atim/te/tensor.h"

namespace atim::schedule {

namespace detail {
struct ReplayAccess;
}

/// An illegal schedule primitive call; the message says what to change.
class ScheduleError : public UserError {
public:
    explicit ScheduleError(const std::string &message) : UserError(message) {}
};

/// Throws ScheduleError with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void schedule_error(fmt::format_string<Args...> format, Args &&...args) {
    throw ScheduleError(fmt::format(format, std::forward<Args>(args)...));
}

/// Handles to schedule objects (valid only in the schedule that made them; printed as b3 / l3 / v3).
struct BlockRV {
    int id = -1;
};
struct LoopRV {
    int id = -1;
};
/// A sampled integer (TVM's ExprRV): its value is a sampling decision, so a split that uses it follows the
/// decision when a tuner changes it and replays the trace.
struct ExprRV {
    int id = -1;
};

/// One split factor: a constant, a sampled value, or inferred (std::nullopt / kInfer, at most one per split:
/// ceil(extent / product of the others)).
struct Factor {
    Factor(int64_t value) : constant(value) {}  // NOLINT: implicit by design
    Factor(int value) : constant(value) {}      // NOLINT: implicit by design
    Factor(ExprRV rv) : sampled(rv) {}          // NOLINT: implicit by design
    Factor(std::nullopt_t) {}                   // NOLINT: implicit by design
    std::optional<int64_t> constant;
    std::optional<ExprRV> sampled;
    bool inferred() const { return !constant && !sampled; }
};
inline constexpr std::nullopt_t kInfer = std::nullopt;

/// A schedule: the PrimFunc, the state of every block and loop, the trace, and a seeded random source.
/// Copyable (a copy is an independent schedule with the same handles).
class Schedule {
public:
    explicit Schedule(te::PrimFunc func, uint64_t seed = 1);

    const te::PrimFunc &func() const { return func_; }
    const Trace &trace() const { return trace_; }
    const ScheduleState &state() const { return state_; }

    /// Inputs ATiM keeps resident in MRAM (workloads::Workload::resident_inputs); not part of the trace.
    void set_resident_inputs(std::vector<std::string> names) { resident_inputs_ = std::move(names); }
    const std::vector<std::string> &resident_inputs() const { return resident_inputs_; }

    // --- Lookup --------------------------------------------------------------------------------------
    /// The block (compute stage) with this name.
    BlockRV get_block(const std::string &name);
    /// The block's loops, outer to inner (empty for cache blocks, whose loops come from their region).
    std::vector<LoopRV> get_loops(const BlockRV &block);

    // --- Loop transformations ---------------------------------------------------------------------------
    /// Splits `loop` into factors.size() nested loops (outer first). A product larger than the extent makes
    /// an imperfect split: the generated code guards every statement with `outer*f + inner < extent`.
    std::vector<LoopRV> split(const LoopRV &loop, const std::vector<Factor> &factors);
    std::vector<LoopRV> split(const LoopRV &loop, const std::vector<ExprRV> &factors);
    /// Fuses adjacent loops (outer to inner, each the only child of the previous) of one block into one loop.
    LoopRV fuse(const std::vector<LoopRV> &loops);
    /// Puts the given loops of one block in this order, in the positions they occupy together.
    void reorder(const std::vector<LoopRV> &loops);
    /// Binds a loop to "dpu.x", "dpu.y", "dpu.z" or "tasklet". DPU loops must end up outermost and a tasklet
    /// loop inside them (checked by schedule_to_loops, since a later reorder may fix the order).
    void bind(const LoopRV &loop, const std::string &thread_axis);
    /// Marks a serial loop to be fully unrolled by the code generator.
    void unroll(const LoopRV &loop);
    /// Shares the iterations of a spatial loop of the host epilogue (an mram rfactor consumer) among host
    /// threads: OpenMP `parallel for` in host C, min(extent, host threads) threads in the host-work model.
    /// To choose the thread count, split the loop first and parallelise the outer loop (ATiM's rule). At most
    /// one parallel loop per block; DPU-kernel loops and reduction loops are refused.
    void parallel(const LoopRV &loop);
    /// Auto-unroll with a max step (ATiM's pragma_auto_unroll_max_step): marks the innermost serial leaf
    /// loops of `block` as unrolled, from the inside out, while the product of their extents stays <= the
    /// value of `max_step` (0: none). Stops at a loop that something is attached to (a cache fill or
    /// write-back), so DMA never lands in unrolled code. Apply it last: loops split or bound later are not
    /// revisited.
    void annotate_unroll(const BlockRV &block, const ExprRV &max_step);
    /// Which SDK calls the host program makes for an input every DPU needs whole (the MTV vector, scalars):
    /// "atim" (the default, ATiM's runtime: dpu_broadcast_to) or "prim" (PrIM's: dpu_prepare_xfer of the same
    /// host pointer for every DPU + one dpu_push_xfer, prim-baselines.md §1.4). The calls are part of the
    /// baseline being reproduced, so the choice lives in the trace: a saved PrIM schedule replays with PrIM's
    /// calls, whichever tool lowers it.
    void annotate_host_calls(const std::string &style);

    // --- Block transformations --------------------------------------------------------------------------
    /// Factors the reduction loop `loop` out of its block: a new producer block (returned) computes partial
    /// sums indexed by `loop`, and the original block becomes the consumer that sums them.
    /// scope "mram": partials in a host/MRAM tensor, summed by the host epilogue (DPU-level rfactor);
    /// scope "host_wram": the same, but each DPU keeps its box of partials in a `__host` WRAM symbol that the
    /// host reads through the control interface (PrIM RED's DPU_RESULTS, prim-baselines.md §1.6);
    /// scope "wram": per-tasklet partials in shared WRAM, summed inside the DPU after a barrier; the consumer
    /// must then be reverse_compute_at a loop of the producer outside `loop`.
    BlockRV rfactor(const LoopRV &loop, const std::string &scope);
    /// A WRAM copy of input `buffer_name` read by `block`; returns the copy block, to be compute_at a loop.
    BlockRV cache_read(const BlockRV &block, const std::string &buffer_name, const std::string &scope);
    /// `block` writes a WRAM buffer instead; returns the write-back block, to be reverse_compute_at a loop.
    BlockRV cache_write(const BlockRV &block, const std::string &scope);
    /// Places a cache_read block at the start of `loop`'s body; its region is what the consumer reads in one
    /// iteration of `loop`.
    void compute_at(const BlockRV &block, const LoopRV &loop);
    /// Places a cache_write block (or a wram-rfactor consumer) at the end of `loop`'s body; its region is
    /// what the producer writes in one iteration of `loop`.
    void reverse_compute_at(const BlockRV &block, const LoopRV &loop);
    /// Moves the reduction init of `block` before `loop` (a separate loop nest over the spatial loops inside
    /// it); without this, the init is guarded by "first iteration of every reduction loop".
    void decompose_reduction(const BlockRV &block, const LoopRV &loop);

    // --- Sampling (decisions are recorded in the trace)
    // -----------------------------------------------------
    /// A uniformly random perfect factorization of `loop`'s extent into n factors (outer first) with
    /// innermost factor <= max_innermost_factor and outermost factor in [min_outer, max_outer].
    std::vector<ExprRV> sample_perfect_tile(const LoopRV &loop, int n, int64_t max_innermost_factor,
                                            int64_t min_outer = 1,
                                            int64_t max_outer = std::numeric_limits<int64_t>::max());
    /// One of `candidates`, drawn with the given probabilities (non-negative, not all zero).
    ExprRV sample_categorical(const std::vector<int64_t> &candidates,
                              const std::vector<double> &probabilities);
    /// n factors (outer first) that cover `loop`'s extent, not necessarily dividing it: the outer factor is
    /// ceil(extent / product of the inner ones), so the split may be imperfect. Inner factors mix powers of
    /// two, divisors of the extent and general integers; the innermost is <= max_innermost_factor and the
    /// outer one in [min_outer, max_outer]. The decision (all n factors) is validated on replay.
    std::vector<ExprRV> sample_tile(const LoopRV &loop, int n, int64_t max_innermost_factor,
                                    int64_t min_outer = 1,
                                    int64_t max_outer = std::numeric_limits<int64_t>::max());
    /// One of `candidates` (TVM's sample_compute_location, over an explicit list), uniformly; the decision is
    /// the index, so changing it moves whatever is attached to the returned loop.
    LoopRV sample_compute_location(const std::vector<LoopRV> &candidates);

    /// Re-seeds the random source (a tuner re-drawing one decision on a replayed prefix of a trace).
    void reseed(uint64_t seed) { rng_.seed(seed); }
    /// Makes the next sample_* call take `decision` instead of a random draw, checked as on replay (throws
    /// ScheduleError when out of range). A generator run with pinned decisions computes every later bound
    /// from them, which a replay of a trace with one decision changed cannot do.
    void pin_next_decision(std::vector<int64_t> decision) { pinned_ = std::move(decision); }

    // --- Introspection -------------------------------------------------------------------------------------
    /// The value of a sampled integer.
    int64_t value(const ExprRV &rv) const;
    std::string loop_name(const LoopRV &loop) const;
    int64_t loop_extent(const LoopRV &loop) const;
    std::string block_name(const BlockRV &block) const;
    /// Readable summary: one section per block with its loops (outer to inner), extents, bindings and attach
    /// points (used as the header of --emit ir).
    std::string to_string() const;

private:
    friend struct detail::ReplayAccess;
    /// The implementations; `decision` (replay) replaces the random draw.
    std::vector<ExprRV> sample_perfect_tile_impl(const LoopRV &loop, int n, int64_t max_innermost_factor,
                                                 int64_t min_outer, int64_t max_outer,
                                                 const std::vector<int64_t> *decision);
    ExprRV sample_categorical_impl(const std::vector<int64_t> &candidates,
                                   const std::vector<double> &probabilities,
                                   const std::vector<int64_t> *decision);
    std::vector<ExprRV> sample_tile_impl(const LoopRV &loop, int n, int64_t max_innermost_factor,
                                         int64_t min_outer, int64_t max_outer,
                                         const std::vector<int64_t> *decision);
    LoopRV sample_compute_location_impl(const std::vector<LoopRV> &candidates,
                                        const std::vector<int64_t> *decision);

    /// Makes one sampled value per factor of a tile decision and records the sampling instruction `kind`.
    std::vector<ExprRV> record_tile_sample(const char *kind, const LoopRV &loop, int n,
                                           int64_t max_innermost_factor, int64_t min_outer, int64_t max_outer,
                                           const std::vector<int64_t> &chosen);

    te::PrimFunc func_;
    ScheduleState state_;
    Trace trace_;
    std::mt19937_64 rng_;
    std::vector<std::string> resident_inputs_;
    std::optional<std::vector<int64_t>> pinned_;  ///< the next sampling decision (pin_next_decision)
};

}  // namespace atim::schedule
