// Symbol and source-location look-ups of an assembled Program.
#include "atim/sim/program.h"

#include <fmt/format.h>

#include "atim/support/error.h"

namespace atim::sim {

const Symbol *Program::find_symbol(const std::string &name) const {
    auto it = symbols.find(name);
    return it == symbols.end() ? nullptr : &it->second;
}

const Symbol &Program::symbol(const std::string &name) const {
    const Symbol *found = find_symbol(name);
    if (!found)
        user_error("the DPU program defines no symbol '{}'; check the name or declare it in the assembly",
                   name);
    return *found;
}

std::string Program::where(uint32_t pc) const {
    if (pc >= locations.size()) return "?";
    const SourceLocation &loc = locations[pc];
    return fmt::format("{}:{}", files[loc.file], loc.line);
}

}  // namespace atim::sim
