// Buffers: named, typed, constant-shaped arrays in one memory scope.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "atim/ir/expr.h"
#include "atim/ir/type.h"

namespace atim::ir {

/// A row-major array. Identity is the node (two buffers may share a name only by mistake).
struct BufferNode {
    BufferNode(std::string n, DType t, std::vector<int64_t> s, MemScope sc)
        : name(std::move(n)), dtype(t), shape(std::move(s)), scope(sc) {}
    const std::string name;
    const DType dtype;
    const std::vector<int64_t> shape;
    const MemScope scope;

    int64_t num_elements() const;
    int64_t size_bytes() const { return num_elements() * bytes_of(dtype); }
    /// Row-major strides in elements.
    std::vector<int64_t> strides() const;
};

/// Makes a buffer; checks the name is a C identifier and every extent is positive.
Buffer make_buffer(const std::string &name, DType dtype, std::vector<int64_t> shape,
                   MemScope scope = MemScope::Global);
/// Same buffer contents description in another scope / with another shape (a new identity).
Buffer with_scope(const Buffer &b, MemScope scope, const std::string &name_suffix = "");
Buffer with_shape(const Buffer &b, std::vector<int64_t> shape, const std::string &name_suffix = "");

/// Row-major flat index of `indices` into `b` (simplified).
Expr flatten_index(const Buffer &b, const std::vector<Expr> &indices);

}  // namespace atim::ir
