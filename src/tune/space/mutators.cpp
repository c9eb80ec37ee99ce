// Mutators (atim-method.md §6.1): each changes one sampling decision and rebuilds the candidate through its
// sketch. A decision that changes a loop extent (a DPU split) or a DPU budget moves the bounds of the
// decisions after it; the rebuild recomputes them and repairs (clamps, else re-draws) the decisions they
// refuse, so a mutated candidate is always a program its sketch builds, with the bounds the sketch gives it.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <random>
#include <set>
#include <string>

#include "atim/support/log_uniform.h"
#include "atim/tune/space.h"

namespace atim::tune {
namespace {

using schedule::Instruction;
using schedule::Trace;

schedule::Trace prefix(const Trace &trace, size_t count) {
    Trace result;
    for (size_t i = 0; i < count; ++i) result.append(trace.instructions()[i]);
    return result;
}

// Replay maps trace handles to the same ids (creation order is deterministic), so "l12" is LoopRV 12 in
// a replay of the prefix.
schedule::LoopRV loop_of(const Instruction &inst) {
    return schedule::LoopRV{std::stoi(inst.inputs.at(0).get<std::string>().substr(1))};
}

bool is_tile(const Instruction &inst) {
    return inst.kind == "sample_tile" || inst.kind == "sample_perfect_tile";
}
int tile_n(const Instruction &inst) { return inst.attrs.at("n").get<int>(); }
// DPU-level splits are the two-factor tiles [count | chunk]; in-DPU tiles have three or more factors.
bool is_dpu_split(const Instruction &inst) { return is_tile(inst) && tile_n(inst) == 2; }

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The extent of the loop a sampling instruction tiles, from a replay of the trace before it.
int64_t trace_extent(const Trace &trace, size_t index, const te::PrimFunc &func) {
    return prefix(trace, index).replay(func).loop_extent(loop_of(trace.instructions()[index]));
}

// An imperfect tile after its loop changed extent: inner factors kept where they fit, outer recomputed.
std::vector<int64_t> clamp_tile(std::vector<int64_t> f, int64_t extent) {
    int64_t product = 1;
    for (size_t i = f.size(); i-- > 1;) {
        f[i] = std::min(f[i], ceil_div(extent, product));
        product *= f[i];
    }
    f[0] = ceil_div(extent, product);
    return f;
}

// The mutated trace taken again by its sketch: later bounds follow the changed decision (a K split that
// shrinks leaves the rows split more DPUs), and later decisions the new bounds refuse are clamped or
// re-drawn. nullopt when the sketch refuses it or it builds the parent again.
std::optional<Candidate> rebuilt(const Candidate &parent, Trace moved, const std::vector<Sketch> &sketches,
                                 const workloads::Workload &workload, std::mt19937_64 &rng) {
    std::optional<Candidate> child =
        rebuild(sketches, workload, Candidate{std::move(moved), parent.sketch}, rng);
    if (!child || structural_hash(child->trace) == structural_hash(parent.trace)) return std::nullopt;
    return child;
}

template <typename Pred>
std::vector<size_t> instructions_where(const Trace &trace, Pred pred) {
    std::vector<size_t> result;
    for (size_t i : trace.sampling_indices())
        if (pred(trace.instructions()[i])) result.push_back(i);
    return result;
}

size_t pick(const std::vector<size_t> &v, std::mt19937_64 &rng) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

int64_t smallest_prime_factor(int64_t n) {
    for (int64_t p = 2; p * p <= n; ++p)
        if (n % p == 0) return p;
    return n;
}

// A nearby or fresh value for one inner factor: halve, double, +-1, or a random power of two up to `limit`.
int64_t perturb(int64_t f, int64_t limit, std::mt19937_64 &rng) {
    switch (std::uniform_int_distribution<int>(0, 4)(rng)) {
        case 0:
            return std::max<int64_t>(1, f / 2);
        case 1:
            return f * 2;
        case 2:
            return f + 1;
        case 3:
            return std::max<int64_t>(1, f - 1);
        default: {
            int log2 = 0;
            while ((int64_t{2} << log2) <= limit) ++log2;
            return int64_t{1} << std::uniform_int_distribution<int>(0, log2)(rng);
        }
    }
}

// A factor of 2 or 3 moved from one inner factor of an imperfect tile to another, as ATiM's MutateTileSize
// moves a prime factor between the levels of a perfect tile: the inner product, and so the outer factor (the
// tasklets of an in-DPU tile), stays the same while e.g. the WRAM block trades size against the steps that
// walk it. Changing one inner factor alone mostly pushes the outer one out of its tasklet bounds.
std::optional<std::vector<int64_t>> move_inner_factor(std::vector<int64_t> f, std::mt19937_64 &rng) {
    const int n = static_cast<int>(f.size());
    const int from = std::uniform_int_distribution<int>(1, n - 1)(rng);
    int to = std::uniform_int_distribution<int>(1, n - 2)(rng);
    if (to >= from) ++to;
    for (int64_t p : {std::uniform_int_distribution<int64_t>(2, 3)(rng), int64_t{2}, int64_t{3}}) {
        if (f[from] % p != 0) continue;
        f[from] /= p;
        f[to] *= p;
        return f;
    }
    return std::nullopt;
}

// The new decision of a tile (not a DPU split): perfect tiles move a prime factor between two levels
// (ATiM's MutateTileSize); imperfect tiles move a factor between inner levels or change one inner factor, the
// outer one recomputed.
std::optional<std::vector<int64_t>> mutate_tile(const Trace &trace, size_t index, const te::PrimFunc &func,
                                                std::mt19937_64 &rng) {
    const Instruction &inst = trace.instructions()[index];
    std::vector<int64_t> f = inst.decision;
    int n = static_cast<int>(f.size());
    if (n < 2) return std::nullopt;
    if (inst.kind == "sample_perfect_tile") {
        std::vector<int> from;
        for (int i = 0; i < n; ++i)
            if (f[i] > 1) from.push_back(i);
        if (from.empty()) return std::nullopt;
        int a = from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
        int b = std::uniform_int_distribution<int>(0, n - 2)(rng);
        if (b >= a) ++b;
        int64_t p = smallest_prime_factor(f[a]);
        f[a] /= p;
        f[b] *= p;
        return f;
    }
    int64_t extent = trace_extent(trace, index, func);
    if (n >= 3 && std::uniform_int_distribution<int>(0, 1)(rng))
        if (std::optional<std::vector<int64_t>> moved = move_inner_factor(f, rng))
            return clamp_tile(*moved, extent);
    int i = std::uniform_int_distribution<int>(1, n - 1)(rng);
    f[i] = std::min(perturb(f[i], extent, rng), extent);
    return clamp_tile(f, extent);
}

// A DPU split [count | chunk] with a new count, clamped to its bounds (nullopt when the bounds are empty or a
// perfect split has no divisor there).
std::optional<std::vector<int64_t>> with_dpu_count(const Instruction &inst, int64_t extent, int64_t count) {
    int64_t low = std::max<int64_t>(1, inst.attrs.at("min_outer").get<int64_t>());
    int64_t high = std::min(extent, inst.attrs.at("max_outer").get<int64_t>());
    if (low > high) return std::nullopt;
    count = std::clamp(count, low, high);
    if (inst.kind == "sample_perfect_tile") {
        while (count > low && extent % count != 0) --count;
        if (extent % count != 0) return std::nullopt;
    }
    int64_t chunk = ceil_div(extent, count);
    return std::vector<int64_t>{ceil_div(extent, chunk), chunk};
}

// The DPU counts one small move from `count`: fixed steps of 8 to 64 DPUs (a rank line to a rank), x2, /2,
// and steps relative to the count (+-1, +-2, +-1/8, +-1/4 of it). The relative steps matter for the small
// per-axis counts of a multi-axis grid (mmtv's DPUs per batch: 16 -> 11..13 pays fewer ranks for its
// pushes), which fixed steps of 8 or more skip.
std::vector<int64_t> neighbouring_dpu_counts(int64_t count) {
    std::set<int64_t> counts = {count - 64, count - 32, count - 16, count - 8, count + 8,
                                count + 16, count + 32, count + 64, count / 2, count * 2};
    for (int64_t step :
         {int64_t{1}, int64_t{2}, std::max<int64_t>(1, count / 8), std::max<int64_t>(1, count / 4)}) {
        counts.insert(count - step);
        counts.insert(count + step);
    }
    counts.erase(count);
    return {counts.begin(), counts.end()};
}

// A new DPU count for a DPU split [count | chunk]: any count in the bounds (imperfect) or a divisor of the
// extent (perfect), the chunk covering the extent.
std::optional<std::vector<int64_t>> mutate_dpu_split(const Trace &trace, size_t index,
                                                     const te::PrimFunc &func, std::mt19937_64 &rng) {
    const Instruction &inst = trace.instructions()[index];
    int64_t extent = trace_extent(trace, index, func);
    int64_t low = std::max<int64_t>(1, inst.attrs.at("min_outer").get<int64_t>());
    int64_t high = std::min(extent, inst.attrs.at("max_outer").get<int64_t>());
    if (low > high) return std::nullopt;
    // Two thirds of the time a neighbour of the current count (x2, /2, +-1 DPU rank of 64, or a small step of
    // up to an eighth of it), else anywhere in range (log-uniform). The small steps matter where transfers
    // dominate: the gather time is not monotonic in the DPU count (va 2^20 with PrIM's kernel: 0.930 ms on
    // 176 DPUs, 0.943 on 192, 0.944 on 256).
    int64_t count = inst.decision[0];
    std::uniform_int_distribution<int> sign(0, 1);
    switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
        case 0:
            count *= 2;
            break;
        case 1:
            count /= 2;
            break;
        case 2:
            count += sign(rng) ? 64 : -64;
            break;
        case 3: {
            const int64_t step =
                std::uniform_int_distribution<int64_t>(1, std::max<int64_t>(1, count / 8))(rng);
            count += sign(rng) ? step : -step;
            break;
        }
        default:  // log-uniform, as fresh draws (tile_sampling.cpp)
            count = draw_log_uniform(low, high, rng);
    }
    return with_dpu_count(inst, extent, count);
}

// `trace` with `factor` of the DPU count moved from the DPU split at `from` to the one at `to` (e.g. rows to
// the reduction), keeping the grid's size: the trade-off between transfer sizes and host work that
// single-split moves reach only through a worse grid. A sketch bounds a later split by the DPUs the earlier
// ones left, so the growing split's upper bound grows by the same factor (lowering still checks the grid
// against the machine). nullopt when either count leaves its bounds.
std::optional<Trace> traded_grid(const Trace &trace, size_t from, size_t to, int64_t factor,
                                 const te::PrimFunc &func) {
    const Instruction &shrink = trace.instructions()[from];
    if (from == to || shrink.decision[0] < factor) return std::nullopt;
    Instruction grow = trace.instructions()[to];
    const int64_t max_outer = grow.attrs.at("max_outer").get<int64_t>();
    if (max_outer <= std::numeric_limits<int64_t>::max() / factor)
        grow.attrs["max_outer"] = max_outer * factor;
    std::optional<std::vector<int64_t>> shrunk =
        with_dpu_count(shrink, trace_extent(trace, from, func), shrink.decision[0] / factor);
    std::optional<std::vector<int64_t>> grown =
        with_dpu_count(grow, trace_extent(trace, to, func), grow.decision[0] * factor);
    if (!shrunk || !grown || *shrunk == shrink.decision || *grown == grow.decision) return std::nullopt;
    grow.decision = *grown;
    return trace.with_decision(from, *shrunk).with_instruction(to, std::move(grow));
}

// A random trade of a factor of 2 or 3 between two DPU splits.
std::optional<Trace> trade_dpus(const Trace &trace, const std::vector<size_t> &splits,
                                const te::PrimFunc &func, std::mt19937_64 &rng) {
    if (splits.size() < 2) return std::nullopt;
    size_t from = pick(splits, rng), to = pick(splits, rng);
    const int64_t factor = std::uniform_int_distribution<int64_t>(2, 3)(rng);
    return traded_grid(trace, from, to, factor, func);
}

// Another index of a categorical or compute-location decision among `choices`.
std::optional<std::vector<int64_t>> other_index(const Instruction &inst, size_t choices,
                                                std::mt19937_64 &rng) {
    if (choices < 2) return std::nullopt;
    int64_t index = std::uniform_int_distribution<int64_t>(0, static_cast<int64_t>(choices) - 2)(rng);
    if (index >= inst.decision.at(0)) ++index;
    return std::vector<int64_t>{index};
}

std::vector<size_t> targets(const Trace &trace, MutatorKind kind) {
    switch (kind) {
        case MutatorKind::TileSize:
            return instructions_where(trace,
                                      [](const Instruction &i) { return is_tile(i) && !is_dpu_split(i); });
        case MutatorKind::DpuGrid:
            return instructions_where(trace, is_dpu_split);
        case MutatorKind::ComputeLocation:
            return instructions_where(trace, [](const Instruction &i) {
                return i.kind == "sample_compute_location" && i.inputs.size() > 1;
            });
        case MutatorKind::Unroll:
            return instructions_where(trace, [](const Instruction &i) {
                return i.kind == "sample_categorical" && i.attrs.at("candidates").size() > 1;
            });
    }
    return {};
}

}  // namespace

std::optional<Candidate> mutate(const Candidate &candidate, MutatorKind kind,
                                const std::vector<Sketch> &sketches, const workloads::Workload &workload,
                                std::mt19937_64 &rng) {
    const Trace &trace = candidate.trace;
    std::vector<size_t> where = targets(trace, kind);
    if (where.empty()) return std::nullopt;
    size_t index = pick(where, rng);
    const Instruction &inst = trace.instructions()[index];
    // Half of the DPU-grid moves trade DPUs between two splits (two decisions changed at once).
    if (kind == MutatorKind::DpuGrid && where.size() > 1 && std::uniform_int_distribution<int>(0, 1)(rng)) {
        std::optional<Trace> traded;
        try {
            traded = trade_dpus(trace, where, workload.func, rng);
        } catch (const schedule::ScheduleError &) {
            return std::nullopt;
        }
        if (!traded) return std::nullopt;
        return rebuilt(candidate, std::move(*traded), sketches, workload, rng);
    }
    std::optional<std::vector<int64_t>> decision;
    try {
        switch (kind) {
            case MutatorKind::TileSize:
                decision = mutate_tile(trace, index, workload.func, rng);
                break;
            case MutatorKind::DpuGrid:
                decision = mutate_dpu_split(trace, index, workload.func, rng);
                break;
            case MutatorKind::ComputeLocation:
                decision = other_index(inst, inst.inputs.size(), rng);
                break;
            case MutatorKind::Unroll:
                decision = other_index(inst, inst.attrs.at("candidates").size(), rng);
                break;
        }
    } catch (const schedule::ScheduleError &) {
        return std::nullopt;
    }
    if (!decision || *decision == inst.decision) return std::nullopt;
    return rebuilt(candidate, trace.with_decision(index, *decision), sketches, workload, rng);
}

std::vector<Candidate> neighbours(const Candidate &candidate, const std::vector<Sketch> &sketches,
                                  const workloads::Workload &workload) {
    const Trace &trace = candidate.trace;
    std::vector<Candidate> result;
    // A repair re-draws a tile only when clamping cannot make it fit; seeded by position, so the
    // neighbourhood is a function of the candidate.
    auto add_repaired = [&](const Trace &moved, size_t first_changed) {
        std::mt19937_64 rng(first_changed * 1009 + result.size());
        if (std::optional<Candidate> child = rebuilt(candidate, moved, sketches, workload, rng))
            result.push_back(std::move(*child));
    };
    auto add = [&](size_t index, const std::optional<std::vector<int64_t>> &decision) {
        if (decision && *decision != trace.instructions()[index].decision)
            add_repaired(trace.with_decision(index, *decision), index);
    };
    const std::vector<size_t> splits = instructions_where(trace, is_dpu_split);
    for (size_t index : trace.sampling_indices()) {
        const Instruction &inst = trace.instructions()[index];
        try {
            if (is_dpu_split(inst)) {
                const int64_t extent = trace_extent(trace, index, workload.func), count = inst.decision[0];
                for (int64_t other : neighbouring_dpu_counts(count))
                    add(index, with_dpu_count(inst, extent, other));
                for (size_t to : splits)
                    if (std::optional<Trace> traded = traded_grid(trace, index, to, 2, workload.func))
                        add_repaired(*traded, std::min(index, to));
            } else if (inst.kind == "sample_tile" && tile_n(inst) >= 3) {
                const int64_t extent = trace_extent(trace, index, workload.func);
                const int n = tile_n(inst);
                for (int from = 1; from < n; ++from) {
                    // One inner factor doubled or halved, the outer one (e.g. the tasklets) recomputed.
                    for (int64_t scaled : {inst.decision[from] * 2, inst.decision[from] / 2}) {
                        std::vector<int64_t> f = inst.decision;
                        if (scaled < 1) continue;
                        f[from] = scaled;
                        add(index, clamp_tile(f, extent));
                    }
                    for (int to = 1; to < n; ++to)
                        for (int64_t p : {2, 3}) {
                            std::vector<int64_t> f = inst.decision;
                            if (from == to || f[from] % p != 0) continue;
                            f[from] /= p;
                            f[to] *= p;
                            add(index, clamp_tile(f, extent));
                        }
                }
            } else if (inst.kind == "sample_compute_location" || inst.kind == "sample_categorical") {
                const size_t choices = inst.kind == "sample_categorical" ? inst.attrs.at("candidates").size()
                                                                         : inst.inputs.size();
                for (size_t other = 0; other < choices; ++other)
                    add(index, std::vector<int64_t>{static_cast<int64_t>(other)});
            }
        } catch (const schedule::ScheduleError &) {
            continue;  // a prefix that no longer replays has no neighbours at this decision
        }
    }
    return result;
}

std::optional<Candidate> mutate_random(const Candidate &candidate, const std::vector<Sketch> &sketches,
                                       const workloads::Workload &workload, std::mt19937_64 &rng) {
    static constexpr std::array<MutatorKind, 4> kKinds = {MutatorKind::TileSize, MutatorKind::ComputeLocation,
                                                          MutatorKind::Unroll, MutatorKind::DpuGrid};
    // ATiM mutates tile sizes, DPU splits included, with probability 0.90; here the DPU splits are their own
    // mutator, and since the grid sets every transfer size and the host's work it gets a third of that.
    static constexpr std::array<double, 4> kProbabilities = {0.60, 0.05, 0.05, 0.30};
    std::discrete_distribution<size_t> choose(kProbabilities.begin(), kProbabilities.end());
    size_t first = choose(rng);
    // The drawn kind first (a few tries: a draw may land on an invalid decision), then the others.
    for (size_t k = 0; k < kKinds.size(); ++k) {
        MutatorKind kind = kKinds[(first + k) % kKinds.size()];
        for (int attempt = 0; attempt < 4; ++attempt)
            if (std::optional<Candidate> m = mutate(candidate, kind, sketches, workload, rng)) return m;
    }
    return std::nullopt;
}

}  // namespace atim::tune
