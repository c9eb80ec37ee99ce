// The `atim` command line as users and scripts see it (DESIGN.md §5): the built binary, its exit codes, its
// one-line errors, `compile --emit c -o DIR` and `run --json`.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "integration/cli/cli_fixture.h"

namespace {

using atim::testing::Outcome;
using atim::testing::slurp;

namespace fs = std::filesystem;

using Cli = atim::testing::CliTest;

TEST_F(Cli, BadInputIsOneLineAndExitCodeTwo) {
    std::ofstream(dir_ / "corrupt.json") << "{\"version\": 1, \"instructions\": [ {\"kind\": ";
    std::ofstream(dir_ / "wrong.json")
        << R"({"version":1,"instructions":[{"kind":"split","inputs":["l9",[4,null]],"attrs":{},"outputs":["l10","l11"],"decision":[]}]})";
    struct Case {
        std::string arguments;
        std::string expected;  // a part of the message
    };
    const Case cases[] = {
        {"run nope --shape 8", "nope"},
        {"run va --shape 1024 --schedule fancy", "unknown schedule 'fancy'"},
        {"run mtv --shape 0x8", "0"},
        {"run va --shape -4", "-4"},
        {"run mtv --shape 64", "MxK"},
        {"compile va --shape 4096 --param tasklets=25 --emit c", "tasklets"},
        {"compile va --shape 4096 --param dpus=4096 --emit c", "dpus"},
        {"compile mtv --shape 64x4096 --schedule prim --param block=65536 --emit ir", "WRAM"},
        {"compile va --shape 4096 --param tasklets --emit c", "key=value"},
        {"compile va --shape 4096 --param nosuch=3 --emit c", "nosuch"},
        {"run va --shape 4096 --machine no-such-machine", "no-such-machine"},
        {"run va --shape 4096 --schedule " + (dir_ / "corrupt.json").string(), "corrupt.json"},
        {"run va --shape 4096 --schedule " + (dir_ / "wrong.json").string(), "l9"},
        {"run va --shape 4096 --schedule " + (dir_ / "missing.json").string(), "missing.json"},
        {"run va --shape 4096 --backend sim --param dpus=4096", "dpus"},
        {"compile va --shape 4096 --emit c --print-after nosuchpass", "nosuchpass"},
        {"run va --shape 4096 --timing slow", "timing"},
        {"frobnicate", "subcommand"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.arguments);
        Outcome o = atim(c.arguments);
        EXPECT_EQ(o.exit_code, 2) << o.err;
        EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << "not one line:\n" << o.err;
        EXPECT_EQ(o.err.rfind("error: ", 0), 0u) << o.err;
        EXPECT_NE(o.err.find(c.expected), std::string::npos) << o.err;
        EXPECT_EQ(o.out, "") << "nothing on stdout for bad input";
    }
}

TEST_F(Cli, CompileEmitCWritesSdkSources) {
    fs::path out = dir_ / "va-c";
    Outcome o = atim(fmt::format("compile va --shape 1000 --emit c -o {}", out.string()));
    ASSERT_EQ(o.exit_code, 0) << o.err;
    for (const char *name : {"dpu.c", "host.c", "build.sh"}) ASSERT_TRUE(fs::exists(out / name)) << name;
    std::string host = slurp(out / "host.c"), kernel = slurp(out / "dpu.c"), build = slurp(out / "build.sh");
    const std::set<std::string> sdk_host = {"dpu_alloc",        "dpu_free",         "dpu_load",
                                            "dpu_launch",       "dpu_prepare_xfer", "dpu_push_xfer",
                                            "dpu_broadcast_to", "dpu_copy_to",      "dpu_copy_from"};
    std::regex dpu_call(R"(\b(dpu_[a-z_]+)\s*\()");
    for (std::sregex_iterator m(host.begin(), host.end(), dpu_call), end; m != end; ++m)
        EXPECT_TRUE(sdk_host.count((*m)[1])) << (*m)[1] << " is not an SDK host function";
    for (const char *snippet : {"DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));",
                                "DPU_FOREACH(set, dpu, dpu_index)", "DPU_XFER_TO_DPU", "DPU_XFER_FROM_DPU"})
        EXPECT_NE(host.find(snippet), std::string::npos) << snippet;
    for (const char *snippet :
         {"#include <mram.h>", "__mram_noinit", "mem_alloc(", "me()", "barrier_wait(&barrier)"})
        EXPECT_NE(kernel.find(snippet), std::string::npos) << snippet;
    EXPECT_NE(build.find("dpu-upmem-dpurte-clang -O2 -DNR_TASKLETS="), std::string::npos) << build;
    // The kernel calls nothing outside the SDK's DPU runtime and its own helpers.
    const std::set<std::string> sdk_dpu = {
        "me",   "mem_alloc", "mem_reset", "mram_read", "mram_write", "barrier_wait", "BARRIER_INIT",
        "main", "for",       "if",        "while",     "sizeof",     "return"};
    std::string code = std::regex_replace(kernel, std::regex(R"(/\*[\s\S]*?\*/)"), "");
    std::regex call(R"(\b([A-Za-z_][A-Za-z0-9_]*)\s*\()");
    for (std::sregex_iterator m(code.begin(), code.end(), call), end; m != end; ++m) {
        std::string name = (*m)[1];
        if (name.rfind("atim_", 0) == 0 || name == "int32_t" || name == "int64_t" || name == "void") continue;
        EXPECT_TRUE(sdk_dpu.count(name)) << name << " is not part of the SDK's DPU API";
    }
}

TEST_F(Cli, CompileToExistingFileFailsWithoutWritingAnything) {
    std::ofstream(dir_ / "taken") << "a file, not a directory";
    Outcome o = atim(fmt::format("compile va --shape 1000 --emit c -o {}", (dir_ / "taken").string()));
    EXPECT_EQ(o.exit_code, 2) << o.err;
    EXPECT_EQ(slurp(dir_ / "taken"), "a file, not a directory");
    int entries = 0;
    for (const auto &entry : fs::directory_iterator(dir_))
        entries += entry.path().filename().string()[0] == '.';
    EXPECT_EQ(entries, 0) << "a temporary directory was left behind";
}

TEST_F(Cli, RunJsonIsOneObjectWithTheContractKeys) {
    Outcome o = atim("run mtv --shape 100x37 --schedule rc-tile --backend emu --json");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    ASSERT_EQ(std::count(o.out.begin(), o.out.end(), '\n'), 1) << o.out;
    nlohmann::json j = nlohmann::json::parse(o.out);
    for (const char *key : {"workload", "shape", "dtype", "schedule", "machine", "dpus", "tasklets",
                            "time_ms", "verified", "stats"})
        EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["workload"], "mtv");
    EXPECT_EQ(j["shape"], "100x37");
    EXPECT_EQ(j["dtype"], "int32");
    EXPECT_EQ(j["schedule"], "rc-tile");
    EXPECT_EQ(j["verified"], true);
    for (const char *phase : {"h2d", "kernel", "after", "total"})
        EXPECT_TRUE(j["time_ms"][phase].is_null()) << "emu wall times must not pose as hardware times";
    EXPECT_EQ(j["stats"]["backend"], "emu");
    EXPECT_GE(j["dpus"].get<int>(), 1);
}

TEST_F(Cli, RunOnTheSimulatorReportsSimulatedTimes) {
    Outcome o = atim("run mtv --shape 100x37 --schedule rc-tile --machine upmem-rank --backend sim --json");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    nlohmann::json j = nlohmann::json::parse(o.out);
    EXPECT_EQ(j["verified"], true);
    EXPECT_EQ(j["stats"]["backend"], "sim");
    for (const char *phase : {"h2d", "kernel", "after", "total"})
        EXPECT_TRUE(j["time_ms"][phase].is_number()) << phase;
    EXPECT_GT(j["time_ms"]["kernel"].get<double>(), 0);
    EXPECT_GT(j["stats"]["dpu"]["cycles"].get<int64_t>(), 0);
}

TEST_F(Cli, CompileEmitAsmPrintsTheDpuProgram) {
    Outcome o = atim("compile va --shape 1000 --emit asm");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    for (const char *snippet : {"main:", "ldma", "call r23, barrier_wait", ".section .mram.noinit"})
        EXPECT_NE(o.out.find(snippet), std::string::npos) << snippet;
}

TEST_F(Cli, SavedTraceReplaysToTheSameProgram) {
    fs::path trace = dir_ / "trace.json";
    Outcome named = atim(fmt::format(
        "compile mtv --shape 300x200 --param tasklets=8 --emit ir --save-trace {}", trace.string()));
    ASSERT_EQ(named.exit_code, 0) << named.err;
    ASSERT_TRUE(fs::exists(trace));
    Outcome replayed =
        atim(fmt::format("compile mtv --shape 300x200 --emit ir --schedule {}", trace.string()));
    ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
    EXPECT_EQ(named.out, replayed.out);
    EXPECT_NE(named.out.find("kernel:"), std::string::npos);
}

TEST_F(Cli, ListsWorkloadsAndSchedules) {
    Outcome w = atim("workloads");
    ASSERT_EQ(w.exit_code, 0) << w.err;
    for (const char *name : {"va", "geva", "red", "mtv", "gemv", "ttv", "mmtv"})
        EXPECT_NE(w.out.find(std::string("\n") + name + " "), std::string::npos) << name;
    Outcome s = atim("schedules mtv");
    ASSERT_EQ(s.exit_code, 0) << s.err;
    EXPECT_NE(s.out.find("prim:"), std::string::npos);
    EXPECT_NE(s.out.find("rc-tile:"), std::string::npos);
    EXPECT_NE(s.out.find("--param tasklets="), std::string::npos);
}

}  // namespace
