// Building and running generated C programs natively against the SDK emulation of src/runtime/emu.
#pragma once

#include <filesystem>
#include <string>

#include "atim/codegen/c_codegen.h"

namespace atim::runtime {

/// Where the emulator's C sources are: $ATIM_EMU_DIR when set, else the source tree's src/runtime/emu.
std::filesystem::path emu_source_dir();

/// How to compile one program for the emulator.
struct EmuBuildOptions {
    int tasklets = 1;                       ///< -DNR_TASKLETS
    int64_t stack_bytes_per_tasklet = 256;  ///< -DSTACK_SIZE_DEFAULT
};

/// Compiles DIR/dpu.c into DIR/dpu.so (kernel, with the emulator's DPU headers) and DIR/host.c into DIR/host
/// (with the emulator's host library) using the system C compiler (`cc`, or $CC). Throws InternalError with
/// the compiler's first lines when a compilation fails: generated code that does not compile is our bug.
void build_for_emu(const std::filesystem::path &dir, const EmuBuildOptions &options);

/// The outcome of running DIR/host.
struct HostRun {
    int exit_code = 0;  ///< 128 + signal when killed
    bool timed_out = false;
    std::string stdout_text;
    std::string stderr_text;
    /// The emulator's diagnostics ("atim-emu: ..." lines of stderr), joined with "; ".
    std::string emulator_message() const;
    /// True when a diagnostic says the program exceeded a machine limit ("atim-emu: over capacity: ...").
    bool over_capacity() const;
};

/// Runs DIR/host DIR in DIR and collects its output; stops it after `timeout_seconds` (0: no limit), so that
/// a generated program that never ends cannot hang a tuning run.
HostRun run_host(const std::filesystem::path &dir, int timeout_seconds = 600);

/// Throws when the run failed: UserError for a machine limit the schedule exceeded (WRAM/MRAM capacity,
/// tasklets), InternalError otherwise; the message is the emulator's.
void check_host_run(const HostRun &run);

}  // namespace atim::runtime
