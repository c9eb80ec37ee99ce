// Machine presets and the JSON override file: values, and one-line errors that name the bad key.
#include "atim/target/upmem_machine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "atim/support/error.h"

namespace atim::target {
namespace {

using ::testing::HasSubstr;

TEST(UpmemMachine, PresetsHaveTheirDpuCountsAndRanks) {
    struct Case {
        std::string name;
        int dpus, ranks;
    };
    for (const auto &[name, dpus, ranks] : std::vector<Case>{{"upmem-2048", 2048, 32},
                                                             {"upmem-cloud-2048", 2048, 32},
                                                             {"upmem-2560", 2560, 40},
                                                             {"upmem-rank", 64, 1},
                                                             {"upmem-1", 1, 1}}) {
        UpmemMachine machine = load_machine(name);
        EXPECT_EQ(machine.name, name);
        EXPECT_EQ(machine.dpus, dpus) << name;
        EXPECT_EQ(machine.ranks(), ranks) << name;
        EXPECT_EQ(machine.dpu_mhz, 350) << name;
        EXPECT_EQ(machine.max_tasklets, 24) << name;
        EXPECT_EQ(machine.wram_bytes, 64 * 1024) << name;
        EXPECT_EQ(machine.mram_bytes, 64ll << 20) << name;
        EXPECT_EQ(machine.iram_instructions, 4096) << name;
        EXPECT_GT(machine.host.write_line_ns, 0) << name;
        EXPECT_GT(machine.host.read_line_ns, 0) << name;
        EXPECT_FALSE(machine.host.sdk.empty()) << name;
        EXPECT_FALSE(machine.host.fit_source.empty()) << name;
    }
    EXPECT_EQ(machine_preset_names().size(), 5u);
}

TEST(UpmemMachine, EachServerPresetNamesItsSdkAndSources) {
    // ATiM's server ran SDK 2021.3.0 [atim-method.md §8.1]; the cloud server of host_transfer_2048dpus.csv
    // SDK 2024.2.0 [upmem-transfers.md §5.1]. Their transfer constants are fitted on their own rows.
    const UpmemMachine atim = load_machine("upmem-2048"), cloud = load_machine("upmem-cloud-2048");
    EXPECT_EQ(atim.host.sdk, "2021.3.0");
    EXPECT_EQ(cloud.host.sdk, "2024.2.0");
    EXPECT_NE(atim.host.fit_source.find("atim_server_prim_suite.csv"), std::string::npos);
    EXPECT_NE(cloud.host.fit_source.find("host_transfer_2048dpus.csv"), std::string::npos);
    EXPECT_NE(atim.host.write_line_ns, cloud.host.write_line_ns);
}

TEST(UpmemMachine, JsonOverridesTopLevelAndNestedFields) {
    UpmemMachine machine = machine_from_json_text(
        R"({"base": "upmem-rank", "name": "mine", "dpu_mhz": 267, "max_tasklets": 16,
            "dpu": {"dma_read_alpha": 80.5, "register_bank_stall": false}, "host": {"launch_ms": 0.25, "interleave_channels": true}})");
    EXPECT_EQ(machine.name, "mine");
    EXPECT_EQ(machine.dpus, 64);  // from the base preset
    EXPECT_EQ(machine.dpu_mhz, 267);
    EXPECT_EQ(machine.max_tasklets, 16);
    EXPECT_EQ(machine.dpu.dma_read_alpha, 80.5);
    EXPECT_FALSE(machine.dpu.register_bank_stall);
    EXPECT_TRUE(machine.host.interleave_channels);
    EXPECT_EQ(machine.host.launch_ms, 0.25);
    EXPECT_EQ(machine.dpu.dma_write_alpha, 61);  // untouched
}

TEST(UpmemMachine, BadKeysAndValuesNameTheKey) {
    struct Case {
        std::string json, key;
    };
    for (const auto &[json, key] : std::vector<Case>{
             {R"({"dpuz": 4})", "'dpuz'"},
             {R"({"dpu": {"alpha": 1}})", "'dpu.alpha'"},
             {R"({"host": {"launch": 1}})", "'host.launch'"},
             {R"({"dpus": 0})", "'dpus'"},
             {R"({"dpus": 2.5})", "'dpus'"},
             {R"({"dpus": "many"})", "'dpus'"},
             {R"({"max_tasklets": 25})", "'max_tasklets'"},
             {R"({"max_dma_bytes": 4096})", "'max_dma_bytes'"},
             {R"({"wram_bytes": 1001})", "'wram_bytes'"},
             {R"({"dpu_mhz": -350})", "'dpu_mhz'"},
             {R"({"dpu": {"dma_beta": -1}})", "'dpu.dma_beta'"},
             {R"({"host": {"write_gbps": 0}})", "'host.write_gbps'"},
             {R"({"host": {"pool_threads": 0}})", "'host.pool_threads'"},
             {R"({"dpu": 3})", "'dpu'"},
             {R"({"base": "upmem-3"})", "'base'"},
             {R"({"stack_bytes_per_tasklet": 8192})", "'stack_bytes_per_tasklet'"},
         }) {
        try {
            machine_from_json_text(json);
            ADD_FAILURE() << "no error for " << json;
        } catch (const UserError &e) {
            std::string message = e.what();
            EXPECT_THAT(message, HasSubstr(key)) << json;
            EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        }
    }
}

TEST(UpmemMachine, UnknownNameOrMalformedFileIsAUserError) {
    EXPECT_THROW(load_machine("no-such-machine"), UserError);
    EXPECT_THROW(machine_from_json_text("{not json"), UserError);
    EXPECT_THROW(machine_from_json_text("[1, 2]"), UserError);

    std::string path = testing::TempDir() + "/machine_override.json";
    std::ofstream(path) << R"({"dpus": 128, "name": "two-ranks"})";
    UpmemMachine machine = load_machine(path);
    EXPECT_EQ(machine.dpus, 128);
    EXPECT_EQ(machine.ranks(), 2);
    EXPECT_EQ(machine.name, "two-ranks");
    std::remove(path.c_str());
}

}  // namespace
}  // namespace atim::target
