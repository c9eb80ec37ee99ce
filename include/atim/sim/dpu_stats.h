// What one DPU run did and where its cycles went, and the error a faulting DPU program raises.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "atim/support/error.h"

namespace atim::sim {

/// A DPU program misbehaved at run time (bad address, misaligned DMA, fault, runaway).
/// The message names the tasklet, pc, address and source line.
class SimError : public UserError {
public:
    explicit SimError(const std::string &message) : UserError(message) {}
};

/// A DPU ran past DpuOptions::max_cycles: a runaway program, or (when the tuner sets a bound) a candidate
/// already known to be slower than the bound.
class CycleLimitExceeded : public SimError {
public:
    explicit CycleLimitExceeded(const std::string &message) : SimError(message) {}
};

struct DpuStats {
    int64_t cycles = 0;           ///< DPU cycles from launch until the last tasklet stopped
    int64_t instructions = 0;     ///< instructions issued, all tasklets
    int64_t dma_read_bytes = 0;   ///< MRAM -> WRAM
    int64_t dma_write_bytes = 0;  ///< WRAM -> MRAM
    int64_t dma_transfers = 0;

    // Where the cycles went; the four add up to `cycles`.
    int64_t issue_cycles = 0;           ///< an instruction issued
    int64_t dma_wait_cycles = 0;        ///< nobody could issue: every live tasklet waited for its DMA
    int64_t revolver_wait_cycles = 0;   ///< a tasklet was runnable but none was 11 cycles past its last issue
    int64_t rf_stall_cycles = 0;        ///< issue blocked by the register-file bank rule
    int64_t dma_port_stall_cycles = 0;  ///< issue blocked by the DMA engine's use of the WRAM port

    std::vector<int64_t> tasklet_instructions;  ///< per tasklet

    double ipc() const {
        return cycles ? static_cast<double>(instructions) / static_cast<double>(cycles) : 0.0;
    }
};

}  // namespace atim::sim
