// Nelder-Mead downhill simplex for the benches' fits of model constants (in log space, so any real vector is
// a valid set of positive constants).
#pragma once

#include <algorithm>
#include <functional>
#include <numeric>
#include <vector>

namespace atim::bench {

/// Minimises `loss` from `start`: `iterations` steps of the simplex, restarted `restarts` times from its best
/// point (a simplex may collapse early). Returns the best point found.
inline std::vector<double> nelder_mead(const std::function<double(const std::vector<double> &)> &loss,
                                       std::vector<double> start, int iterations, int restarts = 2) {
    const size_t n = start.size();
    for (int restart = 0; restart < restarts; ++restart) {
        std::vector<std::vector<double>> simplex(n + 1, start);
        std::vector<double> value(n + 1);
        for (size_t i = 0; i < n; ++i) simplex[i + 1][i] += 0.7;
        for (size_t i = 0; i <= n; ++i) value[i] = loss(simplex[i]);
        std::vector<size_t> order(n + 1);
        for (int iteration = 0; iteration < iterations; ++iteration) {
            std::iota(order.begin(), order.end(), 0);
            std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return value[a] < value[b]; });
            const size_t best = order[0], worst = order[n], second = order[n - 1];
            std::vector<double> centroid(n, 0.0);
            for (size_t i = 0; i < n; ++i)
                for (size_t d = 0; d < n; ++d) centroid[d] += simplex[order[i]][d] / static_cast<double>(n);
            auto towards = [&](double t) {
                std::vector<double> p(n);
                for (size_t d = 0; d < n; ++d) p[d] = centroid[d] + t * (simplex[worst][d] - centroid[d]);
                return p;
            };
            std::vector<double> reflected = towards(-1);
            const double fr = loss(reflected);
            if (fr < value[best]) {
                std::vector<double> expanded = towards(-2);
                const double fe = loss(expanded);
                if (fe < fr) {
                    simplex[worst] = expanded, value[worst] = fe;
                } else {
                    simplex[worst] = reflected, value[worst] = fr;
                }
            } else if (fr < value[second]) {
                simplex[worst] = reflected, value[worst] = fr;
            } else {
                std::vector<double> contracted = towards(0.5);
                const double fc = loss(contracted);
                if (fc < value[worst]) {
                    simplex[worst] = contracted, value[worst] = fc;
                } else {
                    for (size_t i = 1; i <= n; ++i) {
                        for (size_t d = 0; d < n; ++d)
                            simplex[order[i]][d] =
                                simplex[best][d] + 0.5 * (simplex[order[i]][d] - simplex[best][d]);
                        value[order[i]] = loss(simplex[order[i]]);
                    }
                }
            }
        }
        start = simplex[std::min_element(value.begin(), value.end()) - value.begin()];
    }
    return start;
}

}  // namespace atim::bench
