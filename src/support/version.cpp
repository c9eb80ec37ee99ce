// atim_version(): the CMake project version, passed in as the ATIM_VERSION compile definition.
#include "atim/support/version.h"

#ifndef ATIM_VERSION
#error \
    "ATIM_VERSION must be defined by the build (CMakeLists.txt: target_compile_definitions on atim_support)"
#endif

namespace atim {

const char *atim_version() { return ATIM_VERSION; }

}  // namespace atim
