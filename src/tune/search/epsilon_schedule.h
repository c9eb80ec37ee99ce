// ATiM's adaptive epsilon-greedy (atim-method.md §6.2 b): the share of each batch drawn at random.
#pragma once

#include "atim/tune/search.h"

namespace atim::tune::detail {

/// The trials of the early phase: early_phase of the budget, at most early_phase_max_trials (when > 0).
double early_phase_trials(const SearchOptions &options);

/// With adaptive_epsilon: max(0.5 - (0.5 - epsilon) * done / early_phase_trials, epsilon), i.e. 0.5 at the
/// start, decaying linearly to `epsilon` at the end of the early phase. Otherwise `epsilon`.
double epsilon_at(const SearchOptions &options, int trials_done);

/// Whether `trials_done` lies in the early phase (balanced sampling applies).
bool in_early_phase(const SearchOptions &options, int trials_done);

}  // namespace atim::tune::detail
