// Out-of-line members of the PimProgram contract.
#include "atim/lower/pim_program.h"

#include <algorithm>

#include "atim/arith/simplify.h"
#include "atim/support/error.h"

namespace atim::lower {

// box_min is simplified and affine in the grid coordinates only, so "no grid dependence" is "constant".
bool MramSlice::same_for_all_dpus() const {
    return std::all_of(box_min.begin(), box_min.end(),
                       [](const ir::Expr &e) { return ir::as_const_int(e) != nullptr; });
}

const char *to_string(TransferKind kind) {
    switch (kind) {
        case TransferKind::Parallel:
            return "parallel";
        case TransferKind::Broadcast:
            return "broadcast";
        case TransferKind::Replicated:
            return "replicated";
    }
    return "?";
}

std::vector<int64_t> MramSlice::host_shape() const { return fuse_leading_dims(host->shape, fused_dims); }

std::vector<ir::Expr> MramSlice::view_indices(const std::vector<ir::Expr> &host_indices) const {
    if (fused_dims <= 1) return host_indices;
    return fuse_leading_indices(host_indices, host->shape, fused_dims);
}

std::vector<int64_t> fuse_leading_dims(const std::vector<int64_t> &shape, size_t fused) {
    ATIM_CHECK(fused >= 1 && fused <= shape.size(), "cannot fuse {} leading dimensions of a rank-{} tensor",
               fused, shape.size());
    std::vector<int64_t> view{1};
    for (size_t d = 0; d < fused; ++d) view[0] *= shape[d];
    view.insert(view.end(), shape.begin() + static_cast<std::ptrdiff_t>(fused), shape.end());
    return view;
}

std::vector<ir::Expr> fuse_leading_indices(const std::vector<ir::Expr> &indices,
                                           const std::vector<int64_t> &shape, size_t fused) {
    ATIM_CHECK(indices.size() == shape.size() && fused >= 1 && fused <= shape.size(),
               "cannot fuse {} leading indices of {} into a tensor of rank {}", fused, indices.size(),
               shape.size());
    ir::Expr flat = indices[0];
    for (size_t d = 1; d < fused; ++d) {
        ir::Expr index = indices[d];
        if (index.dtype() != flat.dtype()) index = ir::cast(flat.dtype(), index);
        flat = flat * ir::make_const(flat.dtype(), shape[d]) + index;
    }
    std::vector<ir::Expr> view{fused > 1 ? arith::simplify(flat) : flat};
    view.insert(view.end(), indices.begin() + static_cast<std::ptrdiff_t>(fused), indices.end());
    return view;
}

}  // namespace atim::lower
