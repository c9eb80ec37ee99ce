// `--schedule sketch` as users see it: `atim schedules` lists every decision of each sketch, `atim tune`
// prints its best program as the command that re-runs it (and that command gives the reported time), and
// illegal parameters are one line with exit code 2.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "integration/cli/cli_fixture.h"

namespace {

using atim::testing::Outcome;
using SketchCli = atim::testing::CliTest;

TEST_F(SketchCli, SchedulesListsEveryDecisionOfEachSketch) {
    const Outcome o = atim("schedules mtv --shape 96x120");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    for (const char *needle : {"sketch:", "--param sketch=reduction-in-dpu", "--param sketch=reduction-split",
                               "--param dpus.k=2..", "--param dpus.i=1..", "--param tile.i=",
                               "--param tile.k=", "--param read_cache=i1|k0|k1", "--param write_cache=i1",
                               "--param unroll=0|16|64|512", "--param host_threads="})
        EXPECT_NE(o.out.find(needle), std::string::npos) << needle << "\n" << o.out;
}

TEST_F(SketchCli, TheTunedProgramRerunsFromItsCommandLine) {
    const Outcome tuned =
        atim("tune mtv --shape 96x120 --trials 12 --batch 6 --population 16 --seed 3 --json");
    ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
    const nlohmann::json report = nlohmann::json::parse(tuned.out);
    ASSERT_FALSE(report["best"].is_null());
    const std::string command = report["best"]["command"].get<std::string>();
    ASSERT_EQ(command.rfind("atim run mtv --shape 96x120 ", 0), 0u) << command;
    EXPECT_NE(command.find("--schedule sketch --param sketch="), std::string::npos) << command;
    // The same parameters as an object, for scripts.
    const nlohmann::json &params = report["best"]["params"];
    ASSERT_TRUE(params.is_object());
    for (const auto &[name, value] : params.items())
        EXPECT_NE(command.find(" --param " + name + "=" + value.get<std::string>()), std::string::npos)
            << name;
    EXPECT_TRUE(params.contains("sketch") && params.contains("dpus.i") && params.contains("tile.i"));
    // The report's time is the best program re-measured with every DPU simulated: re-run it the same way.
    const Outcome rerun = atim(command.substr(5) + " --seed 3 --sim full --json");
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    EXPECT_EQ(rerun.err, "");  // every decision given: nothing drawn, nothing to note
    const nlohmann::json ran = nlohmann::json::parse(rerun.out);
    EXPECT_TRUE(ran["verified"].get<bool>());
    EXPECT_EQ(ran["dpus"], report["best"]["dpus"]);
    EXPECT_EQ(ran["tasklets"], report["best"]["tasklets"]);
    EXPECT_NEAR(ran["time_ms"]["total"].get<double>(), report["best"]["time_ms"]["total"].get<double>(),
                1e-9);
}

TEST_F(SketchCli, DrawnDecisionsAreNotedAsTheCommandThatRerunsThem) {
    const Outcome o = atim("compile mtv --shape 96x120 --schedule sketch --param dpus.i=8 --emit ir");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    ASSERT_EQ(o.err.rfind("note: decisions not given were drawn; this program is --schedule sketch", 0), 0u)
        << o.err;
    const std::string arguments = o.err.substr(o.err.find("--schedule sketch"));
    EXPECT_NE(arguments.find("--param dpus.i=8 "), std::string::npos) << arguments;
    const Outcome again =
        atim("compile mtv --shape 96x120 " + arguments.substr(0, arguments.size() - 1) + " --emit ir");
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.out, o.out);
}

TEST_F(SketchCli, IllegalParametersAreOneLineAndExitCodeTwo) {
    struct Case {
        std::string params, needle;
    };
    for (const Case &c : std::vector<Case>{
             {"--param nosuch=3", "nosuch"},
             {"--param sketch=spatial", "sketch=spatial"},
             {"--param sketch=reduction-split --param dpus.k=999", "dpus.k=999"},
             {"--param dpus.i=abc", "dpus.i=abc"},
             {"--param unroll=7", "unroll=7"},
             {"--param read_cache=zz", "read_cache=zz"},
             {"--param tile.i=1,2", "tile.i=1,2"},
         }) {
        const Outcome o = atim("run mtv --shape 96x120 --schedule sketch " + c.params);
        EXPECT_EQ(o.exit_code, 2) << c.params << "\n" << o.err;
        EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << c.params << "\n" << o.err;
        EXPECT_NE(o.err.find(c.needle), std::string::npos) << c.params << "\n" << o.err;
    }
}

}  // namespace
