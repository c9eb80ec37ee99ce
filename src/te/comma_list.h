// The items of a comma-separated command-line list ("A=int8,B=int8", "i=8192,k=8192"), as given: empty items
// are kept (the caller's check names them), and an empty text is one empty item.
#pragma once

#include <string>
#include <vector>

namespace atim::te {

inline std::vector<std::string> split_comma_list(const std::string &text) {
    std::vector<std::string> items;
    size_t start = 0;
    while (true) {
        const size_t comma = text.find(',', start);
        items.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) return items;
        start = comma + 1;
    }
}

}  // namespace atim::te
