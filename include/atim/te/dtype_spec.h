// The element types of an operator's tensors as the user gives them (--dtype), one for all or per tensor.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atim/ir/expr.h"
#include "atim/ir/type.h"

namespace atim::te {

/// `--dtype int8` (every tensor) or `--dtype A=int8,B=int8,C=int32` (tensor by tensor; tensors left out keep
/// the operator's default). Empty text = every tensor keeps its default.
///
/// Mixed types follow one rule (the accumulation rule): an operator computes in its output tensor's type.
/// Every input read is converted to that type first (sign/zero extension when it is wider, two's-complement
/// wrap-around when it is narrower), every + - * min max happens in it and wraps to its width, and a sum
/// accumulates in it. So int8 x int8 -> int32 widens both operands to int32 before the multiply: the
/// product (at most 2^14 in magnitude) is exact and the sum wraps only at 32 bits.
class DTypeSpec {
public:
    DTypeSpec() = default;
    /// Parses the --dtype text; throws UserError (one line) for an unknown type or a malformed item.
    static DTypeSpec parse(const std::string &text);

    /// The type of `tensor`, `fallback` when the spec does not name it.
    ir::DType of(const std::string &tensor, ir::DType fallback) const;
    /// Throws UserError when the spec names a tensor that is not in `tensors` (context starts the message).
    void check_tensor_names(const std::vector<std::string> &tensors, const std::string &context) const;
    bool empty() const { return !all_ && per_tensor_.empty(); }

private:
    std::optional<ir::DType> all_;
    std::map<std::string, ir::DType> per_tensor_;
};

/// `value` converted to the computation type `t` of the accumulation rule (a no-op when it already is t).
inline ir::Expr as_computation_type(ir::DType t, const ir::Expr &value) { return ir::cast(t, value); }

}  // namespace atim::te
