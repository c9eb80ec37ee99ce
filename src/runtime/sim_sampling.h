// Internal to the sim runner: the sampled simulation mode's choice of DPUs to simulate, and which output
// elements are known when the others are not simulated.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "atim/lower/pim_program.h"
#include "atim/sim/system.h"

namespace atim::runtime::detail {

/// The host's copies of a program's tensors: inputs are the caller's vectors (not copied: they can be
/// hundreds of MB), the others (outputs, partials) are owned.
struct HostTensors {
    std::unordered_map<const ir::BufferNode *, const std::vector<int64_t> *> inputs;
    std::unordered_map<const ir::BufferNode *, std::vector<int64_t>> owned;

    const std::vector<int64_t> &values(const ir::BufferNode *buffer) const;
};

/// Per host tensor, 1 for every element whose value is not known (absent tensor: all known).
using UnknownElements = std::unordered_map<const ir::BufferNode *, std::vector<uint8_t>>;

/// What the DPUs left out of a sampled run stand for, and how many timing classes there are.
struct Sample {
    std::vector<int>
        stand_in;  ///< per DPU: itself when simulated, else the simulated DPU whose timing it takes
    /// per DPU: 1 when it is computed for its values only (untimed; its timing is its stand-in's)
    std::vector<uint8_t> values_only;
    int timing_classes = 0;
    int simulated_dpus = 0;    ///< simulated cycle by cycle
    int values_only_dpus = 0;  ///< computed, untimed
};

/// Chooses the DPUs a sampled run simulates. DPUs are grouped into timing classes by the part of every MRAM
/// slice's box that lies inside its tensor: the kernel's control flow depends on the grid coordinates only
/// through these clipped extents (tightened loop bounds, boundary guards), so DPUs of one class take the
/// same path. The first and last DPU of each class are simulated cycle by cycle. So that some outputs can be
/// verified, DPU 0's results are completed by computing, for their values only (untimed), every DPU whose
/// results the host combines with DPU 0's (the DPUs along a cross-DPU reduction, found by testing which grid
/// neighbours' gathered results reach the same output elements through the host epilogue).
Sample choose_sample(const lower::PimProgram &program, const HostTensors &host);

/// Part `part` of a full run split over processes (sim::DpuPart): the part simulates whole lines of DPUs
/// (DPUs whose gathered results the host combines, found as choose_sample finds DPU 0's; line l belongs to
/// part l mod count) and leaves the others out, so every output element is computed, and verified, by the
/// one part that owns its line. nullopt when the part owns no line (more parts than lines).
std::optional<Sample> choose_part(const lower::PimProgram &program, const HostTensors &host,
                                  sim::DpuPart part);

/// The elements of the gathered host tensors whose gathered value comes from a DPU with selected[d] != 0:
/// boxes are unpacked in DPU order, so an element two boxes cover takes the later DPU's value.
UnknownElements gathered_by(const lower::PimProgram &program, const std::vector<uint8_t> &selected);

/// Runs the host epilogue (if any) over `host` and returns which elements of the Output tensors depend on the
/// `unknown` elements: with unknown elements, the epilogue runs twice with them filled by two different
/// pseudo-random patterns and an output element that differs depends on them (a chance agreement of both
/// fills, probability 2^-32 per element for int32, would wrongly count it known). `host.owned` receives the
/// epilogue's results (unknown elements hold fill values).
UnknownElements run_epilogue(const lower::PimProgram &program, HostTensors &host,
                             const UnknownElements &unknown);

}  // namespace atim::runtime::detail
