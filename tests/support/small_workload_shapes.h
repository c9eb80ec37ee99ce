// Small shapes of every workload for the tuner's tests (sketches, mutators, mutated programs on the
// simulator): extents with few divisors and primes, so that imperfect tiles and DPU-count repairs are
// exercised, and small enough that a whole program runs on the simulator in milliseconds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atim::testing {

struct SmallShape {
    std::string workload;
    std::vector<int64_t> shape;
};

inline const std::vector<SmallShape> &awkward_small_shapes() {
    static const std::vector<SmallShape> shapes = {
        {"va", {1000}},     {"geva", {997}},      {"red", {6000}},       {"mtv", {96, 120}},
        {"gemv", {90, 77}}, {"ttv", {6, 10, 48}}, {"mmtv", {6, 10, 48}},
    };
    return shapes;
}

}  // namespace atim::testing
