// Database: tuning records in SQLite. Every write is one transaction with prepared statements; reads stream
// rows straight into TuningRecords.
#include "atim/tune/database.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cmath>
#include <istream>
#include <optional>
#include <ostream>
#include <unordered_map>
#include <utility>

#include "atim/support/error.h"
#include "atim/support/version.h"
#include "tune/database/schema.h"
#include "tune/database/sqlite.h"

namespace atim::tune {
namespace {

// The columns every record query selects, in the order read_record expects.
constexpr const char *kSelectRecords =
    "SELECT r.id, w.key, r.machine, r.run, r.trial, r.sketch, r.trace_hash, r.trace_json, r.status, r.error, "
    "r.h2d_ms, r.kernel_ms, r.after_ms, r.total_ms, r.dpus, r.tasklets, r.stats_json, r.atim_version, "
    "r.seed, "
    "r.created FROM records r JOIN workloads w ON w.id = r.workload_id ";

constexpr const char *kInsertRecord =
    "INSERT INTO records(workload_id, machine, run, trial, sketch, trace_hash, trace_json, status, error, "
    "h2d_ms, kernel_ms, after_ms, total_ms, dpus, tasklets, stats_json, atim_version, seed, created) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";

std::string utc_now() {
    auto now = std::chrono::system_clock::now();
    auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)),
                       millis);
}

// A row whose text columns do not parse was damaged on disk (atim writes only values it can read back).
[[noreturn]] void corrupt_record(const std::string &path, int64_t id, const std::string &column) {
    user_error(
        "records database '{}' is corrupt (record {} has an unreadable {}); restore it from a backup or "
        "pass another --db path",
        path, id, column);
}

TuningRecord read_record(const sqlite::Statement &row, const std::string &path) {
    TuningRecord record;
    record.id = row.column_int(0);
    record.workload = row.column_text(1);
    record.machine = row.column_text(2);
    record.run = row.column_text(3);
    record.trial = row.column_int(4);
    record.sketch = row.column_text(5);
    record.trace_hash = static_cast<uint64_t>(row.column_int(6));
    record.trace_json = row.column_text(7);
    MeasureResult &result = record.result;
    try {
        result.status = measure_status_from_string(row.column_text(8));
    } catch (const UserError &) {
        corrupt_record(path, record.id, "status");
    }
    result.error = row.column_text(9);
    result.h2d_ms = row.column_double(10);
    result.kernel_ms = row.column_double(11);
    result.after_ms = row.column_double(12);
    result.total_ms = row.column_double(13);
    result.dpus = static_cast<int>(row.column_int(14));
    result.tasklets = static_cast<int>(row.column_int(15));
    try {
        result.stats = nlohmann::json::parse(row.column_text(16));
    } catch (const nlohmann::json::parse_error &) {
        corrupt_record(path, record.id, "stats");
    }
    record.atim_version = row.column_text(17);
    record.seed = static_cast<uint64_t>(row.column_int(18));
    record.created = row.column_text(19);
    return record;
}

// SQLite stores NaN as NULL, and JSON has no infinity: a non-finite time cannot be recorded faithfully.
void check_times_finite(const TuningRecord &record) {
    const MeasureResult &r = record.result;
    for (double time : {r.h2d_ms, r.kernel_ms, r.after_ms, r.total_ms})
        if (!std::isfinite(time))
            user_error("tuning record {}/trial {} has a non-finite time; it cannot be stored", record.run,
                       record.trial);
}

// "mtv/8192x8192/int32" -> name, shape, dtype (other keys are stored whole as the name).
std::array<std::string, 3> split_workload_key(const std::string &key) {
    size_t first = key.find('/');
    size_t last = key.rfind('/');
    if (first == std::string::npos || first == last) return {key, "", ""};
    return {key.substr(0, first), key.substr(first + 1, last - first - 1), key.substr(last + 1)};
}

}  // namespace

struct Database::Impl {
    std::unique_ptr<sqlite::Connection> connection;
    std::unordered_map<std::string, std::unique_ptr<sqlite::Statement>> statements;

    sqlite::Statement &statement(const std::string &sql) {
        std::unique_ptr<sqlite::Statement> &cached = statements[sql];
        if (!cached) cached = std::make_unique<sqlite::Statement>(*connection, sql);
        cached->reset();
        return *cached;
    }

    /// The first column of the query's first row (nullopt when it returns no row); resets the query.
    static std::optional<int64_t> first_int(sqlite::Statement &query) {
        std::optional<int64_t> value;
        if (query.step()) value = query.column_int(0);
        query.reset();
        return value;
    }

    std::vector<TuningRecord> read_all(sqlite::Statement &query) {
        std::vector<TuningRecord> records;
        while (query.step()) records.push_back(read_record(query, connection->path()));
        query.reset();
        return records;
    }

    int64_t workload_id(const std::string &key) {
        auto [name, shape, dtype] = split_workload_key(key);
        statement("INSERT OR IGNORE INTO workloads(key, name, shape, dtype) VALUES(?1, ?2, ?3, ?4)")
            .bind(1, key)
            .bind(2, name)
            .bind(3, shape)
            .bind(4, dtype)
            .run();
        std::optional<int64_t> id =
            first_int(statement("SELECT id FROM workloads WHERE key = ?1").bind(1, key));
        if (!id) internal_error(__FILE__, __LINE__, "workload row vanished: " + key);
        return *id;
    }

    /// Inserts inside the caller's transaction; returns the new row id.
    int64_t insert(const TuningRecord &record) {
        check_times_finite(record);
        const MeasureResult &r = record.result;
        statement(kInsertRecord)
            .bind(1, workload_id(record.workload))
            .bind(2, record.machine)
            .bind(3, record.run)
            .bind(4, record.trial)
            .bind(5, record.sketch)
            .bind(6, static_cast<int64_t>(record.trace_hash))
            .bind(7, record.trace_json)
            .bind(8, std::string(to_string(r.status)))
            .bind(9, r.error)
            .bind(10, r.h2d_ms)
            .bind(11, r.kernel_ms)
            .bind(12, r.after_ms)
            .bind(13, r.total_ms)
            .bind(14, int64_t{r.dpus})
            .bind(15, int64_t{r.tasklets})
            .bind(16, r.stats.dump())
            .bind(17, record.atim_version)
            .bind(18, static_cast<int64_t>(record.seed))
            .bind(19, record.created)
            .run();
        return sqlite3_last_insert_rowid(connection->handle());
    }

    /// The trace hash recorded for the record's (run, trial), if any: a run has one record per trial.
    std::optional<uint64_t> recorded_hash(const TuningRecord &record) {
        std::optional<int64_t> hash =
            first_int(statement("SELECT trace_hash FROM records WHERE run = ?1 AND trial = ?2 LIMIT 1")
                          .bind(1, record.run)
                          .bind(2, record.trial));
        if (!hash) return std::nullopt;
        return static_cast<uint64_t>(*hash);
    }
};

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;
Database::Database(Database &&) noexcept = default;
Database &Database::operator=(Database &&) noexcept = default;

Database Database::open(const std::string &path) {
    auto impl = std::make_unique<Impl>();
    impl->connection = database_schema::open_records_file(path, /*must_exist=*/false);
    return Database(std::move(impl));
}

Database Database::open_existing(const std::string &path) {
    auto impl = std::make_unique<Impl>();
    impl->connection = database_schema::open_records_file(path, /*must_exist=*/true);
    return Database(std::move(impl));
}

int64_t Database::add(TuningRecord record) {
    record.created = utc_now();
    if (record.atim_version.empty()) record.atim_version = atim_version();
    sqlite::Transaction transaction(*impl_->connection);
    // Checked inside the write transaction, so of two processes writing the same run (two identical `atim
    // tune` commands on one database) the second stops at its first trial instead of recording every trial
    // twice.
    if (impl_->recorded_hash(record))
        user_error(
            "records database '{}' already holds trial {} of run '{}': another `atim tune` with the same "
            "options is "
            "writing this run; let it finish and rerun with --resume, or pass another --db",
            impl_->connection->path(), record.trial, record.run);
    int64_t id = impl_->insert(record);
    transaction.commit();
    return id;
}

std::vector<TuningRecord> Database::records(const std::string &workload, const std::string &machine) const {
    return impl_->read_all(
        impl_->statement(std::string(kSelectRecords) + "WHERE w.key = ?1 AND r.machine = ?2 ORDER BY r.id")
            .bind(1, workload)
            .bind(2, machine));
}

std::vector<TuningRecord> Database::run_records(const std::string &run) const {
    return impl_->read_all(
        impl_->statement(std::string(kSelectRecords) + "WHERE r.run = ?1 ORDER BY r.trial, r.id")
            .bind(1, run));
}

std::optional<TuningRecord> Database::best(const std::string &workload, const std::string &machine) const {
    std::vector<TuningRecord> fastest =
        machine.empty() ? impl_->read_all(impl_
                                              ->statement(std::string(kSelectRecords) +
                                                          "WHERE w.key = ?1 AND r.status = 'ok' "
                                                          "ORDER BY r.total_ms, r.id LIMIT 1")
                                              .bind(1, workload))
                        : top_k(workload, machine, 1);
    if (fastest.empty()) return std::nullopt;
    return fastest.front();
}

std::vector<TuningRecord> Database::top_k(const std::string &workload, const std::string &machine,
                                          int k) const {
    if (k <= 0) return {};
    return impl_->read_all(impl_
                               ->statement(std::string(kSelectRecords) +
                                           "WHERE w.key = ?1 AND r.machine = ?2 AND r.status = 'ok' "
                                           "ORDER BY r.total_ms, r.id LIMIT ?3")
                               .bind(1, workload)
                               .bind(2, machine)
                               .bind(3, int64_t{k}));
}

std::vector<TuningRecord> Database::all() const {
    return impl_->read_all(impl_->statement(std::string(kSelectRecords) + "ORDER BY r.id"));
}

std::vector<std::string> Database::workloads() const {
    sqlite::Statement &query = impl_->statement(
        "SELECT key FROM workloads WHERE id IN (SELECT DISTINCT workload_id FROM records) ORDER BY key");
    std::vector<std::string> keys;
    while (query.step()) keys.push_back(query.column_text(0));
    query.reset();
    return keys;
}

int64_t Database::size() const {
    return impl_->first_int(impl_->statement("SELECT count(*) FROM records")).value_or(0);
}

int64_t Database::export_jsonl(std::ostream &out) const {
    sqlite::Statement &query = impl_->statement(std::string(kSelectRecords) + "ORDER BY r.id");
    int64_t count = 0;
    while (query.step()) {
        out << read_record(query, impl_->connection->path()).to_json().dump() << '\n';
        ++count;
    }
    query.reset();
    if (!out) user_error("cannot write the exported records; check the output file and the disk");
    return count;
}

int64_t Database::import_jsonl(std::istream &in) {
    // Parse every line before writing anything, so a bad line leaves the database as it was.
    std::vector<TuningRecord> rows;
    std::vector<int64_t> line_of_row;
    std::string line;
    for (int64_t line_number = 1; std::getline(in, line); ++line_number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
            TuningRecord record = TuningRecord::from_json(nlohmann::json::parse(line));
            check_times_finite(record);
            if (record.created.empty()) record.created = utc_now();
            rows.push_back(std::move(record));
            line_of_row.push_back(line_number);
        } catch (const nlohmann::json::exception &e) {
            user_error("line {}: not JSON ({}); nothing was imported", line_number, e.what());
        } catch (const UserError &e) {
            user_error("line {}: {}; nothing was imported", line_number, e.what());
        }
    }
    sqlite::Transaction transaction(*impl_->connection);
    int64_t added = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
        const TuningRecord &record = rows[i];
        if (std::optional<uint64_t> recorded = impl_->recorded_hash(record)) {
            if (*recorded == record.trace_hash) continue;  // the same measurement imported before
            user_error(
                "line {}: trial {} of run '{}' is already recorded with another trace; nothing was imported",
                line_of_row[i], record.trial, record.run);
        }
        impl_->insert(record);
        ++added;
    }
    transaction.commit();
    return added;
}

}  // namespace atim::tune
