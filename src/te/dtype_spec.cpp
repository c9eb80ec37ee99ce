// Parsing and lookup of --dtype: one element type for every tensor or one per tensor.
#include "atim/te/dtype_spec.h"

#include <fmt/format.h>

#include <algorithm>

#include "atim/support/error.h"
#include "te/comma_list.h"

namespace atim::te {

DTypeSpec DTypeSpec::parse(const std::string &text) {
    DTypeSpec spec;
    if (text.empty()) return spec;
    if (text.find('=') == std::string::npos) {
        spec.all_ = ir::parse_dtype(text);
        return spec;
    }
    for (const std::string &item : split_comma_list(text)) {
        const size_t equals = item.find('=');
        if (equals == std::string::npos || equals == 0 || equals + 1 == item.size())
            user_error("--dtype item '{}' must be TENSOR=TYPE, e.g. --dtype A=int8,B=int8,C=int32", item);
        const std::string tensor = item.substr(0, equals);
        if (spec.per_tensor_.contains(tensor))
            user_error("--dtype gives tensor '{}' twice; give each tensor once", tensor);
        spec.per_tensor_[tensor] = ir::parse_dtype(item.substr(equals + 1));
    }
    return spec;
}

ir::DType DTypeSpec::of(const std::string &tensor, ir::DType fallback) const {
    if (all_) return *all_;
    auto it = per_tensor_.find(tensor);
    return it == per_tensor_.end() ? fallback : it->second;
}

void DTypeSpec::check_tensor_names(const std::vector<std::string> &tensors,
                                   const std::string &context) const {
    for (const auto &[tensor, type] : per_tensor_) {
        if (std::find(tensors.begin(), tensors.end(), tensor) == tensors.end())
            user_error("{}: --dtype names tensor '{}', which it does not have; its tensors are {}", context,
                       tensor, fmt::join(tensors, ", "));
    }
}

}  // namespace atim::te
