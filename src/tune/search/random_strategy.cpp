// Random search (ablation): every batch is uniform fresh samples of the sketches, unmeasured and distinct.
#include <unordered_set>

#include "search_context.h"

namespace atim::tune::detail {
namespace {

class RandomStrategy : public BatchStrategy {
public:
    std::vector<HashedCandidate> propose(int count, SearchContext &context) override {
        std::vector<HashedCandidate> batch;
        std::unordered_set<uint64_t> seen, programs;
        // A few rounds: some samples are refused by the verifier (or repeat a program) and must be replaced.
        for (int round = 0; round < 4 && static_cast<int>(batch.size()) < count; ++round) {
            for (HashedCandidate &c :
                 context.sample_fresh_unique(count - static_cast<int>(batch.size()), seen))
                if (context.acceptable(c) && context.is_new_program(c, programs))
                    batch.push_back(std::move(c));
        }
        return batch;
    }
};

}  // namespace

std::unique_ptr<BatchStrategy> make_random_strategy() { return std::make_unique<RandomStrategy>(); }

}  // namespace atim::tune::detail
