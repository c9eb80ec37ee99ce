// Fits the transfer constants of the upmem-cloud-2048 preset (sim::HostModel's mechanisms) to the 2048-DPU
// measurements of calibration/host_transfer_2048dpus.csv (UPMEM SDK 2024.2.0 cloud server) and reports the
// error per row: on the fitted rows and on the held-out rows. Then it prices, with the upmem-rank preset
// (ATiM's server's constants on one rank), the transfers of PrIM's 1-64 DPU workloads and PrIM's 1-DPU /
// 1-rank microbenchmarks, none of which was fitted.
//
// Fit: Nelder-Mead on the log of the constants, minimising the sum of squared log(model / measured) over the
// rows with an even index within each direction (1, 4, 16, 64, 256, 1024 KiB per DPU); the rows with an odd
// index (2, 8, 32, 128, 512 KiB) are held out. "Send" pushes one buffer per DPU to MRAM; "Recv" gathers right
// after a launch, so it pays the switch of the memory back to the host [upmem-transfers.md §5.1].
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "atim/sim/host_model.h"
#include "atim/target/upmem_machine.h"
#include "calibration_csv.h"
#include "nelder_mead.h"

namespace {

using atim::bench::CsvRow;
using atim::bench::ErrorSummary;
using atim::bench::percent_error;
using atim::sim::HostDirection;
using atim::sim::HostModel;
using atim::sim::TransferCall;
using atim::sim::TransferMemory;
using atim::sim::TransferSource;
using atim::target::HostTiming;
using atim::target::UpmemMachine;

struct Constant {
    const char *name;
    double HostTiming::*member;
};
const std::array<Constant, 10> kFitted = {{
    {"call_ms", &HostTiming::call_ms},
    {"call_per_rank_ms", &HostTiming::call_per_rank_ms},
    {"rank_section_ms", &HostTiming::rank_section_ms},
    {"write_line_ns", &HostTiming::write_line_ns},
    {"read_line_ns", &HostTiming::read_line_ns},
    {"write_gbps", &HostTiming::write_gbps},
    {"read_gbps", &HostTiming::read_gbps},
    {"mux_switch_ms", &HostTiming::mux_switch_ms},
    {"short_run_line_factor", &HostTiming::short_run_line_factor},
    {"line_ramp_bytes", &HostTiming::line_ramp_bytes},
}};

UpmemMachine with_constants(UpmemMachine machine, const std::vector<double> &log_values) {
    for (size_t i = 0; i < kFitted.size(); ++i) machine.host.*kFitted[i].member = std::exp(log_values[i]);
    return machine;
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

double lk_call_ms(const HostModel &model, const TransferRow &row) {
    TransferCall call;
    call.direction = row.direction;
    call.dpus = 2048;
    call.bytes_per_dpu = row.bytes_per_dpu;
    call.after_launch = row.direction == HostDirection::FromDpu;
    return model.transfer_ms(call);
}

UpmemMachine fit(const std::vector<TransferRow> &rows, const UpmemMachine &preset) {
    auto loss = [&](const UpmemMachine &machine) {
        HostModel model(machine);
        double sum = 0;
        for (const TransferRow &row : rows) {
            if (!row.used_in_fit) continue;
            const double r = std::log(lk_call_ms(model, row) / row.ms);
            sum += r * r;
        }
        return sum;
    };
    // The pool's thread count from 32 KiB per DPU (nrThreadPerPool) is a discrete choice: each is fitted.
    UpmemMachine best = preset;
    double best_loss = 1e300;
    for (int pool_threads : {1, 2, 4, 8}) {
        UpmemMachine machine = preset;
        machine.host.pool_threads = pool_threads;
        auto loss_of = [&](const std::vector<double> &v) {
            UpmemMachine trial = with_constants(machine, v);
            return loss(trial);
        };
        std::vector<double> start;
        for (const Constant &c : kFitted) start.push_back(std::log(std::max(preset.host.*c.member, 1e-6)));
        const std::vector<double> fitted = atim::bench::nelder_mead(loss_of, start, 4000, 3);
        if (loss_of(fitted) < best_loss) best_loss = loss_of(fitted), best = with_constants(machine, fitted);
    }
    return best;
}

void print_lk_table(const std::vector<TransferRow> &rows, const UpmemMachine &machine, const char *title) {
    HostModel model(machine);
    fmt::print("{}\n{:>10} {:>10} {:>10} {:>10} {:>8}  {}\n", title, "direction", "KiB/DPU", "measured",
               "model", "error", "role");
    ErrorSummary used, held;
    for (const TransferRow &row : rows) {
        const double ms = lk_call_ms(model, row), error = percent_error(ms, row.ms);
        (row.used_in_fit ? used : held).add(error);
        fmt::print("{:>10} {:>10} {:>10.3f} {:>10.3f} {:>+7.1f}%  {}\n",
                   row.direction == HostDirection::ToDpu ? "host->DPU" : "DPU->host",
                   row.bytes_per_dpu / 1024, row.ms, ms, error, row.used_in_fit ? "fit" : "held out");
    }
    fmt::print("  fitted rows:   {}\n  held-out rows: {}\n\n", used.str(), held.str());
}

/// What PrIM's CPU-DPU and DPU-CPU timers cover in one run [prim-baselines.md §1.3, §1.4, §1.6]: the
/// argument struct (a WRAM symbol) and the inputs pushed, the outputs gathered after the launch.
struct PrimTransfers {
    double to_dpu_ms = 0, from_dpu_ms = 0;
};

TransferCall call(HostDirection direction, TransferMemory memory, TransferSource source, int64_t dpus,
                  int64_t bytes, bool after_launch = false) {
    TransferCall c;
    c.direction = direction, c.memory = memory, c.source = source, c.dpus = dpus, c.bytes_per_dpu = bytes;
    c.after_launch = after_launch;
    return c;
}

std::optional<PrimTransfers> prim_transfers(const HostModel &model, const std::string &benchmark,
                                            int64_t dpus, int64_t param) {
    auto round8 = [](int64_t bytes) { return (bytes + 7) / 8 * 8; };
    constexpr int64_t kArgumentBytes = 16;
    constexpr int64_t kTasklets = 16;
    const auto to = HostDirection::ToDpu, from = HostDirection::FromDpu;
    const auto mram = TransferMemory::Mram, wram = TransferMemory::Wram;
    const auto per_dpu = TransferSource::PerDpuBuffers;
    PrimTransfers t;
    t.to_dpu_ms = model.transfer_ms(call(to, wram, per_dpu, dpus, kArgumentBytes));
    if (benchmark == "VA") {  // int32 A and B in two pushes; B gathered back
        const int64_t bytes = round8((param + dpus - 1) / dpus * 4);
        t.to_dpu_ms += 2 * model.transfer_ms(call(to, mram, per_dpu, dpus, bytes));
        t.from_dpu_ms = model.transfer_ms(call(from, mram, per_dpu, dpus, bytes, true));
    } else if (benchmark == "RED") {  // int64 input; DPU_RESULTS (16 B per tasklet, WRAM) gathered, summed
        const int64_t bytes = round8((param + dpus - 1) / dpus * 8);
        t.to_dpu_ms += model.transfer_ms(call(to, mram, per_dpu, dpus, bytes));
        t.from_dpu_ms = model.transfer_ms(call(from, wram, per_dpu, dpus, kTasklets * 16)) +
                        model.host_work_ms({dpus * kTasklets, dpus * kTasklets * 16, 1, 0});
    } else if (benchmark == "GEMV") {  // rows padded to even, 64 int32 columns; the vector replicated
        int64_t rows = (param + dpus - 1) / dpus;
        rows += rows % 2;
        t.to_dpu_ms += model.transfer_ms(call(to, mram, per_dpu, dpus, rows * 64 * 4)) +
                       model.transfer_ms(call(to, mram, TransferSource::OneBuffer, dpus, 64 * 4));
        t.from_dpu_ms = model.transfer_ms(call(from, mram, per_dpu, dpus, rows * 4, true));
    } else {
        return std::nullopt;
    }
    return t;
}

void print_prim_workloads(const UpmemMachine &preset) {
    fmt::print("prim_workloads_1to64dpus.csv transfer columns, preset {} (none used in any fit), ms\n",
               preset.name);
    fmt::print("{:>6} {:>5} {:>9} | {:>9} {:>9} {:>8} | {:>9} {:>9} {:>8}\n", "bench", "DPUs", "param",
               "CPU-DPU", "model", "error", "DPU-CPU", "model", "error");
    std::map<std::string, std::pair<ErrorSummary, ErrorSummary>> by_benchmark;
    for (const CsvRow &row : atim::bench::read_calibration("prim_workloads_1to64dpus.csv")) {
        const std::string benchmark = row.text("benchmark");
        const auto dpus = static_cast<int64_t>(row.number("dpus"));
        const auto param = static_cast<int64_t>(row.number("total_size_param"));
        UpmemMachine machine = preset;
        machine.dpus = static_cast<int>(dpus);
        std::optional<PrimTransfers> t = prim_transfers(HostModel(machine), benchmark, dpus, param);
        if (!t) continue;
        const double to = row.number("hw_cpu_to_dpu_ms"), from = row.number("hw_dpu_to_cpu_ms");
        by_benchmark[benchmark].first.add(percent_error(t->to_dpu_ms, to));
        by_benchmark[benchmark].second.add(percent_error(t->from_dpu_ms, from));
        fmt::print("{:>6} {:>5} {:>9} | {:>9.3f} {:>9.3f} {:>+7.0f}% | {:>9.3f} {:>9.3f} {:>+7.0f}%\n",
                   benchmark, dpus, param, to, t->to_dpu_ms, percent_error(t->to_dpu_ms, to), from,
                   t->from_dpu_ms, percent_error(t->from_dpu_ms, from));
    }
    for (const auto &[benchmark, errors] : by_benchmark)
        fmt::print("  {:<5} CPU-DPU: {}\n        DPU-CPU: {}\n", benchmark, errors.first.str(),
                   errors.second.str());
    fmt::print("\n");
}

void print_prim_microbenchmarks(const UpmemMachine &preset) {
    fmt::print(
        "prim_microbenchmarks.csv host rows, preset {} with 8 pool threads as in that bench (GB/s at 32 MiB "
        "per "
        "DPU; these rows set the preset's line costs: inputs, not a validation)\n",
        preset.name);
    constexpr int64_t kBytes = 32ll << 20;
    struct Case {
        const char *experiment;
        TransferCall call;
    };
    const auto to = HostDirection::ToDpu, from = HostDirection::FromDpu;
    const auto mram = TransferMemory::Mram;
    const std::vector<Case> cases = {
        {"host_to_dpu_1dpu_32MB", call(to, mram, TransferSource::OneDpu, 1, kBytes)},
        {"dpu_to_host_1dpu_32MB", call(from, mram, TransferSource::OneDpu, 1, kBytes)},
        {"host_to_dpu_1rank_parallel", call(to, mram, TransferSource::PerDpuBuffers, 64, kBytes)},
        {"dpu_to_host_1rank_parallel", call(from, mram, TransferSource::PerDpuBuffers, 64, kBytes)},
        {"host_to_dpu_1rank_broadcast", call(to, mram, TransferSource::Broadcast, 64, kBytes)},
    };
    std::map<std::string, double> published;
    for (const CsvRow &row : atim::bench::read_calibration("prim_microbenchmarks.csv"))
        published[row.text("experiment")] = row.number("value");
    // PrIM's transfer bench allocates with nrThreadPerPool=8 [upmem-transfers.md §5.3].
    UpmemMachine bench_machine = preset;
    bench_machine.host.pool_threads = 8;
    const HostModel model(bench_machine);
    for (const Case &c : cases) {
        const double moved = static_cast<double>(c.call.dpus) * static_cast<double>(kBytes);
        const double gbps = moved / model.transfer_ms(c.call) / 1e6;
        fmt::print("  {:<30} published {:>6.2f}  model {:>6.2f}  error {:>+6.1f}%\n", c.experiment,
                   published.at(c.experiment), gbps, percent_error(gbps, published.at(c.experiment)));
    }
    fmt::print("\n");
}

}  // namespace

int main() {
    const UpmemMachine preset = atim::target::load_machine("upmem-cloud-2048");
    const std::vector<TransferRow> rows = lk_rows();
    const UpmemMachine fitted = fit(rows, preset);
    fmt::print(
        "fitted on the even rows of host_transfer_2048dpus.csv (SDK 2024.2.0 cloud server): pool threads {} "
        "(preset {})\n",
        fitted.host.pool_threads, preset.host.pool_threads);
    for (const Constant &c : kFitted)
        fmt::print("  {:<18} {:>10.4g}   preset {:>10.4g}\n", c.name, fitted.host.*c.member,
                   preset.host.*c.member);
    fmt::print("\n");
    print_lk_table(rows, fitted, "host_transfer_2048dpus.csv, the fit above (ms per call)");
    print_lk_table(rows, preset, "host_transfer_2048dpus.csv, preset upmem-cloud-2048 as shipped");
    print_prim_workloads(atim::target::load_machine("upmem-rank"));
    print_prim_microbenchmarks(atim::target::load_machine("upmem-rank"));
    return 0;
}
