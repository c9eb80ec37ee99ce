// End-to-end runs on the cycle-level simulator, verified bit-exactly against the reference interpreter.
#include "atim/runtime/sim_runner.h"
#include "atim/runtime/verification.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_map>

#include "atim/arith/simplify.h"
#include "atim/interp/interpreter.h"
#include "atim/ir/printer.h"
#include "atim/ir/utils.h"
#include "atim/sim/assembler.h"
#include "atim/sim/system.h"
#include "atim/support/error.h"
#include "atim/support/stage_timer.h"
#include "dpu_boxes.h"
#include "sim_sampling.h"

namespace atim::runtime {
namespace {

constexpr size_t kArgsBytes = codegen::kDpuArgsBytes;  // codegen::DpuKernel::args_symbol

using detail::HostTensors;
using detail::UnknownElements;

/// The grid-coordinate arguments of DPU `dpu`.
std::vector<uint8_t> grid_arguments(const lower::PimProgram &program, int dpu) {
    auto coords = detail::coordinates_of(program.grid, dpu);
    std::vector<uint8_t> bytes(kArgsBytes, 0);
    for (int axis = 0; axis < 3; ++axis) {
        auto value = static_cast<int32_t>(coords[axis]);
        std::memcpy(&bytes[4 * axis], &value, 4);
    }
    return bytes;
}

std::shared_ptr<const sim::Program> assemble_kernel(const lower::PimProgram &program,
                                                    const codegen::DpuKernel &kernel,
                                                    const target::UpmemMachine &machine) {
    StageTimer timer(Stage::Assemble);
    sim::AssembleOptions options;
    options.tasklets = program.tasklets;
    options.stack_bytes_per_tasklet = static_cast<int>(machine.stack_bytes_per_tasklet);
    options.iram_instructions = machine.iram_instructions;
    options.wram_bytes = machine.wram_bytes;
    options.mram_bytes = machine.mram_bytes;
    return std::make_shared<const sim::Program>(sim::assemble(kernel.assembly, program.name + ".S", options));
}

/// Runs the host program's operations on `machine`, fills `host` with what the DPUs produced and returns
/// which gathered elements come from DPUs that were not simulated (sampled mode).
sim::Measurement run_host_program(const lower::PimProgram &program, const codegen::DpuKernel &kernel,
                                  const SimRunOptions &options, const detail::Sample *sample,
                                  sim::Machine &machine, HostTensors &host,
                                  const HostWorkEstimate &epilogue_work, UnknownElements &unknown) {
    StageTimer timer(Stage::Simulate);
    const int64_t dpus = program.grid.count();
    auto push = [&](const lower::Transfer &transfer) {
        const lower::MramSlice &slice = program.slices.at(transfer.slice);
        const std::string &symbol = kernel.slice_symbols.at(transfer.slice);
        ATIM_CHECK(transfer.bytes_per_dpu <= slice.bytes_per_dpu, "transfer of {} B into a slice of {} B",
                   transfer.bytes_per_dpu, slice.bytes_per_dpu);
        const std::vector<int64_t> &values = host.values(slice.host.get());
        if (transfer.kind == lower::TransferKind::Broadcast) {
            machine.broadcast(symbol, 0, detail::pack_box(program, slice, 0, values, transfer.bytes_per_dpu));
            return;
        }
        if (transfer.kind == lower::TransferKind::Replicated) {
            // PrIM's replication: one packed host buffer, every DPU's prepared pointer.
            const std::vector<uint8_t> box =
                detail::pack_box(program, slice, 0, values, transfer.bytes_per_dpu);
            machine.push(
                symbol, 0, static_cast<uint32_t>(transfer.bytes_per_dpu), [&](int) { return box; },
                sim::TransferSource::OneBuffer);
            return;
        }
        machine.push(symbol, 0, static_cast<uint32_t>(transfer.bytes_per_dpu), [&](int dpu) {
            return detail::pack_box(program, slice, dpu, values, transfer.bytes_per_dpu);
        });
    };
    auto pushed_before_timing = [&](const lower::Transfer &transfer) {
        return transfer.resident && options.timing == codegen::TimingMode::Atim;
    };

    // Not timed: allocation, loading and (under ATiM's accounting) the resident operands.
    machine.allocate(static_cast<int>(dpus));
    machine.load(assemble_kernel(program, kernel, options.machine), program.tasklets);
    if (sample) machine.sample(sample->stand_in, sample->values_only);
    // host.c pushes the DPU arguments before the timed call under ATiM's accounting, inside it under PrIM's.
    auto push_arguments = [&] {
        machine.push(kernel.args_symbol, 0, kArgsBytes,
                     [&](int dpu) { return grid_arguments(program, dpu); });
    };
    const bool atim_timing = options.timing == codegen::TimingMode::Atim;
    if (atim_timing) push_arguments();
    for (const lower::Transfer &transfer : program.to_dpu)
        if (pushed_before_timing(transfer)) push(transfer);
    machine.take_measurement();

    if (!atim_timing) push_arguments();
    for (const lower::Transfer &transfer : program.to_dpu)
        if (!pushed_before_timing(transfer)) push(transfer);
    machine.launch();
    std::vector<uint8_t> left_out(dpus, 0);
    for (int64_t dpu = 0; dpu < dpus; ++dpu) left_out[dpu] = machine.simulated(static_cast<int>(dpu)) ? 0 : 1;
    for (const lower::Transfer &transfer : program.from_dpu) {
        const lower::MramSlice &slice = program.slices.at(transfer.slice);
        sim::PerDpuBytes gathered = machine.gather(kernel.slice_symbols.at(transfer.slice), 0,
                                                   static_cast<uint32_t>(transfer.bytes_per_dpu));
        std::vector<int64_t> &values = host.owned[slice.host.get()];
        values.resize(static_cast<size_t>(slice.host->num_elements()), 0);
        for (int64_t dpu = 0; dpu < dpus; ++dpu)
            if (!left_out[dpu]) detail::unpack_box(program, slice, dpu, gathered[dpu], values);
    }
    if (sample) unknown = detail::gathered_by(program, left_out);
    if (program.host_epilogue.defined()) {
        HostParallelWork serial = epilogue_work.serial_part();
        machine.host_work({serial.integer_ops, serial.bytes_touched, 1, 0});
        for (const HostParallelWork &p : epilogue_work.parallel)
            machine.host_work({p.integer_ops, p.bytes_touched, p.extent, p.entries});
    }
    return machine.take_measurement();
}

nlohmann::json dpu_stats_json(const sim::DpuStats &stats) {
    return {{"cycles", stats.cycles},
            {"instructions", stats.instructions},
            {"ipc", stats.ipc()},
            {"dma_read_bytes", stats.dma_read_bytes},
            {"dma_write_bytes", stats.dma_write_bytes},
            {"dma_transfers", stats.dma_transfers},
            {"cycle_breakdown",
             {{"issue", stats.issue_cycles},
              {"dma_wait", stats.dma_wait_cycles},
              {"revolver_wait", stats.revolver_wait_cycles},
              {"register_file_stall", stats.rf_stall_cycles},
              {"dma_wram_port", stats.dma_port_stall_cycles}}}};
}

/// The run's host events as the host model priced them: every SDK call host.c makes, the launch, the host
/// work (what `atim run --json` reports under stats.host_events).
nlohmann::json host_events_json(const sim::Measurement &m, const target::UpmemMachine &machine) {
    static constexpr const char *kPhase[] = {"h2d", "kernel", "after"};
    static constexpr const char *kSource[] = {"per_dpu_buffers", "one_buffer", "broadcast", "one_dpu"};
    sim::HostModel model(machine);
    nlohmann::json events = nlohmann::json::array();
    for (const sim::HostEvent &e : m.host_events) {
        nlohmann::json j = {{"phase", kPhase[static_cast<int>(e.phase)]}, {"ms", model.event_ms(e)}};
        switch (e.kind) {
            case sim::HostEvent::Kind::Transfer: {
                const sim::TransferCall &t = e.transfer;
                j["call"] = t.source == sim::TransferSource::Broadcast ? "dpu_broadcast_to"
                            : t.source == sim::TransferSource::OneDpu
                                ? (t.direction == sim::HostDirection::ToDpu ? "dpu_copy_to" : "dpu_copy_from")
                                : "dpu_push_xfer";
                j["direction"] = t.direction == sim::HostDirection::ToDpu ? "to_dpu" : "from_dpu";
                j["memory"] = t.memory == sim::TransferMemory::Mram ? "mram" : "wram";
                j["source"] = kSource[static_cast<int>(t.source)];
                j["dpus"] = t.dpus;
                j["bytes_per_dpu"] = t.bytes_per_dpu;
                j["after_launch"] = t.after_launch;
                break;
            }
            case sim::HostEvent::Kind::Launch:
                j["call"] = "dpu_launch";
                j["dpus"] = e.dpus;
                j["dpu_ms"] = e.dpu_ms;
                break;
            case sim::HostEvent::Kind::Work:
                j["call"] = "host_work";
                j["operations"] = e.work.operations;
                j["bytes"] = e.work.bytes;
                j["threads"] = e.work.threads;
                break;
        }
        events.push_back(j);
    }
    return events;
}

}  // namespace

SimExecution execute_on_sim(const lower::PimProgram &program, const TensorValues &inputs,
                            const SimRunOptions &options) {
    StageTimer timer(Stage::Verify);
    const int64_t dpus = program.grid.count();
    if (dpus > options.machine.dpus)
        user_error(
            "the program uses {} DPUs but machine '{}' has {}; bind fewer DPUs or pick a larger machine",
            dpus, options.machine.name, options.machine.dpus);
    SimExecution execution;
    execution.kernel = codegen::compile_dpu_kernel(program, options.machine);

    HostTensors host;
    for (const lower::TensorInfo &tensor : program.tensors) {
        if (tensor.role == lower::TensorRole::Input) {
            auto found = inputs.find(tensor.buffer->name);
            ATIM_CHECK(found != inputs.end(), "no values for input tensor {}", tensor.buffer->name);
            ATIM_CHECK(static_cast<int64_t>(found->second.size()) == tensor.buffer->num_elements(),
                       "{} values for input tensor {} of {} elements", found->second.size(),
                       tensor.buffer->name, tensor.buffer->num_elements());
            host.inputs[tensor.buffer.get()] = &found->second;
        } else {
            host.owned[tensor.buffer.get()].assign(static_cast<size_t>(tensor.buffer->num_elements()), 0);
        }
    }

    HostWorkEstimate epilogue_work;
    if (program.host_epilogue.defined()) epilogue_work = estimate_host_work(program.host_epilogue);
    execution.epilogue_integer_ops = epilogue_work.integer_ops;
    std::optional<detail::Sample> sample;
    if (options.mode == sim::SimulationMode::Sampled) sample = detail::choose_sample(program, host);
    const bool part = !options.part.whole();
    if (part) {
        sample = detail::choose_part(program, host, options.part);
        if (!sample) {
            execution.empty_part = true;
            return execution;
        }
    }
    UnknownElements unknown;
    {
        sim::MachineOptions machine_options;
        machine_options.mode = options.mode;
        machine_options.threads = options.threads;
        machine_options.part = options.part;
        if (options.max_kernel_cycles) machine_options.dpu.max_cycles = *options.max_kernel_cycles;
        sim::Machine machine(options.machine, machine_options);
        execution.measurement =
            run_host_program(program, execution.kernel, options, sample ? &*sample : nullptr, machine, host,
                             epilogue_work, unknown);
        execution.simulated_dpus = static_cast<int>(dpus);
        if (sample && !part) {
            execution.simulated_dpus = sample->simulated_dpus;
            execution.values_only_dpus = sample->values_only_dpus;
            execution.timing_classes = sample->timing_classes;
        }
    }  // frees the simulated DPUs before the epilogue
    UnknownElements unknown_outputs = detail::run_epilogue(program, host, unknown);
    for (const lower::TensorInfo &tensor : program.tensors) {
        if (tensor.role != lower::TensorRole::Output) continue;
        const ir::BufferNode *buffer = tensor.buffer.get();
        execution.outputs[tensor.buffer->name] = std::move(host.owned.at(buffer));
        if (!sample) continue;
        std::vector<uint8_t> &known = execution.known[tensor.buffer->name];
        known.assign(execution.outputs[tensor.buffer->name].size(), 1);
        if (auto found = unknown_outputs.find(buffer); found != unknown_outputs.end())
            for (size_t i = 0; i < known.size(); ++i) known[i] = found->second[i] ? 0 : 1;
    }
    return execution;
}

namespace {

/// What a run verified, in words: everything, or which part and why not the rest.
std::string verification_note(const RunResult &result, const SimExecution &execution, int64_t dpus) {
    if (result.verified_elements == result.total_elements)
        return fmt::format("all {} output elements, bit-exact against the reference", result.total_elements);
    const int64_t computed = execution.simulated_dpus + execution.values_only_dpus;
    return fmt::format(
        "{} of {} output elements, bit-exact against the reference: those computed only by the {} simulated "
        "DPUs (the outputs of the other {} DPUs are not computed; --sim full verifies every element)",
        result.verified_elements, result.total_elements, computed, dpus - computed);
}

/// What a run simulated cycle by cycle, what it estimated, and what it verified, in words.
struct SimulationNotes {
    std::string simulated, estimated, verified;
};

SimulationNotes simulation_notes(const SimRunOptions &options, const SimExecution &execution,
                                 const RunResult &result, int64_t dpus) {
    const sim::Measurement &m = execution.measurement;
    // A part of a full run (sim::DpuPart) counts its own DPUs; every part says what the whole run did.
    const bool full = options.mode == sim::SimulationMode::Full;
    const int64_t runs = full ? dpus : m.counter("dpu_runs");
    const int64_t simulated = full ? dpus : m.counter("simulated_dpu_runs");
    const int64_t estimated = m.counter("estimated_dpu_runs");
    std::string which;
    switch (options.mode) {
        case sim::SimulationMode::Full:
            which = "every DPU";
            break;
        case sim::SimulationMode::Identical:
            which = "DPUs given identical bytes by the host share one simulation";
            break;
        case sim::SimulationMode::Sampled:
            which = fmt::format(
                "the first and last DPU of each of {} timing classes (DPUs whose slices have the same "
                "extents inside the tensors)",
                execution.timing_classes);
            if (execution.values_only_dpus > 0)
                which += fmt::format(
                    "; {} more DPUs whose results the host combines with DPU 0's were computed for their "
                    "values only (untimed, for verification)",
                    execution.values_only_dpus);
            break;
    }
    SimulationNotes notes;
    notes.simulated = fmt::format(
        "{} of {} DPU kernel runs, cycle by cycle, executing the generated assembly ({} instructions): {}",
        simulated, runs, execution.kernel.kernel_instructions, which);
    if (estimated > 0)
        notes.estimated = fmt::format(
            "the kernel time of the other {} DPU runs, each charged a simulated DPU of its class (same "
            "control "
            "flow; timing that depends on MRAM values, e.g. mul_step ladders, may differ); ",
            estimated);
    notes.estimated += fmt::format(
        "host transfers, launch and host work ({} integer operations of the epilogue) by the host model ({})",
        execution.epilogue_integer_ops,
        options.machine.host.fit_source.empty() ? "machine file" : options.machine.host.fit_source);
    // A part of a split run verifies its own lines' outputs; combine_full_parts checks that the parts
    // verified every element between them, so each part's note speaks for the whole run.
    RunResult whole = result;
    if (!options.part.whole()) whole.verified_elements = whole.total_elements;
    notes.verified = verification_note(whole, execution, dpus);
    return notes;
}

/// Phase times, statistics and notes of a simulated run whose outputs were compared.
void describe(const lower::PimProgram &program, const SimRunOptions &options, uint64_t seed,
              const SimExecution &execution, RunResult &result) {
    const sim::Measurement &m = execution.measurement;
    result.time_ms.h2d = m.h2d_ms;
    result.time_ms.kernel = m.kernel_ms;
    result.time_ms.after = m.after_ms;
    result.time_ms.total = m.total_ms;
    const codegen::DpuKernel &kernel = execution.kernel;
    const int64_t dpus = program.grid.count();
    const SimulationNotes notes = simulation_notes(options, execution, result, dpus);
    result.stats = {
        {"backend", "sim"},
        {"note", fmt::format("simulated: {}; estimated: {}; verified: {}", notes.simulated, notes.estimated,
                             notes.verified)},
        {"notes",
         {{"simulated", notes.simulated}, {"estimated", notes.estimated}, {"verified", notes.verified}}},
        {"timing", codegen::to_string(options.timing)},
        {"simulation",
         {{"mode", sim::to_string(options.mode)},
          {"dpus", dpus},
          {"simulated_dpus", execution.simulated_dpus},
          {"values_only_dpus", execution.values_only_dpus},
          {"timing_classes", execution.timing_classes},
          {"kernel_time", execution.simulated_dpus == dpus ? "simulated" : "estimated"},
          {"verified_elements", result.verified_elements},
          {"total_elements", result.total_elements}}},
        {"dpu", dpu_stats_json(m.kernel)},
        {"slowest_dpu", m.slowest_dpu},
        {"kernel_code",
         {{"instructions", kernel.kernel_instructions},
          {"frame_bytes_per_tasklet", kernel.frame_bytes_per_tasklet},
          {"variables_in_registers", kernel.variables_in_registers},
          {"variables_in_frame", kernel.variables_in_frame}}},
        {"counters", m.counters},
        {"host_events", host_events_json(m, options.machine)},
        {"mismatches", result.mismatch_count},
        {"seed", seed},
        {"wram_bytes_per_dpu", program.wram_bytes_per_dpu},
    };
}

/// A part of a split full run with no DPU of its own (more parts than lines of DPUs).
RunResult empty_part_result() {
    RunResult result;
    result.verified = true;
    result.stats = {{"backend", "sim"}, {"empty_part", true}};
    return result;
}

}  // namespace

RunResult run_sim(const workloads::Workload &workload, const lower::PimProgram &program,
                  const SimRunOptions &options) {
    StageTimer timer(Stage::Verify);
    // The inputs move between the interpreter's memory and the by-name map instead of being copied: the
    // largest workloads have 2^26 elements.
    TensorValues inputs = seeded_input_values(workload, options.seed);
    SimExecution execution = execute_on_sim(program, inputs, options);
    if (execution.empty_part) return empty_part_result();
    interp::Memory memory;
    for (const ir::Buffer &input : workload.func.inputs)
        memory.set_values(input, std::move(inputs.at(input->name)));
    run_reference(workload, memory, execution.known);
    TensorValues expected;
    for (const ir::Buffer &output : workload.func.outputs)
        expected[output->name] = std::move(memory.values(output));
    RunResult result;
    compare_outputs(workload, expected, execution.outputs, execution.known, result);
    describe(program, options, options.seed, execution, result);
    return result;
}

RunResult run_sim(const workloads::Workload &workload, const lower::PimProgram &program,
                  const SimRunOptions &options, const ReferenceData &reference) {
    StageTimer timer(Stage::Verify);
    SimExecution execution = execute_on_sim(program, reference.inputs, options);
    if (execution.empty_part) return empty_part_result();
    RunResult result;
    compare_outputs(workload, reference.expected, execution.outputs, execution.known, result);
    describe(program, options, reference.seed, execution, result);
    return result;
}

}  // namespace atim::runtime
