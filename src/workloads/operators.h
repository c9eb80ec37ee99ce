// The tensor-expression definitions of the operator library (one builder per operator).
#pragma once

#include <cstdint>
#include <vector>

#include "atim/ir/type.h"
#include "atim/te/tensor.h"

namespace atim::workloads {

/// Builds the PrimFunc of operator `name` at `shape` (already validated: one extent per shape parameter).
te::PrimFunc build_operator(const std::string &name, const std::vector<int64_t> &shape, ir::DType dtype);

}  // namespace atim::workloads
