// Shared helpers of the records-database tests: a scratch directory per test and sample records.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "atim/tune/database.h"

namespace atim::tune::testing {

namespace fs = std::filesystem;

/// A fresh directory for one test, removed afterwards.
class ScratchDir : public ::testing::Test {
protected:
    void SetUp() override {
        const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               fmt::format("atim-db-{}-{}-{}", info->test_suite_name(), info->name(), ::getpid());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string path(const std::string &name) const { return (dir_ / name).string(); }

    fs::path dir_;
};

inline std::string read_bytes(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

inline void write_bytes(const std::string &path, const std::string &bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

/// A record with every field set to a value derived from `trial`, so round trips can be checked field by
/// field.
inline TuningRecord sample_record(int64_t trial, double total_ms, MeasureStatus status = MeasureStatus::Ok,
                                  const std::string &workload = "mtv/8192x8192/int32",
                                  const std::string &machine = "upmem-2048#0123456789abcdef") {
    TuningRecord record;
    record.workload = workload;
    record.machine = machine;
    record.run = "run-a";
    record.trial = trial;
    record.sketch = trial % 2 == 0 ? "rc-tile" : "prim";
    record.trace_hash = 0xfedcba9876543210ull + static_cast<uint64_t>(trial);
    record.trace_json =
        fmt::format(R"({{"version":1,"instructions":[{{"kind":"split","trial":{}}}]}})", trial);
    record.result.status = status;
    record.result.error = status == MeasureStatus::Ok ? "" : "it failed";
    record.result.h2d_ms = 0.125 + static_cast<double>(trial);
    record.result.kernel_ms = 1.0 / 3.0;
    record.result.after_ms = 1e-9 * static_cast<double>(trial + 1);
    record.result.total_ms = total_ms;
    record.result.dpus = 2048 - static_cast<int>(trial);
    record.result.tasklets = 16;
    record.result.stats = {{"simulated_dpus", trial + 1}, {"note", "sampled"}};
    record.atim_version = "9.8.7";
    record.seed = 0x8000000000000001ull;
    return record;
}

/// Every field but id and created (which the database assigns).
inline void expect_same_content(const TuningRecord &got, const TuningRecord &want) {
    EXPECT_EQ(got.workload, want.workload);
    EXPECT_EQ(got.machine, want.machine);
    EXPECT_EQ(got.run, want.run);
    EXPECT_EQ(got.trial, want.trial);
    EXPECT_EQ(got.sketch, want.sketch);
    EXPECT_EQ(got.trace_hash, want.trace_hash);
    EXPECT_EQ(got.trace_json, want.trace_json);
    EXPECT_EQ(got.result.status, want.result.status);
    EXPECT_EQ(got.result.error, want.result.error);
    EXPECT_EQ(got.result.h2d_ms, want.result.h2d_ms);
    EXPECT_EQ(got.result.kernel_ms, want.result.kernel_ms);
    EXPECT_EQ(got.result.after_ms, want.result.after_ms);
    EXPECT_EQ(got.result.total_ms, want.result.total_ms);
    EXPECT_EQ(got.result.dpus, want.result.dpus);
    EXPECT_EQ(got.result.tasklets, want.result.tasklets);
    EXPECT_EQ(got.result.stats, want.result.stats);
    EXPECT_EQ(got.atim_version, want.atim_version);
    EXPECT_EQ(got.seed, want.seed);
}

}  // namespace atim::tune::testing
