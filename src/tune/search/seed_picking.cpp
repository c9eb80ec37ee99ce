#include "seed_picking.h"

#include <algorithm>

namespace atim::tune::detail {

std::vector<size_t> pick_measured_seeds(const std::vector<MeasuredCandidate> &measured, int count,
                                        bool balanced) {
    std::vector<size_t> ok;
    for (size_t i = 0; i < measured.size(); ++i)
        if (measured[i].result.ok()) ok.push_back(i);
    // Ties by trial order keep the pick deterministic.
    std::stable_sort(ok.begin(), ok.end(), [&](size_t a, size_t b) {
        return measured[a].result.total_ms < measured[b].result.total_ms;
    });
    const auto limit = static_cast<size_t>(std::max(count, 0));
    if (balanced) {
        std::vector<size_t> split, kept;
        for (size_t i : ok) (measured[i].family == SketchFamily::ReductionSplit ? split : kept).push_back(i);
        if (!split.empty() && !kept.empty()) {
            std::vector<size_t> seeds;
            for (size_t k = 0; seeds.size() < limit && k < split.size() && k < kept.size(); ++k) {
                seeds.push_back(split[k]);
                if (seeds.size() < limit) seeds.push_back(kept[k]);
            }
            return seeds;
        }
    }
    if (ok.size() > limit) ok.resize(limit);
    return ok;
}

}  // namespace atim::tune::detail
