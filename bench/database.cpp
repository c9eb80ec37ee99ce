// Records database throughput: one-transaction add() (what a tuner does per measurement), bulk import, and
// loading every record back (what resuming or `atim db best` over a large run costs). Wall-clock rates of
// this machine, printed, never asserted.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>

#include "atim/tune/database.h"

namespace {

using atim::tune::Database;
using atim::tune::TuningRecord;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// A record shaped like a real one: a trace of a few kB and a handful of statistics.
TuningRecord make_record(int64_t trial, const std::string &trace) {
    TuningRecord record;
    record.workload = trial % 2 == 0 ? "mtv/8192x8192/int32" : "gemv/4096x4096/int32";
    record.machine = "upmem-2048#0123456789abcdef";
    record.run = "bench";
    record.trial = trial;
    record.sketch = trial % 3 == 0 ? "prim" : "rc-tile";
    record.trace_hash = static_cast<uint64_t>(trial) * 0x9e3779b97f4a7c15ull;
    record.trace_json = trace;
    record.result.status = atim::tune::MeasureStatus::Ok;
    record.result.total_ms = 1.0 + static_cast<double>((trial * 7919) % 10007) / 1000.0;
    record.result.kernel_ms = record.result.total_ms / 2;
    record.result.dpus = 2048;
    record.result.tasklets = 16;
    record.result.stats = {{"cycles", trial * 1000}, {"simulated_dpus", 1}, {"instructions", trial * 400}};
    record.seed = 1;
    return record;
}

}  // namespace

int main() {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / fmt::format("atim-bench-database-{}", ::getpid());
    fs::create_directories(dir);
    std::string trace = R"({"version":1,"instructions":[)";
    for (int i = 0; i < 20; ++i)
        trace += fmt::format(
            R"({}{{"kind":"split","inputs":["l{}",[null,64]],"attrs":{{}},"outputs":["l{}","l{}"],"decision":[]}})",
            i == 0 ? "" : ",", i, 2 * i + 1, 2 * i + 2);
    trace += "]}";

    constexpr int64_t kAdds = 5000;
    constexpr int64_t kImported = 100000;
    {
        Database db = Database::open((dir / "adds.db").string());
        auto start = Clock::now();
        for (int64_t trial = 0; trial < kAdds; ++trial) db.add(make_record(trial, trace));
        double elapsed = seconds_since(start);
        fmt::print("add (one transaction each):   {:>8} records in {:.3f} s = {:>9.0f} records/s\n", kAdds,
                   elapsed, kAdds / elapsed);
    }
    std::stringstream jsonl;
    for (int64_t trial = 0; trial < kImported; ++trial) {
        TuningRecord record = make_record(trial, trace);
        record.created = "2026-01-01T00:00:00.000Z";
        jsonl << record.to_json().dump() << '\n';
    }
    Database db = Database::open((dir / "import.db").string());
    auto start = Clock::now();
    int64_t added = db.import_jsonl(jsonl);
    double elapsed = seconds_since(start);
    fmt::print("import (one transaction):     {:>8} records in {:.3f} s = {:>9.0f} records/s\n", added,
               elapsed, added / elapsed);

    Database reader = Database::open((dir / "import.db").string());
    start = Clock::now();
    size_t loaded = reader.all().size();
    elapsed = seconds_since(start);
    fmt::print("load all() (new connection):  {:>8} records in {:.3f} s = {:>9.0f} records/s\n", loaded,
               elapsed, static_cast<double>(loaded) / elapsed);
    start = Clock::now();
    constexpr int kQueries = 1000;
    for (int i = 0; i < kQueries; ++i) reader.top_k("mtv/8192x8192/int32", "upmem-2048#0123456789abcdef", 16);
    elapsed = seconds_since(start);
    fmt::print("top_k(16) over 50000 records: {:>8} queries in {:.3f} s = {:>9.0f} queries/s\n", kQueries,
               elapsed, kQueries / elapsed);
    fmt::print("database file: {:.1f} MB for {} records\n",
               static_cast<double>(fs::file_size(dir / "import.db")) / 1e6, loaded);
    fs::remove_all(dir);
    return 0;
}
