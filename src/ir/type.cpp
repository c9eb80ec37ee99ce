// Names, sizes and parsing of the IR's scalar types, memory scopes and loop kinds.
#include "atim/ir/type.h"

#include "atim/support/error.h"

namespace atim::ir {

int bytes_of(DType t) {
    switch (t) {
        case DType::Bool:
            return 1;
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
    }
    ATIM_CHECK(false, "unknown DType {}", static_cast<int>(t));
    return "";
}

DType parse_dtype(const std::string &name) {
    if (name == "int32") return DType::Int32;
    if (name == "int64") return DType::Int64;
    user_error("unknown dtype '{}'; use int32 or int64", name);
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
