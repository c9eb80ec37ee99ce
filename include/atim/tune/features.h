// Cost-model features of a lowered candidate: what matters on this machine (per-DPU transfer bytes, DMA
// sizes and counts, tasklets, DPUs, WRAM use, instructions per loop level, boundary guards), in a versioned
// schema stored with every trained model.
#pragma once

#include <string>
#include <vector>

#include "atim/lower/pim_program.h"
#include "atim/target/upmem_machine.h"

namespace atim::tune {

/// Bumped whenever a feature is added, removed or changes meaning; a saved model with another version is
/// refused.
inline constexpr int kFeatureSchemaVersion = 3;

/// Names of the features, in vector order (stable within a schema version).
const std::vector<std::string> &feature_names();

/// The features of `program` (size feature_names().size()).
std::vector<float> extract_features(const lower::PimProgram &program, const target::UpmemMachine &machine);

}  // namespace atim::tune
