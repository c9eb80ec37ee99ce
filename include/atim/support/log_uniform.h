// A log-uniform integer draw: for counts that matter by their ratio (DPUs over an axis, K ways), where a
// uniform draw over [2, 256] puts 94% of the samples above 16.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

namespace atim {

/// An integer in [low, high] (low >= 1) with P(v) proportional to log((v + 1) / v): floor(e^u) for u uniform
/// in [log low, log(high + 1)), so every factor of 2 of the range is about equally likely.
inline int64_t draw_log_uniform(int64_t low, int64_t high, std::mt19937_64 &rng) {
    low = std::max<int64_t>(low, 1);
    if (low >= high) return low;
    std::uniform_real_distribution<double> exponent(std::log(static_cast<double>(low)),
                                                    std::log(static_cast<double>(high) + 1.0));
    return std::clamp<int64_t>(static_cast<int64_t>(std::exp(exponent(rng))), low, high);
}

}  // namespace atim
