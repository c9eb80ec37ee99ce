// IR to C text for the generated UPMEM programs.
#include "c_printer.h"

#include <fmt/format.h>

#include <cctype>
#include <limits>

#include "atim/support/error.h"

namespace atim::codegen {
namespace {

using namespace atim::ir;

// C keywords and the names of the SDK and C library the generated files use.
constexpr const char *kReservedNames[] = {
    "auto",      "break",      "case",     "char",    "const",        "continue",   "default",
    "do",        "double",     "else",     "enum",    "extern",       "float",      "for",
    "goto",      "if",         "inline",   "int",     "long",         "register",   "restrict",
    "return",    "short",      "signed",   "sizeof",  "static",       "struct",     "switch",
    "typedef",   "union",      "unsigned", "void",    "volatile",     "while",      "_Bool",
    "main",      "me",         "halt",     "barrier", "barrier_wait", "mem_alloc",  "mem_reset",
    "mram_read", "mram_write", "memcpy",   "memset",  "malloc",       "calloc",     "free",
    "printf",    "fprintf",    "exit",     "abs",     "min",          "max",        "time",
    "clock",     "index",      "dpu",      "set",     "NR_TASKLETS",  "tasklet_id", "dpu_args",
    "dpu_index", "nr_dpus",    "dir",      "argc",    "argv"};

std::string sanitize(const std::string &hint) {
    std::string name;
    for (char c : hint) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "v_" + name;
    // Identifiers starting with "atim_" or "__" belong to the generated helpers and the toolchain.
    if (name.rfind("atim_", 0) == 0 || name.rfind("__", 0) == 0) name = "t" + name;
    return name;
}

std::string constant(DType t, int64_t value) {
    if (t == DType::Bool) return value ? "1" : "0";
    if (t == DType::Int64) {
        if (value == std::numeric_limits<int64_t>::min()) return "INT64_MIN";
        return fmt::format("INT64_C({})", value);
    }
    if (value == std::numeric_limits<int32_t>::min()) return "INT32_MIN";
    return value < 0 ? fmt::format("({})", value) : fmt::format("{}", value);
}

std::string indentation(int indent) { return std::string(static_cast<size_t>(indent) * 4, ' '); }

/// "(a + b)" -> "a + b" when the first parenthesis closes at the end (for conditions and right-hand sides).
std::string without_outer_parens(const std::string &text) {
    if (text.size() < 2 || text.front() != '(' || text.back() != ')') return text;
    int depth = 0;
    for (size_t i = 0; i + 1 < text.size(); ++i) {
        depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
        if (depth == 0) return text;  // the first parenthesis closes before the end
    }
    return text.substr(1, text.size() - 2);
}

const char *helper_suffix(DType t) { return t == DType::Int64 ? "i64" : "i32"; }

}  // namespace

CNameTable::CNameTable() {
    for (const char *name : kReservedNames) taken_.insert(name);
}

void CNameTable::reserve(const std::string &name) { taken_.insert(name); }

std::string CNameTable::fresh(const std::string &hint) {
    std::string base = sanitize(hint);
    std::string name = base;
    for (int suffix = 1; taken_.count(name); ++suffix) name = fmt::format("{}_{}", base, suffix);
    taken_.insert(name);
    return name;
}

std::string CNameTable::name_of(const VarNode *var) {
    auto [it, inserted] = names_.try_emplace(var);
    if (inserted) it->second = fresh(var->name);
    return it->second;
}

std::string CNameTable::name_of(const Buffer &buffer) {
    auto [it, inserted] = names_.try_emplace(buffer.get());
    if (inserted) it->second = fresh(buffer->name);
    return it->second;
}

const char *c_type(DType t) {
    switch (t) {
        case DType::Bool:
            return "int";
        case DType::Int32:
            return "int32_t";
        case DType::Int64:
            return "int64_t";
        case DType::Int8:
            return "int8_t";
        case DType::UInt8:
            return "uint8_t";
        case DType::Int16:
            return "int16_t";
    }
    return "int32_t";
}

std::string c_helper_functions(const std::set<std::string> &used) {
    std::string out;
    for (const char *type : {"int32_t", "int64_t"}) {
        std::string suffix = std::string(type) == "int64_t" ? "i64" : "i32";
        auto wanted = [&](const char *helper) {
            return used.count(fmt::format("atim_{}_{}", helper, suffix)) > 0;
        };
        if (wanted("floordiv"))
            out += fmt::format(
                "static inline {0} atim_floordiv_{1}({0} a, {0} b) {{\n"
                "    {0} q = a / b;\n"
                "    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;\n"
                "}}\n",
                type, suffix);
        if (wanted("floormod"))
            out += fmt::format(
                "static inline {0} atim_floormod_{1}({0} a, {0} b) {{\n"
                "    {0} r = a % b;\n"
                "    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;\n"
                "}}\n",
                type, suffix);
        if (wanted("min"))
            out += fmt::format("static inline {0} atim_min_{1}({0} a, {0} b) {{ return a < b ? a : b; }}\n",
                               type, suffix);
        if (wanted("max"))
            out += fmt::format("static inline {0} atim_max_{1}({0} a, {0} b) {{ return a > b ? a : b; }}\n",
                               type, suffix);
    }
    if (out.empty()) return out;
    return "/* Floor division and modulo are the IR's semantics (C's / and % truncate toward zero). */\n" +
           out + "\n";
}

bool CPrinter::is_positive(const Expr &e) const {
    if (const int64_t *value = as_const_int(e)) return *value > 0;
    return false;
}

// A small, sound subset of bound analysis: enough for the index arithmetic lowering produces (loop variables
// from non-negative starts, grid coordinates, tasklet ids, constants, and sums/products/quotients of them).
bool CPrinter::is_non_negative(const Expr &e) const {
    switch (e.kind()) {
        case ExprKind::IntImm:
            return e.as<IntImm>()->value >= 0;
        case ExprKind::Var:
            return non_negative_.count(e.as<VarNode>()) > 0;
        case ExprKind::Add:
            return is_non_negative(e.as<Add>()->a) && is_non_negative(e.as<Add>()->b);
        case ExprKind::Mul:
            return is_non_negative(e.as<Mul>()->a) && is_non_negative(e.as<Mul>()->b);
        case ExprKind::Div:
            return is_non_negative(e.as<Div>()->a) && is_positive(e.as<Div>()->b);
        case ExprKind::Mod:
            return is_positive(e.as<Mod>()->b);  // floor modulo takes the divisor's sign
        case ExprKind::Min:
            return is_non_negative(e.as<Min>()->a) && is_non_negative(e.as<Min>()->b);
        case ExprKind::Max:
            return is_non_negative(e.as<Max>()->a) || is_non_negative(e.as<Max>()->b);
        case ExprKind::Select:
            return is_non_negative(e.as<Select>()->true_value) &&
                   is_non_negative(e.as<Select>()->false_value);
        case ExprKind::Cast:
            return is_non_negative(e.as<Cast>()->value);
        case ExprKind::Call:
            return e.as<Call>()->name == "tasklet_id";
        default:
            return false;
    }
}

std::string CPrinter::binary(const char *op, const Expr &a, const Expr &b) {
    return fmt::format("({} {} {})", expr(a), op, expr(b));
}

std::string CPrinter::helper_call(const char *helper, const Expr &a, const Expr &b) {
    std::string name = fmt::format("atim_{}_{}", helper, helper_suffix(a.dtype()));
    used_helpers_.insert(name);
    return fmt::format("{}({}, {})", name, expr(a), expr(b));
}

std::string CPrinter::element(const Buffer &buffer, const std::vector<Expr> &indices) {
    return fmt::format("{}[{}]", names_.name_of(buffer), expr(flatten_index(buffer, indices)));
}

std::string CPrinter::expr(const Expr &e) {
    ATIM_CHECK(e.defined(), "printing an undefined expression as C");
    // C computes int8/uint8/int16 operands in int; the IR wraps every result to its type (ir/type.h), so a
    // narrow + - * / % is converted back (the products of two narrow values fit int: no overflow).
    const bool narrow_arithmetic =
        bytes_of(e.dtype()) < 4 && e.dtype() != DType::Bool &&
        (e.kind() == ExprKind::Add || e.kind() == ExprKind::Sub || e.kind() == ExprKind::Mul ||
         e.kind() == ExprKind::Div || e.kind() == ExprKind::Mod);
    if (narrow_arithmetic) return fmt::format("(({}){})", c_type(e.dtype()), wide_expr(e));
    return wide_expr(e);
}

std::string CPrinter::wide_expr(const Expr &e) {
    switch (e.kind()) {
        case ExprKind::IntImm:
            return constant(e.dtype(), e.as<IntImm>()->value);
        case ExprKind::Var:
            return names_.name_of(e.as<VarNode>());
        case ExprKind::Add:
            return binary("+", e.as<Add>()->a, e.as<Add>()->b);
        case ExprKind::Sub:
            return binary("-", e.as<Sub>()->a, e.as<Sub>()->b);
        case ExprKind::Mul:
            return binary("*", e.as<Mul>()->a, e.as<Mul>()->b);
        case ExprKind::Div: {
            const auto *op = e.as<Div>();
            if (is_non_negative(op->a) && is_positive(op->b)) return binary("/", op->a, op->b);
            return helper_call("floordiv", op->a, op->b);
        }
        case ExprKind::Mod: {
            const auto *op = e.as<Mod>();
            if (is_non_negative(op->a) && is_positive(op->b)) return binary("%", op->a, op->b);
            return helper_call("floormod", op->a, op->b);
        }
        case ExprKind::Min:
            return helper_call("min", e.as<Min>()->a, e.as<Min>()->b);
        case ExprKind::Max:
            return helper_call("max", e.as<Max>()->a, e.as<Max>()->b);
        case ExprKind::EQ:
            return binary("==", e.as<EQ>()->a, e.as<EQ>()->b);
        case ExprKind::NE:
            return binary("!=", e.as<NE>()->a, e.as<NE>()->b);
        case ExprKind::LT:
            return binary("<", e.as<LT>()->a, e.as<LT>()->b);
        case ExprKind::LE:
            return binary("<=", e.as<LE>()->a, e.as<LE>()->b);
        case ExprKind::GT:
            return binary(">", e.as<GT>()->a, e.as<GT>()->b);
        case ExprKind::GE:
            return binary(">=", e.as<GE>()->a, e.as<GE>()->b);
        case ExprKind::And:
            return binary("&&", e.as<And>()->a, e.as<And>()->b);
        case ExprKind::Or:
            return binary("||", e.as<Or>()->a, e.as<Or>()->b);
        case ExprKind::Not:
            return fmt::format("(!{})", expr(e.as<Not>()->a));
        case ExprKind::Select: {
            const auto *op = e.as<Select>();
            return fmt::format("({} ? {} : {})", expr(op->cond), expr(op->true_value), expr(op->false_value));
        }
        case ExprKind::Cast:
            return fmt::format("(({}){})", c_type(e.dtype()), expr(e.as<Cast>()->value));
        case ExprKind::Load:
            return element(e.as<Load>()->buffer, e.as<Load>()->indices);
        case ExprKind::Call: {
            const auto *op = e.as<Call>();
            ATIM_CHECK(op->name == "tasklet_id" && op->args.empty() && target_ == CTarget::DpuKernel,
                       "no C form for intrinsic {} in {} code", op->name,
                       target_ == CTarget::DpuKernel ? "kernel" : "host");
            return "tasklet_id";
        }
    }
    ATIM_CHECK(false, "unknown expression kind {}", static_cast<int>(e.kind()));
}

void CPrinter::for_loop(const For *loop, int indent, std::string &out) {
    ATIM_CHECK(!is_dpu_binding(loop->for_kind), "a DPU-grid loop over {} is left in lowered code",
               loop->var.name());
    std::string var = names_.name_of(loop->var.get());
    const char *type = c_type(loop->var.dtype());
    if (is_non_negative(loop->min)) non_negative_.insert(loop->var.get());
    std::string begin = expr(loop->min);
    std::string end = without_outer_parens(is_const_int(loop->min, 0) ? expr(loop->extent)
                                                                      : binary("+", loop->min, loop->extent));
    // A bound that is not a literal is computed once, not at every iteration.
    std::string end_declaration;
    if (!as_const_int(loop->extent) || !as_const_int(loop->min)) {
        std::string end_name = names_.fresh(var + "_end");
        end_declaration = fmt::format(", {} = {}", end_name, end);
        end = end_name;
    }
    std::string pad = indentation(indent);
    if (loop->for_kind == ForKind::Tasklet) {
        ATIM_CHECK(target_ == CTarget::DpuKernel, "a tasklet loop in host code");
        // Tasklets take the iterations round-robin, as the SDK's own examples do.
        out += fmt::format("{}for ({} {} = {} + ({})tasklet_id{}; {} < {}; {} += NR_TASKLETS) {{\n", pad,
                           type, var, begin, type, end_declaration, var, end, var);
    } else if (loop->for_kind == ForKind::HostParallel) {
        host_parallel_loop(loop, type, var, begin, end_declaration, end, indent, out);
        return;
    } else {
        if (loop->for_kind == ForKind::Unrolled) out += pad + "#pragma clang loop unroll(full)\n";
        out += fmt::format("{}for ({} {} = {}{}; {} < {}; ++{}) {{\n", pad, type, var, begin, end_declaration,
                           var, end, var);
    }
    stmt(loop->body, indent + 1, out);
    out += pad + "}\n";
}

void CPrinter::host_parallel_loop(const For *loop, const char *type, const std::string &var,
                                  const std::string &begin, const std::string &end_declaration,
                                  const std::string &end, int indent, std::string &out) {
    ATIM_CHECK(target_ == CTarget::Host, "a host-parallel loop in kernel code");
    std::string pad = indentation(indent);
    // OpenMP's canonical loop form allows one declaration in the init clause, so a computed bound is
    // declared in an enclosing block. No num_threads clause: the team is OpenMP's default and at most
    // min(extent, team) threads get iterations, which is what the host-work model charges (with the team
    // taken as one socket's cores).
    int body_indent = indent;
    if (!end_declaration.empty()) {
        out += fmt::format("{}{{\n{}    const {} {};\n", pad, pad, type, end_declaration.substr(2));
        body_indent = indent + 1;
    }
    std::string loop_pad = indentation(body_indent);
    out += loop_pad + "#pragma omp parallel for\n";
    out += fmt::format("{}for ({} {} = {}; {} < {}; ++{}) {{\n", loop_pad, type, var, begin, var, end, var);
    stmt(loop->body, body_indent + 1, out);
    out += loop_pad + "}\n";
    if (!end_declaration.empty()) out += pad + "}\n";
}

void CPrinter::dma(const Dma *copy, int indent, std::string &out) {
    ATIM_CHECK(target_ == CTarget::DpuKernel, "a DMA in host code");
    std::string mram = fmt::format("(__mram_ptr void{} *)&{}[{}]",
                                   copy->direction == DmaDirection::MramToWram ? " const" : "",
                                   names_.name_of(copy->mram), expr(copy->mram_offset));
    std::string wram = fmt::format("&{}[{}]", names_.name_of(copy->wram), expr(copy->wram_offset));
    std::string bytes = expr(copy->bytes);
    if (copy->direction == DmaDirection::MramToWram)
        out += fmt::format("{}mram_read({}, {}, {});\n", indentation(indent), mram, wram, bytes);
    else
        out += fmt::format("{}mram_write({}, {}, {});\n", indentation(indent), wram, mram, bytes);
}

void CPrinter::allocate(const Allocate *alloc, int indent, std::string &out) {
    const Buffer &buffer = alloc->buffer;
    if (target_ == CTarget::DpuKernel) {
        // The kernel emitter declares WRAM buffers once at kernel entry (per-tasklet mem_alloc, shared
        // globals): allocating inside loops would exhaust the bump allocator.
        ATIM_CHECK(buffer->scope == MemScope::WramLocal || buffer->scope == MemScope::WramShared,
                   "kernel allocation of {} in scope {}", buffer->name, to_string(buffer->scope));
        stmt(alloc->body, indent, out);
        return;
    }
    std::string name = names_.name_of(buffer);
    std::string pad = indentation(indent);
    out += fmt::format("{}{{\n{}    {} *{} = ({} *)atim_checked_calloc({}, sizeof({}));\n", pad, pad,
                       c_type(buffer->dtype), name, c_type(buffer->dtype), buffer->num_elements(),
                       c_type(buffer->dtype));
    stmt(alloc->body, indent + 1, out);
    out += fmt::format("{}    free({});\n{}}}\n", pad, name, pad);
}

void CPrinter::stmt(const Stmt &s, int indent, std::string &out) {
    if (!s.defined()) return;
    std::string pad = indentation(indent);
    switch (s.kind()) {
        case StmtKind::Store: {
            const auto *op = s.as<Store>();
            out += fmt::format("{}{} = {};\n", pad, element(op->buffer, op->indices),
                               without_outer_parens(expr(op->value)));
            return;
        }
        case StmtKind::For:
            return for_loop(s.as<For>(), indent, out);
        case StmtKind::IfThenElse: {
            const auto *op = s.as<IfThenElse>();
            out += fmt::format("{}if ({}) {{\n", pad, without_outer_parens(expr(op->cond)));
            stmt(op->then_case, indent + 1, out);
            if (op->else_case.defined()) {
                out += pad + "} else {\n";
                stmt(op->else_case, indent + 1, out);
            }
            out += pad + "}\n";
            return;
        }
        case StmtKind::Seq:
            for (const Stmt &child : s.as<Seq>()->stmts) stmt(child, indent, out);
            return;
        case StmtKind::LetStmt: {
            const auto *op = s.as<LetStmt>();
            if (is_non_negative(op->value)) non_negative_.insert(op->var.get());
            out += fmt::format("{}{{\n{}    const {} {} = {};\n", pad, pad, c_type(op->var.dtype()),
                               names_.name_of(op->var.get()), without_outer_parens(expr(op->value)));
            stmt(op->body, indent + 1, out);
            out += pad + "}\n";
            return;
        }
        case StmtKind::Allocate:
            return allocate(s.as<Allocate>(), indent, out);
        case StmtKind::Evaluate:
            out += fmt::format("{}(void){};\n", pad, expr(s.as<Evaluate>()->value));
            return;
        case StmtKind::Barrier:
            ATIM_CHECK(target_ == CTarget::DpuKernel, "a barrier in host code");
            out += pad + "barrier_wait(&barrier);\n";
            return;
        case StmtKind::Dma:
            return dma(s.as<Dma>(), indent, out);
    }
}

}  // namespace atim::codegen
