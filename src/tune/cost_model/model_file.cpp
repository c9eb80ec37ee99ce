#include "tune/cost_model/model_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "atim/support/error.h"
#include "atim/tune/features.h"

namespace atim::tune::cost_model_detail {
namespace {

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) user_error("cannot read cost model file '{}'; check the path", path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

void write_file_atomically(const std::string &path, const std::string &text) {
    std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) user_error("cannot write cost model file '{}'; check the directory exists", path);
        out << text;
        if (!out.flush()) user_error("cannot write cost model file '{}'", path);
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) user_error("cannot write cost model file '{}': {}", path, error.message());
}

nlohmann::json parse_model_file(const std::string &path, const char *format) {
    nlohmann::json file;
    try {
        file = nlohmann::json::parse(read_file(path));
    } catch (const nlohmann::json::parse_error &) {
        user_error("cost model file '{}' is corrupt (not JSON); delete it and retrain", path);
    }
    if (!file.is_object() || !file.contains("format") || file["format"] != format)
        user_error("'{}' is not an {} file", path, format);
    const nlohmann::json &version_field = file.value("schema_version", nlohmann::json());
    int version = version_field.is_number_integer() ? version_field.get<int>() : -1;
    if (version != kFeatureSchemaVersion)
        user_error("cost model '{}' uses feature schema {}, this atim uses {}; retrain the model", path,
                   version, kFeatureSchemaVersion);
    if (file.value("feature_names", nlohmann::json::array()) != nlohmann::json(feature_names()))
        user_error("cost model '{}' lists other features than schema {}; retrain the model", path, version);
    return file;
}

nlohmann::json model_file_header(const char *format) {
    return {
        {"format", format}, {"schema_version", kFeatureSchemaVersion}, {"feature_names", feature_names()}};
}

}  // namespace atim::tune::cost_model_detail
