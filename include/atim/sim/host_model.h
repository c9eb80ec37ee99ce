// HostModel: time of host<->DPU transfers, kernel launch and host-side work on a UPMEM system.
// Analytic (not simulated), by the mechanisms of the SDK's host library [reference/upmem-transfers.md]:
// - a call costs a fixed part plus a part per rank (job set-up, O(DPUs) checks, worker wake-ups);
// - MRAM data moves through each rank's 8 DPU lines, one 64-byte cache line per 8-byte word of a line,
//   transposed in software by a pool of 1-4 threads chosen by the bytes per DPU;
// - ranks on one DDR channel are serialised by the channel's lock; channels run in parallel;
// - the first MRAM transfer after a launch switches the ranks' memory back to the host;
// - WRAM symbols (argument structs, __host arrays) go through the control interface: one command per
//   32-bit word per DPU line (two for writes);
// - a synchronous launch boots every rank and is finished when a per-NUMA-node polling thread sees it.
// Host epilogues are a roofline over the host's cores. Parameters live in target::HostTiming with their
// sources; bench_fidelity fits them and prints the error on rows left out of the fit.
#pragma once

#include <cstdint>

#include "atim/target/upmem_machine.h"

namespace atim::sim {

/// Direction of a host transfer.
enum class HostDirection : uint8_t { ToDpu, FromDpu };

/// Which SDK call moves the data, and so how many host buffers the transposition reads.
enum class TransferSource : uint8_t {
    PerDpuBuffers,  ///< dpu_prepare_xfer of one buffer per DPU + dpu_push_xfer
    OneBuffer,  ///< dpu_prepare_xfer of the same buffer for every DPU + dpu_push_xfer (PrIM's replication)
    Broadcast,  ///< dpu_broadcast_to
    OneDpu,     ///< dpu_copy_to / dpu_copy_from of a single DPU
};

/// The memory a transfer's symbol lives in: MRAM goes through the rank's memory window, WRAM through the
/// control interface.
enum class TransferMemory : uint8_t { Mram, Wram };

/// One SDK transfer call, as the generated host.c makes it.
struct TransferCall {
    HostDirection direction = HostDirection::ToDpu;
    TransferMemory memory = TransferMemory::Mram;
    TransferSource source = TransferSource::PerDpuBuffers;
    int64_t dpus = 1;           ///< DPUs of the set the call covers (1 for OneDpu)
    int64_t bytes_per_dpu = 0;  ///< bytes each DPU receives or sends
    bool after_launch = false;  ///< the first MRAM transfer since a launch: the memory is switched back
};

/// Host work of an epilogue: arithmetic operations (index arithmetic excluded) and bytes streamed, run by
/// `threads` threads (1: serial code) in `regions` parallel regions.
struct HostWork {
    int64_t operations = 0;
    int64_t bytes = 0;
    int64_t threads = 1;
    int64_t regions = 0;
};

/// Phase of a run a host event belongs to: before the first launch, the launches, after them.
enum class Phase : uint8_t { H2d, Kernel, After };

/// One host-side action of a run, as sim::Machine issued it: an SDK transfer call, a synchronous launch
/// (with its slowest DPU's run time), or host work. The list of a run's events can be priced again under
/// other constants (bench_fidelity's fit does), and is what a test compares with the calls of host.c.
struct HostEvent {
    enum class Kind : uint8_t { Transfer, Launch, Work };
    Kind kind = Kind::Transfer;
    Phase phase = Phase::H2d;
    TransferCall transfer;  ///< Kind::Transfer
    int64_t dpus = 0;       ///< Kind::Launch: DPUs launched
    double dpu_ms = 0;      ///< Kind::Launch: the slowest DPU's run time
    HostWork work;          ///< Kind::Work
};

class HostModel {
public:
    explicit HostModel(const target::UpmemMachine &machine);

    /// One transfer call.
    double transfer_ms(const TransferCall &call) const;
    /// dpu_launch(DPU_SYNCHRONOUS) on `dpus` DPUs, on top of the slowest DPU's run time.
    double launch_ms(int64_t dpus) const;
    /// Host-side work (e.g. the final sum of partial results).
    double host_work_ms(const HostWork &work) const;

    /// The time of one event; a launch includes its slowest DPU's run time.
    double event_ms(const HostEvent &event) const;

    /// Ranks a set of `dpus` DPUs spans, and how many of them share the busiest DDR channel.
    int64_t ranks(int64_t dpus) const;
    int64_t ranks_on_busiest_channel(int64_t dpus) const;
    /// Threads of a rank's transfer pool that move `bytes_per_dpu` per DPU over `lines` DPU lines.
    int64_t pool_threads(int64_t bytes_per_dpu, int64_t lines) const;

private:
    double mram_ms(const TransferCall &call) const;
    double wram_ms(const TransferCall &call) const;

    target::UpmemMachine machine_;
};

}  // namespace atim::sim
