// The simulator backend end to end: every workload under the named schedules (simplepim: va, red), scheduled,
// lowered (opt levels 0, 2 and 4), compiled to DPU assembly, run on the simulated machine and compared
// bit-exactly with the reference interpreter; shapes that divide evenly over DPUs and tasklets and shapes
// that do not.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/sim/dpu_stats.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {
namespace {

struct SimCase {
    std::string workload;
    std::string shape;
    std::string schedule;
    int opt_level = 4;

    std::string name() const {
        std::string text = fmt::format("{}_{}_{}_O{}", workload, shape, schedule, opt_level);
        for (char &c : text)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        return text;
    }
};

bool schedule_applies(const std::string &workload, const std::string &schedule) {
    for (const baselines::NamedScheduleInfo &info : baselines::list_named_schedules(workload))
        if (info.name == schedule) return true;
    return false;
}

bool schedule_has_param(const std::string &workload, const std::string &schedule, const std::string &param) {
    for (const baselines::NamedScheduleInfo &info : baselines::list_named_schedules(workload))
        if (info.name == schedule)
            for (const baselines::NamedScheduleParam &p : info.params)
                if (p.name == param) return true;
    return false;
}

/// Small shapes (a few DPUs, few tasklets) so that every DPU is simulated quickly.
std::vector<SimCase> sim_cases() {
    const std::map<std::string, std::pair<std::string, std::string>> shapes = {
        {"va", {"1024", "1000"}},       {"geva", {"1024", "1003"}},   {"red", {"1024", "1001"}},
        {"mtv", {"64x128", "37x45"}},   {"gemv", {"64x64", "29x45"}}, {"ttv", {"4x8x32", "5x3x37"}},
        {"mmtv", {"4x8x32", "3x5x29"}},
    };
    std::vector<SimCase> cases;
    for (const auto &[workload, pair] : shapes)
        for (const std::string &shape : {pair.first, pair.second})
            for (int opt : {0, 2, 4})
                for (const char *schedule : {"prim", "rc-tile", "simplepim"})
                    if (schedule_applies(workload, schedule))
                        cases.push_back({workload, shape, schedule, opt});
    return cases;
}

std::map<std::string, std::string> small_params(const SimCase &c) {
    std::map<std::string, std::string> params{{"tasklets", "4"}};
    for (const char *dpus : {"dpus", "dpus_x"})
        if (schedule_has_param(c.workload, c.schedule, dpus)) params[dpus] = "4";
    return params;
}

class SimBackend : public ::testing::TestWithParam<SimCase> {};

TEST_P(SimBackend, RunsBitExact) {
    const SimCase &c = GetParam();
    SimRunOptions options;
    options.machine = target::load_machine("upmem-rank");
    workloads::Workload workload =
        workloads::make_workload(c.workload, workloads::parse_shape(c.workload, c.shape));
    schedule::Schedule sch =
        baselines::apply_named_schedule(c.schedule, workload, small_params(c), options.machine);
    lower::LowerOptions lower_options;
    lower_options.opt_level = c.opt_level;
    lower::PimProgram program = lower::lower(sch, options.machine, lower_options);
    RunResult result = run_sim(workload, program, options);
    std::string mismatches;
    for (const Mismatch &m : result.mismatches)
        mismatches += fmt::format(" {}[{}] expected {} got {};", m.tensor, m.index, m.expected, m.got);
    EXPECT_TRUE(result.verified) << c.name() << " on " << program.grid.count()
                                 << " DPUs: " << result.mismatch_count << " wrong elements:" << mismatches;
    ASSERT_TRUE(result.time_ms.total.has_value());
    EXPECT_GT(*result.time_ms.kernel, 0);
    EXPECT_NEAR(*result.time_ms.total, *result.time_ms.h2d + *result.time_ms.kernel + *result.time_ms.after,
                1e-9);
    EXPECT_GT(result.stats.at("dpu").at("cycles").get<int64_t>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Workloads, SimBackend, ::testing::ValuesIn(sim_cases()),
                         [](const ::testing::TestParamInfo<SimCase> &info) { return info.param.name(); });

// ATiM's accounting keeps resident operands out of the timed window; PrIM's counts them.
TEST(SimBackendTiming, ResidentInputsAreOutsideTheAtimWindow) {
    SimRunOptions options;
    options.machine = target::load_machine("upmem-rank");
    workloads::Workload workload = workloads::make_workload("mtv", workloads::parse_shape("mtv", "64x128"));
    schedule::Schedule sch = baselines::apply_named_schedule(
        "prim", workload, {{"tasklets", "4"}, {"dpus", "4"}}, options.machine);
    lower::PimProgram program = lower::lower(sch, options.machine);
    options.timing = codegen::TimingMode::Atim;
    RunResult atim = run_sim(workload, program, options);
    options.timing = codegen::TimingMode::Prim;
    RunResult prim = run_sim(workload, program, options);
    EXPECT_TRUE(atim.verified);
    EXPECT_TRUE(prim.verified);
    EXPECT_LT(*atim.time_ms.h2d, *prim.time_ms.h2d);
    EXPECT_EQ(*atim.time_ms.kernel, *prim.time_ms.kernel);  // the same kernel on the same data
}

}  // namespace
}  // namespace atim::runtime
