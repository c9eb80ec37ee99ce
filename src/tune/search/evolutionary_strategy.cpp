// Evolutionary search (atim-method.md §6.1-6.2): a population of the best measured candidates (balanced
// over the two reduction families early on) plus fresh samples, evolved by mutation under the cost model,
// then an epsilon-greedy pick of the batch: cost-model bests plus random fresh samples. Beyond ATiM, the
// search is seeded with PrIM+Search's grid written in our sketches (prim_seeding.h), as TVM MetaSchedule's
// EvolutionarySearch starts from schedules injected into its initial population: the first batch measures
// PrIM's own points and a spread of the grid, and the other grid points stay in the pool the cost model ranks
// every round. Also beyond ATiM, a share of every later batch is a local search: the model's best neighbours
// (space's neighbours()) of the fastest program measured so far.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <tuple>
#include <unordered_set>

#include "atim/support/stage_timer.h"
#include "epsilon_schedule.h"
#include "prim_seeding.h"
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

/// The index of the first instruction whose decision differs between two traces of one sketch.
size_t first_changed_decision(const schedule::Trace &a, const schedule::Trace &b) {
    for (size_t i : a.sampling_indices())
        if (i >= b.instructions().size() || a.instructions()[i].decision != b.instructions()[i].decision)
            return i;
    return a.instructions().size();
}

/// For a DPU split (two factors), whether the move at instruction `index` adds DPUs (1) or removes them
/// (-1); 0 for other decisions. A pattern search tries both directions of a count before repeating one: the
/// model, trained on a few dozen measurements, tends to rank all moves of one direction first.
int direction_of_move(const schedule::Trace &from, const schedule::Trace &to, size_t index) {
    if (index >= from.instructions().size()) return 0;
    const std::vector<int64_t> &before = from.instructions()[index].decision;
    const std::vector<int64_t> &after = to.instructions()[index].decision;
    if (before.size() != 2 || after.size() != 2) return 0;
    return after[0] > before[0] ? 1 : -1;
}

class EvolutionaryStrategy : public BatchStrategy {
public:
    std::vector<HashedCandidate> propose(int count, SearchContext &context) override {
        const SearchOptions &options = context.options;
        const int done = context.trials_done();
        if (options.prim_seeds && !seeded_) {
            seeds_ = prim_search_seeds(context);
            seeded_ = true;
        }
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
        add_unmeasured(seeds_.candidates, context);
        if (options.incumbent_share > 0) find_neighbours(context);
        return pick(count, fresh, context);
    }

private:
    /// The neighbourhoods (space's neighbours()) of the fastest measured candidates: unmeasured, distinct,
    /// lowering to another program; neighbour_groups_ numbers each by its incumbent, the decision it changed
    /// and, for DPU counts, the direction.
    void find_neighbours(SearchContext &context) {
        constexpr int kIncumbents = 1;
        neighbours_.clear();
        neighbour_groups_.clear();
        std::unordered_set<uint64_t> seen;
        // (incumbent, changed instruction, direction) -> group
        std::map<std::tuple<size_t, size_t, int>, size_t> group_of;
        std::vector<HashedCandidate> found;
        std::vector<size_t> incumbent_of;
        const std::vector<size_t> incumbents = pick_measured_seeds(context.measured, kIncumbents, false);
        for (size_t i : incumbents) {
            StageTimer timer(Stage::Sample);
            for (Candidate &c :
                 neighbours(context.measured[i].entry.candidate, context.sketches, context.workload)) {
                HashedCandidate h = hashed(std::move(c));
                if (context.measured_hashes.contains(h.hash) || !seen.insert(h.hash).second) continue;
                found.push_back(std::move(h));
                incumbent_of.push_back(i);
            }
        }
        context.evaluate(found);
        for (size_t i : incumbents) context.evaluate({context.measured[i].entry});
        for (size_t k = 0; k < found.size(); ++k) {
            const MeasuredCandidate &incumbent = context.measured[incumbent_of[k]];
            const CandidateInfo &info = context.info(found[k].hash);
            // A move that lowers to the program the incumbent already is (e.g. a cache moved across a loop
            // of extent 1, an unroll of a loop too short to unroll) would spend a trial on a repeat.
            if (!info.lowers || info.program_hash == context.info(incumbent.entry.hash).program_hash)
                continue;
            const size_t changed =
                first_changed_decision(incumbent.entry.candidate.trace, found[k].candidate.trace);
            const auto key = std::make_tuple(
                incumbent_of[k], changed,
                direction_of_move(incumbent.entry.candidate.trace, found[k].candidate.trace, changed));
            neighbour_groups_.push_back(group_of.emplace(key, group_of.size()).first->second);
            neighbours_.push_back(std::move(found[k]));
        }
    }

    /// Neighbours into the batch until `full`: the model's best of each group in turn (groups by their best
    /// score), so that every decision of the incumbent, and a DPU count in both directions, is moved before
    /// any is moved twice.
    void take_neighbours(const SearchContext &context,
                         const std::function<void(const HashedCandidate &)> &take,
                         const std::function<bool()> &full) const {
        std::map<size_t, std::vector<size_t>> by_group;  // group -> indices into neighbours_, best first
        std::vector<size_t> group_order;
        for (size_t k : best_first(context.predict(neighbours_))) {
            std::vector<size_t> &members = by_group[neighbour_groups_[k]];
            if (members.empty()) group_order.push_back(neighbour_groups_[k]);
            members.push_back(k);
        }
        for (size_t round = 0; !full(); ++round) {
            bool any = false;
            for (size_t group : group_order) {
                if (full()) return;
                const std::vector<size_t> &members = by_group[group];
                if (round >= members.size()) continue;
                any = true;
                take(neighbours_[members[round]]);
            }
            if (!any) return;
        }
    }

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
                StageTimer timer(Stage::Sample);
                if (std::optional<Candidate> child =
                        mutate_random(parent.candidate, context.sketches, context.workload, context.rng))
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
        std::unordered_set<uint64_t> in_batch, programs;
        // Never a trial on a program already measured or already in the batch, whatever trace builds it.
        auto take = [&](const HashedCandidate &c, int limit) {
            if (static_cast<int>(batch.size()) >= limit || context.measured_hashes.contains(c.hash) ||
                in_batch.contains(c.hash) || !context.acceptable(c) || !context.is_new_program(c, programs))
                return;
            in_batch.insert(c.hash);
            batch.push_back(c);
        };
        // Before the cost model has seen a measurement its ranking means nothing, so the model's share of the
        // first batch goes to the seeds: PrIM's own points (one per DPU count), then the grid in spread
        // order.
        if (context.trials_done() == 0)
            for (const HashedCandidate &seed : seeds_.candidates) take(seed, count - num_random);
        // A share of the model's picks stays next to the fastest program measured so far. The pool is mostly
        // mutants of fresh samples, and after 16 measurements the model's picks from it were all slower than
        // the first batch's best on va, red and geva (4 MB); there, small moves (a DPU rank, a factor of 2
        // between the WRAM block and its steps) are what separate the best programs.
        const int local =
            static_cast<int>(std::lround((count - num_random) * context.options.incumbent_share));
        take_neighbours(
            context, [&](const HashedCandidate &c) { take(c, local); },
            [&] { return static_cast<int>(batch.size()) >= local; });
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
    std::vector<HashedCandidate> neighbours_;  ///< one move away from the fastest measured candidates
    std::vector<size_t> neighbour_groups_;     ///< per neighbour: its (incumbent, decision, direction) group
    PrimSeeds seeds_;                          ///< built on the first proposal (options.prim_seeds)
    bool seeded_ = false;
};

}  // namespace

std::unique_ptr<BatchStrategy> make_evolutionary_strategy() {
    return std::make_unique<EvolutionaryStrategy>();
}

}  // namespace atim::tune::detail
