// Running gnuplot on a script written beside its data.
#include "atim/support/gnuplot.h"

#include <fmt/format.h>

#include <cstdlib>

namespace atim {
namespace {

/// `path` in single quotes for the shell (paths with a quote in them are not supported).
std::string shell_quoted(const std::string &path) { return "'" + path + "'"; }

}  // namespace

bool gnuplot_available() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

bool run_gnuplot(const std::string &dir, const std::string &script) {
    if (!gnuplot_available()) return false;
    const std::string command = fmt::format("cd {} && gnuplot {}", shell_quoted(dir), shell_quoted(script));
    return std::system(command.c_str()) == 0;
}

std::string draw_figure(const std::string &dir, const std::string &name, const std::string &what) {
    if (!gnuplot_available()) return fmt::format("(gnuplot not installed: {}/{}.gp not drawn)", dir, name);
    if (!run_gnuplot(dir, name + ".gp")) return fmt::format("(gnuplot failed on {}/{}.gp)", dir, name);
    return fmt::format("{}: {}/{}.{{png,svg}} (data and script beside it)", what, dir, name);
}

}  // namespace atim
