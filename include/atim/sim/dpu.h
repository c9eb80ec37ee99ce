// Cycle-level model of one UPMEM DPU: tasklets, revolver dispatch, register-bank stalls, one DMA engine,
// WRAM and MRAM. Runs an assembled Program functionally and in time.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "atim/sim/dpu_stats.h"
#include "atim/sim/program.h"
#include "atim/target/upmem_machine.h"

namespace atim::sim {

/// How the one DMA engine of a DPU overlaps transfers.
enum class DmaModel : uint8_t {
    /// Transfers run one after another in FIFO order; each takes alpha + beta*bytes from issue to the
    /// tasklet's
    /// next issue, of which the trip through the pipeline (pipeline_stages there, revolver_cycles back)
    /// overlaps with other transfers and the rest occupies the engine.
    Serialized,
    /// Only the beta*bytes part occupies the engine; the fixed alpha latency of queued transfers overlaps
    /// (PrIM: COPY-DMA saturates bandwidth with 2 tasklets [upmem-hardware.md §4.1]).
    PipelinedLatency,
};

/// One issued instruction, for tracing (Program::where(pc) gives its source line).
struct IssueRecord {
    int64_t cycle;
    int tasklet;
    uint32_t pc;
};

struct DpuOptions {
    int64_t max_cycles = int64_t{1} << 40;  ///< a run longer than this is a runaway program (SimError)
    DmaModel dma_model = DmaModel::Serialized;
    /// Called before each instruction executes (debugging generated kernels); leave empty for speed.
    std::function<void(const IssueRecord &)> on_issue = nullptr;
};

class Dpu {
public:
    /// A DPU loaded with `program` (WRAM/MRAM images copied in). `tasklets` (1..machine.max_tasklets, and
    /// at most the tasklets the program was linked for) start at every run().
    Dpu(std::shared_ptr<const Program> program, const target::UpmemMachine &machine, int tasklets,
        DpuOptions options = {});
    ~Dpu();
    Dpu(Dpu &&) noexcept;
    Dpu &operator=(Dpu &&) noexcept;

    /// A deep copy (same program; WRAM, MRAM, atomic bits and registers copied): lets a system model split
    /// one simulated DPU into several once the host writes them different data, without replaying history.
    Dpu clone() const;

    /// Host access to a named WRAM or MRAM object; throws UserError for unknown names or out-of-range spans.
    void write_symbol(const std::string &name, uint32_t offset, std::span<const uint8_t> bytes);
    void read_symbol(const std::string &name, uint32_t offset, std::span<uint8_t> bytes) const;
    std::vector<uint8_t> read_symbol(const std::string &name) const;  ///< the whole object

    /// Raw host access; WRAM addresses from 0, MRAM offsets from 0 (not kMramBase).
    void write_wram(uint32_t address, std::span<const uint8_t> bytes);
    void read_wram(uint32_t address, std::span<uint8_t> bytes) const;
    void write_mram(uint64_t offset, std::span<const uint8_t> bytes);
    void read_mram(uint64_t offset, std::span<uint8_t> bytes) const;

    /// Launches the program (tasklet 0 alone at the entry when the program has a bootstrap, otherwise every
    /// tasklet), runs until every tasklet stopped, and returns what happened. Memory persists across runs.
    /// Throws SimError when the program faults.
    DpuStats run();
    /// Launches the program like run() but for its results only: no timing model, the tasklets take turns
    /// in bursts that end at every synchronising instruction (acquire, release, stop, boot, resume). Memory
    /// ends as run() leaves it for programs whose tasklets share data only through those (as generated
    /// kernels do); several times faster. The stats count instructions and DMA but no cycles (cycles = 0).
    /// DpuOptions::max_cycles bounds the instructions (run() issues at most one per cycle).
    DpuStats run_functional();

    /// Register `index` (reg:: numbering) of a tasklet after the last run; for tests and debugging.
    uint32_t register_value(int tasklet, int index) const;
    /// Z and C flags of a tasklet after the last run.
    bool zero_flag(int tasklet) const;
    bool carry_flag(int tasklet) const;

    int tasklets() const;
    const Program &program() const;

private:
    struct CloneTag {};
    Dpu(const Dpu &other, CloneTag);
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace atim::sim
