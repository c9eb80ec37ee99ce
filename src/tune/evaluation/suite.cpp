// The benchmark suite of ATiM's evaluation (atim-method.md §8.3): the tensor-operation columns and the 24
// GPT-J operators with their exact shapes, selection by name, and user-given entries.
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

/// One GPT-J configuration's operators in ATiM's evaluation (atim-method.md §8.3).
struct GptjModel {
    std::string group;  ///< "gptj6b"
    bool in_default_run;
    int64_t hidden, ffn, heads;
};

// GPT-J 6B: hidden 4096, FFN 16384, 16 heads of 256; "GPT-J 30B" is ATiM's scaled configuration with hidden
// 7168, FFN 28672 and 28 heads of 256 (atim-method.md §8.3). 30B's MTV matrices are 196-784 MiB of int32
// (the largest above the 512 MB column), so that model runs with --full.
const std::vector<GptjModel> &gptj_models() {
    static const std::vector<GptjModel> models = {{"gptj6b", true, 4096, 16384, 16},
                                                  {"gptj30b", false, 7168, 28672, 28}};
    return models;
}

// Attention scores (q . K^T per head) of the decode phase at batch 1 and 4 and T tokens in the K-cache
// (atim-method.md §8.3): A = K-cache [heads * batch, T, head dim 256], B = query [heads * batch, 256].
constexpr int64_t kHeadDim = 256;
constexpr int64_t kAttentionBatches[] = {1, 4};
constexpr int64_t kAttentionTokens[] = {64, 128, 256, 512};

// A model's 4 MTV layers (batch 1: QKV generation, attention output projection, FFN in and out), then its 8
// attention-score MMTVs.
std::vector<SuiteEntry> gptj_operators(const GptjModel &m) {
    std::vector<SuiteEntry> ops = {
        {m.group + "-qkv", m.group, "mtv", {3 * m.hidden, m.hidden}},
        {m.group + "-attn-out", m.group, "mtv", {m.hidden, m.hidden}},
        {m.group + "-fc-in", m.group, "mtv", {m.ffn, m.hidden}},
        {m.group + "-fc-out", m.group, "mtv", {m.hidden, m.ffn}},
    };
    for (int64_t batch : kAttentionBatches)
        for (int64_t tokens : kAttentionTokens)
            ops.push_back({fmt::format("{}-score-b{}-t{}", m.group, batch, tokens),
                           m.group,
                           "mmtv",
                           {m.heads * batch, tokens, kHeadDim}});
    return ops;
}

}  // namespace

std::string SuiteEntry::shape_string() const { return fmt::format("{}", fmt::join(shape, "x")); }

bool SuiteEntry::is_gptj() const { return group.rfind("gptj", 0) == 0; }

std::vector<std::string> SuiteEntry::selectors() const {
    std::vector<std::string> names = {group, workload};
    if (is_gptj()) {
        names.push_back("gptj");
        names.push_back("gptj-" + workload);
        names.push_back(group + "-" + workload);
    }
    return names;
}

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
    for (const GptjModel &model : gptj_models()) {
        if (!full && !model.in_default_run) continue;
        for (SuiteEntry &op : gptj_operators(model)) suite.push_back(std::move(op));
    }
    return suite;
}

std::vector<SuiteEntry> select_entries(const std::vector<SuiteEntry> &suite,
                                       const std::vector<std::string> &names) {
    if (names.empty()) return suite;
    auto selected_by = [](const SuiteEntry &entry, const std::string &name) {
        const std::vector<std::string> selectors = entry.selectors();
        return entry.name == name || std::find(selectors.begin(), selectors.end(), name) != selectors.end();
    };
    for (const std::string &name : names) {
        if (std::none_of(suite.begin(), suite.end(),
                         [&](const SuiteEntry &e) { return selected_by(e, name); }))
            user_error(
                "--only {} names no entry of the suite; use an entry name (e.g. mtv-4096x4096), a group "
                "(4MB, 64MB, gptj6b; 256MB, 512MB and gptj30b with --full), a workload, or gptj, gptj-mtv, "
                "gptj-mmtv, gptj6b-mtv, gptj6b-mmtv (gptj30b-... with --full)",
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
