// MeasureResult <-> JSON, and the names of the measurement statuses.
#include "atim/tune/measure.h"

#include <array>
#include <utility>

#include "atim/support/error.h"

namespace atim::tune {
namespace {

constexpr std::array<std::pair<MeasureStatus, const char *>, 6> kStatusNames = {{
    {MeasureStatus::Ok, "ok"},
    {MeasureStatus::Invalid, "invalid"},
    {MeasureStatus::WrongOutput, "wrong_output"},
    {MeasureStatus::RunFailed, "run_failed"},
    {MeasureStatus::Timeout, "timeout"},
    {MeasureStatus::Pruned, "pruned"},
}};

}  // namespace

const char *to_string(MeasureStatus status) {
    for (const auto &[value, name] : kStatusNames)
        if (value == status) return name;
    return "unknown";
}

MeasureStatus measure_status_from_string(const std::string &name) {
    for (const auto &[value, text] : kStatusNames)
        if (name == text) return value;
    throw UserError("unknown measurement status '" + name +
                    "'; expected ok, invalid, wrong_output, run_failed, timeout or pruned");
}

nlohmann::json MeasureResult::to_json() const {
    return {{"status", to_string(status)},
            {"error", error},
            {"time_ms", {{"h2d", h2d_ms}, {"kernel", kernel_ms}, {"after", after_ms}, {"total", total_ms}}},
            {"dpus", dpus},
            {"tasklets", tasklets},
            {"stats", stats}};
}

MeasureResult MeasureResult::from_json(const nlohmann::json &json) {
    try {
        MeasureResult result;
        result.status = measure_status_from_string(json.at("status").get<std::string>());
        result.error = json.at("error").get<std::string>();
        const nlohmann::json &times = json.at("time_ms");
        result.h2d_ms = times.at("h2d").get<double>();
        result.kernel_ms = times.at("kernel").get<double>();
        result.after_ms = times.at("after").get<double>();
        result.total_ms = times.at("total").get<double>();
        result.dpus = json.at("dpus").get<int>();
        result.tasklets = json.at("tasklets").get<int>();
        result.stats = json.value("stats", nlohmann::json::object());
        return result;
    } catch (const nlohmann::json::exception &e) {
        throw UserError(std::string("malformed measurement record: ") + e.what() +
                        "; re-export the records with `atim db export`");
    }
}

}  // namespace atim::tune
