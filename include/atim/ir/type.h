// Scalar types and memory scopes of the IR.
#pragma once

#include <cstdint>
#include <string>

namespace atim::ir {

/// Element type of an expression or buffer; Bool is for conditions. New types are appended (never
/// reordered) so printed and hashed programs of the older types stay the same.
/// Integer arithmetic wraps to the type's width after every operation (two's complement), as a register
/// of that width would; int8/uint8/int16 are loaded with sign (int8, int16) or zero (uint8) extension.
enum class DType : uint8_t { Bool, Int32, Int64, Int8, UInt8, Int16 };

/// Size in bytes of one element (Bool counts as 1).
int bytes_of(DType t);
/// "bool", "int8", "uint8", "int16", "int32", "int64" (also the C type stem used by codegen).
const char *to_string(DType t);
/// Parses an integer dtype name; throws UserError naming the accepted types otherwise.
DType parse_dtype(const std::string &name);
/// The integer dtypes a user can choose, in the order `atim workloads` lists them.
const char *dtype_names();
/// True for every integer type (not Bool).
bool is_integer(DType t);
/// False for uint8 (and Bool): the type whose narrow loads are zero-extended.
bool is_signed(DType t);
/// Smallest and largest value of an integer type (Bool: 0 and 1).
int64_t min_value(DType t);
int64_t max_value(DType t);
/// value reduced to t's width: two's-complement wrap-around (Bool: value != 0).
int64_t wrap_value(DType t, int64_t value);
/// Writes value as one little-endian element of t (bytes_of(t) bytes: its low bytes), as host and DPU
/// memory hold it.
void store_element(DType t, int64_t value, void *bytes);
/// Reads one little-endian element of t, sign- or zero-extended as t says.
int64_t load_element(DType t, const void *bytes);

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
