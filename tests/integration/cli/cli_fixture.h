// What the CLI tests share: running the built `atim` binary in a per-test scratch directory and reading back
// its exit code, stdout and stderr.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace atim::testing {

/// What one `atim` invocation produced.
struct Outcome {
    int exit_code = -1;
    std::string out, err;
};

/// The whole contents of a file (empty when it does not exist).
inline std::string slurp(const std::filesystem::path &path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

/// A test with its own empty scratch directory (named after the test and the process, so parallel ctest runs
/// do not collide), removed afterwards. `atim()` runs the binary with the scratch directory as working
/// directory.
class CliTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               fmt::format("atim-cli-{}-{}-{}",
                           ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name(),
                           ::testing::UnitTest::GetInstance()->current_test_info()->name(), ::getpid());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    Outcome atim(const std::string &arguments) const {
        std::string command = fmt::format("cd {} && {}/tools/atim/atim {} >out 2>err", dir_.string(),
                                          ATIM_BINARY_DIR, arguments);
        int status = std::system(command.c_str());
        Outcome o;
        o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        o.out = slurp(dir_ / "out");
        o.err = slurp(dir_ / "err");
        return o;
    }

    /// A path inside the scratch directory.
    std::string path(const std::string &name) const { return (dir_ / name).string(); }

    std::filesystem::path dir_;
};

}  // namespace atim::testing
