// The end-to-end matrix: workload x named schedule x shape x optimization level, each scheduled, lowered,
// compiled to C, run on the SDK emulation and compared bit-exactly with the reference interpreter.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/emu_runner.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::runtime::testing {

struct MatrixCase {
    std::string workload;
    std::string shape;
    std::string schedule;
    std::map<std::string, std::string> params;
    int opt_level = 4;

    std::string name() const {
        std::string text = fmt::format("{}_{}_{}_O{}", workload, shape, schedule, opt_level);
        for (const auto &[k, v] : params) text += fmt::format("_{}{}", k, v);
        for (char &c : text)
            if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
        return text;
    }
};

inline void PrintTo(const MatrixCase &c, std::ostream *os) { *os << c.name(); }

/// Shapes per workload: one that divides evenly over DPUs and tasklets, one that does not.
inline std::vector<std::string> matrix_shapes(const std::string &workload, bool divisible) {
    static const std::map<std::string, std::pair<std::string, std::string>> shapes = {
        {"va", {"4096", "1000"}},         {"geva", {"4096", "1003"}},     {"red", {"4096", "1001"}},
        {"mtv", {"256x256", "100x37"}},   {"gemv", {"128x512", "67x45"}}, {"ttv", {"8x16x64", "7x9x37"}},
        {"mmtv", {"8x16x64", "5x11x29"}},
    };
    const auto &[even, odd] = shapes.at(workload);
    return {divisible ? even : odd};
}

inline bool schedule_has_param(const std::string &workload, const std::string &schedule,
                               const std::string &param) {
    for (const baselines::NamedScheduleInfo &info : baselines::list_named_schedules(workload))
        if (info.name == schedule)
            for (const baselines::NamedScheduleParam &p : info.params)
                if (p.name == param) return true;
    return false;
}

inline bool schedule_applies(const std::string &workload, const std::string &schedule) {
    for (const baselines::NamedScheduleInfo &info : baselines::list_named_schedules(workload))
        if (info.name == schedule) return true;
    return false;
}

/// Every workload x {prim, rc-tile, rc-tile with dpus_y=2 where it has that knob} x shapes x opt levels.
inline std::vector<MatrixCase> matrix_cases(const std::vector<bool> &divisibility,
                                            const std::vector<int> &opt_levels) {
    std::vector<MatrixCase> cases;
    for (const char *workload : {"va", "geva", "red", "mtv", "gemv", "ttv", "mmtv"})
        for (bool divisible : divisibility)
            for (const std::string &shape : matrix_shapes(workload, divisible))
                for (int opt : opt_levels) {
                    for (const char *schedule : {"prim", "rc-tile"})
                        if (schedule_applies(workload, schedule))
                            cases.push_back({workload, shape, schedule, {}, opt});
                    if (schedule_has_param(workload, "rc-tile", "dpus_y"))
                        cases.push_back({workload, shape, "rc-tile", {{"dpus_y", "2"}}, opt});
                }
    return cases;
}

/// Runs one case; a failure prints the mismatches.
inline void run_matrix_case(const MatrixCase &c) {
    target::UpmemMachine machine = target::load_machine("upmem-2048");
    workloads::Workload workload =
        workloads::make_workload(c.workload, workloads::parse_shape(c.workload, c.shape));
    schedule::Schedule sch = baselines::apply_named_schedule(c.schedule, workload, c.params, machine);
    lower::LowerOptions options;
    options.opt_level = c.opt_level;
    lower::PimProgram program = lower::lower(sch, machine, options);
    RunResult result = run_emu(workload, program, {});
    std::string mismatches;
    for (const Mismatch &m : result.mismatches)
        mismatches += fmt::format(" {}[{}] expected {} got {};", m.tensor, m.index, m.expected, m.got);
    EXPECT_TRUE(result.verified) << c.name() << " on " << program.grid.count()
                                 << " DPUs: " << result.mismatch_count << " wrong elements:" << mismatches;
}

}  // namespace atim::runtime::testing
