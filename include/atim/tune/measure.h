// What measuring one candidate produced, as the tuner, its database and its reports see it. A failure
// (the schedule does not replay, the program does not fit the machine, wrong outputs, a fault, a timeout)
// is a result, not an exception.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace atim::tune {

enum class MeasureStatus {
    Ok,           ///< ran, outputs verified, times valid
    Invalid,      ///< rejected before running: trace does not replay, or lowering/codegen refused it
    WrongOutput,  ///< ran but outputs differ from the reference (a compiler bug: always worth a report)
    RunFailed,    ///< the backend faulted (SimError, emu crash, toolchain failure)
    Timeout,      ///< exceeded the runner's time budget
    /// Stopped once its kernel ran past the tuner's bound (a multiple of the best total time so far): it
    /// cannot be the best. kernel_ms and total_ms hold the bound, a lower bound of its times.
    Pruned,
};

/// "ok", "invalid", "wrong_output", "run_failed", "timeout", "pruned".
const char *to_string(MeasureStatus status);
/// The inverse of to_string; throws UserError for an unknown name.
MeasureStatus measure_status_from_string(const std::string &name);

/// The result of measuring one candidate. Times are milliseconds of the timed window (DESIGN.md §5);
/// they are meaningful only when status == Ok.
struct MeasureResult {
    MeasureStatus status = MeasureStatus::Invalid;
    std::string error;  ///< one line, for every status but Ok
    double h2d_ms = 0, kernel_ms = 0, after_ms = 0, total_ms = 0;
    int dpus = 0, tasklets = 0;
    /// Backend statistics (the sim runner puts the kernel counters and what was simulated here).
    nlohmann::json stats = nlohmann::json::object();

    bool ok() const { return status == MeasureStatus::Ok; }
    nlohmann::json to_json() const;
    /// Throws UserError when a field is missing or of the wrong type.
    static MeasureResult from_json(const nlohmann::json &json);
};

}  // namespace atim::tune
