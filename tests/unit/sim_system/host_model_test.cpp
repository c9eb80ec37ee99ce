// The host transfer model: exact values for hand-set parameters, monotonicity, and the fitted presets.
#include "atim/sim/host_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "atim/target/upmem_machine.h"

namespace atim::sim {
namespace {

/// A machine with round numbers: 1 GB/s per DPU, 8 GB/s per rank, 16 GB/s link, 0.5 ms per call.
target::UpmemMachine round_machine(double half_bytes, double exponent) {
    target::UpmemMachine m = target::load_machine("upmem-2048");
    m.host.push_call_ms = 0.5;
    m.host.push_dpu_gbps = 1;
    m.host.push_rank_gbps = 8;
    m.host.host_link_gbps = 16;
    m.host.half_bandwidth_bytes_per_dpu = half_bytes;
    m.host.push_saturation_exponent = exponent;
    m.host.gather_call_ms = 1.0;
    m.host.gather_dpu_gbps = 0.5;
    m.host.gather_rank_gbps = 4;
    m.host.gather_link_gbps = 8;
    m.host.gather_half_bandwidth_bytes_per_dpu = half_bytes;
    m.host.gather_saturation_exponent = exponent;
    m.host.broadcast_rank_gbps = 16;
    m.host.serial_call_ms = 0.01;
    m.host.launch_ms = 0.125;
    m.host.host_ops_per_ns = 2;
    m.host.host_bytes_per_ns = 4;
    return m;
}

TEST(HostModel, ExactValuesForRoundParameters) {
    struct Case {
        double half_bytes, exponent;
        HostDirection direction;
        int64_t dpus, bytes_per_dpu;
        double want_ms;
    };
    for (const Case &c : std::vector<Case>{
             // 1 rank of 64 DPUs: min(64 * 1, 8) = 8 GB/s; 64 MB -> 8 ms + 0.5 ms call.
             {0, 1, HostDirection::ToDpu, 64, 1000000, 8.5},
             // 4 DPUs in one rank: 4 GB/s.
             {0, 1, HostDirection::ToDpu, 4, 1000000, 0.5 + 1.0},
             // 32 ranks: min(32 * 8, 16) = 16 GB/s link; 2048 MB -> 128 ms.
             {0, 1, HostDirection::ToDpu, 2048, 1000000, 128.5},
             // Half saturation at 1 MB per DPU: 4 GB/s for the rank -> 16 ms.
             {1e6, 1, HostDirection::ToDpu, 64, 1000000, 16.5},
             // Exponent 2 at 2 MB per DPU with half 1 MB: 4/5 of 8 GB/s = 6.4 GB/s; 128 MB -> 20 ms.
             {1e6, 2, HostDirection::ToDpu, 64, 2000000, 20.5},
             // Gathers use their own numbers: min(64 * 0.5, 4) = 4 GB/s; 64 MB -> 16 ms + 1 ms call.
             {0, 1, HostDirection::FromDpu, 64, 1000000, 17.0},
             {0, 1, HostDirection::FromDpu, 2048, 1000000, 1.0 + 2048.0 / 8},
         }) {
        HostModel model(round_machine(c.half_bytes, c.exponent));
        EXPECT_NEAR(model.parallel_ms(c.direction, c.dpus, c.bytes_per_dpu), c.want_ms, 1e-9)
            << c.dpus << " DPUs x " << c.bytes_per_dpu << " B, half " << c.half_bytes << " exponent "
            << c.exponent;
    }
}

TEST(HostModel, SerialBroadcastLaunchAndHostWork) {
    HostModel model(round_machine(0, 1));
    // Serial copies: each DPU alone at 1 GB/s plus 0.01 ms, one after the other.
    EXPECT_NEAR(model.serial_ms(HostDirection::ToDpu, 10, 1000000), 10 * (0.01 + 1.0), 1e-9);
    EXPECT_NEAR(model.serial_ms(HostDirection::FromDpu, 1, 1000000), 0.01 + 2.0, 1e-9);
    // Broadcast to one rank: 16 GB/s; 64 MB -> 4 ms.
    EXPECT_NEAR(model.broadcast_ms(64, 1000000), 0.5 + 4.0, 1e-9);
    EXPECT_EQ(model.launch_ms(), 0.125);
    // max(1e6 ops / 2 per ns, 1e6 bytes / 4 per ns) = 0.5 ms.
    EXPECT_NEAR(model.host_work_ms(1000000, 1000000), 0.5, 1e-12);
    EXPECT_NEAR(model.host_work_ms(0, 8000000), 2.0, 1e-12);
}

TEST(HostModel, ParallelHostWorkDividesComputeOverCoresAndAddsForkJoin) {
    target::UpmemMachine m = round_machine(0, 1);
    m.host.host_cores = 8;
    m.host.fork_join_ms = 0.01;
    m.host.host_socket_bytes_per_ns = 16;
    HostModel model(m);
    const int64_t ops = 8000000;  // 4 ms on one core at 2 ops per ns
    ASSERT_NEAR(model.host_work_ms(ops, 0), 4.0, 1e-12);
    // 8 iterations over 8 cores: an eighth of the time, plus one fork/join.
    EXPECT_NEAR(model.parallel_host_work_ms(ops, 0, 8, 1), 0.5 + 0.01, 1e-12);
    // Never more threads than iterations: 2 iterations take half the time.
    EXPECT_NEAR(model.parallel_host_work_ms(ops, 0, 2, 1), 2.0 + 0.01, 1e-12);
    // Never more than the cores: 4096 iterations still run on 8 of them.
    EXPECT_NEAR(model.parallel_host_work_ms(ops, 0, 4096, 1), 0.5 + 0.01, 1e-12);
    // Static schedule: 9 iterations on 8 cores, the busiest thread runs 2 of them.
    EXPECT_NEAR(model.parallel_host_work_ms(ops, 0, 9, 1), 4.0 * 2 / 9 + 0.01, 1e-12);
    // One fork/join per entry of the loop.
    EXPECT_NEAR(model.parallel_host_work_ms(ops, 0, 8, 10), 0.5 + 0.1, 1e-12);
    // One iteration: no faster than serial, and the fork/join is paid.
    EXPECT_GT(model.parallel_host_work_ms(ops, 0, 1, 1), model.host_work_ms(ops, 0));
    // Memory: each thread streams 4 GB/s, all together at most 16 GB/s.
    EXPECT_NEAR(model.parallel_host_work_ms(0, 8000000, 2, 0), 1.0, 1e-12);
    EXPECT_NEAR(model.parallel_host_work_ms(0, 8000000, 8, 0), 0.5, 1e-12);
    // More work never costs less; more threads never cost more (before the cores run out).
    double previous = 0;
    for (int64_t threads = 1; threads <= 8; threads *= 2) {
        double ms = model.parallel_host_work_ms(ops, ops, threads, 1);
        if (threads > 1) {
            EXPECT_LT(ms, previous) << threads;
        }
        EXPECT_LT(ms, model.parallel_host_work_ms(2 * ops, ops, threads, 1)) << threads;
        previous = ms;
    }
}

TEST(HostModel, TimeGrowsWithBytesAndBandwidthWithDpus) {
    HostModel model(target::load_machine("upmem-2048"));
    for (HostDirection direction : {HostDirection::ToDpu, HostDirection::FromDpu}) {
        for (int64_t dpus : {1, 4, 64, 512, 2048}) {
            double previous_ms = 0, previous_gbps = 0;
            for (int64_t bytes = 8; bytes <= (64 << 20); bytes *= 2) {
                double ms = model.parallel_ms(direction, dpus, bytes);
                double gbps = model.parallel_gbps(direction, dpus, bytes);
                EXPECT_GT(ms, previous_ms) << dpus << " DPUs, " << bytes << " B";
                EXPECT_GE(gbps, previous_gbps) << dpus << " DPUs, " << bytes << " B";
                previous_ms = ms, previous_gbps = gbps;
            }
        }
        double previous = 0;
        for (int64_t dpus = 1; dpus <= 2048; dpus *= 2) {
            double gbps = model.parallel_gbps(direction, dpus, 65536);
            EXPECT_GE(gbps, previous) << dpus << " DPUs";
            previous = gbps;
        }
    }
    // Broadcasting one buffer beats pushing the same bytes to every DPU; serial copies do not scale.
    EXPECT_LT(model.broadcast_ms(64, 1 << 20), model.parallel_ms(HostDirection::ToDpu, 64, 1 << 20));
    EXPECT_GT(model.serial_ms(HostDirection::ToDpu, 64, 1 << 20),
              model.parallel_ms(HostDirection::ToDpu, 64, 1 << 20));
}

TEST(HostModel, FittedPresetReproducesTheLargestMeasuredTransfers) {
    // host_transfer_2048dpus.csv, 1 MB per DPU: 98.8 ms host->DPU, 204 ms DPU->host; both rows were in the
    // fit, so within the fit's residual (10%).
    HostModel model(target::load_machine("upmem-2048"));
    EXPECT_NEAR(model.parallel_ms(HostDirection::ToDpu, 2048, 1 << 20), 98.8, 9.88);
    EXPECT_NEAR(model.parallel_ms(HostDirection::FromDpu, 2048, 1 << 20), 204, 20.4);
}

}  // namespace
}  // namespace atim::sim
