// `atim run --sim full|identical|sampled`: what each mode simulated and verified, said in the JSON and the
// text output, and a bad mode as a one-line error.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "integration/cli/cli_fixture.h"

namespace atim::testing {
namespace {

using SimModeCli = CliTest;

constexpr const char *kRun =
    "run mtv --shape 256x64 --schedule prim --param dpus=16 --param tasklets=4 --json";

TEST_F(SimModeCli, EachModeSaysWhatItSimulatedAndVerified) {
    nlohmann::json full, sampled;
    for (const char *mode : {"full", "identical", "sampled"}) {
        Outcome o = atim(fmt::format("{} --sim {}", kRun, mode));
        ASSERT_EQ(o.exit_code, 0) << mode << ": " << o.err;
        nlohmann::json j = nlohmann::json::parse(o.out);
        EXPECT_EQ(j["verified"], true) << mode;
        const nlohmann::json &simulation = j["stats"]["simulation"];
        EXPECT_EQ(simulation["mode"], mode);
        EXPECT_EQ(simulation["dpus"], 16);
        EXPECT_EQ(simulation["total_elements"], 256);
        if (std::string(mode) == "full") full = j;
        if (std::string(mode) == "sampled") sampled = j;
    }
    EXPECT_EQ(full["stats"]["simulation"]["verified_elements"], 256);
    EXPECT_EQ(full["stats"]["simulation"]["kernel_time"], "simulated");
    EXPECT_EQ(full["stats"]["counters"]["simulated_dpu_runs"], 16);
    // 16 rows per DPU, all in one timing class: its first and last DPU are simulated.
    EXPECT_EQ(sampled["stats"]["simulation"]["simulated_dpus"], 2);
    EXPECT_EQ(sampled["stats"]["simulation"]["verified_elements"], 32);
    EXPECT_EQ(sampled["stats"]["simulation"]["kernel_time"], "estimated");
    EXPECT_NE(sampled["stats"]["note"].get<std::string>().find("estimated"), std::string::npos);
}

TEST_F(SimModeCli, SampledIsTheDefaultAndTheTextSaysWhatWasVerified) {
    Outcome o = atim("run mtv --shape 256x64 --schedule prim --param dpus=16 --param tasklets=4");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    EXPECT_NE(o.out.find("verified: yes, 32 of 256 output elements"), std::string::npos) << o.out;
    EXPECT_NE(o.out.find("--sim full verifies every element"), std::string::npos) << o.out;
    Outcome full =
        atim("run mtv --shape 256x64 --schedule prim --param dpus=16 --param tasklets=4 --sim full");
    ASSERT_EQ(full.exit_code, 0) << full.err;
    EXPECT_NE(full.out.find("verified: yes, all 256 output elements"), std::string::npos) << full.out;
}

TEST_F(SimModeCli, AnUnknownModeIsABadInput) {
    Outcome o = atim("run mtv --shape 256x64 --sim most");
    EXPECT_EQ(o.exit_code, 2);
    EXPECT_NE(o.err.find("--sim"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace atim::testing
