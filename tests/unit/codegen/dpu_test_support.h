// Helpers for the DPU code generator's tests: hand-built PimPrograms over 1-D MRAM slices, run on one
// simulated DPU (codegen -> sim::assemble -> sim::Dpu).
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "atim/codegen/dpu_codegen.h"
#include "atim/ir/ir.h"
#include "atim/lower/pim_program.h"
#include "atim/sim/assembler.h"
#include "atim/sim/dpu.h"
#include "atim/target/upmem_machine.h"

namespace atim::codegen::testing {

using ir::Buffer;
using ir::DType;
using ir::Expr;
using ir::ForKind;
using ir::MemScope;
using ir::Stmt;
using ir::Var;

inline Expr tasklet_id() { return ir::Call::make(DType::Int32, "tasklet_id", {}); }

inline Stmt loop(const Var &v, int64_t extent, Stmt body, ForKind kind = ForKind::Serial) {
    return ir::For::make(v, Expr(0), Expr(static_cast<int>(extent)), kind, std::move(body));
}

/// A program with one DPU, `tasklets` tasklets and no slices yet.
inline lower::PimProgram empty_program(const std::string &name, int tasklets) {
    lower::PimProgram program;
    program.name = name;
    program.tasklets = tasklets;
    return program;
}

/// Adds a 1-D slice of `elements` values (a whole host tensor on every DPU) and returns its MRAM buffer.
inline Buffer add_slice(lower::PimProgram &program, const std::string &name, DType dtype, int64_t elements) {
    lower::MramSlice slice;
    slice.host = ir::make_buffer(name, dtype, {elements});
    slice.local = ir::make_buffer(name + "_mram", dtype, {elements}, MemScope::Mram);
    slice.box_min = {Expr(0)};
    slice.bytes_per_dpu = (slice.local->size_bytes() + 7) / 8 * 8;
    int64_t offset = 0;
    for (const auto &s : program.slices) offset += s.bytes_per_dpu;
    slice.mram_offset = offset;
    program.slices.push_back(slice);
    return slice.local;
}

inline std::vector<uint8_t> pack(DType dtype, const std::vector<int64_t> &values, int64_t bytes) {
    std::vector<uint8_t> out(static_cast<size_t>(bytes), 0);
    int width = ir::bytes_of(dtype);
    for (size_t i = 0; i < values.size(); ++i) {
        if (width == 8) {
            int64_t v = values[i];
            std::memcpy(&out[i * 8], &v, 8);
        } else {
            auto v = static_cast<int32_t>(values[i]);
            std::memcpy(&out[i * 4], &v, 4);
        }
    }
    return out;
}

inline std::vector<int64_t> unpack(DType dtype, const std::vector<uint8_t> &bytes, int64_t elements) {
    std::vector<int64_t> out(static_cast<size_t>(elements));
    for (int64_t i = 0; i < elements; ++i) {
        if (dtype == DType::Int64) {
            int64_t v;
            std::memcpy(&v, &bytes[i * 8], 8);
            out[i] = v;
        } else {
            int32_t v;
            std::memcpy(&v, &bytes[i * 4], 4);
            out[i] = v;
        }
    }
    return out;
}

struct DpuResult {
    std::vector<std::vector<int64_t>> slices;  ///< every slice's contents after the run
    sim::DpuStats stats;
    DpuKernel kernel;
};

/// Compiles `program`, loads it on one simulated DPU with `inputs` (one vector per slice; shorter vectors
/// leave zeros) and grid coordinates `coordinates`, runs it and reads every slice back.
inline DpuResult run_on_dpu(const lower::PimProgram &program, const std::vector<std::vector<int64_t>> &inputs,
                            std::array<int32_t, 3> coordinates = {0, 0, 0},
                            const target::UpmemMachine &machine = target::UpmemMachine{}) {
    DpuResult result;
    result.kernel = compile_dpu_kernel(program, machine);
    if (std::getenv("ATIM_DUMP_ASM")) std::cerr << result.kernel.assembly;
    sim::AssembleOptions options;
    options.tasklets = program.tasklets;
    options.stack_bytes_per_tasklet = static_cast<int>(machine.stack_bytes_per_tasklet);
    auto assembled =
        std::make_shared<const sim::Program>(sim::assemble(result.kernel.assembly, "kernel.S", options));
    sim::Dpu dpu(assembled, machine, program.tasklets);
    for (size_t s = 0; s < program.slices.size() && s < inputs.size(); ++s) {
        const lower::MramSlice &slice = program.slices[s];
        dpu.write_symbol(result.kernel.slice_symbols[s], 0,
                         pack(slice.local->dtype, inputs[s], slice.bytes_per_dpu));
    }
    std::vector<uint8_t> args(16, 0);
    std::memcpy(args.data(), coordinates.data(), 12);
    dpu.write_symbol(result.kernel.args_symbol, 0, args);
    result.stats = dpu.run();
    for (size_t s = 0; s < program.slices.size(); ++s) {
        const lower::MramSlice &slice = program.slices[s];
        result.slices.push_back(unpack(slice.local->dtype, dpu.read_symbol(result.kernel.slice_symbols[s]),
                                       slice.local->num_elements()));
    }
    return result;
}

}  // namespace atim::codegen::testing
