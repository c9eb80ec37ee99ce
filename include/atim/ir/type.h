// Scalar types and memory scopes of the IR.
#pragma once

#include <cstdint>
#include <string>

namespace atim::ir {

/// Element type of an expression or buffer. Workloads use Int32 and Int64; Bool is for conditions.
enum class DType : uint8_t { Bool, Int32, Int64 };

/// Size in bytes of one element (Bool counts as 1).
int bytes_of(DType t);
/// "bool", "int32", "int64" (also the C type stem used by codegen).
const char *to_string(DType t);
/// Parses "int32" / "int64"; throws UserError naming the accepted types otherwise.
DType parse_dtype(const std::string &name);

/// Where a buffer lives.
/// Global: a user tensor in host memory (before lowering) / its per-DPU slice in MRAM (after);
/// Mram: a per-DPU MRAM buffer made by lowering; WramLocal: one copy per tasklet;
/// WramShared: one copy per DPU shared by its tasklets.
enum class MemScope : uint8_t { Global, Mram, WramLocal, WramShared };
const char *to_string(MemScope s);

/// How a loop runs. Dpu* loops are distributed over the DPU grid, Tasklet over the hardware threads,
/// Unrolled is a serial loop the code generator fully unrolls.
/// HostParallel: a host-epilogue loop whose iterations are shared among host threads (OpenMP `parallel for`
/// in host C); interpreters run it serially, so results do not depend on it.
enum class ForKind : uint8_t { Serial, Unrolled, DpuX, DpuY, DpuZ, Tasklet, HostParallel };
const char *to_string(ForKind k);
inline bool is_dpu_binding(ForKind k) {
    return k == ForKind::DpuX || k == ForKind::DpuY || k == ForKind::DpuZ;
}

}  // namespace atim::ir
