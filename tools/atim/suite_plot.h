// Figures of `atim bench --plot DIR`, drawn by gnuplot (Debian's gnuplot-nox): the data and the script are
// written next to the figures, so a figure can be redrawn or restyled by hand.
#pragma once

#include <string>
#include <vector>

#include "atim/tune/evaluation.h"

namespace atim::cli {

/// Checks, before anything is measured, that gnuplot runs and that `dir` can be created; throws UserError
/// saying what to do otherwise.
void check_plot_output(const std::string &dir);

/// suite_speedups.{dat,gp,png,svg} in `dir`: per entry, the tuned program's speedup over each baseline as
/// grouped bars on a log axis, with the parity line at 1.
/// `title` names what was measured (machine, trials).
void plot_suite_speedups(const std::vector<tune::EntryResult> &results, const std::string &title,
                         const std::string &dir);

}  // namespace atim::cli
