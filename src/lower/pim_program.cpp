// Out-of-line members of the PimProgram contract.
#include "atim/lower/pim_program.h"

#include <algorithm>

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

}  // namespace atim::lower
