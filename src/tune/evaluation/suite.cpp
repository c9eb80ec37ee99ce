// The benchmark suite of ATiM's evaluation (atim-method.md §8.3): exact shapes, selection by name, and
// user-given entries.
#include <fmt/format.h>

#include <algorithm>

#include "atim/support/error.h"
#include "atim/tune/evaluation.h"

namespace atim::tune {
namespace {

/// One column of the tensor-operation suite: the figure panel labelled by the size of the main input.
struct SuiteColumn {
    std::string group;
    bool in_default_run;
    std::vector<std::pair<std::string, std::vector<int64_t>>> entries;  ///< workload, shape
};

// atim-method.md §8.3, "Tensor operation" suite (evaluation/tasks.py of the artifact). The 512 MB panel has
// no VA and GEVA.
const std::vector<SuiteColumn> &tensor_operation_columns() {
    static const std::vector<SuiteColumn> columns = {
        {"4MB",
         true,
         {{"va", {1048576}},
          {"red", {524288}},
          {"mtv", {1024, 1024}},
          {"gemv", {1024, 1024}},
          {"ttv", {32, 64, 512}},
          {"mmtv", {32, 64, 512}},
          {"geva", {1048576}}}},
        {"64MB",
         true,
         {{"va", {16777216}},
          {"red", {8388608}},
          {"mtv", {4096, 4096}},
          {"gemv", {4096, 4096}},
          {"ttv", {128, 256, 512}},
          {"mmtv", {128, 256, 512}},
          {"geva", {16777216}}}},
        {"256MB",
         false,
         {{"va", {67108864}},
          {"red", {33554432}},
          {"mtv", {8192, 8192}},
          {"gemv", {8192, 8192}},
          {"ttv", {256, 512, 512}},
          {"mmtv", {256, 512, 512}},
          {"geva", {67108864}}}},
        {"512MB",
         false,
         {{"red", {67108864}},
          {"mtv", {8192, 16384}},
          {"gemv", {8192, 16384}},
          {"ttv", {512, 512, 512}},
          {"mmtv", {512, 512, 512}}}},
    };
    return columns;
}

// GPT-J 6B decode-phase fully-connected layers, batch 1 (atim-method.md §8.3).
const std::vector<SuiteEntry> &gptj6b_layers() {
    static const std::vector<SuiteEntry> layers = {
        {"gptj6b-qkv", "gptj6b", "mtv", {12288, 4096}},
        {"gptj6b-attn-out", "gptj6b", "mtv", {4096, 4096}},
        {"gptj6b-fc-in", "gptj6b", "mtv", {16384, 4096}},
        {"gptj6b-fc-out", "gptj6b", "mtv", {4096, 16384}},
    };
    return layers;
}

}  // namespace

std::string SuiteEntry::shape_string() const { return fmt::format("{}", fmt::join(shape, "x")); }

std::vector<SuiteEntry> atim_suite(bool full) {
    std::vector<SuiteEntry> suite;
    for (const SuiteColumn &column : tensor_operation_columns()) {
        if (!full && !column.in_default_run) continue;
        for (const auto &[workload, shape] : column.entries) {
            SuiteEntry entry{"", column.group, workload, shape};
            entry.name = fmt::format("{}-{}", workload, entry.shape_string());
            suite.push_back(std::move(entry));
        }
    }
    for (const SuiteEntry &layer : gptj6b_layers()) suite.push_back(layer);
    return suite;
}

std::vector<SuiteEntry> select_entries(const std::vector<SuiteEntry> &suite,
                                       const std::vector<std::string> &names) {
    if (names.empty()) return suite;
    auto selected_by = [](const SuiteEntry &entry, const std::string &name) {
        return entry.name == name || entry.group == name || entry.workload == name;
    };
    for (const std::string &name : names) {
        if (std::none_of(suite.begin(), suite.end(),
                         [&](const SuiteEntry &e) { return selected_by(e, name); }))
            user_error(
                "--only {} names no entry of the suite; use an entry name (e.g. mtv-4096x4096), a group "
                "(4MB, 64MB, gptj6b; 256MB and 512MB with --full) or a workload",
                name);
    }
    std::vector<SuiteEntry> picked;
    for (const SuiteEntry &entry : suite) {
        if (std::any_of(names.begin(), names.end(),
                        [&](const std::string &n) { return selected_by(entry, n); }))
            picked.push_back(entry);
    }
    return picked;
}

SuiteEntry parse_custom_entry(const std::string &text) {
    const size_t colon = text.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        user_error("--entry {} must be WORKLOAD:SHAPE, e.g. mtv:1024x1024", text);
    SuiteEntry entry;
    entry.workload = text.substr(0, colon);
    entry.shape = workloads::parse_shape(entry.workload, text.substr(colon + 1));
    entry.group = "custom";
    entry.name = fmt::format("{}-{}", entry.workload, entry.shape_string());
    return entry;
}

}  // namespace atim::tune
