// schedule_to_loops: expected loop nests for small schedules (the printed IR is the contract with the
// lowering passes), tensor roles, and the schedule summary.
#include <gtest/gtest.h>

#include <string>

#include "atim/ir/printer.h"
#include "atim/lower/schedule_to_loops.h"
#include "atim/schedule/schedule.h"
#include "atim/schedule/trace.h"
#include "atim/workloads/workload.h"

namespace atim::schedule {
namespace {

// VA 10 over 2 DPUs x 2 tasklets, blocks of 2: the inner split is imperfect (5 elements per DPU in 2x2x2).
Schedule small_va(const workloads::Workload &w) {
    Schedule sch(w.func);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> d = sch.split(sch.get_loops(c)[0], {2, kInfer});
    std::vector<LoopRV> t = sch.split(d[1], {2, kInfer, 2});
    sch.bind(d[0], "dpu.x");
    sch.bind(t[0], "tasklet");
    sch.compute_at(sch.cache_read(c, "A", "wram"), t[1]);
    sch.reverse_compute_at(sch.cache_write(c, "wram"), t[1]);
    return sch;
}

TEST(ScheduleToLoops, VectorAddNest) {
    auto w = workloads::make_workload("va", {10});
    w.func.name = "va";
    Schedule sch = small_va(w);
    sch.set_resident_inputs(w.resident_inputs);
    lower::ScheduledLoops loops = lower::schedule_to_loops(sch);
    EXPECT_EQ(ir::to_string(loops.device), R"(for (i_0, 0, 2) dpu.x {
  for (i_1_0, 0, 2) tasklet {
    for (i_1_1, 0, 2) {
      allocate A_local[2] int32 wram.local {
        allocate C_local[2] int32 wram.local {
          for (A_local_ax0, 0, 2) {
            if ((((((i_0*5) + (i_1_0*4)) + (i_1_1*2)) + A_local_ax0) < 10)) {
              A_local[A_local_ax0] = A[((((i_0*5) + (i_1_0*4)) + (i_1_1*2)) + A_local_ax0)]
            }
          }
          for (i_1_2, 0, 2) {
            if (((((i_1_0*4) + (i_1_1*2)) + i_1_2) < 5)) {
              C_local[i_1_2] = (A_local[i_1_2] + B[((((i_0*5) + (i_1_0*4)) + (i_1_1*2)) + i_1_2)])
            }
          }
          for (i_1_2_wb, 0, 2) {
            if (((((i_1_0*4) + (i_1_1*2)) + i_1_2_wb) < 5)) {
              C[((((i_0*5) + (i_1_0*4)) + (i_1_1*2)) + i_1_2_wb)] = C_local[i_1_2_wb]
            }
          }
        }
      }
    }
  }
}
)");
    EXPECT_FALSE(loops.host_epilogue.defined());
    ASSERT_EQ(loops.tensors.size(), 3u);
    EXPECT_EQ(loops.tensors[0].buffer->name, "A");
    EXPECT_EQ(loops.tensors[0].role, lower::TensorRole::Input);
    EXPECT_TRUE(loops.tensors[0].resident);
    EXPECT_EQ(loops.tensors[2].buffer->name, "C");
    EXPECT_EQ(loops.tensors[2].role, lower::TensorRole::Output);
}

// RED 20: DPU rfactor (host epilogue), tasklet rfactor (shared WRAM partials, barrier, one tasklet sums).
TEST(ScheduleToLoops, ReductionOverDpusAndTasklets) {
    auto w = workloads::make_workload("red", {20});
    Schedule sch(w.func);
    BlockRV b = sch.get_block("B");
    std::vector<LoopRV> loops = sch.get_loops(b);
    std::vector<LoopRV> k = sch.split(loops[1], {2, kInfer});
    BlockRV per_dpu = sch.rfactor(k[0], "mram");
    sch.reorder({k[0], loops[0]});
    sch.bind(k[0], "dpu.x");
    std::vector<LoopRV> inner = sch.split(k[1], {2, kInfer});
    sch.rfactor(inner[0], "wram");
    sch.bind(inner[0], "tasklet");
    sch.reverse_compute_at(per_dpu, k[0]);
    lower::ScheduledLoops result = lower::schedule_to_loops(sch);
    EXPECT_EQ(ir::to_string(result.device), R"(for (k_0, 0, 2) dpu.x {
  allocate B_rf_rf[2, 1, 1] int64 wram.shared {
    for (i, 0, 1) {
      for (k_1_0, 0, 2) tasklet {
        for (k_1_1, 0, 5) {
          if ((k_1_1 == 0)) {
            B_rf_rf[k_1_0, 0, i] = 0
          }
          B_rf_rf[k_1_0, 0, i] = (B_rf_rf[k_1_0, 0, i] + A[(((k_0*10) + (k_1_0*5)) + k_1_1)])
        }
      }
    }
    barrier
    for (i_sum, 0, 1) {
      B_rf[k_0, i_sum] = 0
      for (B_rf_rf_k, 0, 2) {
        B_rf[k_0, i_sum] = (B_rf[k_0, i_sum] + B_rf_rf[B_rf_rf_k, 0, i_sum])
      }
    }
  }
}
)");
    EXPECT_EQ(ir::to_string(result.host_epilogue), R"(for (B_ax0, 0, 1) {
  for (B_rf_k, 0, 2) {
    if ((B_rf_k == 0)) {
      B[B_ax0] = 0
    }
    B[B_ax0] = (B[B_ax0] + B_rf[B_rf_k, B_ax0])
  }
}
)");
    ASSERT_EQ(result.tensors.size(), 3u);
    EXPECT_EQ(result.tensors[2].buffer->name, "B_rf");
    EXPECT_EQ(result.tensors[2].role, lower::TensorRole::Partial);
    EXPECT_EQ(result.tensors[2].buffer->shape, (std::vector<int64_t>{2, 1}));
    EXPECT_FALSE(result.tensors[2].in_host_wram);
}

// rfactor "host_wram" (PrIM RED's DPU_RESULTS): the same loops, but the partial tensor is marked to live in a
// __host WRAM symbol of each DPU, also after a second (wram) rfactor makes another block its writer; the
// trace replays it.
TEST(ScheduleToLoops, HostWramPartialsAreMarked) {
    auto w = workloads::make_workload("red", {20});
    for (bool second_rfactor : {false, true}) {
        SCOPED_TRACE(second_rfactor ? "with a tasklet rfactor" : "DPU rfactor only");
        Schedule sch(w.func);
        BlockRV b = sch.get_block("B");
        std::vector<LoopRV> loops = sch.get_loops(b);
        std::vector<LoopRV> k = sch.split(loops[1], {2, kInfer});
        BlockRV per_dpu = sch.rfactor(k[0], "host_wram");
        sch.reorder({k[0], loops[0]});
        sch.bind(k[0], "dpu.x");
        if (second_rfactor) {
            std::vector<LoopRV> inner = sch.split(k[1], {2, kInfer});
            sch.rfactor(inner[0], "wram");
            sch.bind(inner[0], "tasklet");
            sch.reverse_compute_at(per_dpu, k[0]);
        }
        if (!second_rfactor) {
            EXPECT_NE(sch.to_string().find("(host_wram)"), std::string::npos) << sch.to_string();
        }
        auto check = [](const Schedule &s) {
            lower::ScheduledLoops result = lower::schedule_to_loops(s);
            ASSERT_EQ(result.tensors.size(), 3u);
            EXPECT_EQ(result.tensors[2].role, lower::TensorRole::Partial);
            EXPECT_TRUE(result.tensors[2].in_host_wram);
            EXPECT_FALSE(result.tensors[0].in_host_wram);
            EXPECT_FALSE(result.tensors[1].in_host_wram);
        };
        check(sch);
        check(Trace::from_json(sch.trace().to_json()).replay(w.func));
    }
}

TEST(ScheduleToLoops, SummaryListsLoopsBindingsAndCaches) {
    auto w = workloads::make_workload("va", {10});
    EXPECT_EQ(small_va(w).to_string(), R"(block C -> C
  for i_0 in [0, 2) dpu.x
    for i_1_0 in [0, 2) tasklet
      for i_1_1 in [0, 2)
        for i_1_2 in [0, 2)
cache A_local <- A (read by C), compute_at i_1_1 (block C)
cache C_local -> C (written by C), reverse_compute_at i_1_1 (block C)
)");
}

}  // namespace
}  // namespace atim::schedule
