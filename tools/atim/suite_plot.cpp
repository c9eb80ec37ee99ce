// `atim bench --plot`: the suite's speedups as grouped bars, through gnuplot.
#include "suite_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "atim/support/error.h"
#include "atim/support/gnuplot.h"

namespace atim::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char *kName = "suite_speedups";

std::string cell(const std::optional<double> &speedup) {
    return speedup ? fmt::format("{:.4f}", *speedup) : "?";  // gnuplot's missing-value mark
}

std::string data_text(const std::vector<tune::EntryResult> &results) {
    std::string text =
        "# entry  tuned/prim  tuned/PrIM+Search  tuned/2-D-expert+Search  tuned/SimplePIM (baseline total / "
        "tuned total; ? where a baseline did not run: SimplePIM has va and red only)\n";
    for (const tune::EntryResult &r : results)
        text += fmt::format("\"{}\" {} {} {} {}\n", r.entry.name, cell(r.speedup_vs_prim()),
                            cell(r.speedup_vs_prim_search()), cell(r.speedup_vs_expert_search()),
                            cell(r.speedup_vs_simplepim()));
    return text;
}

/// One figure per terminal from the same plot commands. The SimplePIM bars only when some entry has one
/// (SimplePIM has va and red only): gnuplot warns about a series with no valid point.
std::string script_text(std::string title, bool with_simplepim) {
    std::replace(title.begin(), title.end(), '\'', ' ');  // it goes between single quotes
    std::string plot = fmt::format(R"(set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y 2
set grid ytics
set key top left
set ylabel 'speedup of the tuned program (baseline total / tuned total)'
set xtics rotate by -40 scale 0 font ',9'
set title '{1}'
plot '{0}.dat' using 2:xtic(1) title 'prim', '' using 3 title 'PrIM+Search', \
     '' using 4 title '2-D expert+Search', {2}\
     1 with lines dashtype 2 linecolor rgb 'black' notitle
)",
                                   kName, title, with_simplepim ? "'' using 5 title 'SimplePIM', " : "");
    return fmt::format(
        "set terminal pngcairo size 1400,560\nset output '{0}.png'\n{1}"
        "set terminal svg size 1400,560 dynamic\nset output '{0}.svg'\nreplot\n",
        kName, plot);
}

void write_file(const fs::path &path, const std::string &text) {
    std::ofstream file(path, std::ios::binary);
    file << text;
    ATIM_CHECK(file.good(), "cannot write {}", path.string());
}

}  // namespace

void check_plot_output(const std::string &dir) {
    if (!gnuplot_available())
        user_error(
            "--plot needs gnuplot; install it (apt-get install gnuplot-nox, or scripts/install_deps.sh)");
    std::error_code error;
    fs::create_directories(dir, error);
    if (error || !fs::is_directory(dir))
        user_error("--plot {}: cannot create that directory; give a writable path", dir);
}

void plot_suite_speedups(const std::vector<tune::EntryResult> &results, const std::string &title,
                         const std::string &dir) {
    write_file(fs::path(dir) / fmt::format("{}.dat", kName), data_text(results));
    const bool with_simplepim = std::any_of(results.begin(), results.end(), [](const tune::EntryResult &r) {
        return r.speedup_vs_simplepim().has_value();
    });
    write_file(fs::path(dir) / fmt::format("{}.gp", kName), script_text(title, with_simplepim));
    ATIM_CHECK(run_gnuplot(dir, fmt::format("{}.gp", kName)), "gnuplot failed on {}/{}.gp", dir, kName);
}

}  // namespace atim::cli
