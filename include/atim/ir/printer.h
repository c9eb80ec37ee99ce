// Human-readable text form of the IR (also the format of expected-IR tests and --emit ir).
#pragma once

#include <ostream>
#include <string>

#include "atim/ir/expr.h"
#include "atim/ir/stmt.h"

namespace atim::ir {

std::string to_string(const Expr &e);
/// Multi-line, two-space indented, e.g. "for (i, 0, 16) dpu.x {\n  C[i] = (A[i] + B[i])\n}\n".
std::string to_string(const Stmt &s);
std::ostream &operator<<(std::ostream &os, const Expr &e);
std::ostream &operator<<(std::ostream &os, const Stmt &s);

}  // namespace atim::ir
