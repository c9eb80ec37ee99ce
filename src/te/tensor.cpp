// Tensor expressions: placeholders, computes, reduction axes and sums, with the checks a user needs.
#include "atim/te/tensor.h"

#include <algorithm>
#include <limits>
#include <set>
#include <unordered_set>

#include "atim/ir/functor.h"
#include "atim/ir/utils.h"
#include "atim/support/error.h"
#include "te/producer_registry.h"

namespace atim::te {
namespace {

// Loop variables and loop bounds are int32 (ir::For, codegen); an axis must fit one.
constexpr int64_t kMaxExtent = std::numeric_limits<int32_t>::max();

void check_extent(int64_t extent, const std::string &what) {
    if (extent <= 0) user_error("{} has extent {}; extents must be positive", what, extent);
    if (extent > kMaxExtent)
        user_error("{} has extent {}; extents must be at most {} (32-bit loop indices)", what, extent,
                   kMaxExtent);
}

// Collects buffers read through Load nodes, in first-use order.
class LoadedBuffers : public ir::Visitor {
public:
    using ir::Visitor::visit;
    std::vector<ir::Buffer> buffers;

protected:
    void visit(const ir::Load *op) override {
        bool seen = std::any_of(buffers.begin(), buffers.end(),
                                [&](const ir::Buffer &b) { return b.get() == op->buffer.get(); });
        if (!seen) buffers.push_back(op->buffer);
        ir::Visitor::visit(op);
    }
};

// Collects every variable an expression reads.
class UsedVars : public ir::Visitor {
public:
    using ir::Visitor::visit;
    std::vector<const ir::VarNode *> vars;

protected:
    void visit(const ir::VarNode *op) override {
        if (std::find(vars.begin(), vars.end(), op) == vars.end()) vars.push_back(op);
    }
};

std::vector<ir::Var> make_axis_vars(const std::string &compute_name, size_t rank,
                                    const std::vector<std::string> &axis_names) {
    if (!axis_names.empty() && axis_names.size() != rank)
        user_error(
            "compute '{}' has {} dimension{} but {} axis names were given; give one name per dimension",
            compute_name, rank, rank == 1 ? "" : "s", axis_names.size());
    std::vector<ir::Var> vars;
    for (size_t d = 0; d < rank; ++d) {
        std::string name = axis_names.empty() ? fmt::format("ax{}", d) : axis_names[d];
        vars.emplace_back(name, ir::DType::Int32);
    }
    return vars;
}

void check_reduce_axes(const std::string &compute_name, const ComputeBody &body) {
    std::set<const ir::VarNode *> seen;
    for (const IterVar &axis : body.reduce_axes) {
        if (!axis.is_reduce || !axis.var.defined())
            user_error(
                "compute '{}' sums over an axis that is not a reduction axis; make it with reduce_axis()",
                compute_name);
        if (!seen.insert(axis.var.get()).second)
            user_error("compute '{}' sums twice over reduction axis '{}'; list each axis once", compute_name,
                       axis.var.name());
        if (!ir::uses_var(body.value, axis.var.get()))
            user_error(
                "compute '{}' sums over reduction axis '{}' that its body does not use; remove the axis",
                compute_name, axis.var.name());
    }
}

// Every variable of the body must be one of the compute's axes: a stray variable has no loop to bind it.
void check_free_vars(const std::string &compute_name, const ir::Expr &value, const std::vector<IterVar> &axes,
                     const std::vector<IterVar> &reduce_axes) {
    std::unordered_set<const ir::VarNode *> bound;
    for (const IterVar &a : axes) bound.insert(a.var.get());
    for (const IterVar &a : reduce_axes) bound.insert(a.var.get());
    UsedVars used;
    used.visit(value);
    for (const ir::VarNode *v : used.vars) {
        if (!bound.count(v))
            user_error(
                "compute '{}' reads variable '{}' that is neither one of its axes nor a reduction axis "
                "passed to sum(); use the lambda's axes or add the reduction axis",
                compute_name, v->name);
    }
}

// Finds the live computes behind the buffers the body reads (placeholders have none).
std::vector<std::shared_ptr<const ComputeOp>> find_producers(const std::vector<ir::Buffer> &inputs) {
    std::vector<std::shared_ptr<const ComputeOp>> producers;
    for (const ir::Buffer &b : inputs) {
        if (auto op = find_producer(b)) producers.push_back(std::move(op));
    }
    return producers;
}

}  // namespace

IterVar reduce_axis(int64_t extent, const std::string &name) {
    check_extent(extent, fmt::format("reduction axis '{}'", name));
    return IterVar{ir::Var(name, ir::DType::Int32), extent, true};
}

ComputeBody sum(ir::Expr value, std::vector<IterVar> axes) {
    if (!value.defined()) user_error("sum() of an undefined expression; pass the summand");
    if (axes.empty()) user_error("sum() needs at least one reduction axis; make one with reduce_axis()");
    return ComputeBody(std::move(value), std::move(axes));
}

std::vector<ir::Buffer> ComputeOp::inputs() const {
    LoadedBuffers loaded;
    loaded.visit(value);
    return loaded.buffers;
}

ir::Expr Tensor::operator()(std::vector<ir::Expr> indices) const {
    ATIM_CHECK(buffer_ != nullptr, "indexing an undefined tensor");
    if (indices.size() != buffer_->shape.size())
        user_error(
            "tensor '{}' has {} dimension{} but is indexed with {} ind{}; give one index per dimension",
            buffer_->name, buffer_->shape.size(), buffer_->shape.size() == 1 ? "" : "s", indices.size(),
            indices.size() == 1 ? "ex" : "ices");
    return ir::Load::make(buffer_, std::move(indices));
}

Tensor placeholder(const std::string &name, std::vector<int64_t> shape, ir::DType dtype) {
    if (shape.empty()) user_error("placeholder '{}' has an empty shape; give at least one extent", name);
    for (size_t d = 0; d < shape.size(); ++d)
        check_extent(shape[d], fmt::format("dimension {} of '{}'", d, name));
    return Tensor(ir::make_buffer(name, dtype, std::move(shape)), nullptr);
}

Tensor compute(const std::string &name, std::vector<int64_t> shape, ir::DType dtype,
               const std::function<ComputeBody(const std::vector<ir::Var> &)> &body,
               std::vector<std::string> axis_names) {
    if (shape.empty()) user_error("compute '{}' has an empty shape; give at least one extent", name);
    for (size_t d = 0; d < shape.size(); ++d)
        check_extent(shape[d], fmt::format("dimension {} of '{}'", d, name));
    std::vector<ir::Var> vars = make_axis_vars(name, shape.size(), axis_names);
    ComputeBody result = body(vars);
    if (!result.value.defined()) user_error("compute '{}' returned an undefined expression", name);
    if (result.value.dtype() != dtype)
        user_error("compute '{}' is declared {} but its body is {}; cast the body or change the dtype", name,
                   ir::to_string(dtype), ir::to_string(result.value.dtype()));
    check_reduce_axes(name, result);

    auto op = std::make_shared<ComputeOp>();
    op->name = name;
    for (size_t d = 0; d < shape.size(); ++d) op->axes.push_back(IterVar{vars[d], shape[d], false});
    op->reduce_axes = std::move(result.reduce_axes);
    op->value = std::move(result.value);
    check_free_vars(name, op->value, op->axes, op->reduce_axes);
    op->output = ir::make_buffer(name, dtype, std::move(shape));
    op->producers = find_producers(op->inputs());
    std::shared_ptr<const ComputeOp> frozen = op;
    register_producer(frozen);
    return Tensor(op->output, frozen);
}

}  // namespace atim::te
