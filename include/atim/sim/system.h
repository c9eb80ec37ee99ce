// sim::Machine: a simulated UPMEM system. Runs host operations (allocate, load, push/broadcast/copy to a
// symbol, launch, gather, host work) on N simulated DPUs and returns a Measurement. Kernels run instruction
// by instruction (sim::Dpu, on a thread pool); host transfers, launch and host work are timed by
// sim::HostModel. Knows nothing of the compiler: codegen turns a PimProgram into these operations.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "atim/sim/dpu.h"
#include "atim/sim/host_model.h"
#include "atim/sim/measurement.h"
#include "atim/sim/program.h"
#include "atim/target/upmem_machine.h"

namespace atim::sim {

/// Which DPUs a launch simulates instruction by instruction.
enum class SimulationMode {
    Full,       ///< every DPU, each on its own simulation
    Identical,  ///< DPUs the host gave identical bytes share one simulation (deterministic: exact, like Full)
    /// Like Identical, but after Machine::sample() only the DPUs the caller chose are simulated; the others
    /// take the timing of a simulated DPU of their class (an estimate) and their contents are unknown.
    Sampled,
};
/// "full", "identical", "sampled".
std::string_view to_string(SimulationMode mode);
/// The inverse of to_string; anything else is a UserError.
SimulationMode parse_simulation_mode(std::string_view text);

/// One of `count` parts of a Full-mode run, so that one program's full simulation can be spread over
/// processes. Which DPUs the part simulates, its own, is given by sample() (stand_in[d] == d; the others are
/// left out: other parts simulate them). A part counts only its own DPUs, and part 0 also the counters of
/// the whole set (transfers, launches, DPUs): summing the counters of all parts and taking the slowest
/// part's kernel gives exactly the unsplit run (tune::combine_full_parts).
struct DpuPart {
    int index = 0;
    int count = 1;

    bool whole() const { return count == 1; }
};

struct MachineOptions {
    SimulationMode mode = SimulationMode::Identical;
    int threads = 0;  ///< worker threads for DPU runs; 0 = all cores
    DpuOptions dpu;
    DpuPart part;  ///< Full mode only
};

/// Bytes for each DPU of the set, in DPU order.
using PerDpuBytes = std::vector<std::vector<uint8_t>>;
/// The bytes DPU `dpu` receives in a push, produced only for DPUs whose contents the machine keeps.
using BytesOfDpu = std::function<std::vector<uint8_t>(int dpu)>;

/// Host operations, as the UPMEM SDK offers them [upmem-api.md]. `symbol` names a WRAM or MRAM object of the
/// loaded program (host-visible, e.g. `__sys_used_mram_end` for the MRAM heap), `offset` is in bytes.
namespace op {
struct Allocate {
    int dpus = 1;  ///< dpu_alloc
};
struct Load {
    std::shared_ptr<const Program> program;  ///< dpu_load
    int tasklets = 1;
};
struct Push {  ///< dpu_prepare_xfer per DPU + dpu_push_xfer(TO_DPU): the same size for every DPU
    std::string symbol;
    uint32_t offset = 0;
    PerDpuBytes data;
    /// PerDpuBuffers, or OneBuffer when every DPU's pointer is the same host buffer (PrIM's replication).
    TransferSource source = TransferSource::PerDpuBuffers;
};
struct Broadcast {  ///< dpu_broadcast_to: the same bytes to every DPU
    std::string symbol;
    uint32_t offset = 0;
    std::vector<uint8_t> data;
};
struct CopyTo {  ///< dpu_copy_to one DPU
    int dpu = 0;
    std::string symbol;
    uint32_t offset = 0;
    std::vector<uint8_t> data;
};
struct Launch {};  ///< dpu_launch(DPU_SYNCHRONOUS)
struct Gather {    ///< dpu_prepare_xfer + dpu_push_xfer(FROM_DPU): bytes_per_dpu from every DPU
    std::string symbol;
    uint32_t offset = 0;
    uint32_t bytes_per_dpu = 0;
};
struct CopyFrom {  ///< dpu_copy_from one DPU
    int dpu = 0;
    std::string symbol;
    uint32_t offset = 0;
    uint32_t bytes = 0;
};
struct HostWork {  ///< host-side computation (e.g. the final reduction of partial results)
    sim::HostWork work;
};
}  // namespace op

using HostOp = std::variant<op::Allocate, op::Load, op::Push, op::Broadcast, op::CopyTo, op::Launch,
                            op::Gather, op::CopyFrom, op::HostWork>;

/// Result of running a list of host operations: the measurement and the bytes every Gather (one entry per
/// DPU) and CopyFrom (one entry) read, in the order of those operations.
struct SystemRun {
    Measurement measurement;
    std::vector<PerDpuBytes> read_back;
};

class Machine {
public:
    explicit Machine(const target::UpmemMachine &machine, MachineOptions options = {});
    ~Machine();
    Machine(Machine &&) noexcept;
    Machine &operator=(Machine &&) noexcept;

    /// Runs `ops` in order on this machine and returns what they cost (the measurement covers only `ops`).
    /// Throws UserError for impossible operations (more DPUs than the machine has, unknown symbol, unequal
    /// push sizes, an operation before Allocate/Load) and SimError (naming the DPU) when a kernel faults.
    SystemRun run(const std::vector<HostOp> &ops);

    // The same operations one at a time; each adds to the running measurement.
    void allocate(int dpus);
    void load(std::shared_ptr<const Program> program, int tasklets);
    void push(const std::string &symbol, uint32_t offset, const PerDpuBytes &data,
              TransferSource source = TransferSource::PerDpuBuffers);
    /// A push of `bytes_per_dpu` bytes to every DPU; bytes_of(d) is called (during this call) only for the
    /// DPUs that are simulated, so a sampled run never builds the bytes of the others. `source` says whether
    /// the host prepared one buffer per DPU or the same buffer for all (it changes the host's cost).
    void push(const std::string &symbol, uint32_t offset, uint32_t bytes_per_dpu, const BytesOfDpu &bytes_of,
              TransferSource source = TransferSource::PerDpuBuffers);
    void broadcast(const std::string &symbol, uint32_t offset, std::span<const uint8_t> data);
    void copy_to(int dpu, const std::string &symbol, uint32_t offset, std::span<const uint8_t> data);
    void launch();
    PerDpuBytes gather(const std::string &symbol, uint32_t offset, uint32_t bytes_per_dpu);
    std::vector<uint8_t> copy_from(int dpu, const std::string &symbol, uint32_t offset, uint32_t bytes);
    /// Host-side work (an epilogue), priced by the host model's roofline.
    void host_work(const sim::HostWork &work);

    /// What the operations since construction or the last take_measurement() cost; resets it.
    Measurement take_measurement();

    /// Sampled mode (or a part of a Full run), after load and before the first write: DPU d is simulated
    /// when stand_in[d] == d;
    /// otherwise the host's writes to it are dropped, its reads return zeros (simulated(d) is false) and each
    /// launch charges it the statistics of DPU stand_in[d], which must be simulated. The caller states that
    /// stand_in[d] takes the same control flow as d (same arguments up to what cannot change it); timing
    /// that depends on MRAM values (e.g. mul_step ladders) is then estimated, not simulated.
    /// A DPU with values_only[d] != 0 (and stand_in[d] != d) is nevertheless computed, for its results only:
    /// its kernel runs untimed (Dpu::run_functional) and is charged stand_in[d]'s statistics. This is how a
    /// sampled run gets the partial results that its verification needs at a fraction of the cost.
    void sample(const std::vector<int> &stand_in, const std::vector<uint8_t> &values_only = {});
    /// Whether DPU `dpu`'s contents are simulated (false only for DPUs left out by sample()).
    bool simulated(int dpu) const;

    /// Statistics of one DPU in its last launch (for reports and tests); a DPU left out by sample() reports
    /// its stand-in's.
    const DpuStats &last_stats(int dpu) const;
    /// DPUs allocated, and distinct simulations behind them (equal to dpus() in Full mode).
    int dpus() const;
    int distinct_simulations() const;
    SimulationMode mode() const;
    const target::UpmemMachine &machine() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace atim::sim
