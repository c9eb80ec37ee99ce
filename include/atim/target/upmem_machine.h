// UpmemMachine: every fact about the UPMEM machine in one struct, with named presets and a JSON override.
// Each parameter names its source; timing parameters are fitted/checked in bench/ against
// ../shared/calibration.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atim::target {

/// Timing of one DPU core and its DMA engine (cycles at the DPU clock).
struct DpuTiming {
    int revolver_cycles = 11;  ///< a tasklet issues at most once every 11 cycles [upmem-hardware.md §3.1]
    int pipeline_stages = 14;  ///< [upmem-hardware.md §1, uPIMulator default]
    /// uPIMulator's even/odd register-file rule [upmem-hardware.md §3.1 item 3]. Off by default: against
    /// real-hardware kernel times it doubles the error (bench_kernel_fidelity: ATiM boundary kernels 45.5% ->
    /// 24.3% mean error with it off, PrIM workloads 25.6% -> 14.5%), and the PrIM int64-add / int32-mul
    /// microbenchmarks miss by 31-39% with it on, by < 4% with it off (bench_dpu_microbenchmarks).
    bool register_bank_stall = false;
    double dma_read_alpha = 77;   ///< mram_read latency = alpha + beta*bytes [PrIM, §3.2]
    double dma_write_alpha = 61;  ///< [PrIM, §3.2]
    double dma_beta = 0.5;        ///< cycles per byte [PrIM, §3.2]
    /// Share of the cycles the pipeline loses while the DMA engine moves data (it takes the WRAM port the
    /// pipeline's loads and stores use). Found on the VA/GEVA kernels of atim_server_prim_suite.csv (they
    /// alone move as many DMA bytes as they compute on), confirmed on PrIM's 1-64 DPU VA rows
    /// (bench_fidelity).
    double dma_wram_port_share = 0.15;  ///< [fit: of 0, 0.15, 0.3, 0.45]
};

/// Cost of host<->DPU transfers, launch and host work, by the mechanisms of the SDK's host library
/// [reference/upmem-transfers.md]; sim::HostModel evaluates them. Fitted per machine (see fit_source).
struct HostTiming {
    std::string sdk;            ///< UPMEM SDK version whose host library the constants describe
    int ranks_per_channel = 4;  ///< ranks sharing a DDR channel: serialised by the channel lock [§1 item 6]
    /// How a set of fewer ranks than the machine's sits on the channels: false, one channel's ranks first
    /// (a set of R ranks has min(R, ranks_per_channel) on its busiest channel); true, round robin over the
    /// channels (ceil(R / channels)). The SDK allocates ranks in their system order; how the system numbers
    /// them is the machine's [upmem-transfers.md §6: "channel layout unknown"].
    bool interleave_channels = false;
    // Every transfer call.
    double call_ms = 0;           ///< fixed part: symbol lookup, O(DPUs) program check, job hand-off [§1]
    double call_per_rank_ms = 0;  ///< per rank of the set: job slots, matrix copy, worker wake-up [§1]
    double prepare_us = 0;        ///< one dpu_prepare_xfer (a pointer store) [§1 item 1]
    // MRAM through the rank window: per rank under the channel lock, the pool's hand-off, then the lines.
    double rank_section_ms = 0;  ///< pool hand-off (two barrier rounds) per rank [§1 item 6]
    double write_line_ns = 0;    ///< one pool thread transposes and writes one 64-B line of 8 DPUs' words
    double read_line_ns = 0;     ///< one pool thread reads and transposes one line
    /// A line whose DPU line has one DPU in the set (a set of 8 DPUs or fewer: one chip's) costs this share
    /// of a full line: one host stream instead of 8 [upmem-transfers.md §2, §6]. Between, it grows with the
    /// chips.
    double write_one_chip_share = 1;
    double read_one_chip_share = 1;
    /// Line cost of dpu_broadcast_to, which reads one host buffer for every line [§3]. A push that prepares
    /// the same pointer for every DPU runs the same gather code as one with a buffer per DPU, so it pays full
    /// price.
    double broadcast_line_factor = 1;
    /// A DPU line's first bytes cost more per line than a long run (the host's prefetchers and
    /// write-combining ramp up per stream, and restart at every 4 KiB page): a line costs write/read_line_ns
    /// x (1 + (short_run_line_factor - 1) x line_ramp_bytes / (line_ramp_bytes + bytes per DPU)). 1: no ramp.
    double short_run_line_factor = 1;
    double line_ramp_bytes = 4096;  ///< a page: hardware prefetchers do not cross 4 KiB pages [I]
    int pool_threads = 4;     ///< nrThreadPerPool: threads for >= 32 KiB per DPU (1, 2, 4 below) [§1 item 7]
    double write_gbps = 1e9;  ///< host memory ceiling of all channels together, host->DPU
    double read_gbps = 1e9;   ///< the same, DPU->host
    double mux_switch_ms = 0;  ///< first MRAM transfer after a launch: ~20 CI commands per rank [§4]
    // WRAM through the control interface [§3].
    double ci_write_us = 1.0;      ///< one write-type command (LUT5 WRAM push, §5.2)
    double ci_read_us = 1.8;       ///< one read-type command (LUT5 WRAM gather, §5.2)
    double ci_rank_overlap = 0.0;  ///< slow-down per extra rank issuing commands at once (LUT5: 1.6x at 32)
    // dpu_launch(DPU_SYNCHRONOUS): boot every rank, then a per-NUMA-node thread polls them [§4].
    double launch_ms = 0;           ///< fixed part
    double launch_per_rank_ms = 0;  ///< per rank: boot commands and its share of the polling sweep
    // Host epilogue: a roofline over the host's cores.
    int host_cores = 1;                 ///< cores a parallel epilogue loop's threads run on side by side
    double core_ops_per_ns = 1.0;       ///< arithmetic operations per ns of one core (compiled, vectorised)
    double core_bytes_per_ns = 10.0;    ///< bytes per ns one core streams
    double socket_bytes_per_ns = 20.0;  ///< bytes per ns all cores stream together
    double fork_join_ms = 0;            ///< one OpenMP parallel region (fork + join barrier)
    std::string fit_source;             ///< where the constants come from (rows fitted, bench that fits them)
};

struct UpmemMachine {
    std::string name = "upmem-2048";
    int dpus = 2048;                        ///< DPUs available [ATiM evaluation system, atim-method.md §2.1]
    int dpus_per_rank = 64;                 ///< 8 chips x 8 DPUs [upmem-hardware.md §1]
    double dpu_mhz = 350;                   ///< PrIM 2,556-DPU system [upmem-hardware.md §1]
    int max_tasklets = 24;                  ///< v1A [upmem-hardware.md §1]
    int64_t wram_bytes = 64 * 1024;         ///< [upmem-hardware.md §1]
    int64_t mram_bytes = 64ll << 20;        ///< [upmem-hardware.md §1]
    int iram_instructions = 4096;           ///< 24 KB of 48-bit instructions [upmem-hardware.md §1]
    int64_t stack_bytes_per_tasklet = 256;  ///< STACK_SIZE_DEFAULT used by generated kernels
    int64_t max_dma_bytes = 2048;           ///< ldma/sdma limit [upmem-hardware.md §2]
    DpuTiming dpu;
    HostTiming host;

    int ranks() const { return (dpus + dpus_per_rank - 1) / dpus_per_rank; }
};

/// Names of the built-in presets ("upmem-2048", ...).
std::vector<std::string> machine_preset_names();
/// A preset by name, or a JSON file (any field of UpmemMachine, nested "dpu"/"host" objects for the timing
/// groups; missing fields keep the values of preset "base", default upmem-2048).
/// Throws UserError for an unknown name, unreadable or malformed file, or an impossible value.
UpmemMachine load_machine(const std::string &name_or_path);
/// The same override applied to JSON text instead of a file (`"base": "upmem-rank"` picks another starting
/// preset).
UpmemMachine machine_from_json_text(const std::string &json_text);
/// Every parameter of the machine as canonical JSON text (keys sorted, no whitespace, timing groups nested as
/// "dpu"/"host"); machine_from_json_text of it gives the same machine.
std::string machine_to_json(const UpmemMachine &machine);

}  // namespace atim::target
