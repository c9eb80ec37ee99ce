// codegen::dpu entry: data objects (grid-coordinate arguments, MRAM slices, shared WRAM), `main`, and the
// kernel's helper routine, checked against the machine's IRAM and stack.
#include "atim/codegen/dpu_codegen.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "atim/support/error.h"
#include "atim/support/stage_timer.h"
#include "codegen/dpu/asm_writer.h"
#include "codegen/dpu/kernel_emitter.h"
#include "codegen/dpu/loop_invariant_motion.h"
#include "codegen/dpu/small_loop_unrolling.h"
#include "codegen/dpu/variable_placement.h"

namespace atim::codegen {
namespace {

using dpu::AsmWriter;

/// Same symbol as the C backend's `__host` argument struct, so both backends look alike to a reader.
constexpr const char *kArgsSymbol = "dpu_args";
constexpr int64_t kArgsBytes = 16;  // int32 dpu_x, dpu_y, dpu_z, unused: a multiple of 8 for DMA-free pushes

/// Hands out assembler symbols that are unique and never collide with the runtime's (`__`-prefixed) names.
class SymbolNames {
public:
    SymbolNames() { taken_.insert({kArgsSymbol, "main"}); }
    std::string make(const std::string &prefix, const std::string &name) {
        std::string base = prefix;
        for (char c : name) base += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        std::string candidate = base;
        for (int n = 2; taken_.count(candidate); ++n) candidate = fmt::format("{}_{}", base, n);
        taken_.insert(candidate);
        return candidate;
    }

private:
    std::set<std::string> taken_;
};

// floor(a / b) and floor_mod(a, b) of r0, r1 from the runtime's unsigned division of the magnitudes: the
// truncated quotient and remainder are corrected by one step when the signs differ and the remainder is not
// zero. Saves its return address and operands in the caller's frame (kFrameDivisionScratch); like the
// runtime routines it clobbers only r0..r7.
std::string floor_divmod_routine() {
    return fmt::format(R"(
// {0}: r0 = floor(r0 / r1), r1 = r0 - floor(r0 / r1) * r1 (the IR's floor division and modulo)
{0}:
    sw r22, {1}, r23
    sw r22, {2}, r0
    sw r22, {3}, r1
    jges r0, 0, .Lfloor_divmod_a_positive
    neg r0, r0
.Lfloor_divmod_a_positive:
    jges r1, 0, .Lfloor_divmod_b_positive
    neg r1, r1
.Lfloor_divmod_b_positive:
    call r23, __udivsi3
    lw r2, r22, {2}
    lw r3, r22, {3}
    jges r2, 0, .Lfloor_divmod_remainder_signed
    neg r1, r1
.Lfloor_divmod_remainder_signed:
    xor r4, r2, r3
    jges r4, 0, .Lfloor_divmod_done
    neg r0, r0
    jz r1, .Lfloor_divmod_done
    sub r0, r0, 1
    add r1, r1, r3
.Lfloor_divmod_done:
    lw r23, r22, {1}
    jump r23
)",
                       dpu::kFloorDivmodRoutine, dpu::kFrameDivisionScratch, dpu::kFrameDivisionScratch + 4,
                       dpu::kFrameDivisionScratch + 8);
}

void declare_object(AsmWriter &out, const std::string &symbol, int64_t bytes, bool global) {
    out.line("    .p2align 3");
    if (global) out.line(fmt::format("    .globl {}", symbol));
    out.label(symbol);
    out.line(fmt::format("    .zero {}", bytes));
    out.line(fmt::format("    .size {}, {}", symbol, bytes));
}

/// Declares the data objects and returns their names.
dpu::KernelSymbols declare_data(const lower::PimProgram &program, const dpu::VariablePlacement &placement,
                                AsmWriter &out, DpuKernel &kernel) {
    SymbolNames names;
    dpu::KernelSymbols symbols;
    symbols.args = kArgsSymbol;
    out.comment("this DPU's grid coordinates (int32 dpu_x, dpu_y, dpu_z, unused), written by the host");
    out.line("    .section .dpu_host");
    declare_object(out, symbols.args, kArgsBytes, true);

    kernel.slice_symbols.resize(program.slices.size());
    auto declare_slices = [&](bool in_wram) {
        for (size_t i = 0; i < program.slices.size(); ++i) {
            const lower::MramSlice &slice = program.slices[i];
            if (slice.in_wram != in_wram) continue;
            auto existing = symbols.static_objects.find(slice.local.get());
            if (existing != symbols.static_objects.end()) {
                kernel.slice_symbols[i] = existing->second;
                continue;
            }
            ATIM_CHECK(slice.bytes_per_dpu % 8 == 0 && slice.bytes_per_dpu >= slice.local->size_bytes(),
                       "slice {} has {} bytes per DPU for {} bytes of data", slice.local->name,
                       slice.bytes_per_dpu, slice.local->size_bytes());
            std::string symbol = names.make(in_wram ? "wram_" : "mram_", slice.local->name);
            declare_object(out, symbol, slice.bytes_per_dpu, true);
            symbols.static_objects[slice.local.get()] = symbol;
            kernel.slice_symbols[i] = symbol;
        }
    };
    out.comment("MRAM: this DPU's box of each host tensor (row-major, zero padded, 8-byte aligned)");
    out.line("    .section .mram.noinit");
    declare_slices(false);
    if (std::any_of(program.slices.begin(), program.slices.end(),
                    [](const lower::MramSlice &slice) { return slice.in_wram; })) {
        // Stored to by the kernel like shared WRAM; the host reads them through the control interface.
        out.comment("WRAM the host reads: this DPU's box of each host-WRAM tensor (PrIM's __host results)");
        out.line("    .section .dpu_host");
        declare_slices(true);
    }

    if (!placement.wram_shared_buffers.empty()) {
        out.comment("WRAM shared by the tasklets of the DPU");
        out.line("    .section .bss");
        for (const ir::Buffer &buffer : placement.wram_shared_buffers) {
            std::string symbol = names.make("wram_", buffer->name);
            declare_object(out, symbol, (buffer->size_bytes() + 7) / 8 * 8, false);
            symbols.static_objects[buffer.get()] = symbol;
        }
    }
    return symbols;
}

}  // namespace

DpuKernel compile_dpu_kernel(const lower::PimProgram &program, const target::UpmemMachine &machine) {
    StageTimer timer(Stage::Codegen);
    ATIM_CHECK(program.kernel.defined(), "program {} has no kernel", program.name);
    DpuKernel kernel;
    ir::Stmt body = dpu::hoist_loop_invariants(dpu::unroll_small_loops(program.kernel));
    dpu::VariablePlacement placement = dpu::place_variables(body, program.grid_vars);

    AsmWriter out;
    out.comment(fmt::format(
        "DPU kernel of '{}', generated by atim: {} DPUs ({} x {} x {}), {} tasklets per DPU", program.name,
        program.grid.count(), program.grid.x, program.grid.y, program.grid.z, program.tasklets));
    dpu::KernelSymbols symbols = declare_data(program, placement, out, kernel);
    dpu::KernelEmitter emitter(program, machine, placement, symbols, out);
    emitter.emit_main(body);
    if (emitter.uses_floor_divmod()) {
        int64_t before = out.instruction_count();
        std::string routine = floor_divmod_routine();
        out.line(routine);
        // The routine is raw text: count its instructions for the IRAM check (lines that are not labels,
        // comments or blank).
        int64_t routine_instructions = 0;
        for (size_t start = 0; start < routine.size();) {
            size_t end = routine.find('\n', start);
            if (end == std::string::npos) end = routine.size();
            std::string_view line(routine.data() + start, end - start);
            if (line.starts_with("    ") && !line.starts_with("    //")) ++routine_instructions;
            start = end + 1;
        }
        kernel.kernel_instructions = before + routine_instructions;
    } else {
        kernel.kernel_instructions = out.instruction_count();
    }

    if (kernel.kernel_instructions > machine.iram_instructions)
        user_error(
            "the DPU kernel of '{}' needs {} instructions but IRAM holds {}; unroll less or use smaller "
            "unrolled tiles",
            program.name, kernel.kernel_instructions, machine.iram_instructions);
    kernel.frame_bytes_per_tasklet = emitter.frame_bytes();
    if (kernel.frame_bytes_per_tasklet > machine.stack_bytes_per_tasklet)
        user_error(
            "the DPU kernel of '{}' needs {} B of stack per tasklet but the machine reserves {}; use fewer "
            "nested loops or raise stack_bytes_per_tasklet in the machine file",
            program.name, kernel.frame_bytes_per_tasklet, machine.stack_bytes_per_tasklet);
    kernel.assembly = out.text();
    kernel.args_symbol = symbols.args;
    kernel.variables_in_registers = emitter.bindings_in_registers();
    kernel.variables_in_frame = emitter.bindings_in_frame();
    return kernel;
}

std::string emit_dpu_asm(const lower::PimProgram &program, const target::UpmemMachine &machine) {
    return compile_dpu_kernel(program, machine).assembly;
}

}  // namespace atim::codegen
