// parallel(): host-epilogue loops shared among host threads. Legal only on spatial loops of an mram rfactor
// consumer; recorded in the trace and replayed; lowered to a ForKind::HostParallel loop in the host epilogue;
// the interpreter's results do not depend on it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "atim/interp/interpreter.h"
#include "atim/ir/functor.h"
#include "atim/ir/printer.h"
#include "atim/lower/schedule_to_loops.h"
#include "atim/schedule/schedule.h"
#include "atim/workloads/workload.h"

namespace atim::schedule {
namespace {

// MTV with K split over 4 DPUs (mram rfactor); the host sums the partials in block C.
struct SplitMtv {
    Schedule sch;
    BlockRV consumer;
    BlockRV producer;
    std::vector<LoopRV> producer_loops;  // rows, k_dpu, k_in
};

SplitMtv split_mtv(const te::PrimFunc &func) {
    Schedule sch(func);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> loops = sch.get_loops(c);
    std::vector<LoopRV> k = sch.split(loops[1], {4, kInfer});
    BlockRV rf = sch.rfactor(k[0], "mram");
    sch.reorder({k[0], loops[0], k[1]});
    sch.bind(k[0], "dpu.x");
    return {sch, c, rf, {loops[0], k[0], k[1]}};
}

std::string error_of(const std::function<void()> &call) {
    try {
        call();
    } catch (const ScheduleError &e) {
        return e.what();
    }
    return "no error";
}

// The kinds of every loop of a statement, outer to inner.
std::vector<ir::ForKind> loop_kinds(const ir::Stmt &stmt) {
    struct Collector : ir::Visitor {
        using ir::Visitor::visit;
        std::vector<ir::ForKind> kinds;
        void visit(const ir::For *op) override {
            kinds.push_back(op->for_kind);
            ir::Visitor::visit(op);
        }
    } collector;
    collector.visit(stmt);
    return collector.kinds;
}

TEST(ParallelPrimitive, RefusesDpuKernelLoopsNamingTheLoop) {
    auto w = workloads::make_workload("mtv", {64, 64});
    SplitMtv s = split_mtv(w.func);
    std::string message = error_of([&] { s.sch.parallel(s.producer_loops[0]); });
    EXPECT_NE(message.find("parallel: loop i of block C_rf runs in the DPU kernel"), std::string::npos)
        << message;
    // A block without rfactor has no host epilogue at all.
    Schedule plain(w.func);
    message = error_of([&] { plain.parallel(plain.get_loops(plain.get_block("C"))[0]); });
    EXPECT_NE(message.find("loop i of block C runs in the DPU kernel"), std::string::npos) << message;
}

TEST(ParallelPrimitive, RefusesReductionLoopsAndASecondParallelLoop) {
    auto w = workloads::make_workload("mtv", {64, 64});
    SplitMtv s = split_mtv(w.func);
    std::vector<LoopRV> host = s.sch.get_loops(s.consumer);
    ASSERT_EQ(host.size(), 2u);
    std::string message = error_of([&] { s.sch.parallel(host[1]); });
    EXPECT_NE(message.find("is a reduction loop; threads would race"), std::string::npos) << message;
    std::vector<LoopRV> rows = s.sch.split(host[0], {4, kInfer});
    size_t before = s.sch.trace().size();
    s.sch.parallel(rows[0]);
    EXPECT_EQ(s.sch.trace().size(), before + 1);
    message = error_of([&] { s.sch.parallel(rows[1]); });
    EXPECT_NE(message.find("already has a parallel loop (C_ax0_0)"), std::string::npos) << message;
    message = error_of([&] { s.sch.parallel(rows[0]); });
    EXPECT_NE(message.find("only serial loops can be parallel"), std::string::npos) << message;
    message = error_of([&] { s.sch.split(rows[0], {2, 2}); });
    EXPECT_NE(message.find("already bound/unrolled (parallel)"), std::string::npos) << message;
}

TEST(ParallelPrimitive, TraceRoundTripReplaysTheParallelEpilogue) {
    auto w = workloads::make_workload("mtv", {64, 64});
    SplitMtv s = split_mtv(w.func);
    std::vector<LoopRV> host = s.sch.get_loops(s.consumer);
    ExprRV threads = s.sch.sample_categorical({1, 2, 4, 8}, {1, 1, 1, 1});
    std::vector<LoopRV> rows = s.sch.split(host[0], {Factor(threads), kInfer});
    s.sch.parallel(rows[0]);
    s.sch.decompose_reduction(s.consumer, host[1]);

    Trace loaded = Trace::from_json(s.sch.trace().to_json());
    EXPECT_EQ(loaded.to_json(), s.sch.trace().to_json());
    Schedule replayed = loaded.replay(w.func);
    lower::ScheduledLoops original = lower::schedule_to_loops(s.sch);
    lower::ScheduledLoops again = lower::schedule_to_loops(replayed);
    EXPECT_EQ(ir::to_string(again.host_epilogue), ir::to_string(original.host_epilogue));
    // The parallel loop is in the host epilogue, never in the kernel.
    std::vector<ir::ForKind> kinds = loop_kinds(again.host_epilogue);
    ASSERT_FALSE(kinds.empty());
    EXPECT_EQ(kinds.front(), ir::ForKind::HostParallel);
    for (ir::ForKind kind : loop_kinds(again.device)) EXPECT_NE(kind, ir::ForKind::HostParallel);
    EXPECT_NE(ir::to_string(again.host_epilogue).find("host.parallel"), std::string::npos)
        << ir::to_string(again.host_epilogue);
}

TEST(ParallelPrimitive, ReplayOfAParallelDpuLoopIsRefused) {
    auto w = workloads::make_workload("mtv", {64, 64});
    SplitMtv s = split_mtv(w.func);
    std::string json = s.sch.trace().to_json();
    // Hand-edit the trace: parallelise the kernel's row loop (l0 is the first loop get_loops returned).
    std::string edited = json.substr(0, json.rfind(']')) +
                         R"(,{"kind":"parallel","inputs":["l0"],"attrs":{},"outputs":[]}])" + "}";
    std::string message = error_of([&] { Trace::from_json(edited).replay(w.func); });
    EXPECT_NE(message.find("(parallel): parallel: loop i of block C_rf runs in the DPU kernel"),
              std::string::npos)
        << message;
}

}  // namespace
}  // namespace atim::schedule
