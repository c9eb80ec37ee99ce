// PassLog: IR dumps between lowering passes.
#include "pass_log.h"

#include <algorithm>

#include "atim/ir/printer.h"

namespace atim::lower {

PassLog::PassLog(std::vector<std::string> wanted, std::ostream &out)
    : wanted_(std::move(wanted)), out_(out) {}

void PassLog::operator()(const std::string &pass, const ir::Stmt &s) const {
    bool asked = std::any_of(wanted_.begin(), wanted_.end(),
                             [&](const std::string &name) { return name == pass || name == "all"; });
    if (!asked) return;
    out_ << "// IR after " << pass << "\n" << (s.defined() ? ir::to_string(s) : std::string("(empty)\n"));
}

}  // namespace atim::lower
