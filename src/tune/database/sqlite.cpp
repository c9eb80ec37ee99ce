// sqlite3 C API wrappers: error mapping, connection, prepared statements, transactions.
#include "tune/database/sqlite.h"

#include <fmt/format.h>

#include <utility>

#include "atim/support/error.h"

namespace atim::tune::sqlite {

void throw_error(sqlite3 *db, int code, const std::string &path, const std::string &what) {
    std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    switch (code & 0xff) {
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            user_error("records database '{}' is corrupt ({}: {}); pass another --db path", path, what,
                       detail);
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            user_error("records database '{}' stayed locked by another process ({}); retry when it is done",
                       path, what);
        case SQLITE_ERROR:
        case SQLITE_MISUSE:
        case SQLITE_RANGE:
        case SQLITE_SCHEMA:
            internal_error(__FILE__, __LINE__, fmt::format("sqlite {} on '{}': {}", what, path, detail));
        default:
            user_error("records database '{}': {} failed ({}); check the file, its directory and the disk",
                       path, what, detail);
    }
}

Connection::Connection(const std::string &path, int flags) : path_(path) {
    int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (code != SQLITE_OK) {
        std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
        sqlite3_close(db_);
        db_ = nullptr;
        user_error("cannot open records database '{}' ({}); check the path and its permissions", path,
                   detail);
    }
    sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() { sqlite3_close_v2(db_); }

void Connection::execute(const std::string &sql) {
    int code = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    if (code != SQLITE_OK) throw_error(db_, code, path_, sql);
}

int64_t Connection::query_int(const std::string &sql) {
    Statement statement(*this, sql);
    if (!statement.step()) internal_error(__FILE__, __LINE__, "no row from: " + sql);
    return statement.column_int(0);
}

Statement Connection::prepare(const std::string &sql) { return Statement(*this, sql); }

Statement::Statement(Connection &connection, const std::string &sql) : connection_(&connection) {
    int code = sqlite3_prepare_v3(connection.handle(), sql.c_str(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &statement_, nullptr);
    if (code != SQLITE_OK) throw_error(connection.handle(), code, connection.path(), "prepare " + sql);
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement::Statement(Statement &&other) noexcept
    : connection_(other.connection_), statement_(std::exchange(other.statement_, nullptr)) {}

Statement &Statement::bind(int index, int64_t value) {
    int code = sqlite3_bind_int64(statement_, index, value);
    if (code != SQLITE_OK) throw_error(connection_->handle(), code, connection_->path(), "bind");
    return *this;
}

Statement &Statement::bind(int index, double value) {
    int code = sqlite3_bind_double(statement_, index, value);
    if (code != SQLITE_OK) throw_error(connection_->handle(), code, connection_->path(), "bind");
    return *this;
}

Statement &Statement::bind(int index, const std::string &value) {
    int code =
        sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    if (code != SQLITE_OK) throw_error(connection_->handle(), code, connection_->path(), "bind");
    return *this;
}

bool Statement::step() {
    int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    std::string sql = sqlite3_sql(statement_);
    sqlite3_reset(statement_);
    throw_error(connection_->handle(), code, connection_->path(), sql);
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

int64_t Statement::column_int(int index) const { return sqlite3_column_int64(statement_, index); }

double Statement::column_double(int index) const { return sqlite3_column_double(statement_, index); }

std::string Statement::column_text(int index) const {
    const unsigned char *text = sqlite3_column_text(statement_, index);
    if (text == nullptr) return "";
    return std::string(reinterpret_cast<const char *>(text),
                       static_cast<size_t>(sqlite3_column_bytes(statement_, index)));
}

Transaction::Transaction(Connection &connection) : connection_(connection) {
    connection_.execute("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    // A failed statement inside the transaction may already have rolled it back; ignore the result.
    if (!done_) sqlite3_exec(connection_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    connection_.execute("COMMIT");
    done_ = true;
}

}  // namespace atim::tune::sqlite
