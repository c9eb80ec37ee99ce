// Named schedules end to end: schedule_to_loops of every workload x {prim, rc-tile} on divisible and
// non-divisible shapes, interpreted (device nest, then host epilogue) and compared bit-exactly with the
// workload's naive nest on the same random inputs.
#include <gtest/gtest.h>

#include <algorithm>

#include "atim/baselines/named_schedules.h"
#include "atim/interp/interpreter.h"
#include "atim/ir/printer.h"
#include "atim/lower/schedule_to_loops.h"

namespace atim::baselines {
namespace {

struct Case {
    std::string workload;
    std::vector<int64_t> shape;
    std::string schedule;
    std::map<std::string, std::string> params;
};

std::string describe(const Case &c) {
    std::string text = c.schedule + " " + c.workload;
    for (int64_t e : c.shape) text += " " + std::to_string(e);
    for (const auto &[k, v] : c.params) text += " " + k + "=" + v;
    return text;
}

const ir::Buffer &tensor_named(const lower::ScheduledLoops &loops, const std::string &name) {
    auto it = std::find_if(loops.tensors.begin(), loops.tensors.end(),
                           [&](const lower::TensorInfo &t) { return t.buffer->name == name; });
    EXPECT_NE(it, loops.tensors.end()) << "no tensor " << name;
    return it->buffer;
}

// Runs the scheduled loops on inputs equal to the reference's and checks every output element.
void expect_matches_reference(const Case &c) {
    SCOPED_TRACE(describe(c));
    workloads::Workload w = workloads::make_workload(c.workload, c.shape);
    schedule::Schedule sch = apply_named_schedule(c.schedule, w, c.params, target::UpmemMachine{});
    lower::ScheduledLoops loops = lower::schedule_to_loops(sch);

    interp::Memory reference = interp::random_inputs(w.func.inputs, 7);
    interp::Memory scheduled;
    for (const ir::Buffer &input : w.func.inputs)
        scheduled.set_values(tensor_named(loops, input->name), reference.values(input));
    interp::run(w.func.body, reference);
    interp::run(loops.device, scheduled);
    if (loops.host_epilogue.defined()) interp::run(loops.host_epilogue, scheduled);

    for (const ir::Buffer &output : w.func.outputs) {
        const std::vector<int64_t> &want = reference.values(output);
        const std::vector<int64_t> &got = scheduled.values(tensor_named(loops, output->name));
        ASSERT_EQ(got.size(), want.size());
        // Inputs are in [0, 50), so a computed output is never all zeros: guards against vacuous passes.
        ASSERT_TRUE(std::any_of(want.begin(), want.end(), [](int64_t v) { return v != 0; }));
        auto mismatch = std::mismatch(got.begin(), got.end(), want.begin());
        EXPECT_TRUE(mismatch.first == got.end())
            << output->name << "[" << (mismatch.first - got.begin()) << "] = " << *mismatch.first << ", want "
            << *mismatch.second;
    }
}

// Replaying the trace gives the same loop nests (compared as text: replay makes new variables).
void expect_replay_lowers_identically(const Case &c) {
    SCOPED_TRACE(describe(c));
    workloads::Workload w = workloads::make_workload(c.workload, c.shape);
    schedule::Schedule sch = apply_named_schedule(c.schedule, w, c.params, target::UpmemMachine{});
    schedule::Schedule replayed = schedule::Trace::from_json(sch.trace().to_json()).replay(w.func);
    replayed.set_resident_inputs(w.resident_inputs);
    lower::ScheduledLoops a = lower::schedule_to_loops(sch), b = lower::schedule_to_loops(replayed);
    EXPECT_EQ(ir::to_string(a.device), ir::to_string(b.device));
    EXPECT_EQ(a.host_epilogue.defined(), b.host_epilogue.defined());
    if (a.host_epilogue.defined()) {
        EXPECT_EQ(ir::to_string(a.host_epilogue), ir::to_string(b.host_epilogue));
    }
    ASSERT_EQ(a.tensors.size(), b.tensors.size());
    for (size_t i = 0; i < a.tensors.size(); ++i) {
        EXPECT_EQ(a.tensors[i].buffer->name, b.tensors[i].buffer->name);
        EXPECT_EQ(a.tensors[i].role, b.tensors[i].role);
        EXPECT_EQ(a.tensors[i].resident, b.tensors[i].resident);
    }
}

// Small shapes, with DPU and tasklet counts that divide them and counts that do not (boundary guards at the
// DPU, tasklet, row-pair and WRAM-tile levels).
std::vector<Case> small_cases() {
    std::vector<Case> all;
    struct Shapes {
        std::string workload;
        std::vector<int64_t> divisible, non_divisible;
    };
    for (const Shapes &s : std::vector<Shapes>{{"va", {2048}, {9999}},
                                               {"geva", {2048}, {9999}},
                                               {"red", {2048}, {10007}},
                                               {"mtv", {64, 128}, {100, 77}},
                                               {"gemv", {64, 128}, {100, 77}},
                                               {"ttv", {8, 8, 64}, {6, 5, 70}},
                                               {"mmtv", {4, 16, 64}, {7, 33, 65}}}) {
        bool elementwise = s.workload == "va" || s.workload == "geva" || s.workload == "red";
        for (const auto &shape : {s.divisible, s.non_divisible}) {
            all.push_back({s.workload, shape, "prim", {{"dpus", "8"}, {"tasklets", "4"}, {"block", "16"}}});
            all.push_back({s.workload, shape, "prim", {{"dpus", "3"}, {"tasklets", "5"}, {"block", "32"}}});
            all.push_back(
                {s.workload, shape, "rc-tile", {{"dpus_x", "4"}, {"tasklets", "4"}, {"cache", "8"}}});
            if (!elementwise) {
                all.push_back({s.workload,
                               shape,
                               "rc-tile",
                               {{"dpus_x", "2"}, {"dpus_y", "3"}, {"tasklets", "3"}, {"cache", "8"}}});
                all.push_back({s.workload,
                               shape,
                               "rc-tile",
                               {{"dpus_x", "4"}, {"dpus_y", "2"}, {"tasklets", "4"}, {"cache", "16"}}});
            }
        }
    }
    return all;
}

// Runs `check` on every case, reporting an exception as a failure of that case (and going on).
void for_each_case(const std::vector<Case> &cases, void (*check)(const Case &)) {
    for (const Case &c : cases) {
        try {
            check(c);
        } catch (const std::exception &e) {
            ADD_FAILURE() << describe(c) << ": " << e.what();
        }
    }
}

TEST(NamedSchedulesEndToEnd, SmallShapesMatchTheReferenceBitExactly) {
    for_each_case(small_cases(), expect_matches_reference);
}

TEST(NamedSchedulesEndToEnd, DefaultParametersMatchTheReference) {
    for_each_case(std::vector<Case>{{"va", {9999}, "prim", {}},
                                    {"red", {10007}, "prim", {}},
                                    {"mtv", {100, 77}, "prim", {}},
                                    {"mtv", {100, 77}, "rc-tile", {}},
                                    {"mmtv", {7, 33, 65}, "prim", {}},
                                    {"mmtv", {7, 33, 65}, "rc-tile", {}},
                                    {"ttv", {6, 5, 70}, "rc-tile", {}}},
                  expect_matches_reference);
}

TEST(NamedSchedulesEndToEnd, TracesReplayToTheSameLoops) {
    for_each_case(std::vector<Case>{{"va", {9999}, "prim", {}},
                                    {"geva", {9999}, "rc-tile", {}},
                                    {"red", {10007}, "prim", {}},
                                    {"red", {10007}, "rc-tile", {}},
                                    {"gemv", {100, 77}, "rc-tile", {{"dpus_y", "3"}}},
                                    {"ttv", {6, 5, 70}, "prim", {}},
                                    {"mmtv", {7, 33, 65}, "rc-tile", {{"dpus_y", "2"}}}},
                  expect_replay_lowers_identically);
}

}  // namespace
}  // namespace atim::baselines
