// A thin owner of XGBoost C-API handles: trains a booster on a dense matrix, predicts, and moves the model
// to and from its JSON bytes. Every call is checked; an XGBoost failure becomes an exception carrying
// XGBGetLastError().
#pragma once

#include <map>
#include <string>
#include <vector>

namespace atim::tune::cost_model_detail {

/// Rows of equal length, row-major.
struct DenseMatrix {
    std::vector<float> values;
    size_t rows = 0, cols = 0;
};

class Booster {
public:
    Booster();
    ~Booster();
    Booster(const Booster &) = delete;
    Booster &operator=(const Booster &) = delete;

    /// Trains `rounds` boosting rounds from scratch on (x, labels) with `params` (name -> value).
    void train(const DenseMatrix &x, const std::vector<float> &labels,
               const std::map<std::string, std::string> &params, int rounds);
    /// One prediction per row.
    std::vector<float> predict(const DenseMatrix &x) const;
    /// The model as XGBoost JSON.
    std::string save_json() const;
    /// Replaces the model with `json`; throws UserError when XGBoost rejects it.
    void load_json(const std::string &json, const std::map<std::string, std::string> &params);

private:
    void *handle_ = nullptr;  // BoosterHandle
};

}  // namespace atim::tune::cost_model_detail
