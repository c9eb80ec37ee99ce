// The shared state of a tuning run: fresh sampling, the lowering/feature cache and cost-model scoring.
#include "search_context.h"

#include <utility>

#include "atim/lower/lower.h"
#include "atim/lower/program_hash.h"
#include "atim/schedule/schedule.h"
#include "atim/support/error.h"
#include "atim/support/stage_timer.h"
#include "atim/tune/features.h"
#include "tune/runner/candidate_measurement.h"

namespace atim::tune::detail {
namespace {

/// Draws per requested fresh sample before giving up (a sketch may reject most draws on a small shape).
constexpr int kSampleAttempts = 8;
/// Fewest unlowered candidates evaluate() hands to the runner's analyze().
constexpr size_t kRemoteAnalysisMin = 8;

std::unique_ptr<CostModel> make_cost_model(const SearchOptions &options) {
    if (options.use_cost_model) return make_xgboost_cost_model();
    return make_random_cost_model(options.seed);
}

}  // namespace

HashedCandidate hashed(Candidate candidate) {
    StageTimer timer(Stage::Sample);
    uint64_t hash = structural_hash(candidate.trace);
    return {std::move(candidate), hash};
}

SearchContext::SearchContext(const workloads::Workload &workload_, const target::UpmemMachine &machine_,
                             const SearchOptions &options_, Runner *analyzer)
    : workload(workload_),
      machine(machine_),
      options(options_),
      sketches(generate_sketches(workload_, machine_, options_.space)),
      cost_model(make_cost_model(options_)),
      rng(options_.seed),
      analyzer_(analyzer) {
    ATIM_CHECK(!sketches.empty(), "no sketches for workload {}", workload.name);
}

SketchFamily SearchContext::family_of(const Candidate &candidate) const {
    return sketches.at(static_cast<size_t>(candidate.sketch)).family;
}

void SearchContext::evaluate(const std::vector<HashedCandidate> &candidates) {
    std::vector<const HashedCandidate *> unlowered;
    std::unordered_set<uint64_t> queued;
    for (const HashedCandidate &c : candidates)
        if (!cache_.contains(c.hash) && queued.insert(c.hash).second) unlowered.push_back(&c);
    if (unlowered.empty()) return;
    std::vector<schedule::Trace> traces;
    for (const HashedCandidate *c : unlowered) traces.push_back(c->candidate.trace);
    // A population's worth goes through the runner, which may spread it over other processes; the
    // candidate-by-candidate checks of batch assembly are cheaper here than a round trip.
    std::vector<CandidateAnalysis> analyses =
        analyzer_ && unlowered.size() >= kRemoteAnalysisMin
            ? analyzer_->analyze(workload, traces, machine, options.space.opt_level)
            : analyze_candidates(workload, traces, machine, options.space.opt_level, 0);
    ATIM_CHECK(analyses.size() == unlowered.size(), "{} analyses for {} candidates", analyses.size(),
               unlowered.size());
    for (size_t i = 0; i < unlowered.size(); ++i) {
        CandidateInfo &info = cache_[unlowered[i]->hash];
        info.lowers = analyses[i].lowers;
        info.features = std::move(analyses[i].features);
        info.program_hash = analyses[i].program_hash;
    }
}

const CandidateInfo &SearchContext::info(uint64_t hash) const {
    auto found = cache_.find(hash);
    ATIM_CHECK(found != cache_.end(), "candidate {:016x} was not evaluated", hash);
    return found->second;
}

bool SearchContext::acceptable(const HashedCandidate &candidate) {
    evaluate({candidate});
    CandidateInfo &entry = cache_.at(candidate.hash);
    if (!entry.lowers) return false;
    if (!entry.accepted)
        entry.accepted = !reject_reason(candidate.candidate, workload, machine, options.space).has_value();
    return *entry.accepted;
}

bool SearchContext::is_new_program(const HashedCandidate &candidate,
                                   std::unordered_set<uint64_t> &batch_programs) {
    if (measured_hashes.contains(candidate.hash)) return false;
    evaluate({candidate});
    const CandidateInfo &entry = info(candidate.hash);
    return entry.lowers && !measured_programs.contains(entry.program_hash) &&
           batch_programs.insert(entry.program_hash).second;
}

void SearchContext::mark_measured(const HashedCandidate &candidate) {
    measured_hashes.insert(candidate.hash);
    evaluate({candidate});
    if (info(candidate.hash).lowers) measured_programs.insert(info(candidate.hash).program_hash);
}

std::vector<double> SearchContext::predict(const std::vector<HashedCandidate> &candidates) const {
    std::vector<std::vector<float>> features;
    features.reserve(candidates.size());
    for (const HashedCandidate &c : candidates) features.push_back(info(c.hash).features);
    if (features.empty()) return {};
    return cost_model->predict(features);
}

std::optional<HashedCandidate> SearchContext::sample_fresh() {
    StageTimer timer(Stage::Sample);
    std::uniform_int_distribution<int> pick_sketch(0, static_cast<int>(sketches.size()) - 1);
    for (int attempt = 0; attempt < kSampleAttempts; ++attempt) {
        const int sketch = pick_sketch(rng);
        if (std::optional<Candidate> c = sample_candidate(sketches, sketch, workload, rng()))
            return hashed(std::move(*c));
    }
    return std::nullopt;
}

std::vector<HashedCandidate> SearchContext::sample_fresh_unique(int count,
                                                                std::unordered_set<uint64_t> &seen) {
    std::vector<HashedCandidate> drawn;
    for (int attempt = 0; attempt < count * kSampleAttempts && static_cast<int>(drawn.size()) < count;) {
        // Draw in chunks so lowering of the chunk runs in parallel.
        std::vector<HashedCandidate> chunk;
        for (int i = static_cast<int>(drawn.size()); i < count; ++i, ++attempt)
            if (std::optional<HashedCandidate> c = sample_fresh()) chunk.push_back(std::move(*c));
        if (chunk.empty()) break;
        evaluate(chunk);
        for (HashedCandidate &c : chunk) {
            if (static_cast<int>(drawn.size()) >= count) break;
            if (!info(c.hash).lowers || measured_hashes.contains(c.hash) ||
                measured_programs.contains(info(c.hash).program_hash) || !seen.insert(c.hash).second)
                continue;
            drawn.push_back(std::move(c));
        }
    }
    return drawn;
}

}  // namespace atim::tune::detail
