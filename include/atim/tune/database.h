// Durable tuning records in SQLite (WAL mode): the workloads, and one record per measurement with its trace,
// time split, machine fingerprint, atim version and seed. Opening a corrupt or foreign file is a UserError
// and the file is left untouched.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "atim/target/upmem_machine.h"
#include "atim/tune/measure.h"

namespace atim::tune {

/// One measurement of one candidate.
struct TuningRecord {
    int64_t id = 0;           ///< assigned by the database (insertion order)
    std::string workload;     ///< workload key: "mtv/8192x8192/int32"
    std::string machine;      ///< machine fingerprint (target::UpmemMachine; see machine_fingerprint)
    std::string run;          ///< tuning-run key: workload, machine, seed, search options (for --resume)
    int64_t trial = 0;        ///< 0-based trial index within the run
    std::string sketch;       ///< sketch name
    uint64_t trace_hash = 0;  ///< structural_hash(trace)
    std::string trace_json;   ///< schedule::Trace::to_json()
    MeasureResult result;
    std::string atim_version;  ///< e.g. "0.1.0"
    uint64_t seed = 0;         ///< the run's seed
    std::string created;       ///< ISO-8601 UTC time of insertion

    nlohmann::json to_json() const;                             ///< one JSON-lines row of `atim db export`
    static TuningRecord from_json(const nlohmann::json &json);  ///< throws UserError on a bad row
};

/// "mtv/8192x8192/int32".
std::string workload_key(const std::string &name, const std::string &shape, const std::string &dtype);
/// The machine's preset name plus a short hash of every parameter: "upmem-2048#3f9a0c1d2e4b5a69" (FNV-1a 64
/// over target::machine_to_json, without host.fit_source, which documents the values but does not change
/// them).
std::string machine_fingerprint(const target::UpmemMachine &machine);

/// A records file. One object is not thread-safe; several objects or processes may share one file (WAL
/// mode: readers never block, writers wait for each other up to a busy timeout).
class Database {
public:
    /// Opens (creating when absent) a records database. Throws UserError when the file exists but is not an
    /// atim database (foreign SQLite file, other application, newer schema) or is corrupt.
    static Database open(const std::string &path);
    /// As open(), but a missing file is a UserError instead of a new database (for commands that only read).
    static Database open_existing(const std::string &path);
    ~Database();
    Database(Database &&) noexcept;
    Database &operator=(Database &&) noexcept;

    /// Appends a record (id and created are filled in, and atim_version when empty) in one transaction;
    /// returns its id. Durable once it returns: a process killed later loses nothing of it. A run holds one
    /// record per trial: UserError when its (run, trial) is already recorded (another process writing the
    /// run).
    int64_t add(TuningRecord record);
    /// Records of a workload on a machine (all runs), ordered by id.
    std::vector<TuningRecord> records(const std::string &workload, const std::string &machine) const;
    /// Records of one run, ordered by trial.
    std::vector<TuningRecord> run_records(const std::string &run) const;
    /// The fastest Ok record of a workload (any machine when `machine` is empty).
    std::optional<TuningRecord> best(const std::string &workload, const std::string &machine = "") const;
    /// The `k` fastest Ok records of a workload on a machine.
    std::vector<TuningRecord> top_k(const std::string &workload, const std::string &machine, int k) const;
    /// Every record, ordered by id.
    std::vector<TuningRecord> all() const;
    /// The keys of the workloads that have records, sorted.
    std::vector<std::string> workloads() const;
    int64_t size() const;

    /// Writes every record as JSON lines; returns the count.
    int64_t export_jsonl(std::ostream &out) const;
    /// Adds the records of a JSON-lines stream in one transaction (skipping exact duplicates: same run,
    /// trial and trace hash); all or nothing: a bad line, or a (run, trial) already recorded with another
    /// trace, throws UserError naming its line number.
    int64_t import_jsonl(std::istream &in);

private:
    struct Impl;
    explicit Database(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace atim::tune
