// A runner for search tests: deterministic times from the trace hash and some failures, no simulation, and
// a count of the measurements it made.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "atim/tune/runner.h"
#include "atim/tune/space.h"

namespace atim::tune {

/// Times from the trace hash; every 7th hash fails. `measured` counts real measurements.
class FakeRunner : public Runner {
public:
    std::string name() const override { return "fake"; }
    std::vector<MeasureResult> run(const workloads::Workload &, const std::vector<schedule::Trace> &batch,
                                   std::optional<double> /*kernel_ms_bound*/) override {
        std::vector<MeasureResult> results;
        for (const schedule::Trace &t : batch) results.push_back(measure(t));
        return results;
    }
    MeasureResult run_full(const workloads::Workload &, const schedule::Trace &trace) override {
        return measure(trace);
    }
    int measured = 0;

private:
    MeasureResult measure(const schedule::Trace &trace) {
        ++measured;
        const uint64_t hash = structural_hash(trace);
        MeasureResult r;
        if (hash % 7 == 0) {
            r.status = MeasureStatus::RunFailed;
            r.error = "fake fault";
            return r;
        }
        r.status = MeasureStatus::Ok;
        r.kernel_ms = 1.0 + static_cast<double>(hash % 1000) / 100.0;
        r.h2d_ms = 0.5;
        r.total_ms = r.h2d_ms + r.kernel_ms;
        r.dpus = 1;
        r.tasklets = 1;
        return r;
    }
};

}  // namespace atim::tune
