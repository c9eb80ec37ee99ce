// How a sketch takes its decisions: drawn at random, or pinned from outside (named command-line parameters,
// the decisions of a trace being rebuilt, a seed plan). Every sketch takes all of its sampling decisions
// through one DecisionPicker, which also names them, so the tuner's decisions and `--schedule sketch
// --param NAME=VALUE` are the same list.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "atim/schedule/schedule.h"
#include "atim/tune/space.h"

namespace atim::tune::space {

enum class DecisionKind {
    DpuSplit,     ///< [count | chunk] of a loop over DPUs; named by its count
    Tile,         ///< in-DPU tile [outer, f1, ..., fn-1] (outer: tasklets for the tasklet level)
    Categorical,  ///< one of a list of values (unroll step, host threads)
    Location,     ///< one of a list of loops (where a cache is filled or written back)
};

/// What a sketch asks for at one decision, with the bounds this build computed for it.
struct DecisionRequest {
    size_t ordinal = 0;  ///< among the sketch's decisions, in build order
    DecisionKind kind = DecisionKind::Tile;
    DecisionInfo info;
    int64_t extent = 0;  ///< of the loop a split or tile cuts
    int n = 0;           ///< factors of a split or tile
    int64_t max_innermost = std::numeric_limits<int64_t>::max();
    int64_t min_outer = 1, max_outer = std::numeric_limits<int64_t>::max();
    bool perfect = false;             ///< factors must divide the extent
    std::vector<int64_t> values;      ///< categorical values
    std::vector<std::string> labels;  ///< location labels (tile level names, e.g. "k0")
};

/// The decision a source wants (in the trace's encoding: factors, or an index), or nullopt to draw it.
using DecisionSource = std::function<std::optional<std::vector<int64_t>>(const DecisionRequest &)>;

/// What to do with a pinned decision the bounds of this build refuse.
enum class OnIllegal {
    Throw,   ///< ScheduleError naming the decision (command-line parameters, seeds)
    Repair,  ///< clamp it into the bounds, else draw it afresh (a mutated trace whose earlier decision moved)
};

class DecisionPicker {
public:
    explicit DecisionPicker(DecisionSource source = {}, OnIllegal on_illegal = OnIllegal::Throw);

    /// A DPU-level split [count | chunk] of `loop` with count in [min_count, max_count] (capped by the
    /// extent).
    std::vector<schedule::ExprRV> dpu_split(schedule::Schedule &sch, DecisionInfo info,
                                            const schedule::LoopRV &loop, int64_t min_count,
                                            int64_t max_count, bool perfect);
    /// An in-DPU tile of `loop` into n factors, innermost <= max_innermost, outer in [min_outer, max_outer].
    std::vector<schedule::ExprRV> tile(schedule::Schedule &sch, DecisionInfo info,
                                       const schedule::LoopRV &loop, int n, int64_t max_innermost,
                                       int64_t min_outer, int64_t max_outer, bool perfect);
    /// One of `values`, uniformly.
    schedule::ExprRV categorical(schedule::Schedule &sch, DecisionInfo info,
                                 const std::vector<int64_t> &values);
    /// One of `loops`, uniformly; `labels` name them for the command line.
    schedule::LoopRV location(schedule::Schedule &sch, DecisionInfo info,
                              const std::vector<schedule::LoopRV> &loops,
                              const std::vector<std::string> &labels);

    /// Every decision taken so far, in order, with the bounds it was taken under.
    const std::vector<DecisionRequest> &requests() const { return requests_; }

private:
    /// Takes the decision of `request` through `sample` (a sample_* call on the schedule).
    template <typename Sample>
    auto take(schedule::Schedule &sch, DecisionRequest request, Sample sample) -> decltype(sample());

    DecisionSource source_;
    OnIllegal on_illegal_;
    std::vector<DecisionRequest> requests_;
};

/// A DPU split of `extent` over `count` DPUs in the trace's encoding, [ceil(extent / chunk), chunk] with
/// chunk = ceil(extent / count) (for a count the chunks fill exactly, the first factor is the count).
std::vector<int64_t> dpu_split_decision(int64_t extent, int64_t count);

/// The decision of `request` moved into its bounds: a DPU count clamped (and, for a perfect split, lowered to
/// a divisor), an imperfect tile's inner factors kept where they fit and its outer factor recomputed.
/// nullopt when nothing in the bounds is near (the caller draws afresh).
std::optional<std::vector<int64_t>> clamped_decision(const DecisionRequest &request,
                                                     const std::vector<int64_t> &decision);

}  // namespace atim::tune::space
