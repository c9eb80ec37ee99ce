// Structural utilities over the IR: equality, substitution, variable use.
#pragma once

#include <map>
#include <unordered_map>

#include "atim/ir/expr.h"
#include "atim/ir/stmt.h"

namespace atim::ir {

/// Structural equality (variables and buffers compare by identity).
bool equal(const Expr &a, const Expr &b);
bool equal(const Stmt &a, const Stmt &b);

/// Replaces variables by expressions (keys compare by node identity).
using VarMap = std::unordered_map<const VarNode *, Expr>;
Expr substitute(const Expr &e, const VarMap &map);
Stmt substitute(const Stmt &s, const VarMap &map);

/// True when e (or s) reads variable v.
bool uses_var(const Expr &e, const VarNode *v);
bool uses_var(const Stmt &s, const VarNode *v);

}  // namespace atim::ir
