// The host calls of a baseline are part of it: `prim` issues PrIM's transfers (the same pointer prepared for
// every DPU + one dpu_push_xfer for a shared vector, per-tasklet partials gathered from a __host WRAM array
// and merged on the host), ATiM-style schedules keep dpu_broadcast_to, and the simulator charges exactly the
// calls and bytes that the generated host.c issues, each from the memory host.c reads (MRAM or WRAM).
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/codegen/c_codegen.h"
#include "atim/lower/lower.h"
#include "atim/runtime/emu_runner.h"
#include "atim/runtime/sim_runner.h"
#include "atim/runtime/verification.h"
#include "atim/target/upmem_machine.h"
#include "atim/workloads/workload.h"

namespace atim::runtime {
namespace {

struct Case {
    std::string workload, shape, schedule;
    std::map<std::string, std::string> params;
    std::string dtype = "";  ///< empty: the workload's default

    std::string name() const {
        std::string text = schedule + " " + workload + " " + shape + (dtype.empty() ? "" : " " + dtype);
        for (const auto &[k, v] : params) text += " " + k + "=" + v;
        return text;
    }
};

struct Built {
    workloads::Workload workload;
    lower::PimProgram program;
};

Built build(const Case &c, const target::UpmemMachine &machine) {
    workloads::Workload w =
        workloads::make_workload(c.workload, workloads::parse_shape(c.workload, c.shape), c.dtype);
    schedule::Schedule sch = baselines::apply_named_schedule(c.schedule, w, c.params, machine);
    lower::PimProgram program = lower::lower(sch, machine);
    return {std::move(w), std::move(program)};
}

/// What a host program asks of the SDK, read from host.c.
struct HostCalls {
    int64_t transfers = 0;          ///< dpu_push_xfer + dpu_broadcast_to calls
    int64_t broadcasts = 0;         ///< dpu_broadcast_to calls
    int64_t one_buffer_pushes = 0;  ///< TO_DPU pushes whose every prepared pointer is one buffer
    int64_t to_dpu_bytes = 0, from_dpu_bytes = 0;  ///< summed over the DPUs
    int64_t wram_transfers = 0;                    ///< calls whose symbol is a `__host` WRAM variable
    int64_t wram_from_dpu_transfers = 0;           ///< of those, FROM_DPU
    int64_t wram_bytes = 0;                        ///< bytes of the WRAM calls, summed over the DPUs
};

/// The `__host` variables of a generated dpu.c: host.c reaches them through the control interface (WRAM),
/// every other symbol through the MRAM window.
std::set<std::string> host_wram_symbols(const std::string &dpu_c) {
    std::set<std::string> symbols;
    const std::regex declaration(R"(^__host \w+ (\w+)(\[\d+\])?;)");
    std::istringstream lines(dpu_c);
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_search(line, m, declaration)) symbols.insert(m[1]);
    }
    return symbols;
}

/// Counts the SDK transfer calls of a generated host.c. Every call is issued once (host.c has no loop around
/// a transfer other than DPU_FOREACH over the prepares) and sits on a line of its own, so the lines are the
/// call sequence.
HostCalls host_calls(const codegen::CSources &sources, int64_t dpus) {
    HostCalls calls;
    const std::string &host_c = sources.host_c;
    const std::set<std::string> wram_symbols = host_wram_symbols(sources.dpu_c);
    EXPECT_TRUE(wram_symbols.contains("dpu_args")) << "the grid-coordinate struct is a __host variable";
    const std::regex push(
        R"re(dpu_push_xfer\(set, DPU_XFER_(TO|FROM)_DPU, "(\w+)", 0, (\d+|sizeof\(\w+\)), DPU_XFER_DEFAULT\))re");
    const std::regex prepare(R"(dpu_prepare_xfer\(dpu, ([^;]*)\)\);)");
    const std::regex broadcast(R"re(dpu_broadcast_to\(set, "(\w+)", 0, \w+, (\d+), DPU_XFER_DEFAULT\))re");
    EXPECT_EQ(host_c.find("dpu_copy_"), std::string::npos) << "host.c copies to or from single DPUs";
    // The DPU argument struct: dpu_x, dpu_y, dpu_z, unused (int32 each).
    constexpr int64_t kArgsBytes = 16;
    std::string last_prepared;
    std::istringstream lines(host_c);
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_search(line, m, prepare)) {
            last_prepared = m[1];
        } else if (std::regex_search(line, m, broadcast)) {
            ++calls.transfers;
            ++calls.broadcasts;
            calls.to_dpu_bytes += std::stoll(m[2]) * dpus;
            if (wram_symbols.contains(m[1])) {
                ++calls.wram_transfers;
                calls.wram_bytes += std::stoll(m[2]) * dpus;
            }
        } else if (std::regex_search(line, m, push)) {
            ++calls.transfers;
            const int64_t bytes = m[3].str().starts_with("sizeof") ? kArgsBytes : std::stoll(m[3]);
            if (wram_symbols.contains(m[2])) {
                ++calls.wram_transfers;
                calls.wram_from_dpu_transfers += m[1] == "FROM" ? 1 : 0;
                calls.wram_bytes += bytes * dpus;
            }
            if (m[1] == "TO") {
                calls.to_dpu_bytes += bytes * dpus;
                // A per-DPU pointer is indexed by the DPU (`&args[dpu_index]`, `stage + dpu_index * n`,
                // `box`).
                if (last_prepared.find("dpu_index") == std::string::npos && last_prepared != "box")
                    ++calls.one_buffer_pushes;
            } else {
                calls.from_dpu_bytes += bytes * dpus;
            }
        }
    }
    return calls;
}

/// The same counts from the transfer calls the simulator's host made (its host events).
HostCalls simulated_calls(const std::vector<sim::HostEvent> &events) {
    HostCalls calls;
    for (const sim::HostEvent &e : events) {
        if (e.kind != sim::HostEvent::Kind::Transfer) continue;
        const sim::TransferCall &t = e.transfer;
        const int64_t bytes = t.bytes_per_dpu * t.dpus;
        ++calls.transfers;
        calls.broadcasts += t.source == sim::TransferSource::Broadcast ? 1 : 0;
        calls.one_buffer_pushes += t.source == sim::TransferSource::OneBuffer ? 1 : 0;
        (t.direction == sim::HostDirection::ToDpu ? calls.to_dpu_bytes : calls.from_dpu_bytes) += bytes;
        if (t.memory == sim::TransferMemory::Wram) {
            ++calls.wram_transfers;
            calls.wram_from_dpu_transfers += t.direction == sim::HostDirection::FromDpu ? 1 : 0;
            calls.wram_bytes += bytes;
        }
    }
    return calls;
}

int64_t count_kind(const std::vector<lower::Transfer> &transfers, lower::TransferKind kind) {
    int64_t n = 0;
    for (const lower::Transfer &t : transfers) n += t.kind == kind ? 1 : 0;
    return n;
}

TEST(PrimHostCalls, SimulatorChargesTheCallsAndBytesOfHostC) {
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    const std::vector<Case> cases = {
        {"mtv", "100x37", "prim", {{"dpus", "4"}}},      {"gemv", "67x45", "prim", {{"dpus", "3"}}},
        {"ttv", "7x9x37", "prim", {{"dpus", "2"}}},      {"red", "1001", "prim", {{"dpus", "3"}}},
        {"mmtv", "4x64x128", "prim", {{"dpus", "2"}}},   {"va", "1000", "prim", {{"dpus", "4"}}},
        {"mtv", "100x37", "rc-tile", {{"dpus_x", "4"}}}, {"mtv", "100x37", "rc-tile", {{"dpus_y", "2"}}},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.name());
        Built built = build(c, machine);
        const int64_t dpus = built.program.grid.count();
        codegen::CEmitOptions emit;
        emit.timing = codegen::TimingMode::Prim;  // every transfer inside the measured window
        HostCalls calls = host_calls(codegen::emit_c(built.program, emit), dpus);
        SimRunOptions options;
        options.machine = machine;
        options.timing = codegen::TimingMode::Prim;
        options.threads = 1;
        RunResult result = run_sim(built.workload, built.program, options);
        EXPECT_TRUE(result.verified);
        const nlohmann::json &counters = result.stats.at("counters");
        auto counter = [&](const char *name) { return counters.value(name, int64_t{0}); };
        EXPECT_EQ(counter("host_transfers"), calls.transfers);
        EXPECT_EQ(counter("broadcasts"), calls.broadcasts);
        EXPECT_EQ(counter("one_buffer_pushes"), calls.one_buffer_pushes);
        EXPECT_EQ(counter("host_to_dpu_bytes"), calls.to_dpu_bytes);
        EXPECT_EQ(counter("dpu_to_host_bytes"), calls.from_dpu_bytes);
        // The calls one by one, with the memory each reads or writes.
        runtime::SeededInputs inputs = runtime::seeded_inputs(built.workload, 1);
        HostCalls simulated =
            simulated_calls(execute_on_sim(built.program, inputs.by_name, options).measurement.host_events);
        EXPECT_EQ(simulated.transfers, calls.transfers);
        EXPECT_EQ(simulated.broadcasts, calls.broadcasts);
        EXPECT_EQ(simulated.one_buffer_pushes, calls.one_buffer_pushes);
        EXPECT_EQ(simulated.to_dpu_bytes, calls.to_dpu_bytes);
        EXPECT_EQ(simulated.from_dpu_bytes, calls.from_dpu_bytes);
        EXPECT_EQ(simulated.wram_transfers, calls.wram_transfers);
        EXPECT_EQ(simulated.wram_from_dpu_transfers, calls.wram_from_dpu_transfers);
        EXPECT_EQ(simulated.wram_bytes, calls.wram_bytes);
        // PrIM's RED reads DPU_RESULTS from WRAM; every other result comes from MRAM.
        const bool wram_results = c.schedule == "prim" && c.workload == "red";
        EXPECT_EQ(calls.wram_from_dpu_transfers, wram_results ? 1 : 0);
        // The argument struct, and RED's partials.
        EXPECT_EQ(calls.wram_transfers, wram_results ? 2 : 1);
        // The transfer list both consume: host.c issues one call per transfer, plus the argument push.
        EXPECT_EQ(calls.transfers,
                  static_cast<int64_t>(built.program.to_dpu.size() + built.program.from_dpu.size()) + 1);
        EXPECT_EQ(calls.broadcasts, count_kind(built.program.to_dpu, lower::TransferKind::Broadcast));
        EXPECT_EQ(calls.one_buffer_pushes, count_kind(built.program.to_dpu, lower::TransferKind::Replicated));
        if (c.schedule == "prim") {
            EXPECT_EQ(calls.broadcasts, 0) << "PrIM never calls dpu_broadcast_to";
        } else {
            EXPECT_EQ(calls.one_buffer_pushes, 0) << "ATiM's runtime broadcasts what every DPU needs";
        }
    }
}

// What PrIM replicates: the vector of mtv/gemv/ttv (and gemv's scalars) by PrIM's replication; mmtv's
// per-batch vectors by a parallel push (each DPU its batch's); rc-tile broadcasts the mtv vector.
TEST(PrimHostCalls, SharedInputsGoOutThePrimWay) {
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    struct Row {
        Case c;
        std::map<std::string, lower::TransferKind> want;  ///< host tensor -> kind of its push
    };
    using K = lower::TransferKind;
    const std::vector<Row> rows = {
        {{"mtv", "100x37", "prim", {{"dpus", "4"}}}, {{"A", K::Parallel}, {"B", K::Replicated}}},
        {{"gemv", "67x45", "prim", {{"dpus", "3"}}},
         {{"A", K::Parallel}, {"B", K::Replicated}, {"ALPHA", K::Replicated}}},
        {{"ttv", "7x9x37", "prim", {{"dpus", "2"}}}, {{"A", K::Parallel}, {"B", K::Replicated}}},
        {{"mmtv", "4x64x128", "prim", {{"dpus", "2"}}}, {{"A", K::Parallel}, {"B", K::Parallel}}},
        {{"mtv", "100x37", "rc-tile", {{"dpus_x", "4"}}}, {{"A", K::Parallel}, {"B", K::Broadcast}}},
    };
    for (const Row &row : rows) {
        SCOPED_TRACE(row.c.name());
        Built built = build(row.c, machine);
        std::map<std::string, lower::TransferKind> got;
        for (const lower::Transfer &t : built.program.to_dpu)
            got[built.program.slices.at(t.slice).host->name] = t.kind;
        for (const auto &[tensor, kind] : row.want) {
            ASSERT_TRUE(got.contains(tensor)) << tensor;
            EXPECT_EQ(lower::to_string(got.at(tensor)), std::string(lower::to_string(kind))) << tensor;
        }
    }
}

// PrIM's RED: every tasklet's partial sum of every DPU reaches the host, which adds the D*T values. Each DPU
// keeps its partials in a __host WRAM array of dpu_results_t {uint64_t cycles; T t_count;}: 16 bytes per
// tasklet, for int64 and int32 alike (prim-baselines.md §1.6).
TEST(PrimHostCalls, RedGathersEveryTaskletPartialFromWram) {
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    for (const char *dtype : {"int64", "int32"}) {
        SCOPED_TRACE(dtype);
        workloads::Workload w = workloads::make_workload("red", workloads::parse_shape("red", "1001"), dtype);
        schedule::Schedule sch =
            baselines::apply_named_schedule("prim", w, {{"dpus", "3"}, {"tasklets", "5"}}, machine);
        lower::PimProgram program = lower::lower(sch, machine);
        ASSERT_EQ(program.from_dpu.size(), 1u);
        const lower::Transfer &gather = program.from_dpu.front();
        const lower::MramSlice &slice = program.slices.at(gather.slice);
        EXPECT_EQ(slice.host->num_elements(), 3 * 5) << "one partial per tasklet of every DPU";
        EXPECT_TRUE(slice.in_wram);
        EXPECT_EQ(slice.local->scope, ir::MemScope::WramShared);
        EXPECT_EQ(gather.bytes_per_dpu, 5 * 16) << "the DPU's T records of 16 bytes";
        for (const lower::MramSlice &other : program.slices)
            if (&other != &slice) {
                EXPECT_FALSE(other.in_wram) << other.local->name;
            }
        // The partials take WRAM, not MRAM: the kernel stores them without DMA.
        const std::string dpu_c = codegen::emit_c(program, {}).dpu_c;
        EXPECT_NE(dpu_c.find(fmt::format("__host {}_t {}[", dtype, slice.local->name)), std::string::npos)
            << dpu_c;
        EXPECT_EQ(dpu_c.find(fmt::format("mram_write({}", slice.local->name)), std::string::npos) << dpu_c;
    }
}

// ATiM's schedules and the tuner keep their partials in MRAM.
TEST(PrimHostCalls, OnlyPrimRedKeepsPartialsInWram) {
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    for (const Case &c : std::vector<Case>{{"red", "1001", "rc-tile", {{"dpus_x", "3"}}},
                                           {"mtv", "100x37", "rc-tile", {{"dpus_x", "4"}}}}) {
        SCOPED_TRACE(c.name());
        Built built = build(c, machine);
        ASSERT_FALSE(built.program.from_dpu.empty());
        for (const lower::MramSlice &slice : built.program.slices)
            EXPECT_FALSE(slice.in_wram) << slice.local->name;
    }
}

// PrIM's data flow gives the reference's bits on the cycle-level simulator (every DPU) and on the SDK
// emulation, on shapes that divide neither over DPUs nor over tasklets.
TEST(PrimHostCalls, BitExactOnSimulatorAndEmulator) {
    const target::UpmemMachine machine = target::load_machine("upmem-2048");
    const std::vector<Case> cases = {
        {"red", "1001", "prim", {{"dpus", "3"}, {"tasklets", "5"}}},
        {"red", "77", "prim", {{"dpus", "2"}, {"tasklets", "3"}, {"block", "8"}}},
        {"red", "1001", "prim", {{"dpus", "3"}, {"tasklets", "7"}}, "int32"},
        {"red", "4099", "prim", {{"dpus", "5"}, {"tasklets", "24"}, {"block", "16"}}, "int32"},
        {"red", "4099", "prim", {{"dpus", "5"}, {"tasklets", "24"}, {"block", "16"}}},
        {"mtv", "100x37", "prim", {{"dpus", "3"}}},
        {"gemv", "67x45", "prim", {{"dpus", "5"}, {"tasklets", "3"}}},
        {"mmtv", "5x11x29", "prim", {{"dpus", "2"}}},
        {"mmtv", "3x21x17", "prim", {{"dpus", "3"}, {"tasklets", "2"}}},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.name());
        Built built = build(c, machine);
        SimRunOptions sim;
        sim.machine = machine;
        sim.mode = sim::SimulationMode::Full;
        sim.threads = 1;
        RunResult on_sim = run_sim(built.workload, built.program, sim);
        EXPECT_TRUE(on_sim.verified) << on_sim.mismatch_count << " wrong elements on the simulator";
        EXPECT_EQ(on_sim.verified_elements, on_sim.total_elements);
        RunResult on_emu = run_emu(built.workload, built.program, {});
        EXPECT_TRUE(on_emu.verified) << on_emu.mismatch_count << " wrong elements on the emulator";
    }
}

}  // namespace
}  // namespace atim::runtime
