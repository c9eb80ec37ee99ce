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

// Host transfer/launch timing. The transfer values are fitted by bench/host_transfer_fit.cpp (least squares
// on log(time), rows of calibration/host_transfer_2048dpus.csv with an even index per direction:
// 1,4,16,64,256,1024 KB per DPU); the rows with an odd index are held out and their error is printed by that
// bench. The per-rank and per-DPU bandwidths are not identifiable from 2048-DPU data and come from PrIM
// (prim_microbenchmarks.csv rows host_to_dpu_1rank_parallel, dpu_to_host_1rank_parallel,
// host_to_dpu_1dpu_32MB, dpu_to_host_1dpu_32MB, host_to_dpu_1rank_broadcast), so those rows are inputs, not
// validation.
HostTiming fitted_host_timing() {
    HostTiming host;
    host.push_rank_gbps = 6.68;        // PrIM 1 rank, parallel CPU->DPU [upmem-hardware.md §3.4, S]
    host.gather_rank_gbps = 4.74;      // PrIM 1 rank, parallel DPU->CPU [§3.4, R]
    host.broadcast_rank_gbps = 16.88;  // PrIM 1 rank, broadcast [§3.4, R]
    host.push_dpu_gbps = 0.33;         // PrIM 1 DPU, 32 MB CPU->DPU [§3.4, S]
    host.gather_dpu_gbps = 0.12;       // PrIM 1 DPU, 32 MB DPU->CPU [§3.4, S]
    // Fitted by bench_host_transfer_fit (see fit_source). The per-call cost comes out at zero: on 2048 DPUs
    // the slow saturation in bytes per DPU (exponent < 1) explains the small transfers without a fixed cost.
    host.push_call_ms = 0;
    host.host_link_gbps = 24.89;
    host.half_bandwidth_bytes_per_dpu = 20110;
    host.push_saturation_exponent = 0.5873;
    host.gather_call_ms = 0;
    host.gather_link_gbps = 12.85;
    host.gather_half_bandwidth_bytes_per_dpu = 20300;
    host.gather_saturation_exponent = 0.5764;
    // Not measured anywhere; the smallest 64-DPU PrIM kernels take 0.26-0.78 ms wall time [§3.5, D, low
    // confidence], so a launch + completion poll of 0.1 ms leaves room for their work.
    host.launch_ms = 0.1;
    // One dpu_copy_to/from of one DPU: same order as the per-call SDK cost of the direct interface, 0.09 ms
    // at 32 ranks [§3.4, D]; for one DPU we assume a tenth of it [I].
    host.serial_call_ms = 0.01;
    // Host epilogue: a Xeon Silver 4215 core (2.5 GHz) doing about one simple integer op per ns [I],
    // streaming about 10 GB/s from DRAM on one core [I].
    host.host_ops_per_ns = 1.0;
    host.host_bytes_per_ns = 10.0;
    // Parallel epilogue loops. The Xeon Silver 4215 has 8 cores / 16 hardware threads [upmem-hardware.md §1
    // PrIM system row; Intel's product sheet]; SMT siblings share a core's integer units, so integer work
    // scales with the 8 cores, not the 16 threads (one socket: the OpenMP team is assumed not to span
    // sockets).
    host.host_cores = 8;
    // Estimated, not measured: an OpenMP parallel-for region costs a few microseconds to fork and join on
    // 8-16 threads (EPCC OpenMP microbenchmarks' textbook figure) [I].
    host.fork_join_ms = 0.003;
    // Estimated [I]: the 4215 has 6 DDR4-2400 channels (6 x 19.2 GB/s) but a UPMEM server gives most DIMM
    // slots to PIM DIMMs; we assume 2 channels of ordinary DRAM, 2 x 19.2 = 38.4 GB/s.
    host.host_socket_bytes_per_ns = 38.4;
    host.fit_source =
        "bench_host_transfer_fit: log-time least squares on even rows of host_transfer_2048dpus.csv";
    return host;
}

UpmemMachine base_machine() {
    UpmemMachine machine;  // defaults in the header: upmem-2048, each with its source
    machine.host = fitted_host_timing();
    return machine;
}

UpmemMachine with_dpus(std::string name, int dpus) {
    UpmemMachine machine = base_machine();
    machine.name = std::move(name);
    machine.dpus = dpus;
    return machine;
}

std::optional<UpmemMachine> preset(const std::string &name) {
    // 32 ranks of 64 DPUs: ATiM's evaluation system [atim-method.md §2.1].
    if (name == "upmem-2048") return with_dpus(name, 2048);
    // 20 DIMMs x 2 ranks x 64 DPUs: PrIM's full server (2,556 of them usable) [upmem-hardware.md §1].
    if (name == "upmem-2560") return with_dpus(name, 2560);
    // One rank = 8 chips x 8 DPUs [upmem-hardware.md §1].
    if (name == "upmem-rank") return with_dpus(name, 64);
    if (name == "upmem-1") return with_dpus(name, 1);
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
        host_double("push_call_ms", &HostTiming::push_call_ms, 0, kHuge),
        host_double("push_rank_gbps", &HostTiming::push_rank_gbps, kTiny, kHuge),
        host_double("gather_call_ms", &HostTiming::gather_call_ms, 0, kHuge),
        host_double("gather_rank_gbps", &HostTiming::gather_rank_gbps, kTiny, kHuge),
        host_double("broadcast_rank_gbps", &HostTiming::broadcast_rank_gbps, kTiny, kHuge),
        host_double("host_link_gbps", &HostTiming::host_link_gbps, kTiny, kHuge),
        host_double("half_bandwidth_bytes_per_dpu", &HostTiming::half_bandwidth_bytes_per_dpu, 0, kHuge),
        host_double("launch_ms", &HostTiming::launch_ms, 0, kHuge),
        host_double("host_ops_per_ns", &HostTiming::host_ops_per_ns, kTiny, kHuge),
        host_double("push_dpu_gbps", &HostTiming::push_dpu_gbps, kTiny, kHuge),
        host_double("gather_dpu_gbps", &HostTiming::gather_dpu_gbps, kTiny, kHuge),
        host_double("gather_link_gbps", &HostTiming::gather_link_gbps, kTiny, kHuge),
        host_double("gather_half_bandwidth_bytes_per_dpu", &HostTiming::gather_half_bandwidth_bytes_per_dpu,
                    0, kHuge),
        host_double("push_saturation_exponent", &HostTiming::push_saturation_exponent, 0.05, 20),
        host_double("gather_saturation_exponent", &HostTiming::gather_saturation_exponent, 0.05, 20),
        host_double("serial_call_ms", &HostTiming::serial_call_ms, 0, kHuge),
        host_double("host_bytes_per_ns", &HostTiming::host_bytes_per_ns, kTiny, kHuge),
        nested_field("host.host_cores", &UpmemMachine::host, &HostTiming::host_cores, 1, 1 << 16),
        host_double("fork_join_ms", &HostTiming::fork_join_ms, 0, kHuge),
        host_double("host_socket_bytes_per_ns", &HostTiming::host_socket_bytes_per_ns, kTiny, kHuge),
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
    return {"upmem-2048", "upmem-2560", "upmem-rank", "upmem-1"};
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
          {"dma_beta", dpu.dma_beta}}},
        {"host",
         {{"push_call_ms", host.push_call_ms},
          {"push_rank_gbps", host.push_rank_gbps},
          {"gather_call_ms", host.gather_call_ms},
          {"gather_rank_gbps", host.gather_rank_gbps},
          {"broadcast_rank_gbps", host.broadcast_rank_gbps},
          {"host_link_gbps", host.host_link_gbps},
          {"half_bandwidth_bytes_per_dpu", host.half_bandwidth_bytes_per_dpu},
          {"launch_ms", host.launch_ms},
          {"host_ops_per_ns", host.host_ops_per_ns},
          {"push_dpu_gbps", host.push_dpu_gbps},
          {"gather_dpu_gbps", host.gather_dpu_gbps},
          {"gather_link_gbps", host.gather_link_gbps},
          {"gather_half_bandwidth_bytes_per_dpu", host.gather_half_bandwidth_bytes_per_dpu},
          {"push_saturation_exponent", host.push_saturation_exponent},
          {"gather_saturation_exponent", host.gather_saturation_exponent},
          {"serial_call_ms", host.serial_call_ms},
          {"host_bytes_per_ns", host.host_bytes_per_ns},
          {"host_cores", host.host_cores},
          {"fork_join_ms", host.fork_join_ms},
          {"host_socket_bytes_per_ns", host.host_socket_bytes_per_ns},
          {"fit_source", host.fit_source}}},
    };
    return json.dump();
}

UpmemMachine load_machine(const std::string &name_or_path) {
    if (std::optional<UpmemMachine> named = preset(name_or_path)) return *named;
    return machine_from_json(parse_file(name_or_path));
}

}  // namespace atim::target
