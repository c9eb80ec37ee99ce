// Trace: JSON round trip, replay to the identical program, replay with changed decisions, and clear errors
// for corrupt or inconsistent traces.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "atim/ir/printer.h"
#include "atim/lower/schedule_to_loops.h"
#include "atim/schedule/schedule.h"
#include "atim/workloads/workload.h"

namespace atim::schedule {
namespace {

// rc-tile-like MTV schedule whose row tiling and unroll choice are sampled.
Schedule sampled_mtv(const te::PrimFunc &func, uint64_t seed) {
    Schedule sch(func, seed);
    BlockRV c = sch.get_block("C");
    std::vector<LoopRV> loops = sch.get_loops(c);
    std::vector<ExprRV> k_split = sch.sample_perfect_tile(loops[1], 2, 256, 2, 8);
    std::vector<LoopRV> k = sch.split(loops[1], k_split);
    BlockRV rf = sch.rfactor(k[0], "mram");
    std::vector<ExprRV> row_tiles = sch.sample_perfect_tile(loops[0], 3, 4);
    std::vector<LoopRV> rows = sch.split(loops[0], row_tiles);
    std::vector<LoopRV> k_tiles = sch.split(k[1], {kInfer, 16});
    sch.reorder({rows[0], k[0], rows[1], rows[2], k_tiles[0], k_tiles[1]});
    sch.bind(rows[0], "dpu.x");
    sch.bind(k[0], "dpu.y");
    sch.bind(rows[1], "tasklet");
    sch.compute_at(sch.cache_read(rf, "A", "wram"), k_tiles[0]);
    sch.reverse_compute_at(sch.cache_write(rf, "wram"), rows[2]);
    sch.decompose_reduction(rf, k_tiles[0]);
    ExprRV unroll = sch.sample_categorical({0, 1}, {0.5, 0.5});
    if (sch.value(unroll) == 1) sch.unroll(k_tiles[1]);
    return sch;
}

// Loop variables and partial buffers are fresh objects in a replayed schedule, so ir::equal (identity of
// variables and buffers) cannot hold; the printed program, with its deterministic names, must be identical.
std::string program_text(const Schedule &sch) {
    lower::ScheduledLoops loops = lower::schedule_to_loops(sch);
    std::string text = ir::to_string(loops.device) + "--- host\n" + ir::to_string(loops.host_epilogue);
    for (const auto &t : loops.tensors)
        text += fmt::format("{}:{}:{}:{} ", t.buffer->name, static_cast<int>(t.role), t.resident,
                            t.buffer->num_elements());
    return text;
}

TEST(Trace, JsonRoundTripIsExact) {
    auto w = workloads::make_workload("mtv", {48, 96});
    Schedule sch = sampled_mtv(w.func, 3);
    std::string json = sch.trace().to_json();
    EXPECT_EQ(Trace::from_json(json).to_json(), json);
    EXPECT_NE(json.find("\"decision\""), std::string::npos);
    EXPECT_NE(json.find("\"rfactor\""), std::string::npos);
}

TEST(Trace, ReplayRebuildsTheIdenticalSchedule) {
    auto w = workloads::make_workload("mtv", {48, 96});
    for (uint64_t seed : {1, 2, 3, 4}) {
        Schedule original = sampled_mtv(w.func, seed);
        Schedule replayed = Trace::from_json(original.trace().to_json()).replay(w.func);
        EXPECT_EQ(replayed.to_string(), original.to_string());
        EXPECT_EQ(replayed.trace().to_json(), original.trace().to_json());
        EXPECT_EQ(program_text(replayed), program_text(original));
    }
}

// The host-call style is part of the schedule: it survives JSON and replay, reaches the loop nests, and an
// unknown style is refused with what to write instead.
TEST(Trace, HostCallStyleReplays) {
    auto w = workloads::make_workload("mtv", {48, 96});
    Schedule sch = sampled_mtv(w.func, 1);
    EXPECT_FALSE(lower::schedule_to_loops(sch).prim_host_calls);
    sch.annotate_host_calls("prim");
    EXPECT_TRUE(lower::schedule_to_loops(sch).prim_host_calls);
    Schedule replayed = Trace::from_json(sch.trace().to_json()).replay(w.func);
    EXPECT_TRUE(lower::schedule_to_loops(replayed).prim_host_calls);
    replayed.annotate_host_calls("atim");
    EXPECT_FALSE(lower::schedule_to_loops(replayed).prim_host_calls);
    try {
        sch.annotate_host_calls("sdk");
        ADD_FAILURE() << "an unknown style was accepted";
    } catch (const ScheduleError &e) {
        EXPECT_NE(std::string(e.what()).find("use \"atim\""), std::string::npos) << e.what();
    }
}

TEST(Trace, ChangedDecisionGivesADifferentConsistentProgram) {
    auto w = workloads::make_workload("mtv", {48, 96});
    Schedule original = sampled_mtv(w.func, 1);
    size_t row_tile = original.trace().sampling_indices()[1];
    ASSERT_EQ(original.trace().instructions()[row_tile].kind, "sample_perfect_tile");
    std::vector<int64_t> other =
        original.trace().instructions()[row_tile].decision == std::vector<int64_t>{6, 2, 4}
            ? std::vector<int64_t>{4, 3, 4}
            : std::vector<int64_t>{6, 2, 4};
    Schedule changed = original.trace().with_decision(row_tile, other).replay(w.func);
    EXPECT_NE(program_text(changed), program_text(original));
    // The split that used the sampled values follows the new decision.
    std::string summary = changed.to_string();
    EXPECT_NE(summary.find(fmt::format("for i_0 in [0, {}) dpu.x", other[0])), std::string::npos) << summary;
    EXPECT_NE(summary.find(fmt::format("for i_1 in [0, {}) tasklet", other[1])), std::string::npos)
        << summary;
}

TEST(Trace, SaveAndLoadThroughAFile) {
    auto w = workloads::make_workload("mtv", {48, 96});
    Schedule sch = sampled_mtv(w.func, 5);
    auto dir = std::filesystem::temp_directory_path() / fmt::format("atim_trace_test_{}", ::getpid());
    std::filesystem::create_directories(dir);
    std::string path = (dir / "trace.json").string();
    save_trace(sch.trace(), path);
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    EXPECT_EQ(program_text(load_trace(path).replay(w.func)), program_text(sch));
    std::string missing_dir = (dir / "no_such_dir" / "trace.json").string();
    EXPECT_THROW(save_trace(sch.trace(), missing_dir), UserError);
    EXPECT_FALSE(std::filesystem::exists(missing_dir));
    EXPECT_THROW(load_trace((dir / "missing.json").string()), UserError);
    std::filesystem::remove_all(dir);
}

TEST(Trace, CopiedSchedulesEvolveIndependently) {
    auto w = workloads::make_workload("mtv", {48, 96});
    Schedule original = sampled_mtv(w.func, 2);
    Schedule copy = original;
    std::string before = original.to_string();
    size_t trace_size = original.trace().size();
    BlockRV c = copy.get_block("C");
    copy.split(copy.get_loops(c)[0], {4, kInfer});
    EXPECT_EQ(original.to_string(), before);
    EXPECT_EQ(original.trace().size(), trace_size);
    EXPECT_NE(copy.to_string(), before);
    EXPECT_NE(before.find("(reduction init here, decomposed)"), std::string::npos) << before;
}

struct CorruptCase {
    std::string name, text, message;
};

TEST(Trace, CorruptOrInconsistentTracesAreRejectedClearly) {
    auto w = workloads::make_workload("mtv", {48, 96});
    auto wrap = [](const std::string &instructions) {
        return R"({"version":1,"instructions":[{"kind":"get_block","attrs":{"name":"C"},"outputs":["b0"]},)"
               R"({"kind":"get_loops","inputs":["b0"],"outputs":["l0","l1"]})" +
               instructions + "]}";
    };
    std::vector<CorruptCase> cases{
        {"not json", "{\"instructions\": [", "corrupt trace: not valid JSON"},
        {"no instructions", "{\"version\":1}", "expected an object with an \"instructions\" array"},
        {"future version", "{\"version\":9,\"instructions\":[]}", "version 9 is not supported"},
        {"instruction without kind", "{\"instructions\":[{\"inputs\":[]}]}",
         "instruction 0 has no \"kind\" string"},
        {"bad decision type", wrap(R"(,{"kind":"sample_categorical","decision":["x"]})"),
         "\"decision\" integers"},
        {"unknown primitive", wrap(R"(,{"kind":"splitt","inputs":["l0",[2,null]],"outputs":["l2","l3"]})"),
         "trace instruction 2 (splitt): unknown primitive 'splitt'"},
        {"wrong arity", wrap(R"(,{"kind":"bind","inputs":["l0","l1"],"attrs":{"thread_axis":"dpu.x"}})"),
         "wrong arity: bind takes 1 input(s), the trace gives 2"},
        {"dangling handle", wrap(R"(,{"kind":"split","inputs":["l7",[2,null]],"outputs":["l2","l3"]})"),
         "dangling handle: loop l7 was not created by an earlier instruction"},
        {"handle of the wrong kind", wrap(R"(,{"kind":"unroll","inputs":["b0"]})"),
         "expected a loop handle (\"l<N>\"), got \"b0\""},
        {"wrong number of outputs", wrap(R"(,{"kind":"split","inputs":["l0",[2,null]],"outputs":["l2"]})"),
         "inconsistent trace: split created 2 handle(s) but the trace lists 1"},
        {"missing attribute", wrap(R"(,{"kind":"bind","inputs":["l0"]})"),
         "attribute 'thread_axis' is missing"},
        {"tile decision not a factorization",
         wrap(R"(,{"kind":"sample_perfect_tile","inputs":["l0"],"attrs":{"n":2,"max_innermost_factor":64,)"
              R"("min_outer":1,"max_outer":1000},"outputs":["v0","v1"],"decision":[5,10]})"),
         "decision [5, 10] is out of range"},
        {"tile decision violating bounds",
         wrap(R"(,{"kind":"sample_perfect_tile","inputs":["l0"],"attrs":{"n":2,"max_innermost_factor":4,)"
              R"("min_outer":1,"max_outer":1000},"outputs":["v0","v1"],"decision":[6,8]})"),
         "innermost <= 4"},
        {"categorical decision out of range",
         wrap(R"(,{"kind":"sample_categorical","attrs":{"candidates":[0,16],"probabilities":[0.5,0.5]},)"
              R"("outputs":["v0"],"decision":[2]})"),
         "decision [2] is out of range: it must be one index in [0, 2)"},
        {"illegal primitive in the trace",
         wrap(R"(,{"kind":"bind","inputs":["l1"],"attrs":{"thread_axis":"dpu.x"}})"),
         "trace instruction 2 (bind): bind: loop k of block C is a reduction loop"},
    };
    for (const CorruptCase &c : cases) {
        try {
            Trace::from_json(c.text).replay(w.func);
            ADD_FAILURE() << c.name << ": no error";
        } catch (const UserError &e) {
            EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
                << c.name << ": message was: " << e.what();
        }
    }
}

}  // namespace
}  // namespace atim::schedule
