// `atim db best|export|import` as users and scripts see it: exit codes, one-line errors, files that are never
// created or modified by mistake, the best trace replaying with `atim run --schedule`.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "atim/target/upmem_machine.h"
#include "atim/tune/database.h"

#include "integration/cli/cli_fixture.h"

namespace {

using atim::testing::Outcome;
using atim::testing::slurp;

namespace fs = std::filesystem;
using atim::tune::Database;
using atim::tune::MeasureStatus;
using atim::tune::TuningRecord;

class DbCli : public atim::testing::CliTest {
protected:
    /// A trace that `atim compile` itself saved for mtv 64x64 (so the database holds a replayable schedule).
    std::string saved_trace(int tasklets) {
        std::string file = path(fmt::format("saved{}.json", tasklets));
        Outcome o = atim(fmt::format(
            "compile mtv --shape 64x64 --param tasklets={} --emit ir --save-trace {}", tasklets, file));
        EXPECT_EQ(o.exit_code, 0) << o.err;
        std::string text = slurp(file);
        while (!text.empty() && text.back() == '\n') text.pop_back();
        return text;
    }

    static TuningRecord record(const std::string &workload, const std::string &machine, int64_t trial,
                               double total_ms, const std::string &trace,
                               MeasureStatus status = MeasureStatus::Ok) {
        TuningRecord r;
        r.workload = workload;
        r.machine = machine;
        r.run = "cli-run";
        r.trial = trial;
        r.sketch = "prim";
        r.trace_hash = static_cast<uint64_t>(trial) * 7919u;
        r.trace_json = trace;
        r.result.status = status;
        r.result.h2d_ms = total_ms / 4;
        r.result.kernel_ms = total_ms / 2;
        r.result.after_ms = total_ms / 4;
        r.result.total_ms = total_ms;
        r.result.dpus = 64;
        r.result.tasklets = 8;
        r.seed = 1;
        return r;
    }

    /// mtv/64x64 on upmem-2048 (trial 1 fastest), a faster failed record, mtv/64x64 on upmem-rank (even
    /// faster) and red/1000.
    void fill_database(const std::string &file) {
        std::string trace4 = saved_trace(4), trace8 = saved_trace(8);
        std::string big = atim::tune::machine_fingerprint(atim::target::load_machine("upmem-2048"));
        std::string rank = atim::tune::machine_fingerprint(atim::target::load_machine("upmem-rank"));
        Database db = Database::open(file);
        db.add(record("mtv/64x64/int32", big, 0, 3.0, trace4));
        db.add(record("mtv/64x64/int32", big, 1, 2.0, trace8));
        db.add(record("mtv/64x64/int32", big, 2, 0.5, trace4, MeasureStatus::WrongOutput));
        db.add(record("mtv/64x64/int32", rank, 3, 1.0, trace4));
        db.add(record("red/1000/int64", big, 4, 0.25, trace4));
    }
};

TEST_F(DbCli, MissingOrForeignDatabaseIsOneLineExitTwoAndNeverWritten) {
    std::ofstream(path("notes.db")) << "these are my notes, not a database\n";
    std::string notes_before = slurp(path("notes.db"));
    struct Case {
        std::string arguments, message_part;
    };
    const Case cases[] = {
        {"db best --db " + path("missing.db"), "does not exist"},
        {"db export --db " + path("missing.db"), "does not exist"},
        {"db best --db " + path("notes.db"), "not an atim records database"},
        {"db export --db " + path("notes.db"), "not an atim records database"},
        {"db import --db " + path("notes.db") + " " + path("notes.db"), "not an atim records database"},
        {"db import --db " + path("new.db") + " " + path("absent.jsonl"), "absent.jsonl"},
        {"db best", "--db"},
        {"db best --db /dev/null", "not a regular file"},
        {"db import --db " + path("new.db") + " " + dir_.string(), dir_.string()},
        {"db frobnicate --db x", "subcommand"},
    };
    for (const Case &c : cases) {
        Outcome o = atim(c.arguments);
        EXPECT_EQ(o.exit_code, 2) << c.arguments << "\n" << o.err;
        EXPECT_NE(o.err.find(c.message_part), std::string::npos) << c.arguments << "\n" << o.err;
        EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
    }
    EXPECT_FALSE(fs::exists(path("missing.db")));
    EXPECT_FALSE(fs::exists(path("new.db")));
    EXPECT_EQ(slurp(path("notes.db")), notes_before);
}

TEST_F(DbCli, BestPicksTheFastestVerifiedRecordAndItsTraceReplays) {
    fill_database(path("records.db"));
    Outcome text =
        atim(fmt::format("db best --db {} mtv --shape 64x64 --machine upmem-2048", path("records.db")));
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_NE(text.out.find("total 2.000000 ms = h2d 0.500000 + kernel 1.000000 + after 0.500000"),
              std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("64 DPUs x 8 tasklets, sketch prim, trial 1"), std::string::npos) << text.out;

    Outcome json = atim(fmt::format("db best --db {} mtv --shape 64x64 --machine upmem-2048 --json -o {}",
                                    path("records.db"), path("best.json")));
    ASSERT_EQ(json.exit_code, 0) << json.err;
    nlohmann::json best = nlohmann::json::parse(json.out);
    EXPECT_EQ(best["trial"], 1);
    EXPECT_EQ(best["result"]["status"], "ok");
    EXPECT_TRUE(best["trace"].is_object());
    EXPECT_EQ(best["trace"].dump(), nlohmann::json::parse(slurp(path("saved8.json"))).dump());

    Outcome replay =
        atim(fmt::format("compile mtv --shape 64x64 --emit ir --schedule {}", path("best.json")));
    Outcome original = atim("compile mtv --shape 64x64 --param tasklets=8 --emit ir");
    ASSERT_EQ(replay.exit_code, 0) << replay.err;
    EXPECT_EQ(replay.out, original.out);
    Outcome run = atim(fmt::format("run mtv --shape 64x64 --schedule {} --json", path("best.json")));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(nlohmann::json::parse(run.out)["verified"], true);

    // Any machine: the upmem-rank record is faster; a machine fingerprint selects as a preset does.
    Outcome any = atim(fmt::format("db best --db {} mtv --shape 64x64 --json", path("records.db")));
    ASSERT_EQ(any.exit_code, 0) << any.err;
    EXPECT_EQ(nlohmann::json::parse(any.out)["trial"], 3);
    std::string rank = atim::tune::machine_fingerprint(atim::target::load_machine("upmem-rank"));
    Outcome by_fingerprint = atim(
        fmt::format("db best --db {} mtv --shape 64x64 --machine '{}' --json", path("records.db"), rank));
    ASSERT_EQ(by_fingerprint.exit_code, 0) << by_fingerprint.err;
    EXPECT_EQ(nlohmann::json::parse(by_fingerprint.out)["trial"], 3);
}

TEST_F(DbCli, BestOfEveryWorkloadAndWhatIsNotThere) {
    fill_database(path("records.db"));
    Outcome all = atim(fmt::format("db best --db {} --machine upmem-2048 --json", path("records.db")));
    ASSERT_EQ(all.exit_code, 0) << all.err;
    nlohmann::json best = nlohmann::json::parse(all.out);
    ASSERT_EQ(best.size(), 2u);
    EXPECT_EQ(best[0]["workload"], "mtv/64x64/int32");
    EXPECT_EQ(best[0]["trial"], 1);
    EXPECT_EQ(best[1]["workload"], "red/1000/int64");  // red's default dtype is int64

    Outcome red = atim(fmt::format("db best --db {} red --shape 1000 --json", path("records.db")));
    ASSERT_EQ(red.exit_code, 0) << red.err;
    EXPECT_EQ(nlohmann::json::parse(red.out)["trial"], 4);

    struct Case {
        std::string arguments, message_part;
    };
    const Case cases[] = {
        {"gemv --shape 64x64", "no successful record of gemv/64x64/int32"},
        {"mtv --shape 64x64 --machine upmem-1", "no successful record"},
        {"mtv", "--shape"},
        {"nosuch --shape 4", "nosuch"},
        {"-o " + path("x.json"), "-o writes one trace"},
    };
    for (const Case &c : cases) {
        Outcome o = atim(fmt::format("db best --db {} {}", path("records.db"), c.arguments));
        EXPECT_EQ(o.exit_code, 2) << c.arguments << "\n" << o.err;
        EXPECT_NE(o.err.find(c.message_part), std::string::npos) << c.arguments << "\n" << o.err;
    }
    EXPECT_FALSE(fs::exists(path("x.json")));
}

TEST_F(DbCli, ExportImportRoundTripsAndABadFileImportsNothing) {
    fill_database(path("records.db"));
    Outcome to_stdout = atim("db export --db " + path("records.db"));
    ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
    EXPECT_EQ(std::count(to_stdout.out.begin(), to_stdout.out.end(), '\n'), 5);
    Outcome to_file = atim(fmt::format("db export --db {} -o {}", path("records.db"), path("records.jsonl")));
    ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
    EXPECT_EQ(slurp(path("records.jsonl")), to_stdout.out);
    fs::create_directories(path("folder"));
    Outcome to_folder = atim(fmt::format("db export --db {} -o {}", path("records.db"), path("folder")));
    EXPECT_EQ(to_folder.exit_code, 2);
    EXPECT_NE(to_folder.err.find("is a directory"), std::string::npos) << to_folder.err;
    EXPECT_FALSE(fs::exists(path("folder.tmp")));

    Outcome imported = atim(fmt::format("db import --db {} {}", path("copy.db"), path("records.jsonl")));
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    EXPECT_NE(imported.out.find("imported 5 records"), std::string::npos) << imported.out;
    Outcome again = atim("db export --db " + path("copy.db"));
    EXPECT_EQ(again.out, to_stdout.out);
    Outcome twice = atim(fmt::format("db import --db {} {}", path("copy.db"), path("records.jsonl")));
    EXPECT_NE(twice.out.find("imported 0 records"), std::string::npos) << twice.out;

    std::string lines = to_stdout.out;
    size_t second_line = lines.find('\n') + 1;
    std::ofstream(path("bad.jsonl")) << lines.substr(0, second_line) << "{\"workload\": 3}\n"
                                     << lines.substr(second_line);
    std::string copy_before = slurp(path("copy.db"));
    Outcome bad = atim(fmt::format("db import --db {} {}", path("copy.db"), path("bad.jsonl")));
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("line 2"), std::string::npos) << bad.err;
    Outcome unchanged = atim("db export --db " + path("copy.db"));
    EXPECT_EQ(unchanged.out, to_stdout.out);
}

// Every command that takes --db refuses a file that is not a sound atim records file: one line, exit 2, the
// file byte for byte as it was, and no write-ahead log, shared-memory or journal file left next to it.
TEST_F(DbCli, DamagedTruncatedForeignAndNewerFilesAreRefusedByEveryCommandAndLeftAlone) {
    const std::string machine = atim::tune::machine_fingerprint(atim::target::load_machine("upmem-2048"));
    {
        Database db = Database::open(path("good.db"));
        for (int64_t trial = 0; trial < 200; ++trial)
            db.add(record("va/256/int32", machine, trial, 1.0 + static_cast<double>(trial), "{}"));
    }
    ASSERT_EQ(atim(fmt::format("db export --db {} -o {}", path("good.db"), path("good.jsonl"))).exit_code, 0);
    const std::string good = slurp(path("good.db"));
    ASSERT_GT(good.size(), 8 * 4096u);
    auto sql = [](const std::string &file, const std::string &statements) {
        sqlite3 *db = nullptr;
        ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, statements.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
            << sqlite3_errmsg(db);
        sqlite3_close(db);
    };
    std::ofstream(path("truncated.db"), std::ios::binary) << good.substr(0, good.size() / 2);
    std::string damaged = good;
    for (size_t i = 5 * 4096; i < 6 * 4096; ++i) damaged[i] = static_cast<char>((i * 37) & 0xff);
    std::ofstream(path("damaged.db"), std::ios::binary) << damaged;
    std::ofstream(path("newer.db"), std::ios::binary) << good;
    sql(path("newer.db"), "PRAGMA journal_mode = DELETE; PRAGMA user_version = 2;");
    sql(path("foreign.db"), "PRAGMA journal_mode = DELETE; CREATE TABLE people(name TEXT);");
    std::ofstream(path("noise.db"), std::ios::binary) << std::string(5000, '\x5a');

    struct Case {
        std::string file, message_part;
    };
    const Case files[] = {{"truncated.db", "truncated"},
                          {"damaged.db", "corrupt"},
                          {"newer.db", "newer atim"},
                          {"foreign.db", "not an atim records database"},
                          {"noise.db", "not a SQLite file"}};
    const std::string commands[] = {"db best --db {}", "db export --db {}", "db import --db {} good.jsonl",
                                    "tune va --shape 256 --trials 2 --batch 2 --population 2 --db {}"};
    for (const Case &c : files) {
        const std::string before = slurp(path(c.file));
        for (const std::string &command : commands) {
            const std::string arguments = fmt::format(fmt::runtime(command), c.file);
            Outcome o = atim(arguments);
            EXPECT_EQ(o.exit_code, 2) << arguments << "\n" << o.err;
            EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << arguments << "\n" << o.err;
            EXPECT_NE(o.err.find(c.file), std::string::npos) << arguments << "\n" << o.err;
            EXPECT_NE(o.err.find(c.message_part), std::string::npos) << arguments << "\n" << o.err;
            EXPECT_EQ(slurp(path(c.file)), before) << arguments << " changed the file";
            for (const char *suffix : {"-wal", "-shm", "-journal"})
                EXPECT_FALSE(fs::exists(path(c.file + suffix))) << arguments << " left " << suffix;
        }
    }
}

// The version stamped on every record is the one `atim --version` prints.
TEST_F(DbCli, RecordsCarryTheVersionAtimReports) {
    Outcome version = atim("--version");
    ASSERT_EQ(version.exit_code, 0) << version.err;
    ASSERT_EQ(version.out.rfind("atim ", 0), 0u) << version.out;
    const std::string number = version.out.substr(5, version.out.find('\n') - 5);
    EXPECT_FALSE(number.empty());
    Outcome tuned = atim("tune va --shape 256 --trials 2 --batch 2 --population 2 --db records.db");
    ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
    Outcome exported = atim("db export --db records.db");
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    std::istringstream lines(exported.out);
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count)
        EXPECT_EQ(nlohmann::json::parse(line)["atim_version"], number) << line;
    EXPECT_EQ(count, 2);
}

}  // namespace
