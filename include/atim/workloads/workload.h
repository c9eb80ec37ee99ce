// The operator library: va, geva, red, mtv, gemv, ttv, mmtv, each defined as a tensor expression.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "atim/ir/type.h"
#include "atim/te/notation.h"
#include "atim/te/tensor.h"
#include "atim/workloads/structure.h"

namespace atim::workloads {

/// A workload instance: which operator, at which shape and dtype, as a PrimFunc.
struct Workload {
    std::string name;  ///< "mtv"; for an --op, its statement without spaces ("C[i]+=A[i,k]*B[k]")
    /// Task tuple in the order of the structure's built-in: M (va/geva/red), MxK (mtv/gemv), MxNxK
    /// (ttv/mmtv).
    std::vector<int64_t> shape;
    te::PrimFunc func;
    /// What schedules and sketch rules are chosen by (classified from func).
    Structure structure = Structure::Elementwise;
    /// Names of the inputs ATiM keeps resident in MRAM (--timing atim): the matrix/tensor, or both
    /// inputs of va/geva/red.
    std::vector<std::string> resident_inputs;
    /// An --op: the statement as given and its named extents; empty for a built-in.
    std::string notation;
    te::IndexExtents index_extents;
    bool is_op() const { return !notation.empty(); }
    std::string shape_string() const;  ///< "1024x1024"; for an --op, "i=1024,k=1024"
    /// "int32" when every tensor has one type, else every tensor's ("A=int8,B=int8,C=int32", inputs then
    /// outputs): the form --dtype takes back, and part of the tuning database's workload key.
    std::string dtype_string() const;
    /// The output's type, which the operator computes and accumulates in (te/dtype_spec.h).
    ir::DType compute_dtype() const;
    /// The smallest element of any tensor: slices cut in multiples of 8 / bytes_of(it) elements are whole
    /// 8-byte DMA words in every tensor.
    ir::DType narrowest_dtype() const;
    /// The largest element of any tensor, for WRAM budgets.
    ir::DType widest_dtype() const;
};

/// One entry of the operator library, for `atim workloads`.
struct WorkloadInfo {
    std::string name;
    std::string formula;       ///< "C[i] = sum_k A[i,k] * B[k]"
    std::string shape_params;  ///< "MxK"
    ir::DType default_dtype;
    Structure structure;
    std::string notation;                    ///< the operator in --op notation: "C[i] += A[i,k] * B[k]"
    std::vector<std::string> shape_indices;  ///< the notation's index of each shape parameter: {"i", "k"}
};

const std::vector<WorkloadInfo> &workload_list();

/// Parses "8192x8192" for the workload; throws UserError on an unknown workload, the wrong number of
/// dimensions, or a zero/negative/non-numeric extent.
std::vector<int64_t> parse_shape(const std::string &workload, const std::string &shape);

/// Builds the workload; dtype is --dtype's text (te::DTypeSpec: "int8" or "A=int8,B=int8,C=int32"), empty =
/// the workload's default (int64 for red, int32 otherwise) for every tensor. Throws UserError for an unknown
/// type or tensor name.
Workload make_workload(const std::string &name, const std::vector<int64_t> &shape,
                       const std::string &dtype = "");

/// The --op statement and --shape extents that define built-in workload `name` at `shape` (one extent per
/// shape parameter), e.g. {"C[i] += A[i,k] * B[k]", "i=64,k=128"} for mtv 64x128.
std::pair<std::string, std::string> builtin_as_op(const std::string &name, const std::vector<int64_t> &shape);

/// The structure of built-in workload `name` (throws UserError for an unknown workload).
Structure builtin_structure(const std::string &name);

/// Builds a user-defined operator from one statement in operator notation ("C[i] += A[i,k] * B[k]") and
/// its named extents ("i=8192,k=8192"); dtype as for make_workload, default int32. Throws UserError (one
/// line, with the column for bad notation) for bad input, and for an operator of no supported structure (the
/// message lists them).
Workload make_op_workload(const std::string &notation, const std::string &extents,
                          const std::string &dtype = "");

}  // namespace atim::workloads
