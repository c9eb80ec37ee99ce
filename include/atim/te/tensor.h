// Tensor expressions: placeholder, compute, reduce_axis, sum, and their lowering to a PrimFunc of blocks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "atim/ir/buffer.h"
#include "atim/ir/expr.h"
#include "atim/ir/stmt.h"

namespace atim::te {

/// An iteration axis of a compute: a variable over [0, extent), spatial or reduction.
struct IterVar {
    ir::Var var;
    int64_t extent = 0;
    bool is_reduce = false;
};

/// A reduction axis over [0, extent) (checks extent > 0).
IterVar reduce_axis(int64_t extent, const std::string &name);

/// What a compute produces at one output point: a plain value, or a sum over reduction axes.
struct ComputeBody {
    ComputeBody(ir::Expr v) : value(std::move(v)) {}  // NOLINT: implicit by design
    ComputeBody(ir::Expr v, std::vector<IterVar> axes) : value(std::move(v)), reduce_axes(std::move(axes)) {}
    ir::Expr value;                    ///< the summand when reduce_axes is non-empty
    std::vector<IterVar> reduce_axes;  ///< empty: not a reduction
};

/// sum over `axes` of `value` (identity 0).
ComputeBody sum(ir::Expr value, std::vector<IterVar> axes);

/// A compute stage ("block"): out[axes] = body, or out[axes] = sum_{reduce_axes} body.
struct ComputeOp {
    std::string name;                  ///< block name, e.g. "C"
    std::vector<IterVar> axes;         ///< spatial axes, one per output dimension
    std::vector<IterVar> reduce_axes;  ///< empty for element-wise computes
    ir::Expr value;                    ///< body (the summand for reductions), reads input tensors via Load
    ir::Buffer output;
    /// The computes that write buffers `value` reads (placeholders have none), found when the compute was
    /// made: Load nodes name only buffers, so this is how create_prim_func walks back to the placeholders.
    std::vector<std::shared_ptr<const ComputeOp>> producers;
    bool is_reduction() const { return !reduce_axes.empty(); }
    /// Input buffers read by `value`, in first-use order.
    std::vector<ir::Buffer> inputs() const;
};

/// A tensor: a placeholder (op == nullptr) or the output of a compute.
class Tensor {
public:
    Tensor() = default;
    Tensor(ir::Buffer buffer, std::shared_ptr<const ComputeOp> op)
        : buffer_(std::move(buffer)), op_(std::move(op)) {}
    const ir::Buffer &buffer() const { return buffer_; }
    const std::shared_ptr<const ComputeOp> &op() const { return op_; }
    const std::string &name() const { return buffer_->name; }
    ir::DType dtype() const { return buffer_->dtype; }
    const std::vector<int64_t> &shape() const { return buffer_->shape; }
    /// An element read: Load(buffer, indices); checks the number of indices.
    ir::Expr operator()(std::vector<ir::Expr> indices) const;
    template <typename... Args>
    ir::Expr operator()(Args... indices) const {
        return (*this)(std::vector<ir::Expr>{ir::Expr(indices)...});
    }

private:
    ir::Buffer buffer_;
    std::shared_ptr<const ComputeOp> op_;
};

/// An input tensor. Checks the shape is non-empty with positive extents.
Tensor placeholder(const std::string &name, std::vector<int64_t> shape, ir::DType dtype);

/// out[i...] = body(i...). `axis_names` (optional) names the spatial axes ("i", "j", ...).
Tensor compute(const std::string &name, std::vector<int64_t> shape, ir::DType dtype,
               const std::function<ComputeBody(const std::vector<ir::Var> &)> &body,
               std::vector<std::string> axis_names = {});

/// A function of blocks: its parameters and the naive loop nest (one nest per block, reduction blocks
/// initialize to 0 then accumulate), which is the reference semantics.
struct PrimFunc {
    std::string name;
    std::vector<ir::Buffer> inputs;                        ///< placeholders, in parameter order
    std::vector<ir::Buffer> outputs;                       ///< the final tensors
    std::vector<std::shared_ptr<const ComputeOp>> blocks;  ///< producer before consumer
    ir::Stmt body;
};

/// Collects the blocks that produce `outputs` (walking back to the placeholders) and builds the naive nest.
PrimFunc create_prim_func(const std::string &name, const std::vector<Tensor> &inputs,
                          const std::vector<Tensor> &outputs);

}  // namespace atim::te
