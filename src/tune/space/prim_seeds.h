// PrIM's hand-written strategy (prim-baselines.md §1; atim-method.md §8.2) expressed as candidates of our own
// sketches, so that the search can start from the baseline's points and mutate them like any candidate.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atim/tune/space.h"

namespace atim::tune::space {

/// `prim_params` (the named `prim` schedule's resolved parameters: dpus as that schedule takes them,
/// tasklets, block) written as the decisions of one sketch of `sketches`: the spatial and pure-reduction
/// sketches for va/geva/red, the in-DPU reduction sketch for mtv/gemv/ttv/mmtv (PrIM never splits K). The
/// per-DPU chunks are PrIM's (8-byte padded, whole rows or row pairs), each tasklet takes a contiguous range
/// in WRAM blocks of `block` elements (PrIM hands blocks out cyclically; same sizes, same DMA count), and
/// nothing is unrolled. A tasklet count outside the sketch's bounds is clamped into them. Returns nullopt
/// when the point does not fit the sketch (e.g. more DPUs than its budget, or perfect tiles only).
std::optional<Candidate> prim_seed(const std::vector<Sketch> &sketches, const workloads::Workload &workload,
                                   const target::UpmemMachine &machine,
                                   const std::map<std::string, int64_t> &prim_params);

}  // namespace atim::tune::space
