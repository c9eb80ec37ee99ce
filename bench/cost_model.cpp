// Ranking quality of the XGBoost cost model on mtv: random named-schedule candidates (prim and rc-tile with
// random DPU counts, tasklets and tile sizes) are measured on the simulator (sampled DPUs, outputs
// verified), the model is trained on the first two thirds and scored on the held-out third: Spearman's rho,
// pairwise order agreement, top-k recall and the held-out time of the model's pick versus the true best.
// Baselines: the random cost model and one analytic feature (kernel_cycles_lower_bound).
//
// usage: bench_cost_model [candidates=90] [M=1024] [K=1024] [seed=1]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "atim/baselines/named_schedules.h"
#include "atim/lower/lower.h"
#include "atim/runtime/sim_runner.h"
#include "atim/support/error.h"
#include "atim/tune/cost_model.h"
#include "atim/tune/features.h"
#include "atim/workloads/workload.h"

namespace {

using namespace atim;

struct Sample {
    std::string schedule;
    std::vector<float> features;
    double total_ms = 0;
};

std::map<std::string, std::string> random_params(const std::string &schedule, std::mt19937_64 &rng) {
    auto pick = [&](std::vector<int> choices) { return std::to_string(choices[rng() % choices.size()]); };
    std::string tasklets = std::to_string(1 + rng() % 24);
    if (schedule == "prim")
        return {{"dpus", pick({4, 8, 16, 32, 64, 100, 128, 256, 384, 512})},
                {"tasklets", tasklets},
                {"block", pick({32, 64, 128, 256})}};
    return {{"dpus_x", pick({4, 8, 16, 32, 64, 128, 256})},
            {"dpus_y", pick({1, 2, 4, 8})},
            {"tasklets", tasklets},
            {"cache", pick({8, 16, 32, 64, 128, 256})}};
}

std::vector<double> ranks(const std::vector<double> &values) {
    std::vector<size_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
    std::vector<double> r(values.size());
    for (size_t i = 0; i < order.size();) {  // ties share their mean rank
        size_t j = i;
        while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
        for (size_t k = i; k <= j; ++k) r[order[k]] = (i + j) / 2.0;
        i = j + 1;
    }
    return r;
}

double spearman(const std::vector<double> &a, const std::vector<double> &b) {
    std::vector<double> ra = ranks(a), rb = ranks(b);
    double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / ra.size();
    double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / rb.size();
    double cov = 0, va = 0, vb = 0;
    for (size_t i = 0; i < ra.size(); ++i) {
        cov += (ra[i] - ma) * (rb[i] - mb), va += (ra[i] - ma) * (ra[i] - ma),
            vb += (rb[i] - mb) * (rb[i] - mb);
    }
    return va > 0 && vb > 0 ? cov / std::sqrt(va * vb) : 0;
}

/// Quality of `scores` (higher = predicted faster) against measured times.
void report(const std::string &name, const std::vector<double> &scores, const std::vector<double> &total_ms) {
    std::vector<double> speed(total_ms.size());
    for (size_t i = 0; i < speed.size(); ++i) speed[i] = -total_ms[i];
    int agree = 0, pairs = 0;
    for (size_t i = 0; i < scores.size(); ++i)
        for (size_t j = i + 1; j < scores.size(); ++j)
            if (total_ms[i] != total_ms[j])
                pairs += 1, agree += (scores[i] > scores[j]) == (speed[i] > speed[j]);
    auto top = [](const std::vector<double> &v, size_t k) {
        std::vector<size_t> order(v.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] > v[b]; });
        order.resize(std::min(k, order.size()));
        return order;
    };
    auto recall = [&](size_t k) {
        auto truth = top(speed, k), predicted = top(scores, k);
        int hit = 0;
        for (size_t t : truth) hit += std::count(predicted.begin(), predicted.end(), t) > 0;
        return static_cast<double>(hit) / truth.size();
    };
    size_t pick = top(scores, 1)[0];
    double best = *std::min_element(total_ms.begin(), total_ms.end());
    fmt::print(
        "{:<28} spearman {:6.3f}  pairwise {:5.1f}%  top-5 recall {:4.0f}%  top-10 recall {:4.0f}%  "
        "pick {:.4f} ms = {:.2f}x best\n",
        name, spearman(scores, speed), 100.0 * agree / std::max(pairs, 1), 100 * recall(5), 100 * recall(10),
        total_ms[pick], total_ms[pick] / best);
}

}  // namespace

int main(int argc, char **argv) {
    int candidates = argc > 1 ? std::stoi(argv[1]) : 90;
    int64_t m = argc > 2 ? std::stoll(argv[2]) : 1024, k = argc > 3 ? std::stoll(argv[3]) : 1024;
    uint64_t seed = argc > 4 ? std::stoull(argv[4]) : 1;
    target::UpmemMachine machine;
    workloads::Workload workload = workloads::make_workload("mtv", {m, k});
    std::mt19937_64 rng(seed);
    std::vector<Sample> samples;
    double feature_seconds = 0;
    int rejected = 0, wrong = 0;
    while (static_cast<int>(samples.size()) < candidates) {
        std::string schedule = rng() % 2 ? "prim" : "rc-tile";
        std::map<std::string, std::string> params = random_params(schedule, rng);
        try {
            lower::PimProgram program =
                lower::lower(baselines::apply_named_schedule(schedule, workload, params, machine), machine);
            auto start = std::chrono::steady_clock::now();
            std::vector<float> features = tune::extract_features(program, machine);
            feature_seconds +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            runtime::SimRunOptions options;
            options.machine = machine;
            options.threads = 1;
            runtime::RunResult run = runtime::run_sim(workload, program, options);
            if (!run.verified || !run.time_ms.total || !std::isfinite(*run.time_ms.total)) {
                wrong += 1;
                continue;
            }
            samples.push_back({schedule, std::move(features), *run.time_ms.total});
        } catch (const UserError &) {
            rejected += 1;  // does not fit the machine (WRAM, DPUs): the space's verifier would reject it
        }
    }
    fmt::print(
        "mtv {}x{} on {} (simulated, sampled DPUs, outputs verified): {} candidates measured, {} rejected "
        "before running, {} wrong outputs or no finite time\n",
        m, k, machine.name, samples.size(), rejected, wrong);
    fmt::print("feature extraction: {:.1f} us per candidate (wall clock, this machine)\n",
               1e6 * feature_seconds / samples.size());

    size_t train_count = samples.size() * 2 / 3;
    std::vector<std::vector<float>> train_x, test_x;
    std::vector<double> train_ms, test_ms;
    for (size_t i = 0; i < samples.size(); ++i) {
        (i < train_count ? train_x : test_x).push_back(samples[i].features);
        (i < train_count ? train_ms : test_ms).push_back(samples[i].total_ms);
    }
    auto xgb = tune::make_xgboost_cost_model(1);
    auto start = std::chrono::steady_clock::now();
    xgb->update(train_x, train_ms);
    double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("trained on {} candidates in {:.2f} s; scored on {} held-out candidates\n", train_ms.size(),
               train_seconds, test_ms.size());
    report("xgboost", xgb->predict(test_x), test_ms);
    report("random", tune::make_random_cost_model(seed)->predict(test_x), test_ms);
    const auto &names = tune::feature_names();
    size_t bound = std::find(names.begin(), names.end(), "kernel_cycles_lower_bound") - names.begin();
    std::vector<double> analytic;
    for (const auto &row : test_x) analytic.push_back(-row[bound]);
    report("-kernel_cycles_lower_bound", analytic, test_ms);
    return 0;
}
