// The seven operators of ATiM's evaluation (atim-method.md §8.3) as tensor expressions.
#include "workloads/operators.h"

#include "atim/support/error.h"

namespace atim::workloads {
namespace {

using te::compute;
using te::placeholder;
using te::reduce_axis;
using te::sum;
using te::Tensor;

// The element types of one operator: each tensor's from --dtype (or the default), and the computation type of
// the accumulation rule (te/dtype_spec.h), the output's.
struct Types {
    const te::DTypeSpec &spec;
    ir::DType fallback;
    std::string output;
    ir::DType operator()(const std::string &tensor) const { return spec.of(tensor, fallback); }
    ir::DType compute() const { return spec.of(output, fallback); }
    ir::Expr read(const ir::Expr &value) const { return te::as_computation_type(compute(), value); }
};

// C[i] = A[i] + B[i]
te::PrimFunc va(const std::vector<int64_t> &s, const Types &t) {
    Tensor a = placeholder("A", {s[0]}, t("A")), b = placeholder("B", {s[0]}, t("B"));
    Tensor c = compute("C", {s[0]}, t.compute(),
                       [&](const auto &v) { return t.read(a(v[0])) + t.read(b(v[0])); }, {"i"});
    return te::create_prim_func("va", {a, b}, {c});
}

// C[i] = ALPHA[0]*A[i] + BETA[0]*B[i], alpha and beta as 1-element tensors like ATiM's GEVA.
te::PrimFunc geva(const std::vector<int64_t> &s, const Types &t) {
    Tensor a = placeholder("A", {s[0]}, t("A")), b = placeholder("B", {s[0]}, t("B"));
    Tensor alpha = placeholder("ALPHA", {1}, t("ALPHA")), beta = placeholder("BETA", {1}, t("BETA"));
    Tensor c = compute(
        "C", {s[0]}, t.compute(),
        [&](const auto &v) { return t.read(alpha(0)) * t.read(a(v[0])) + t.read(beta(0)) * t.read(b(v[0])); },
        {"i"});
    return te::create_prim_func("geva", {a, b, alpha, beta}, {c});
}

// B[0] = sum_k A[k]
te::PrimFunc red(const std::vector<int64_t> &s, const Types &t) {
    Tensor a = placeholder("A", {s[0]}, t("A"));
    te::IterVar k = reduce_axis(s[0], "k");
    Tensor b =
        compute("B", {1}, t.compute(), [&](const auto &) { return sum(t.read(a(k.var)), {k}); }, {"i"});
    return te::create_prim_func("red", {a}, {b});
}

// C[i] = sum_k A[i,k] * B[k]
te::PrimFunc mtv(const std::vector<int64_t> &s, const Types &t) {
    Tensor a = placeholder("A", {s[0], s[1]}, t("A")), b = placeholder("B", {s[1]}, t("B"));
    te::IterVar k = reduce_axis(s[1], "k");
    Tensor c =
        compute("C", {s[0]}, t.compute(),
                [&](const auto &v) { return sum(t.read(a(v[0], k.var)) * t.read(b(k.var)), {k}); }, {"i"});
    return te::create_prim_func("mtv", {a, b}, {c});
}

// C[i] = sum_k ALPHA[0] * A[i,k] * B[k]
te::PrimFunc gemv(const std::vector<int64_t> &s, const Types &t) {
    Tensor a = placeholder("A", {s[0], s[1]}, t("A")), b = placeholder("B", {s[1]}, t("B"));
    Tensor alpha = placeholder("ALPHA", {1}, t("ALPHA"));
    te::IterVar k = reduce_axis(s[1], "k");
    Tensor c = compute(
        "C", {s[0]}, t.compute(),
        [&](const auto &v) { return sum(t.read(alpha(0)) * t.read(a(v[0], k.var)) * t.read(b(k.var)), {k}); },
        {"i"});
    return te::create_prim_func("gemv", {a, b, alpha}, {c});
}

// C[i,j] = sum_k A[i,j,k] * B[k]
te::PrimFunc ttv(const std::vector<int64_t> &s, const Types &t) {
    Tensor a = placeholder("A", {s[0], s[1], s[2]}, t("A")), b = placeholder("B", {s[2]}, t("B"));
    te::IterVar k = reduce_axis(s[2], "k");
    Tensor c = compute(
        "C", {s[0], s[1]}, t.compute(),
        [&](const auto &v) { return sum(t.read(a(v[0], v[1], k.var)) * t.read(b(k.var)), {k}); }, {"i", "j"});
    return te::create_prim_func("ttv", {a, b}, {c});
}

// C[i,j] = sum_k A[i,j,k] * B[i,k]  (batched MTV: one matrix and one vector per i)
te::PrimFunc mmtv(const std::vector<int64_t> &s, const Types &t) {
    Tensor a = placeholder("A", {s[0], s[1], s[2]}, t("A")), b = placeholder("B", {s[0], s[2]}, t("B"));
    te::IterVar k = reduce_axis(s[2], "k");
    Tensor c = compute(
        "C", {s[0], s[1]}, t.compute(),
        [&](const auto &v) { return sum(t.read(a(v[0], v[1], k.var)) * t.read(b(v[0], k.var)), {k}); },
        {"i", "j"});
    return te::create_prim_func("mmtv", {a, b}, {c});
}

}  // namespace

te::PrimFunc build_operator(const std::string &name, const std::vector<int64_t> &shape,
                            ir::DType default_dtype, const te::DTypeSpec &dtypes) {
    const Types t{dtypes, default_dtype, name == "red" ? "B" : "C"};
    if (name == "va") return va(shape, t);
    if (name == "geva") return geva(shape, t);
    if (name == "red") return red(shape, t);
    if (name == "mtv") return mtv(shape, t);
    if (name == "gemv") return gemv(shape, t);
    if (name == "ttv") return ttv(shape, t);
    if (name == "mmtv") return mmtv(shape, t);
    internal_error(__FILE__, __LINE__, fmt::format("no builder for workload '{}'", name));
}

}  // namespace atim::workloads
