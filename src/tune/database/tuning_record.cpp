// TuningRecord <-> one JSON-lines row of `atim db export`, and workload keys.
#include <fmt/format.h>

#include <cstdlib>

#include "atim/support/error.h"
#include "atim/tune/database.h"

namespace atim::tune {
namespace {

// 64-bit hashes travel as 16 hex digits: JSON readers in other languages lose precision above 2^53.
std::string hash_to_hex(uint64_t hash) { return fmt::format("{:016x}", hash); }

uint64_t hash_from_hex(const std::string &text) {
    if (text.empty() || text.size() > 16 ||
        text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        user_error("trace_hash '{}' is not 1 to 16 hex digits", text);
    return std::strtoull(text.c_str(), nullptr, 16);
}

}  // namespace

std::string workload_key(const std::string &name, const std::string &shape, const std::string &dtype) {
    return fmt::format("{}/{}/{}", name, shape, dtype);
}

nlohmann::json TuningRecord::to_json() const {
    return {{"id", id},
            {"workload", workload},
            {"machine", machine},
            {"run", run},
            {"trial", trial},
            {"sketch", sketch},
            {"trace_hash", hash_to_hex(trace_hash)},
            {"trace", trace_json},
            {"result", result.to_json()},
            {"atim_version", atim_version},
            {"seed", seed},
            {"created", created}};
}

TuningRecord TuningRecord::from_json(const nlohmann::json &json) {
    try {
        TuningRecord record;
        record.id = json.value("id", int64_t{0});
        record.workload = json.at("workload").get<std::string>();
        record.machine = json.at("machine").get<std::string>();
        record.run = json.at("run").get<std::string>();
        record.trial = json.at("trial").get<int64_t>();
        record.sketch = json.at("sketch").get<std::string>();
        record.trace_hash = hash_from_hex(json.at("trace_hash").get<std::string>());
        record.trace_json = json.at("trace").get<std::string>();
        record.result = MeasureResult::from_json(json.at("result"));
        record.atim_version = json.at("atim_version").get<std::string>();
        record.seed = json.at("seed").get<uint64_t>();
        record.created = json.value("created", std::string());
        if (record.workload.empty()) user_error("empty workload key");
        return record;
    } catch (const nlohmann::json::exception &e) {
        user_error("malformed tuning record: {}", e.what());
    }
}

}  // namespace atim::tune
