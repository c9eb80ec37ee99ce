// Learned cost models that rank unmeasured candidates: gradient-boosted trees through XGBoost's C API
// (atim-method.md §6.1: max_depth 10, eta 0.2, gamma 0.001, min_child_weight 0, seed 43), trained on the
// measured total time, plus a random model for ablations.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace atim::tune {

class CostModel {
public:
    virtual ~CostModel() = default;
    /// Adds measured samples (features per candidate, measured total ms; failed candidates are not passed)
    /// and retrains.
    virtual void update(const std::vector<std::vector<float>> &features,
                        const std::vector<double> &total_ms) = 0;
    /// A score per candidate: higher is predicted faster. Deterministic for the same training data.
    virtual std::vector<double> predict(const std::vector<std::vector<float>> &features) const = 0;
    /// Samples trained on so far.
    virtual size_t trained_samples() const = 0;
    /// Saves the model with its feature schema version; load refuses another version (UserError).
    virtual void save(const std::string &path) const = 0;
    virtual void load(const std::string &path) = 0;
};

/// XGBoost (one thread, fixed seed: deterministic). Before `warmup_samples` measured samples it predicts 0
/// for everything (the search then falls back to random order).
std::unique_ptr<CostModel> make_xgboost_cost_model(int warmup_samples = 32);
/// Uniform random scores from a seed (for `--cost-model random` ablations and tests).
std::unique_ptr<CostModel> make_random_cost_model(uint64_t seed);

}  // namespace atim::tune
