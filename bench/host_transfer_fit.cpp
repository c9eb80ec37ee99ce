// Fits the host transfer model (sim::HostModel) to the 2048-DPU measurements and reports its error per row:
// on the fitted rows, on the held-out rows, on PrIM's 1..64-DPU workload transfers and PrIM's 1-DPU/1-rank
// microbenchmarks. The fitted values printed here are the ones written into the presets (src/target/).
//
// Fit: Nelder-Mead minimising the sum of squared log(model time / measured time) (i.e. relative error,
// symmetric for over- and under-prediction) over the rows of host_transfer_2048dpus.csv with an even index
// within each direction (1, 4, 16, 64, 256, 1024 KB per DPU). Free parameters per direction: per-call cost,
// link ceiling, half-bandwidth size and saturation exponent. Rows with an odd index (2, 8, 32, 128, 512 KB)
// are held out.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atim/sim/host_model.h"
#include "atim/target/upmem_machine.h"
#include "calibration_csv.h"

namespace {

using atim::bench::CsvRow;
using atim::bench::ErrorSummary;
using atim::bench::percent_error;
using atim::sim::HostDirection;
using atim::sim::HostModel;
using atim::target::UpmemMachine;

constexpr int kParams = 4;
using Params = std::array<double, kParams>;  // call_ms, link_gbps, half_bytes, exponent

/// Downhill simplex on unconstrained parameters; the caller maps them to positive values.
Params nelder_mead(const std::function<double(const Params &)> &loss, Params start, int iterations) {
    std::array<Params, kParams + 1> simplex;
    simplex.fill(start);
    for (int i = 0; i < kParams; ++i) simplex[i + 1][i] += 0.5;
    auto by_loss = [&](const Params &a, const Params &b) { return loss(a) < loss(b); };
    auto along = [](const Params &from, const Params &to, double t) {
        Params p;
        for (int i = 0; i < kParams; ++i) p[i] = from[i] + t * (to[i] - from[i]);
        return p;
    };
    for (int iteration = 0; iteration < iterations; ++iteration) {
        std::sort(simplex.begin(), simplex.end(), by_loss);
        Params centroid{};
        for (int v = 0; v < kParams; ++v)
            for (int i = 0; i < kParams; ++i) centroid[i] += simplex[v][i] / kParams;
        Params &worst = simplex[kParams];
        Params reflected = along(worst, centroid, 2.0);
        if (loss(reflected) < loss(simplex[0])) {
            Params expanded = along(worst, centroid, 3.0);
            worst = loss(expanded) < loss(reflected) ? expanded : reflected;
        } else if (loss(reflected) < loss(simplex[kParams - 1])) {
            worst = reflected;
        } else {
            Params contracted = along(worst, centroid, 0.5);
            if (loss(contracted) < loss(worst)) {
                worst = contracted;
            } else {
                for (int v = 1; v <= kParams; ++v) simplex[v] = along(simplex[0], simplex[v], 0.5);
            }
        }
    }
    std::sort(simplex.begin(), simplex.end(), by_loss);
    return simplex[0];
}

/// Writes log-space parameters into a machine's timing for one direction.
void apply(UpmemMachine &machine, HostDirection direction, const Params &log_params) {
    auto &host = machine.host;
    double call = std::exp(log_params[0]), link = std::exp(log_params[1]), half = std::exp(log_params[2]),
           exponent = std::exp(log_params[3]);
    if (direction == HostDirection::ToDpu) {
        host.push_call_ms = call, host.host_link_gbps = link, host.half_bandwidth_bytes_per_dpu = half,
        host.push_saturation_exponent = exponent;
    } else {
        host.gather_call_ms = call, host.gather_link_gbps = link,
        host.gather_half_bandwidth_bytes_per_dpu = half, host.gather_saturation_exponent = exponent;
    }
}

struct TransferRow {
    HostDirection direction;
    int64_t bytes_per_dpu;
    double ms;
    bool used_in_fit;
};

std::vector<TransferRow> lk_rows() {
    std::vector<TransferRow> rows;
    std::array<int, 2> index_in_direction{0, 0};
    for (const CsvRow &row : atim::bench::read_calibration("host_transfer_2048dpus.csv")) {
        HostDirection direction =
            row.text("direction") == "host_to_pim" ? HostDirection::ToDpu : HostDirection::FromDpu;
        int &index = index_in_direction[direction == HostDirection::ToDpu ? 0 : 1];
        rows.push_back({direction, static_cast<int64_t>(row.number("bytes_per_dpu")),
                        row.number("ms_per_call"), index % 2 == 0});
        ++index;
    }
    return rows;
}

const char *name_of(HostDirection direction) {
    return direction == HostDirection::ToDpu ? "host->DPU" : "DPU->host";
}

void fit_and_print(const std::vector<TransferRow> &rows, const UpmemMachine &preset) {
    UpmemMachine fitted = preset;
    fitted.dpus = 2048;
    for (HostDirection direction : {HostDirection::ToDpu, HostDirection::FromDpu}) {
        auto loss = [&](const Params &p) {
            UpmemMachine trial = fitted;
            apply(trial, direction, p);
            HostModel model(trial);
            double sum = 0;
            for (const TransferRow &row : rows) {
                if (row.direction != direction || !row.used_in_fit) continue;
                double r = std::log(model.parallel_ms(direction, 2048, row.bytes_per_dpu) / row.ms);
                sum += r * r;
            }
            return sum;
        };
        Params start{std::log(0.3), std::log(20.0), std::log(10000.0), std::log(0.7)};
        Params best = nelder_mead(loss, start, 3000);
        best = nelder_mead(loss, best, 3000);  // restart: the simplex may have collapsed early
        apply(fitted, direction, best);
    }
    const auto &f = fitted.host, &p = preset.host;
    fmt::print(
        "fitted host->DPU: push_call_ms={:.4g} host_link_gbps={:.4g} half_bandwidth_bytes_per_dpu={:.4g} "
        "push_saturation_exponent={:.4g}\n",
        f.push_call_ms, f.host_link_gbps, f.half_bandwidth_bytes_per_dpu, f.push_saturation_exponent);
    fmt::print(
        "fitted DPU->host: gather_call_ms={:.4g} gather_link_gbps={:.4g} "
        "gather_half_bandwidth_bytes_per_dpu={:.4g} gather_saturation_exponent={:.4g}\n",
        f.gather_call_ms, f.gather_link_gbps, f.gather_half_bandwidth_bytes_per_dpu,
        f.gather_saturation_exponent);
    auto close = [](double a, double b) { return std::abs(a - b) <= 0.01 * std::abs(b) + 1e-4; };
    bool same = close(p.push_call_ms, f.push_call_ms) && close(p.host_link_gbps, f.host_link_gbps) &&
                close(p.half_bandwidth_bytes_per_dpu, f.half_bandwidth_bytes_per_dpu) &&
                close(p.push_saturation_exponent, f.push_saturation_exponent) &&
                close(p.gather_call_ms, f.gather_call_ms) && close(p.gather_link_gbps, f.gather_link_gbps) &&
                close(p.gather_half_bandwidth_bytes_per_dpu, f.gather_half_bandwidth_bytes_per_dpu) &&
                close(p.gather_saturation_exponent, f.gather_saturation_exponent);
    fmt::print("preset {} holds {} values\n\n", preset.name,
               same ? "these (within 1%)" : "DIFFERENT values: copy the fitted ones into src/target/");
}

void print_lk_table(const std::vector<TransferRow> &rows, const UpmemMachine &machine) {
    HostModel model(machine);
    fmt::print("host_transfer_2048dpus.csv (2048 DPUs, 32 ranks, parallel push, ms per call)\n");
    fmt::print("{:>10} {:>10} {:>10} {:>10} {:>8}  {}\n", "direction", "KB/DPU", "measured", "model", "error",
               "role");
    ErrorSummary used, held;
    for (const TransferRow &row : rows) {
        double ms = model.parallel_ms(row.direction, 2048, row.bytes_per_dpu);
        double error = percent_error(ms, row.ms);
        (row.used_in_fit ? used : held).add(error);
        fmt::print("{:>10} {:>10} {:>10.3f} {:>10.3f} {:>+7.1f}%  {}\n", name_of(row.direction),
                   row.bytes_per_dpu / 1024, row.ms, ms, error, row.used_in_fit ? "fit" : "held out");
    }
    fmt::print("  fitted rows:   {}\n  held-out rows: {}  (target: max <= 15%: {})\n\n", used.str(),
               held.str(), held.max <= 15.0 ? "met" : "MISSED");
}

/// Host operations PrIM's CPU-DPU / DPU-CPU timers cover for one run, per benchmark [prim-baselines.md §1.3,
/// §1.4, §1.6; param = total elements (VA, RED) or rows of a 64-column matrix (GEMV), upmem-hardware.md
/// §4.2].
struct PrimTransfers {
    double to_dpu_ms = 0, from_dpu_ms = 0;
};

std::optional<PrimTransfers> prim_transfers(const HostModel &model, const std::string &benchmark,
                                            int64_t dpus, int64_t param) {
    auto round8 = [](int64_t bytes) { return (bytes + 7) / 8 * 8; };
    constexpr int64_t kArgumentBytes = 16;  // per-DPU argument struct, one parallel push
    constexpr int64_t kTasklets = 16;
    PrimTransfers t;
    t.to_dpu_ms = model.parallel_ms(HostDirection::ToDpu, dpus, kArgumentBytes);
    if (benchmark == "VA") {  // int32 A and B in two pushes; B gathered back
        int64_t bytes = round8((param + dpus - 1) / dpus * 4);
        t.to_dpu_ms += 2 * model.parallel_ms(HostDirection::ToDpu, dpus, bytes);
        t.from_dpu_ms = model.parallel_ms(HostDirection::FromDpu, dpus, bytes);
    } else if (benchmark == "RED") {  // int64 input; one partial per tasklet gathered, summed on the host
        int64_t bytes = round8((param + dpus - 1) / dpus * 8);
        t.to_dpu_ms += model.parallel_ms(HostDirection::ToDpu, dpus, bytes);
        t.from_dpu_ms = model.parallel_ms(HostDirection::FromDpu, dpus, kTasklets * 8) +
                        model.host_work_ms(dpus, dpus * 8);
    } else if (benchmark ==
               "GEMV") {  // rows padded to even; 64-column int32 matrix; vector replicated by push
        int64_t rows = (param + dpus - 1) / dpus;
        rows += rows % 2;
        t.to_dpu_ms += model.parallel_ms(HostDirection::ToDpu, dpus, rows * 64 * 4) +
                       model.parallel_ms(HostDirection::ToDpu, dpus, 64 * 4);
        t.from_dpu_ms = model.parallel_ms(HostDirection::FromDpu, dpus, rows * 4);
    } else {
        return std::nullopt;
    }
    return t;
}

void print_prim_workloads(const UpmemMachine &preset) {
    fmt::print("prim_workloads_1to64dpus.csv transfer columns (none used in the fit), ms\n");
    fmt::print("{:>6} {:>5} {:>9} | {:>9} {:>9} {:>8} | {:>9} {:>9} {:>8}\n", "bench", "DPUs", "param",
               "CPU-DPU", "model", "error", "DPU-CPU", "model", "error");
    std::map<std::string, std::pair<ErrorSummary, ErrorSummary>> by_benchmark;
    ErrorSummary all_to, all_from;
    for (const CsvRow &row : atim::bench::read_calibration("prim_workloads_1to64dpus.csv")) {
        std::string benchmark = row.text("benchmark");
        int64_t dpus = static_cast<int64_t>(row.number("dpus"));
        int64_t param = static_cast<int64_t>(row.number("total_size_param"));
        UpmemMachine machine = preset;
        machine.dpus = static_cast<int>(dpus);
        HostModel model(machine);
        std::optional<PrimTransfers> t = prim_transfers(model, benchmark, dpus, param);
        if (!t) continue;
        double to_measured = row.number("hw_cpu_to_dpu_ms"), from_measured = row.number("hw_dpu_to_cpu_ms");
        double to_error = percent_error(t->to_dpu_ms, to_measured);
        double from_error = percent_error(t->from_dpu_ms, from_measured);
        by_benchmark[benchmark].first.add(to_error);
        by_benchmark[benchmark].second.add(from_error);
        all_to.add(to_error);
        all_from.add(from_error);
        fmt::print("{:>6} {:>5} {:>9} | {:>9.3f} {:>9.3f} {:>+7.0f}% | {:>9.3f} {:>9.3f} {:>+7.0f}%\n",
                   benchmark, dpus, param, to_measured, t->to_dpu_ms, to_error, from_measured, t->from_dpu_ms,
                   from_error);
    }
    for (const auto &[benchmark, errors] : by_benchmark) {
        fmt::print("  {:<5} CPU-DPU: {}\n        DPU-CPU: {}\n", benchmark, errors.first.str(),
                   errors.second.str());
    }
    fmt::print("  all   CPU-DPU: {}\n        DPU-CPU: {}\n\n", all_to.str(), all_from.str());
}

void print_prim_microbenchmarks(const UpmemMachine &preset) {
    fmt::print(
        "prim_microbenchmarks.csv host rows (GB/s; these rows set push/gather_dpu_gbps, "
        "push/gather_rank_gbps\n"
        "and broadcast_rank_gbps, so they are inputs of the model, not a validation)\n");
    struct Case {
        const char *experiment;
        int64_t dpus;
        double (*gbps)(const HostModel &, int64_t dpus, int64_t bytes);
    };
    constexpr int64_t kBytes = 32ll << 20;  // PrIM's largest transfer, 32 MB per DPU
    auto serial_to = [](const HostModel &m, int64_t d, int64_t b) {
        return d * b / m.serial_ms(HostDirection::ToDpu, d, b) / 1e6;
    };
    auto serial_from = [](const HostModel &m, int64_t d, int64_t b) {
        return d * b / m.serial_ms(HostDirection::FromDpu, d, b) / 1e6;
    };
    auto push_to = [](const HostModel &m, int64_t d, int64_t b) {
        return d * b / m.parallel_ms(HostDirection::ToDpu, d, b) / 1e6;
    };
    auto push_from = [](const HostModel &m, int64_t d, int64_t b) {
        return d * b / m.parallel_ms(HostDirection::FromDpu, d, b) / 1e6;
    };
    auto broadcast = [](const HostModel &m, int64_t d, int64_t b) {
        return d * b / m.broadcast_ms(d, b) / 1e6;
    };
    std::vector<Case> cases = {{"host_to_dpu_1dpu_32MB", 1, serial_to},
                               {"dpu_to_host_1dpu_32MB", 1, serial_from},
                               {"host_to_dpu_1rank_parallel", 64, push_to},
                               {"dpu_to_host_1rank_parallel", 64, push_from},
                               {"host_to_dpu_1rank_broadcast", 64, broadcast}};
    std::map<std::string, double> published;
    for (const CsvRow &row : atim::bench::read_calibration("prim_microbenchmarks.csv"))
        published[row.text("experiment")] = row.number("value");
    for (const Case &c : cases) {
        UpmemMachine machine = preset;
        machine.dpus = static_cast<int>(c.dpus);
        double model = c.gbps(HostModel(machine), c.dpus, kBytes);
        fmt::print("  {:<30} published {:>6.2f}  model (32 MB/DPU) {:>6.2f}  error {:>+6.1f}%\n",
                   c.experiment, published.at(c.experiment), model,
                   percent_error(model, published.at(c.experiment)));
    }
    fmt::print("\n");
}

}  // namespace

int main() {
    UpmemMachine preset = atim::target::load_machine("upmem-2048");
    std::vector<TransferRow> rows = lk_rows();
    fit_and_print(rows, preset);
    print_lk_table(rows, preset);
    print_prim_workloads(preset);
    print_prim_microbenchmarks(preset);
    return 0;
}
