// The version of atim (the CMake project version), recorded with every tuning record so that results of
// different compilers can be told apart.
#pragma once

namespace atim {

/// "0.1.0": the CMake project version this build was configured with.
const char *atim_version();

}  // namespace atim
