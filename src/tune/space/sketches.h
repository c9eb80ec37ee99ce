// The sketch rules of the design space (atim-method.md §5.2), one generator per family.
#pragma once

#include <vector>

#include "atim/tune/space.h"

namespace atim::tune::space {

/// Which families apply to a workload: reductions with spatial loops get ReductionInDpu and ReductionSplit,
/// pure spatial operators Spatial, pure reductions PureReduction. Throws UserError for an unknown workload.
std::vector<SketchFamily> families_of(const workloads::Workload &workload);

/// The fewest tasklets the row-reduction sketches give a DPU's `rows` (imperfect tiles): enough to keep the
/// revolver pipeline busy (11), or every row when there are fewer.
int64_t least_row_tasklets(const target::UpmemMachine &machine, int64_t rows);

/// The generator of one family for `workload` on `machine`.
Sketch make_sketch(SketchFamily family, const workloads::Workload &workload,
                   const target::UpmemMachine &machine, const SpaceOptions &options);

}  // namespace atim::tune::space
