// Structural classification of an operator: each input's index pattern over the block's axes.
#include "atim/workloads/structure.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "atim/ir/functor.h"

namespace atim::workloads {
namespace {

// One index of a read, as a letter: the spatial axes are i, j (in output order), the reduction axis k,
// the constant 0 is '0'; anything else (an expression, an unknown variable) is '?'.
using Pattern = std::string;

class ReadPatterns : public ir::Visitor {
public:
    using ir::Visitor::visit;
    ReadPatterns(const te::ComputeOp &op) {
        static const char kSpatial[] = {'i', 'j'};
        for (size_t d = 0; d < op.axes.size() && d < 2; ++d) letter_[op.axes[d].var.get()] = kSpatial[d];
        if (op.reduce_axes.size() == 1) letter_[op.reduce_axes[0].var.get()] = 'k';
    }
    std::map<std::string, std::set<Pattern>> patterns;  ///< by input name

protected:
    void visit(const ir::Load *op) override {
        Pattern p;
        for (const ir::Expr &index : op->indices) {
            if (const auto *constant = index.as<ir::IntImm>())
                p += constant->value == 0 ? '0' : '?';
            else if (auto it = letter_.find(index.as<ir::VarNode>()); it != letter_.end())
                p += it->second;
            else
                p += '?';
        }
        patterns[op->buffer->name].insert(p);
        ir::Visitor::visit(op);
    }

private:
    std::map<const ir::VarNode *, char> letter_;
};

bool is_scalar_pattern(const Pattern &p) {
    return std::all_of(p.begin(), p.end(), [](char c) { return c == '0'; });
}

// The structures by output pattern and allowed input patterns; `large` must be read by some input.
struct Rule {
    Structure structure;
    Pattern output;
    bool reduces;
    Pattern large;
    std::vector<Pattern> allowed;
    std::vector<Pattern> required;  ///< patterns some input must have besides `large`
};

const std::vector<Rule> &rules() {
    static const std::vector<Rule> list = {
        {Structure::Elementwise, "i", false, "i", {"i"}, {}},
        {Structure::FullReduce, "0", true, "k", {"k"}, {}},
        {Structure::RowReduce, "i", true, "ik", {"ik", "k"}, {}},
        {Structure::TensorRowReduce, "ij", true, "ijk", {"ijk", "k"}, {}},
        {Structure::Batched, "ij", true, "ijk", {"ijk", "ik"}, {"ik"}},
    };
    return list;
}

}  // namespace

const char *to_string(Structure s) {
    switch (s) {
        case Structure::Elementwise:
            return "element-wise";
        case Structure::FullReduce:
            return "full reduction";
        case Structure::RowReduce:
            return "row reduction";
        case Structure::TensorRowReduce:
            return "tensor row reduction";
        case Structure::Batched:
            return "batched row reduction";
    }
    return "?";
}

std::optional<StructureMatch> classify(const te::PrimFunc &func) {
    if (func.blocks.size() != 1 || func.outputs.size() != 1) return std::nullopt;
    const te::ComputeOp &op = *func.blocks.front();
    if (op.reduce_axes.size() > 1 || op.axes.size() > 2) return std::nullopt;
    ReadPatterns reads(op);
    reads.visit(op.value);

    // A full reduction's output B[0] has one axis of extent 1 that no read uses.
    Pattern output = op.axes.size() == 1 ? "i" : "ij";
    bool reads_i = false;
    for (const auto &[name, patterns] : reads.patterns)
        for (const Pattern &p : patterns) reads_i = reads_i || p.find('i') != Pattern::npos;
    if (op.axes.size() == 1 && op.axes[0].extent == 1 && !reads_i) output = "0";

    for (const Rule &rule : rules()) {
        if (rule.output != output || rule.reduces != op.is_reduction()) continue;
        bool fits = true, has_large = false;
        std::set<Pattern> seen;
        for (const auto &[name, patterns] : reads.patterns) {
            // One pattern per input: a tensor read two ways (A[i,k] and A[k,i]) fits no schedule's tiling.
            if (patterns.size() != 1) fits = false;
            const Pattern &p = *patterns.begin();
            if (is_scalar_pattern(p)) continue;
            if (std::find(rule.allowed.begin(), rule.allowed.end(), p) == rule.allowed.end()) fits = false;
            has_large = has_large || p == rule.large;
            seen.insert(p);
        }
        for (const Pattern &p : rule.required) fits = fits && seen.contains(p);
        if (!fits || !has_large) continue;

        StructureMatch match{rule.structure, {}};
        for (const te::IterVar &axis : op.axes)
            if (rule.structure != Structure::FullReduce) match.task_shape.push_back(axis.extent);
        for (const te::IterVar &axis : op.reduce_axes) match.task_shape.push_back(axis.extent);
        return match;
    }
    return std::nullopt;
}

std::string supported_structures() {
    return "C[i] = f(A[i], B[i], ...) (like va), B[0] += f(A[k], ...) (like red), C[i] += f(A[i,k], B[k], "
           "...) "
           "(like mtv), C[i,j] += f(A[i,j,k], B[k], ...) (like ttv), C[i,j] += f(A[i,j,k], B[i,k], ...) "
           "(like "
           "mmtv); f: any of + - * min max and constants, plus scalars X[0]";
}

std::vector<std::string> scalar_input_names(const te::PrimFunc &func) {
    std::vector<std::string> names;
    for (const ir::Buffer &b : func.inputs) {
        if (std::all_of(b->shape.begin(), b->shape.end(), [](int64_t e) { return e == 1; })) {
            bool only_constant = true;
            for (const auto &block : func.blocks) {
                ReadPatterns reads(*block);
                reads.visit(block->value);
                auto it = reads.patterns.find(b->name);
                if (it == reads.patterns.end()) continue;
                for (const Pattern &p : it->second) only_constant = only_constant && is_scalar_pattern(p);
            }
            if (only_constant) names.push_back(b->name);
        }
    }
    return names;
}

std::vector<std::string> resident_input_names(const te::PrimFunc &func) {
    const std::vector<std::string> scalars = scalar_input_names(func);
    size_t rank = 0;
    for (const ir::Buffer &b : func.inputs)
        if (std::find(scalars.begin(), scalars.end(), b->name) == scalars.end())
            rank = std::max(rank, b->shape.size());
    std::vector<std::string> names;
    for (const ir::Buffer &b : func.inputs)
        if (b->shape.size() == rank && std::find(scalars.begin(), scalars.end(), b->name) == scalars.end())
            names.push_back(b->name);
    return names;
}

}  // namespace atim::workloads
