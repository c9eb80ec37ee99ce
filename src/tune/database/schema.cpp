// Recognizing, creating and opening an atim records file. The file's 100-byte SQLite header is checked with
// plain reads before SQLite opens it for writing, so a foreign or damaged file is never modified.
#include "tune/database/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "atim/support/error.h"

namespace atim::tune::database_schema {
namespace {

namespace fs = std::filesystem;

constexpr size_t kHeaderBytes = 100;
constexpr int kBusyTimeoutMs = 30000;  // two tuners on one file wait for each other's short transactions

// Offsets in the SQLite file header (https://www.sqlite.org/fileformat.html, section 1.3).
constexpr size_t kPageSizeOffset = 16;
constexpr size_t kChangeCounterOffset = 24;
constexpr size_t kPageCountOffset = 28;
constexpr size_t kUserVersionOffset = 60;
constexpr size_t kApplicationIdOffset = 68;
constexpr size_t kVersionValidForOffset = 92;

constexpr const char *kSchema = R"sql(
CREATE TABLE workloads(
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    shape TEXT NOT NULL,
    dtype TEXT NOT NULL);
CREATE TABLE records(
    id INTEGER PRIMARY KEY,
    workload_id INTEGER NOT NULL REFERENCES workloads(id),
    machine TEXT NOT NULL,
    run TEXT NOT NULL,
    trial INTEGER NOT NULL,
    sketch TEXT NOT NULL,
    trace_hash INTEGER NOT NULL,
    trace_json TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    h2d_ms REAL NOT NULL,
    kernel_ms REAL NOT NULL,
    after_ms REAL NOT NULL,
    total_ms REAL NOT NULL,
    dpus INTEGER NOT NULL,
    tasklets INTEGER NOT NULL,
    stats_json TEXT NOT NULL,
    atim_version TEXT NOT NULL,
    seed INTEGER NOT NULL,
    created TEXT NOT NULL);
CREATE INDEX records_by_speed ON records(workload_id, machine, status, total_ms);
CREATE INDEX records_by_run ON records(run, trial);
)sql";

uint32_t read_big_endian(const std::array<unsigned char, kHeaderBytes> &header, size_t offset, int bytes) {
    uint32_t value = 0;
    for (int i = 0; i < bytes; ++i) value = (value << 8) | header[offset + static_cast<size_t>(i)];
    return value;
}

[[noreturn]] void not_ours(const std::string &path, const std::string &why) {
    user_error("{} is not an atim records database ({}); pass another --db path", path, why);
}

bool has_nonempty_wal(const std::string &path) {
    std::error_code ec;
    fs::path wal = path + "-wal";
    return fs::exists(wal, ec) && fs::file_size(wal, ec) > 0;
}

// Checks the header of an existing, non-empty file without writing to it.
void check_header(const std::string &path, uintmax_t file_bytes) {
    std::array<unsigned char, kHeaderBytes> header{};
    std::ifstream in(path, std::ios::binary);
    if (!in) user_error("cannot read records database '{}'; check its permissions", path);
    in.read(reinterpret_cast<char *>(header.data()), kHeaderBytes);
    if (static_cast<size_t>(in.gcount()) < kHeaderBytes)
        not_ours(path, fmt::format("only {} bytes, shorter than a SQLite header", file_bytes));
    if (std::memcmp(header.data(), "SQLite format 3", 16) != 0) not_ours(path, "not a SQLite file");
    uint32_t application_id = read_big_endian(header, kApplicationIdOffset, 4);
    if (application_id != static_cast<uint32_t>(kApplicationId))
        not_ours(path,
                 fmt::format("a SQLite file of another application, application_id {:#x}", application_id));
    uint32_t user_version = read_big_endian(header, kUserVersionOffset, 4);
    if (user_version > static_cast<uint32_t>(kSchemaVersion))
        not_ours(path, fmt::format("schema version {} written by a newer atim; this atim reads version {}",
                                   user_version, kSchemaVersion));
    if (user_version == 0) not_ours(path, "schema version 0: the file was never completely created");
    // The header's page count is valid when the two counters agree; the file must hold that many pages,
    // unless newer pages still sit in the write-ahead log.
    uint32_t page_size = read_big_endian(header, kPageSizeOffset, 2);
    if (page_size == 1) page_size = 65536;
    uint32_t pages = read_big_endian(header, kPageCountOffset, 4);
    bool count_valid = read_big_endian(header, kChangeCounterOffset, 4) ==
                       read_big_endian(header, kVersionValidForOffset, 4);
    if (count_valid && file_bytes < uintmax_t{page_size} * pages && !has_nonempty_wal(path))
        user_error(
            "records database '{}' is truncated ({} bytes, its header says {} pages of {} bytes); "
            "restore it from a backup or pass another --db path",
            path, file_bytes, pages, page_size);
}

// Validates or creates the schema inside one write transaction, so two processes creating the same new
// file at once end up with one schema.
void create_or_validate(sqlite::Connection &connection) {
    sqlite::Transaction transaction(connection);
    int64_t application_id = connection.query_int("PRAGMA application_id");
    int64_t user_version = connection.query_int("PRAGMA user_version");
    int64_t objects = connection.query_int("SELECT count(*) FROM sqlite_master");
    if (application_id == 0 && user_version == 0 && objects == 0) {
        connection.execute(fmt::format("PRAGMA application_id = {}; PRAGMA user_version = {};",
                                       kApplicationId, kSchemaVersion));
        connection.execute(kSchema);
    } else if (application_id != kApplicationId || user_version != kSchemaVersion) {
        not_ours(connection.path(),
                 fmt::format("application_id {:#x}, schema version {}", application_id, user_version));
    }
    transaction.commit();
}

// A damaged page inside an otherwise well-formed file (the header checks cannot see it) must stop a writer
// before it appends to the file: SQLite's structural check reads every page once (fast next to a tuning
// run), without writing.
void check_integrity(sqlite::Connection &connection) {
    sqlite::Statement check = connection.prepare("PRAGMA quick_check(1)");
    std::string verdict = check.step() ? check.column_text(0) : "no answer";
    if (verdict == "ok") return;
    // SQLite's report spans lines ("*** in database main ***\nPage 2: ..."); errors are one line.
    const std::string banner = "*** in database main ***";
    if (verdict.starts_with(banner)) verdict.erase(0, banner.size());
    std::replace(verdict.begin(), verdict.end(), '\n', ' ');
    verdict.erase(0, verdict.find_first_not_of(' '));
    user_error(
        "records database '{}' is corrupt (integrity check: {}); restore it from a backup or pass "
        "another --db path",
        connection.path(), verdict);
}

}  // namespace

std::unique_ptr<sqlite::Connection> open_records_file(const std::string &path, bool must_exist) {
    std::error_code ec;
    bool exists = fs::exists(path, ec);
    if (exists && fs::is_directory(path, ec)) user_error("--db {} is a directory; pass a file path", path);
    if (exists && !fs::is_regular_file(path, ec))
        user_error("--db {} is not a regular file (a device, pipe or socket); pass a file path", path);
    if (!exists && must_exist)
        user_error("records database '{}' does not exist; pass the --db file `atim tune` wrote", path);
    uintmax_t file_bytes = exists ? fs::file_size(path, ec) : 0;
    bool fresh = !exists || file_bytes == 0;
    if (!fresh) check_header(path, file_bytes);
    int flags = SQLITE_OPEN_READWRITE | (fresh ? SQLITE_OPEN_CREATE : 0);
    auto connection = std::make_unique<sqlite::Connection>(path, flags);
    sqlite3_busy_timeout(connection->handle(), kBusyTimeoutMs);
    // The schema is created in the default rollback-journal mode, so the header written to the main file
    // carries the application_id at once (a WAL would keep it in the log until a checkpoint).
    if (fresh) create_or_validate(*connection);
    connection->execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    if (!fresh) {
        create_or_validate(*connection);
        check_integrity(*connection);
    }
    return connection;
}

}  // namespace atim::tune::database_schema
