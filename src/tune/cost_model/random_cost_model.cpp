// The random cost model (ablation `--cost-model random`): a uniform score in [0, 1) per candidate, a hash of
// the seed and the candidate's features, so the same candidate always gets the same score.
#include <cstring>

#include "atim/support/error.h"
#include "atim/tune/cost_model.h"
#include "tune/cost_model/model_file.h"

namespace atim::tune {
namespace {

constexpr const char *kFileFormat = "atim-random-cost-model";

uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/// A hash of the feature values' bits (FNV-1a over each float's representation).
uint64_t hash_features(const std::vector<float> &features) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (float value : features) {
        uint32_t bits = 0;
        std::memcpy(&bits, &value, sizeof bits);
        hash = (hash ^ bits) * 0x100000001b3ull;
    }
    return hash;
}

class RandomCostModel : public CostModel {
public:
    explicit RandomCostModel(uint64_t seed) : seed_(seed) {}

    void update(const std::vector<std::vector<float>> &features,
                const std::vector<double> &total_ms) override {
        ATIM_CHECK(features.size() == total_ms.size(), "{} feature rows for {} times", features.size(),
                   total_ms.size());
        samples_ += total_ms.size();
    }

    std::vector<double> predict(const std::vector<std::vector<float>> &features) const override {
        std::vector<double> scores;
        scores.reserve(features.size());
        for (const auto &row : features) {
            uint64_t bits = splitmix64(seed_ ^ splitmix64(hash_features(row)));
            scores.push_back(static_cast<double>(bits >> 11) * 0x1.0p-53);  // 53 random bits in [0, 1)
        }
        return scores;
    }

    size_t trained_samples() const override { return samples_; }

    void save(const std::string &path) const override {
        nlohmann::json file = cost_model_detail::model_file_header(kFileFormat);
        file.update({{"seed", seed_}, {"samples", samples_}});
        cost_model_detail::write_file_atomically(path, file.dump());
    }

    void load(const std::string &path) override {
        nlohmann::json file = cost_model_detail::parse_model_file(path, kFileFormat);
        try {
            seed_ = file.at("seed").get<uint64_t>();
            samples_ = file.at("samples").get<size_t>();
        } catch (const nlohmann::json::exception &) {
            user_error("cost model file '{}' is corrupt (missing seed or samples); delete it", path);
        }
    }

private:
    uint64_t seed_;
    size_t samples_ = 0;
};

}  // namespace

std::unique_ptr<CostModel> make_random_cost_model(uint64_t seed) {
    return std::make_unique<RandomCostModel>(seed);
}

}  // namespace atim::tune
