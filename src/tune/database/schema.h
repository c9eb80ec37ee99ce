// The records database's file format: how an atim records file is recognized, created and opened. A file
// that is not ours (another program's SQLite file, a newer schema, random or truncated bytes) is refused
// before anything is written to it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tune/database/sqlite.h"

namespace atim::tune::database_schema {

/// PRAGMA application_id of every atim records file: "atim" in ASCII.
constexpr int32_t kApplicationId = 0x6174696d;
/// PRAGMA user_version: the schema version this atim writes and reads.
constexpr int32_t kSchemaVersion = 1;

/// Opens `path` for reading and writing: creates the file with the schema when absent or empty (unless
/// `must_exist`), otherwise checks that it is an atim records file of a known schema version. Throws
/// UserError, leaving the file untouched, when it is not or when a page of it is damaged. The connection is
/// in WAL mode with a busy timeout.
std::unique_ptr<sqlite::Connection> open_records_file(const std::string &path, bool must_exist);

}  // namespace atim::tune::database_schema
