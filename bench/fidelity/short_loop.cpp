#include "fidelity/short_loop.h"

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "atim/sim/assembler.h"
#include "atim/sim/system.h"
#include "calibration_csv.h"

namespace atim::bench {

namespace {

constexpr const char *kFile = "prim_va_short_loop.S";
constexpr int kTasklets = 16;
constexpr double kElements = 262144;  // per array, as the .S file sizes them

std::shared_ptr<const sim::Program> assemble_file(const std::string &name) {
    const std::string path = std::string(ATIM_SOURCE_DIR) + "/bench/fidelity/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream text;
    text << in.rdbuf();
    sim::AssembleOptions options;
    options.tasklets = kTasklets;
    return std::make_shared<const sim::Program>(sim::assemble(text.str(), name, options));
}

}  // namespace

void print_prim_va_short_loop(const target::UpmemMachine &machine, double measured_cycles_per_element) {
    sim::Machine system(machine);
    system.allocate(1);
    system.load(assemble_file(kFile), kTasklets);
    system.launch();
    const sim::DpuStats kernel = system.take_measurement().kernel;
    const double cycles = static_cast<double>(kernel.cycles) / kElements;
    fmt::print(
        "PrIM VA written by hand with a 7-instruction element loop ({}, 1 DPU, {} tasklets, 1 KB blocks): "
        "{:.2f} cycles and {:.2f} instructions per element, IPC {:.2f}; measured (VA row above) {:.2f}: "
        "{:+.1f}%\n",
        kFile, kTasklets, cycles, static_cast<double>(kernel.instructions) / kElements, kernel.ipc(),
        measured_cycles_per_element, percent_error(cycles, measured_cycles_per_element));
}

}  // namespace atim::bench
