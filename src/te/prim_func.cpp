// create_prim_func: collects the blocks behind the outputs and builds the naive loop nest (the reference).
#include <algorithm>
#include <set>
#include <unordered_set>

#include "atim/support/error.h"
#include "atim/te/tensor.h"

namespace atim::te {
namespace {

using OpPtr = std::shared_ptr<const ComputeOp>;

bool contains(const std::vector<ir::Buffer> &buffers, const ir::Buffer &b) {
    return std::any_of(buffers.begin(), buffers.end(),
                       [&](const ir::Buffer &x) { return x.get() == b.get(); });
}

// Post-order walk from the outputs: every producer lands before its consumers.
class BlockCollector {
public:
    explicit BlockCollector(const std::vector<ir::Buffer> &inputs) : inputs_(inputs) {}

    void visit(const OpPtr &op) {
        if (done_.count(op.get())) return;
        ATIM_CHECK(!in_progress_.count(op.get()), "cycle through compute '{}'", op->name);
        in_progress_.insert(op.get());
        for (const ir::Buffer &read : op->inputs()) {
            if (contains(inputs_, read)) continue;
            OpPtr producer = producer_of(*op, read);
            if (!producer)
                user_error(
                    "tensor '{}' is read by '{}' but is neither an input of the function nor computed; "
                    "add it to the inputs",
                    read->name, op->name);
            visit(producer);
        }
        in_progress_.erase(op.get());
        done_.insert(op.get());
        blocks.push_back(op);
    }

    std::vector<OpPtr> blocks;

private:
    static OpPtr producer_of(const ComputeOp &consumer, const ir::Buffer &read) {
        for (const OpPtr &p : consumer.producers) {
            if (p->output.get() == read.get()) return p;
        }
        return nullptr;
    }

    const std::vector<ir::Buffer> &inputs_;
    std::unordered_set<const ComputeOp *> done_, in_progress_;
};

ir::Stmt wrap_in_loops(const std::vector<IterVar> &axes, ir::Stmt body) {
    for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
        body = ir::For::make(it->var, ir::make_const(ir::DType::Int32, 0),
                             ir::make_const(ir::DType::Int32, it->extent), ir::ForKind::Serial, body);
    }
    return body;
}

// for spatial axes { out = value }  or  for spatial axes { out = 0; for reduce axes { out = out + value } }
ir::Stmt naive_nest(const ComputeOp &op) {
    std::vector<ir::Expr> index;
    for (const IterVar &axis : op.axes) index.push_back(axis.var);
    if (!op.is_reduction()) return wrap_in_loops(op.axes, ir::Store::make(op.output, index, op.value));
    ir::Stmt init = ir::Store::make(op.output, index, ir::make_zero(op.output->dtype));
    ir::Stmt update = ir::Store::make(op.output, index, ir::Load::make(op.output, index) + op.value);
    return wrap_in_loops(op.axes, ir::Seq::make({init, wrap_in_loops(op.reduce_axes, update)}));
}

// Codegen and lowering name buffers after tensors, so two tensors may not share a name.
void check_unique_names(const std::vector<ir::Buffer> &inputs, const std::vector<OpPtr> &blocks) {
    std::set<std::string> names;
    auto add = [&](const std::string &name) {
        if (!names.insert(name).second)
            user_error("two tensors are named '{}'; give every tensor of a function its own name", name);
    };
    for (const ir::Buffer &b : inputs) add(b->name);
    for (const OpPtr &op : blocks) add(op->output->name);
}

}  // namespace

PrimFunc create_prim_func(const std::string &name, const std::vector<Tensor> &inputs,
                          const std::vector<Tensor> &outputs) {
    if (outputs.empty()) user_error("function '{}' has no outputs; pass the tensors it computes", name);
    PrimFunc func;
    func.name = name;
    for (const Tensor &t : inputs) {
        if (t.op())
            user_error("'{}' is a computed tensor; only placeholders can be inputs of '{}'", t.name(), name);
        if (contains(func.inputs, t.buffer())) user_error("input '{}' is listed twice", t.name());
        func.inputs.push_back(t.buffer());
    }
    BlockCollector collector(func.inputs);
    for (const Tensor &t : outputs) {
        if (!t.op()) user_error("output '{}' is a placeholder; outputs must be computed tensors", t.name());
        if (contains(func.outputs, t.buffer())) user_error("output '{}' is listed twice", t.name());
        func.outputs.push_back(t.buffer());
        collector.visit(t.op());
    }
    func.blocks = std::move(collector.blocks);
    check_unique_names(func.inputs, func.blocks);
    std::vector<ir::Stmt> nests;
    for (const OpPtr &op : func.blocks) nests.push_back(naive_nest(*op));
    func.body = ir::Seq::make(std::move(nests));
    return func;
}

}  // namespace atim::te
