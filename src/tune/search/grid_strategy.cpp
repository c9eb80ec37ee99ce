// Grid search (ablation): a deterministic sweep over a coarse grid of every knob of every sketch. A knob's
// grid is up to kValuesPerKnob of the distinct decisions seen in a fixed set of samples of its sketch
// (evenly spaced in sorted order); combinations are visited in a strided order so that a budget smaller
// than the grid still spreads over every knob, sketches in turn.
#include <algorithm>
#include <numeric>
#include <set>
#include <unordered_set>

#include "search_context.h"

namespace atim::tune::detail {
namespace {

constexpr int kSamplesPerSketch = 32;
constexpr size_t kValuesPerKnob = 4;
constexpr uint64_t kMaxCombinations = uint64_t{1} << 31;  // keeps index * stride inside 64 bits

struct SketchGrid {
    schedule::Trace base;
    int sketch = 0;
    std::vector<size_t> knobs;                              ///< sampling instruction indices
    std::vector<std::vector<std::vector<int64_t>>> values;  ///< per knob: its grid of decisions
    uint64_t combinations = 1;
    uint64_t stride = 1;
    uint64_t next = 0;
};

/// A stride coprime with `total` near total / golden ratio: consecutive indices land far apart.
uint64_t spreading_stride(uint64_t total) {
    if (total <= 2) return 1;
    uint64_t stride = std::max<uint64_t>(1, static_cast<uint64_t>(static_cast<double>(total) * 0.6180339887));
    while (std::gcd(stride, total) != 1) ++stride;
    return stride;
}

std::vector<std::vector<int64_t>> coarse(const std::set<std::vector<int64_t>> &seen) {
    std::vector<std::vector<int64_t>> all(seen.begin(), seen.end());
    if (all.size() <= kValuesPerKnob) return all;
    std::vector<std::vector<int64_t>> picked;
    for (size_t k = 0; k < kValuesPerKnob; ++k)
        picked.push_back(all[k * (all.size() - 1) / (kValuesPerKnob - 1)]);
    return picked;
}

std::optional<SketchGrid> build_grid(SearchContext &context, int sketch) {
    std::vector<schedule::Trace> samples;
    for (int i = 0; i < kSamplesPerSketch; ++i) {
        const uint64_t seed = context.options.seed * 1000003u + static_cast<uint64_t>(sketch) * 7919u + i;
        if (std::optional<Candidate> c = sample_candidate(context.sketches, sketch, context.workload, seed))
            samples.push_back(c->trace);
    }
    if (samples.empty()) return std::nullopt;
    SketchGrid grid;
    grid.base = samples.front();
    grid.sketch = sketch;
    grid.knobs = grid.base.sampling_indices();
    for (size_t knob : grid.knobs) {
        std::set<std::vector<int64_t>> seen;
        for (const schedule::Trace &t : samples)
            if (t.size() == grid.base.size() &&
                t.instructions()[knob].kind == grid.base.instructions()[knob].kind)
                seen.insert(t.instructions()[knob].decision);
        grid.values.push_back(coarse(seen));
        grid.combinations = std::min(kMaxCombinations, grid.combinations * grid.values.back().size());
    }
    grid.stride = spreading_stride(grid.combinations);
    return grid;
}

/// The combination number `index` of the grid as a trace (mixed radix over the knobs).
schedule::Trace combination(const SketchGrid &grid, uint64_t index) {
    schedule::Trace trace = grid.base;
    for (size_t k = 0; k < grid.knobs.size(); ++k) {
        const uint64_t radix = grid.values[k].size();
        trace = trace.with_decision(grid.knobs[k], grid.values[k][index % radix]);
        index /= radix;
    }
    return trace;
}

class GridStrategy : public BatchStrategy {
public:
    std::vector<HashedCandidate> propose(int count, SearchContext &context) override {
        if (!built_) {
            for (int s = 0; s < static_cast<int>(context.sketches.size()); ++s)
                if (std::optional<SketchGrid> grid = build_grid(context, s))
                    grids_.push_back(std::move(*grid));
            built_ = true;
        }
        std::vector<HashedCandidate> batch;
        std::unordered_set<uint64_t> in_batch, programs;
        while (static_cast<int>(batch.size()) < count) {
            std::vector<HashedCandidate> chunk = next_chunk(count - static_cast<int>(batch.size()), context);
            if (chunk.empty()) break;  // every grid swept
            context.evaluate(chunk);
            for (HashedCandidate &c : chunk)
                if (!context.measured_hashes.contains(c.hash) && in_batch.insert(c.hash).second &&
                    context.acceptable(c) && context.is_new_program(c, programs))
                    batch.push_back(std::move(c));
        }
        return batch;
    }

private:
    /// The next `count` grid points, sketches in turn, each rebuilt by its sketch (a grid value drawn under
    /// one DPU budget may exceed the budget another combination leaves: it is clamped into it).
    std::vector<HashedCandidate> next_chunk(int count, SearchContext &context) {
        std::vector<HashedCandidate> chunk;
        for (int idle = 0;
             static_cast<int>(chunk.size()) < count && idle < static_cast<int>(grids_.size());) {
            SketchGrid &grid = grids_[turn_++ % grids_.size()];
            if (grid.next >= grid.combinations) {
                ++idle;
                continue;
            }
            idle = 0;
            const uint64_t index = (grid.next++ * grid.stride) % grid.combinations;
            if (std::optional<Candidate> c =
                    rebuild(context.sketches, context.workload,
                            Candidate{combination(grid, index), grid.sketch}, context.rng))
                chunk.push_back(hashed(std::move(*c)));
        }
        return chunk;
    }

    bool built_ = false;
    std::vector<SketchGrid> grids_;
    size_t turn_ = 0;
};

}  // namespace

std::unique_ptr<BatchStrategy> make_grid_strategy() { return std::make_unique<GridStrategy>(); }

}  // namespace atim::tune::detail
