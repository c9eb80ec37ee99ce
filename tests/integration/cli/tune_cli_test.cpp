// `atim tune` as users and scripts see it: exit codes and one-line errors for bad input, the files it writes,
// the --json report, the same seed giving the same result, and --resume measuring nothing twice.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "integration/cli/cli_fixture.h"

namespace {

using atim::testing::Outcome;
using atim::testing::slurp;

namespace fs = std::filesystem;

using TuneCli = atim::testing::CliTest;

constexpr const char *kSmall = "tune va --shape 4096 --trials 12 --batch 6 --population 16";

TEST_F(TuneCli, BadInputIsOneLineAndExitCodeTwo) {
    std::ofstream(dir_ / "corrupt.db") << "this is not an SQLite database, just text";
    struct Case {
        std::string arguments, needle;
    };
    for (const Case &c : std::vector<Case>{
             {"tune nosuchop --shape 8", "nosuchop"},
             {"tune mtv --shape 12", "shape"},
             {"tune va --shape 4096 --trials 0", "--trials"},
             {"tune va --shape 4096 --batch -1", "--batch"},
             {"tune va --shape 4096 --db corrupt.db", "corrupt.db"},
             {"tune va --shape 4096 --runner hardware", "dpu-upmem-dpurte-clang"},
             {"tune va --shape 4096 --search annealing", "annealing"},
         }) {
        Outcome o = atim(c.arguments);
        EXPECT_EQ(o.exit_code, 2) << c.arguments << "\n" << o.err;
        EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << c.arguments << "\n" << o.err;
        EXPECT_NE(o.err.find(c.needle), std::string::npos) << c.arguments << "\n" << o.err;
    }
    EXPECT_EQ(slurp(dir_ / "corrupt.db"), "this is not an SQLite database, just text");
    EXPECT_FALSE(fs::exists(dir_ / "atim_records.db"));
}

TEST_F(TuneCli, WritesTheBestProgramAndAJsonReport) {
    Outcome o = atim(fmt::format("{} --seed 3 -o best --json", kSmall));
    ASSERT_EQ(o.exit_code, 0) << o.err;
    nlohmann::json report = nlohmann::json::parse(o.out);
    for (const char *key : {"workload", "shape", "dtype", "machine", "run", "db", "trials", "valid", "pruned",
                            "failed", "best", "baseline", "speedup_vs_prim", "note"})
        EXPECT_TRUE(report.contains(key)) << key;
    EXPECT_EQ(report["trials"], 12);
    EXPECT_EQ(report["db"], "best/records.db");
    ASSERT_FALSE(report["best"].is_null());
    const nlohmann::json &t = report["best"]["time_ms"];
    EXPECT_NEAR(t["total"].get<double>(),
                t["h2d"].get<double>() + t["kernel"].get<double>() + t["after"].get<double>(), 1e-9);
    EXPECT_GT(report["baseline"]["time_ms"]["total"].get<double>(), 0);
    EXPECT_NEAR(report["speedup_vs_prim"].get<double>(),
                report["baseline"]["time_ms"]["total"].get<double>() / t["total"].get<double>(), 1e-9);
    for (const char *file :
         {"best_trace.json", "dpu.c", "host.c", "build.sh", "kernel.S", "report.json", "records.db"})
        EXPECT_TRUE(fs::exists(dir_ / "best" / file)) << file;
    EXPECT_EQ(nlohmann::json::parse(slurp(dir_ / "best" / "report.json")), report);
    // The saved trace runs with `atim run` and gives the reported time.
    Outcome run = atim("run va --shape 4096 --schedule best/best_trace.json --seed 3 --json");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    nlohmann::json ran = nlohmann::json::parse(run.out);
    EXPECT_TRUE(ran["verified"].get<bool>());
    EXPECT_NEAR(ran["time_ms"]["total"].get<double>(), t["total"].get<double>(), 1e-9);
    // Not a terminal: progress is a plain line, not one per trial.
    EXPECT_LE(std::count(o.err.begin(), o.err.end(), '\n'), 2) << o.err;
    EXPECT_EQ(o.err.find('\r'), std::string::npos);
}

TEST_F(TuneCli, SameSeedSameResultAndResumeMeasuresNothingTwice) {
    Outcome a = atim(fmt::format("{} --db a.db --json", kSmall));
    Outcome b = atim(fmt::format("{} --db b.db --json", kSmall));
    ASSERT_EQ(a.exit_code, 0) << a.err;
    ASSERT_EQ(b.exit_code, 0) << b.err;
    nlohmann::json ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
    EXPECT_EQ(ja["best"], jb["best"]);
    Outcome resumed = atim(fmt::format("{} --db a.db --resume --json", kSmall));
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    nlohmann::json jr = nlohmann::json::parse(resumed.out);
    EXPECT_EQ(jr["run"], ja["run"]);
    EXPECT_EQ(jr["reused"], 12);
    EXPECT_EQ(jr["best"], ja["best"]);
    Outcome text = atim(fmt::format("{} --db a.db", kSmall));
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_NE(text.out.find("speedup vs prim"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("#2"), std::string::npos) << "a rerun without --resume is run #2:\n" << text.out;
}

}  // namespace
