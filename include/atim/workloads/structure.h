// The structural classes of operators that schedules and sketch rules are written for, read off a PrimFunc
// (its spatial axes, reduction axes and how each input is indexed), never off a workload's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "atim/te/tensor.h"

namespace atim::workloads {

/// How an operator's loops and reads are laid out, which decides a schedule's shape. i, j: spatial axes
/// (the output's indices in order), k: the one reduction axis; f: any element-wise expression.
enum class Structure : uint8_t {
    Elementwise,      ///< C[i] = f(A[i], B[i], ..., scalars)                     (va, geva)
    FullReduce,       ///< B[0] += f(A[k], ...)                                    (red)
    RowReduce,        ///< C[i] += f(A[i,k], B[k], ..., scalars)                   (mtv, gemv)
    TensorRowReduce,  ///< C[i,j] += f(A[i,j,k], B[k], ...)                        (ttv)
    Batched,          ///< C[i,j] += f(A[i,j,k], B[i,k], ...): a batch i of MTVs   (mmtv)
};

const char *to_string(Structure s);

/// An operator's structure and its task tuple: the extents in the order the built-in of that structure
/// takes its --shape (M; MxK; MxNxK), which is what schedules size their splits by.
struct StructureMatch {
    Structure structure;
    std::vector<int64_t> task_shape;
};

/// The structure of `func`, or nullopt when it has none of the supported layouts. Scalars (inputs whose
/// every index is the constant 0) may appear in any structure; every other input must be read with exactly
/// the index pattern of one of the structure's operands.
std::optional<StructureMatch> classify(const te::PrimFunc &func);

/// One line listing the supported structures in notation, for messages that refuse an operator.
std::string supported_structures();

/// The inputs of `func` read only at constant index 0 (ALPHA[0]): cached once per tasklet, never tiled.
std::vector<std::string> scalar_input_names(const te::PrimFunc &func);

/// The large operand(s) ATiM keeps resident in MRAM (--timing atim): the non-scalar inputs of the highest
/// rank (the matrix or tensor; both vectors of an element-wise operator).
std::vector<std::string> resident_input_names(const te::PrimFunc &func);

}  // namespace atim::workloads
