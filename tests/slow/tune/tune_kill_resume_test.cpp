// `atim tune` as a process that can die at any moment: killed with SIGKILL after some of its records are
// written (twice: once in the first run, once in the resumed run), `--resume` loses no record, repeats no
// (run, trial), reaches exactly the trial budget and ends with the best trace of an uninterrupted run with
// the same seed. And determinism: the same command twice, and --threads 1 against --threads 2, write the same
// best_trace.json and the same records.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "atim/tune/database.h"

namespace atim::tune {
namespace {

namespace fs = std::filesystem;

// mtv keeps both sketch families (reduction kept in the DPU and split over DPUs) in play; 6 batches of 4 give
// the kill room to land between batches and inside one.
constexpr int kTrials = 24;
const std::string kTune =
    fmt::format("tune mtv --shape 64x64 --trials {} --batch 4 --population 16 --seed 9", kTrials);

std::string slurp(const fs::path &path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::vector<std::string> words(const std::string &text) {
    std::vector<std::string> result;
    std::istringstream in(text);
    for (std::string word; in >> word;) result.push_back(word);
    return result;
}

/// Starts `atim ARGUMENTS` in `dir` with stdout and stderr in dir/NAME.out and dir/NAME.err.
pid_t spawn_atim(const fs::path &dir, const std::string &arguments, const std::string &name) {
    const std::string binary = std::string(ATIM_BINARY_DIR) + "/tools/atim/atim";
    std::vector<std::string> argv_text = words(arguments);
    argv_text.insert(argv_text.begin(), binary);
    std::vector<char *> argv;
    for (std::string &word : argv_text) argv.push_back(word.data());
    argv.push_back(nullptr);
    const std::string out = (dir / (name + ".out")).string(), err = (dir / (name + ".err")).string();
    pid_t pid = ::fork();
    if (pid == 0) {
        int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out_fd < 0 || err_fd < 0 || ::chdir(dir.c_str()) != 0) ::_exit(126);
        ::dup2(out_fd, STDOUT_FILENO);
        ::dup2(err_fd, STDERR_FILENO);
        ::execv(binary.c_str(), argv.data());
        ::_exit(127);
    }
    return pid;
}

/// The exit code of a finished child (128 + signal when a signal ended it).
int wait_for(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// The number of records in `db`, read through a read-only connection (0 while the file or its schema does
/// not exist yet), so polling never writes to the file the tuner is writing.
int64_t count_records(const fs::path &db) {
    if (!fs::exists(db)) return 0;
    sqlite3 *connection = nullptr;
    int64_t count = 0;
    if (sqlite3_open_v2(db.c_str(), &connection, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(connection, 1000);
        sqlite3_stmt *query = nullptr;
        if (sqlite3_prepare_v2(connection, "SELECT count(*) FROM records", -1, &query, nullptr) ==
                SQLITE_OK &&
            sqlite3_step(query) == SQLITE_ROW)
            count = sqlite3_column_int64(query, 0);
        sqlite3_finalize(query);
    }
    sqlite3_close(connection);
    return count;
}

/// One record as far as the search is concerned (no id or insertion time).
using RecordKey = std::tuple<int64_t, std::string, uint64_t, std::string>;
RecordKey key_of(const TuningRecord &r) {
    return {r.trial, r.sketch, r.trace_hash, r.result.to_json().dump()};
}

std::vector<RecordKey> run_signature(const fs::path &db) {
    std::vector<RecordKey> keys;
    for (const TuningRecord &r : Database::open_existing(db.string()).all()) keys.push_back(key_of(r));
    std::sort(keys.begin(), keys.end());
    return keys;
}

class TuneKillResume : public ::testing::Test {
protected:
    void SetUp() override {
        const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() / fmt::format("atim-kill-{}-{}", info->name(), ::getpid());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    /// Runs `atim ARGUMENTS` to the end; the parsed --json report.
    nlohmann::json run_to_end(const std::string &arguments, const std::string &name) {
        int code = wait_for(spawn_atim(dir_, arguments, name));
        EXPECT_EQ(code, 0) << arguments << "\n" << slurp(dir_ / (name + ".err"));
        return nlohmann::json::parse(slurp(dir_ / (name + ".out")), nullptr, /*allow_exceptions=*/false);
    }

    /// Starts `atim ARGUMENTS`, waits until `db` holds at least `records` records and kills the process with
    /// SIGKILL. Fails when the run ends before that (the kill must interrupt it).
    void kill_after(const std::string &arguments, const fs::path &db, int64_t records,
                    const std::string &name) {
        pid_t pid = spawn_atim(dir_, arguments, name);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (count_records(db) < records) {
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                FAIL() << arguments << " ended before it had " << records << " records:\n"
                       << slurp(dir_ / (name + ".err"));
            }
            if (std::chrono::steady_clock::now() > deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        ASSERT_EQ(::kill(pid, SIGKILL), 0);
        EXPECT_EQ(wait_for(pid), 128 + SIGKILL);
    }

    fs::path dir_;
};

TEST_F(TuneKillResume, KilledTwiceThenResumedLosesAndRepeatsNothingAndFindsTheSameBest) {
    nlohmann::json whole = run_to_end(kTune + " -o whole --json", "whole");
    ASSERT_FALSE(whole.is_discarded());
    ASSERT_FALSE(whole["best"].is_null());

    const fs::path db = dir_ / "cut" / "records.db";
    const std::string cut = kTune + " -o cut --json --resume";
    // First kill: once the first batch's records are in. Second kill: during the resumed run, past half.
    kill_after(cut, db, 1, "cut1");
    ASSERT_FALSE(HasFatalFailure());
    std::vector<TuningRecord> after_first = Database::open_existing(db.string()).all();
    ASSERT_GE(after_first.size(), 1u);
    ASSERT_LT(after_first.size(), static_cast<size_t>(kTrials));
    kill_after(cut, db, kTrials / 2 + 1, "cut2");
    ASSERT_FALSE(HasFatalFailure());
    std::vector<TuningRecord> after_second = Database::open_existing(db.string()).all();
    ASSERT_LT(after_second.size(), static_cast<size_t>(kTrials)) << "the second kill came too late";
    EXPECT_FALSE(fs::exists(dir_ / "cut" / "best_trace.json")) << "a killed run wrote its outputs";

    nlohmann::json resumed = run_to_end(cut, "cut3");
    ASSERT_FALSE(resumed.is_discarded());
    EXPECT_EQ(resumed["trials"], kTrials);
    EXPECT_EQ(resumed["run"], whole["run"]);
    EXPECT_EQ(resumed["reused"], static_cast<int>(after_second.size()));

    // No record lost or changed: every record that was in the file when a kill struck is still there.
    std::vector<TuningRecord> final_records = Database::open_existing(db.string()).all();
    std::map<int64_t, RecordKey> by_id;
    for (const TuningRecord &r : final_records) by_id.emplace(r.id, key_of(r));
    for (const std::vector<TuningRecord> *snapshot : {&after_first, &after_second})
        for (const TuningRecord &r : *snapshot) {
            ASSERT_TRUE(by_id.contains(r.id)) << "record " << r.id << " (trial " << r.trial << ") was lost";
            EXPECT_EQ(by_id.at(r.id), key_of(r)) << "record " << r.id << " changed";
        }
    // Every trial of the budget exactly once, all in one run.
    std::set<int64_t> trials;
    for (const TuningRecord &r : final_records) {
        EXPECT_TRUE(trials.insert(r.trial).second) << "trial " << r.trial << " recorded twice";
        EXPECT_EQ(r.run, resumed["run"].get<std::string>());
    }
    EXPECT_EQ(final_records.size(), static_cast<size_t>(kTrials));
    EXPECT_EQ(trials.size(), static_cast<size_t>(kTrials));
    if (!trials.empty()) {
        EXPECT_EQ(*trials.begin(), 0);
        EXPECT_EQ(*trials.rbegin(), kTrials - 1);
    }
    // The same trajectory and the same answer as the run that was never interrupted.
    EXPECT_EQ(run_signature(db), run_signature(dir_ / "whole" / "records.db"));
    EXPECT_EQ(resumed["best"], whole["best"]);
    EXPECT_EQ(slurp(dir_ / "cut" / "best_trace.json"), slurp(dir_ / "whole" / "best_trace.json"));
    EXPECT_FALSE(slurp(dir_ / "cut" / "best_trace.json").empty());
}

TEST_F(TuneKillResume, SameCommandAndSeedGiveTheSameBestTraceOnOneOrTwoThreads) {
    // DESIGN.md: candidates are measured in parallel but the search's results do not depend on the number of
    // threads (per-candidate simulations are independent; XGBoost trains on one thread with a fixed seed).
    nlohmann::json one = run_to_end(kTune + " -o one --threads 1 --json", "one");
    nlohmann::json two = run_to_end(kTune + " -o two --threads 2 --json", "two");
    nlohmann::json again = run_to_end(kTune + " -o again --threads 2 --json", "again");
    for (const nlohmann::json *report : {&one, &two, &again}) {
        ASSERT_FALSE(report->is_discarded());
        ASSERT_FALSE((*report)["best"].is_null());
    }
    const std::string trace = slurp(dir_ / "two" / "best_trace.json");
    EXPECT_FALSE(trace.empty());
    EXPECT_EQ(slurp(dir_ / "again" / "best_trace.json"), trace) << "same command, another best trace";
    EXPECT_EQ(slurp(dir_ / "one" / "best_trace.json"), trace) << "--threads 1 found another best trace";
    EXPECT_EQ(again["best"], two["best"]);
    EXPECT_EQ(one["best"], two["best"]);
    EXPECT_EQ(one["baseline"], two["baseline"]);
    EXPECT_EQ(run_signature(dir_ / "again" / "records.db"), run_signature(dir_ / "two" / "records.db"));
    EXPECT_EQ(run_signature(dir_ / "one" / "records.db"), run_signature(dir_ / "two" / "records.db"));
    for (const char *file : {"kernel.S", "dpu.c", "host.c"})
        EXPECT_EQ(slurp(dir_ / "one" / file), slurp(dir_ / "two" / file)) << file;
}

}  // namespace
}  // namespace atim::tune
