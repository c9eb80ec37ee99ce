// Two processes writing one records database at once (two `atim tune` runs sharing --db): every record of
// both arrives exactly once and the file stays readable.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "database_test_support.h"

namespace atim::tune {
namespace {

class DatabaseConcurrency : public testing::ScratchDir {};

constexpr int64_t kRecordsPerProcess = 60;

// Child body: its own connection, one transaction per record; exit code 0 on success.
[[noreturn]] void write_run(const std::string &file, const std::string &run) {
    int code = 0;
    try {
        Database db = Database::open(file);
        for (int64_t trial = 0; trial < kRecordsPerProcess; ++trial) {
            TuningRecord record = testing::sample_record(trial, 1.0 + static_cast<double>(trial));
            record.run = run;
            db.add(record);
        }
    } catch (...) {
        code = 1;
    }
    ::_exit(code);
}

TEST_F(DatabaseConcurrency, TwoWritingProcessesLoseAndRepeatNothing) {
    const std::string file = path("shared.db");
    // Both processes also race to create the file.
    std::vector<pid_t> children;
    for (const char *run : {"run-x", "run-y"}) {
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) write_run(file, run);
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer " << pid << " failed";
    }
    Database db = Database::open(file);
    EXPECT_EQ(db.size(), 2 * kRecordsPerProcess);
    for (const char *run : {"run-x", "run-y"}) {
        std::vector<TuningRecord> records = db.run_records(run);
        ASSERT_EQ(static_cast<int64_t>(records.size()), kRecordsPerProcess) << run;
        for (int64_t trial = 0; trial < kRecordsPerProcess; ++trial)
            EXPECT_EQ(records[static_cast<size_t>(trial)].trial, trial) << run;
    }
    std::set<int64_t> ids;
    for (const TuningRecord &record : db.all()) ids.insert(record.id);
    EXPECT_EQ(static_cast<int64_t>(ids.size()), 2 * kRecordsPerProcess);
}

// Two processes writing the same run (two identical `atim tune` commands started together on one database):
// never two records of one trial; the process that finds its trial already recorded stops with a UserError.
TEST_F(DatabaseConcurrency, TwoWritersOfOneRunNeverRecordATrialTwice) {
    const std::string file = path("shared.db");
    std::vector<pid_t> children;
    for (int child = 0; child < 2; ++child) {
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) write_run(file, "same-run");
        children.push_back(pid);
    }
    int succeeded = 0;
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status)) << "writer " << pid << " crashed";
        if (WEXITSTATUS(status) == 0) ++succeeded;
    }
    EXPECT_LE(succeeded, 1);
    Database db = Database::open(file);
    std::vector<TuningRecord> records = db.run_records("same-run");
    std::set<int64_t> trials;
    for (const TuningRecord &record : records)
        EXPECT_TRUE(trials.insert(record.trial).second) << "trial " << record.trial << " recorded twice";
    EXPECT_EQ(static_cast<int64_t>(records.size()), kRecordsPerProcess);
}

}  // namespace
}  // namespace atim::tune
