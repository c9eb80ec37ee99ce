// Drawing figures with gnuplot (Debian's gnuplot-nox): the benches and `atim bench --plot` write a data file
// and a script beside it, then run gnuplot in that directory so the script's relative paths resolve.
#pragma once

#include <string>

namespace atim {

/// Whether a `gnuplot` executable is on the PATH.
bool gnuplot_available();

/// Runs gnuplot on `script` (a file name inside `dir`) with `dir` as the working directory; false when
/// gnuplot is missing or fails.
bool run_gnuplot(const std::string &dir, const std::string &script);

/// Runs gnuplot on DIR/NAME.gp and returns one line for a report: where the figure NAME.{png,svg} is, or
/// why it was not drawn. `what` names the figure ("curves", "figure").
std::string draw_figure(const std::string &dir, const std::string &name, const std::string &what);

}  // namespace atim
