// machine_fingerprint: stable, canonical, and different whenever a machine parameter differs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "atim/tune/database.h"

namespace atim::tune {
namespace {

TEST(MachineFingerprint, NamesThePresetAndHashesEveryParameter) {
    target::UpmemMachine machine = target::load_machine("upmem-2048");
    std::string fingerprint = machine_fingerprint(machine);
    EXPECT_TRUE(std::regex_match(fingerprint, std::regex("upmem-2048#[0-9a-f]{16}"))) << fingerprint;
    EXPECT_EQ(machine_fingerprint(target::load_machine("upmem-2048")), fingerprint);

    struct Case {
        const char *what;
        void (*change)(target::UpmemMachine &);
    };
    const Case cases[] = {
        {"dpus", [](target::UpmemMachine &m) { m.dpus = 2047; }},
        {"dpu_mhz", [](target::UpmemMachine &m) { m.dpu_mhz = 350.5; }},
        {"wram", [](target::UpmemMachine &m) { m.wram_bytes = 32 * 1024; }},
        {"bank rule",
         [](target::UpmemMachine &m) { m.dpu.register_bank_stall = !m.dpu.register_bank_stall; }},
        {"dma beta", [](target::UpmemMachine &m) { m.dpu.dma_beta = 0.5000001; }},
        {"launch", [](target::UpmemMachine &m) { m.host.launch_ms = 0.2; }},
        {"host bytes", [](target::UpmemMachine &m) { m.host.socket_bytes_per_ns = 11; }},
        {"line cost", [](target::UpmemMachine &m) { m.host.write_line_ns += 1; }},
        {"port share", [](target::UpmemMachine &m) { m.dpu.dma_wram_port_share = 0.11; }},
    };
    for (const Case &c : cases) {
        target::UpmemMachine changed = machine;
        c.change(changed);
        EXPECT_NE(machine_fingerprint(changed), fingerprint) << c.what;
    }
    // Where the fitted values come from does not change the machine.
    target::UpmemMachine documented = machine;
    documented.host.fit_source = "another description";
    EXPECT_EQ(machine_fingerprint(documented), fingerprint);
}

TEST(MachineFingerprint, JsonRoundTripsThroughTheMachineFile) {
    for (const std::string &name : target::machine_preset_names()) {
        target::UpmemMachine machine = target::load_machine(name);
        machine.dpu.dma_beta = 0.1 + 0.2;  // not exactly representable: must round-trip bit for bit
        std::string json = target::machine_to_json(machine);
        target::UpmemMachine again = target::machine_from_json_text(json);
        EXPECT_EQ(target::machine_to_json(again), json) << name;
        EXPECT_EQ(machine_fingerprint(again), machine_fingerprint(machine)) << name;
        EXPECT_EQ(again.dpu.dma_beta, machine.dpu.dma_beta);
        EXPECT_TRUE(nlohmann::json::parse(json).contains("host"));
    }
}

}  // namespace
}  // namespace atim::tune
