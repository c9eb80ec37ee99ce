// Thin RAII wrappers over the sqlite3 C API: a connection and a prepared statement whose failures become
// atim errors naming the database file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

namespace atim::tune::sqlite {

/// Throws for a failed sqlite3 call: UserError for what the user can fix (corrupt or locked file, disk full,
/// no permission), InternalError for a misuse of the API by atim.
[[noreturn]] void throw_error(sqlite3 *db, int code, const std::string &path, const std::string &what);

class Statement;

/// An open database connection.
class Connection {
public:
    /// sqlite3_open_v2 with `flags`; throws UserError when the file cannot be opened.
    Connection(const std::string &path, int flags);
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    /// Runs SQL without results (may hold several statements).
    void execute(const std::string &sql);
    /// The single integer a query such as `PRAGMA user_version` returns.
    int64_t query_int(const std::string &sql);
    Statement prepare(const std::string &sql);

    sqlite3 *handle() const { return db_; }
    const std::string &path() const { return path_; }

private:
    sqlite3 *db_ = nullptr;
    std::string path_;
};

/// A prepared statement: bind (1-based), step, read columns (0-based), reset for the next use.
class Statement {
public:
    Statement(Connection &connection, const std::string &sql);
    ~Statement();
    Statement(Statement &&other) noexcept;
    Statement &operator=(Statement &&) = delete;
    Statement(const Statement &) = delete;

    Statement &bind(int index, int64_t value);
    Statement &bind(int index, double value);
    Statement &bind(int index, const std::string &value);
    /// True while a row is available; false when done.
    bool step();
    /// Steps a statement that returns no rows, then resets it.
    void run();
    /// Clears bindings and rewinds, so the statement can be used again.
    void reset();

    int64_t column_int(int index) const;
    double column_double(int index) const;
    std::string column_text(int index) const;

private:
    Connection *connection_;
    sqlite3_stmt *statement_ = nullptr;
};

/// Rolls a transaction back unless commit() was called (exceptions leave the database unchanged).
class Transaction {
public:
    /// BEGIN IMMEDIATE: takes the write lock now (waiting up to the busy timeout), so concurrent writers
    /// queue up instead of failing on a lock upgrade.
    explicit Transaction(Connection &connection);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    void commit();

private:
    Connection &connection_;
    bool done_ = false;
};

}  // namespace atim::tune::sqlite
