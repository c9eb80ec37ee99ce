// `atim sim` end to end: runs the built atim binary on small assembly files (skipped when atim is not built).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct CommandResult {
    int exit_code;
    std::string out, err;
};

std::string read_all(const fs::path &path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

fs::path atim_binary() { return fs::path(ATIM_BINARY_DIR) / "tools" / "atim" / "atim"; }

// ctest runs each test in its own process, several at once: files of one test must not be another's.
fs::path scratch_dir() {
    fs::path dir = fs::path(testing::TempDir()) / ("atim_sim_test_" + std::to_string(getpid()));
    fs::create_directories(dir);
    return dir;
}

CommandResult run_atim(const std::string &arguments) {
    fs::path dir = scratch_dir();
    fs::path out = dir / "atim_sim_out.txt", err = dir / "atim_sim_err.txt";
    std::string command =
        atim_binary().string() + " " + arguments + " >" + out.string() + " 2>" + err.string();
    int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_all(out), read_all(err)};
}

fs::path write_file(const std::string &name, const std::string &text) {
    fs::path path = scratch_dir() / name;
    std::ofstream(path) << text;
    return path;
}

class SimCommand : public testing::Test {
protected:
    void SetUp() override {
        if (!fs::exists(atim_binary())) GTEST_SKIP() << "build the atim target first: " << atim_binary();
    }
};

constexpr const char *kLoop = R"(
    .text
    .globl main
main:
    move r8, 100
.Lloop:
    add r8, r8, -1
    jnz r8, .Lloop
    jump r23
)";

TEST_F(SimCommand, JsonHasTheContractKeys) {
    fs::path file = write_file("loop.S", kLoop);
    CommandResult r = run_atim("sim " + file.string() + " --tasklets 4 --dpus 8 --machine upmem-rank --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json out = nlohmann::json::parse(r.out);
    for (const char *key : {"cycles", "instructions", "ipc", "time_ms", "dma_bytes"})
        EXPECT_TRUE(out.contains(key)) << key << " missing in " << r.out;
    // 4 tasklets x (1 + 2 * 100 + 1) instructions of main at least.
    EXPECT_GE(out["instructions"].get<int64_t>(), 4 * 202);
    EXPECT_EQ(out["dma_bytes"].get<int64_t>(), 0);
    EXPECT_EQ(out["simulated_dpu_runs"].get<int64_t>(), 1);  // 8 identical DPUs share one simulation

    CommandResult all =
        run_atim("sim " + file.string() + " --tasklets 4 --dpus 8 --machine upmem-rank --all-dpus --json");
    ASSERT_EQ(all.exit_code, 0) << all.err;
    nlohmann::json all_out = nlohmann::json::parse(all.out);
    EXPECT_EQ(all_out["simulated_dpu_runs"].get<int64_t>(), 8);
    EXPECT_EQ(all_out["cycles"], out["cycles"]);
}

TEST_F(SimCommand, TextReportNamesEveryFigure) {
    fs::path file = write_file("loop.S", kLoop);
    CommandResult r = run_atim("sim " + file.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char *word :
         {"cycles", "instructions", "ipc", "time", "dma", "breakdown", "sim speed", "simulated"})
        EXPECT_THAT(r.out, HasSubstr(word));
}

TEST_F(SimCommand, BadInputIsOneLineAndExitCode2) {
    fs::path bad = write_file("bad.S", "    .text\nmain:\n    frobnicate r0, r1\n");
    fs::path fault = write_file("fault.S", "    .text\n    .globl main\nmain:\n    fault 1\n");
    for (const std::string &arguments :
         std::vector<std::string>{"sim " + bad.string(), "sim " + fault.string(), "sim /no/such/file.S",
                                  "sim " + bad.string() + " --machine no-such-machine",
                                  "sim " + fault.string() + " --tasklets 25"}) {
        CommandResult r = run_atim(arguments);
        EXPECT_EQ(r.exit_code, 2) << arguments << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << arguments << ": " << r.err;
        EXPECT_THAT(r.err, HasSubstr("error:")) << arguments;
    }
}

}  // namespace
