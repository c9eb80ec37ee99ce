// PassLog: prints the kernel IR after the passes a user asked to see (--print-after PASS).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "atim/ir/stmt.h"

namespace atim::lower {

class PassLog {
public:
    /// `wanted`: pass names, or "all"; output goes to `out`.
    PassLog(std::vector<std::string> wanted, std::ostream &out);

    /// Prints `s` under a header naming the pass when that pass was asked for.
    void operator()(const std::string &pass, const ir::Stmt &s) const;

private:
    std::vector<std::string> wanted_;
    std::ostream &out_;
};

}  // namespace atim::lower
