// The cost models: the XGBoost model learns a synthetic relation and ranks held-out samples, is
// deterministic, predicts zeros before warmup, and its file round-trips exactly and refuses another schema
// or a corrupt file.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>

#include "atim/support/error.h"
#include "atim/tune/cost_model.h"
#include "atim/tune/features.h"

namespace atim::tune {
namespace {

struct Samples {
    std::vector<std::vector<float>> features;
    std::vector<double> total_ms;
};

/// Random features; the time grows with feature 0, with feature 1 squared, and feature 2 halves it when
/// set. The other features are noise the model must ignore.
Samples synthetic_samples(int count, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    Samples s;
    for (int i = 0; i < count; ++i) {
        std::vector<float> row(feature_names().size());
        for (float &value : row) value = uniform(rng);
        row[2] = row[2] < 0.5f ? 0.0f : 1.0f;
        double ms = (1.0 + 4.0 * row[0] + 3.0 * row[1] * row[1]) * (row[2] > 0 ? 0.5 : 1.0);
        s.features.push_back(row);
        s.total_ms.push_back(ms);
    }
    return s;
}

/// Share of pairs ordered alike by the scores (higher = faster) and the times (lower = faster).
double pairwise_agreement(const std::vector<double> &scores, const std::vector<double> &total_ms) {
    int agree = 0, pairs = 0;
    for (size_t i = 0; i < scores.size(); ++i) {
        for (size_t j = i + 1; j < scores.size(); ++j) {
            if (total_ms[i] == total_ms[j]) continue;
            pairs += 1;
            agree += (scores[i] > scores[j]) == (total_ms[i] < total_ms[j]);
        }
    }
    return static_cast<double>(agree) / pairs;
}

std::string scratch_path(const std::string &name) {
    return (std::filesystem::temp_directory_path() /
            ("atim_cost_model_" + std::to_string(::getpid()) + "_" + name))
        .string();
}

TEST(XgboostCostModel, PredictsZerosBeforeWarmup) {
    auto model = make_xgboost_cost_model(32);
    Samples few = synthetic_samples(31, 1);
    model->update(few.features, few.total_ms);
    EXPECT_EQ(model->trained_samples(), 31u);
    EXPECT_EQ(model->predict(few.features), std::vector<double>(31, 0.0));
    Samples one_more = synthetic_samples(1, 2);
    model->update(one_more.features, one_more.total_ms);
    std::vector<double> scores = model->predict(few.features);
    EXPECT_TRUE(std::any_of(scores.begin(), scores.end(), [](double s) { return s != 0.0; }));
}

TEST(XgboostCostModel, RanksHeldOutSamplesOfASyntheticRelation) {
    auto model = make_xgboost_cost_model(32);
    Samples train = synthetic_samples(300, 11);
    model->update(train.features, train.total_ms);
    Samples held_out = synthetic_samples(60, 12);
    std::vector<double> scores = model->predict(held_out.features);
    EXPECT_GT(pairwise_agreement(scores, held_out.total_ms), 0.85);
    // The predicted best is among the truly fastest 10% of the held-out samples.
    size_t predicted_best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    std::vector<double> sorted = held_out.total_ms;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_LE(held_out.total_ms[predicted_best], sorted[5]);
}

TEST(XgboostCostModel, IsDeterministic) {
    Samples train = synthetic_samples(100, 3), query = synthetic_samples(20, 4);
    auto a = make_xgboost_cost_model(8), b = make_xgboost_cost_model(8);
    a->update(train.features, train.total_ms);
    b->update(train.features, train.total_ms);
    EXPECT_EQ(a->predict(query.features), b->predict(query.features));
}

TEST(XgboostCostModel, SaveLoadRoundTripsExactlyAndKeepsTraining) {
    Samples train = synthetic_samples(80, 5), more = synthetic_samples(20, 6),
            query = synthetic_samples(30, 7);
    auto saved = make_xgboost_cost_model(16);
    saved->update(train.features, train.total_ms);
    std::string path = scratch_path("roundtrip.json");
    saved->save(path);
    auto loaded = make_xgboost_cost_model(16);
    loaded->load(path);
    EXPECT_EQ(loaded->trained_samples(), 80u);
    EXPECT_EQ(loaded->predict(query.features), saved->predict(query.features));
    // The saved samples let the loaded model continue exactly as the original.
    saved->update(more.features, more.total_ms);
    loaded->update(more.features, more.total_ms);
    EXPECT_EQ(loaded->predict(query.features), saved->predict(query.features));
    std::filesystem::remove(path);
}

TEST(XgboostCostModel, SaveLoadBeforeWarmupStaysUntrained) {
    Samples few = synthetic_samples(4, 8);
    auto saved = make_xgboost_cost_model(16);
    saved->update(few.features, few.total_ms);
    std::string path = scratch_path("untrained.json");
    saved->save(path);
    auto loaded = make_xgboost_cost_model(16);
    loaded->load(path);
    EXPECT_EQ(loaded->trained_samples(), 4u);
    EXPECT_EQ(loaded->predict(few.features), std::vector<double>(4, 0.0));
    std::filesystem::remove(path);
}

void rewrite(const std::string &path, const std::function<void(nlohmann::json &)> &edit) {
    std::ifstream in(path);
    nlohmann::json file = nlohmann::json::parse(in);
    in.close();
    edit(file);
    std::ofstream(path) << file.dump();
}

TEST(XgboostCostModel, RefusesAnotherSchemaOrACorruptFile) {
    Samples train = synthetic_samples(40, 9);
    auto model = make_xgboost_cost_model(16);
    model->update(train.features, train.total_ms);
    std::string path = scratch_path("refused.json");
    struct Case {
        const char *what;
        std::function<void(const std::string &)> damage;
    };
    std::vector<Case> cases = {
        {"schema version",
         [](const std::string &p) { rewrite(p, [](auto &f) { f["schema_version"] = 999; }); }},
        {"feature names",
         [](const std::string &p) { rewrite(p, [](auto &f) { f["feature_names"][0] = "x"; }); }},
        {"format", [](const std::string &p) { rewrite(p, [](auto &f) { f["format"] = "other"; }); }},
        {"not json", [](const std::string &p) { std::ofstream(p) << "{ \"format\": "; }},
        {"booster bytes",
         [](const std::string &p) { rewrite(p, [](auto &f) { f["booster"] = "{\"learner\":"; }); }},
        {"sample rows",
         [](const std::string &p) { rewrite(p, [](auto &f) { f["samples"]["total_ms"] = {1.0}; }); }},
        {"missing file", [](const std::string &p) { std::filesystem::remove(p); }},
    };
    for (const auto &c : cases) {
        model->save(path);
        c.damage(path);
        auto loaded = make_xgboost_cost_model(16);
        EXPECT_THROW(loaded->load(path), UserError) << c.what;
    }
    std::filesystem::remove(path);
}

TEST(RandomCostModel, IsUniformDeterministicAndSeeded) {
    Samples query = synthetic_samples(200, 10);
    auto a = make_random_cost_model(1), b = make_random_cost_model(1), c = make_random_cost_model(2);
    std::vector<double> scores = a->predict(query.features);
    EXPECT_EQ(scores, b->predict(query.features));
    EXPECT_NE(scores, c->predict(query.features));
    double mean = 0;
    for (double s : scores) {
        EXPECT_GE(s, 0.0);
        EXPECT_LT(s, 1.0);
        mean += s / scores.size();
    }
    EXPECT_NEAR(mean, 0.5, 0.1);
    std::string path = scratch_path("random.json");
    a->save(path);
    c->load(path);
    EXPECT_EQ(c->predict(query.features), scores);
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace atim::tune
