// Narrow and mixed element types end to end: workloads with int8/uint8/int16 tensors (one type for all, and
// int8 x int8 -> int32 style mixes), scheduled, lowered, run on the simulator (every DPU) and natively on the
// SDK emulator, compared bit-exactly with the reference interpreter. Inputs cover each type's whole range, so
// sign/zero extension of loads and the wrap-around of narrow results are exercised, not only small values.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/interp/interpreter.h"
#include "atim/lower/lower.h"
#include "atim/runtime/emu_runner.h"
#include "atim/runtime/sim_runner.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {
namespace {

struct DTypeCase {
    std::string workload, shape, dtype, schedule;
    int opt_level = 4;
    std::string name() const {
        std::string text = fmt::format("{}_{}_{}_{}_O{}", workload, shape, dtype, schedule, opt_level);
        for (char &c : text)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        return text;
    }
};

void PrintTo(const DTypeCase &c, std::ostream *os) { *os << c.name(); }

std::vector<DTypeCase> dtype_cases() {
    std::vector<DTypeCase> cases;
    for (const char *dtype : {"int8", "uint8", "int16"}) {
        cases.push_back({"va", "1003", dtype, "prim"});
        cases.push_back({"mtv", "37x45", dtype, "rc-tile"});
        cases.push_back({"mtv", "64x128", dtype, "prim", 0});
    }
    for (const char *dtype : {"A=int8,B=int8,C=int32", "A=uint8,B=int8,C=int32", "A=int16,B=int16,C=int32"}) {
        cases.push_back({"mtv", "64x128", dtype, "rc-tile"});
        cases.push_back({"gemv", "29x45", dtype, "prim", 2});
        cases.push_back({"ttv", "4x8x32", dtype, "rc-tile"});
    }
    cases.push_back({"mmtv", "3x5x29", "A=int8,B=int8,C=int16", "prim"});
    cases.push_back({"geva", "1001", "A=int8,B=uint8,ALPHA=int16,BETA=int8,C=int16", "prim"});
    cases.push_back({"red", "1001", "A=int8,B=int32", "prim"});
    cases.push_back({"red", "1001", "A=uint8", "prim"});
    cases.push_back({"mtv", "64x128", "A=int8,B=int8,C=int64", "prim"});
    return cases;
}

// Deterministic values spread over the whole range of each input's type (an LCG: no dependence on the
// seeded [0, 50) inputs of interp::random_inputs).
TensorValues full_range_inputs(const workloads::Workload &w) {
    TensorValues inputs;
    uint64_t state = 12345;
    for (const ir::Buffer &b : w.func.inputs) {
        const int64_t low = ir::min_value(b->dtype), high = ir::max_value(b->dtype);
        const uint64_t span = static_cast<uint64_t>(high - low) + 1;
        for (int64_t i = 0; i < b->num_elements(); ++i) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            inputs[b->name].push_back(low + static_cast<int64_t>((state >> 33) % span));
        }
    }
    return inputs;
}

TensorValues reference(const workloads::Workload &w, const TensorValues &inputs) {
    interp::Memory memory;
    for (const ir::Buffer &b : w.func.inputs) memory.set_values(b, inputs.at(b->name));
    interp::run(w.func.body, memory);
    TensorValues out;
    for (const ir::Buffer &b : w.func.outputs) out[b->name] = memory.values(b);
    return out;
}

class NarrowDTypes : public ::testing::TestWithParam<DTypeCase> {};

TEST_P(NarrowDTypes, SimulatorAndEmulatorAreBitExact) {
    const DTypeCase &c = GetParam();
    const target::UpmemMachine machine = target::load_machine("upmem-rank");
    workloads::Workload w =
        workloads::make_workload(c.workload, workloads::parse_shape(c.workload, c.shape), c.dtype);
    std::map<std::string, std::string> params{{"tasklets", "4"}};
    params[c.schedule == "rc-tile" ? "dpus_x" : "dpus"] = "4";
    schedule::Schedule sch = baselines::apply_named_schedule(c.schedule, w, params, machine);
    lower::LowerOptions lower_options;
    lower_options.opt_level = c.opt_level;
    const lower::PimProgram program = lower::lower(sch, machine, lower_options);
    const TensorValues inputs = full_range_inputs(w);
    const TensorValues want = reference(w, inputs);

    SimRunOptions sim_options;
    sim_options.machine = machine;
    sim_options.mode = sim::SimulationMode::Full;
    sim_options.threads = 1;
    const SimExecution sim = execute_on_sim(program, inputs, sim_options);
    EXPECT_EQ(sim.outputs, want) << c.name() << " on the simulator";

    const EmuExecution emu = execute_on_emu(program, inputs, RunOptions{});
    EXPECT_EQ(emu.outputs, want) << c.name() << " on the emulator";
}

INSTANTIATE_TEST_SUITE_P(Workloads, NarrowDTypes, ::testing::ValuesIn(dtype_cases()),
                         [](const ::testing::TestParamInfo<DTypeCase> &info) { return info.param.name(); });

// The accumulation rule: int8 x int8 summed into int32 does not wrap at 8 bits, int8 x int8 into int8 does.
TEST(NarrowDTypesRule, AccumulatorTypeDecidesWhereSumsWrap) {
    workloads::Workload wide = workloads::make_workload("mtv", {1, 4}, "A=int8,B=int8,C=int32");
    workloads::Workload narrow = workloads::make_workload("mtv", {1, 4}, "int8");
    const TensorValues inputs{{"A", {100, -100, 127, 100}}, {"B", {100, 1, 127, 100}}};
    // 10000 - 100 + 16129 + 10000 = 36029 in int32; wrapped to 8 bits at every step it is 36029 mod 256.
    EXPECT_EQ(reference(wide, inputs).at("C"), std::vector<int64_t>{36029});
    EXPECT_EQ(reference(narrow, inputs).at("C"), std::vector<int64_t>{static_cast<int8_t>(36029 & 0xff)});
    workloads::Workload uint8 = workloads::make_workload("va", {2}, "uint8");
    EXPECT_EQ(reference(uint8, {{"A", {200, 255}}, {"B", {100, 1}}}).at("C"), (std::vector<int64_t>{44, 0}));
}

}  // namespace
}  // namespace atim::runtime
