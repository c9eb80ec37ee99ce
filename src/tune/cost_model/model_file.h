// The file of a saved cost model: one JSON object naming its format, the feature schema version and the
// feature names it was trained with, so that a model never meets features of another schema.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace atim::tune::cost_model_detail {

/// Writes through a temporary file and a rename, so a failed save never leaves half a model behind.
void write_file_atomically(const std::string &path, const std::string &text);

/// The JSON of a saved model of format `format`; throws UserError when the file cannot be read, is not
/// JSON, has another format, or another feature schema version or feature list than this build.
nlohmann::json parse_model_file(const std::string &path, const char *format);

/// The header fields every saved model starts with (format, schema_version, feature_names).
nlohmann::json model_file_header(const char *format);

}  // namespace atim::tune::cost_model_detail
