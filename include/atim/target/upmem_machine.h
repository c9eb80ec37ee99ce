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
};

/// Cost of host<->DPU transfers, launch and host work. Fitted in bench/ (see README for the fit and errors).
struct HostTiming {
    double push_call_ms = 0;    ///< fixed cost per dpu_push_xfer call
    double push_rank_gbps = 0;  ///< saturated host->DPU bandwidth of one rank
    double gather_call_ms = 0;
    double gather_rank_gbps = 0;
    double broadcast_rank_gbps = 0;
    double host_link_gbps = 0;                ///< aggregate ceiling over all ranks (memory/socket limit)
    double half_bandwidth_bytes_per_dpu = 0;  ///< size at which a rank reaches half its saturated bandwidth
    double launch_ms = 0;                     ///< dpu_launch + completion poll
    double host_ops_per_ns = 1.0;             ///< host epilogue throughput (simple integer ops per ns)
    // Added by S2 (host transfer model of sim::HostModel; see docs/simulator.md):
    double push_dpu_gbps = 0;     ///< host->DPU bandwidth a single DPU of a rank can take
    double gather_dpu_gbps = 0;   ///< DPU->host bandwidth of a single DPU
    double gather_link_gbps = 0;  ///< aggregate DPU->host ceiling (host reads are synchronous, slower)
    double gather_half_bandwidth_bytes_per_dpu = 0;  ///< as half_bandwidth_bytes_per_dpu, DPU->host
    /// Bandwidth reaches its saturated value as b^g / (b^g + half^g) in the bytes per DPU b (g = 1:
    /// hyperbolic).
    double push_saturation_exponent = 1;
    double gather_saturation_exponent = 1;
    double serial_call_ms = 0;     ///< fixed cost of one dpu_copy_to/dpu_copy_from (one DPU)
    double host_bytes_per_ns = 0;  ///< host memory bandwidth seen by the epilogue (bytes per ns = GB/s)
    // Added for host-parallel epilogue loops (sim::HostModel::parallel_host_work_ms):
    int host_cores = 1;                   ///< cores that run a parallel epilogue loop's threads side by side
    double fork_join_ms = 0;              ///< cost of one OpenMP parallel region (fork + join barrier)
    double host_socket_bytes_per_ns = 0;  ///< DRAM bandwidth of all cores together (GB/s)
    std::string fit_source;               ///< where the fitted values come from (bench program, rows used)
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
