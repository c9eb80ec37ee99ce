// UPMEM SDK C code generation: a PimProgram as the DPU kernel (dpu.c), the host program (host.c) and the
// build script for the real toolchain (build.sh). The same sources run natively on runtime/emu.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "atim/lower/pim_program.h"

namespace atim::codegen {

/// Which host<->DPU copies the host program times (DESIGN.md §5).
enum class TimingMode : uint8_t {
    Atim,  ///< resident inputs are copied before the timed window (ATiM's accounting)
    Prim,  ///< every copy is inside the timed window (PrIM's accounting)
};
/// "atim" / "prim".
const char *to_string(TimingMode mode);
/// Parses "atim" / "prim"; throws UserError otherwise.
TimingMode parse_timing_mode(const std::string &name);

struct CEmitOptions {
    TimingMode timing = TimingMode::Atim;
    int64_t stack_bytes_per_tasklet = 256;  ///< STACK_SIZE_DEFAULT (UpmemMachine::stack_bytes_per_tasklet)
};

/// The generated sources. host.c reads every input tensor from DIR/<tensor>.bin and writes every output to
/// DIR/<tensor>.bin (raw little-endian, row-major; DIR is its first argument, "." by default) and prints one
/// JSON line {"h2d_ms":..,"kernel_ms":..,"after_ms":..} with its measured wall times.
struct CSources {
    std::string dpu_c;
    std::string host_c;
    std::string build_sh;
};

/// Emits dpu.c, host.c and build.sh for a lowered program.
CSources emit_c(const lower::PimProgram &program, const CEmitOptions &options = {});

/// Writes dpu.c, host.c and build.sh (executable) into `dir`, creating it. Nothing is half-written: the files
/// go to a temporary sibling directory first, which then replaces `dir`'s files.
void write_c_sources(const CSources &sources, const std::filesystem::path &dir);

}  // namespace atim::codegen
