// HostModel: SDK transfer calls, launch and host epilogues priced by the host library's mechanisms.
#include "atim/sim/host_model.h"

#include <algorithm>

#include "atim/support/error.h"

namespace atim::sim {
namespace {

constexpr double kNsPerMs = 1e6;
constexpr double kUsPerMs = 1e3;
// A rank is 8 chips x 8 DPU lines: one DPU per chip on each line [upmem-transfers.md §2].
constexpr int64_t kLinesPerRank = 8;
constexpr int64_t kChipsPerRank = 8;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// DPU lines a set of `dpus` uses in its first rank. The SDK numbers a rank's DPUs chip by chip within a line
/// (DPU i sits on chip i % 8, line i / 8), so a small set fills one line's chips first [upmem-transfers.md
/// §2; PrIM's WRAM gathers on 4, 16, 64 DPUs cost 1, 2, 8 lines' commands, prim_workloads_1to64dpus.csv].
int64_t lines_in_use(int64_t dpus) { return std::min(kLinesPerRank, ceil_div(dpus, kChipsPerRank)); }

}  // namespace

HostModel::HostModel(const target::UpmemMachine &machine) : machine_(machine) {}

int64_t HostModel::ranks(int64_t dpus) const {
    return ceil_div(std::max<int64_t>(dpus, 1), machine_.dpus_per_rank);
}

int64_t HostModel::ranks_on_busiest_channel(int64_t dpus) const {
    // dpu_alloc hands out ranks in their system order [upmem-transfers.md §1 item 6]: a machine that numbers
    // one channel's ranks together fills a channel before the next; one that numbers them round robin
    // spreads a set over every channel.
    const int64_t per_channel = std::max(1, machine_.host.ranks_per_channel);
    if (!machine_.host.interleave_channels) return std::min(ranks(dpus), per_channel);
    const int64_t channels = std::max<int64_t>(1, ranks(machine_.dpus) / per_channel);
    return ceil_div(ranks(dpus), channels);
}

int64_t HostModel::pool_threads(int64_t bytes_per_dpu, int64_t lines) const {
    // poolThreshold1Thread 1 KiB, poolThreshold2Threads 2 KiB, poolThreshold4Threads 32 KiB, then
    // nrThreadPerPool [upmem-transfers.md §1 item 7, read in SDK 2021.3 and 2023.2].
    int64_t threads = bytes_per_dpu < 1024    ? 1
                      : bytes_per_dpu < 2048  ? 2
                      : bytes_per_dpu < 32768 ? 4
                                              : machine_.host.pool_threads;
    return std::clamp<int64_t>(threads, 1, std::max<int64_t>(lines, 1));
}

double HostModel::mram_ms(const TransferCall &call) const {
    const target::HostTiming &host = machine_.host;
    const bool one_dpu = call.source == TransferSource::OneDpu;
    const int64_t dpus = one_dpu ? 1 : call.dpus;
    const int64_t lines = lines_in_use(dpus);
    // A single-DPU copy is done by the one pool thread that owns its line [§3].
    const int64_t threads = one_dpu ? 1 : pool_threads(call.bytes_per_dpu, lines);
    // One 64-B host line per 8-byte word of a DPU line; transfers are padded to 8 bytes.
    const int64_t lines_per_thread = ceil_div(lines, threads) * ceil_div(call.bytes_per_dpu, 8);
    double line_ns = call.direction == HostDirection::ToDpu ? host.write_line_ns : host.read_line_ns;
    if (call.source == TransferSource::Broadcast) line_ns *= host.broadcast_line_factor;
    // A line carries one host stream per chip of the set on it.
    const double chips = static_cast<double>(std::min(kChipsPerRank, dpus));
    const double one_chip =
        call.direction == HostDirection::ToDpu ? host.write_one_chip_share : host.read_one_chip_share;
    line_ns *= one_chip + (1 - one_chip) * (chips - 1) / static_cast<double>(kChipsPerRank - 1);
    const double bytes = static_cast<double>(call.bytes_per_dpu);
    line_ns *= 1 + (host.short_run_line_factor - 1) * host.line_ramp_bytes / (host.line_ramp_bytes + bytes);
    const double rank_ms = host.rank_section_ms + static_cast<double>(lines_per_thread) * line_ns / kNsPerMs;
    const bool prepares =
        call.source == TransferSource::PerDpuBuffers || call.source == TransferSource::OneBuffer;
    double software = host.call_ms + host.call_per_rank_ms * static_cast<double>(ranks(dpus)) +
                      static_cast<double>(ranks_on_busiest_channel(dpus)) * rank_ms;
    if (prepares) software += host.prepare_us * static_cast<double>(dpus) / kUsPerMs;
    if (call.after_launch) software += host.mux_switch_ms;
    // The host's memory bounds all channels together.
    const double gbps = call.direction == HostDirection::ToDpu ? host.write_gbps : host.read_gbps;
    const double memory = static_cast<double>(dpus * call.bytes_per_dpu) / gbps / kNsPerMs;
    return std::max(software, host.call_ms + memory);
}

double HostModel::wram_ms(const TransferCall &call) const {
    const target::HostTiming &host = machine_.host;
    const bool one_dpu = call.source == TransferSource::OneDpu;
    const int64_t dpus = one_dpu ? 1 : call.dpus;
    const int64_t lines = lines_in_use(dpus);
    const int64_t words = ceil_div(call.bytes_per_dpu, 4);
    // Per DPU line: one command selecting it, then per 32-bit word two commands to write (the address
    // structure changes every word) or one to read; a broadcast selects every chip at once [§3].
    int64_t commands = 0;
    double command_us = host.ci_read_us;
    if (call.direction == HostDirection::ToDpu) {
        command_us = host.ci_write_us;
        const int64_t selections = call.source == TransferSource::Broadcast ? 1 : lines;
        commands = selections * (1 + 2 * words);
    } else {
        commands = lines * (1 + words);
    }
    // Each rank's worker issues its own commands; the ranks overlap, but not perfectly.
    const double overlap = 1 + host.ci_rank_overlap * static_cast<double>(ranks(dpus) - 1);
    return host.call_ms + host.call_per_rank_ms * static_cast<double>(ranks(dpus)) +
           static_cast<double>(commands) * command_us / kUsPerMs * overlap;
}

double HostModel::transfer_ms(const TransferCall &call) const {
    ATIM_CHECK(call.dpus >= 1, "a transfer needs at least one DPU, got {}", call.dpus);
    ATIM_CHECK(call.bytes_per_dpu >= 0, "negative transfer size {}", call.bytes_per_dpu);
    if (call.bytes_per_dpu == 0) return machine_.host.call_ms;
    return call.memory == TransferMemory::Mram ? mram_ms(call) : wram_ms(call);
}

double HostModel::launch_ms(int64_t dpus) const {
    const target::HostTiming &host = machine_.host;
    return host.launch_ms + host.launch_per_rank_ms * static_cast<double>(ranks(dpus));
}

double HostModel::host_work_ms(const HostWork &work) const {
    ATIM_CHECK(work.operations >= 0 && work.bytes >= 0 && work.threads >= 1 && work.regions >= 0,
               "invalid host work: {} operations, {} bytes, {} threads, {} regions", work.operations,
               work.bytes, work.threads, work.regions);
    const target::HostTiming &host = machine_.host;
    const double threads = static_cast<double>(std::min<int64_t>(work.threads, std::max(host.host_cores, 1)));
    // Roofline: compute over the threads' cores against the bytes over what those cores stream together
    // (at most the socket's bandwidth, never less than one core).
    const double compute_ns = static_cast<double>(work.operations) / (host.core_ops_per_ns * threads);
    const double bytes_per_ns = std::max(
        host.core_bytes_per_ns, std::min(threads * host.core_bytes_per_ns, host.socket_bytes_per_ns));
    const double memory_ns = static_cast<double>(work.bytes) / bytes_per_ns;
    return std::max(compute_ns, memory_ns) / kNsPerMs + static_cast<double>(work.regions) * host.fork_join_ms;
}

double HostModel::event_ms(const HostEvent &event) const {
    switch (event.kind) {
        case HostEvent::Kind::Transfer:
            return transfer_ms(event.transfer);
        case HostEvent::Kind::Launch:
            return launch_ms(event.dpus) + event.dpu_ms;
        case HostEvent::Kind::Work:
            return host_work_ms(event.work);
    }
    return 0;
}

}  // namespace atim::sim
