// Names, sizes and parsing of the IR's scalar types, memory scopes and loop kinds.
#include "atim/ir/type.h"

#include <cstring>
#include <limits>

#include "atim/support/error.h"

namespace atim::ir {

int bytes_of(DType t) {
    switch (t) {
        case DType::Bool:
        case DType::Int8:
        case DType::UInt8:
            return 1;
        case DType::Int16:
            return 2;
        case DType::Int32:
            return 4;
        case DType::Int64:
            return 8;
    }
    ATIM_CHECK(false, "unknown DType {}", static_cast<int>(t));
    return 0;
}

const char *to_string(DType t) {
    switch (t) {
        case DType::Bool:
            return "bool";
        case DType::Int32:
            return "int32";
        case DType::Int64:
            return "int64";
        case DType::Int8:
            return "int8";
        case DType::UInt8:
            return "uint8";
        case DType::Int16:
            return "int16";
    }
    ATIM_CHECK(false, "unknown DType {}", static_cast<int>(t));
    return "";
}

DType parse_dtype(const std::string &name) {
    for (DType t : {DType::Int8, DType::UInt8, DType::Int16, DType::Int32, DType::Int64})
        if (name == to_string(t)) return t;
    if (name == "float32" || name == "float16" || name == "float64")
        user_error("dtype '{}' is not supported yet; use one of {}", name, dtype_names());
    user_error("unknown dtype '{}'; use one of {}", name, dtype_names());
}

const char *dtype_names() { return "int8, uint8, int16, int32, int64"; }

bool is_integer(DType t) { return t != DType::Bool; }

bool is_signed(DType t) { return t != DType::Bool && t != DType::UInt8; }

int64_t min_value(DType t) {
    switch (t) {
        case DType::Bool:
        case DType::UInt8:
            return 0;
        case DType::Int8:
            return std::numeric_limits<int8_t>::min();
        case DType::Int16:
            return std::numeric_limits<int16_t>::min();
        case DType::Int32:
            return std::numeric_limits<int32_t>::min();
        case DType::Int64:
            return std::numeric_limits<int64_t>::min();
    }
    ATIM_CHECK(false, "unknown DType {}", static_cast<int>(t));
    return 0;
}

int64_t max_value(DType t) {
    switch (t) {
        case DType::Bool:
            return 1;
        case DType::UInt8:
            return std::numeric_limits<uint8_t>::max();
        case DType::Int8:
            return std::numeric_limits<int8_t>::max();
        case DType::Int16:
            return std::numeric_limits<int16_t>::max();
        case DType::Int32:
            return std::numeric_limits<int32_t>::max();
        case DType::Int64:
            return std::numeric_limits<int64_t>::max();
    }
    ATIM_CHECK(false, "unknown DType {}", static_cast<int>(t));
    return 0;
}

// Conversions to a narrower integer type are modular since C++20.
int64_t wrap_value(DType t, int64_t value) {
    switch (t) {
        case DType::Bool:
            return value != 0 ? 1 : 0;
        case DType::Int8:
            return static_cast<int8_t>(value);
        case DType::UInt8:
            return static_cast<uint8_t>(value);
        case DType::Int16:
            return static_cast<int16_t>(value);
        case DType::Int32:
            return static_cast<int32_t>(value);
        case DType::Int64:
            return value;
    }
    ATIM_CHECK(false, "unknown DType {}", static_cast<int>(t));
    return value;
}

void store_element(DType t, int64_t value, void *bytes) {
    std::memcpy(bytes, &value, static_cast<size_t>(bytes_of(t)));  // little-endian: the low bytes first
}

int64_t load_element(DType t, const void *bytes) {
    int64_t value = 0;
    std::memcpy(&value, bytes, static_cast<size_t>(bytes_of(t)));
    return wrap_value(t, value);
}

const char *to_string(MemScope s) {
    switch (s) {
        case MemScope::Global:
            return "global";
        case MemScope::Mram:
            return "mram";
        case MemScope::WramLocal:
            return "wram.local";
        case MemScope::WramShared:
            return "wram.shared";
    }
    ATIM_CHECK(false, "unknown MemScope {}", static_cast<int>(s));
    return "";
}

const char *to_string(ForKind k) {
    switch (k) {
        case ForKind::Serial:
            return "serial";
        case ForKind::Unrolled:
            return "unrolled";
        case ForKind::DpuX:
            return "dpu.x";
        case ForKind::DpuY:
            return "dpu.y";
        case ForKind::DpuZ:
            return "dpu.z";
        case ForKind::Tasklet:
            return "tasklet";
        case ForKind::HostParallel:
            return "host.parallel";
    }
    ATIM_CHECK(false, "unknown ForKind {}", static_cast<int>(k));
    return "";
}

}  // namespace atim::ir
