// Internal to the sim runner: where each DPU's MRAM slices sit in the host tensors (grid coordinates, boxes
// clipped to the tensor) and the packing of a box to and from the bytes a DPU holds.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "atim/lower/pim_program.h"
#include "atim/support/error.h"

namespace atim::runtime::detail {

/// DPU number d's grid coordinates (pim_program.h: x fastest).
std::array<int64_t, 3> coordinates_of(const lower::DpuGrid &grid, int64_t dpu);

/// The first element of the host tensor's box that DPU `dpu` holds, per dimension.
std::vector<int64_t> box_min_of(const lower::PimProgram &program, const lower::MramSlice &slice, int64_t dpu);

/// Calls f(host_flat, local_flat, count) for every run of `count` consecutive elements of the box (along its
/// last dimension) that lies inside the host tensor: one call per box row instead of one per element. The box
/// is one of the tensor seen as MramSlice::host_shape(); row-major, so flat indices are the tensor's own.
template <typename F>
void for_each_box_run(const lower::MramSlice &slice, const std::vector<int64_t> &box_min, F f) {
    const std::vector<int64_t> host_shape = slice.host_shape();
    const auto &box_shape = slice.local->shape;
    const size_t rank = host_shape.size();
    ATIM_CHECK(rank >= 1 && box_shape.size() == rank && box_min.size() == rank,
               "slice {} of rank {} for a tensor of rank {}", slice.local->name, box_shape.size(), rank);
    const size_t last = rank - 1;
    // The part of a box row inside the tensor: [first, end) of the box's last dimension.
    const int64_t first = std::max<int64_t>(0, -box_min[last]);
    const int64_t end = std::min(box_shape[last] - slice.row_padding, host_shape[last] - box_min[last]);
    if (end <= first) return;
    std::vector<int64_t> position(rank, 0);
    const int64_t rows = slice.local->num_elements() / box_shape[last];
    for (int64_t row = 0; row < rows; ++row) {
        int64_t host_flat = 0, local_flat = 0;
        bool inside = true;
        for (size_t d = 0; d < last; ++d) {
            int64_t g = box_min[d] + position[d];
            inside = inside && g >= 0 && g < host_shape[d];
            host_flat = host_flat * host_shape[d] + g;
            local_flat = local_flat * box_shape[d] + position[d];
        }
        if (inside)
            f(host_flat * host_shape[last] + box_min[last] + first, local_flat * box_shape[last] + first,
              end - first);
        for (size_t d = last; d-- > 0;) {
            if (++position[d] < box_shape[d]) break;
            position[d] = 0;
        }
    }
}

/// The bytes of DPU `dpu`'s box of a host tensor: little-endian elements, zero outside the tensor.
std::vector<uint8_t> pack_box(const lower::PimProgram &program, const lower::MramSlice &slice, int64_t dpu,
                              const std::vector<int64_t> &host, int64_t bytes);

/// Copies the elements of DPU `dpu`'s box that lie inside the host tensor from gathered bytes.
void unpack_box(const lower::PimProgram &program, const lower::MramSlice &slice, int64_t dpu,
                const std::vector<uint8_t> &bytes, std::vector<int64_t> &host);

}  // namespace atim::runtime::detail
