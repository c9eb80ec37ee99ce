// sim::Machine: N simulated DPUs behind a host. DPUs the host wrote the same bytes to share one sim::Dpu
// ("instance") until the host writes something different to some of them; then those get their own deep copy
// (Dpu::clone). The simulator is deterministic, so a shared instance runs exactly as each of its DPUs would.
// In Sampled mode the caller may leave DPUs out (sample()): they have no instance at all, writes to them are
// dropped and each launch charges them the statistics of their stand-in.
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
    sum.dma_port_stall_cycles += more.dma_port_stall_cycles;
    if (sum.tasklet_instructions.size() < more.tasklet_instructions.size())
        sum.tasklet_instructions.resize(more.tasklet_instructions.size());
    for (size_t t = 0; t < more.tasklet_instructions.size(); ++t)
        sum.tasklet_instructions[t] += more.tasklet_instructions[t];
}

std::string_view as_text(std::span<const uint8_t> bytes) {
    return {reinterpret_cast<const char *>(bytes.data()), bytes.size()};
}

}  // namespace

std::string_view to_string(SimulationMode mode) {
    switch (mode) {
        case SimulationMode::Full:
            return "full";
        case SimulationMode::Identical:
            return "identical";
        case SimulationMode::Sampled:
            return "sampled";
    }
    return "unknown";
}

SimulationMode parse_simulation_mode(std::string_view text) {
    for (SimulationMode mode : {SimulationMode::Full, SimulationMode::Identical, SimulationMode::Sampled})
        if (to_string(mode) == text) return mode;
    user_error("unknown simulation mode '{}'; use full, identical or sampled", text);
}

struct Machine::State {
    target::UpmemMachine machine;
    MachineOptions options;
    HostModel host;
    std::shared_ptr<const Program> program;
    int tasklets = 0;
    int allocated = 0;
    std::vector<std::shared_ptr<Instance>> instance_of;  // per DPU of the set; null when left out by sample()
    std::vector<int> stand_in;                           // per DPU after sample(): whose statistics it takes
    bool written_since_load = false;
    Measurement measurement;
    bool launched = false;  // a launch happened in the current measurement: host time now counts as `after`
    bool mram_on_dpu_side = false;  // since the last launch no MRAM transfer switched the memory back

    State(const target::UpmemMachine &m, MachineOptions o) : machine(m), options(o), host(m) {
        if (!options.part.whole() && options.mode != SimulationMode::Full)
            user_error("a part of a run ({} of {}) needs the full simulation mode", options.part.index,
                       options.part.count);
        if (options.part.count < 1 || options.part.index < 0 || options.part.index >= options.part.count)
            user_error("part {} of {} does not exist; parts are 0..count-1", options.part.index,
                       options.part.count);
    }

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

    /// Prices a host event, adds it to its phase and records it.
    void charge(HostEvent event) {
        event.phase = event.kind == HostEvent::Kind::Launch ? Phase::Kernel
                      : launched                            ? Phase::After
                                                            : Phase::H2d;
        const double ms = host.event_ms(event);
        (event.phase == Phase::Kernel  ? measurement.kernel_ms
         : event.phase == Phase::After ? measurement.after_ms
                                       : measurement.h2d_ms) += ms;
        measurement.host_events.push_back(event);
    }

    /// One SDK transfer call of `bytes_per_dpu` to or from a symbol of the loaded program.
    void charge_transfer(HostDirection direction, TransferSource source, const std::string &symbol,
                         int64_t dpus, int64_t bytes_per_dpu) {
        HostEvent event;
        event.transfer.direction = direction;
        event.transfer.source = source;
        event.transfer.dpus = dpus;
        event.transfer.bytes_per_dpu = bytes_per_dpu;
        event.transfer.memory =
            program->symbol(symbol).space == MemorySpace::Mram ? TransferMemory::Mram : TransferMemory::Wram;
        if (event.transfer.memory == TransferMemory::Mram) {
            event.transfer.after_launch = mram_on_dpu_side;
            mram_on_dpu_side = false;
        }
        charge(event);
        count_for_set("host_transfers", 1);
        if (source == TransferSource::OneBuffer) count_for_set("one_buffer_pushes", 1);
        if (source == TransferSource::Broadcast) count_for_set("broadcasts", 1);
        count_for_set(direction == HostDirection::ToDpu ? "host_to_dpu_bytes" : "dpu_to_host_bytes",
                      bytes_per_dpu * (source == TransferSource::OneDpu ? 1 : dpus));
    }

    void count(const char *name, int64_t amount) { measurement.counters[name] += amount; }
    /// Whether DPU `dpu`'s own counters belong to this run: always, but in a part of a split run only for
    /// the part's own DPUs.
    bool counted(int dpu) const { return options.part.whole() || stand_in.empty() || stand_in[dpu] == dpu; }
    /// A counter of the whole DPU set, not of single DPUs: kept by part 0 of a split run only.
    void count_for_set(const char *name, int64_t amount) {
        if (options.part.index == 0) count(name, amount);
    }

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

    /// Writes data[i] to DPU i; DPUs that share an instance and receive equal bytes keep sharing it. DPUs
    /// left out by sample() are skipped (their data may be empty).
    void write_each(const std::string &symbol, uint32_t offset,
                    const std::vector<std::span<const uint8_t>> &data) {
        written_since_load = true;
        std::unordered_map<Instance *, std::unordered_map<std::string_view, std::vector<int>>> groups;
        std::vector<Instance *> order;  // deterministic processing order
        for (int dpu = 0; dpu < allocated; ++dpu) {
            Instance *instance = instance_of[dpu].get();
            if (!instance) continue;
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
            if (instance && seen.insert(instance.get()).second) distinct.push_back(instance.get());
        }
        return distinct;
    }

    /// Per instance, whether some DPU using it is timed (not only computed for its values after sample()).
    std::vector<uint8_t> timed_flags(const std::vector<Instance *> &instances) const {
        std::unordered_set<const Instance *> timed;
        for (int dpu = 0; dpu < allocated; ++dpu)
            if (instance_of[dpu] && (stand_in.empty() || stand_in[dpu] == dpu))
                timed.insert(instance_of[dpu].get());
        std::vector<uint8_t> flags(instances.size());
        for (size_t i = 0; i < instances.size(); ++i) flags[i] = timed.contains(instances[i]) ? 1 : 0;
        return flags;
    }

    /// Runs every distinct instance once, on a pool of threads (cycle by cycle when timed[i], else for its
    /// values only); rethrows the first fault naming its DPU.
    void run_instances(const std::vector<Instance *> &instances, const std::vector<uint8_t> &timed) {
        std::vector<std::exception_ptr> errors(instances.size());
        std::atomic<size_t> next{0};
        auto worker = [&] {
            for (size_t i = next++; i < instances.size(); i = next++) {
                try {
                    Dpu &dpu = *instances[i]->dpu;
                    instances[i]->last_stats = timed[i] ? dpu.run() : dpu.run_functional();
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
            } catch (const CycleLimitExceeded &e) {  // keeps its type: the tuner tells a bound from a fault
                throw CycleLimitExceeded(fmt::format("DPU {}: {}", dpu, e.what()));
            } catch (const SimError &e) {
                throw SimError(fmt::format("DPU {}: {}", dpu, e.what()));
            }
        }
    }

    /// The statistics DPU `dpu` stands for in the last launch: its own, or its stand-in's.
    const DpuStats &stats_of(int dpu) const {
        const bool own = stand_in.empty() || stand_in[dpu] == dpu;
        return (own ? instance_of[dpu] : instance_of[stand_in[dpu]])->last_stats;
    }

    /// DPUs whose timing is their stand-in's (left out, or computed for their values only); none in a part
    /// of a split run, whose left-out DPUs are other parts' own.
    int left_out() const {
        if (stand_in.empty() || !options.part.whole()) return 0;
        int count = 0;
        for (int dpu = 0; dpu < allocated; ++dpu) count += stand_in[dpu] != dpu ? 1 : 0;
        return count;
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
    state_->stand_in.clear();
}

void Machine::load(std::shared_ptr<const Program> program, int tasklets) {
    State &s = *state_;
    if (s.allocated == 0) user_error("load before allocating DPUs; allocate first");
    ATIM_CHECK(program != nullptr, "load of a null program");
    s.program = std::move(program);
    s.mram_on_dpu_side = false;
    s.tasklets = tasklets;
    s.instance_of.assign(s.allocated, nullptr);
    s.stand_in.clear();
    s.written_since_load = false;
    if (s.options.mode == SimulationMode::Full) {
        for (auto &instance : s.instance_of) instance = s.fresh_instance();
    } else {
        std::shared_ptr<Instance> shared = s.fresh_instance();
        for (auto &instance : s.instance_of) instance = shared;
    }
}

void Machine::push(const std::string &symbol, uint32_t offset, const PerDpuBytes &data,
                   TransferSource source) {
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
        if (source == TransferSource::OneBuffer && data[dpu] != data.front())
            user_error("push to '{}' from one host buffer gives DPU {} other bytes than DPU 0", symbol, dpu);
    }
    s.check_alignment(symbol, offset, bytes);
    s.write_each(symbol, offset, {data.begin(), data.end()});
    s.charge_transfer(HostDirection::ToDpu, source, symbol, s.allocated, static_cast<int64_t>(bytes));
}

void Machine::push(const std::string &symbol, uint32_t offset, uint32_t bytes_per_dpu,
                   const BytesOfDpu &bytes_of, TransferSource source) {
    State &s = *state_;
    s.require_loaded("push");
    s.check_alignment(symbol, offset, bytes_per_dpu);
    PerDpuBytes data(s.allocated);
    std::vector<std::span<const uint8_t>> spans(s.allocated);
    for (int dpu = 0; dpu < s.allocated; ++dpu) {
        if (!s.instance_of[dpu]) continue;
        data[dpu] = bytes_of(dpu);
        ATIM_CHECK(data[dpu].size() == bytes_per_dpu,
                   "push to '{}' produced {} bytes for DPU {} instead of {}", symbol, data[dpu].size(), dpu,
                   bytes_per_dpu);
        spans[dpu] = data[dpu];
    }
    s.write_each(symbol, offset, spans);
    s.charge_transfer(HostDirection::ToDpu, source, symbol, s.allocated, bytes_per_dpu);
}

void Machine::broadcast(const std::string &symbol, uint32_t offset, std::span<const uint8_t> data) {
    State &s = *state_;
    s.require_loaded("broadcast");
    s.check_alignment(symbol, offset, data.size());
    s.write_each(symbol, offset, std::vector<std::span<const uint8_t>>(s.allocated, data));
    s.charge_transfer(HostDirection::ToDpu, TransferSource::Broadcast, symbol, s.allocated,
                      static_cast<int64_t>(data.size()));
}

void Machine::copy_to(int dpu, const std::string &symbol, uint32_t offset, std::span<const uint8_t> data) {
    State &s = *state_;
    s.require_loaded("copy_to");
    s.check_dpu(dpu);
    s.check_alignment(symbol, offset, data.size());
    s.written_since_load = true;
    if (s.instance_of[dpu]) s.write_to(s.instance_of[dpu], {dpu}, symbol, offset, data);
    s.charge_transfer(HostDirection::ToDpu, TransferSource::OneDpu, symbol, 1,
                      static_cast<int64_t>(data.size()));
}

void Machine::launch() {
    State &s = *state_;
    s.require_loaded("launch");
    std::vector<Instance *> instances = s.distinct_instances();
    const std::vector<uint8_t> timed = s.timed_flags(instances);
    s.run_instances(instances, timed);
    const Instance *slowest = nullptr;
    int64_t simulated_instructions = 0, functional_runs = 0, functional_instructions = 0;
    for (size_t i = 0; i < instances.size(); ++i) {
        const DpuStats &stats = instances[i]->last_stats;
        if (!timed[i]) {
            // Another part's DPU (a Full run split in parts) is that part's to count.
            if (!s.options.part.whole()) continue;
            functional_runs += 1;
            functional_instructions += stats.instructions;
            continue;
        }
        simulated_instructions += stats.instructions;
        if (!slowest || stats.cycles > slowest->last_stats.cycles) slowest = instances[i];
    }
    ATIM_CHECK(slowest != nullptr, "a launch with no timed DPU");
    for (int dpu = 0; dpu < s.allocated; ++dpu) {
        if (!s.counted(dpu)) continue;
        const DpuStats &stats = s.stats_of(dpu);
        s.count("total_instructions", stats.instructions);
        s.count("dma_bytes", stats.dma_read_bytes + stats.dma_write_bytes);
    }
    // Kernel time: the host waits for the slowest DPU, plus the launch and completion poll.
    HostEvent event;
    event.kind = HostEvent::Kind::Launch;
    event.dpus = s.allocated;
    event.dpu_ms = static_cast<double>(slowest->last_stats.cycles) / (s.machine.dpu_mhz * 1e3);
    s.charge(event);
    add_stats(s.measurement.kernel, slowest->last_stats);
    s.launched = true;
    s.mram_on_dpu_side = true;
    s.measurement.slowest_dpu = s.first_dpu_using(slowest);
    s.count_for_set("launches", 1);
    s.count_for_set("dpu_runs", s.allocated);
    s.count("simulated_dpu_runs", std::count(timed.begin(), timed.end(), 1));
    s.count("simulated_instructions", simulated_instructions);
    if (functional_runs > 0) {
        s.count("functional_dpu_runs", functional_runs);
        s.count("functional_instructions", functional_instructions);
    }
    s.count("estimated_dpu_runs", s.left_out());
}

PerDpuBytes Machine::gather(const std::string &symbol, uint32_t offset, uint32_t bytes_per_dpu) {
    State &s = *state_;
    s.require_loaded("gather");
    s.check_alignment(symbol, offset, bytes_per_dpu);
    PerDpuBytes out(s.allocated);
    std::unordered_map<const Instance *, int> read_from;  // identical DPUs are read once
    for (int dpu = 0; dpu < s.allocated; ++dpu) {
        const Instance *instance = s.instance_of[dpu].get();
        if (!instance) {  // left out by sample(): its contents are unknown
            out[dpu].assign(bytes_per_dpu, 0);
            continue;
        }
        if (auto it = read_from.find(instance); it != read_from.end()) {
            out[dpu] = out[it->second];
            continue;
        }
        out[dpu].resize(bytes_per_dpu);
        instance->dpu->read_symbol(symbol, offset, out[dpu]);
        read_from[instance] = dpu;
    }
    s.charge_transfer(HostDirection::FromDpu, TransferSource::PerDpuBuffers, symbol, s.allocated,
                      bytes_per_dpu);
    return out;
}

std::vector<uint8_t> Machine::copy_from(int dpu, const std::string &symbol, uint32_t offset, uint32_t bytes) {
    State &s = *state_;
    s.require_loaded("copy_from");
    s.check_dpu(dpu);
    s.check_alignment(symbol, offset, bytes);
    std::vector<uint8_t> out(bytes, 0);
    if (s.instance_of[dpu]) s.instance_of[dpu]->dpu->read_symbol(symbol, offset, out);
    s.charge_transfer(HostDirection::FromDpu, TransferSource::OneDpu, symbol, 1, bytes);
    return out;
}

void Machine::host_work(const sim::HostWork &work) {
    if (work.operations < 0 || work.bytes < 0 || work.threads < 1 || work.regions < 0) {
        user_error("host work of {} operations over {} bytes on {} threads in {} regions: invalid",
                   work.operations, work.bytes, work.threads, work.regions);
    }
    HostEvent event;
    event.kind = HostEvent::Kind::Work;
    event.work = work;
    state_->charge(event);
}

Measurement Machine::take_measurement() {
    State &s = *state_;
    Measurement m = std::move(s.measurement);
    m.total_ms = m.h2d_ms + m.kernel_ms + m.after_ms;
    if (s.options.part.index == 0) m.counters["dpus"] = s.allocated;
    int64_t runs = m.counter("dpu_runs"), simulated = m.counter("simulated_dpu_runs");
    std::string sharing = s.options.mode == SimulationMode::Full
                              ? "every DPU simulated"
                              : "DPUs given identical bytes by the host share one simulation";
    if (int64_t functional = m.counter("functional_dpu_runs"); functional > 0)
        sharing += fmt::format("; {} more DPU runs computed for their values only (untimed)", functional);
    if (int64_t estimated = m.counter("estimated_dpu_runs"); estimated > 0) {
        sharing += fmt::format(
            "; sampled: {} DPU runs not simulated cycle by cycle, each charged the statistics of a simulated "
            "DPU of its class (same control flow), so timing that depends on MRAM values (e.g. mul_step "
            "ladders) is estimated for them",
            estimated);
    }
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
                    push(o.symbol, o.offset, o.data, o.source);
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
                    host_work(o.work);
                }
            },
            host_op);
    }
    result.measurement = take_measurement();
    return result;
}

void Machine::sample(const std::vector<int> &stand_in, const std::vector<uint8_t> &values_only) {
    State &s = *state_;
    s.require_loaded("sample");
    if (s.options.mode != SimulationMode::Sampled && s.options.part.whole())
        user_error(
            "sample() needs SimulationMode::Sampled or a part of a full run; this machine is in {} mode",
            to_string(s.options.mode));
    if (s.written_since_load)
        user_error("sample() after the host wrote to the DPUs; call it right after load");
    if (stand_in.size() != static_cast<size_t>(s.allocated))
        user_error("sample() got stand-ins for {} DPUs but the set has {}", stand_in.size(), s.allocated);
    for (int dpu = 0; dpu < s.allocated; ++dpu) {
        int by = stand_in[dpu];
        if (by < 0 || by >= s.allocated || stand_in[by] != by)
            user_error("sample(): DPU {} stands in for DPU {} but is not simulated itself", by, dpu);
    }
    if (!values_only.empty() && values_only.size() != static_cast<size_t>(s.allocated))
        user_error("sample() got values-only flags for {} DPUs but the set has {}", values_only.size(),
                   s.allocated);
    s.stand_in = stand_in;
    for (int dpu = 0; dpu < s.allocated; ++dpu) {
        const bool computed = stand_in[dpu] == dpu || (!values_only.empty() && values_only[dpu]);
        if (!computed) s.instance_of[dpu].reset();
    }
}

bool Machine::simulated(int dpu) const {
    state_->check_dpu(dpu);
    return state_->instance_of.empty() || state_->instance_of[dpu] != nullptr;
}

const DpuStats &Machine::last_stats(int dpu) const {
    state_->check_dpu(dpu);
    if (!state_->program) user_error("last_stats before loading a program; load one first");
    return state_->stats_of(dpu);
}

int Machine::dpus() const { return state_->allocated; }

SimulationMode Machine::mode() const { return state_->options.mode; }

int Machine::distinct_simulations() const { return static_cast<int>(state_->distinct_instances().size()); }

const target::UpmemMachine &Machine::machine() const { return state_->machine; }

}  // namespace atim::sim
