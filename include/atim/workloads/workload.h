// The operator library: va, geva, red, mtv, gemv, ttv, mmtv, each defined as a tensor expression.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "atim/ir/type.h"
#include "atim/te/tensor.h"

namespace atim::workloads {

/// A workload instance: which operator, at which shape and dtype, as a PrimFunc.
struct Workload {
    std::string name;            ///< "mtv"
    std::vector<int64_t> shape;  ///< task tuple: M (va/geva/red), MxK (mtv/gemv), MxNxK (ttv/mmtv)
    ir::DType dtype;
    te::PrimFunc func;
    /// Names of the inputs ATiM keeps resident in MRAM (--timing atim): the matrix/tensor, or both
    /// inputs of va/geva/red.
    std::vector<std::string> resident_inputs;
    std::string shape_string() const;  ///< "1024x1024"
};

/// One entry of the operator library, for `atim workloads`.
struct WorkloadInfo {
    std::string name;
    std::string formula;       ///< "C[i] = sum_k A[i,k] * B[k]"
    std::string shape_params;  ///< "MxK"
    ir::DType default_dtype;
};

const std::vector<WorkloadInfo> &workload_list();

/// Parses "8192x8192" for the workload; throws UserError on an unknown workload, the wrong number of
/// dimensions, or a zero/negative/non-numeric extent.
std::vector<int64_t> parse_shape(const std::string &workload, const std::string &shape);

/// Builds the workload; dtype empty = the workload's default (int64 for red, int32 otherwise).
Workload make_workload(const std::string &name, const std::vector<int64_t> &shape,
                       const std::string &dtype = "");

}  // namespace atim::workloads
