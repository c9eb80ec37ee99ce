// Named-schedule parameters: specs, defaults that follow PrIM's sweeps, parsing and machine checks.
#include "baselines/schedule_params.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "atim/support/error.h"

namespace atim::baselines {
namespace {

// PrIM's full-system runs and ATiM's PrIM+Search sweep go up to 2048 DPUs (prim-baselines.md §1.2, §1.13).
constexpr int64_t kLargestDpuSweepPoint = 2048;
// PrIM's default: 16 tasklets (prim-baselines.md §1.1, atim-method.md §8.2).
constexpr int64_t kPrimTasklets = 16;
// PrIM's WRAM block: BL=10, 1 KB (prim-baselines.md §1.2), i.e. the 256 int32 elements ATiM uses
// (atim-method.md §8.2); 2 KB blocks would not fit 16 tasklets' WRAM (prim-baselines.md §1.4).
constexpr int64_t kPrimBlockBytes = 1024;
// ATiM's gemvRCTile uses 32-element WRAM chunks, vaTile 64-element chunks (atim-method.md §9).
constexpr int64_t kRcTileRowCache = 32;
constexpr int64_t kRcTileElementCache = 64;
// rc-tile keeps at least one PrIM block of the reduction dimension per DPU before splitting K further.
constexpr int64_t kMinReductionSlice = 256;
// mmtv: PrIM+Search sweeps DPUs per batch up to 256 (atim-method.md §8.2).
constexpr int64_t kMaxDpusPerBatch = 256;
// SimplePIM compiles its kernels with -DNR_TASKLETS=12 (prim-baselines.md §2).
constexpr int64_t kSimplePimTasklets = 12;

// SimplePIM's WRAM block, chosen from the element size only (prim-baselines.md §2): 256 elements below 16
// bytes (1 KB of int32, 2 KB of int64), 128 below 32 bytes, else 16.
int64_t simplepim_block(ir::DType dtype) {
    const int64_t bytes = ir::bytes_of(dtype);
    if (bytes < 16) return 256;
    if (bytes < 32) return 128;
    return 16;
}

int64_t largest_pow2_at_most(int64_t limit) {
    int64_t p = 1;
    while (p * 2 <= limit) p *= 2;
    return p;
}

// The largest power of two d <= budget with at least `min_units_per_dpu` units per DPU (at least 1).
int64_t largest_pow2_dpus(int64_t units, int64_t min_units_per_dpu, int64_t budget) {
    int64_t d = largest_pow2_at_most(std::max<int64_t>(budget, 1));
    while (d > 1 && units < d * min_units_per_dpu) d /= 2;
    return d;
}

int64_t dpu_budget(const target::UpmemMachine &machine) {
    return std::min<int64_t>(kLargestDpuSweepPoint, machine.dpus);
}

// Rows of a row reduction (prim flattens ttv's i, j into M*N rows like PrIM(E), atim-method.md §8.2).
int64_t reduction_rows(const workloads::Workload &w) {
    return w.shape.size() == 3 ? w.shape[0] * w.shape[1] : w.shape[0];
}
int64_t reduction_extent(const workloads::Workload &w) { return w.shape.back(); }

std::string format_bytes(int64_t bytes) {
    if (bytes % 1024 == 0) return fmt::format("{} KB", bytes / 1024);
    return fmt::format("{} bytes", bytes);
}

int64_t parse_value(NamedSchedule schedule, const std::string &key, const std::string &text) {
    int64_t value = 0;
    const char *end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value <= 0)
        user_error("parameter {}={} of schedule {} must be a positive integer", key, text,
                   to_string(schedule));
    return value;
}

// WRAM a schedule allocates: per tasklet, `tiles` tiles of the tile parameter's size plus small buffers
// (output words, scalars), and per DPU a shared area (tasklet partials).
struct WramUse {
    int64_t tiles = 0;
    int64_t small_bytes_per_tasklet = 0;
    int64_t shared_bytes = 0;
};

// WRAM buffers are allocated in multiples of 8 bytes (prim-baselines.md §0).
int64_t wram_bytes(int64_t elements, ir::DType dtype) { return round_up(elements * ir::bytes_of(dtype), 8); }

WramUse wram_use(NamedSchedule schedule, WorkloadShape shape, const workloads::Workload &w) {
    int64_t scalars = static_cast<int64_t>(workloads::scalar_input_names(w.func).size());
    int64_t scalar_bytes = scalars * wram_bytes(1, w.widest_dtype());
    int64_t out_bytes = wram_bytes(rows_per_output_write(w.compute_dtype()), w.compute_dtype());
    switch (shape) {
        case WorkloadShape::Elementwise:
            return {3, scalar_bytes, 0};  // A, B and C tiles
        case WorkloadShape::FullReduce:
            return {1, 0, 0};  // A tile; partials added by caller
        case WorkloadShape::RowReduce:
        case WorkloadShape::TensorRowReduce:
        case WorkloadShape::Batched:
            // prim: one A row block and one B block (B re-read per row, prim-baselines.md §1.4);
            // rc-tile: the A tile covers the rows written together, B is shared by them.
            return {schedule == NamedSchedule::Prim ? 2 : rows_per_output_write(w.compute_dtype()) + 1,
                    out_bytes + scalar_bytes, 0};
    }
    return {};
}

void check_wram_fits(NamedSchedule schedule, WorkloadShape shape, const workloads::Workload &w,
                     const std::map<std::string, int64_t> &p, const target::UpmemMachine &machine) {
    const std::string tile_param = tile_param_name(schedule);
    int64_t tile = p.at(tile_param), tasklets = p.at("tasklets");
    WramUse use = wram_use(schedule, shape, w);
    if (shape == WorkloadShape::FullReduce) use.shared_bytes = wram_bytes(tasklets, w.widest_dtype());
    int64_t tile_bytes = wram_bytes(tile, w.widest_dtype());
    int64_t per_tasklet = use.tiles * tile_bytes + use.small_bytes_per_tasklet;
    int64_t total = tasklets * (per_tasklet + machine.stack_bytes_per_tasklet) + use.shared_bytes;
    if (total > machine.wram_bytes)
        user_error(
            "{}={} with tasklets={} needs {} x {} of WRAM per tasklet ({} per DPU with stacks) but a DPU "
            "has {}; lower {} or tasklets",
            tile_param, tile, tasklets, use.tiles, format_bytes(tile_bytes), format_bytes(total),
            format_bytes(machine.wram_bytes), tile_param);
}

void check_tile_alignment(NamedSchedule schedule, const workloads::Workload &w,
                          const std::map<std::string, int64_t> &p) {
    const std::string tile_param = tile_param_name(schedule);
    int64_t tile_bytes = p.at(tile_param) * ir::bytes_of(w.narrowest_dtype());
    // MRAM<->WRAM DMA moves multiples of 8 bytes (upmem-hardware.md §2, prim-baselines.md §0).
    if (tile_bytes % 8 != 0)
        user_error(
            "{}={} makes {}-byte WRAM tiles of {}; DMA moves multiples of 8 bytes, use a multiple of {}",
            tile_param, p.at(tile_param), tile_bytes, ir::to_string(w.narrowest_dtype()),
            8 / ir::bytes_of(w.narrowest_dtype()));
}

void check_machine_limits(NamedSchedule schedule, WorkloadShape shape,
                          const std::map<std::string, int64_t> &p, const target::UpmemMachine &machine) {
    int64_t tasklets = p.at("tasklets");
    if (tasklets > machine.max_tasklets)
        user_error("tasklets={} exceeds the {} hardware threads of a DPU; use 1..{}", tasklets,
                   machine.max_tasklets, machine.max_tasklets);
    if (schedule != NamedSchedule::RcTile) {
        if (p.at("dpus") > machine.dpus)
            user_error("dpus={} exceeds the {} DPUs of machine {}; use 1..{}", p.at("dpus"), machine.dpus,
                       machine.name, machine.dpus);
        return;
    }
    int64_t dpus_y = p.count("dpus_y") ? p.at("dpus_y") : 1;
    if (shape == WorkloadShape::TensorRowReduce) {
        int64_t grid = p.at("dpus_x") * dpus_y * p.at("dpus_z");
        if (grid > machine.dpus)
            user_error(
                "dpus_x={} x dpus_y={} x dpus_z={} = {} DPUs exceeds the {} DPUs of machine {}; lower "
                "dpus_x, "
                "dpus_y or dpus_z",
                p.at("dpus_x"), dpus_y, p.at("dpus_z"), grid, machine.dpus, machine.name);
        return;
    }
    int64_t grid = p.at("dpus_x") * dpus_y;
    if (grid > machine.dpus)
        user_error(
            "dpus_x={} x dpus_y={} = {} DPUs exceeds the {} DPUs of machine {}; lower dpus_x or dpus_y",
            p.at("dpus_x"), dpus_y, grid, machine.dpus, machine.name);
}

// One DPU-count parameter and what it splits: `units` (rows, elements, K) in equal blocks of
// ceil(units / dpus) rounded up to `multiple` (whole 8-byte writes or slices).
struct DpuSplit {
    std::string param;
    int64_t dpus, units, multiple;
    std::string unit_name;
    // DPUs that get at least one unit, and the most DPUs any count could use.
    int64_t used() const { return ceil_div(units, round_up(ceil_div(units, dpus), multiple)); }
    int64_t most() const { return ceil_div(units, multiple); }
};

std::vector<DpuSplit> dpu_splits(NamedSchedule schedule, WorkloadShape shape, const workloads::Workload &w,
                                 const std::map<std::string, int64_t> &p) {
    // Output rows are cut in whole 8-byte words of the output; elements and K slices in words of the
    // narrowest tensor they index.
    const int64_t per_write = rows_per_output_write(w.narrowest_dtype());
    const int64_t row_write = rows_per_output_write(w.compute_dtype());
    const std::string rows = shape == WorkloadShape::TensorRowReduce ? "M*N rows" : "rows";
    if (schedule != NamedSchedule::RcTile) {
        switch (shape) {
            case WorkloadShape::Elementwise:
            case WorkloadShape::FullReduce:
                return {{"dpus", p.at("dpus"), w.shape[0], per_write, "elements"}};
            case WorkloadShape::RowReduce:
            case WorkloadShape::TensorRowReduce:
                return {{"dpus", p.at("dpus"), reduction_rows(w), row_write, rows}};
            case WorkloadShape::Batched:
                return {{"dpus", p.at("dpus"), w.shape[1], row_write, "rows per batch"}};
        }
    }
    switch (shape) {
        case WorkloadShape::Elementwise:
        case WorkloadShape::FullReduce:
            return {{"dpus_x", p.at("dpus_x"), w.shape[0], per_write, "elements"}};
        case WorkloadShape::RowReduce:
            return {{"dpus_x", p.at("dpus_x"), w.shape[0], row_write, "rows"},
                    {"dpus_y", p.at("dpus_y"), reduction_extent(w), per_write, "K elements"}};
        case WorkloadShape::TensorRowReduce:
            return {{"dpus_x", p.at("dpus_x"), w.shape[1], row_write, "N rows"},
                    {"dpus_y", p.at("dpus_y"), reduction_extent(w), per_write, "K elements"},
                    {"dpus_z", p.at("dpus_z"), w.shape[0], 1, "M rows"}};
        case WorkloadShape::Batched:
            return {{"dpus_x", p.at("dpus_x"), w.shape[1], row_write, "rows per batch"},
                    {"dpus_y", p.at("dpus_y"), reduction_extent(w), per_write, "K elements"}};
    }
    return {};
}

// Defaults: see param_specs for the rules in words.
int64_t default_param(NamedSchedule schedule, WorkloadShape shape, const std::string &name,
                      const workloads::Workload &w, const std::map<std::string, int64_t> &p,
                      const target::UpmemMachine &machine) {
    int64_t budget = dpu_budget(machine);
    if (name == "tasklets") return schedule == NamedSchedule::SimplePim ? kSimplePimTasklets : kPrimTasklets;
    if (name == "block")
        return schedule == NamedSchedule::SimplePim ? simplepim_block(w.widest_dtype())
                                                    : kPrimBlockBytes / ir::bytes_of(w.widest_dtype());
    if (name == "cache")
        return shape == WorkloadShape::Elementwise || shape == WorkloadShape::FullReduce ? kRcTileElementCache
                                                                                         : kRcTileRowCache;
    int64_t tasklets = p.at("tasklets");
    if (schedule != NamedSchedule::RcTile) {
        ATIM_CHECK(name == "dpus", "no default for {} parameter {}", to_string(schedule), name);
        switch (shape) {
            case WorkloadShape::Elementwise:
            case WorkloadShape::FullReduce:
                return largest_pow2_dpus(ceil_div(w.shape[0], p.at("block")), 2, budget);
            case WorkloadShape::RowReduce:
            case WorkloadShape::TensorRowReduce:
                return largest_pow2_dpus(reduction_rows(w), 2, budget);
            case WorkloadShape::Batched:
                return largest_pow2_dpus(w.shape[1], 2, std::min(kMaxDpusPerBatch, budget / w.shape[0]));
        }
    }
    int64_t cache = p.at("cache");
    if (name == "dpus_x") {
        switch (shape) {
            case WorkloadShape::Elementwise:
            case WorkloadShape::FullReduce:
                return largest_pow2_dpus(ceil_div(w.shape[0], tasklets * cache), 2, budget);
            case WorkloadShape::RowReduce:
                return largest_pow2_dpus(reduction_rows(w), 2 * tasklets, budget);
            case WorkloadShape::TensorRowReduce:
                return largest_pow2_dpus(w.shape[1], 2 * tasklets, budget);
            case WorkloadShape::Batched:
                return largest_pow2_dpus(w.shape[1], 2 * tasklets,
                                         std::min(kMaxDpusPerBatch, budget / w.shape[0]));
        }
    }
    if (name == "dpus_z") return largest_pow2_dpus(w.shape[0], 1, budget / p.at("dpus_x"));
    ATIM_CHECK(name == "dpus_y", "no default for rc-tile parameter {}", name);
    int64_t batches = shape == WorkloadShape::Batched ? w.shape[0] : 1;
    if (shape == WorkloadShape::TensorRowReduce) batches = p.at("dpus_z");
    int64_t room = budget / (p.at("dpus_x") * batches);
    return largest_pow2_dpus(reduction_extent(w), kMinReductionSlice, room);
}

}  // namespace

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t m) { return ceil_div(a, m) * m; }

int64_t rows_per_output_write(ir::DType dtype) { return std::max(1, 8 / ir::bytes_of(dtype)); }

int64_t batches_per_dpu_group(int64_t batches, int64_t dpus_per_batch, const target::UpmemMachine &machine) {
    int64_t groups = std::max<int64_t>(1, std::min(batches, machine.dpus / dpus_per_batch));
    return ceil_div(batches, groups);
}

NamedSchedule parse_named_schedule(const std::string &name) {
    if (name == "prim") return NamedSchedule::Prim;
    if (name == "rc-tile") return NamedSchedule::RcTile;
    if (name == "simplepim") return NamedSchedule::SimplePim;
    user_error("unknown schedule '{}'; known: prim, rc-tile, simplepim (or a trace .json file)", name);
}

const char *to_string(NamedSchedule s) {
    switch (s) {
        case NamedSchedule::Prim:
            return "prim";
        case NamedSchedule::RcTile:
            return "rc-tile";
        case NamedSchedule::SimplePim:
            return "simplepim";
    }
    return "";
}

const std::vector<NamedSchedule> &all_named_schedules() {
    static const std::vector<NamedSchedule> all = {NamedSchedule::Prim, NamedSchedule::RcTile,
                                                   NamedSchedule::SimplePim};
    return all;
}

bool schedule_applies(NamedSchedule schedule, WorkloadShape shape, size_t scalars) {
    if (schedule != NamedSchedule::SimplePim) return true;
    return (shape == WorkloadShape::Elementwise && scalars == 0) || shape == WorkloadShape::FullReduce;
}

bool schedule_applies(NamedSchedule schedule, const std::string &workload) {
    // The catalogue's listing (`atim schedules NAME`): geva and gemv are the built-ins with scalar inputs.
    return schedule_applies(schedule, workload_shape(workload),
                            workload == "geva" || workload == "gemv" ? 1 : 0);
}

void check_schedule_applies(NamedSchedule schedule, const workloads::Workload &workload) {
    if (!schedule_applies(schedule, workload.structure, workloads::scalar_input_names(workload.func).size()))
        user_error(
            "schedule {} exists for va and red only (SimplePIM's vector add and reduction; SimplePIM has no "
            "GEMV-type operator); use prim or rc-tile for {}",
            to_string(schedule), workload.name);
}

const char *tile_param_name(NamedSchedule schedule) {
    return schedule == NamedSchedule::RcTile ? "cache" : "block";
}

WorkloadShape workload_shape(const std::string &workload) {
    for (const workloads::WorkloadInfo &info : workloads::workload_list())
        if (info.name == workload) return info.structure;
    user_error(
        "no named schedules for workload '{}'; named schedules exist for va, geva, red, mtv, gemv, ttv, "
        "mmtv",
        workload);
}

WorkloadShape workload_shape(const workloads::Workload &workload) { return workload.structure; }

std::vector<ParamSpec> param_specs(NamedSchedule schedule, WorkloadShape shape) {
    const ParamSpec tasklets{"tasklets", "16", "tasklets (hardware threads) per DPU, 1..24"};
    if (schedule == NamedSchedule::SimplePim) {
        if (shape != WorkloadShape::Elementwise && shape != WorkloadShape::FullReduce) return {};
        return {{"dpus", "auto: largest power of two <= min(2048, machine DPUs) leaving >= 2 blocks per DPU",
                 "DPUs the array is scattered over (equal padded chunks, one parallel push)"},
                {"tasklets", "12", "tasklets per DPU (SimplePIM fixes 12; change only to study it)"},
                {"block", "256 (elements under 16 bytes; 128 under 32, else 16)",
                 "WRAM block in elements (SimplePIM derives it from the element size)"}};
    }
    if (schedule == NamedSchedule::Prim) {
        const ParamSpec block{"block", "1 KB of elements: 256 (int32), 128 (int64)",
                              "WRAM block in elements (PrIM's BL = log2(block * element bytes))"};
        switch (shape) {
            case WorkloadShape::Elementwise:
            case WorkloadShape::FullReduce:
                return {{"dpus",
                         "auto: largest power of two <= min(2048, machine DPUs) leaving >= 2 blocks per DPU",
                         "DPUs the elements are split over (contiguous chunks)"},
                        tasklets,
                        block};
            case WorkloadShape::RowReduce:
                return {{"dpus",
                         "auto: largest power of two <= min(2048, machine DPUs) leaving >= 2 rows per DPU",
                         "DPUs the rows are split over (contiguous row blocks, full K per DPU)"},
                        tasklets,
                        block};
            case WorkloadShape::TensorRowReduce:
                return {
                    {"dpus",
                     "auto: largest power of two <= min(2048, machine DPUs) leaving >= 2 of the M*N rows "
                     "per DPU",
                     "DPUs the M*N rows (i, j fused) are split over: ceil(M*N / dpus) rows each, rounded up "
                     "to whole 8-byte output writes (int32: row pairs); a block may start or end inside an "
                     "i-row"},
                    tasklets,
                    block};
            case WorkloadShape::Batched:
                return {{"dpus",
                         "auto: largest power of two <= 256 with batch * dpus <= min(2048, machine DPUs), "
                         "leaving "
                         ">= 2 rows per DPU",
                         "DPUs per batch the rows of each batch are split over (PrIM(E) rgemv)"},
                        tasklets,
                        block};
        }
    }
    const ParamSpec cache_rows{"cache", "32", "WRAM tile of the reduction dimension, in elements"};
    const ParamSpec cache_elements{"cache", "64", "WRAM tile in elements"};
    const ParamSpec dpus_y{
        "dpus_y",
        "auto: largest power of two fitting the remaining DPUs that leaves >= 256 reduction "
        "elements per DPU",
        "DPUs the reduction dimension is split over (partials summed on the host)"};
    switch (shape) {
        case WorkloadShape::Elementwise:
            return {{"dpus_x",
                     "auto: largest power of two <= min(2048, machine DPUs) leaving >= 2 tiles per tasklet",
                     "DPUs the elements are split over"},
                    tasklets,
                    cache_elements};
        case WorkloadShape::FullReduce:
            return {{"dpus_x",
                     "auto: largest power of two <= min(2048, machine DPUs) leaving >= 2 tiles per tasklet",
                     "DPUs the elements are split over (partials summed on the host)"},
                    tasklets,
                    cache_elements};
        case WorkloadShape::RowReduce:
            return {{"dpus_x",
                     "auto: largest power of two <= min(2048, machine DPUs) leaving >= 2 rows per tasklet",
                     "DPUs the rows are split over"},
                    dpus_y,
                    tasklets,
                    cache_rows};
        case WorkloadShape::TensorRowReduce:
            return {{"dpus_x",
                     "auto: largest power of two <= min(2048, machine DPUs) leaving >= 2 j rows per tasklet",
                     "DPUs the N (j) rows are split over (grid axis dpu.x)"},
                    {"dpus_z", "auto: largest power of two fitting the DPUs dpus_x leaves, at most M",
                     "DPUs the M (i) rows are split over (grid axis dpu.z)"},
                    {"dpus_y",
                     "auto: largest power of two fitting the DPUs dpus_x x dpus_z leave that keeps >= 256 K "
                     "elements per DPU",
                     "DPUs K is split over (grid axis dpu.y; partials summed on the host)"},
                    tasklets,
                    cache_rows};
        case WorkloadShape::Batched:
            return {{"dpus_x", "auto: largest power of two <= 256 leaving >= 2 rows per tasklet",
                     "DPUs per batch the rows of each batch are split over"},
                    dpus_y,
                    tasklets,
                    cache_rows};
    }
    return {};
}

std::map<std::string, int64_t> resolve_params(NamedSchedule schedule, const workloads::Workload &workload,
                                              const std::map<std::string, std::string> &given,
                                              const target::UpmemMachine &machine) {
    WorkloadShape shape = workload_shape(workload);
    check_schedule_applies(schedule, workload);
    std::vector<ParamSpec> specs = param_specs(schedule, shape);
    std::vector<std::string> known;
    for (const ParamSpec &s : specs) known.push_back(s.name);
    std::map<std::string, int64_t> p;
    for (const auto &[key, text] : given) {
        if (std::find(known.begin(), known.end(), key) == known.end())
            user_error("unknown parameter '{}' for schedule {}; known: {}", key, to_string(schedule),
                       fmt::join(known, ", "));
        p[key] = parse_value(schedule, key, text);
    }
    // Defaults in dependency order: DPU counts depend on tasklets and the tile size.
    for (const char *name : {"tasklets", "block", "cache", "dpus", "dpus_x", "dpus_z", "dpus_y"}) {
        if (std::find(known.begin(), known.end(), name) == known.end() || p.count(name)) continue;
        p[name] = default_param(schedule, shape, name, workload, p, machine);
    }
    check_machine_limits(schedule, shape, p, machine);
    check_tile_alignment(schedule, workload, p);
    check_wram_fits(schedule, shape, workload, p, machine);
    return p;
}

std::vector<std::string> dpu_count_notes(NamedSchedule schedule, const workloads::Workload &workload,
                                         const std::map<std::string, int64_t> &params,
                                         const std::map<std::string, std::string> &given) {
    std::vector<std::string> notes;
    for (const DpuSplit &split : dpu_splits(schedule, workload_shape(workload), workload, params)) {
        if (split.used() == split.dpus || !given.count(split.param)) continue;
        const std::string unit = split.multiple > 1
                                     ? fmt::format("blocks of {} (one 8-byte output write)", split.multiple)
                                     : "blocks of 1";
        if (split.dpus > split.most()) {
            notes.push_back(
                fmt::format("{}={} runs on {} DPUs: {} {} in {} fill at most {} DPUs; use {} <= {}",
                            split.param, split.dpus, split.used(), split.units, split.unit_name, unit,
                            split.most(), split.param, split.most()));
            continue;
        }
        const int64_t block = round_up(ceil_div(split.units, split.dpus), split.multiple);
        notes.push_back(fmt::format(
            "{}={} runs on {} DPUs: {} {} in equal blocks of {} (ceil({} / {}){}) fill {} DPUs; a count "
            "that divides the blocks evenly uses every DPU",
            split.param, split.dpus, split.used(), split.units, split.unit_name, block, split.units,
            split.dpus,
            split.multiple > 1 ? fmt::format(" rounded up to a multiple of {}", split.multiple) : "",
            split.used()));
    }
    return notes;
}

}  // namespace atim::baselines
