// machine_fingerprint: a stable name for "the same machine model", so records measured with different
// machine parameters are never compared with each other.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "atim/tune/database.h"

namespace atim::tune {
namespace {

// FNV-1a 64: stable across compilers and runs (std::hash is neither).
uint64_t fnv1a_64(const std::string &bytes) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (unsigned char byte : bytes) {
        hash ^= byte;
        hash *= 0x100000001b3ull;
    }
    return hash;
}

}  // namespace

std::string machine_fingerprint(const target::UpmemMachine &machine) {
    nlohmann::json parameters = nlohmann::json::parse(target::machine_to_json(machine));
    parameters["host"].erase("fit_source");
    return fmt::format("{}#{:016x}", machine.name, fnv1a_64(parameters.dump()));
}

}  // namespace atim::tune
