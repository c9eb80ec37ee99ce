// The sampled simulation mode: which DPUs to simulate, and which outputs stay known (see sim_sampling.h).
#include "sim_sampling.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <unordered_set>

#include "atim/interp/interpreter.h"
#include "atim/ir/functor.h"
#include "atim/support/error.h"
#include "dpu_boxes.h"

namespace atim::runtime::detail {
namespace {

/// The buffers a statement loads or stores.
class BufferUse : public ir::Visitor {
public:
    using ir::Visitor::visit;
    std::unordered_set<const ir::BufferNode *> used;

protected:
    void visit(const ir::Load *op) override {
        used.insert(op->buffer.get());
        ir::Visitor::visit(op);
    }
    void visit(const ir::Store *op) override {
        used.insert(op->buffer.get());
        ir::Visitor::visit(op);
    }
};

bool any_set(const UnknownElements &unknown) {
    return std::any_of(unknown.begin(), unknown.end(), [](const auto &entry) {
        return std::find(entry.second.begin(), entry.second.end(), 1) != entry.second.end();
    });
}

/// The timing-class key of DPU `dpu`: for every slice, the part of its box inside the host tensor.
std::string timing_key(const lower::PimProgram &program, int64_t dpu) {
    std::string key;
    for (const lower::MramSlice &slice : program.slices) {
        const std::vector<int64_t> host_shape = slice.host_shape();
        std::vector<int64_t> box_min = box_min_of(program, slice, dpu);
        for (size_t d = 0; d < box_min.size(); ++d) {
            int64_t first = std::max<int64_t>(0, -box_min[d]);
            int64_t end = std::max(first, std::min(slice.local->shape[d], host_shape[d] - box_min[d]));
            key += fmt::format("{}-{},", first, end);
        }
        key += ';';
    }
    return key;
}

bool intersect(const UnknownElements &a, const UnknownElements &b) {
    for (const auto &[buffer, mask] : a) {
        auto other = b.find(buffer);
        if (other == b.end()) continue;
        for (size_t i = 0; i < mask.size(); ++i)
            if (mask[i] && other->second[i]) return true;
    }
    return false;
}

/// The grid axes along which the host combines gathered results (through the epilogue): those on which DPU
/// 0's neighbour reaches one of the same output elements as DPU 0.
std::array<bool, 3> combined_axes(const lower::PimProgram &program, const HostTensors &host) {
    const int64_t dpus = program.grid.count();
    HostTensors probe;
    probe.inputs = host.inputs;
    if (program.host_epilogue.defined()) {
        for (const lower::TensorInfo &tensor : program.tensors)
            if (!probe.inputs.contains(tensor.buffer.get()))
                probe.owned[tensor.buffer.get()].assign(static_cast<size_t>(tensor.buffer->num_elements()),
                                                        0);
    }
    auto influence = [&](int64_t dpu) {
        std::vector<uint8_t> selected(dpus, 0);
        selected[dpu] = 1;
        return run_epilogue(program, probe, gathered_by(program, selected));
    };
    const UnknownElements first = influence(0);
    const std::array<int64_t, 3> extent = {program.grid.x, program.grid.y, program.grid.z};
    const std::array<int64_t, 3> stride = {1, program.grid.x, program.grid.x * program.grid.y};
    std::array<bool, 3> combined = {false, false, false};
    for (int axis = 0; axis < 3; ++axis)
        combined[axis] = extent[axis] > 1 && intersect(first, influence(stride[axis]));
    return combined;
}

/// DPU 0 and every DPU whose gathered results the host combines with DPU 0's: the DPUs reached from DPU 0
/// along the combined axes.
std::vector<uint8_t> combined_with_first_dpu(const lower::PimProgram &program, const HostTensors &host) {
    const int64_t dpus = program.grid.count();
    const std::array<bool, 3> combined = combined_axes(program, host);
    std::vector<uint8_t> line(dpus, 0);
    for (int64_t dpu = 0; dpu < dpus; ++dpu) {
        auto coords = coordinates_of(program.grid, dpu);
        bool on_line = true;
        for (int axis = 0; axis < 3; ++axis) on_line = on_line && (combined[axis] || coords[axis] == 0);
        line[dpu] = on_line ? 1 : 0;
    }
    return line;
}

}  // namespace

const std::vector<int64_t> &HostTensors::values(const ir::BufferNode *buffer) const {
    if (auto it = inputs.find(buffer); it != inputs.end()) return *it->second;
    return owned.at(buffer);
}

Sample choose_sample(const lower::PimProgram &program, const HostTensors &host) {
    const int64_t dpus = program.grid.count();
    Sample sample;
    sample.stand_in.assign(dpus, 0);
    std::unordered_map<std::string, int> first_of, last_of;
    for (int64_t dpu = 0; dpu < dpus; ++dpu) {
        std::string key = timing_key(program, dpu);
        auto [it, inserted] = first_of.try_emplace(key, static_cast<int>(dpu));
        sample.stand_in[dpu] = it->second;
        last_of[key] = static_cast<int>(dpu);
    }
    sample.timing_classes = static_cast<int>(first_of.size());
    for (const auto &[key, last] : last_of) sample.stand_in[last] = last;
    // The line's DPUs are needed for their values, not their timing: their class's first and last DPU are
    // timed already, so the others run untimed (several times faster; 90% of a K-split's simulated DPUs).
    sample.values_only = combined_with_first_dpu(program, host);
    for (int64_t dpu = 0; dpu < dpus; ++dpu) {
        if (sample.stand_in[dpu] == dpu) {
            sample.values_only[dpu] = 0;
            ++sample.simulated_dpus;
        } else if (sample.values_only[dpu]) {
            ++sample.values_only_dpus;
        }
    }
    return sample;
}

std::optional<Sample> choose_part(const lower::PimProgram &program, const HostTensors &host,
                                  sim::DpuPart part) {
    const int64_t dpus = program.grid.count();
    const std::array<bool, 3> combined = combined_axes(program, host);
    // A line is numbered by the DPU's coordinates on the axes the host does not combine along.
    auto line_of = [&](int64_t dpu) {
        const auto coords = coordinates_of(program.grid, dpu);
        const std::array<int64_t, 3> extent = {program.grid.x, program.grid.y, program.grid.z};
        int64_t line = 0;
        for (int axis = 2; axis >= 0; --axis)
            if (!combined[axis]) line = line * extent[axis] + coords[axis];
        return line;
    };
    Sample sample;
    sample.stand_in.assign(dpus, -1);
    int first_owned = -1;
    for (int64_t dpu = 0; dpu < dpus; ++dpu) {
        if (line_of(dpu) % part.count != part.index) continue;
        sample.stand_in[dpu] = static_cast<int>(dpu);
        if (first_owned < 0) first_owned = static_cast<int>(dpu);
        ++sample.simulated_dpus;
    }
    if (first_owned < 0) return std::nullopt;
    for (int &by : sample.stand_in)
        if (by < 0) by = first_owned;
    return sample;
}

UnknownElements gathered_by(const lower::PimProgram &program, const std::vector<uint8_t> &selected) {
    UnknownElements marked;
    for (const lower::Transfer &transfer : program.from_dpu) {
        const lower::MramSlice &slice = program.slices.at(transfer.slice);
        // The host unpacks the gathered boxes in DPU order, so where boxes overlap (a box padded to whole
        // 8-byte transfers reaches into its neighbour's tile) the later DPU's value is the one that stays:
        // an element is marked when its last writer is selected.
        std::vector<uint8_t> &mask = marked[slice.host.get()];
        mask.resize(static_cast<size_t>(slice.host->num_elements()), 0);
        const int64_t elements = transfer.bytes_per_dpu / ir::bytes_of(slice.local->dtype);
        for (int64_t dpu = 0; dpu < program.grid.count(); ++dpu) {
            const uint8_t value = selected[dpu] ? 1 : 0;
            for_each_box_run(slice, box_min_of(program, slice, dpu),
                             [&](int64_t host_flat, int64_t local_flat, int64_t count) {
                                 count = std::min(count, elements - local_flat);
                                 if (count > 0) std::fill_n(mask.begin() + host_flat, count, value);
                             });
        }
    }
    return marked;
}

UnknownElements run_epilogue(const lower::PimProgram &program, HostTensors &host,
                             const UnknownElements &unknown) {
    UnknownElements unknown_outputs;
    for (const lower::TensorInfo &tensor : program.tensors) {
        auto found = unknown.find(tensor.buffer.get());
        if (tensor.role == lower::TensorRole::Output && found != unknown.end())
            unknown_outputs[tensor.buffer.get()] = found->second;
    }
    if (!program.host_epilogue.defined()) return unknown_outputs;

    BufferUse use;
    use.visit(program.host_epilogue);
    const bool any_unknown = any_set(unknown);
    auto run_once = [&](std::optional<uint64_t> fill_seed) {
        interp::Memory memory;
        uint64_t state = fill_seed.value_or(0);
        for (const lower::TensorInfo &tensor : program.tensors) {
            const ir::BufferNode *buffer = tensor.buffer.get();
            if (!use.used.contains(buffer)) continue;
            std::vector<int64_t> values = host.values(buffer);
            if (auto mask = unknown.find(buffer); fill_seed && mask != unknown.end()) {
                for (size_t i = 0; i < values.size(); ++i)
                    if (mask->second[i]) values[i] = static_cast<int64_t>(interp::splitmix64(state));
            }
            memory.set_values(tensor.buffer, std::move(values));
        }
        interp::run(program.host_epilogue, memory);
        return memory;
    };
    constexpr uint64_t kFirstFill = 0x5eed0001, kSecondFill = 0x5eed0002;
    interp::Memory memory = run_once(any_unknown ? std::optional<uint64_t>(kFirstFill) : std::nullopt);
    std::optional<interp::Memory> other;
    if (any_unknown) other = run_once(kSecondFill);
    for (const lower::TensorInfo &tensor : program.tensors) {
        const ir::BufferNode *buffer = tensor.buffer.get();
        if (tensor.role == lower::TensorRole::Input || !memory.contains(tensor.buffer)) continue;
        std::vector<int64_t> &values = memory.values(tensor.buffer);
        if (other && tensor.role == lower::TensorRole::Output) {
            const std::vector<int64_t> &second = other->values(tensor.buffer);
            std::vector<uint8_t> &mask = unknown_outputs[buffer];
            mask.assign(values.size(), 0);
            for (size_t i = 0; i < values.size(); ++i) mask[i] = values[i] != second[i] ? 1 : 0;
        }
        host.owned[buffer] = std::move(values);
    }
    return unknown_outputs;
}

}  // namespace atim::runtime::detail
