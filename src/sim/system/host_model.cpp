// HostModel: per-call cost + bytes / bandwidth(bytes per DPU, DPUs per rank, ranks) for every host operation.
#include "atim/sim/host_model.h"

#include <algorithm>
#include <cmath>

#include "atim/support/error.h"

namespace atim::sim {
namespace {

// bytes / (GB/s) = ns; the model speaks milliseconds.
constexpr double kNsPerMs = 1e6;

/// Fraction of the saturated bandwidth reached with `bytes_per_dpu` per DPU: a Hill curve b^g / (b^g + h^g).
/// g = 1 is the hyperbola of a fixed per-DPU cost; the 2048-DPU measurements saturate more slowly (g < 1),
/// presumably because the SDK's per-rank worker threads overlap better with larger buffers.
double saturation(double bytes_per_dpu, double half_bytes, double exponent) {
    if (half_bytes <= 0) return 1.0;
    double b = std::pow(bytes_per_dpu, exponent);
    return b / (b + std::pow(half_bytes, exponent));
}

struct DirectionTiming {
    double call_ms, dpu_gbps, rank_gbps, link_gbps, half_bytes, exponent;
};

DirectionTiming timing_of(const target::HostTiming &host, HostDirection direction) {
    if (direction == HostDirection::ToDpu) {
        return {host.push_call_ms,
                host.push_dpu_gbps,
                host.push_rank_gbps,
                host.host_link_gbps,
                host.half_bandwidth_bytes_per_dpu,
                host.push_saturation_exponent};
    }
    return {host.gather_call_ms,
            host.gather_dpu_gbps,
            host.gather_rank_gbps,
            host.gather_link_gbps,
            host.gather_half_bandwidth_bytes_per_dpu,
            host.gather_saturation_exponent};
}

/// Saturated bandwidth of `dpus` DPUs packed into ranks: within a rank it grows with the DPUs taking part
/// until the rank's bus saturates (1 DPU 0.33 GB/s vs 64 DPUs 6.68 GB/s [upmem-hardware.md §3.4]); ranks work
/// in parallel until the host link is full.
double saturated_gbps(const DirectionTiming &t, int64_t dpus, int64_t dpus_per_rank) {
    int64_t dpus_in_rank = std::min(dpus, dpus_per_rank);
    int64_t ranks = (dpus + dpus_per_rank - 1) / dpus_per_rank;
    double rank_gbps = std::min(static_cast<double>(dpus_in_rank) * t.dpu_gbps, t.rank_gbps);
    return std::min(static_cast<double>(ranks) * rank_gbps, t.link_gbps);
}

void check_transfer(int64_t dpus, int64_t bytes) {
    ATIM_CHECK(dpus >= 1, "a transfer needs at least one DPU, got {}", dpus);
    ATIM_CHECK(bytes >= 0, "negative transfer size {}", bytes);
}

}  // namespace

HostModel::HostModel(const target::UpmemMachine &machine) : machine_(machine) {}

double HostModel::parallel_gbps(HostDirection direction, int64_t dpus, int64_t bytes_per_dpu) const {
    check_transfer(dpus, bytes_per_dpu);
    DirectionTiming t = timing_of(machine_.host, direction);
    return saturated_gbps(t, dpus, machine_.dpus_per_rank) *
           saturation(static_cast<double>(bytes_per_dpu), t.half_bytes, t.exponent);
}

double HostModel::parallel_ms(HostDirection direction, int64_t dpus, int64_t bytes_per_dpu) const {
    DirectionTiming t = timing_of(machine_.host, direction);
    if (bytes_per_dpu == 0) return t.call_ms;
    double bytes = static_cast<double>(dpus) * static_cast<double>(bytes_per_dpu);
    return t.call_ms + bytes / parallel_gbps(direction, dpus, bytes_per_dpu) / kNsPerMs;
}

double HostModel::broadcast_ms(int64_t dpus, int64_t bytes) const {
    check_transfer(dpus, bytes);
    const target::HostTiming &host = machine_.host;
    if (bytes == 0) return host.push_call_ms;
    // One host buffer written to every DPU: a rank takes it at PrIM's broadcast rate [§3.4, R]. The
    // single-DPU and link limits scale by the same ratio over a push: the host reads the buffer once, not per
    // DPU [I].
    DirectionTiming t = timing_of(host, HostDirection::ToDpu);
    double speedup = host.broadcast_rank_gbps / host.push_rank_gbps;
    t.rank_gbps = host.broadcast_rank_gbps;
    t.dpu_gbps *= speedup;
    t.link_gbps *= speedup;
    double gbps = saturated_gbps(t, dpus, machine_.dpus_per_rank) *
                  saturation(static_cast<double>(bytes), t.half_bytes, t.exponent);
    return host.push_call_ms + static_cast<double>(dpus) * static_cast<double>(bytes) / gbps / kNsPerMs;
}

double HostModel::serial_ms(HostDirection direction, int64_t dpus, int64_t bytes_per_dpu) const {
    check_transfer(dpus, bytes_per_dpu);
    // Serial copies do not scale with DPUs: each one is a single-DPU transfer [upmem-hardware.md §3.4].
    double one_dpu = machine_.host.serial_call_ms;
    if (bytes_per_dpu > 0) {
        DirectionTiming t = timing_of(machine_.host, direction);
        double gbps = t.dpu_gbps * saturation(static_cast<double>(bytes_per_dpu), t.half_bytes, t.exponent);
        one_dpu += static_cast<double>(bytes_per_dpu) / gbps / kNsPerMs;
    }
    return static_cast<double>(dpus) * one_dpu;
}

double HostModel::launch_ms() const { return machine_.host.launch_ms; }

double HostModel::host_work_ms(int64_t integer_ops, int64_t bytes_touched) const {
    ATIM_CHECK(integer_ops >= 0 && bytes_touched >= 0, "negative host work {} ops {} bytes", integer_ops,
               bytes_touched);
    const target::HostTiming &host = machine_.host;
    // Compute and memory streams overlap on an out-of-order core: the slower one sets the time.
    double compute_ns = static_cast<double>(integer_ops) / host.host_ops_per_ns;
    double memory_ns = static_cast<double>(bytes_touched) / host.host_bytes_per_ns;
    return std::max(compute_ns, memory_ns) / kNsPerMs;
}

double HostModel::parallel_host_work_ms(int64_t integer_ops, int64_t bytes_touched, int64_t extent,
                                        int64_t entries) const {
    ATIM_CHECK(integer_ops >= 0 && bytes_touched >= 0 && extent >= 1 && entries >= 0,
               "invalid parallel host work: {} ops {} bytes {} iterations {} entries", integer_ops,
               bytes_touched, extent, entries);
    const target::HostTiming &host = machine_.host;
    const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(extent, host.host_cores));
    // Static scheduling: the busiest thread runs ceil(extent / threads) of the extent iterations.
    const double busiest_share =
        static_cast<double>((extent + threads - 1) / threads) / static_cast<double>(extent);
    double compute_ns = static_cast<double>(integer_ops) / host.host_ops_per_ns * busiest_share;
    // Each thread streams at most what one core does, together at most what the socket's DRAM gives (and
    // never less than one core alone).
    double gbps = std::max(
        host.host_bytes_per_ns,
        std::min(static_cast<double>(threads) * host.host_bytes_per_ns, host.host_socket_bytes_per_ns));
    double memory_ns = static_cast<double>(bytes_touched) / gbps;
    return std::max(compute_ns, memory_ns) / kNsPerMs + static_cast<double>(entries) * host.fork_join_ms;
}

}  // namespace atim::sim
