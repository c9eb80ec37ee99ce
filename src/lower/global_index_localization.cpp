// localize_global_indices: global (host) indices -> in-bank indices of the per-DPU MRAM slices.
#include "global_index_localization.h"

#include <unordered_map>

#include "atim/arith/simplify.h"
#include "atim/ir/functor.h"
#include "atim/support/error.h"

namespace atim::lower {
namespace {

class GlobalIndexLocalizer : public ir::Mutator {
public:
    explicit GlobalIndexLocalizer(const std::vector<MramSlice> &slices) {
        for (const MramSlice &slice : slices) slice_of_[slice.host.get()] = &slice;
    }

protected:
    using ir::Mutator::visit;
    ir::Expr visit(const ir::Load *load, const ir::Expr &self) override {
        ir::Expr rebuilt = ir::Mutator::visit(load, self);
        const auto *op = rebuilt.as<ir::Load>();
        const MramSlice *slice = find(op->buffer);
        if (!slice) return rebuilt;
        return ir::Load::make(slice->local, localize(*slice, op->indices));
    }
    ir::Stmt visit(const ir::Store *store, const ir::Stmt &self) override {
        ir::Stmt rebuilt = ir::Mutator::visit(store, self);
        const auto *op = rebuilt.as<ir::Store>();
        const MramSlice *slice = find(op->buffer);
        if (!slice) return rebuilt;
        return ir::Store::make(slice->local, localize(*slice, op->indices), op->value);
    }

private:
    const MramSlice *find(const ir::Buffer &buffer) const {
        if (buffer->scope != ir::MemScope::Global) return nullptr;
        auto found = slice_of_.find(buffer.get());
        ATIM_CHECK(found != slice_of_.end(), "no MRAM slice for global buffer {}", buffer->name);
        return found->second;
    }

    static std::vector<ir::Expr> localize(const MramSlice &slice, const std::vector<ir::Expr> &indices) {
        const std::vector<ir::Expr> view = slice.view_indices(indices);
        std::vector<ir::Expr> local;
        for (size_t d = 0; d < view.size(); ++d) {
            ir::Expr box_min = slice.box_min[d];
            if (box_min.dtype() != view[d].dtype()) box_min = ir::cast(view[d].dtype(), box_min);
            local.push_back(arith::simplify(view[d] - box_min));
        }
        return local;
    }

    std::unordered_map<const ir::BufferNode *, const MramSlice *> slice_of_;
};

}  // namespace

ir::Stmt localize_global_indices(const ir::Stmt &kernel, const std::vector<MramSlice> &slices) {
    return GlobalIndexLocalizer(slices).mutate(kernel);
}

}  // namespace atim::lower
