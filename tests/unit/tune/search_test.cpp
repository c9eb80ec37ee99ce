// The tuning loop with a fake runner (deterministic times from the trace hash, some failures): same seed
// gives the same records, an interrupted run resumes into exactly the records of an uninterrupted one, a
// rerun without --resume is a new run, ATiM's epsilon schedule and balanced seeds, the PrIM+Search seeds and
// the incumbents' neighbourhoods, and the random and grid strategies.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <tuple>

#include "atim/support/error.h"
#include "atim/tune/search.h"
#include "tune/search/epsilon_schedule.h"
#include "tune/search/prim_seeding.h"
#include "tune/search/search_context.h"
#include "tune/search/seed_picking.h"
#include "unit/tune/fake_runner.h"

namespace atim::tune {
namespace {

namespace fs = std::filesystem;

class Search : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               fmt::format("atim-search-{}-{}",
                           ::testing::UnitTest::GetInstance()->current_test_info()->name(), ::getpid());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        machine_ = target::load_machine("upmem-2048");
        options_.trials = 24;
        options_.batch = 8;
        options_.population = 24;
        options_.genetic_iters = 2;
        options_.seed = 5;
    }
    void TearDown() override { fs::remove_all(dir_); }
    Database db(const std::string &name) { return Database::open((dir_ / name).string()); }

    fs::path dir_;
    target::UpmemMachine machine_;
    workloads::Workload mtv_ = workloads::make_workload("mtv", {64, 64});
    SearchOptions options_;
};

using Signature = std::vector<std::tuple<int64_t, std::string, uint64_t, std::string>>;

Signature signature(const std::vector<TuningRecord> &records) {
    Signature s;
    for (const TuningRecord &r : records)
        s.emplace_back(r.trial, r.sketch, r.trace_hash, r.result.to_json().dump());
    return s;
}

TEST_F(Search, SameSeedSameRecords) {
    Database a = db("a.db"), b = db("b.db"), c = db("c.db");
    FakeRunner runner;
    TuneResult ra = tune(mtv_, machine_, runner, a, options_);
    TuneResult rb = tune(mtv_, machine_, runner, b, options_);
    EXPECT_EQ(ra.trials, 24);
    EXPECT_EQ(ra.valid + ra.failed, 24);
    EXPECT_EQ(signature(a.run_records(ra.run)), signature(b.run_records(rb.run)));
    ASSERT_TRUE(ra.best.has_value());
    EXPECT_EQ(ra.best->trace_hash, rb.best->trace_hash);
    std::set<uint64_t> distinct;
    for (const TuningRecord &r : a.run_records(ra.run)) distinct.insert(r.trace_hash);
    EXPECT_EQ(distinct.size(), 24u);  // deduplicated by structural hash
    SearchOptions other = options_;
    other.seed = 6;
    TuneResult rc = tune(mtv_, machine_, runner, c, other);
    EXPECT_NE(signature(a.run_records(ra.run)), signature(c.run_records(rc.run)));
}

TEST_F(Search, ResumeAfterInterruptionReproducesTheUninterruptedRun) {
    Database whole = db("whole.db"), cut = db("cut.db");
    FakeRunner runner;
    TuneResult uninterrupted = tune(mtv_, machine_, runner, whole, options_);

    struct Interrupted {};
    EXPECT_THROW(tune(mtv_, machine_, runner, cut, options_,
                      [](const TuneProgress &p) {
                          if (p.trials_done >= 16) throw Interrupted{};
                      }),
                 Interrupted);
    EXPECT_EQ(cut.size(), 16);
    SearchOptions resume = options_;
    resume.resume = true;
    FakeRunner counting;
    TuneResult resumed = tune(mtv_, machine_, counting, cut, resume);
    EXPECT_EQ(resumed.run, uninterrupted.run);
    EXPECT_EQ(resumed.reused, 16);
    // 8 new trials, the measurement of prim that bounds the first trials (repeated: it is not recorded), and
    // the final full check of the best (the fake runner passes it at the first try).
    EXPECT_EQ(counting.measured, 8 + 1 + 1);
    std::vector<TuningRecord> records = cut.run_records(resumed.run);
    EXPECT_EQ(signature(records), signature(whole.run_records(uninterrupted.run)));
    std::set<int64_t> trials;
    for (const TuningRecord &r : records)
        EXPECT_TRUE(trials.insert(r.trial).second) << "duplicate " << r.trial;
    EXPECT_EQ(resumed.best->trace_hash, uninterrupted.best->trace_hash);
}

TEST_F(Search, RerunWithoutResumeIsANewIdenticalRun) {
    Database d = db("d.db");
    FakeRunner runner;
    TuneResult first = tune(mtv_, machine_, runner, d, options_);
    TuneResult second = tune(mtv_, machine_, runner, d, options_);
    EXPECT_EQ(second.run, first.run + "#2");
    EXPECT_EQ(signature(d.run_records(first.run)), signature(d.run_records(second.run)));
    EXPECT_EQ(d.size(), 48);
}

TEST_F(Search, ResumeRefusesRecordsOfAnotherTrajectory) {
    Database d = db("d.db");
    TuningRecord alien;
    alien.workload = workload_key("mtv", "64x64", "int32");
    alien.machine = machine_fingerprint(machine_);
    alien.run = run_key(mtv_, alien.machine, options_);
    alien.trial = 0;
    alien.sketch = "other";
    alien.trace_hash = 42;
    alien.trace_json = schedule::Trace().to_json();
    alien.result.status = MeasureStatus::Invalid;
    alien.result.error = "x";
    d.add(alien);
    SearchOptions resume = options_;
    resume.resume = true;
    FakeRunner runner;
    try {
        tune(mtv_, machine_, runner, d, resume);
        ADD_FAILURE() << "expected a UserError";
    } catch (const UserError &e) {
        EXPECT_NE(std::string(e.what()).find("cannot resume"), std::string::npos) << e.what();
    }
}

TEST(EpsilonSchedule, DecaysFromHalfToBaseOverTheEarlyPhase) {
    SearchOptions options;
    options.trials = 1000;
    options.early_phase_max_trials = 0;  // ATiM's rule: 40% of the budget
    struct Case {
        int done;
        double want;
    };
    for (const Case &c :
         std::vector<Case>{{0, 0.5}, {200, 0.275}, {399, 0.05 + 0.45 / 400}, {400, 0.05}, {999, 0.05}}) {
        EXPECT_NEAR(detail::epsilon_at(options, c.done), c.want, 1e-12) << c.done;
    }
    EXPECT_TRUE(detail::in_early_phase(options, 399));
    EXPECT_FALSE(detail::in_early_phase(options, 400));
    options.adaptive_epsilon = false;
    options.epsilon = 0.1;
    EXPECT_DOUBLE_EQ(detail::epsilon_at(options, 0), 0.1);
    EXPECT_DOUBLE_EQ(detail::epsilon_at(options, 700), 0.1);
}

TEST(EpsilonSchedule, EarlyPhaseEndsAtTheCapWhateverTheBudget) {
    SearchOptions options;
    options.trials = 1000;
    options.early_phase_max_trials = 128;
    EXPECT_DOUBLE_EQ(detail::early_phase_trials(options), 128);
    EXPECT_NEAR(detail::epsilon_at(options, 64), 0.5 - 0.45 * 64 / 128, 1e-12);
    EXPECT_DOUBLE_EQ(detail::epsilon_at(options, 128), 0.05);
    EXPECT_TRUE(detail::in_early_phase(options, 127));
    EXPECT_FALSE(detail::in_early_phase(options, 128));
    // A budget whose 40% is below the cap keeps ATiM's share.
    options.trials = 64;
    EXPECT_NEAR(detail::early_phase_trials(options), 25.6, 1e-12);
}

TEST(SeedPicking, BalancedAlternatesFamiliesFastestFirst) {
    std::vector<detail::MeasuredCandidate> measured;
    auto add = [&](SketchFamily family, double ms, bool ok = true) {
        detail::MeasuredCandidate m;
        m.family = family;
        m.result.status = ok ? MeasureStatus::Ok : MeasureStatus::RunFailed;
        m.result.total_ms = ms;
        m.trial = static_cast<int64_t>(measured.size());
        measured.push_back(m);
    };
    // The split family is faster everywhere: plain elitism would keep only it.
    add(SketchFamily::ReductionSplit, 1.0);         // 0
    add(SketchFamily::ReductionSplit, 2.0);         // 1
    add(SketchFamily::ReductionSplit, 3.0);         // 2
    add(SketchFamily::ReductionInDpu, 9.0);         // 3
    add(SketchFamily::ReductionInDpu, 8.0);         // 4
    add(SketchFamily::ReductionInDpu, 0.5, false);  // 5: failed, never a seed
    EXPECT_EQ(detail::pick_measured_seeds(measured, 3, false), (std::vector<size_t>{0, 1, 2}));
    EXPECT_EQ(detail::pick_measured_seeds(measured, 3, true), (std::vector<size_t>{0, 4, 1}));
    // Stops when a family runs out.
    EXPECT_EQ(detail::pick_measured_seeds(measured, 10, true), (std::vector<size_t>{0, 4, 1, 3}));
    measured.resize(3);  // one family only: the fastest, as without balancing
    EXPECT_EQ(detail::pick_measured_seeds(measured, 2, true), (std::vector<size_t>{0, 1}));
}

TEST_F(Search, EarlyBatchesKeepBothFamilies) {
    Database d = db("d.db");
    FakeRunner runner;
    options_.trials = 32;
    TuneResult r = tune(mtv_, machine_, runner, d, options_);
    const std::vector<TuningRecord> records = d.run_records(r.run);
    ASSERT_EQ(records.size(), 32u);
    std::vector<Sketch> sketches = generate_sketches(mtv_, machine_);
    auto family = [&](const std::string &name) {
        for (const Sketch &s : sketches)
            if (s.name == name) return s.family;
        ADD_FAILURE() << "unknown sketch " << name;
        return SketchFamily::Spatial;
    };
    const int early = static_cast<int>(options_.early_phase * options_.trials);
    for (int start = 0; start < early; start += options_.batch) {
        std::set<SketchFamily> families;
        for (int t = start; t < start + options_.batch; ++t) families.insert(family(records[t].sketch));
        EXPECT_TRUE(families.contains(SketchFamily::ReductionSplit)) << "batch at " << start;
        EXPECT_TRUE(families.contains(SketchFamily::ReductionInDpu)) << "batch at " << start;
    }
}

TEST_F(Search, FirstBatchMeasuresPrimSeedsInTheModelsShare) {
    detail::SearchContext context(mtv_, machine_, options_);
    const detail::PrimSeeds seeds = detail::prim_search_seeds(context);
    ASSERT_GE(seeds.prim_points, 1u);
    ASSERT_GE(seeds.candidates.size(), 4u);
    // First batch of 8 at epsilon 0.5: 4 random samples, the model's 4 places go to the first 4 seeds.
    Database d = db("d.db");
    FakeRunner runner;
    TuneResult r = tune(mtv_, machine_, runner, d, options_);
    std::set<uint64_t> first_batch;
    for (const TuningRecord &rec : d.run_records(r.run))
        if (rec.trial < options_.batch) first_batch.insert(rec.trace_hash);
    for (size_t i = 0; i < 4; ++i)
        EXPECT_TRUE(first_batch.contains(seeds.candidates[i].hash)) << "seed " << i << " not measured first";

    SearchOptions unseeded = options_;
    unseeded.prim_seeds = false;
    Database u = db("u.db");
    TuneResult ru = tune(mtv_, machine_, runner, u, unseeded);
    EXPECT_NE(ru.run, r.run);  // seeding changes the trajectory, so it is part of the run key
    for (const TuningRecord &rec : u.run_records(ru.run))
        EXPECT_NE(rec.trace_hash, seeds.candidates[0].hash) << "trial " << rec.trial;
}

TEST_F(Search, LaterBatchesMeasureNeighboursOfTheFastest) {
    Database d = db("d.db");
    FakeRunner runner;
    options_.trials = 16;
    TuneResult r = tune(mtv_, machine_, runner, d, options_);
    const std::vector<TuningRecord> records = d.run_records(r.run);
    ASSERT_EQ(records.size(), 16u);
    // The two fastest of the first batch and their neighbourhoods, as the strategy saw them.
    std::vector<const TuningRecord *> first;
    for (const TuningRecord &rec : records)
        if (rec.trial < options_.batch && rec.result.ok()) first.push_back(&rec);
    std::stable_sort(first.begin(), first.end(), [](const TuningRecord *a, const TuningRecord *b) {
        return a->result.total_ms < b->result.total_ms;
    });
    ASSERT_GE(first.size(), 2u);
    const std::vector<Sketch> sketches = generate_sketches(mtv_, machine_);
    std::set<uint64_t> near;
    for (size_t k = 0; k < 2; ++k) {
        int sketch = 0;
        while (sketches[sketch].name != first[k]->sketch) ++sketch;
        const Candidate incumbent{schedule::Trace::from_json(first[k]->trace_json), sketch};
        for (const Candidate &c : neighbours(incumbent, sketches, mtv_))
            near.insert(structural_hash(c.trace));
    }
    int from_neighbourhoods = 0;
    for (const TuningRecord &rec : records)
        if (rec.trial >= options_.batch && near.contains(rec.trace_hash)) ++from_neighbourhoods;
    // Batch 2: epsilon ~0.13 leaves 7 model places, half of them (4) for neighbours.
    EXPECT_GE(from_neighbourhoods, 4);

    SearchOptions global_only = options_;
    global_only.incumbent_share = 0;
    Database g = db("g.db");
    TuneResult rg = tune(mtv_, machine_, runner, g, global_only);
    int near_without = 0;
    for (const TuningRecord &rec : g.run_records(rg.run))
        if (rec.trial >= options_.batch && near.contains(rec.trace_hash)) ++near_without;
    EXPECT_LT(near_without, from_neighbourhoods);
}

TEST_F(Search, RandomAndGridStrategiesRun) {
    for (SearchStrategy strategy : {SearchStrategy::Random, SearchStrategy::Grid}) {
        Database d = db(fmt::format("s{}.db", static_cast<int>(strategy)));
        FakeRunner runner;
        SearchOptions options = options_;
        options.strategy = strategy;
        options.trials = 16;
        TuneResult r = tune(mtv_, machine_, runner, d, options);
        EXPECT_EQ(r.trials, 16);
        std::set<uint64_t> distinct;
        for (const TuningRecord &rec : d.run_records(r.run)) distinct.insert(rec.trace_hash);
        EXPECT_EQ(distinct.size(), 16u);
        EXPECT_TRUE(r.best.has_value());
        // Deterministic: the same again gives the same records.
        Database again = db(fmt::format("again{}.db", static_cast<int>(strategy)));
        TuneResult r2 = tune(mtv_, machine_, runner, again, options);
        EXPECT_EQ(signature(d.run_records(r.run)), signature(again.run_records(r2.run)));
    }
}

TEST_F(Search, BadOptionsAreUserErrors) {
    Database d = db("d.db");
    FakeRunner runner;
    SearchOptions bad = options_;
    bad.trials = 0;
    EXPECT_THROW(tune(mtv_, machine_, runner, d, bad), UserError);
    bad = options_;
    bad.incumbent_share = 1.5;
    EXPECT_THROW(tune(mtv_, machine_, runner, d, bad), UserError);
    EXPECT_EQ(d.size(), 0);
}

}  // namespace
}  // namespace atim::tune
