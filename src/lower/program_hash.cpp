// The lowered program's hash: every part of a PimProgram that reaches a code generator or the simulator,
// printed and hashed, so two traces that build the same program (a cache level of extent 1 moved, an unroll
// step above a loop's trip count) hash alike.
#include "atim/lower/program_hash.h"

#include <fmt/format.h>

#include <string>

#include "atim/ir/printer.h"

namespace atim::lower {
namespace {

void append_transfers(const std::vector<Transfer> &transfers, std::string &out) {
    for (const Transfer &t : transfers)
        out += fmt::format("t{} {} {} {} {};", static_cast<int>(t.direction), static_cast<int>(t.kind),
                           t.slice, t.bytes_per_dpu, t.resident);
}

}  // namespace

std::string host_program_text(const PimProgram &p) {
    std::string text = fmt::format("{} {}x{}x{} {} {} {}\n", p.name, p.grid.x, p.grid.y, p.grid.z, p.tasklets,
                                   p.opt_level, p.wram_bytes_per_dpu);
    for (const TensorInfo &t : p.tensors)
        text += fmt::format("tensor {} {} [{}] {} {} {}\n", t.buffer->name, ir::to_string(t.buffer->dtype),
                            fmt::join(t.buffer->shape, ","), static_cast<int>(t.role), t.resident,
                            t.in_host_wram);
    for (const MramSlice &s : p.slices) {
        text += fmt::format("slice {} {} {} [{}] {} {} {} {} {} (", s.host->name, s.local->name,
                            ir::to_string(s.local->dtype), fmt::join(s.local->shape, ","), s.bytes_per_dpu,
                            s.mram_offset, s.fused_dims, s.row_padding, s.in_wram);
        for (const ir::Expr &e : s.box_min) text += ir::to_string(e) + ",";
        text += ")\n";
    }
    append_transfers(p.to_dpu, text);
    append_transfers(p.from_dpu, text);
    if (p.host_epilogue.defined()) text += "\nepilogue\n" + ir::to_string(p.host_epilogue);
    return text;
}

uint64_t program_hash(const PimProgram &p) {
    const std::string text = host_program_text(p) + "\nkernel\n" + ir::to_string(p.kernel);
    uint64_t hash = 1469598103934665603ull;
    for (unsigned char ch : text) {
        hash ^= ch;
        hash *= 1099511628211ull;
    }
    return hash;
}

}  // namespace atim::lower
