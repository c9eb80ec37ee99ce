// The record of a schedule: every primitive call and every sampling decision, in order, as data that can be
// saved to JSON, loaded, edited (a tuner changes decisions) and replayed on a PrimFunc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "atim/te/tensor.h"

namespace atim::schedule {

class Schedule;

/// One recorded primitive call.
///  - `inputs`: handles are strings ("b0" block, "l3" loop, "v7" sampled value), literals are numbers,
///    `null` is an inferred split factor; split factors are a nested array.
///  - `attrs`: literal parameters (block/buffer names, scopes, sampling bounds).
///  - `outputs`: the handles the call created, in the order the primitive returns them.
///  - `decision`: for sample_* only: the chosen factors (sample_perfect_tile) or the chosen index
///    (sample_categorical, one element).
struct Instruction {
    std::string kind;  ///< primitive name, e.g. "split", "sample_perfect_tile"
    nlohmann::json inputs = nlohmann::json::array();
    nlohmann::json attrs = nlohmann::json::object();
    std::vector<std::string> outputs;
    std::vector<int64_t> decision;  ///< empty for non-sampling instructions
};

/// An ordered list of instructions; replaying it on the same PrimFunc rebuilds the same schedule.
class Trace {
public:
    const std::vector<Instruction> &instructions() const { return instructions_; }
    void append(Instruction instruction) { instructions_.push_back(std::move(instruction)); }
    bool empty() const { return instructions_.empty(); }
    size_t size() const { return instructions_.size(); }

    /// Indices of the sampling instructions (the tuner's knobs), in order.
    std::vector<size_t> sampling_indices() const;
    /// A copy with the decision of instruction `index` replaced (checked when replayed, not here).
    Trace with_decision(size_t index, std::vector<int64_t> decision) const;
    /// A copy with instruction `index` replaced, e.g. a sampling instruction with widened bounds (checked
    /// when replayed, not here).
    Trace with_instruction(size_t index, Instruction replacement) const;

    /// Stable JSON text: {"version":1,"instructions":[{"kind":..,"inputs":..,"attrs":..,"outputs":..,
    /// "decision":..}, ...]}.
    std::string to_json() const;
    /// Parses JSON text; throws UserError on malformed JSON or a field of the wrong type (replay checks the
    /// meaning: unknown primitive, arity, dangling handles, decisions out of range).
    static Trace from_json(const std::string &text);

    /// Re-applies every instruction to a fresh Schedule of `func` (sampling instructions use their recorded
    /// decisions). Throws ScheduleError naming the instruction when the trace does not fit `func`.
    Schedule replay(const te::PrimFunc &func) const;

    /// Writes the JSON to `path` atomically (temporary file, then rename). Throws UserError on I/O failure.
    void save(const std::string &path) const;
    /// Reads a trace saved by save(). Throws UserError when the file is missing or corrupt.
    static Trace load(const std::string &path);

private:
    std::vector<Instruction> instructions_;
};

/// Same as trace.save(path) / Trace::load(path).
void save_trace(const Trace &trace, const std::string &path);
Trace load_trace(const std::string &path);

}  // namespace atim::schedule
