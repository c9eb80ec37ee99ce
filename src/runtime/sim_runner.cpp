// End-to-end runs on the cycle-level simulator, verified bit-exactly against the reference interpreter.
#include "atim/runtime/sim_runner.h"
#include "atim/runtime/verification.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "atim/arith/simplify.h"
#include "atim/interp/interpreter.h"
#include "atim/ir/printer.h"
#include "atim/ir/utils.h"
#include "atim/sim/assembler.h"
#include "atim/sim/system.h"
#include "atim/support/error.h"

namespace atim::runtime {
namespace {

constexpr size_t kArgsBytes = 16;  // int32 dpu_x, dpu_y, dpu_z, unused (codegen::DpuKernel::args_symbol)

using HostTensors = std::unordered_map<const ir::BufferNode *, std::vector<int64_t>>;

/// DPU number d's grid coordinates (pim_program.h: x fastest).
std::array<int64_t, 3> coordinates_of(const lower::DpuGrid &grid, int64_t dpu) {
    return {dpu % grid.x, (dpu / grid.x) % grid.y, dpu / (grid.x * grid.y)};
}

/// The first element of the host tensor's box that DPU `dpu` holds, per dimension.
std::vector<int64_t> box_min_of(const lower::PimProgram &program, const lower::MramSlice &slice,
                                int64_t dpu) {
    const auto coords = coordinates_of(program.grid, dpu);
    ir::VarMap values{{program.grid_vars.x.get(), ir::make_const(program.grid_vars.x.dtype(), coords[0])},
                      {program.grid_vars.y.get(), ir::make_const(program.grid_vars.y.dtype(), coords[1])},
                      {program.grid_vars.z.get(), ir::make_const(program.grid_vars.z.dtype(), coords[2])}};
    std::vector<int64_t> box_min;
    for (const ir::Expr &e : slice.box_min) {
        ir::Expr value = arith::simplify(ir::substitute(e, values));
        const int64_t *constant = ir::as_const_int(value);
        ATIM_CHECK(constant, "box_min {} of {} is not affine in the grid coordinates", ir::to_string(e),
                   slice.local->name);
        box_min.push_back(*constant);
    }
    return box_min;
}

/// Calls f(host_flat, local_flat, count) for every run of `count` consecutive elements of the box (along its
/// last dimension) that lies inside the host tensor: one call per box row instead of one per element.
template <typename F>
void for_each_box_run(const lower::MramSlice &slice, const std::vector<int64_t> &box_min, F f) {
    const auto &host_shape = slice.host->shape;
    const auto &box_shape = slice.local->shape;
    const size_t rank = host_shape.size();
    ATIM_CHECK(rank >= 1 && box_shape.size() == rank && box_min.size() == rank,
               "slice {} of rank {} for a tensor of rank {}", slice.local->name, box_shape.size(), rank);
    const size_t last = rank - 1;
    // The part of a box row inside the tensor: [first, end) of the box's last dimension.
    const int64_t first = std::max<int64_t>(0, -box_min[last]);
    const int64_t end = std::min(box_shape[last], host_shape[last] - box_min[last]);
    if (end <= first) return;
    std::vector<int64_t> position(rank, 0);
    const int64_t rows = slice.local->num_elements() / box_shape[last];
    for (int64_t row = 0; row < rows; ++row) {
        int64_t host_flat = 0, local_flat = 0;
        bool inside = true;
        for (size_t d = 0; d < last; ++d) {
            int64_t g = box_min[d] + position[d];
            inside = inside && g >= 0 && g < host_shape[d];
            host_flat = host_flat * host_shape[d] + g;
            local_flat = local_flat * box_shape[d] + position[d];
        }
        if (inside)
            f(host_flat * host_shape[last] + box_min[last] + first, local_flat * box_shape[last] + first,
              end - first);
        for (size_t d = last; d-- > 0;) {
            if (++position[d] < box_shape[d]) break;
            position[d] = 0;
        }
    }
}

/// The bytes of DPU `dpu`'s box of a host tensor: little-endian elements, zero outside the tensor.
std::vector<uint8_t> pack_box(const lower::PimProgram &program, const lower::MramSlice &slice, int64_t dpu,
                              const std::vector<int64_t> &host, int64_t bytes) {
    std::vector<uint8_t> out(static_cast<size_t>(bytes), 0);
    const int width = ir::bytes_of(slice.local->dtype);
    for_each_box_run(slice, box_min_of(program, slice, dpu),
                     [&](int64_t host_flat, int64_t local_flat, int64_t count) {
                         count = std::min(count, bytes / width - local_flat);
                         for (int64_t i = 0; i < count; ++i) {
                             int64_t value = host[host_flat + i];
                             std::memcpy(&out[(local_flat + i) * width], &value,
                                         width);  // little-endian: the low bytes first
                         }
                     });
    return out;
}

/// Copies the elements of DPU `dpu`'s box that lie inside the host tensor from gathered bytes.
void unpack_box(const lower::PimProgram &program, const lower::MramSlice &slice, int64_t dpu,
                const std::vector<uint8_t> &bytes, std::vector<int64_t> &host) {
    const int width = ir::bytes_of(slice.local->dtype);
    for_each_box_run(slice, box_min_of(program, slice, dpu),
                     [&](int64_t host_flat, int64_t local_flat, int64_t count) {
                         count = std::min(count, static_cast<int64_t>(bytes.size()) / width - local_flat);
                         for (int64_t i = 0; i < count; ++i) {
                             const uint8_t *element = &bytes[(local_flat + i) * width];
                             if (width == 8) {
                                 int64_t value;
                                 std::memcpy(&value, element, 8);
                                 host[host_flat + i] = value;
                             } else {
                                 int32_t value;
                                 std::memcpy(&value, element, 4);
                                 host[host_flat + i] = value;
                             }
                         }
                     });
}

sim::PerDpuBytes grid_arguments(const lower::PimProgram &program) {
    sim::PerDpuBytes arguments;
    for (int64_t dpu = 0; dpu < program.grid.count(); ++dpu) {
        auto coords = coordinates_of(program.grid, dpu);
        std::vector<uint8_t> bytes(kArgsBytes, 0);
        for (int axis = 0; axis < 3; ++axis) {
            auto value = static_cast<int32_t>(coords[axis]);
            std::memcpy(&bytes[4 * axis], &value, 4);
        }
        arguments.push_back(std::move(bytes));
    }
    return arguments;
}

std::shared_ptr<const sim::Program> assemble_kernel(const lower::PimProgram &program,
                                                    const codegen::DpuKernel &kernel,
                                                    const target::UpmemMachine &machine) {
    sim::AssembleOptions options;
    options.tasklets = program.tasklets;
    options.stack_bytes_per_tasklet = static_cast<int>(machine.stack_bytes_per_tasklet);
    options.iram_instructions = machine.iram_instructions;
    options.wram_bytes = machine.wram_bytes;
    options.mram_bytes = machine.mram_bytes;
    return std::make_shared<const sim::Program>(sim::assemble(kernel.assembly, program.name + ".S", options));
}

/// Runs the host program's operations on `machine` and fills `host` with what the DPUs produced.
sim::Measurement run_host_program(const lower::PimProgram &program, const codegen::DpuKernel &kernel,
                                  const SimRunOptions &options, sim::Machine &machine, HostTensors &host,
                                  const HostWorkEstimate &epilogue_work) {
    const int64_t dpus = program.grid.count();
    auto push = [&](const lower::Transfer &transfer) {
        const lower::MramSlice &slice = program.slices.at(transfer.slice);
        const std::string &symbol = kernel.slice_symbols.at(transfer.slice);
        ATIM_CHECK(transfer.bytes_per_dpu <= slice.bytes_per_dpu, "transfer of {} B into a slice of {} B",
                   transfer.bytes_per_dpu, slice.bytes_per_dpu);
        const std::vector<int64_t> &values = host.at(slice.host.get());
        if (transfer.kind == lower::TransferKind::Broadcast) {
            machine.broadcast(symbol, 0, pack_box(program, slice, 0, values, transfer.bytes_per_dpu));
            return;
        }
        sim::PerDpuBytes data;
        for (int64_t dpu = 0; dpu < dpus; ++dpu)
            data.push_back(pack_box(program, slice, dpu, values, transfer.bytes_per_dpu));
        machine.push(symbol, 0, data);
    };
    auto pushed_before_timing = [&](const lower::Transfer &transfer) {
        return transfer.resident && options.timing == codegen::TimingMode::Atim;
    };

    // Not timed: allocation, loading and (under ATiM's accounting) the resident operands.
    machine.allocate(static_cast<int>(dpus));
    machine.load(assemble_kernel(program, kernel, options.machine), program.tasklets);
    for (const lower::Transfer &transfer : program.to_dpu)
        if (pushed_before_timing(transfer)) push(transfer);
    machine.take_measurement();

    for (const lower::Transfer &transfer : program.to_dpu)
        if (!pushed_before_timing(transfer)) push(transfer);
    machine.push(kernel.args_symbol, 0, grid_arguments(program));
    machine.launch();
    for (const lower::Transfer &transfer : program.from_dpu) {
        const lower::MramSlice &slice = program.slices.at(transfer.slice);
        sim::PerDpuBytes gathered = machine.gather(kernel.slice_symbols.at(transfer.slice), 0,
                                                   static_cast<uint32_t>(transfer.bytes_per_dpu));
        std::vector<int64_t> &values = host[slice.host.get()];
        values.resize(static_cast<size_t>(slice.host->num_elements()), 0);
        for (int64_t dpu = 0; dpu < dpus; ++dpu) unpack_box(program, slice, dpu, gathered[dpu], values);
    }
    if (program.host_epilogue.defined())
        machine.host_work(epilogue_work.integer_ops, epilogue_work.bytes_touched);
    return machine.take_measurement();
}

/// Runs the host epilogue (final reduction of partial results) with the interpreter.
void run_epilogue(const lower::PimProgram &program, HostTensors &host) {
    if (!program.host_epilogue.defined()) return;
    interp::Memory memory;
    for (const lower::TensorInfo &tensor : program.tensors) {
        auto found = host.find(tensor.buffer.get());
        if (found != host.end()) memory.set_values(tensor.buffer, found->second);
    }
    interp::run(program.host_epilogue, memory);
    for (const lower::TensorInfo &tensor : program.tensors)
        if (memory.contains(tensor.buffer)) host[tensor.buffer.get()] = memory.values(tensor.buffer);
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
              {"register_file_stall", stats.rf_stall_cycles}}}};
}

}  // namespace

SimExecution execute_on_sim(const lower::PimProgram &program, const TensorValues &inputs,
                            const SimRunOptions &options) {
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
            host[tensor.buffer.get()] = found->second;
        } else {
            host[tensor.buffer.get()].assign(static_cast<size_t>(tensor.buffer->num_elements()), 0);
        }
    }

    HostWorkEstimate epilogue_work;
    if (program.host_epilogue.defined()) epilogue_work = estimate_host_work(program.host_epilogue);
    execution.epilogue_integer_ops = epilogue_work.integer_ops;
    sim::MachineOptions machine_options;
    machine_options.simulate_all_dpus = options.simulate_all_dpus;
    machine_options.threads = options.threads;
    sim::Machine machine(options.machine, machine_options);
    execution.measurement =
        run_host_program(program, execution.kernel, options, machine, host, epilogue_work);
    run_epilogue(program, host);
    for (const lower::TensorInfo &tensor : program.tensors)
        if (tensor.role == lower::TensorRole::Output)
            execution.outputs[tensor.buffer->name] = host.at(tensor.buffer.get());
    return execution;
}

RunResult run_sim(const workloads::Workload &workload, const lower::PimProgram &program,
                  const SimRunOptions &options) {
    SeededInputs inputs = seeded_inputs(workload, options.seed);
    SimExecution execution = execute_on_sim(program, inputs.by_name, options);
    RunResult result;
    check_against_reference(workload, inputs, execution.outputs, result);
    const sim::Measurement &m = execution.measurement;
    result.time_ms.h2d = m.h2d_ms;
    result.time_ms.kernel = m.kernel_ms;
    result.time_ms.after = m.after_ms;
    result.time_ms.total = m.total_ms;
    const codegen::DpuKernel &kernel = execution.kernel;
    result.stats = {
        {"backend", "sim"},
        {"note",
         fmt::format(
             "DPU kernels: cycle-level simulation of the generated DPU assembly ({} instructions); {}; "
             "host epilogue charged as {} integer operations",
             kernel.kernel_instructions, m.note, execution.epilogue_integer_ops)},
        {"timing", codegen::to_string(options.timing)},
        {"dpu", dpu_stats_json(m.kernel)},
        {"kernel_code",
         {{"instructions", kernel.kernel_instructions},
          {"frame_bytes_per_tasklet", kernel.frame_bytes_per_tasklet},
          {"variables_in_registers", kernel.variables_in_registers},
          {"variables_in_frame", kernel.variables_in_frame}}},
        {"counters", m.counters},
        {"mismatches", result.mismatch_count},
        {"seed", options.seed},
        {"wram_bytes_per_dpu", program.wram_bytes_per_dpu},
    };
    return result;
}

}  // namespace atim::runtime
