#include "epsilon_schedule.h"

#include <algorithm>

namespace atim::tune::detail {
namespace {

constexpr double kInitialEpsilon = 0.5;

}  // namespace

double epsilon_at(const SearchOptions &options, int trials_done) {
    if (!options.adaptive_epsilon) return options.epsilon;
    const double span = options.early_phase * options.trials;
    if (span <= 0) return options.epsilon;
    const double decayed = kInitialEpsilon - (kInitialEpsilon - options.epsilon) * trials_done / span;
    return std::max(decayed, options.epsilon);
}

bool in_early_phase(const SearchOptions &options, int trials_done) {
    return trials_done < options.early_phase * options.trials;
}

}  // namespace atim::tune::detail
