// `atim bench --suite atim` on tiny configurations: one-line errors with exit code 2, the table and CSV
// columns, speedups that agree with the reported times, and the tuned-versus-PrIM+Search verdict stated
// honestly either way.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "integration/cli/cli_fixture.h"

namespace {

using atim::testing::Outcome;
using atim::testing::slurp;

namespace fs = std::filesystem;

using BenchCli = atim::testing::CliTest;

// Two tiny entries on one rank: the grid has 2 x 2 x 2 PrIM+Search points, 2 x 2 x 2 x 1 2-D expert points
// for mtv (2 x 2 x 1 for va, which splits no reduction), 2 SimplePIM points for va (none for mtv), the tuner
// 8 trials.
constexpr const char *kTiny =
    "bench --suite atim --entry mtv:64x64 --entry va:4096 --machine upmem-rank --dpus 4,8 --tasklets 8,16 "
    "--blocks 16,32 --k-ways 1,2 --caches 16 --trials 8 --batch 4 --population 16";

std::vector<std::string> split(const std::string &text, char separator) {
    std::vector<std::string> parts;
    std::stringstream stream(text);
    for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
    return parts;
}

TEST_F(BenchCli, BadInputIsOneLineAndExitCodeTwo) {
    struct Case {
        std::string arguments, needle;
    };
    for (const Case &c : std::vector<Case>{
             {"bench --suite prim", "prim"},
             {"bench --suite atim --only nosuch", "nosuch"},
             {"bench --suite atim --trials 0", "--trials"},
             {"bench --suite atim --dpus 0,4", "--dpus"},
             {"bench --suite atim --k-ways 0", "--k-ways"},
             {"bench --suite atim --plot /proc/atim-plots", "--plot"},
             {"bench --suite atim --entry mtv", "WORKLOAD:SHAPE"},
             {"bench --suite atim --entry mtv:12", "shape"},
             {"bench --suite atim --machine nosuch-machine", "nosuch-machine"},
         }) {
        Outcome o = atim(c.arguments + " --csv never.csv");
        EXPECT_EQ(o.exit_code, 2) << c.arguments << "\n" << o.err;
        EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << c.arguments << "\n" << o.err;
        EXPECT_NE(o.err.find(c.needle), std::string::npos) << c.arguments << "\n" << o.err;
    }
    EXPECT_FALSE(fs::exists(dir_ / "never.csv"));
}

TEST_F(BenchCli, TableAndCsvReportEveryMethodAndHonestSpeedups) {
    Outcome o = atim(fmt::format("{} --csv suite.csv --plot plots", kTiny));
    ASSERT_EQ(o.exit_code, 0) << o.err;
    for (const char *needle : {"h2d ms", "kernel ms", "after ms", "total ms", "PrIM+Search", "2-D+Search",
                               "SimplePIM", "does not apply: SimplePIM has va and red only, no mtv", "tuned",
                               "geometric mean speedup", "over SimplePIM", "simulated", "estimated"})
        EXPECT_NE(o.out.find(needle), std::string::npos) << needle << "\n" << o.out;
    EXPECT_NE(o.err.find("bench: [2/2] va-4096"), std::string::npos) << o.err;

    const std::vector<std::string> lines = split(slurp(dir_ / "suite.csv"), '\n');
    ASSERT_EQ(lines.size(), 4u);  // header, two entries, geometric means
    const std::vector<std::string> header = split(lines[0], ',');
    auto column = [&](const std::string &name) {
        const auto at = std::find(header.begin(), header.end(), name);
        EXPECT_NE(at, header.end()) << name;
        return static_cast<size_t>(at - header.begin());
    };
    for (const char *method : {"prim", "prim_search", "simplepim", "expert_search", "tuned"})
        for (const char *phase : {"h2d", "kernel", "after", "total"})
            column(fmt::format("{}_{}_ms", method, phase));
    for (size_t row = 1; row <= 2; ++row) {
        std::vector<std::string> cells = split(lines[row], ',');
        cells.resize(header.size());
        const double prim = std::stod(cells[column("prim_total_ms")]);
        const double search = std::stod(cells[column("prim_search_total_ms")]);
        const double tuned = std::stod(cells[column("tuned_total_ms")]);
        const double expert = std::stod(cells[column("expert_search_total_ms")]);
        EXPECT_EQ(cells[column("prim_search_points")], "8");
        EXPECT_EQ(cells[column("expert_search_points")], row == 1 ? "8" : "4");
        EXPECT_EQ(cells[column("tuned_trials")], "8");
        // PrIM+Search's grid contains PrIM's 16 tasklets but not its 256-element block, so no order between
        // them is asserted; the speedups must be the ratios of the reported totals, whichever way they go.
        EXPECT_NEAR(std::stod(cells[column("speedup_tuned_vs_prim")]), prim / tuned, 1e-3 * prim / tuned);
        EXPECT_NEAR(std::stod(cells[column("speedup_tuned_vs_prim_search")]), search / tuned,
                    1e-3 * search / tuned);
        EXPECT_NEAR(std::stod(cells[column("speedup_tuned_vs_expert_search")]), expert / tuned,
                    1e-3 * expert / tuned);
        const double split_sum = std::stod(cells[column("tuned_h2d_ms")]) +
                                 std::stod(cells[column("tuned_kernel_ms")]) +
                                 std::stod(cells[column("tuned_after_ms")]);
        EXPECT_NEAR(split_sum, tuned, 1e-5) << lines[row];
        // SimplePIM: va only (row 2), its 12 tasklets and 256-element block at the best of 2 DPU counts.
        if (row == 1) {
            EXPECT_EQ(cells[column("simplepim_points")], "") << lines[row];
            EXPECT_EQ(cells[column("simplepim_total_ms")], "") << lines[row];
            EXPECT_EQ(cells[column("speedup_tuned_vs_simplepim")], "") << lines[row];
        } else {
            EXPECT_EQ(cells[column("simplepim_points")], "2");
            EXPECT_EQ(cells[column("simplepim_tasklets")], "12");
            EXPECT_EQ(cells[column("simplepim_block")], "256");
            const double simplepim = std::stod(cells[column("simplepim_total_ms")]);
            EXPECT_NEAR(std::stod(cells[column("speedup_tuned_vs_simplepim")]), simplepim / tuned,
                        1e-3 * simplepim / tuned);
        }
    }
    EXPECT_EQ(split(lines[3], ',').front(), "geomean");

    // --plot: gnuplot's figures beside the data and the script that drew them.
    for (const char *file :
         {"suite_speedups.dat", "suite_speedups.gp", "suite_speedups.png", "suite_speedups.svg"})
        EXPECT_GT(fs::file_size(dir_ / "plots" / file), 0u) << file;
    EXPECT_NE(slurp(dir_ / "plots" / "suite_speedups.svg").find("<svg"), std::string::npos);
    EXPECT_NE(slurp(dir_ / "plots" / "suite_speedups.dat").find("\"mtv-64x64\""), std::string::npos);
    EXPECT_NE(slurp(dir_ / "plots" / "suite_speedups.gp").find("SimplePIM"), std::string::npos);
}

TEST_F(BenchCli, JsonStatesWhereTunedLost) {
    Outcome o = atim(fmt::format("{} --only mtv --json", kTiny));
    ASSERT_EQ(o.exit_code, 0) << o.err;
    nlohmann::json report = nlohmann::json::parse(o.out);
    ASSERT_EQ(report["entries"].size(), 1u);
    const nlohmann::json &entry = report["entries"][0];
    EXPECT_EQ(entry["entry"], "mtv-64x64");
    const double search = entry["prim_search"]["time_ms"]["total"];
    const double tuned = entry["tuned"]["time_ms"]["total"];
    const bool listed = !report["tuned_slower_than_prim_search"].empty();
    EXPECT_EQ(listed, tuned > search) << "tuned " << tuned << " ms, PrIM+Search " << search << " ms";
    const double expert = entry["expert_search"]["time_ms"]["total"];
    EXPECT_EQ(!report["tuned_slower_than_expert_search"].empty(), tuned > expert)
        << "tuned " << tuned << " ms, 2-D expert+Search " << expert << " ms";
    EXPECT_TRUE(entry["prim_search"]["note"].get<std::string>().find("simulated") != std::string::npos);
    // SimplePIM has no mtv: null sweep and speedup, no geometric mean over it.
    EXPECT_TRUE(entry["simplepim"].is_null());
    EXPECT_TRUE(entry["speedup_tuned_vs_simplepim"].is_null());
    EXPECT_TRUE(report["geomean_speedup_tuned_vs_simplepim"].is_null());
    EXPECT_TRUE(report["tuned_slower_than_simplepim"].empty());
}

}  // namespace
