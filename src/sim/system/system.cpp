// sim::Machine: N simulated DPUs behind a host. DPUs the host wrote the same bytes to share one sim::Dpu
// ("instance") until the host writes something different to some of them; then those get their own deep copy
// (Dpu::clone). The simulator is deterministic, so a shared instance runs exactly as each of its DPUs would.
#include "atim/sim/system.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "atim/support/error.h"

namespace atim::sim {
namespace {

struct Instance {
    std::unique_ptr<Dpu> dpu;
    DpuStats last_stats;
};

void add_stats(DpuStats &sum, const DpuStats &more) {
    sum.cycles += more.cycles;
    sum.instructions += more.instructions;
    sum.dma_read_bytes += more.dma_read_bytes;
    sum.dma_write_bytes += more.dma_write_bytes;
    sum.dma_transfers += more.dma_transfers;
    sum.issue_cycles += more.issue_cycles;
    sum.dma_wait_cycles += more.dma_wait_cycles;
    sum.revolver_wait_cycles += more.revolver_wait_cycles;
    sum.rf_stall_cycles += more.rf_stall_cycles;
    if (sum.tasklet_instructions.size() < more.tasklet_instructions.size())
        sum.tasklet_instructions.resize(more.tasklet_instructions.size());
    for (size_t t = 0; t < more.tasklet_instructions.size(); ++t)
        sum.tasklet_instructions[t] += more.tasklet_instructions[t];
}

std::string_view as_text(std::span<const uint8_t> bytes) {
    return {reinterpret_cast<const char *>(bytes.data()), bytes.size()};
}

}  // namespace

struct Machine::State {
    target::UpmemMachine machine;
    MachineOptions options;
    HostModel host;
    std::shared_ptr<const Program> program;
    int tasklets = 0;
    int allocated = 0;
    std::vector<std::shared_ptr<Instance>> instance_of;  // per DPU of the set
    Measurement measurement;
    bool launched = false;  // a launch happened in the current measurement: host time now counts as `after`

    State(const target::UpmemMachine &m, MachineOptions o) : machine(m), options(o), host(m) {}

    void require_loaded(const char *operation) const {
        if (allocated == 0) user_error("{} before allocating DPUs; allocate first", operation);
        if (!program) user_error("{} before loading a program; load one first", operation);
    }

    void check_dpu(int dpu) const {
        if (dpu < 0 || dpu >= allocated)
            user_error("DPU {} does not exist; the set has {} DPUs", dpu, allocated);
    }

    /// Host transfers to MRAM need 8-byte aligned offsets and sizes, to WRAM 4-byte [upmem-hardware.md §3.4].
    void check_alignment(const std::string &symbol, uint32_t offset, size_t bytes) const {
        const Symbol &target = program->symbol(symbol);
        uint32_t align = target.space == MemorySpace::Mram ? 8 : 4;
        if (offset % align != 0 || bytes % align != 0) {
            user_error(
                "transfer to '{}' at offset {} of {} bytes: {} transfers need {}-byte aligned offset and "
                "size",
                symbol, offset, bytes, target.space == MemorySpace::Mram ? "MRAM" : "WRAM", align);
        }
    }

    void add_host_ms(double ms) { (launched ? measurement.after_ms : measurement.h2d_ms) += ms; }

    void count(const char *name, int64_t amount) { measurement.counters[name] += amount; }

    std::shared_ptr<Instance> fresh_instance() const {
        auto instance = std::make_shared<Instance>();
        instance->dpu = std::make_unique<Dpu>(program, machine, tasklets, options.dpu);
        return instance;
    }

    static std::shared_ptr<Instance> clone(const Instance &original) {
        auto copy = std::make_shared<Instance>();
        copy->dpu = std::make_unique<Dpu>(original.dpu->clone());
        copy->last_stats = original.last_stats;
        return copy;
    }

    /// Writes `bytes` to the DPUs `members`, which all use `instance` now.
    void write_to(std::shared_ptr<Instance> instance, const std::vector<int> &members,
                  const std::string &symbol, uint32_t offset, std::span<const uint8_t> bytes) {
        std::shared_ptr<Instance> target = instance;
        // instance_of holds one reference per DPU using the instance; `instance` and `target` add two.
        if (static_cast<size_t>(instance.use_count() - 2) > members.size()) {
            target = clone(*instance);  // other DPUs keep the old contents
            for (int dpu : members) instance_of[dpu] = target;
        }
        target->dpu->write_symbol(symbol, offset, bytes);
    }

    /// Writes data[i] to DPU i; DPUs that share an instance and receive equal bytes keep sharing it.
    void write_each(const std::string &symbol, uint32_t offset,
                    const std::vector<std::span<const uint8_t>> &data) {
        std::unordered_map<Instance *, std::unordered_map<std::string_view, std::vector<int>>> groups;
        std::vector<Instance *> order;  // deterministic processing order
        for (int dpu = 0; dpu < allocated; ++dpu) {
            Instance *instance = instance_of[dpu].get();
            if (!groups.contains(instance)) order.push_back(instance);
            groups[instance][as_text(data[dpu])].push_back(dpu);
        }
        for (Instance *instance : order) {
            for (auto &[content, members] : groups[instance]) {
                write_to(instance_of[members.front()], members, symbol, offset, data[members.front()]);
            }
        }
    }

    /// The simulations behind the DPUs, in the order of the first DPU using each (so reports are
    /// reproducible).
    std::vector<Instance *> distinct_instances() const {
        std::vector<Instance *> distinct;
        std::unordered_set<const Instance *> seen;
        for (const auto &instance : instance_of) {
            if (seen.insert(instance.get()).second) distinct.push_back(instance.get());
        }
        return distinct;
    }

    /// Runs every distinct instance once, on a pool of threads; rethrows the first fault naming its DPU.
    void run_instances(const std::vector<Instance *> &instances) {
        std::vector<std::exception_ptr> errors(instances.size());
        std::atomic<size_t> next{0};
        auto worker = [&] {
            for (size_t i = next++; i < instances.size(); i = next++) {
                try {
                    instances[i]->last_stats = instances[i]->dpu->run();
                } catch (...) {
                    errors[i] = std::current_exception();
                }
            }
        };
        unsigned cores =
            options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
        size_t thread_count = std::min<size_t>(cores, instances.size());
        std::vector<std::thread> pool;
        for (size_t t = 1; t < thread_count; ++t) pool.emplace_back(worker);
        worker();
        for (std::thread &thread : pool) thread.join();
        for (size_t i = 0; i < instances.size(); ++i) {
            if (!errors[i]) continue;
            int dpu = first_dpu_using(instances[i]);
            try {
                std::rethrow_exception(errors[i]);
            } catch (const SimError &e) {
                throw SimError(fmt::format("DPU {}: {}", dpu, e.what()));
            }
        }
    }

    int first_dpu_using(const Instance *instance) const {
        for (int dpu = 0; dpu < allocated; ++dpu)
            if (instance_of[dpu].get() == instance) return dpu;
        return -1;
    }
};

Machine::Machine(const target::UpmemMachine &machine, MachineOptions options)
    : state_(std::make_unique<State>(machine, options)) {}
Machine::~Machine() = default;
Machine::Machine(Machine &&) noexcept = default;
Machine &Machine::operator=(Machine &&) noexcept = default;

void Machine::allocate(int dpus) {
    if (dpus < 1 || dpus > state_->machine.dpus) {
        user_error("cannot allocate {} DPUs: machine '{}' has {}; ask for 1..{}", dpus, state_->machine.name,
                   state_->machine.dpus, state_->machine.dpus);
    }
    state_->allocated = dpus;
    state_->program.reset();
    state_->instance_of.clear();
}

void Machine::load(std::shared_ptr<const Program> program, int tasklets) {
    State &s = *state_;
    if (s.allocated == 0) user_error("load before allocating DPUs; allocate first");
    ATIM_CHECK(program != nullptr, "load of a null program");
    s.program = std::move(program);
    s.tasklets = tasklets;
    s.instance_of.assign(s.allocated, nullptr);
    if (s.options.simulate_all_dpus) {
        for (auto &instance : s.instance_of) instance = s.fresh_instance();
    } else {
        std::shared_ptr<Instance> shared = s.fresh_instance();
        for (auto &instance : s.instance_of) instance = shared;
    }
}

void Machine::push(const std::string &symbol, uint32_t offset, const PerDpuBytes &data) {
    State &s = *state_;
    s.require_loaded("push");
    if (data.size() != static_cast<size_t>(s.allocated)) {
        user_error("push to '{}' has data for {} DPUs but the set has {}", symbol, data.size(), s.allocated);
    }
    size_t bytes = data.front().size();
    for (size_t dpu = 0; dpu < data.size(); ++dpu) {
        if (data[dpu].size() != bytes) {
            user_error(
                "push to '{}' gives DPU {} {} bytes and DPU 0 {}; a parallel push needs equal sizes (pad)",
                symbol, dpu, data[dpu].size(), bytes);
        }
    }
    s.check_alignment(symbol, offset, bytes);
    s.write_each(symbol, offset, {data.begin(), data.end()});
    s.add_host_ms(s.host.parallel_ms(HostDirection::ToDpu, s.allocated, static_cast<int64_t>(bytes)));
    s.count("host_transfers", 1);
    s.count("host_to_dpu_bytes", static_cast<int64_t>(bytes) * s.allocated);
}

void Machine::broadcast(const std::string &symbol, uint32_t offset, std::span<const uint8_t> data) {
    State &s = *state_;
    s.require_loaded("broadcast");
    s.check_alignment(symbol, offset, data.size());
    s.write_each(symbol, offset, std::vector<std::span<const uint8_t>>(s.allocated, data));
    s.add_host_ms(s.host.broadcast_ms(s.allocated, static_cast<int64_t>(data.size())));
    s.count("host_transfers", 1);
    s.count("host_to_dpu_bytes", static_cast<int64_t>(data.size()) * s.allocated);
}

void Machine::copy_to(int dpu, const std::string &symbol, uint32_t offset, std::span<const uint8_t> data) {
    State &s = *state_;
    s.require_loaded("copy_to");
    s.check_dpu(dpu);
    s.check_alignment(symbol, offset, data.size());
    s.write_to(s.instance_of[dpu], {dpu}, symbol, offset, data);
    s.add_host_ms(s.host.serial_ms(HostDirection::ToDpu, 1, static_cast<int64_t>(data.size())));
    s.count("host_transfers", 1);
    s.count("host_to_dpu_bytes", static_cast<int64_t>(data.size()));
}

void Machine::launch() {
    State &s = *state_;
    s.require_loaded("launch");
    std::vector<Instance *> instances = s.distinct_instances();
    s.run_instances(instances);
    const Instance *slowest = instances.front();
    int64_t simulated_instructions = 0;
    for (const Instance *instance : instances) {
        simulated_instructions += instance->last_stats.instructions;
        if (instance->last_stats.cycles > slowest->last_stats.cycles) slowest = instance;
    }
    for (const auto &instance : s.instance_of) {
        s.count("total_instructions", instance->last_stats.instructions);
        s.count("dma_bytes", instance->last_stats.dma_read_bytes + instance->last_stats.dma_write_bytes);
    }
    // Kernel time: the host waits for the slowest DPU, plus the launch and completion poll.
    double cycles_per_ms = s.machine.dpu_mhz * 1e3;
    s.measurement.kernel_ms +=
        s.host.launch_ms() + static_cast<double>(slowest->last_stats.cycles) / cycles_per_ms;
    add_stats(s.measurement.kernel, slowest->last_stats);
    s.launched = true;
    s.count("launches", 1);
    s.count("dpu_runs", s.allocated);
    s.count("simulated_dpu_runs", static_cast<int64_t>(instances.size()));
    s.count("simulated_instructions", simulated_instructions);
}

PerDpuBytes Machine::gather(const std::string &symbol, uint32_t offset, uint32_t bytes_per_dpu) {
    State &s = *state_;
    s.require_loaded("gather");
    s.check_alignment(symbol, offset, bytes_per_dpu);
    PerDpuBytes out(s.allocated);
    std::unordered_map<const Instance *, int> read_from;  // identical DPUs are read once
    for (int dpu = 0; dpu < s.allocated; ++dpu) {
        const Instance *instance = s.instance_of[dpu].get();
        if (auto it = read_from.find(instance); it != read_from.end()) {
            out[dpu] = out[it->second];
            continue;
        }
        out[dpu].resize(bytes_per_dpu);
        instance->dpu->read_symbol(symbol, offset, out[dpu]);
        read_from[instance] = dpu;
    }
    s.add_host_ms(s.host.parallel_ms(HostDirection::FromDpu, s.allocated, bytes_per_dpu));
    s.count("host_transfers", 1);
    s.count("dpu_to_host_bytes", static_cast<int64_t>(bytes_per_dpu) * s.allocated);
    return out;
}

std::vector<uint8_t> Machine::copy_from(int dpu, const std::string &symbol, uint32_t offset, uint32_t bytes) {
    State &s = *state_;
    s.require_loaded("copy_from");
    s.check_dpu(dpu);
    s.check_alignment(symbol, offset, bytes);
    std::vector<uint8_t> out(bytes);
    s.instance_of[dpu]->dpu->read_symbol(symbol, offset, out);
    s.add_host_ms(s.host.serial_ms(HostDirection::FromDpu, 1, bytes));
    s.count("host_transfers", 1);
    s.count("dpu_to_host_bytes", bytes);
    return out;
}

void Machine::host_work(int64_t integer_ops, int64_t bytes_touched) {
    if (integer_ops < 0 || bytes_touched < 0) {
        user_error("host work of {} operations over {} bytes: both must be >= 0", integer_ops, bytes_touched);
    }
    state_->add_host_ms(state_->host.host_work_ms(integer_ops, bytes_touched));
}

Measurement Machine::take_measurement() {
    State &s = *state_;
    Measurement m = std::move(s.measurement);
    m.total_ms = m.h2d_ms + m.kernel_ms + m.after_ms;
    m.counters["dpus"] = s.allocated;
    int64_t runs = m.counter("dpu_runs"), simulated = m.counter("simulated_dpu_runs");
    std::string sharing = s.options.simulate_all_dpus
                              ? "every DPU simulated"
                              : "DPUs given identical bytes by the host share one simulation";
    m.note = fmt::format(
        "simulated: {} of {} DPU kernel runs instruction by instruction on {} DPUs ({}); estimated: host "
        "transfers, launch and host work by the host model ({})",
        simulated, runs, s.allocated, sharing,
        s.machine.host.fit_source.empty() ? "machine file" : s.machine.host.fit_source);
    s.measurement = Measurement{};
    s.launched = false;
    return m;
}

SystemRun Machine::run(const std::vector<HostOp> &ops) {
    take_measurement();  // the result covers exactly `ops`
    SystemRun result;
    for (const HostOp &host_op : ops) {
        std::visit(
            [&](const auto &o) {
                using T = std::decay_t<decltype(o)>;
                if constexpr (std::is_same_v<T, op::Allocate>) {
                    allocate(o.dpus);
                } else if constexpr (std::is_same_v<T, op::Load>) {
                    load(o.program, o.tasklets);
                } else if constexpr (std::is_same_v<T, op::Push>) {
                    push(o.symbol, o.offset, o.data);
                } else if constexpr (std::is_same_v<T, op::Broadcast>) {
                    broadcast(o.symbol, o.offset, o.data);
                } else if constexpr (std::is_same_v<T, op::CopyTo>) {
                    copy_to(o.dpu, o.symbol, o.offset, o.data);
                } else if constexpr (std::is_same_v<T, op::Launch>) {
                    launch();
                } else if constexpr (std::is_same_v<T, op::Gather>) {
                    result.read_back.push_back(gather(o.symbol, o.offset, o.bytes_per_dpu));
                } else if constexpr (std::is_same_v<T, op::CopyFrom>) {
                    result.read_back.push_back({copy_from(o.dpu, o.symbol, o.offset, o.bytes)});
                } else {
                    host_work(o.integer_ops, o.bytes_touched);
                }
            },
            host_op);
    }
    result.measurement = take_measurement();
    return result;
}

const DpuStats &Machine::last_stats(int dpu) const {
    state_->check_dpu(dpu);
    return state_->instance_of[dpu]->last_stats;
}

int Machine::dpus() const { return state_->allocated; }

int Machine::distinct_simulations() const { return static_cast<int>(state_->distinct_instances().size()); }

const target::UpmemMachine &Machine::machine() const { return state_->machine; }

}  // namespace atim::sim
