// Records files after accidents: a writer killed with SIGKILL (its write-ahead log still holding the
// committed records, an open transaction never committed) reopens with every committed record and nothing of
// the open transaction; a damaged page inside a well-formed file, or a row whose text was damaged, is a clear
// "corrupt" UserError, and the damaged file is left byte for byte as it was.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atim/support/error.h"
#include "database_test_support.h"

namespace atim::tune {
namespace {

using testing::read_bytes;
using testing::sample_record;
using testing::write_bytes;

class DatabaseCrash : public testing::ScratchDir {
protected:
    /// A closed records file with `count` records (trials 0..count-1).
    std::string filled(const std::string &name, int64_t count) {
        Database db = Database::open(path(name));
        for (int64_t trial = 0; trial < count; ++trial) db.add(sample_record(trial, 1.0 + trial));
        return path(name);
    }

    /// `action` throws a UserError that says the file is corrupt and names it; the file keeps its bytes.
    template <typename Action>
    void expect_corrupt(const std::string &file, const std::string &detail, Action action) {
        std::string before = read_bytes(file);
        try {
            action();
            ADD_FAILURE() << "no error for " << file;
        } catch (const UserError &e) {
            std::string message = e.what();
            EXPECT_NE(message.find("is corrupt"), std::string::npos) << message;
            EXPECT_NE(message.find(file), std::string::npos) << message;
            EXPECT_NE(message.find(detail), std::string::npos) << message;
            EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
        }
        EXPECT_EQ(read_bytes(file), before);
    }

    static void run_sql(const std::string &file, const std::string &sql) {
        sqlite3 *db = nullptr;
        ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
        sqlite3_close(db);
    }
};

TEST_F(DatabaseCrash, KilledWriterKeepsCommittedRecordsAndDropsItsOpenTransaction) {
    const std::string file = path("records.db");
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        Database db = Database::open(file);
        for (int64_t trial = 0; trial < 40; ++trial) db.add(sample_record(trial, 1.0 + trial));
        // A second connection starts a write it never commits, as a tuner killed inside add() would.
        sqlite3 *raw = nullptr;
        sqlite3_open(file.c_str(), &raw);
        sqlite3_exec(raw, "BEGIN IMMEDIATE; DELETE FROM records; UPDATE workloads SET name = 'x';", nullptr,
                     nullptr, nullptr);
        ::raise(SIGKILL);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    // The committed records live in the write-ahead log: the main file alone is shorter than the database.
    ASSERT_TRUE(testing::fs::exists(file + "-wal"));
    EXPECT_GT(testing::fs::file_size(file + "-wal"), 0u);

    Database reopened = Database::open(file);
    std::vector<TuningRecord> all = reopened.all();
    ASSERT_EQ(all.size(), 40u);
    for (int64_t trial = 0; trial < 40; ++trial)
        testing::expect_same_content(all[static_cast<size_t>(trial)], sample_record(trial, 1.0 + trial));
    EXPECT_EQ(reopened.workloads(), std::vector<std::string>{"mtv/8192x8192/int32"});
    // And it takes new records where the killed writer stopped.
    reopened.add(sample_record(40, 41.0));
    EXPECT_EQ(reopened.size(), 41);
}

TEST_F(DatabaseCrash, DamagedPageIsRefusedBeforeAnythingIsWritten) {
    const std::string file = filled("records.db", 300);
    std::string bytes = read_bytes(file);
    const size_t page = 4096;
    ASSERT_GT(bytes.size(), 8 * page);
    // Scribble over a page in the middle: the header stays valid, so only a look inside finds the damage.
    for (size_t i = 5 * page; i < 6 * page; ++i) bytes[i] = static_cast<char>((i * 37) & 0xff);
    write_bytes(file, bytes);
    expect_corrupt(file, "integrity check", [&] { Database::open(file); });
    expect_corrupt(file, "integrity check", [&] { Database::open_existing(file); });
    EXPECT_FALSE(testing::fs::exists(file + "-wal"));
    EXPECT_FALSE(testing::fs::exists(file + "-journal"));
}

TEST_F(DatabaseCrash, UnreadableRowsAreReportedAsCorruptionNamingTheRecord) {
    const std::string file = filled("records.db", 3);
    run_sql(file, "UPDATE records SET status = 'x' || char(255) WHERE trial = 1;");
    Database db = Database::open(file);
    expect_corrupt(file, "record 2 has an unreadable status", [&] { db.all(); });
    run_sql(file, "UPDATE records SET status = 'ok', stats_json = '{\"cut' WHERE trial = 1;");
    expect_corrupt(file, "record 2 has an unreadable stats", [&] { db.all(); });
}

}  // namespace
}  // namespace atim::tune
