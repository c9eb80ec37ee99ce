// The simulator runner's memo of measured programs (see measurement_memo.h).
#include "measurement_memo.h"

#include <fmt/format.h>

#include <functional>
#include <string_view>

#include "atim/lower/program_hash.h"

namespace atim::tune::detail {
namespace {

/// The slowest simulated DPU's cycles of a completed sim run (stats.dpu.cycles), or nullopt.
std::optional<int64_t> kernel_cycles_of(const MeasureResult &result) {
    const nlohmann::json &stats = result.stats;
    if (!stats.is_object() || !stats.contains("dpu") || !stats["dpu"].contains("cycles")) return std::nullopt;
    return stats["dpu"]["cycles"].get<int64_t>();
}

}  // namespace

std::string measurement_key(const lower::PimProgram &p, const codegen::DpuKernel &kernel) {
    std::string text = lower::host_program_text(p);
    text += fmt::format("\nkernel {} {} {} {} {} [{}]\n", kernel.kernel_instructions,
                        kernel.frame_bytes_per_tasklet, kernel.variables_in_registers,
                        kernel.variables_in_frame, kernel.args_symbol, fmt::join(kernel.slice_symbols, ","));
    // Comment lines name the IR loops the code came from; the assembler ignores them.
    for (size_t start = 0; start < kernel.assembly.size();) {
        size_t end = kernel.assembly.find('\n', start);
        if (end == std::string::npos) end = kernel.assembly.size();
        const std::string_view line(kernel.assembly.data() + start, end - start);
        const size_t first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || !line.substr(first).starts_with("//")) {
            text += line;
            text += '\n';
        }
        start = end + 1;
    }
    return text;
}

MeasureResult pruned_result(double kernel_ms_bound) {
    MeasureResult pruned;
    pruned.status = MeasureStatus::Pruned;
    pruned.error = fmt::format(
        "stopped: its kernel runs longer than {:.4f} ms, the bound set by the best so far", kernel_ms_bound);
    pruned.kernel_ms = pruned.total_ms = kernel_ms_bound;
    return pruned;
}

std::optional<MeasureResult> MeasurementMemo::find(const std::string &key, std::optional<int64_t> max_cycles,
                                                   std::optional<double> kernel_ms_bound) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = entries_.find(digest(key));
    if (found == entries_.end()) return std::nullopt;
    const Entry &entry = found->second;
    // The simulator stops a DPU as soon as its cycle count passes the limit, so a run is stopped exactly when
    // its slowest DPU's full run is longer than the limit.
    if (entry.pruned_at) {
        if (!max_cycles || *max_cycles > *entry.pruned_at) return std::nullopt;  // might finish now
        ++hits_;
        return pruned_result(*kernel_ms_bound);
    }
    ++hits_;
    if (max_cycles && entry.kernel_cycles > *max_cycles) return pruned_result(*kernel_ms_bound);
    return entry.result;
}

void MeasurementMemo::add(const std::string &key, const MeasureResult &result,
                          std::optional<int64_t> max_cycles) {
    Entry entry;
    if (result.status == MeasureStatus::Pruned && max_cycles) {
        entry.pruned_at = max_cycles;
    } else if (result.status == MeasureStatus::Ok || result.status == MeasureStatus::WrongOutput) {
        std::optional<int64_t> cycles = kernel_cycles_of(result);
        if (!cycles) return;
        entry.kernel_cycles = *cycles;
        entry.result = result;
    } else {
        return;  // invalid programs fail before simulating; faults and timeouts are not decided by a bound
    }
    std::lock_guard<std::mutex> lock(mutex_);
    auto [it, inserted] = entries_.try_emplace(digest(key), std::move(entry));
    // A completed run says more than a pruned one (it decides every later bound), and a run pruned at a
    // higher limit more than one pruned at a lower.
    if (!inserted && it->second.pruned_at && (!entry.pruned_at || *entry.pruned_at > *it->second.pruned_at))
        it->second = std::move(entry);
}

MeasurementMemo::Digest MeasurementMemo::digest(const std::string &key) {
    uint64_t fnv = 1469598103934665603ull;
    for (unsigned char ch : key) {
        fnv ^= ch;
        fnv *= 1099511628211ull;
    }
    return {fnv, std::hash<std::string>{}(key)};
}

size_t MeasurementMemo::hits() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return hits_;
}

}  // namespace atim::tune::detail
