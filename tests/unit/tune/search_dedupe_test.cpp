// No trial is spent on a program already measured: candidates are told apart by the hash of the program they
// lower to, not by their trace, within a batch, across a run and across a run resumed from its records.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <unordered_set>

#include "atim/lower/lower.h"
#include "atim/lower/program_hash.h"
#include "atim/tune/search.h"
#include "tune/search/search_context.h"
#include "unit/tune/fake_runner.h"

namespace atim::tune {
namespace {

namespace fs = std::filesystem;
using detail::HashedCandidate;

// `c` with another weight on the first categorical decision: another trace (and structural hash), the
// same program, since weights only steer fresh draws.
Candidate reweighted(const Candidate &c) {
    for (size_t i : c.trace.sampling_indices()) {
        schedule::Instruction inst = c.trace.instructions()[i];
        if (inst.kind != "sample_categorical") continue;
        std::vector<double> weights = inst.attrs.at("probabilities").get<std::vector<double>>();
        weights[0] += 1.0;
        inst.attrs["probabilities"] = weights;
        return Candidate{c.trace.with_instruction(i, std::move(inst)), c.sketch};
    }
    ADD_FAILURE() << "no categorical decision";
    return c;
}

TEST(ProgramDedupe, ATraceOfAMeasuredProgramIsNotNew) {
    const target::UpmemMachine m = target::load_machine("upmem-2048");
    const workloads::Workload w = workloads::make_workload("mtv", {64, 64});
    SearchOptions options;
    detail::SearchContext context(w, m, options);
    std::optional<Candidate> c;
    for (uint64_t seed = 1; !c; ++seed) {
        c = sample_candidate(context.sketches, 0, w, seed);
        if (c && !context.acceptable(detail::hashed(*c))) c.reset();
    }
    const HashedCandidate original = detail::hashed(*c), twin = detail::hashed(reweighted(*c));
    ASSERT_NE(original.hash, twin.hash);
    context.evaluate({original, twin});
    ASSERT_TRUE(context.info(twin.hash).lowers);
    EXPECT_EQ(context.info(original.hash).program_hash, context.info(twin.hash).program_hash);

    // Within a batch: the twin is refused once the original is in.
    std::unordered_set<uint64_t> batch;
    EXPECT_TRUE(context.is_new_program(original, batch));
    EXPECT_FALSE(context.is_new_program(twin, batch));
    // Across the run: once the original is measured, neither is new.
    context.mark_measured(original);
    std::unordered_set<uint64_t> next_batch;
    EXPECT_FALSE(context.is_new_program(twin, next_batch));
    EXPECT_FALSE(context.is_new_program(original, next_batch));
    // Another program still is.
    std::optional<Candidate> other;
    for (uint64_t seed = 100; !other; ++seed) {
        other = sample_candidate(context.sketches, 1, w, seed);
        if (other && !context.acceptable(detail::hashed(*other))) other.reset();
    }
    EXPECT_TRUE(context.is_new_program(detail::hashed(*other), next_batch));
}

class SearchDedupe : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               fmt::format("atim-dedupe-{}-{}",
                           ::testing::UnitTest::GetInstance()->current_test_info()->name(), ::getpid());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        options_.trials = 40;
        options_.batch = 8;
        options_.population = 24;
        options_.genetic_iters = 2;
        options_.seed = 5;
    }
    void TearDown() override { fs::remove_all(dir_); }
    Database db(const std::string &name) { return Database::open((dir_ / name).string()); }

    // The program hash of every record, in trial order.
    std::vector<uint64_t> programs(const std::vector<TuningRecord> &records,
                                   const workloads::Workload &w) const {
        std::vector<uint64_t> hashes;
        for (const TuningRecord &r : records) {
            schedule::Schedule sch = schedule::Trace::from_json(r.trace_json).replay(w.func);
            sch.set_resident_inputs(w.resident_inputs);
            hashes.push_back(lower::program_hash(lower::lower(sch, machine_, {})));
        }
        return hashes;
    }

    fs::path dir_;
    target::UpmemMachine machine_ = target::load_machine("upmem-2048");
    // Small 1-D shapes, where many decisions (cache levels over loops of extent 1, unroll steps above a short
    // loop's trip count) change the trace only: without the program hash, these runs measure 1 to 21 of
    // their 40 trials twice.
    const std::vector<workloads::Workload> small_ = {workloads::make_workload("va", {256}),
                                                     workloads::make_workload("red", {512})};
    SearchOptions options_;
};

TEST_F(SearchDedupe, EveryStrategyMeasuresEachProgramOnce) {
    for (const workloads::Workload &w : small_) {
        for (SearchStrategy strategy :
             {SearchStrategy::Evolutionary, SearchStrategy::Random, SearchStrategy::Grid}) {
            options_.strategy = strategy;
            Database d = db(fmt::format("{}-{}.db", w.name, static_cast<int>(strategy)));
            FakeRunner runner;
            const TuneResult r = tune(w, machine_, runner, d, options_);
            const std::vector<uint64_t> hashes = programs(d.run_records(r.run), w);
            // The grid runs out of programs on red 512 (21 of them) before the 40 trials.
            EXPECT_EQ(hashes.size(), static_cast<size_t>(r.trials));
            EXPECT_GE(r.trials, 20) << w.name << " strategy " << static_cast<int>(strategy);
            EXPECT_EQ(std::set<uint64_t>(hashes.begin(), hashes.end()).size(), hashes.size())
                << w.name << " strategy " << static_cast<int>(strategy);
        }
    }
}

TEST_F(SearchDedupe, AResumedRunMeasuresNoRecordedProgramAgain) {
    // The grid on red 512 repeats programs throughout (19 programs in 40 trials without the program hash; 21
    // trials with it, where it runs out), so the trials after the interruption meet programs of the records
    // before it.
    options_.strategy = SearchStrategy::Grid;
    const workloads::Workload &w = small_[1];
    Database cut = db("cut.db");
    FakeRunner runner;
    struct Interrupted {};
    EXPECT_THROW(tune(w, machine_, runner, cut, options_,
                      [](const TuneProgress &p) {
                          if (p.trials_done >= 16) throw Interrupted{};
                      }),
                 Interrupted);
    SearchOptions resume = options_;
    resume.resume = true;
    const TuneResult resumed = tune(w, machine_, runner, cut, resume);
    EXPECT_EQ(resumed.reused, 16);
    EXPECT_GT(resumed.trials, 16);
    const std::vector<uint64_t> hashes = programs(cut.run_records(resumed.run), w);
    ASSERT_EQ(hashes.size(), static_cast<size_t>(resumed.trials));
    EXPECT_EQ(std::set<uint64_t>(hashes.begin(), hashes.end()).size(), hashes.size());
}

}  // namespace
}  // namespace atim::tune
