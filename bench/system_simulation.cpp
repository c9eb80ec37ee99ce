// How sim::Machine spends its time on many DPUs: identical DPUs sharing one simulation versus every DPU
// simulated (thread pool over all cores), and DPUs given different data. Prints simulated kernel cycles
// (which must agree between the shared and the full run) and wall-clock simulation speed (printed, never
// asserted).
#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "atim/sim/assembler.h"
#include "atim/sim/system.h"
#include "atim/target/upmem_machine.h"

namespace {

using atim::sim::Machine;
using atim::sim::MachineOptions;
using atim::sim::Measurement;
using atim::sim::PerDpuBytes;
using atim::sim::SimulationMode;

constexpr int kDpus = 128;
constexpr int kTasklets = 16;
constexpr int kElements = 8192;  // int32 elements in each DPU's WRAM buffer

std::shared_ptr<const atim::sim::Program> int32_add_program() {
    std::string path = std::string(ATIM_SOURCE_DIR) + "/bench/asm/arith_int32_add.S";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream text;
    text << in.rdbuf();
    atim::sim::AssembleOptions options;
    options.tasklets = kTasklets;
    return std::make_shared<const atim::sim::Program>(
        atim::sim::assemble(text.str(), "arith_int32_add.S", options));
}

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T> &values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
}

std::vector<uint8_t> random_buffer(uint32_t seed) {
    std::mt19937 random(seed);
    std::uniform_int_distribution<uint32_t> value(0, 49);  // DESIGN.md §4: inputs in [0, 50)
    std::vector<uint32_t> buffer(kElements);
    for (auto &v : buffer) v = value(random);
    return bytes_of(buffer);
}

struct Scenario {
    const char *name;
    bool simulate_all, distinct_data;
};

void run(const Scenario &scenario) {
    MachineOptions options;
    options.mode = scenario.simulate_all ? SimulationMode::Full : SimulationMode::Identical;
    Machine machine(atim::target::load_machine("upmem-2048"), options);
    machine.allocate(kDpus);
    machine.load(int32_add_program(), kTasklets);
    std::vector<uint32_t> share(24, 0);
    for (int t = 0; t < kTasklets; ++t) share[t] = kElements / kTasklets;
    machine.broadcast("scalar", 0, bytes_of(std::vector<uint32_t>{7}));
    machine.broadcast("stride_bytes", 0, bytes_of(std::vector<uint32_t>{kTasklets * 4}));
    machine.broadcast("elements_of_tasklet", 0, bytes_of(share));
    if (scenario.distinct_data) {
        PerDpuBytes buffers;
        for (int dpu = 0; dpu < kDpus; ++dpu) buffers.push_back(random_buffer(dpu));
        machine.push("buffer", 0, buffers);
    } else {
        machine.broadcast("buffer", 0, random_buffer(1));
    }
    auto start = std::chrono::steady_clock::now();
    machine.launch();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    machine.gather("buffer", 0, kElements * 4);
    Measurement m = machine.take_measurement();
    fmt::print("{:<36} {:>8} {:>10} {:>9} {:>12.3f} {:>10.3f} {:>9.2f} {:>10.1f}\n", scenario.name,
               m.counter("simulated_dpu_runs"), m.kernel.cycles, m.counter("dpu_runs"), m.kernel_ms,
               m.total_ms, seconds, static_cast<double>(m.counter("simulated_instructions")) / seconds / 1e6);
}

}  // namespace

int main() {
    fmt::print(
        "int32 add over {} elements per DPU, {} tasklets, {} DPUs of upmem-2048; {} hardware threads\n",
        kElements, kTasklets, kDpus, std::thread::hardware_concurrency());
    fmt::print("{:<36} {:>8} {:>10} {:>9} {:>12} {:>10} {:>9} {:>10}\n", "scenario", "sim runs", "cycles",
               "DPU runs", "kernel ms", "total ms", "wall s", "M instr/s");
    for (const Scenario &scenario : {Scenario{"identical data, shared simulation", false, false},
                                     Scenario{"identical data, every DPU simulated", true, false},
                                     Scenario{"different data per DPU", false, true}}) {
        run(scenario);
    }
    fmt::print("(cycles agree between the first two rows: sharing changes only the wall time)\n");
    return 0;
}
