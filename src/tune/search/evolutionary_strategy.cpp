// Evolutionary search (atim-method.md §6.1-6.2): a population of the best measured candidates (balanced
// over the two reduction families early on) plus fresh samples, evolved by mutation under the cost model,
// then an epsilon-greedy pick of the batch: cost-model bests plus random fresh samples.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include "epsilon_schedule.h"
#include "search_context.h"
#include "seed_picking.h"

namespace atim::tune::detail {
namespace {

/// Indices sorted by descending score; ties keep their order (deterministic).
std::vector<size_t> best_first(const std::vector<double> &scores) {
    std::vector<size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    return order;
}

/// Parent-selection weights from scores: shifted to be positive; uniform when the model does not separate
/// the candidates (e.g. before it has enough training data).
std::vector<double> selection_weights(const std::vector<double> &scores) {
    const auto [lo, hi] = std::minmax_element(scores.begin(), scores.end());
    std::vector<double> weights(scores.size(), 1.0);
    if (scores.empty() || *hi - *lo < 1e-12) return weights;
    for (size_t i = 0; i < scores.size(); ++i) weights[i] = (scores[i] - *lo) / (*hi - *lo) + 0.01;
    return weights;
}

class EvolutionaryStrategy : public BatchStrategy {
public:
    std::vector<HashedCandidate> propose(int count, SearchContext &context) override {
        const SearchOptions &options = context.options;
        const int done = context.trials_done();
        std::vector<HashedCandidate> population;
        std::unordered_set<uint64_t> in_population;
        const int num_seeds = static_cast<int>(options.population * options.init_measured_ratio);
        const bool balanced = options.balanced_sampling && in_early_phase(options, done);
        for (size_t i : pick_measured_seeds(context.measured, num_seeds, balanced)) {
            population.push_back(context.measured[i].entry);
            in_population.insert(context.measured[i].entry.hash);
        }
        const int num_fresh = std::max(options.population - static_cast<int>(population.size()), count);
        std::vector<HashedCandidate> fresh = context.sample_fresh_unique(num_fresh, in_population);
        population.insert(population.end(), fresh.begin(), fresh.end());
        context.evaluate(population);

        pool_.clear();
        pool_hashes_.clear();
        add_unmeasured(population, context);
        for (int iter = 0; iter < options.genetic_iters && !population.empty(); ++iter) {
            population = evolve(population, context);
            add_unmeasured(population, context);
        }
        return pick(count, fresh, context);
    }

private:
    void add_unmeasured(const std::vector<HashedCandidate> &candidates, const SearchContext &context) {
        for (const HashedCandidate &c : candidates)
            if (!context.measured_hashes.contains(c.hash) && pool_hashes_.insert(c.hash).second)
                pool_.push_back(c);
    }

    /// One genetic iteration: parents drawn by score, mutated with genetic_mutate_prob; children that do
    /// not lower or repeat are dropped and the best-scored parents fill their places.
    std::vector<HashedCandidate> evolve(const std::vector<HashedCandidate> &population,
                                        SearchContext &context) {
        const std::vector<double> scores = context.predict(population);
        const std::vector<double> weights = selection_weights(scores);
        std::discrete_distribution<size_t> pick_parent(weights.begin(), weights.end());
        std::uniform_real_distribution<double> coin(0.0, 1.0);
        std::vector<HashedCandidate> children;
        for (size_t i = 0; i < population.size(); ++i) {
            const HashedCandidate &parent = population[pick_parent(context.rng)];
            if (coin(context.rng) < context.options.mutate_prob) {
                if (std::optional<Candidate> child =
                        mutate_random(parent.candidate, context.workload, context.rng))
                    children.push_back(hashed(std::move(*child)));
            } else {
                children.push_back(parent);
            }
        }
        context.evaluate(children);
        std::vector<HashedCandidate> next;
        std::unordered_set<uint64_t> seen;
        for (HashedCandidate &c : children)
            if (context.info(c.hash).lowers && seen.insert(c.hash).second) next.push_back(std::move(c));
        for (size_t i : best_first(scores)) {
            if (next.size() >= population.size()) break;
            if (seen.insert(population[i].hash).second) next.push_back(population[i]);
        }
        return next;
    }

    /// Epsilon-greedy: round(count * epsilon) random fresh samples, the rest the cost model's bests; every
    /// pick unmeasured, distinct and accepted by the space's verifier.
    std::vector<HashedCandidate> pick(int count, std::vector<HashedCandidate> &fresh,
                                      SearchContext &context) {
        const double epsilon = epsilon_at(context.options, context.trials_done());
        const int num_random = static_cast<int>(std::lround(count * epsilon));
        std::vector<HashedCandidate> batch;
        std::unordered_set<uint64_t> in_batch;
        auto take = [&](const HashedCandidate &c, int limit) {
            if (static_cast<int>(batch.size()) >= limit || context.measured_hashes.contains(c.hash) ||
                in_batch.contains(c.hash) || !context.acceptable(c))
                return;
            in_batch.insert(c.hash);
            batch.push_back(c);
        };
        const std::vector<size_t> order = best_first(context.predict(pool_));
        for (size_t i : order) {
            if (static_cast<int>(batch.size()) >= count - num_random) break;
            take(pool_[i], count - num_random);
        }
        std::shuffle(fresh.begin(), fresh.end(), context.rng);
        for (const HashedCandidate &c : fresh) take(c, count);
        for (size_t i : order) {
            if (static_cast<int>(batch.size()) >= count) break;
            take(pool_[i], count);
        }
        return batch;
    }

    std::vector<HashedCandidate> pool_;  ///< unmeasured candidates of this iteration's populations
    std::unordered_set<uint64_t> pool_hashes_;
};

}  // namespace

std::unique_ptr<BatchStrategy> make_evolutionary_strategy() {
    return std::make_unique<EvolutionaryStrategy>();
}

}  // namespace atim::tune::detail
