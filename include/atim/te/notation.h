// Operator notation: one einsum-style statement ("C[i] += A[i,k] * B[k]") and named index extents, built
// into the same te PrimFunc a hand-written tensor expression builds.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "atim/ir/type.h"
#include "atim/support/error.h"
#include "atim/te/dtype_spec.h"
#include "atim/te/tensor.h"

namespace atim::te {

/// Named extents of the index variables, in the order given: {"i", 8192}, {"k", 8192}.
using IndexExtents = std::vector<std::pair<std::string, int64_t>>;

/// A mistake in a statement, with the 1-based column of the offending character. what() is one line:
/// "--op 'C[i] += A[i,k] * B[q]': index 'q' has no extent in --shape (at column 20)".
class NotationError : public UserError {
public:
    NotationError(const std::string &statement, size_t column, const std::string &reason);
    size_t column() const { return column_; }
    const std::string &reason() const { return reason_; }

private:
    size_t column_;
    std::string reason_;
};

/// Parses "i=8192,k=8192" (the --shape of an --op); throws UserError for an item that is not NAME=N with a
/// positive N, or a name given twice.
IndexExtents parse_index_extents(const std::string &text);

/// Builds the PrimFunc `name` of one statement:
///   OUT[idx, ...] = expr     element-wise (every index on the right must appear on the left);
///   OUT[idx, ...] += expr    a sum over the indices that appear on the right but not on the left.
/// An index is a name with an extent in `extents`, or the constant 0 (a dimension of extent 1, e.g. the
/// scalar ALPHA[0] or the single output B[0] of a full reduction). expr has + - *, min(a, b), max(a, b),
/// integer constants, parentheses and tensor reads. Every tensor is `dtype`.
/// Inputs are parameters in the order they are first read. Throws NotationError for bad notation and
/// UserError for extents that name no index.
PrimFunc build_from_notation(const std::string &statement, const IndexExtents &extents, ir::DType dtype,
                             const std::string &name = "op");
/// As above with per-tensor types: a tensor is `dtypes.of(name, default_dtype)`, and the statement computes
/// in its output's type (the accumulation rule of dtype_spec.h; constants must fit that type). Throws
/// UserError when `dtypes` names a tensor the statement does not have.
PrimFunc build_from_notation(const std::string &statement, const IndexExtents &extents,
                             ir::DType default_dtype, const DTypeSpec &dtypes,
                             const std::string &name = "op");

}  // namespace atim::te
