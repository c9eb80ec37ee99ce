// Records database files: a foreign, random, truncated or newer file is refused with a clear UserError and
// left byte for byte as it was; new and empty files get the schema.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>

#include "atim/support/error.h"
#include "database_test_support.h"

namespace atim::tune {
namespace {

using testing::read_bytes;
using testing::sample_record;
using testing::write_bytes;

class DatabaseFile : public testing::ScratchDir {
protected:
    /// Opening `file` throws a UserError mentioning `message_part`; the file's bytes do not change and no
    /// WAL or shared-memory file appears next to it.
    void expect_refused_unchanged(const std::string &file, const std::string &message_part) {
        std::string before = read_bytes(file);
        try {
            Database::open(file);
            ADD_FAILURE() << file << " was accepted";
        } catch (const UserError &e) {
            EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
        }
        EXPECT_EQ(read_bytes(file), before);
        EXPECT_FALSE(testing::fs::exists(file + "-wal"));
        EXPECT_FALSE(testing::fs::exists(file + "-journal"));
    }

    /// Runs SQL on a file with the plain sqlite3 API (another application's database).
    static void run_sql(const std::string &file, const std::string &sql) {
        sqlite3 *db = nullptr;
        ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
        sqlite3_close(db);
    }
};

TEST_F(DatabaseFile, NewAndEmptyFilesGetTheSchema) {
    Database created = Database::open(path("new.db"));
    EXPECT_EQ(created.size(), 0);
    created.add(sample_record(0, 1.0));
    write_bytes(path("empty.db"), "");
    Database empty = Database::open(path("empty.db"));
    empty.add(sample_record(0, 1.0));
    EXPECT_EQ(empty.size(), 1);
    // The file identifies itself: "SQLite format 3" and application_id "atim" at byte 68.
    std::string header = read_bytes(path("empty.db")).substr(0, 100);
    EXPECT_EQ(header.substr(0, 15), "SQLite format 3");
    EXPECT_EQ(header.substr(68, 4), "atim");
}

TEST_F(DatabaseFile, ForeignSqliteFileIsRefusedAndUnchanged) {
    run_sql(path("foreign.db"), "CREATE TABLE people(name TEXT); INSERT INTO people VALUES('ada');");
    expect_refused_unchanged(path("foreign.db"), "not an atim records database");
    run_sql(path("other-app.db"), "PRAGMA application_id = 1234; CREATE TABLE t(x);");
    expect_refused_unchanged(path("other-app.db"), "0x4d2");
}

TEST_F(DatabaseFile, NewerSchemaIsRefusedAndUnchanged) {
    { Database::open(path("records.db")).add(sample_record(0, 1.0)); }
    run_sql(path("records.db"), "PRAGMA journal_mode = DELETE; PRAGMA user_version = 99;");
    expect_refused_unchanged(path("records.db"), "newer atim");
}

TEST_F(DatabaseFile, RandomBytesAreRefusedAndUnchanged) {
    std::mt19937 random(7);
    std::string bytes(5000, '\0');
    for (char &byte : bytes) byte = static_cast<char>(random() & 0xff);
    write_bytes(path("random.db"), bytes);
    expect_refused_unchanged(path("random.db"), "not a SQLite file");
    write_bytes(path("text.db"), "hello\n");
    expect_refused_unchanged(path("text.db"), "shorter than a SQLite header");
}

TEST_F(DatabaseFile, TruncatedDatabaseIsRefusedAndUnchanged) {
    {
        Database db = Database::open(path("records.db"));
        for (int64_t trial = 0; trial < 200; ++trial) db.add(sample_record(trial, 1.0));
    }
    std::string whole = read_bytes(path("records.db"));
    ASSERT_GT(whole.size(), 3 * 4096u);
    write_bytes(path("half.db"), whole.substr(0, whole.size() / 2));
    expect_refused_unchanged(path("half.db"), "truncated");
    write_bytes(path("stub.db"), whole.substr(0, 60));
    expect_refused_unchanged(path("stub.db"), "shorter than a SQLite header");
}

TEST_F(DatabaseFile, ExistingReadersDoNotCreateFiles) {
    EXPECT_THROW(Database::open_existing(path("missing.db")), UserError);
    EXPECT_FALSE(testing::fs::exists(path("missing.db")));
    { Database::open(path("records.db")).add(sample_record(0, 1.0)); }
    EXPECT_EQ(Database::open_existing(path("records.db")).size(), 1);
}

TEST_F(DatabaseFile, DirectoryIsRefused) { EXPECT_THROW(Database::open(dir_.string()), UserError); }

}  // namespace
}  // namespace atim::tune
