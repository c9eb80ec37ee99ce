#include "epsilon_schedule.h"

#include <algorithm>

namespace atim::tune::detail {
namespace {

constexpr double kInitialEpsilon = 0.5;

}  // namespace

double early_phase_trials(const SearchOptions &options) {
    const double share = options.early_phase * options.trials;
    if (options.early_phase_max_trials <= 0) return share;
    return std::min(share, static_cast<double>(options.early_phase_max_trials));
}

double epsilon_at(const SearchOptions &options, int trials_done) {
    if (!options.adaptive_epsilon) return options.epsilon;
    const double span = early_phase_trials(options);
    if (span <= 0) return options.epsilon;
    const double decayed = kInitialEpsilon - (kInitialEpsilon - options.epsilon) * trials_done / span;
    return std::max(decayed, options.epsilon);
}

bool in_early_phase(const SearchOptions &options, int trials_done) {
    return trials_done < early_phase_trials(options);
}

}  // namespace atim::tune::detail
