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

// C[i] = A[i] + B[i]
te::PrimFunc va(const std::vector<int64_t> &s, ir::DType t) {
    Tensor a = placeholder("A", {s[0]}, t), b = placeholder("B", {s[0]}, t);
    Tensor c = compute("C", {s[0]}, t, [&](const auto &v) { return a(v[0]) + b(v[0]); }, {"i"});
    return te::create_prim_func("va", {a, b}, {c});
}

// C[i] = ALPHA[0]*A[i] + BETA[0]*B[i], alpha and beta as 1-element tensors like ATiM's GEVA.
te::PrimFunc geva(const std::vector<int64_t> &s, ir::DType t) {
    Tensor a = placeholder("A", {s[0]}, t), b = placeholder("B", {s[0]}, t);
    Tensor alpha = placeholder("ALPHA", {1}, t), beta = placeholder("BETA", {1}, t);
    Tensor c =
        compute("C", {s[0]}, t, [&](const auto &v) { return alpha(0) * a(v[0]) + beta(0) * b(v[0]); }, {"i"});
    return te::create_prim_func("geva", {a, b, alpha, beta}, {c});
}

// B[0] = sum_k A[k]
te::PrimFunc red(const std::vector<int64_t> &s, ir::DType t) {
    Tensor a = placeholder("A", {s[0]}, t);
    te::IterVar k = reduce_axis(s[0], "k");
    Tensor b = compute("B", {1}, t, [&](const auto &) { return sum(a(k.var), {k}); }, {"i"});
    return te::create_prim_func("red", {a}, {b});
}

// C[i] = sum_k A[i,k] * B[k]
te::PrimFunc mtv(const std::vector<int64_t> &s, ir::DType t) {
    Tensor a = placeholder("A", {s[0], s[1]}, t), b = placeholder("B", {s[1]}, t);
    te::IterVar k = reduce_axis(s[1], "k");
    Tensor c =
        compute("C", {s[0]}, t, [&](const auto &v) { return sum(a(v[0], k.var) * b(k.var), {k}); }, {"i"});
    return te::create_prim_func("mtv", {a, b}, {c});
}

// C[i] = sum_k ALPHA[0] * A[i,k] * B[k]
te::PrimFunc gemv(const std::vector<int64_t> &s, ir::DType t) {
    Tensor a = placeholder("A", {s[0], s[1]}, t), b = placeholder("B", {s[1]}, t);
    Tensor alpha = placeholder("ALPHA", {1}, t);
    te::IterVar k = reduce_axis(s[1], "k");
    Tensor c = compute("C", {s[0]}, t,
                       [&](const auto &v) { return sum(alpha(0) * a(v[0], k.var) * b(k.var), {k}); }, {"i"});
    return te::create_prim_func("gemv", {a, b, alpha}, {c});
}

// C[i,j] = sum_k A[i,j,k] * B[k]
te::PrimFunc ttv(const std::vector<int64_t> &s, ir::DType t) {
    Tensor a = placeholder("A", {s[0], s[1], s[2]}, t), b = placeholder("B", {s[2]}, t);
    te::IterVar k = reduce_axis(s[2], "k");
    Tensor c = compute("C", {s[0], s[1]}, t,
                       [&](const auto &v) { return sum(a(v[0], v[1], k.var) * b(k.var), {k}); }, {"i", "j"});
    return te::create_prim_func("ttv", {a, b}, {c});
}

// C[i,j] = sum_k A[i,j,k] * B[i,k]  (batched MTV: one matrix and one vector per i)
te::PrimFunc mmtv(const std::vector<int64_t> &s, ir::DType t) {
    Tensor a = placeholder("A", {s[0], s[1], s[2]}, t), b = placeholder("B", {s[0], s[2]}, t);
    te::IterVar k = reduce_axis(s[2], "k");
    Tensor c =
        compute("C", {s[0], s[1]}, t,
                [&](const auto &v) { return sum(a(v[0], v[1], k.var) * b(v[0], k.var), {k}); }, {"i", "j"});
    return te::create_prim_func("mmtv", {a, b}, {c});
}

}  // namespace

te::PrimFunc build_operator(const std::string &name, const std::vector<int64_t> &shape, ir::DType dtype) {
    if (name == "va") return va(shape, dtype);
    if (name == "geva") return geva(shape, dtype);
    if (name == "red") return red(shape, dtype);
    if (name == "mtv") return mtv(shape, dtype);
    if (name == "gemv") return gemv(shape, dtype);
    if (name == "ttv") return ttv(shape, dtype);
    if (name == "mmtv") return mmtv(shape, dtype);
    internal_error(__FILE__, __LINE__, fmt::format("no builder for workload '{}'", name));
}

}  // namespace atim::workloads
