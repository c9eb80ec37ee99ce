// Prints IR expressions and statements as C99 for the UPMEM kernel and host programs: unique C identifiers,
// row-major flattening, floor division, and the kernel-only nodes (DMA, barrier) when printing a kernel.
#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "atim/ir/buffer.h"
#include "atim/ir/expr.h"
#include "atim/ir/stmt.h"

namespace atim::codegen {

/// C identifiers for IR variables and buffers: the IR name when free, else the name with a numeric suffix.
/// Identity is the node, so two IR variables that share a name get two C names.
class CNameTable {
public:
    CNameTable();
    /// Reserves a name the generated code uses for itself (never handed out).
    void reserve(const std::string &name);
    std::string name_of(const ir::VarNode *var);
    std::string name_of(const ir::Buffer &buffer);
    /// A new name of the generated code's own (e.g. a hoisted loop bound), derived from `hint`.
    std::string fresh(const std::string &hint);

private:
    std::unordered_map<const void *, std::string> names_;
    std::set<std::string> taken_;
};

/// "int32_t", "int64_t" ("int" for Bool).
const char *c_type(ir::DType t);

/// Definitions of the helper functions named in `used` (e.g. "atim_floordiv_i32"; all of them when empty is
/// not wanted, pass CPrinter::used_helpers()). Unused helpers are left out so that the output compiles
/// warning-free.
std::string c_helper_functions(const std::set<std::string> &used);

enum class CTarget : uint8_t { DpuKernel, Host };

/// Prints one program's statements; remembers which variables are provably non-negative so that floor
/// division and modulo become C's `/` and `%` where both agree.
class CPrinter {
public:
    CPrinter(CTarget target, CNameTable &names) : target_(target), names_(names) {}

    /// Declares a variable (grid coordinate, tasklet id) as known to be >= 0.
    void assume_non_negative(const ir::VarNode *var) { non_negative_.insert(var); }
    std::string expr(const ir::Expr &e);
    /// expr(e) without the conversion of a narrow result back to its type.
    std::string wide_expr(const ir::Expr &e);
    /// Appends `s` to `out`, each line indented by `indent` levels of four spaces.
    void stmt(const ir::Stmt &s, int indent, std::string &out);
    /// The helper functions (floor division, min, max) the printed code calls so far.
    const std::set<std::string> &used_helpers() const { return used_helpers_; }

private:
    bool is_non_negative(const ir::Expr &e) const;
    bool is_positive(const ir::Expr &e) const;
    std::string binary(const char *op, const ir::Expr &a, const ir::Expr &b);
    std::string helper_call(const char *helper, const ir::Expr &a, const ir::Expr &b);
    std::string element(const ir::Buffer &buffer, const std::vector<ir::Expr> &indices);
    void for_loop(const ir::For *loop, int indent, std::string &out);
    /// An OpenMP `parallel for` of the host epilogue (ForKind::HostParallel).
    void host_parallel_loop(const ir::For *loop, const char *type, const std::string &var,
                            const std::string &begin, const std::string &end_declaration,
                            const std::string &end, int indent, std::string &out);
    void dma(const ir::Dma *copy, int indent, std::string &out);
    void allocate(const ir::Allocate *alloc, int indent, std::string &out);

    CTarget target_;
    CNameTable &names_;
    std::unordered_set<const ir::VarNode *> non_negative_;
    std::set<std::string> used_helpers_;
};

}  // namespace atim::codegen
