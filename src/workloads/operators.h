// The tensor-expression definitions of the operator library (one builder per operator).
#pragma once

#include <cstdint>
#include <vector>

#include "atim/ir/type.h"
#include "atim/te/dtype_spec.h"
#include "atim/te/tensor.h"

namespace atim::workloads {

/// Builds the PrimFunc of operator `name` at `shape` (already validated: one extent per shape parameter),
/// each tensor of type `dtypes.of(tensor, default_dtype)`, computing in its output's type (te/dtype_spec.h).
te::PrimFunc build_operator(const std::string &name, const std::vector<int64_t> &shape,
                            ir::DType default_dtype, const te::DTypeSpec &dtypes);

}  // namespace atim::workloads
