// Trace: JSON form, loading/saving, and replay of recorded primitive calls on a fresh schedule.
#include "atim/schedule/trace.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "atim/schedule/schedule.h"
#include "atim/support/stage_timer.h"
#include "schedule/schedule_internal.h"

namespace atim::schedule {

using nlohmann::json;

namespace detail {

// Replay passes recorded decisions to the sampling primitives instead of drawing.
struct ReplayAccess {
    static std::vector<ExprRV> sample_perfect_tile(Schedule &sch, const LoopRV &loop, int n,
                                                   int64_t max_innermost, int64_t min_outer,
                                                   int64_t max_outer, const std::vector<int64_t> &decision) {
        return sch.sample_perfect_tile_impl(loop, n, max_innermost, min_outer, max_outer, &decision);
    }
    static ExprRV sample_categorical(Schedule &sch, const std::vector<int64_t> &candidates,
                                     const std::vector<double> &probabilities,
                                     const std::vector<int64_t> &decision) {
        return sch.sample_categorical_impl(candidates, probabilities, &decision);
    }
    static std::vector<ExprRV> sample_tile(Schedule &sch, const LoopRV &loop, int n, int64_t max_innermost,
                                           int64_t min_outer, int64_t max_outer,
                                           const std::vector<int64_t> &decision) {
        return sch.sample_tile_impl(loop, n, max_innermost, min_outer, max_outer, &decision);
    }
    static LoopRV sample_compute_location(Schedule &sch, const std::vector<LoopRV> &candidates,
                                          const std::vector<int64_t> &decision) {
        return sch.sample_compute_location_impl(candidates, &decision);
    }
};

}  // namespace detail

namespace {

constexpr int kTraceVersion = 1;

// Maps the handles named in a trace to the handles of the schedule being rebuilt.
class Replayer {
public:
    explicit Replayer(Schedule &sch) : sch_(sch) {}

    void apply(const Instruction &inst) {
        const std::string &k = inst.kind;
        if (k == "get_block") {
            expect_inputs(inst, 0);
            bind_outputs(inst, {sch_.get_block(string_attr(inst, "name")).id}, blocks_);
        } else if (k == "get_loops") {
            expect_inputs(inst, 1);
            bind_outputs(inst, ids(sch_.get_loops(block(inst.inputs[0]))), loops_);
        } else if (k == "split") {
            expect_inputs(inst, 2);
            if (!inst.inputs[1].is_array()) fail("its second input must be the array of split factors");
            std::vector<Factor> factors;
            for (const json &f : inst.inputs[1]) {
                if (f.is_null()) {
                    factors.emplace_back(kInfer);
                } else if (f.is_number_integer()) {
                    factors.emplace_back(f.get<int64_t>());
                } else {
                    factors.emplace_back(value(f));
                }
            }
            bind_outputs(inst, ids(sch_.split(loop(inst.inputs[0]), factors)), loops_);
        } else if (k == "fuse") {
            bind_outputs(inst, {sch_.fuse(loop_list(inst)).id}, loops_);
        } else if (k == "reorder") {
            sch_.reorder(loop_list(inst));
            bind_outputs(inst, {}, loops_);
        } else if (k == "bind") {
            expect_inputs(inst, 1);
            sch_.bind(loop(inst.inputs[0]), string_attr(inst, "thread_axis"));
            bind_outputs(inst, {}, loops_);
        } else if (k == "unroll") {
            expect_inputs(inst, 1);
            sch_.unroll(loop(inst.inputs[0]));
            bind_outputs(inst, {}, loops_);
        } else if (k == "parallel") {
            expect_inputs(inst, 1);
            sch_.parallel(loop(inst.inputs[0]));
            bind_outputs(inst, {}, loops_);
        } else if (k == "rfactor") {
            expect_inputs(inst, 1);
            bind_outputs(inst, {sch_.rfactor(loop(inst.inputs[0]), string_attr(inst, "scope")).id}, blocks_);
        } else if (k == "cache_read") {
            expect_inputs(inst, 1);
            BlockRV b = sch_.cache_read(block(inst.inputs[0]), string_attr(inst, "buffer"),
                                        string_attr(inst, "scope"));
            bind_outputs(inst, {b.id}, blocks_);
        } else if (k == "cache_write") {
            expect_inputs(inst, 1);
            bind_outputs(inst, {sch_.cache_write(block(inst.inputs[0]), string_attr(inst, "scope")).id},
                         blocks_);
        } else if (k == "compute_at") {
            expect_inputs(inst, 2);
            sch_.compute_at(block(inst.inputs[0]), loop(inst.inputs[1]));
            bind_outputs(inst, {}, loops_);
        } else if (k == "reverse_compute_at") {
            expect_inputs(inst, 2);
            sch_.reverse_compute_at(block(inst.inputs[0]), loop(inst.inputs[1]));
            bind_outputs(inst, {}, loops_);
        } else if (k == "decompose_reduction") {
            expect_inputs(inst, 2);
            sch_.decompose_reduction(block(inst.inputs[0]), loop(inst.inputs[1]));
            bind_outputs(inst, {}, loops_);
        } else if (k == "sample_perfect_tile") {
            expect_inputs(inst, 1);
            auto rvs = detail::ReplayAccess::sample_perfect_tile(
                sch_, loop(inst.inputs[0]), static_cast<int>(int_attr(inst, "n")),
                int_attr(inst, "max_innermost_factor"), int_attr(inst, "min_outer"),
                int_attr(inst, "max_outer"), inst.decision);
            bind_outputs(inst, ids(rvs), values_);
        } else if (k == "sample_categorical") {
            expect_inputs(inst, 0);
            auto candidates = attr<std::vector<int64_t>>(inst, "candidates");
            auto probabilities = attr<std::vector<double>>(inst, "probabilities");
            ExprRV rv =
                detail::ReplayAccess::sample_categorical(sch_, candidates, probabilities, inst.decision);
            bind_outputs(inst, {rv.id}, values_);
        } else if (k == "sample_tile") {
            expect_inputs(inst, 1);
            auto rvs = detail::ReplayAccess::sample_tile(
                sch_, loop(inst.inputs[0]), static_cast<int>(int_attr(inst, "n")),
                int_attr(inst, "max_innermost_factor"), int_attr(inst, "min_outer"),
                int_attr(inst, "max_outer"), inst.decision);
            bind_outputs(inst, ids(rvs), values_);
        } else if (k == "sample_compute_location") {
            LoopRV rv = detail::ReplayAccess::sample_compute_location(sch_, loop_list(inst), inst.decision);
            bind_outputs(inst, {rv.id}, loops_);
        } else if (k == "annotate_unroll") {
            expect_inputs(inst, 2);
            sch_.annotate_unroll(block(inst.inputs[0]), value(inst.inputs[1]));
            bind_outputs(inst, {}, loops_);
        } else if (k == "annotate_host_calls") {
            expect_inputs(inst, 0);
            sch_.annotate_host_calls(string_attr(inst, "style"));
            bind_outputs(inst, {}, loops_);
        } else {
            fail(fmt::format("unknown primitive '{}'", k));
        }
    }

private:
    [[noreturn]] static void fail(const std::string &what) { throw ScheduleError(what); }

    static void expect_inputs(const Instruction &inst, size_t n) {
        if (inst.inputs.size() != n)
            fail(fmt::format("wrong arity: {} takes {} input(s), the trace gives {}", inst.kind, n,
                             inst.inputs.size()));
    }

    template <typename T>
    static T attr(const Instruction &inst, const char *name) {
        if (!inst.attrs.contains(name)) fail(fmt::format("attribute '{}' is missing", name));
        try {
            return inst.attrs.at(name).get<T>();
        } catch (const json::exception &) {
            fail(fmt::format("attribute '{}' has the wrong type ({})", name, inst.attrs.at(name).dump()));
        }
    }
    static std::string string_attr(const Instruction &inst, const char *name) {
        return attr<std::string>(inst, name);
    }
    static int64_t int_attr(const Instruction &inst, const char *name) { return attr<int64_t>(inst, name); }

    static int resolve(const json &handle, char prefix, const std::map<std::string, int> &known,
                       const char *what) {
        if (!handle.is_string() || handle.get<std::string>().empty() ||
            handle.get<std::string>()[0] != prefix)
            fail(fmt::format("expected a {} handle (\"{}<N>\"), got {}", what, prefix, handle.dump()));
        auto it = known.find(handle.get<std::string>());
        if (it == known.end())
            fail(fmt::format("dangling handle: {} {} was not created by an earlier instruction", what,
                             handle.get<std::string>()));
        return it->second;
    }
    BlockRV block(const json &h) const { return BlockRV{resolve(h, 'b', blocks_, "block")}; }
    LoopRV loop(const json &h) const { return LoopRV{resolve(h, 'l', loops_, "loop")}; }
    ExprRV value(const json &h) const { return ExprRV{resolve(h, 'v', values_, "sampled value")}; }

    std::vector<LoopRV> loop_list(const Instruction &inst) const {
        std::vector<LoopRV> result;
        for (const json &h : inst.inputs) result.push_back(loop(h));
        return result;
    }

    template <typename RV>
    static std::vector<int> ids(const std::vector<RV> &rvs) {
        std::vector<int> result;
        for (const RV &rv : rvs) result.push_back(rv.id);
        return result;
    }

    static void bind_outputs(const Instruction &inst, const std::vector<int> &created,
                             std::map<std::string, int> &map) {
        if (created.size() != inst.outputs.size())
            fail(fmt::format("inconsistent trace: {} created {} handle(s) but the trace lists {}", inst.kind,
                             created.size(), inst.outputs.size()));
        for (size_t i = 0; i < created.size(); ++i) map[inst.outputs[i]] = created[i];
    }

    Schedule &sch_;
    std::map<std::string, int> blocks_, loops_, values_;
};

[[noreturn]] void corrupt(const std::string &what) { user_error("corrupt trace: {}", what); }

Instruction parse_instruction(const json &j, size_t index) {
    if (!j.is_object()) corrupt(fmt::format("instruction {} is not a JSON object", index));
    Instruction inst;
    if (!j.contains("kind") || !j.at("kind").is_string())
        corrupt(fmt::format("instruction {} has no \"kind\" string", index));
    inst.kind = j.at("kind").get<std::string>();
    if (j.contains("inputs")) {
        if (!j.at("inputs").is_array())
            corrupt(fmt::format("instruction {} ({}): \"inputs\" is not an array", index, inst.kind));
        inst.inputs = j.at("inputs");
    }
    if (j.contains("attrs")) {
        if (!j.at("attrs").is_object())
            corrupt(fmt::format("instruction {} ({}): \"attrs\" is not an object", index, inst.kind));
        inst.attrs = j.at("attrs");
    }
    try {
        if (j.contains("outputs")) inst.outputs = j.at("outputs").get<std::vector<std::string>>();
        if (j.contains("decision")) inst.decision = j.at("decision").get<std::vector<int64_t>>();
    } catch (const json::exception &) {
        corrupt(
            fmt::format("instruction {} ({}): \"outputs\" must be handle strings and \"decision\" integers",
                        index, inst.kind));
    }
    return inst;
}

}  // namespace

std::vector<size_t> Trace::sampling_indices() const {
    std::vector<size_t> result;
    for (size_t i = 0; i < instructions_.size(); ++i)
        if (instructions_[i].kind.rfind("sample_", 0) == 0) result.push_back(i);
    return result;
}

Trace Trace::with_decision(size_t index, std::vector<int64_t> decision) const {
    ATIM_CHECK(index < instructions_.size(), "instruction {} out of {}", index, instructions_.size());
    Trace copy = *this;
    copy.instructions_[index].decision = std::move(decision);
    return copy;
}

Trace Trace::with_instruction(size_t index, Instruction replacement) const {
    ATIM_CHECK(index < instructions_.size(), "instruction {} out of {}", index, instructions_.size());
    Trace copy = *this;
    copy.instructions_[index] = std::move(replacement);
    return copy;
}

std::string Trace::to_json() const {
    json list = json::array();
    for (const Instruction &inst : instructions_) {
        json j{
            {"kind", inst.kind}, {"inputs", inst.inputs}, {"attrs", inst.attrs}, {"outputs", inst.outputs}};
        if (!inst.decision.empty()) j["decision"] = inst.decision;
        list.push_back(std::move(j));
    }
    return json{{"version", kTraceVersion}, {"instructions", list}}.dump(1);
}

Trace Trace::from_json(const std::string &text) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error &e) {
        corrupt(fmt::format("not valid JSON ({})", e.what()));
    }
    if (!root.is_object() || !root.contains("instructions") || !root.at("instructions").is_array())
        corrupt("expected an object with an \"instructions\" array");
    if (root.contains("version") && root.at("version") != kTraceVersion)
        corrupt(fmt::format("version {} is not supported (this atim reads version {})",
                            root.at("version").dump(), kTraceVersion));
    Trace trace;
    size_t index = 0;
    for (const json &j : root.at("instructions")) trace.append(parse_instruction(j, index++));
    return trace;
}

Schedule Trace::replay(const te::PrimFunc &func) const {
    StageTimer timer(Stage::Lower);
    Schedule sch(func);
    Replayer replayer(sch);
    for (size_t i = 0; i < instructions_.size(); ++i) {
        try {
            replayer.apply(instructions_[i]);
        } catch (const ScheduleError &e) {
            throw ScheduleError(
                fmt::format("trace instruction {} ({}): {}", i, instructions_[i].kind, e.what()));
        }
    }
    return sch;
}

void Trace::save(const std::string &path) const {
    // Write a temporary file next to the target, then rename, so a failure never leaves half a trace.
    std::string temp = path + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        if (!out)
            user_error("cannot write trace file '{}'; check the directory exists and is writable", path);
        out << to_json() << "\n";
        if (!out.flush()) user_error("cannot write trace file '{}'; check the disk space", path);
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::filesystem::remove(temp, ec);
        user_error("cannot write trace file '{}' (rename failed); check the directory is writable", path);
    }
}

Trace Trace::load(const std::string &path) {
    std::ifstream in(path);
    if (!in) user_error("cannot read trace file '{}'; check the path", path);
    std::stringstream text;
    text << in.rdbuf();
    try {
        return from_json(text.str());
    } catch (const ScheduleError &) {
        throw;
    } catch (const UserError &e) {
        user_error("{}: {}", path, e.what());
    }
}

void save_trace(const Trace &trace, const std::string &path) { trace.save(path); }
Trace load_trace(const std::string &path) { return Trace::load(path); }

}  // namespace atim::schedule
