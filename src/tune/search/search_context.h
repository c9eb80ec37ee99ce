// The state one tuning run's strategies share: the space, the cost model, the cache of lowered candidates,
// the run's random source and what has been measured so far.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "atim/target/upmem_machine.h"
#include "atim/tune/cost_model.h"
#include "atim/tune/measure.h"
#include "atim/tune/search.h"
#include "atim/tune/space.h"
#include "atim/workloads/workload.h"

namespace atim::tune::detail {

/// A candidate with its structural hash (computed once).
struct HashedCandidate {
    Candidate candidate;
    uint64_t hash = 0;
};
HashedCandidate hashed(Candidate candidate);

/// A measured trial of the run.
struct MeasuredCandidate {
    HashedCandidate entry;
    SketchFamily family = SketchFamily::Spatial;
    MeasureResult result;
    int64_t trial = 0;
};

/// What the search knows about a candidate without measuring it (cached by structural hash).
struct CandidateInfo {
    bool lowers = false;          ///< replays and lowers on the machine
    std::vector<float> features;  ///< cost-model features (when it lowers)
    std::optional<bool>
        accepted;               ///< reject_reason() passed (asked only for candidates about to be measured)
    uint64_t program_hash = 0;  ///< lower::program_hash of the lowered program (when it lowers)
};

class SearchContext {
public:
    /// `analyzer`: the runner whose analyze() lowers large sets of candidates (nullptr: this process).
    SearchContext(const workloads::Workload &workload, const target::UpmemMachine &machine,
                  const SearchOptions &options, Runner *analyzer = nullptr);

    const workloads::Workload &workload;
    const target::UpmemMachine &machine;
    const SearchOptions &options;
    std::vector<Sketch> sketches;
    std::unique_ptr<CostModel> cost_model;
    std::mt19937_64 rng;
    std::vector<MeasuredCandidate> measured;
    std::unordered_set<uint64_t> measured_hashes;
    /// Programs measured in this run (with --resume, those of the records replayed so far): a trace that
    /// lowers to one of them is never measured again.
    std::unordered_set<uint64_t> measured_programs;

    int trials_done() const { return static_cast<int>(measured.size()); }
    SketchFamily family_of(const Candidate &candidate) const;

    /// Lowers every candidate not in the cache yet (on worker threads; results do not depend on their
    /// number) and extracts its features.
    void evaluate(const std::vector<HashedCandidate> &candidates);
    /// The cached info; evaluate() must have seen the candidate.
    const CandidateInfo &info(uint64_t hash) const;
    /// Lowers and passes the space's verifier (reject_reason), cached; for candidates about to be measured.
    bool acceptable(const HashedCandidate &candidate);
    /// Whether the candidate lowers to a program neither measured in this run nor in `batch_programs`, to
    /// which it is then added (the last gate before a candidate joins a batch).
    bool is_new_program(const HashedCandidate &candidate, std::unordered_set<uint64_t> &batch_programs);
    /// Records a measured candidate's trace and program as measured.
    void mark_measured(const HashedCandidate &candidate);
    /// Cost-model scores (higher: predicted faster) of evaluated, lowering candidates.
    std::vector<double> predict(const std::vector<HashedCandidate> &candidates) const;

    /// A fresh sample of a uniformly chosen sketch (nullopt after repeated failed draws).
    std::optional<HashedCandidate> sample_fresh();
    /// Up to `count` fresh samples that lower, are not measured and not in `seen` (added to it).
    std::vector<HashedCandidate> sample_fresh_unique(int count, std::unordered_set<uint64_t> &seen);

private:
    std::map<uint64_t, CandidateInfo> cache_;
    Runner *analyzer_ = nullptr;
};

/// Strategy interface: proposes the next batch of unmeasured, distinct candidates.
class BatchStrategy {
public:
    virtual ~BatchStrategy() = default;
    /// Up to `count` candidates (fewer when the space is exhausted).
    virtual std::vector<HashedCandidate> propose(int count, SearchContext &context) = 0;
};

std::unique_ptr<BatchStrategy> make_evolutionary_strategy();
std::unique_ptr<BatchStrategy> make_random_strategy();
std::unique_ptr<BatchStrategy> make_grid_strategy();

}  // namespace atim::tune::detail
