// Grid coordinates, clipped boxes and box packing for the sim runner (see dpu_boxes.h).
#include "dpu_boxes.h"

#include <cstring>

#include "atim/arith/simplify.h"
#include "atim/ir/printer.h"
#include "atim/ir/utils.h"

namespace atim::runtime::detail {

std::array<int64_t, 3> coordinates_of(const lower::DpuGrid &grid, int64_t dpu) {
    return {dpu % grid.x, (dpu / grid.x) % grid.y, dpu / (grid.x * grid.y)};
}

std::vector<int64_t> box_min_of(const lower::PimProgram &program, const lower::MramSlice &slice,
                                int64_t dpu) {
    const auto coords = coordinates_of(program.grid, dpu);
    ir::VarMap values{{program.grid_vars.x.get(), ir::make_const(program.grid_vars.x.dtype(), coords[0])},
                      {program.grid_vars.y.get(), ir::make_const(program.grid_vars.y.dtype(), coords[1])},
                      {program.grid_vars.z.get(), ir::make_const(program.grid_vars.z.dtype(), coords[2])}};
    std::vector<int64_t> box_min;
    for (const ir::Expr &e : slice.box_min) {
        ir::Expr value = arith::simplify(ir::substitute(e, values));
        const int64_t *constant = ir::as_const_int(value);
        ATIM_CHECK(constant, "box_min {} of {} is not affine in the grid coordinates", ir::to_string(e),
                   slice.local->name);
        box_min.push_back(*constant);
    }
    return box_min;
}

std::vector<uint8_t> pack_box(const lower::PimProgram &program, const lower::MramSlice &slice, int64_t dpu,
                              const std::vector<int64_t> &host, int64_t bytes) {
    std::vector<uint8_t> out(static_cast<size_t>(bytes), 0);
    const int width = ir::bytes_of(slice.local->dtype);
    for_each_box_run(
        slice, box_min_of(program, slice, dpu), [&](int64_t host_flat, int64_t local_flat, int64_t count) {
            count = std::min(count, bytes / width - local_flat);
            for (int64_t i = 0; i < count; ++i)
                ir::store_element(slice.local->dtype, host[host_flat + i], &out[(local_flat + i) * width]);
        });
    return out;
}

void unpack_box(const lower::PimProgram &program, const lower::MramSlice &slice, int64_t dpu,
                const std::vector<uint8_t> &bytes, std::vector<int64_t> &host) {
    const int width = ir::bytes_of(slice.local->dtype);
    for_each_box_run(
        slice, box_min_of(program, slice, dpu), [&](int64_t host_flat, int64_t local_flat, int64_t count) {
            count = std::min(count, static_cast<int64_t>(bytes.size()) / width - local_flat);
            for (int64_t i = 0; i < count; ++i)
                host[host_flat + i] = ir::load_element(slice.local->dtype, &bytes[(local_flat + i) * width]);
        });
}

}  // namespace atim::runtime::detail
