// Integer semantics of the IR as the interpreter executes them: wrap to the type after every operation,
// floor division and modulo. (Kept here so the interpreter depends on nothing but the IR.)
#pragma once

#include <cstdint>

#include "atim/ir/type.h"

namespace atim::interp::detail {

inline int64_t wrap(ir::DType t, int64_t v) { return ir::wrap_value(t, v); }

inline int64_t add(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t sub(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t mul(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// b != 0 is checked by the caller. b == -1 is special-cased: INT64_MIN / -1 overflows in C++.
inline int64_t floor_div(int64_t a, int64_t b) {
    if (b == -1) return sub(0, a);
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
inline int64_t floor_mod(int64_t a, int64_t b) {
    if (b == -1) return 0;
    int64_t r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

}  // namespace atim::interp::detail
