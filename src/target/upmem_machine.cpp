// UpmemMachine presets and the JSON override file: every machine fact with the place it comes from.
#include "atim/target/upmem_machine.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "atim/support/error.h"

namespace atim::target {
namespace {

// ATiM's evaluation server: UPMEM SDK 2021.3.0, 2048 DPUs in 32 ranks, 350 MHz [atim-method.md §8.1]. The
// mechanisms are those of the SDK's host library [upmem-transfers.md §1-4]; the constants marked [fit] are
// fitted by bench_fidelity (log-time least squares over the H2D, kernel and after phases of the 26 rows of
// calibration/atim_server_prim_suite.csv; the bench also prints the leave-one-workload-out error).
HostTiming atim_server_host_timing() {
    HostTiming host;
    host.sdk = "2021.3.0";
    // 32 ranks on 8 DDR channels, 2 dual-rank PIM DIMMs per channel, as on the 2,048-DPU cloud server of
    // upmem-transfers.md §5.1 [fit: of 1, 2, 4 ranks per channel the rows choose 4].
    host.ranks_per_channel = 4;
    // nrThreadPerPool defaults to 4 in SDK 2021.3's source [§1 item 7]; on this server every fit (all rows
    // and each leave-one-workload-out) picks 1 of {1, 4}: the 32-64 KiB pushes and gathers run as one thread
    // per rank would. So the server's profile is taken to set 1 [fit].
    host.pool_threads = 1;
    host.call_ms = 0.0473;               // [fit]
    host.call_per_rank_ms = 0.00585;     // [fit]
    host.prepare_us = 0.03;              // a pointer store and a call [I, upmem-transfers.md §6 (a)]
    host.rank_section_ms = 0.0186;       // [fit]
    host.write_line_ns = 18.67;          // [fit] a long run's line
    host.read_line_ns = 24.47;           // [fit]
    host.short_run_line_factor = 11.38;  // [fit] a 2 KiB run's line costs 7.9x a long run's
    host.line_ramp_bytes = 4096;         // a page [I]
    host.broadcast_line_factor = 0.4;    // PrIM 1 rank: broadcast 16.88 vs parallel 6.68 GB/s [§5.3]
    // PrIM, 32 MB: one DPU takes 0.33 GB/s to, 0.12 from it; one rank 6.68 / 4.74 on 8 threads [§5.3]: a line
    // with one DPU costs 24 ns to write and 67 ns to read against 77 and 108 ns for 8 DPUs.
    host.write_one_chip_share = 0.32;
    host.read_one_chip_share = 0.62;
    host.write_gbps = 30;               // [I] LK direct-interface ceiling, a host-memory bound [§5.1]
    host.read_gbps = 11.25;             // [fit] VA and GEVA's 256 MB gathers
    host.mux_switch_ms = 0.03;          // ~20 CI commands [§4: 25-35 us]
    host.ci_write_us = 1.0;             // LUT5 WRAM push tables [§5.2]
    host.ci_read_us = 1.8;              // LUT5 WRAM gather tables [§5.2]
    host.ci_rank_overlap = 0.02;        // LUT5: 2,048 DPUs take ~1.6x the time of 128 [§5.2]
    host.launch_ms = 0.0277;            // [fit]
    host.launch_per_rank_ms = 0.00778;  // [fit]
    // Host epilogue. ATiM's server CPU is not published [atim-method.md §8.1]; its all-core streaming rate
    // is read off cpu_tvm_total_ms (that host running each operation itself, TVM-tuned on all cores): the
    // median over the rows moving >= 64 MB, writes counted twice (write-allocate) [M, bench_fidelity].
    host.host_cores = 8;
    host.core_ops_per_ns = 4;         // [I] an int32 add vectorised 8 wide at ~2.5 GHz, load-bound
    host.core_bytes_per_ns = 8;       // [I] one core's streaming rate on a server Xeon
    host.socket_bytes_per_ns = 16.2;  // [M]
    host.fork_join_ms = 0.003;        // [I] EPCC OpenMP microbenchmarks' order for 8-16 threads
    host.fit_source =
        "ATiM's server (SDK 2021.3.0): SDK host-library mechanisms, constants fitted by bench_fidelity on "
        "atim_server_prim_suite.csv (leave-one-workload-out total 9.7%)";
    return host;
}

// The 2,048-DPU cloud server of calibration/host_transfer_2048dpus.csv: UPMEM SDK 2024.2.0, 32 ranks on 8
// channels x 4 ranks, 4 NUMA nodes [upmem-transfers.md §5.1]. Transfer constants [fit] by
// bench_host_transfer_fit on the even rows of that file (odd rows held out); launch and host constants are
// not measured there and are those of ATiM's server.
HostTiming cloud_server_host_timing() {
    HostTiming host = atim_server_host_timing();
    host.sdk = "2024.2.0";
    host.ranks_per_channel = 4;  // 8 channels x 4 ranks [upmem-transfers.md §5.1]
    host.pool_threads = 4;       // [fit] (of 1, 2, 4, 8)
    // [fit]: the fit puts the fixed costs at zero; the short-run ramp carries the small transfers' cost.
    host.call_ms = 0;
    host.call_per_rank_ms = 0;
    host.rank_section_ms = 0;
    host.mux_switch_ms = 0;
    host.write_line_ns = 80.34;          // [fit]
    host.read_line_ns = 157.7;           // [fit]
    host.write_gbps = 21.94;             // [fit]
    host.read_gbps = 11.19;              // [fit]
    host.short_run_line_factor = 3.512;  // [fit]
    host.line_ramp_bytes = 17690;        // [fit]
    host.fit_source =
        "UPMEM cloud server (SDK 2024.2.0): SDK host-library mechanisms, transfer constants fitted by "
        "bench_host_transfer_fit on even rows of host_transfer_2048dpus.csv";
    return host;
}

// PrIM's servers (the 2,556-DPU machine and the 1-64 DPU runs of prim_workloads_1to64dpus.csv): their SDK and
// channel layout are not published. The line costs come from PrIM's own transfer microbenchmarks
// (prim_microbenchmarks.csv, 32 MB per DPU, nrThreadPerPool=8 in that bench, so fixed costs vanish): one
// rank, parallel 6.68 GB/s to and 4.74 GB/s from the DPUs, broadcast 16.88 GB/s [upmem-transfers.md §5.3].
// The fixed costs are those of ATiM's server [I]. Validated on prim_workloads' transfer columns, not fitted.
HostTiming prim_server_host_timing() {
    HostTiming host = atim_server_host_timing();
    host.sdk = "unknown (PrIM, 2021)";
    // 2 GiB over one rank at 6.68 GB/s = 321 ms for 8 threads x 4 Mi lines each: 76.6 ns a line.
    host.write_line_ns = 76.6;
    // At 4.74 GB/s: 453 ms, 108 ns a line.
    host.read_line_ns = 108;
    host.broadcast_line_factor = 0.40;  // 16.88 vs 6.68 GB/s
    host.short_run_line_factor = 1;
    host.pool_threads = 4;  // the SDK's default (ATiM's server runs 1)
    host.fit_source =
        "PrIM's server: line costs from prim_microbenchmarks.csv (1 rank, 32 MB per DPU), fixed costs of "
        "ATiM's "
        "server";
    return host;
}

UpmemMachine base_machine() {
    UpmemMachine machine;  // defaults in the header: upmem-2048, each with its source
    machine.host = atim_server_host_timing();
    return machine;
}

UpmemMachine with_dpus(std::string name, int dpus) {
    UpmemMachine machine = base_machine();
    machine.name = std::move(name);
    machine.dpus = dpus;
    return machine;
}

std::optional<UpmemMachine> preset(const std::string &name) {
    // 32 ranks of 64 DPUs: ATiM's evaluation server [atim-method.md §2.1, §8.1].
    if (name == "upmem-2048") return with_dpus(name, 2048);
    // The 2,048-DPU cloud server whose transfers host_transfer_2048dpus.csv measured (SDK 2024.2.0).
    if (name == "upmem-cloud-2048") {
        UpmemMachine machine = with_dpus(name, 2048);
        machine.host = cloud_server_host_timing();
        return machine;
    }
    // 20 DIMMs x 2 ranks x 64 DPUs: PrIM's full server (2,556 of them usable) [upmem-hardware.md §1].
    // One rank = 8 chips x 8 DPUs [upmem-hardware.md §1], and one DPU: parts of PrIM's server.
    for (auto [preset_name, dpus] : {std::pair{"upmem-2560", 2560}, {"upmem-rank", 64}, {"upmem-1", 1}}) {
        if (name != preset_name) continue;
        UpmemMachine machine = with_dpus(name, dpus);
        machine.host = prim_server_host_timing();
        return machine;
    }
    return std::nullopt;
}

// One overridable field of the JSON file: reads the value (throwing on a wrong type) and checks it.
struct Field {
    std::string key;
    std::function<void(UpmemMachine &, const nlohmann::json &, const std::string &)> set;
};

[[noreturn]] void bad_value(const std::string &key, const std::string &why) {
    user_error("machine file: key '{}' {}; fix the value", key, why);
}

template <typename T>
T read_number(const nlohmann::json &value, const std::string &key) {
    if constexpr (std::is_integral_v<T>) {
        if (!value.is_number_integer())
            bad_value(key, fmt::format("must be an integer, got {}", value.dump()));
        return value.get<T>();
    } else {
        if (!value.is_number()) bad_value(key, fmt::format("must be a number, got {}", value.dump()));
        double v = value.get<double>();
        if (!std::isfinite(v)) bad_value(key, "must be finite");
        return v;
    }
}

/// An integer field in [lo, hi], optionally a multiple of `multiple`.
template <typename T>
Field int_field(std::string key, T UpmemMachine::*member, T lo, T hi, T multiple = 1) {
    return {key, [member, lo, hi, multiple](UpmemMachine &m, const nlohmann::json &v, const std::string &k) {
                T value = read_number<T>(v, k);
                if (value < lo || value > hi)
                    bad_value(k, fmt::format("must be in [{}, {}], got {}", lo, hi, value));
                if (value % multiple != 0)
                    bad_value(k, fmt::format("must be a multiple of {}, got {}", multiple, value));
                m.*member = value;
            }};
}

template <typename Group, typename T>
Field nested_field(std::string key, Group UpmemMachine::*group, T Group::*member, double lo, double hi) {
    return {key, [group, member, lo, hi](UpmemMachine &m, const nlohmann::json &v, const std::string &k) {
                T value = read_number<T>(v, k);
                if (value < lo || value > hi)
                    bad_value(k, fmt::format("must be in [{}, {}], got {}", lo, hi, value));
                (m.*group).*member = value;
            }};
}

Field dpu_double(std::string key, double DpuTiming::*member, double lo, double hi) {
    return nested_field("dpu." + key, &UpmemMachine::dpu, member, lo, hi);
}
Field dpu_int(std::string key, int DpuTiming::*member, int lo, int hi) {
    return nested_field("dpu." + key, &UpmemMachine::dpu, member, lo, hi);
}
Field host_double(std::string key, double HostTiming::*member, double lo, double hi) {
    return nested_field("host." + key, &UpmemMachine::host, member, lo, hi);
}

constexpr double kHuge = 1e12;
constexpr double kTiny = 1e-9;

const std::vector<Field> &fields() {
    static const std::vector<Field> table = {
        {"name",
         [](UpmemMachine &m, const nlohmann::json &v, const std::string &k) {
             if (!v.is_string() || v.get<std::string>().empty()) bad_value(k, "must be a non-empty string");
             m.name = v.get<std::string>();
         }},
        int_field<int>("dpus", &UpmemMachine::dpus, 1, 1 << 20),
        int_field<int>("dpus_per_rank", &UpmemMachine::dpus_per_rank, 1, 1 << 20),
        {"dpu_mhz",
         [](UpmemMachine &m, const nlohmann::json &v, const std::string &k) {
             double mhz = read_number<double>(v, k);
             if (mhz <= 0 || mhz > 10000) bad_value(k, fmt::format("must be in (0, 10000] MHz, got {}", mhz));
             m.dpu_mhz = mhz;
         }},
        // 24 hardware threads at most: thread ids live in 5 bits and the register file holds 24 contexts
        // [upmem-hardware.md §1].
        int_field<int>("max_tasklets", &UpmemMachine::max_tasklets, 1, 24),
        int_field<int64_t>("wram_bytes", &UpmemMachine::wram_bytes, 8, 1ll << 24, 8),
        int_field<int64_t>("mram_bytes", &UpmemMachine::mram_bytes, 8, 1ll << 32, 8),
        int_field<int>("iram_instructions", &UpmemMachine::iram_instructions, 1, 1 << 16),
        int_field<int64_t>("stack_bytes_per_tasklet", &UpmemMachine::stack_bytes_per_tasklet, 8, 1ll << 20,
                           8),
        // ldma/sdma move 8..2048 bytes in 8-byte units [upmem-hardware.md §2].
        int_field<int64_t>("max_dma_bytes", &UpmemMachine::max_dma_bytes, 8, 2048, 8),
        dpu_int("revolver_cycles", &DpuTiming::revolver_cycles, 1, 1000),
        dpu_int("pipeline_stages", &DpuTiming::pipeline_stages, 1, 1000),
        {"dpu.register_bank_stall",
         [](UpmemMachine &m, const nlohmann::json &v, const std::string &k) {
             if (!v.is_boolean()) bad_value(k, fmt::format("must be true or false, got {}", v.dump()));
             m.dpu.register_bank_stall = v.get<bool>();
         }},
        dpu_double("dma_read_alpha", &DpuTiming::dma_read_alpha, 0, 1e6),
        dpu_double("dma_write_alpha", &DpuTiming::dma_write_alpha, 0, 1e6),
        dpu_double("dma_beta", &DpuTiming::dma_beta, 0, 1e6),
        dpu_double("dma_wram_port_share", &DpuTiming::dma_wram_port_share, 0, 1),
        {"host.sdk",
         [](UpmemMachine &m, const nlohmann::json &v, const std::string &k) {
             if (!v.is_string()) bad_value(k, "must be a string");
             m.host.sdk = v.get<std::string>();
         }},
        nested_field("host.ranks_per_channel", &UpmemMachine::host, &HostTiming::ranks_per_channel, 1,
                     1 << 16),
        {"host.interleave_channels",
         [](UpmemMachine &m, const nlohmann::json &v, const std::string &k) {
             if (!v.is_boolean()) bad_value(k, fmt::format("must be true or false, got {}", v.dump()));
             m.host.interleave_channels = v.get<bool>();
         }},
        host_double("call_ms", &HostTiming::call_ms, 0, kHuge),
        host_double("call_per_rank_ms", &HostTiming::call_per_rank_ms, 0, kHuge),
        host_double("prepare_us", &HostTiming::prepare_us, 0, kHuge),
        host_double("rank_section_ms", &HostTiming::rank_section_ms, 0, kHuge),
        host_double("write_line_ns", &HostTiming::write_line_ns, 0, kHuge),
        host_double("read_line_ns", &HostTiming::read_line_ns, 0, kHuge),
        host_double("broadcast_line_factor", &HostTiming::broadcast_line_factor, 0, kHuge),
        host_double("write_one_chip_share", &HostTiming::write_one_chip_share, 0, kHuge),
        host_double("read_one_chip_share", &HostTiming::read_one_chip_share, 0, kHuge),
        host_double("short_run_line_factor", &HostTiming::short_run_line_factor, 0, kHuge),
        host_double("line_ramp_bytes", &HostTiming::line_ramp_bytes, 0, kHuge),
        nested_field("host.pool_threads", &UpmemMachine::host, &HostTiming::pool_threads, 1, 64),
        host_double("write_gbps", &HostTiming::write_gbps, kTiny, kHuge),
        host_double("read_gbps", &HostTiming::read_gbps, kTiny, kHuge),
        host_double("mux_switch_ms", &HostTiming::mux_switch_ms, 0, kHuge),
        host_double("ci_write_us", &HostTiming::ci_write_us, 0, kHuge),
        host_double("ci_read_us", &HostTiming::ci_read_us, 0, kHuge),
        host_double("ci_rank_overlap", &HostTiming::ci_rank_overlap, 0, kHuge),
        host_double("launch_ms", &HostTiming::launch_ms, 0, kHuge),
        host_double("launch_per_rank_ms", &HostTiming::launch_per_rank_ms, 0, kHuge),
        nested_field("host.host_cores", &UpmemMachine::host, &HostTiming::host_cores, 1, 1 << 16),
        host_double("core_ops_per_ns", &HostTiming::core_ops_per_ns, kTiny, kHuge),
        host_double("core_bytes_per_ns", &HostTiming::core_bytes_per_ns, kTiny, kHuge),
        host_double("socket_bytes_per_ns", &HostTiming::socket_bytes_per_ns, kTiny, kHuge),
        host_double("fork_join_ms", &HostTiming::fork_join_ms, 0, kHuge),
        {"host.fit_source",
         [](UpmemMachine &m, const nlohmann::json &v, const std::string &k) {
             if (!v.is_string()) bad_value(k, "must be a string");
             m.host.fit_source = v.get<std::string>();
         }},
    };
    return table;
}

const Field *find_field(const std::string &key) {
    for (const Field &field : fields()) {
        if (field.key == key) return &field;
    }
    return nullptr;
}

std::string known_top_level_keys() {
    return "base, name, dpus, dpus_per_rank, dpu_mhz, max_tasklets, wram_bytes, mram_bytes, "
           "iram_instructions, "
           "stack_bytes_per_tasklet, max_dma_bytes, dpu{...}, host{...}";
}

void apply_object(UpmemMachine &machine, const nlohmann::json &object, const std::string &prefix) {
    for (const auto &[key, value] : object.items()) {
        std::string full_key = prefix + key;
        if (prefix.empty() && key == "base") continue;
        if (prefix.empty() && (key == "dpu" || key == "host")) {
            if (!value.is_object()) bad_value(full_key, "must be an object");
            apply_object(machine, value, full_key + ".");
            continue;
        }
        const Field *field = find_field(full_key);
        if (field == nullptr) {
            user_error("machine file: unknown key '{}'; known keys: {}", full_key, known_top_level_keys());
        }
        field->set(machine, value, full_key);
    }
}

nlohmann::json parse_file(const std::string &path) {
    std::ifstream in(path);
    if (!in) {
        user_error("machine '{}' is neither a preset ({}) nor a readable JSON file", path,
                   fmt::join(machine_preset_names(), ", "));
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
        return nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::parse_error &e) {
        user_error("machine file '{}' is not valid JSON: {}", path, e.what());
    }
}

}  // namespace

std::vector<std::string> machine_preset_names() {
    return {"upmem-2048", "upmem-cloud-2048", "upmem-2560", "upmem-rank", "upmem-1"};
}

namespace {

UpmemMachine machine_from_json(const nlohmann::json &override_json) {
    if (!override_json.is_object()) user_error("machine file: the top level must be a JSON object");
    UpmemMachine machine = base_machine();
    if (override_json.contains("base")) {
        const nlohmann::json &base = override_json["base"];
        std::optional<UpmemMachine> named = base.is_string() ? preset(base.get<std::string>()) : std::nullopt;
        if (!named) {
            bad_value("base", fmt::format("must name a preset ({}), got {}",
                                          fmt::join(machine_preset_names(), ", "), base.dump()));
        }
        machine = *named;
    }
    apply_object(machine, override_json, "");
    if (machine.stack_bytes_per_tasklet * machine.max_tasklets > machine.wram_bytes) {
        bad_value("stack_bytes_per_tasklet",
                  fmt::format("x max_tasklets ({} x {}) exceeds wram_bytes ({})",
                              machine.stack_bytes_per_tasklet, machine.max_tasklets, machine.wram_bytes));
    }
    return machine;
}

}  // namespace

UpmemMachine machine_from_json_text(const std::string &json_text) {
    try {
        return machine_from_json(nlohmann::json::parse(json_text));
    } catch (const nlohmann::json::parse_error &e) {
        user_error("machine description is not valid JSON: {}", e.what());
    }
}

std::string machine_to_json(const UpmemMachine &machine) {
    const DpuTiming &dpu = machine.dpu;
    const HostTiming &host = machine.host;
    // nlohmann::json objects keep their keys sorted, so dump() is canonical.
    nlohmann::json json = {
        {"name", machine.name},
        {"dpus", machine.dpus},
        {"dpus_per_rank", machine.dpus_per_rank},
        {"dpu_mhz", machine.dpu_mhz},
        {"max_tasklets", machine.max_tasklets},
        {"wram_bytes", machine.wram_bytes},
        {"mram_bytes", machine.mram_bytes},
        {"iram_instructions", machine.iram_instructions},
        {"stack_bytes_per_tasklet", machine.stack_bytes_per_tasklet},
        {"max_dma_bytes", machine.max_dma_bytes},
        {"dpu",
         {{"revolver_cycles", dpu.revolver_cycles},
          {"pipeline_stages", dpu.pipeline_stages},
          {"register_bank_stall", dpu.register_bank_stall},
          {"dma_read_alpha", dpu.dma_read_alpha},
          {"dma_write_alpha", dpu.dma_write_alpha},
          {"dma_beta", dpu.dma_beta},
          {"dma_wram_port_share", dpu.dma_wram_port_share}}},
        {"host",
         {{"sdk", host.sdk},
          {"ranks_per_channel", host.ranks_per_channel},
          {"interleave_channels", host.interleave_channels},
          {"call_ms", host.call_ms},
          {"call_per_rank_ms", host.call_per_rank_ms},
          {"prepare_us", host.prepare_us},
          {"rank_section_ms", host.rank_section_ms},
          {"write_line_ns", host.write_line_ns},
          {"read_line_ns", host.read_line_ns},
          {"broadcast_line_factor", host.broadcast_line_factor},
          {"write_one_chip_share", host.write_one_chip_share},
          {"read_one_chip_share", host.read_one_chip_share},
          {"short_run_line_factor", host.short_run_line_factor},
          {"line_ramp_bytes", host.line_ramp_bytes},
          {"pool_threads", host.pool_threads},
          {"write_gbps", host.write_gbps},
          {"read_gbps", host.read_gbps},
          {"mux_switch_ms", host.mux_switch_ms},
          {"ci_write_us", host.ci_write_us},
          {"ci_read_us", host.ci_read_us},
          {"ci_rank_overlap", host.ci_rank_overlap},
          {"launch_ms", host.launch_ms},
          {"launch_per_rank_ms", host.launch_per_rank_ms},
          {"host_cores", host.host_cores},
          {"core_ops_per_ns", host.core_ops_per_ns},
          {"core_bytes_per_ns", host.core_bytes_per_ns},
          {"socket_bytes_per_ns", host.socket_bytes_per_ns},
          {"fork_join_ms", host.fork_join_ms},
          {"fit_source", host.fit_source}}},
    };
    return json.dump();
}

UpmemMachine load_machine(const std::string &name_or_path) {
    if (std::optional<UpmemMachine> named = preset(name_or_path)) return *named;
    return machine_from_json(parse_file(name_or_path));
}

}  // namespace atim::target
