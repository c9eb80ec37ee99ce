// Buffers: checked construction, row-major strides and flat indexing.
#include "atim/ir/buffer.h"

#include <cctype>
#include <limits>

#include "atim/support/error.h"

namespace atim::ir {
namespace {

bool is_c_identifier(const std::string &name) {
    if (name.empty()) return false;
    if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
    for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    }
    return true;
}

bool is_zero(const Expr &e) { return is_const_int(e, 0); }

// index*stride with the trivial cases folded, widened to Int64 when the stride does not fit the index type.
Expr scaled(Expr index, int64_t stride) {
    if (stride == 1) return index;
    if (const int64_t *v = as_const_int(index)) {
        return make_const(index.dtype() == DType::Int64 ? DType::Int64 : DType::Int32, *v * stride);
    }
    if (index.dtype() == DType::Int32 && stride > std::numeric_limits<int32_t>::max()) {
        index = cast(DType::Int64, index);
    }
    return index * stride;
}

}  // namespace

int64_t BufferNode::num_elements() const {
    int64_t n = 1;
    for (int64_t extent : shape) n *= extent;
    return n;
}

std::vector<int64_t> BufferNode::strides() const {
    std::vector<int64_t> result(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 1;) result[d - 1] = result[d] * shape[d];
    return result;
}

Buffer make_buffer(const std::string &name, DType dtype, std::vector<int64_t> shape, MemScope scope) {
    if (!is_c_identifier(name)) {
        user_error("buffer name '{}' is not a C identifier; use letters, digits and '_'", name);
    }
    for (int64_t extent : shape) {
        if (extent <= 0) user_error("buffer {} has extent {}; every extent must be positive", name, extent);
    }
    return std::make_shared<const BufferNode>(name, dtype, std::move(shape), scope);
}

Buffer with_scope(const Buffer &b, MemScope scope, const std::string &name_suffix) {
    ATIM_CHECK(b != nullptr, "with_scope of an undefined buffer");
    return make_buffer(b->name + name_suffix, b->dtype, b->shape, scope);
}

Buffer with_shape(const Buffer &b, std::vector<int64_t> shape, const std::string &name_suffix) {
    ATIM_CHECK(b != nullptr, "with_shape of an undefined buffer");
    return make_buffer(b->name + name_suffix, b->dtype, std::move(shape), b->scope);
}

Expr flatten_index(const Buffer &b, const std::vector<Expr> &indices) {
    ATIM_CHECK(b != nullptr, "flatten_index of an undefined buffer");
    ATIM_CHECK(indices.size() == b->shape.size(), "{} indices for {}-dimensional buffer {}", indices.size(),
               b->shape.size(), b->name);
    if (indices.empty()) return make_zero(DType::Int32);
    std::vector<int64_t> strides = b->strides();
    Expr flat;
    for (size_t d = 0; d < indices.size(); ++d) {
        Expr term = scaled(indices[d], strides[d]);
        if (!flat.defined()) {
            flat = term;
        } else if (is_zero(term)) {
            continue;
        } else if (is_zero(flat)) {
            flat = term;
        } else if (as_const_int(flat) && as_const_int(term) && flat.dtype() == term.dtype()) {
            flat = make_const(flat.dtype(), *as_const_int(flat) + *as_const_int(term));
        } else {
            flat = flat + term;
        }
    }
    return flat;
}

}  // namespace atim::ir
