// Host phases priced from the program's transfer list, in the order runtime::run_sim issues the calls.
#include "atim/runtime/host_phases.h"

#include <utility>

#include "atim/codegen/dpu_codegen.h"
#include "atim/runtime/sim_runner.h"
#include "atim/sim/host_model.h"

namespace atim::runtime {
namespace {

sim::TransferSource source_of(lower::TransferKind kind) {
    switch (kind) {
        case lower::TransferKind::Parallel:
            return sim::TransferSource::PerDpuBuffers;
        case lower::TransferKind::Broadcast:
            return sim::TransferSource::Broadcast;
        case lower::TransferKind::Replicated:
            return sim::TransferSource::OneBuffer;
    }
    return sim::TransferSource::PerDpuBuffers;
}

}  // namespace

HostPhases estimate_host_phases(const lower::PimProgram &program, const target::UpmemMachine &machine,
                                codegen::TimingMode timing) {
    const sim::HostModel model(machine);
    const int64_t dpus = program.grid.count();
    const bool atim_timing = timing == codegen::TimingMode::Atim;
    // The memory comes back to the host side with the first MRAM transfer after a launch (sim::Machine).
    bool mram_on_dpu_side = false;
    auto transfer_ms = [&](sim::HostDirection direction, sim::TransferSource source, bool in_wram,
                           int64_t bytes_per_dpu) {
        sim::TransferCall call;
        call.direction = direction;
        call.source = source;
        call.memory = in_wram ? sim::TransferMemory::Wram : sim::TransferMemory::Mram;
        call.dpus = dpus;
        call.bytes_per_dpu = bytes_per_dpu;
        if (!in_wram) call.after_launch = std::exchange(mram_on_dpu_side, false);
        return model.transfer_ms(call);
    };

    HostPhases phases;
    if (!atim_timing)
        phases.h2d_ms += transfer_ms(sim::HostDirection::ToDpu, sim::TransferSource::PerDpuBuffers, true,
                                     codegen::kDpuArgsBytes);
    for (const lower::Transfer &t : program.to_dpu) {
        if (t.resident && atim_timing) continue;  // pushed before the timed window
        phases.h2d_ms += transfer_ms(sim::HostDirection::ToDpu, source_of(t.kind),
                                     program.slices.at(t.slice).in_wram, t.bytes_per_dpu);
    }
    phases.launch_ms = model.launch_ms(dpus);
    mram_on_dpu_side = true;
    for (const lower::Transfer &t : program.from_dpu)
        phases.after_ms += transfer_ms(sim::HostDirection::FromDpu, sim::TransferSource::PerDpuBuffers,
                                       program.slices.at(t.slice).in_wram, t.bytes_per_dpu);
    if (program.host_epilogue.defined()) {
        const HostWorkEstimate work = estimate_host_work(program.host_epilogue);
        const HostParallelWork serial = work.serial_part();
        phases.after_ms += model.host_work_ms({serial.integer_ops, serial.bytes_touched, 1, 0});
        for (const HostParallelWork &p : work.parallel)
            phases.after_ms += model.host_work_ms({p.integer_ops, p.bytes_touched, p.extent, p.entries});
    }
    return phases;
}

}  // namespace atim::runtime
