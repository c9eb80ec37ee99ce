// Variable placement: which values a kernel binds for a whole scope (loop variables and bounds, lets, grid
// coordinates, per-tasklet WRAM pointers) live in registers and which in the tasklet's stack frame.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <vector>

#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::codegen::dpu {

/// Registers that may hold variables; r8..r13 stay for expression temporaries, r0..r7 are the runtime's
/// argument/scratch registers (clobbered by every call), r22 is the stack pointer, r23 the return address.
inline constexpr int kFirstVariableRegister = 14;
inline constexpr int kLastVariableRegister = 21;

enum class BindingRole : uint8_t { LoopVariable, LoopEnd, LetVariable, GridCoordinate, WramPointer };

/// Names one binding: the For/LetStmt node (or the grid VarNode, or the WRAM BufferNode) and its role.
struct BindingKey {
    const void *node = nullptr;
    BindingRole role = BindingRole::LoopVariable;
    auto operator<=>(const BindingKey &) const = default;
};

struct VariablePlacement {
    /// Bindings in registers: the register (the even register of the pair for int64 values).
    std::map<BindingKey, int> registers;
    /// How often each binding is used, weighted by 8^(loop depth of the use); 0 = never read.
    std::map<BindingKey, double> weights;
    /// WramLocal buffers of the kernel in first-appearance order: allocated once per tasklet at entry.
    std::vector<ir::Buffer> wram_local_buffers;
    /// WramShared buffers, in first-appearance order: static WRAM objects.
    std::vector<ir::Buffer> wram_shared_buffers;

    /// The register of `key`, or -1 when it lives in the frame.
    int register_of(const BindingKey &key) const;
    bool used(const BindingKey &key) const;
};

/// True for the `tasklet_id()` intrinsic (the `id` register; a let of it needs no register of its own).
bool is_tasklet_id(const ir::Expr &e);

/// Weighs every binding of `kernel` by its uses (deeper loops weigh more) and gives the variable registers
/// to the heaviest bindings whose scopes do not overlap another holder of the same register.
VariablePlacement place_variables(const ir::Stmt &kernel, const lower::GridVars &grid_vars);

}  // namespace atim::codegen::dpu
