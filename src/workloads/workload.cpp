// The operator library's catalogue, shape parsing and validation, and make_workload.
#include "atim/workloads/workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>

#include "atim/support/error.h"
#include "workloads/operators.h"

namespace atim::workloads {
namespace {

// Indices are 32-bit in the IR and in generated code (loop variables, flat offsets), so a tensor holds at
// most 2^31 - 1 elements. This is also far above what fits one UPMEM system per tensor slice.
constexpr int64_t kMaxTensorElements = std::numeric_limits<int32_t>::max();

const WorkloadInfo &find_workload(const std::string &name) {
    const auto &list = workload_list();
    auto it = std::find_if(list.begin(), list.end(), [&](const WorkloadInfo &w) { return w.name == name; });
    if (it == list.end()) {
        std::vector<std::string> names;
        for (const WorkloadInfo &w : list) names.push_back(w.name);
        user_error("unknown workload '{}'; known: {}", name, fmt::join(names, ", "));
    }
    return *it;
}

// A shape example per number of extents, from ATiM's 256 MB suite (atim-method.md §8.3).
const char *shape_example(size_t extents) {
    switch (extents) {
        case 1:
            return "1048576";
        case 2:
            return "1024x1024";
        default:
            return "256x512x512";
    }
}

std::vector<std::string> split_on_x(const std::string &text) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        size_t x = text.find('x', start);
        parts.push_back(text.substr(start, x == std::string::npos ? std::string::npos : x - start));
        if (x == std::string::npos) return parts;
        start = x + 1;
    }
}

int64_t parse_extent(const std::string &part, const std::string &shape) {
    int64_t value = 0;
    const char *end = part.data() + part.size();
    auto [ptr, ec] = std::from_chars(part.data(), end, value);
    if (part.empty() || ec != std::errc() || ptr != end)
        user_error("extent '{}' in shape '{}' must be a positive integer", part, shape);
    if (value <= 0) user_error("extent {} in shape '{}' must be a positive integer", value, shape);
    return value;
}

// The element counts of every tensor of the workload, by name, to reject shapes no machine can hold.
std::vector<std::pair<std::string, long double>> tensor_sizes(const std::string &name,
                                                              const std::vector<int64_t> &s) {
    long double m = s[0];
    if (name == "va" || name == "geva") return {{"A", m}, {"B", m}, {"C", m}};
    if (name == "red") return {{"A", m}};
    if (name == "mtv" || name == "gemv") return {{"A", m * s[1]}, {"B", s[1]}, {"C", m}};
    if (name == "ttv") return {{"A", m * s[1] * s[2]}, {"B", s[2]}, {"C", m * s[1]}};
    return {{"A", m * s[1] * s[2]}, {"B", m * s[2]}, {"C", m * s[1]}};  // mmtv
}

std::vector<std::string> tensor_names(const std::string &name) {
    if (name == "geva") return {"A", "B", "ALPHA", "BETA", "C"};
    if (name == "gemv") return {"A", "B", "ALPHA", "C"};
    if (name == "red") return {"A", "B"};
    return {"A", "B", "C"};
}

std::vector<ir::Buffer> all_tensors(const te::PrimFunc &func) {
    std::vector<ir::Buffer> tensors = func.inputs;
    tensors.insert(tensors.end(), func.outputs.begin(), func.outputs.end());
    return tensors;
}

void check_tensor_sizes(const std::string &name, const std::vector<int64_t> &shape) {
    for (const auto &[tensor, elements] : tensor_sizes(name, shape)) {
        if (elements > static_cast<long double>(kMaxTensorElements))
            user_error(
                "shape '{}' for {} gives tensor {} {:.0f} elements; atim supports at most {} elements "
                "per tensor (32-bit indices); use a smaller shape",
                fmt::join(shape, "x"), name, tensor, elements, kMaxTensorElements);
    }
}

void check_tensor_elements(const ir::Buffer &buffer, const Workload &w) {
    long double elements = 1;
    for (int64_t extent : buffer->shape) elements *= static_cast<long double>(extent);
    if (elements > static_cast<long double>(kMaxTensorElements))
        user_error(
            "--shape {} gives tensor {} {:.0f} elements; atim supports at most {} elements per tensor "
            "(32-bit "
            "indices); use smaller extents",
            w.shape_string(), buffer->name, elements, kMaxTensorElements);
}

}  // namespace

std::string Workload::shape_string() const {
    if (!is_op()) return fmt::format("{}", fmt::join(shape, "x"));
    std::vector<std::string> items;
    for (const auto &[index, extent] : index_extents) items.push_back(fmt::format("{}={}", index, extent));
    return fmt::format("{}", fmt::join(items, ","));
}

std::string Workload::dtype_string() const {
    const std::vector<ir::Buffer> tensors = all_tensors(func);
    const bool uniform = std::all_of(tensors.begin(), tensors.end(),
                                     [&](const ir::Buffer &b) { return b->dtype == tensors.front()->dtype; });
    if (uniform) return ir::to_string(tensors.front()->dtype);
    std::vector<std::string> items;
    for (const ir::Buffer &b : tensors)
        items.push_back(fmt::format("{}={}", b->name, ir::to_string(b->dtype)));
    return fmt::format("{}", fmt::join(items, ","));
}

ir::DType Workload::compute_dtype() const { return func.outputs.front()->dtype; }

ir::DType Workload::narrowest_dtype() const {
    const std::vector<ir::Buffer> tensors = all_tensors(func);
    return (*std::min_element(tensors.begin(), tensors.end(),
                              [](const ir::Buffer &a, const ir::Buffer &b) {
                                  return ir::bytes_of(a->dtype) < ir::bytes_of(b->dtype);
                              }))
        ->dtype;
}

ir::DType Workload::widest_dtype() const {
    const std::vector<ir::Buffer> tensors = all_tensors(func);
    return (*std::max_element(tensors.begin(), tensors.end(),
                              [](const ir::Buffer &a, const ir::Buffer &b) {
                                  return ir::bytes_of(a->dtype) < ir::bytes_of(b->dtype);
                              }))
        ->dtype;
}

const std::vector<WorkloadInfo> &workload_list() {
    static const std::vector<WorkloadInfo> list = {
        {"va",
         "C[i] = A[i] + B[i]",
         "M",
         ir::DType::Int32,
         Structure::Elementwise,
         "C[i] = A[i] + B[i]",
         {"i"}},
        {"geva",
         "C[i] = ALPHA[0] * A[i] + BETA[0] * B[i]",
         "M",
         ir::DType::Int32,
         Structure::Elementwise,
         "C[i] = ALPHA[0] * A[i] + BETA[0] * B[i]",
         {"i"}},
        {"red", "B[0] = sum_k A[k]", "M", ir::DType::Int64, Structure::FullReduce, "B[0] += A[k]", {"k"}},
        {"mtv",
         "C[i] = sum_k A[i,k] * B[k]",
         "MxK",
         ir::DType::Int32,
         Structure::RowReduce,
         "C[i] += A[i,k] * B[k]",
         {"i", "k"}},
        {"gemv",
         "C[i] = sum_k ALPHA[0] * A[i,k] * B[k]",
         "MxK",
         ir::DType::Int32,
         Structure::RowReduce,
         "C[i] += ALPHA[0] * A[i,k] * B[k]",
         {"i", "k"}},
        {"ttv",
         "C[i,j] = sum_k A[i,j,k] * B[k]",
         "MxNxK",
         ir::DType::Int32,
         Structure::TensorRowReduce,
         "C[i,j] += A[i,j,k] * B[k]",
         {"i", "j", "k"}},
        {"mmtv",
         "C[i,j] = sum_k A[i,j,k] * B[i,k]",
         "MxNxK",
         ir::DType::Int32,
         Structure::Batched,
         "C[i,j] += A[i,j,k] * B[i,k]",
         {"i", "j", "k"}},
    };
    return list;
}

std::vector<int64_t> parse_shape(const std::string &workload, const std::string &shape) {
    const WorkloadInfo &info = find_workload(workload);
    size_t want = split_on_x(info.shape_params).size();
    std::vector<std::string> parts = split_on_x(shape);
    if (parts.size() != want)
        user_error("shape '{}' for {} needs {} extent{} {}, e.g. --shape {}", shape, workload, want,
                   want == 1 ? "" : "s", info.shape_params, shape_example(want));
    std::vector<int64_t> extents;
    for (const std::string &part : parts) extents.push_back(parse_extent(part, shape));
    check_tensor_sizes(workload, extents);
    return extents;
}

Workload make_workload(const std::string &name, const std::vector<int64_t> &shape, const std::string &dtype) {
    const WorkloadInfo &info = find_workload(name);
    size_t want = split_on_x(info.shape_params).size();
    if (shape.size() != want)
        user_error("shape '{}' for {} needs {} extent{} {}, e.g. --shape {}", fmt::join(shape, "x"), name,
                   want, want == 1 ? "" : "s", info.shape_params, shape_example(want));
    for (int64_t extent : shape) {
        if (extent <= 0)
            user_error("extent {} in shape '{}' must be a positive integer", extent, fmt::join(shape, "x"));
    }
    check_tensor_sizes(name, shape);

    Workload w;
    w.name = name;
    w.shape = shape;
    const te::DTypeSpec dtypes = te::DTypeSpec::parse(dtype);
    dtypes.check_tensor_names(tensor_names(name), name);
    w.func = build_operator(name, shape, info.default_dtype, dtypes);
    std::optional<StructureMatch> match = classify(w.func);
    ATIM_CHECK(match && match->structure == info.structure && match->task_shape == shape,
               "built-in workload {} is not classified as {}", name, to_string(info.structure));
    w.structure = match->structure;
    // What ATiM pre-loads into MRAM and leaves out of the timed H2D (atim-method.md §8.1 "H2D accounting").
    w.resident_inputs = resident_input_names(w.func);
    return w;
}

Structure builtin_structure(const std::string &name) { return find_workload(name).structure; }

std::pair<std::string, std::string> builtin_as_op(const std::string &name,
                                                  const std::vector<int64_t> &shape) {
    const WorkloadInfo &info = find_workload(name);
    ATIM_CHECK(shape.size() == info.shape_indices.size(), "{} takes {} extents, not {}", name,
               info.shape_indices.size(), shape.size());
    std::vector<std::string> items;
    for (size_t d = 0; d < shape.size(); ++d)
        items.push_back(fmt::format("{}={}", info.shape_indices[d], shape[d]));
    return {info.notation, fmt::format("{}", fmt::join(items, ","))};
}

Workload make_op_workload(const std::string &notation, const std::string &extents, const std::string &dtype) {
    Workload w;
    w.notation = notation;
    w.index_extents = te::parse_index_extents(extents);
    for (char c : notation)
        if (c != ' ' && c != '\t') w.name += c;
    w.func =
        te::build_from_notation(notation, w.index_extents, ir::DType::Int32, te::DTypeSpec::parse(dtype));
    for (const ir::Buffer &b : w.func.inputs) check_tensor_elements(b, w);
    for (const ir::Buffer &b : w.func.outputs) check_tensor_elements(b, w);
    std::optional<StructureMatch> match = classify(w.func);
    if (!match)
        user_error("--op '{}' has no structure atim has schedules for; supported: {}", notation,
                   supported_structures());
    w.structure = match->structure;
    w.shape = match->task_shape;
    w.resident_inputs = resident_input_names(w.func);
    return w;
}

}  // namespace atim::workloads
