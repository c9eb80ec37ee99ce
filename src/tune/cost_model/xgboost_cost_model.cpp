// The XGBoost cost model: gradient-boosted trees over the features of atim/tune/features.h, retrained from
// scratch on every measured sample after each update, saved with its feature schema.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "atim/support/error.h"
#include "atim/support/stage_timer.h"
#include "atim/tune/cost_model.h"
#include "atim/tune/features.h"
#include "tune/cost_model/model_file.h"
#include "tune/cost_model/xgboost_booster.h"

namespace atim::tune {
namespace {

using cost_model_detail::Booster;
using cost_model_detail::DenseMatrix;
using cost_model_detail::parse_model_file;
using cost_model_detail::write_file_atomically;

constexpr const char *kFileFormat = "atim-xgboost-cost-model";
/// Boosting rounds per training. With eta 0.2 the ensemble has converged long before 100 rounds on the
/// few hundred to thousand samples of a tuning run, and training stays well under a second on one thread.
constexpr int kBoostRounds = 100;

/// ATiM's settings (atim-method.md §6.1) plus one thread, so that training is deterministic.
const std::map<std::string, std::string> &booster_params() {
    static const std::map<std::string, std::string> params = {
        {"max_depth", "10"}, {"gamma", "0.001"},       {"min_child_weight", "0"},
        {"eta", "0.2"},      {"seed", "43"},           {"nthread", "1"},
        {"verbosity", "0"},  {"tree_method", "exact"}, {"objective", "reg:squarederror"},
    };
    return params;
}

DenseMatrix to_matrix(const std::vector<std::vector<float>> &rows) {
    DenseMatrix m;
    m.rows = rows.size();
    m.cols = feature_names().size();
    m.values.reserve(m.rows * m.cols);
    for (const auto &row : rows) {
        ATIM_CHECK(row.size() == m.cols, "a feature vector has {} values, the schema {}", row.size(), m.cols);
        m.values.insert(m.values.end(), row.begin(), row.end());
    }
    return m;
}

/// The training target: throughput normalized by the best measured one, best_ms / ms in (0, 1], as TVM's
/// XGBoost model does. Squared error on it spends the model's accuracy on the fast candidates, which are
/// the only ones the search keeps; slow candidates all land near 0, where their order does not matter.
/// (-log ms would weigh a 10x-slow candidate's error as much as a near-best one's.)
std::vector<float> normalized_throughput(const std::vector<double> &total_ms) {
    double best = *std::min_element(total_ms.begin(), total_ms.end());
    std::vector<float> labels;
    labels.reserve(total_ms.size());
    for (double ms : total_ms) labels.push_back(static_cast<float>(best / ms));
    return labels;
}

class XgboostCostModel : public CostModel {
public:
    explicit XgboostCostModel(int warmup_samples) : warmup_samples_(warmup_samples) {}

    void update(const std::vector<std::vector<float>> &features,
                const std::vector<double> &total_ms) override {
        ATIM_CHECK(features.size() == total_ms.size(), "{} feature rows for {} times", features.size(),
                   total_ms.size());
        for (size_t i = 0; i < features.size(); ++i) {
            ATIM_CHECK(features[i].size() == feature_names().size(),
                       "feature row of {} values, schema has {}", features[i].size(), feature_names().size());
            ATIM_CHECK(std::isfinite(total_ms[i]) && total_ms[i] > 0, "measured time {} ms", total_ms[i]);
            features_.push_back(features[i]);
            total_ms_.push_back(total_ms[i]);
        }
        retrain();
    }

    std::vector<double> predict(const std::vector<std::vector<float>> &features) const override {
        if (!booster_ || features.empty()) return std::vector<double>(features.size(), 0.0);
        StageTimer timer(Stage::CostModelPredict);
        std::vector<float> scores = booster_->predict(to_matrix(features));
        return std::vector<double>(scores.begin(), scores.end());
    }

    size_t trained_samples() const override { return total_ms_.size(); }

    void save(const std::string &path) const override {
        nlohmann::json file = cost_model_detail::model_file_header(kFileFormat);
        file.update({
            {"warmup_samples", warmup_samples_},
            {"target", "best_ms / total_ms, reg:squarederror"},
            // The samples make a loaded model continue training exactly where the saved one stopped.
            {"samples", {{"features", features_}, {"total_ms", total_ms_}}},
            {"booster", booster_ ? nlohmann::json(booster_->save_json()) : nlohmann::json(nullptr)},
        });
        write_file_atomically(path, file.dump());
    }

    void load(const std::string &path) override {
        nlohmann::json file = parse_model_file(path, kFileFormat);
        std::vector<std::vector<float>> features;
        std::vector<double> total_ms;
        std::unique_ptr<Booster> booster;
        try {
            features = file.at("samples").at("features").get<std::vector<std::vector<float>>>();
            total_ms = file.at("samples").at("total_ms").get<std::vector<double>>();
            const auto &model = file.at("booster");
            if (!model.is_null()) {
                booster = std::make_unique<Booster>();
                booster->load_json(model.get<std::string>(), booster_params());
            }
        } catch (const nlohmann::json::exception &) {
            user_error("cost model file '{}' is corrupt (missing or malformed fields); delete it and retrain",
                       path);
        }
        bool rows_ok = features.size() == total_ms.size() &&
                       std::all_of(features.begin(), features.end(),
                                   [](const auto &row) { return row.size() == feature_names().size(); });
        if (!rows_ok) user_error("cost model file '{}' is corrupt (sample rows do not match); retrain", path);
        features_ = std::move(features);
        total_ms_ = std::move(total_ms);
        booster_ = std::move(booster);
    }

private:
    void retrain() {
        StageTimer timer(Stage::CostModelTrain);
        if (static_cast<int>(total_ms_.size()) < warmup_samples_ || total_ms_.empty()) {
            booster_.reset();
            return;
        }
        auto booster = std::make_unique<Booster>();
        booster->train(to_matrix(features_), normalized_throughput(total_ms_), booster_params(),
                       kBoostRounds);
        booster_ = std::move(booster);
    }

    int warmup_samples_;
    std::vector<std::vector<float>> features_;
    std::vector<double> total_ms_;
    std::unique_ptr<Booster> booster_;  ///< null before warmup: predict() then returns zeros
};

}  // namespace

std::unique_ptr<CostModel> make_xgboost_cost_model(int warmup_samples) {
    return std::make_unique<XgboostCostModel>(warmup_samples);
}

}  // namespace atim::tune
