// Records database: every field survives a round trip, best/top_k rank only successful records, records
// are durable and shared between connections, export -> import reproduces the records.
#include <gtest/gtest.h>

#include <sstream>

#include "atim/support/error.h"
#include "atim/support/version.h"
#include "database_test_support.h"

namespace atim::tune {
namespace {

using testing::expect_same_content;
using testing::sample_record;

class DatabaseRecords : public testing::ScratchDir {};

TEST_F(DatabaseRecords, EveryFieldRoundTrips) {
    Database db = Database::open(path("records.db"));
    TuningRecord ok = sample_record(3, 2.5);
    TuningRecord failed = sample_record(4, 0, MeasureStatus::WrongOutput);
    int64_t first = db.add(ok);
    int64_t second = db.add(failed);
    EXPECT_LT(first, second);
    std::vector<TuningRecord> all = db.all();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, first);
    EXPECT_EQ(all[1].id, second);
    expect_same_content(all[0], ok);
    expect_same_content(all[1], failed);
    // created is an ISO-8601 UTC time: 2026-12-05T15:03:13.123Z
    EXPECT_EQ(all[0].created.size(), 24u) << all[0].created;
    EXPECT_EQ(all[0].created.back(), 'Z');
    EXPECT_EQ(db.size(), 2);
}

TEST_F(DatabaseRecords, EmptyVersionIsFilledWithThisAtim) {
    Database db = Database::open(path("records.db"));
    TuningRecord record = sample_record(0, 1);
    record.atim_version.clear();
    db.add(record);
    EXPECT_EQ(db.all().at(0).atim_version, atim_version());
    EXPECT_EQ(std::string(atim_version()), "0.1.0");
}

TEST_F(DatabaseRecords, BestAndTopKIgnoreFailedRecordsAndOtherMachines) {
    Database db = Database::open(path("records.db"));
    const std::string machine_a = "upmem-2048#aaaaaaaaaaaaaaaa", machine_b = "upmem-rank#bbbbbbbbbbbbbbbb";
    db.add(sample_record(0, 5.0, MeasureStatus::Ok, "mtv/64x64/int32", machine_a));
    db.add(sample_record(1, 0.0, MeasureStatus::Invalid, "mtv/64x64/int32", machine_a));  // 0 ms, failed
    db.add(sample_record(2, 3.0, MeasureStatus::Ok, "mtv/64x64/int32", machine_a));
    db.add(sample_record(3, 0.5, MeasureStatus::Timeout, "mtv/64x64/int32", machine_a));
    db.add(sample_record(4, 4.0, MeasureStatus::Ok, "mtv/64x64/int32", machine_a));
    db.add(sample_record(5, 1.0, MeasureStatus::Ok, "mtv/64x64/int32", machine_b));
    db.add(sample_record(6, 0.1, MeasureStatus::Ok, "va/64/int32", machine_a));

    std::vector<TuningRecord> top = db.top_k("mtv/64x64/int32", machine_a, 10);
    ASSERT_EQ(top.size(), 3u);
    EXPECT_EQ(top[0].trial, 2);
    EXPECT_EQ(top[1].trial, 4);
    EXPECT_EQ(top[2].trial, 0);
    ASSERT_EQ(db.top_k("mtv/64x64/int32", machine_a, 2).size(), 2u);
    EXPECT_TRUE(db.top_k("mtv/64x64/int32", machine_a, 0).empty());

    std::optional<TuningRecord> best_a = db.best("mtv/64x64/int32", machine_a);
    ASSERT_TRUE(best_a);
    EXPECT_EQ(best_a->trial, 2);
    std::optional<TuningRecord> best_any = db.best("mtv/64x64/int32");
    ASSERT_TRUE(best_any);
    EXPECT_EQ(best_any->trial, 5);
    EXPECT_FALSE(db.best("gemv/64x64/int32"));
    EXPECT_FALSE(db.best("mtv/64x64/int32", "upmem-1#0000000000000000"));

    EXPECT_EQ(db.records("mtv/64x64/int32", machine_a).size(), 5u);
    EXPECT_EQ(db.workloads(), (std::vector<std::string>{"mtv/64x64/int32", "va/64/int32"}));
}

TEST_F(DatabaseRecords, TiesKeepTheEarlierRecord) {
    Database db = Database::open(path("records.db"));
    db.add(sample_record(7, 2.0));
    db.add(sample_record(3, 2.0));
    EXPECT_EQ(db.best("mtv/8192x8192/int32")->trial, 7);
}

TEST_F(DatabaseRecords, RunRecordsAreOrderedByTrial) {
    Database db = Database::open(path("records.db"));
    for (int64_t trial : {2, 0, 1}) db.add(sample_record(trial, 1.0));
    TuningRecord other = sample_record(0, 1.0);
    other.run = "run-b";
    db.add(other);
    std::vector<TuningRecord> run = db.run_records("run-a");
    ASSERT_EQ(run.size(), 3u);
    for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(run[static_cast<size_t>(i)].trial, i);
    EXPECT_EQ(db.run_records("run-b").size(), 1u);
    EXPECT_TRUE(db.run_records("run-c").empty());
}

TEST_F(DatabaseRecords, ReopeningKeepsEveryAddedRecord) {
    {
        Database db = Database::open(path("records.db"));
        for (int64_t trial = 0; trial < 5; ++trial)
            db.add(sample_record(trial, 1.0 + static_cast<double>(trial)));
    }
    Database reopened = Database::open(path("records.db"));
    std::vector<TuningRecord> all = reopened.all();
    ASSERT_EQ(all.size(), 5u);
    for (int64_t trial = 0; trial < 5; ++trial)
        expect_same_content(all[static_cast<size_t>(trial)],
                            sample_record(trial, 1.0 + static_cast<double>(trial)));
}

TEST_F(DatabaseRecords, RecordsAreDurableBeforeTheConnectionCloses) {
    // Another connection sees a record as soon as add() returns, while the writer is still open (as a killed
    // tuner would leave it).
    Database writer = Database::open(path("records.db"));
    writer.add(sample_record(0, 1.0));
    Database reader = Database::open(path("records.db"));
    EXPECT_EQ(reader.size(), 1);
    writer.add(sample_record(1, 2.0));
    EXPECT_EQ(reader.size(), 2);
    reader.add(sample_record(2, 3.0));
    EXPECT_EQ(writer.size(), 3);
    EXPECT_EQ(writer.all().back().trial, 2);
}

TEST_F(DatabaseRecords, ARunHoldsOneRecordPerTrial) {
    Database db = Database::open(path("records.db"));
    db.add(sample_record(0, 1.0));
    TuningRecord again = sample_record(0, 2.0);
    again.trace_hash = 7;
    try {
        db.add(again);
        ADD_FAILURE() << "a second record of trial 0 was accepted";
    } catch (const UserError &e) {
        EXPECT_NE(std::string(e.what()).find("already holds trial 0 of run 'run-a'"), std::string::npos)
            << e.what();
    }
    again.run = "run-b";
    db.add(again);
    EXPECT_EQ(db.size(), 2);
    EXPECT_EQ(db.run_records("run-a").front().result.total_ms, 1.0);
}

TEST_F(DatabaseRecords, ImportSkipsTheSameMeasurementButRefusesAnotherTraceForARecordedTrial) {
    Database source = Database::open(path("source.db"));
    source.add(sample_record(0, 1.0));
    source.add(sample_record(1, 2.0));
    std::stringstream jsonl;
    source.export_jsonl(jsonl);
    Database target = Database::open(path("target.db"));
    target.add(sample_record(0, 1.0));
    std::stringstream same(jsonl.str());
    EXPECT_EQ(target.import_jsonl(same), 1);  // trial 0 is the same measurement; trial 1 is new
    EXPECT_EQ(target.size(), 2);

    Database other = Database::open(path("other.db"));
    TuningRecord conflicting = sample_record(1, 5.0);
    conflicting.trace_hash = 7;
    other.add(conflicting);
    std::stringstream in(jsonl.str());
    try {
        other.import_jsonl(in);
        ADD_FAILURE() << "a conflicting trial was imported";
    } catch (const UserError &e) {
        EXPECT_NE(std::string(e.what()).find(
                      "line 2: trial 1 of run 'run-a' is already recorded with another trace"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_EQ(other.size(), 1);
}

TEST_F(DatabaseRecords, NonFiniteTimeIsRefused) {
    Database db = Database::open(path("records.db"));
    TuningRecord record = sample_record(0, std::numeric_limits<double>::quiet_NaN());
    EXPECT_THROW(db.add(record), UserError);
    EXPECT_EQ(db.size(), 0);
}

TEST_F(DatabaseRecords, ExportThenImportIntoAFreshDatabaseReproducesTheRecords) {
    Database source = Database::open(path("source.db"));
    for (int64_t trial = 0; trial < 6; ++trial)
        source.add(sample_record(trial, 1.5 * static_cast<double>(trial),
                                 trial % 3 == 0 ? MeasureStatus::RunFailed : MeasureStatus::Ok,
                                 trial < 3 ? "mtv/64x64/int32" : "red/1000/int64"));
    std::stringstream jsonl;
    EXPECT_EQ(source.export_jsonl(jsonl), 6);

    Database copy = Database::open(path("copy.db"));
    std::stringstream in(jsonl.str());
    EXPECT_EQ(copy.import_jsonl(in), 6);
    std::vector<TuningRecord> want = source.all(), got = copy.all();
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        expect_same_content(got[i], want[i]);
        EXPECT_EQ(got[i].created, want[i].created);
    }
    // Exporting the copy gives the same bytes: nothing was lost or reformatted.
    std::stringstream again;
    copy.export_jsonl(again);
    EXPECT_EQ(again.str(), jsonl.str());

    // Importing the same lines again adds nothing: exact duplicates are skipped.
    std::stringstream twice(jsonl.str());
    EXPECT_EQ(copy.import_jsonl(twice), 0);
    EXPECT_EQ(copy.size(), 6);
}

TEST_F(DatabaseRecords, ImportOfABadLineAddsNothingAndNamesTheLine) {
    Database source = Database::open(path("source.db"));
    source.add(sample_record(0, 1.0));
    source.add(sample_record(1, 2.0));
    std::stringstream jsonl;
    source.export_jsonl(jsonl);
    std::string good = jsonl.str();

    struct Case {
        std::string bad_line, message_part;
    };
    const Case cases[] = {
        {"{\"workload\": ", "line 3"},
        {R"({"workload":"va/64/int32"})", "line 3"},
        {"[1, 2, 3]", "line 3"},
    };
    int index = 0;
    for (const Case &c : cases) {
        Database target = Database::open(path(fmt::format("target{}.db", index++)));
        target.add(sample_record(9, 9.0));
        std::stringstream in(good + c.bad_line + "\n" + good);
        try {
            target.import_jsonl(in);
            ADD_FAILURE() << "no error for " << c.bad_line;
        } catch (const UserError &e) {
            EXPECT_NE(std::string(e.what()).find(c.message_part), std::string::npos) << e.what();
        }
        EXPECT_EQ(target.size(), 1) << c.bad_line;
    }
}

TEST_F(DatabaseRecords, RecordJsonRejectsABadHash) {
    nlohmann::json row = sample_record(0, 1.0).to_json();
    EXPECT_EQ(row["trace_hash"], "fedcba9876543210");
    row["trace_hash"] = "xyz";
    EXPECT_THROW(TuningRecord::from_json(row), UserError);
    row.erase("trace_hash");
    EXPECT_THROW(TuningRecord::from_json(row), UserError);
}

TEST_F(DatabaseRecords, WorkloadKeyJoinsNameShapeAndDtype) {
    EXPECT_EQ(workload_key("mtv", "8192x8192", "int32"), "mtv/8192x8192/int32");
}

}  // namespace
}  // namespace atim::tune
