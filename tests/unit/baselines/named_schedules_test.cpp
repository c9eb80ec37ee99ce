// Named schedules: listing, parameter defaults and the validation messages a user sees.
#include "atim/baselines/named_schedules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "atim/support/error.h"

namespace atim::baselines {
namespace {

using ::testing::HasSubstr;
using Params = std::map<std::string, std::string>;

target::UpmemMachine machine_with_dpus(int dpus) {
    target::UpmemMachine m;
    m.dpus = dpus;
    m.name = fmt::format("test-{}", dpus);
    return m;
}

std::string resolve_error(const std::string &schedule, const std::string &workload,
                          std::vector<int64_t> shape, const Params &params,
                          const target::UpmemMachine &machine = {}) {
    try {
        resolve_named_schedule_params(schedule, workloads::make_workload(workload, shape), params, machine);
    } catch (const UserError &e) {
        return e.what();
    }
    return "(no UserError)";
}

TEST(NamedSchedules, ListsPrimAndRcTileWithTheWorkloadsParameters) {
    struct Case {
        std::string workload;
        std::vector<std::string> prim, rc_tile;
    };
    for (const Case &c : std::vector<Case>{
             {"va", {"dpus", "tasklets", "block"}, {"dpus_x", "tasklets", "cache"}},
             {"red", {"dpus", "tasklets", "block"}, {"dpus_x", "tasklets", "cache"}},
             {"mtv", {"dpus", "tasklets", "block"}, {"dpus_x", "dpus_y", "tasklets", "cache"}},
             {"ttv", {"dpus", "tasklets", "block"}, {"dpus_x", "dpus_z", "dpus_y", "tasklets", "cache"}},
             {"mmtv", {"dpus", "tasklets", "block"}, {"dpus_x", "dpus_y", "tasklets", "cache"}},
         }) {
        std::vector<NamedScheduleInfo> list = list_named_schedules(c.workload);
        // SimplePIM's strategy exists for va and red only.
        const bool simplepim = c.workload == "va" || c.workload == "red";
        ASSERT_EQ(list.size(), simplepim ? 3u : 2u) << c.workload;
        EXPECT_EQ(list[0].name, "prim");
        EXPECT_EQ(list[1].name, "rc-tile");
        if (simplepim) {
            EXPECT_EQ(list[2].name, "simplepim");
            std::vector<std::string> names;
            for (const auto &p : list[2].params) names.push_back(p.name);
            EXPECT_EQ(names, (std::vector<std::string>{"dpus", "tasklets", "block"})) << c.workload;
        }
        std::vector<std::string> prim, rc;
        for (const auto &p : list[0].params) prim.push_back(p.name);
        for (const auto &p : list[1].params) rc.push_back(p.name);
        EXPECT_EQ(prim, c.prim) << c.workload;
        EXPECT_EQ(rc, c.rc_tile) << c.workload;
        for (const auto &info : list) {
            EXPECT_FALSE(info.description.empty());
            for (const auto &p : info.params) EXPECT_FALSE(p.meaning.empty() || p.default_value.empty());
        }
    }
    EXPECT_TRUE(is_named_schedule("rc-tile"));
    EXPECT_TRUE(is_named_schedule("simplepim"));
    EXPECT_FALSE(is_named_schedule("best.json"));
}

TEST(NamedSchedules, SimplePimFixesTwelveTaskletsAndBlocksFromTheElementSize) {
    struct Case {
        std::string workload;
        std::vector<int64_t> shape;
        std::string dtype;
        std::map<std::string, int64_t> want;
    };
    for (const Case &c : std::vector<Case>{
             // 1048576 int32 = 4096 blocks of 256: 2048 DPUs leave 2 blocks each.
             {"va", {1048576}, "", {{"dpus", 2048}, {"tasklets", 12}, {"block", 256}}},
             // red is int64: still 256 elements (under 16 bytes), 2 KB blocks, the DMA maximum.
             {"red", {524288}, "", {{"dpus", 1024}, {"tasklets", 12}, {"block", 256}}},
             {"va", {1000}, "int32", {{"dpus", 2}, {"tasklets", 12}, {"block", 256}}},
         }) {
        EXPECT_EQ(
            resolve_named_schedule_params("simplepim", workloads::make_workload(c.workload, c.shape, c.dtype),
                                          {}, target::UpmemMachine{}),
            c.want)
            << c.workload;
    }
    for (const auto &[workload, shape] :
         std::vector<std::pair<std::string, std::vector<int64_t>>>{{"mtv", {64, 64}},
                                                                   {"gemv", {64, 64}},
                                                                   {"ttv", {4, 8, 32}},
                                                                   {"mmtv", {4, 8, 32}},
                                                                   {"geva", {64}}}) {
        EXPECT_THAT(resolve_error("simplepim", workload, shape, {}),
                    HasSubstr("schedule simplepim exists for va and red only"))
            << workload;
    }
}

TEST(NamedSchedules, DefaultsFollowTheShapeAndTheMachine) {
    struct Case {
        std::string schedule, workload;
        std::vector<int64_t> shape;
        int machine_dpus;
        std::map<std::string, int64_t> want;
    };
    for (const Case &c : std::vector<Case>{
             // 8192 rows: 2048 DPUs still leave 4 rows each.
             {"prim", "mtv", {8192, 8192}, 2048, {{"dpus", 2048}, {"tasklets", 16}, {"block", 256}}},
             // 1000 rows: 512 DPUs would leave < 2 rows on some.
             {"prim", "mtv", {1000, 777}, 2048, {{"dpus", 256}, {"tasklets", 16}, {"block", 256}}},
             {"prim", "mtv", {8192, 8192}, 64, {{"dpus", 64}, {"tasklets", 16}, {"block", 256}}},
             // ttv flattens to M*N rows.
             {"prim", "ttv", {30, 50, 70}, 2048, {{"dpus", 512}, {"tasklets", 16}, {"block", 256}}},
             // 999999 elements = 3907 blocks of 256.
             {"prim", "va", {999999}, 2048, {{"dpus", 1024}, {"tasklets", 16}, {"block", 256}}},
             // mmtv: DPUs per batch, batch 7 x 16 <= 2048 and 2 rows per DPU of 33.
             {"prim", "mmtv", {7, 33, 65}, 2048, {{"dpus", 16}, {"tasklets", 16}, {"block", 256}}},
             {"rc-tile",
              "mtv",
              {1000, 777},
              2048,
              {{"dpus_x", 16}, {"dpus_y", 2}, {"tasklets", 16}, {"cache", 32}}},
             {"rc-tile",
              "mtv",
              {8192, 8192},
              2048,
              {{"dpus_x", 256}, {"dpus_y", 8}, {"tasklets", 16}, {"cache", 32}}},
             {"rc-tile", "red", {1000003}, 2048, {{"dpus_x", 256}, {"tasklets", 16}, {"cache", 64}}},
             // ttv: j rows over dpus_x (32 per DPU), i rows over dpus_z with what is left, then K.
             {"rc-tile",
              "ttv",
              {256, 512, 512},
              2048,
              {{"dpus_x", 16}, {"dpus_z", 128}, {"dpus_y", 1}, {"tasklets", 16}, {"cache", 32}}},
             {"rc-tile",
              "ttv",
              {4, 64, 4096},
              2048,
              {{"dpus_x", 2}, {"dpus_z", 4}, {"dpus_y", 16}, {"tasklets", 16}, {"cache", 32}}},
             {"rc-tile",
              "mmtv",
              {7, 33, 65},
              2048,
              {{"dpus_x", 1}, {"dpus_y", 1}, {"tasklets", 16}, {"cache", 32}}},
             {"rc-tile", "mtv", {16, 16}, 1, {{"dpus_x", 1}, {"dpus_y", 1}, {"tasklets", 16}, {"cache", 32}}},
             // int64: PrIM's 1 KB block is 128 elements (256 would not fit 16 tasklets' WRAM).
             {"prim", "red", {1000003}, 2048, {{"dpus", 2048}, {"tasklets", 16}, {"block", 128}}},
         }) {
        auto got = resolve_named_schedule_params(c.schedule, workloads::make_workload(c.workload, c.shape),
                                                 {}, machine_with_dpus(c.machine_dpus));
        EXPECT_EQ(got, c.want) << c.schedule << " " << c.workload << " on " << c.machine_dpus << " DPUs";
    }
}

TEST(NamedSchedules, DefaultsAlwaysPassTheirOwnChecks) {
    struct Shapes {
        std::string workload;
        std::vector<std::vector<int64_t>> shapes;
    };
    for (const Shapes &s : std::vector<Shapes>{{"va", {{1}, {999999}, {67108864}}},
                                               {"geva", {{3}, {1048576}}},
                                               {"red", {{1}, {1000003}, {67108864}}},
                                               {"mtv", {{1, 1}, {1000, 777}, {8192, 16384}}},
                                               {"gemv", {{2, 3}, {4096, 4096}}},
                                               {"ttv", {{1, 1, 1}, {30, 50, 70}, {512, 512, 512}}},
                                               {"mmtv", {{1, 1, 1}, {7, 33, 65}, {4096, 64, 256}}}}) {
        for (const auto &shape : s.shapes) {
            for (const std::string dtype : {"int32", "int64"}) {
                for (int dpus : {1, 64, 2048, 2560}) {
                    for (const std::string schedule : {"prim", "rc-tile", "simplepim"}) {
                        // SimplePIM: va and red in their default types (int64 va's three 2 KB blocks
                        // would not fit 12 tasklets' WRAM, as SimplePIM's fixed block would not).
                        if (schedule == "simplepim" && !((s.workload == "va" && dtype == "int32") ||
                                                         (s.workload == "red" && dtype == "int64")))
                            continue;
                        EXPECT_NO_THROW(resolve_named_schedule_params(
                            schedule, workloads::make_workload(s.workload, shape, dtype), {},
                            machine_with_dpus(dpus)))
                            << schedule << " " << s.workload << " "
                            << fmt::format("{}", fmt::join(shape, "x")) << " " << dtype << " on " << dpus
                            << " DPUs";
                    }
                }
            }
        }
    }
}

TEST(NamedSchedules, GivenParametersOverrideDefaults) {
    auto got = resolve_named_schedule_params("prim", workloads::make_workload("mtv", {64, 64}),
                                             {{"dpus", "4"}, {"tasklets", "8"}, {"block", "32"}}, {});
    EXPECT_EQ(got, (std::map<std::string, int64_t>{{"dpus", 4}, {"tasklets", 8}, {"block", 32}}));
}

TEST(NamedSchedules, RejectsBadParametersWithWhatToChange) {
    struct Case {
        std::string schedule, workload;
        std::vector<int64_t> shape;
        Params params;
        std::string want;
    };
    for (const Case &c : std::vector<Case>{
             {"prim",
              "mtv",
              {64, 64},
              {{"foo", "1"}},
              "unknown parameter 'foo' for schedule prim; known: dpus, tasklets, block"},
             {"rc-tile",
              "va",
              {64},
              {{"dpus_y", "2"}},
              "unknown parameter 'dpus_y' for schedule rc-tile; known: dpus_x, tasklets, cache"},
             {"prim",
              "mtv",
              {64, 64},
              {{"tasklets", "25"}},
              "tasklets=25 exceeds the 24 hardware threads of a DPU; use 1..24"},
             {"prim",
              "mtv",
              {64, 64},
              {{"dpus", "4096"}},
              "dpus=4096 exceeds the 2048 DPUs of machine upmem-2048"},
             {"rc-tile",
              "mtv",
              {64, 64},
              {{"dpus_x", "64"}, {"dpus_y", "64"}},
              "dpus_x=64 x dpus_y=64 = 4096 DPUs exceeds the 2048 DPUs of machine upmem-2048; lower dpus_x "
              "or dpus_y"},
             {"prim",
              "mtv",
              {64, 64},
              {{"dpus", "many"}},
              "parameter dpus=many of schedule prim must be a positive integer"},
             {"prim",
              "mtv",
              {64, 64},
              {{"dpus", "0"}},
              "parameter dpus=0 of schedule prim must be a positive integer"},
             {"prim", "mtv", {64, 64}, {{"block", "2.5"}}, "must be a positive integer"},
             {"prim",
              "mtv",
              {64, 64},
              {{"block", "4096"}, {"tasklets", "16"}},
              "block=4096 with tasklets=16 needs 2 x 16 KB of WRAM per tasklet"},
             {"prim",
              "va",
              {64},
              {{"block", "2048"}, {"tasklets", "4"}},
              "block=2048 with tasklets=4 needs 3 x 8 KB of WRAM per tasklet"},
             {"rc-tile",
              "mtv",
              {64, 64},
              {{"cache", "1024"}, {"tasklets", "24"}},
              "cache=1024 with tasklets=24 needs 3 x 4 KB of WRAM per tasklet"},
             {"prim",
              "mtv",
              {64, 64},
              {{"block", "3"}},
              "block=3 makes 12-byte WRAM tiles of int32; DMA moves multiples of 8 bytes, use a multiple of "
              "2"},
             {"fast", "mtv", {64, 64}, {}, "unknown schedule 'fast'; known: prim, rc-tile"},
         }) {
        EXPECT_THAT(resolve_error(c.schedule, c.workload, c.shape, c.params), HasSubstr(c.want))
            << c.schedule << " " << c.workload;
    }
}

TEST(NamedSchedules, WramLimitFollowsTheMachine) {
    // 2 x 1 KB tiles per tasklet for 24 tasklets fit 64 KB but not 32 KB.
    target::UpmemMachine small;
    small.wram_bytes = 32 * 1024;
    Params params{{"tasklets", "24"}, {"block", "256"}};
    EXPECT_EQ(resolve_error("prim", "mtv", {64, 64}, params), "(no UserError)");
    EXPECT_THAT(resolve_error("prim", "mtv", {64, 64}, params, small), HasSubstr("but a DPU has 32 KB"));
}

}  // namespace
}  // namespace atim::baselines
