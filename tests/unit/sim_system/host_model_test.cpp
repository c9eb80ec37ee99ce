// The host model: exact values of each mechanism for hand-set constants, and the presets' orderings.
#include "atim/sim/host_model.h"

#include <gtest/gtest.h>

#include <vector>

#include "atim/target/upmem_machine.h"

namespace atim::sim {
namespace {

/// Round constants, each mechanism easy to read off: 0.05 ms per call + 0.005 ms per rank, 0.01 ms per rank
/// section, 100 / 200 ns per line (broadcast lines half), 0.1 us per prepare, no memory ceiling.
target::UpmemMachine round_machine() {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    target::HostTiming &h = m.host;
    h.ranks_per_channel = 4;
    h.call_ms = 0.05;
    h.call_per_rank_ms = 0.005;
    h.prepare_us = 0.1;
    h.rank_section_ms = 0.01;
    h.write_line_ns = 100;
    h.read_line_ns = 200;
    h.broadcast_line_factor = 0.5;
    h.short_run_line_factor = 1;  // no ramp (its own test below)
    h.write_one_chip_share = 1;   // a line costs the same whatever the chips on it (own test below)
    h.read_one_chip_share = 1;
    h.pool_threads = 4;
    h.write_gbps = 1e9;
    h.read_gbps = 1e9;
    h.mux_switch_ms = 0.03;
    h.ci_write_us = 1;
    h.ci_read_us = 2;
    h.ci_rank_overlap = 0.1;
    h.launch_ms = 0.08;
    h.launch_per_rank_ms = 0.002;
    h.host_cores = 8;
    h.core_ops_per_ns = 2;
    h.core_bytes_per_ns = 4;
    h.socket_bytes_per_ns = 16;
    h.fork_join_ms = 0.01;
    return m;
}

TransferCall mram(HostDirection direction, TransferSource source, int64_t dpus, int64_t bytes) {
    TransferCall call;
    call.direction = direction;
    call.source = source;
    call.dpus = dpus;
    call.bytes_per_dpu = bytes;
    return call;
}

TEST(HostModel, MramTransfersByLinesThreadsRanksAndChannels) {
    HostModel model(round_machine());
    const auto push = HostDirection::ToDpu, gather = HostDirection::FromDpu;
    const auto per_dpu = TransferSource::PerDpuBuffers;
    struct Case {
        const char *what;
        TransferCall call;
        double want_ms;
    };
    for (const Case &c : std::vector<Case>{
             // 1 rank, 16 KiB: 4 threads share 8 lines -> 2 x 2048 lines each at 100 ns.
             {"one rank", mram(push, per_dpu, 64, 16384), 0.05 + 0.005 + 0.0064 + 0.01 + 0.4096},
             // 4 ranks on one channel: the rank sections run one after another.
             {"one channel", mram(push, per_dpu, 256, 16384), 0.05 + 0.02 + 0.0256 + 4 * (0.01 + 0.4096)},
             // 32 ranks on 8 channels: 4 rank sections on the busiest channel.
             {"eight channels", mram(push, per_dpu, 2048, 16384), 0.05 + 0.16 + 0.2048 + 4 * (0.01 + 0.4096)},
             // Under 1 KiB one thread does all 8 lines: 8 x 64 lines.
             {"one thread", mram(push, per_dpu, 64, 512), 0.05 + 0.005 + 0.0064 + 0.01 + 0.0512},
             // 1..2 KiB: two threads, 4 x 192 lines each.
             {"two threads", mram(push, per_dpu, 64, 1536), 0.05 + 0.005 + 0.0064 + 0.01 + 0.0768},
             // From 32 KiB: nrThreadPerPool (4) threads.
             {"pool", mram(push, per_dpu, 64, 65536), 0.05 + 0.005 + 0.0064 + 0.01 + 1.6384},
             // Four DPUs sit on one line (four chips): one thread walks its 2048 words.
             {"part of a rank", mram(push, per_dpu, 4, 16384), 0.05 + 0.005 + 0.0004 + 0.01 + 0.2048},
             // The same buffer prepared for every DPU runs the per-DPU code: same cost.
             {"one buffer", mram(push, TransferSource::OneBuffer, 64, 16384),
              0.05 + 0.005 + 0.0064 + 0.01 + 0.4096},
             // dpu_broadcast_to: no prepare calls, and its lines cost half.
             {"broadcast", mram(push, TransferSource::Broadcast, 64, 16384), 0.05 + 0.005 + 0.01 + 0.2048},
             // Gathers read lines at 200 ns.
             {"gather", mram(gather, per_dpu, 64, 16384), 0.05 + 0.005 + 0.0064 + 0.01 + 0.8192},
             // One DPU: a single thread walks its one line.
             {"one DPU", mram(gather, TransferSource::OneDpu, 1, 16384), 0.05 + 0.005 + 0.01 + 0.4096},
         }) {
        EXPECT_NEAR(model.transfer_ms(c.call), c.want_ms, 1e-12) << c.what;
    }
}

TEST(HostModel, InterleavedChannelsSpreadASetOverEveryChannel) {
    target::UpmemMachine m = round_machine();
    m.host.interleave_channels = true;
    HostModel model(m);
    const auto push = HostDirection::ToDpu;
    const auto per_dpu = TransferSource::PerDpuBuffers;
    // 4 ranks over the 8 channels of 32 ranks: one rank section on the busiest channel, not 4.
    EXPECT_NEAR(model.transfer_ms(mram(push, per_dpu, 256, 16384)),
                0.05 + 0.02 + 0.0256 + 1 * (0.01 + 0.4096), 1e-12);
    // 16 ranks: 2 on each channel; the whole machine: 4 either way.
    EXPECT_NEAR(model.transfer_ms(mram(push, per_dpu, 1024, 16384)),
                0.05 + 0.08 + 0.1024 + 2 * (0.01 + 0.4096), 1e-12);
    EXPECT_NEAR(model.transfer_ms(mram(push, per_dpu, 2048, 16384)),
                HostModel(round_machine()).transfer_ms(mram(push, per_dpu, 2048, 16384)), 1e-12);
}

TEST(HostModel, ShortRunsPayMorePerLine) {
    target::UpmemMachine m = round_machine();
    m.host.short_run_line_factor = 3;
    m.host.line_ramp_bytes = 16384;
    HostModel model(m);
    // 16 KiB per DPU: each line costs 100 x (1 + 2 x 16384 / 32768) = 200 ns.
    EXPECT_NEAR(model.transfer_ms(mram(HostDirection::ToDpu, TransferSource::PerDpuBuffers, 64, 16384)),
                0.05 + 0.005 + 0.0064 + 0.01 + 0.8192, 1e-12);
    // Per byte, a long run is cheaper than a short one.
    const double short_run =
        model.transfer_ms(mram(HostDirection::ToDpu, TransferSource::PerDpuBuffers, 64, 4096));
    const double long_run =
        model.transfer_ms(mram(HostDirection::ToDpu, TransferSource::PerDpuBuffers, 64, 65536));
    EXPECT_LT(long_run / 65536, short_run / 4096);
}

TEST(HostModel, MuxSwitchMemoryCeilingAndEmptyCalls) {
    target::UpmemMachine m = round_machine();
    TransferCall call = mram(HostDirection::FromDpu, TransferSource::PerDpuBuffers, 64, 16384);
    const double plain = HostModel(m).transfer_ms(call);
    call.after_launch = true;
    EXPECT_NEAR(HostModel(m).transfer_ms(call), plain + 0.03, 1e-12);
    // A ceiling of 1 GB/s: 1 MiB takes 1.048576 ms after the call's fixed part.
    m.host.read_gbps = 1;
    EXPECT_NEAR(
        HostModel(m).transfer_ms(mram(HostDirection::FromDpu, TransferSource::PerDpuBuffers, 64, 16384)),
        0.05 + 1.048576, 1e-12);
    EXPECT_EQ(HostModel(m).transfer_ms(mram(HostDirection::ToDpu, TransferSource::PerDpuBuffers, 64, 0)),
              0.05);
}

TEST(HostModel, WramTransfersCountControlInterfaceCommands) {
    HostModel model(round_machine());
    TransferCall call = mram(HostDirection::ToDpu, TransferSource::PerDpuBuffers, 64, 16);
    call.memory = TransferMemory::Wram;
    // 8 lines x (1 select + 2 commands x 4 words) = 72 write commands of 1 us.
    EXPECT_NEAR(model.transfer_ms(call), 0.05 + 0.005 + 0.072, 1e-12);
    // A broadcast selects every chip at once: 9 commands.
    call.source = TransferSource::Broadcast;
    EXPECT_NEAR(model.transfer_ms(call), 0.05 + 0.005 + 0.009, 1e-12);
    // Reads: 8 x (1 + 4) commands of 2 us; 4 ranks overlap with 1 + 0.1 x 3.
    call.direction = HostDirection::FromDpu;
    call.source = TransferSource::PerDpuBuffers;
    call.dpus = 256;
    EXPECT_NEAR(model.transfer_ms(call), 0.05 + 0.02 + 0.080 * 1.3, 1e-12);
}

TEST(HostModel, LaunchGrowsWithRanks) {
    HostModel model(round_machine());
    EXPECT_NEAR(model.launch_ms(1), 0.082, 1e-12);
    EXPECT_NEAR(model.launch_ms(64), 0.082, 1e-12);
    EXPECT_NEAR(model.launch_ms(65), 0.084, 1e-12);
    EXPECT_NEAR(model.launch_ms(2048), 0.08 + 0.064, 1e-12);
    HostEvent launch;
    launch.kind = HostEvent::Kind::Launch;
    launch.dpus = 2048;
    launch.dpu_ms = 1.5;
    EXPECT_NEAR(model.event_ms(launch), 0.144 + 1.5, 1e-12);
}

TEST(HostModel, HostWorkIsARooflineOverTheThreadsCores) {
    HostModel model(round_machine());
    // Serial: max(8e6 ops / 2 per ns, 8e6 bytes / 4 per ns) = 4 ms.
    EXPECT_NEAR(model.host_work_ms({8000000, 8000000, 1, 0}), 4.0, 1e-12);
    // 8 threads: compute 0.5 ms, bytes at min(8 x 4, 16) = 16 per ns: 0.5 ms; one region 0.01 ms.
    EXPECT_NEAR(model.host_work_ms({8000000, 8000000, 8, 1}), 0.5 + 0.01, 1e-12);
    // Threads beyond the cores do not help.
    EXPECT_NEAR(model.host_work_ms({8000000, 0, 64, 1}), 0.5 + 0.01, 1e-12);
    // Memory-bound with two threads: 8 per ns.
    EXPECT_NEAR(model.host_work_ms({0, 8000000, 2, 0}), 1.0, 1e-12);
}

TEST(HostModel, PresetsOrderTheCallsAsTheSdkDoes) {
    for (const char *name : {"upmem-2048", "upmem-cloud-2048"}) {
        HostModel model(target::load_machine(name));
        const auto push = [&](TransferSource source, int64_t dpus, int64_t bytes) {
            return model.transfer_ms(mram(HostDirection::ToDpu, source, dpus, bytes));
        };
        // More bytes within one pool size, more ranks on a channel: never cheaper.
        for (int64_t bytes : {8, 4096, 8192, 65536}) {
            EXPECT_LE(push(TransferSource::PerDpuBuffers, 2048, bytes),
                      push(TransferSource::PerDpuBuffers, 2048, 2 * bytes))
                << name;
            EXPECT_LE(push(TransferSource::PerDpuBuffers, 64, bytes),
                      push(TransferSource::PerDpuBuffers, 256, bytes))
                << name;
            EXPECT_LE(push(TransferSource::Broadcast, 2048, bytes),
                      push(TransferSource::OneBuffer, 2048, bytes))
                << name;
        }
        // A WRAM gather's commands grow with the words: 256 bytes cost more than 16.
        TransferCall results = mram(HostDirection::FromDpu, TransferSource::PerDpuBuffers, 2048, 16);
        results.memory = TransferMemory::Wram;
        const double small = model.transfer_ms(results);
        results.bytes_per_dpu = 256;
        EXPECT_GT(model.transfer_ms(results), small) << name;
    }
}

TEST(HostModel, SmallSetsUseOneLineAndFewerHostStreams) {
    target::UpmemMachine m = round_machine();
    m.host.write_one_chip_share = 0.3;
    HostModel model(m);
    // One DPU: one line, one chip: 2048 lines at 30 ns on one thread.
    EXPECT_NEAR(model.transfer_ms(mram(HostDirection::ToDpu, TransferSource::PerDpuBuffers, 1, 16384)),
                0.05 + 0.005 + 0.0001 + 0.01 + 0.0614400, 1e-9);
    // Eight DPUs: one line of 8 chips, full price.
    EXPECT_NEAR(model.transfer_ms(mram(HostDirection::ToDpu, TransferSource::PerDpuBuffers, 8, 16384)),
                0.05 + 0.005 + 0.0008 + 0.01 + 0.2048, 1e-9);
    // WRAM: 4 DPUs share one line: 1 x (1 + 2 x 4) commands.
    TransferCall args = mram(HostDirection::ToDpu, TransferSource::PerDpuBuffers, 4, 16);
    args.memory = TransferMemory::Wram;
    EXPECT_NEAR(model.transfer_ms(args), 0.05 + 0.005 + 0.009, 1e-12);
}

}  // namespace
}  // namespace atim::sim
