// KernelEmitter, expressions and conditions: instruction selection for 32-bit values and 64-bit register
// pairs, fused compare-and-branch, addresses of WRAM and MRAM elements.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "atim/arith/linear_form.h"
#include "atim/ir/buffer.h"
#include "atim/ir/functor.h"
#include "atim/support/error.h"
#include "codegen/dpu/kernel_emitter.h"

namespace atim::codegen::dpu {
namespace {

using ir::ExprKind;

uint32_t low_word(int64_t v) { return static_cast<uint32_t>(static_cast<uint64_t>(v)); }
uint32_t high_word(int64_t v) { return static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32); }

/// log2(v) when v is a positive power of two, else -1.
int exact_log2(int64_t v) {
    return v > 0 && std::has_single_bit(static_cast<uint64_t>(v)) ? std::countr_zero(static_cast<uint64_t>(v))
                                                                  : -1;
}

/// e = rest + constant, with rest undefined when e is a constant.
std::pair<ir::Expr, int64_t> split_constant(const ir::Expr &e) {
    if (const int64_t *value = ir::as_const_int(e)) return {ir::Expr(), *value};
    if (const auto *add = e.as<ir::Add>()) {
        if (const int64_t *c = ir::as_const_int(add->b)) {
            auto [rest, inner] = split_constant(add->a);
            if (rest.defined()) return {rest, inner + *c};
        }
    }
    if (const auto *sub = e.as<ir::Sub>()) {
        if (const int64_t *c = ir::as_const_int(sub->b)) {
            auto [rest, inner] = split_constant(sub->a);
            if (rest.defined()) return {rest, inner - *c};
        }
    }
    return {e, 0};
}

std::pair<ir::Expr, ir::Expr> operands_of(const ir::Expr &e) {
    switch (e.kind()) {
#define ATIM_OPERANDS(K)          \
    case ExprKind::K: {           \
        auto *op = e.as<ir::K>(); \
        return {op->a, op->b};    \
    }
        ATIM_OPERANDS(Add)
        ATIM_OPERANDS(Sub)
        ATIM_OPERANDS(Mul)
        ATIM_OPERANDS(Div)
        ATIM_OPERANDS(Mod)
        ATIM_OPERANDS(Min)
        ATIM_OPERANDS(Max)
        ATIM_OPERANDS(EQ)
        ATIM_OPERANDS(NE)
        ATIM_OPERANDS(LT)
        ATIM_OPERANDS(LE)
        ATIM_OPERANDS(GT)
        ATIM_OPERANDS(GE)
        ATIM_OPERANDS(And)
        ATIM_OPERANDS(Or)
#undef ATIM_OPERANDS
        default:
            ATIM_CHECK(false, "not a binary expression");
    }
}

bool is_comparison(ExprKind k) {
    return k == ExprKind::EQ || k == ExprKind::NE || k == ExprKind::LT || k == ExprKind::LE ||
           k == ExprKind::GT || k == ExprKind::GE;
}

/// The comparison that holds exactly when k does not.
ExprKind negated(ExprKind k) {
    switch (k) {
        case ExprKind::EQ:
            return ExprKind::NE;
        case ExprKind::NE:
            return ExprKind::EQ;
        case ExprKind::LT:
            return ExprKind::GE;
        case ExprKind::GE:
            return ExprKind::LT;
        case ExprKind::LE:
            return ExprKind::GT;
        case ExprKind::GT:
            return ExprKind::LE;
        default:
            ATIM_CHECK(false, "not a comparison");
    }
}

/// The comparison with its operands swapped (a < b == b > a).
ExprKind mirrored(ExprKind k) {
    switch (k) {
        case ExprKind::LT:
            return ExprKind::GT;
        case ExprKind::GT:
            return ExprKind::LT;
        case ExprKind::LE:
            return ExprKind::GE;
        case ExprKind::GE:
            return ExprKind::LE;
        default:
            return k;
    }
}

/// Condition name after a subtraction a - b [upmem-hardware.md §2].
const char *condition_name(ExprKind k) {
    switch (k) {
        case ExprKind::EQ:
            return "z";
        case ExprKind::NE:
            return "nz";
        case ExprKind::LT:
            return "lts";
        case ExprKind::LE:
            return "les";
        case ExprKind::GT:
            return "gts";
        case ExprKind::GE:
            return "ges";
        default:
            ATIM_CHECK(false, "not a comparison");
    }
}

const char *compare_jump(ExprKind k) {
    switch (k) {
        case ExprKind::EQ:
            return "jeq";
        case ExprKind::NE:
            return "jneq";
        case ExprKind::LT:
            return "jlts";
        case ExprKind::LE:
            return "jles";
        case ExprKind::GT:
            return "jgts";
        case ExprKind::GE:
            return "jges";
        default:
            ATIM_CHECK(false, "not a comparison");
    }
}

bool holds(ExprKind k, int64_t a, int64_t b) {
    switch (k) {
        case ExprKind::EQ:
            return a == b;
        case ExprKind::NE:
            return a != b;
        case ExprKind::LT:
            return a < b;
        case ExprKind::LE:
            return a <= b;
        case ExprKind::GT:
            return a > b;
        case ExprKind::GE:
            return a >= b;
        default:
            ATIM_CHECK(false, "not a comparison");
    }
}

/// Folds an operation on two constants exactly as the interpreter computes it; nullopt when it cannot
/// (division by zero is left to run time).
std::optional<int64_t> fold(ExprKind k, ir::DType type, int64_t a, int64_t b) {
    switch (k) {
        case ExprKind::Add:
            return arith::wrap_to(type, arith::wrapping_add(a, b));
        case ExprKind::Sub:
            return arith::wrap_to(type,
                                  static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b)));
        case ExprKind::Mul:
            return arith::wrap_to(type, arith::wrapping_mul(a, b));
        case ExprKind::Div:
            if (b == 0) return std::nullopt;
            return arith::wrap_to(type, arith::floor_div(a, b));
        case ExprKind::Mod:
            if (b == 0) return std::nullopt;
            return arith::wrap_to(type, arith::floor_mod(a, b));
        case ExprKind::Min:
            return std::min(a, b);
        case ExprKind::Max:
            return std::max(a, b);
        case ExprKind::And:
            return int64_t{a != 0 && b != 0};
        case ExprKind::Or:
            return int64_t{a != 0 || b != 0};
        default:
            return int64_t{holds(k, a, b)};
    }
}

std::vector<std::pair<int, int>> non_adjacent_form(int64_t v);

/// Multiplying by `factor` needs no runtime call (a shift, or a few shifted adds for 32-bit values).
bool multiply_by_constant_is_inline(int64_t factor, bool pair) {
    factor = arith::wrap_to(pair ? ir::DType::Int64 : ir::DType::Int32, factor);
    if (factor == 0 || factor == 1 || exact_log2(factor) > 0) return true;
    if (pair) return false;
    auto digits = non_adjacent_form(factor);
    return std::count_if(digits.begin(), digits.end(), [](const auto &d) { return d.first < 32; }) <= 5;
}

/// True when evaluating the expression calls no runtime routine (so r0..r7 survive it).
class CallFinder : public ir::Visitor {
public:
    using ir::Visitor::visit;
    bool calls = false;

protected:
    void visit(const ir::Mul *op) override {
        const int64_t *a = ir::as_const_int(op->a), *b = ir::as_const_int(op->b);
        const bool pair = op->dtype == ir::DType::Int64;
        if (!(a && b) && !(a && multiply_by_constant_is_inline(*a, pair)) &&
            !(b && multiply_by_constant_is_inline(*b, pair)) && !is_narrow_multiply(ir::Expr(), op->a, op->b))
            calls = true;
        ir::Visitor::visit(op);
    }
    void visit(const ir::Div *op) override {
        divisor(op->b);
        ir::Visitor::visit(op);
    }
    void visit(const ir::Mod *op) override {
        divisor(op->b);
        ir::Visitor::visit(op);
    }

private:
    void divisor(const ir::Expr &b) {
        const int64_t *value = ir::as_const_int(b);
        if (!value || (*value != 1 && exact_log2(*value) <= 0)) calls = true;
    }
};

bool is_call_free(const ir::Expr &e) {
    CallFinder finder;
    finder.visit(e);
    return !finder.calls;
}

bool is_wram_load(const ir::Expr &e) {
    const auto *load = e.as<ir::Load>();
    return load && (load->buffer->scope == ir::MemScope::WramLocal ||
                    load->buffer->scope == ir::MemScope::WramShared);
}

/// Non-adjacent form of v: signed binary digits (+1/-1 at a bit position), none adjacent; the fewest
/// additions and subtractions of shifted copies that multiply by v.
std::vector<std::pair<int, int>> non_adjacent_form(int64_t v) {
    std::vector<std::pair<int, int>> digits;  // (bit, +1/-1)
    for (int bit = 0; v != 0 && bit < 64; ++bit) {
        if (v & 1) {
            int digit = 2 - static_cast<int>(((v % 4) + 4) % 4);
            digits.push_back({bit, digit});
            v -= digit;
        }
        v /= 2;
    }
    return digits;
}

}  // namespace

// --- value plumbing ---

Value KernelEmitter::new_temp(bool pair) { return Value::temporary(temps_.allocate(pair), pair); }

int KernelEmitter::reg(Value &v) {
    switch (v.kind) {
        case Value::Kind::Fixed:
            return v.reg;
        case Value::Kind::Temp:
            return temps_.reg(v.temp);
        case Value::Kind::Imm:
            break;
    }
    if (!v.pair && v.imm == 0) return kZeroRegister;
    Value t = new_temp(v.pair);
    int r = temps_.reg(t.temp);
    if (v.pair) {
        out_.ins("move r{}, {}", r, high_word(v.imm));
        out_.ins("move r{}, {}", r + 1, low_word(v.imm));
    } else {
        out_.ins("move r{}, {}", r, static_cast<int32_t>(v.imm));
    }
    v = t;
    return r;
}

std::string KernelEmitter::operand(Value &v) {
    if (v.is_imm())
        return v.pair ? std::to_string(low_word(v.imm)) : std::to_string(static_cast<int32_t>(v.imm));
    int r = reg(v);
    return register_name(v.pair ? r + 1 : r);
}

std::string KernelEmitter::operand_high(Value &v) {
    ATIM_CHECK(v.pair, "high word of a 32-bit value");
    if (v.is_imm()) return std::to_string(high_word(v.imm));
    return register_name(reg(v));
}

Value KernelEmitter::own(Value v) {
    if (v.kind == Value::Kind::Temp) {
        temps_.reg(v.temp);
        return v;
    }
    Value t = new_temp(v.pair);
    int r = temps_.reg(t.temp);
    if (v.is_imm() && v.pair) {
        out_.ins("move r{}, {}", r, high_word(v.imm));
        out_.ins("move r{}, {}", r + 1, low_word(v.imm));
    } else if (v.is_imm()) {
        out_.ins("move r{}, {}", r, static_cast<int32_t>(v.imm));
    } else if (v.pair) {
        out_.ins("movd {}, {}", pair_name(r), pair_name(v.reg));
    } else {
        out_.ins("move r{}, {}", r, register_name(v.reg));
    }
    return t;
}

Value KernelEmitter::destination(Value &a, Value &b, bool pair) {
    Value d;
    if (a.kind == Value::Kind::Temp && a.pair == pair) {
        d = a;
        a = Value::constant(0, false);
    } else if (b.kind == Value::Kind::Temp && b.pair == pair) {
        d = b;
        b = Value::constant(0, false);
    } else {
        d = new_temp(pair);
    }
    temps_.reg(d.temp);
    drop(a);
    drop(b);
    return d;
}

void KernelEmitter::drop(Value &v) {
    if (v.kind == Value::Kind::Temp) temps_.release(v.temp);
    v = Value::constant(0, false);
}

Value KernelEmitter::finish(Value v) {
    if (v.kind == Value::Kind::Temp) temps_.unpin(v.temp);
    return v;
}

Value KernelEmitter::shift_or_mask(const char *mnemonic, Value v, int64_t amount) {
    std::string source = register_name(reg(v));
    Value none;
    Value d = destination(v, none, false);
    out_.ins("{} {}, {}, {}", mnemonic, register_name(reg(d)), source, amount);
    return finish(d);
}

void KernelEmitter::move_to(int target, Value &v) {
    if (v.kind == Value::Kind::Fixed && v.reg == target) return;  // already there (load_into)
    if (v.pair && v.is_imm()) {
        out_.ins("move r{}, {}", target, high_word(v.imm));
        out_.ins("move r{}, {}", target + 1, low_word(v.imm));
    } else if (v.pair) {
        out_.ins("movd {}, {}", pair_name(target), pair_name(reg(v)));
    } else {
        out_.ins("move r{}, {}", target, operand(v));
    }
}

// --- expressions ---

Value KernelEmitter::eval(const ir::Expr &e) {
    ATIM_CHECK(e.defined(), "undefined expression in a kernel");
    const bool result_may_stay_in_r0 = std::exchange(call_result_may_stay_in_r0_, false);
    const bool pair = e.dtype() == ir::DType::Int64;
    switch (e.kind()) {
        case ExprKind::IntImm:
            return Value::constant(e.as<ir::IntImm>()->value, pair);
        case ExprKind::Var:
            return variable(e.as<ir::VarNode>());
        case ExprKind::Call: {
            const auto *call = e.as<ir::Call>();
            ATIM_CHECK(call->name == "tasklet_id" && call->args.empty(),
                       "the DPU code generator knows no intrinsic '{}'", call->name);
            return Value::fixed(kIdRegister, false);
        }
        case ExprKind::Not: {
            Value v = eval(e.as<ir::Not>()->a);
            if (v.is_imm()) return Value::constant(v.imm == 0, false);
            int r = reg(v);
            Value none;
            Value d = destination(v, none, false);
            out_.ins("xor {}, {}, 1", register_name(reg(d)), register_name(r));
            return finish(d);
        }
        case ExprKind::Select:
            return select(*e.as<ir::Select>());
        case ExprKind::Cast:
            return cast(*e.as<ir::Cast>());
        case ExprKind::Load:
            return load(*e.as<ir::Load>());
        default:
            return binary(e, result_may_stay_in_r0);
    }
}

Value KernelEmitter::variable(const ir::VarNode *var) {
    auto found = variables_.find(var);
    ATIM_CHECK(found != variables_.end(), "kernel variable {} has no value here", var->name);
    const Location &location = found->second;
    if (location.reg >= 0) return Value::fixed(location.reg, location.pair);
    Value t = new_temp(location.pair);
    int r = reg(t);
    if (location.pair) {
        out_.ins("ld {}, r22, {}", pair_name(r), location.slot);
    } else {
        out_.ins("lw r{}, r22, {}", r, location.slot);
    }
    return finish(t);
}

Value KernelEmitter::binary(const ir::Expr &e, bool result_may_stay_in_r0) {
    auto [ea, eb] = operands_of(e);
    const ExprKind kind = e.kind();
    if (kind == ExprKind::Mul && !ir::as_const_int(ea) && !ir::as_const_int(eb) &&
        is_narrow_multiply(e, ea, eb)) {
        Value a = eval(ea);
        Value b = eval(eb);
        return wrap_narrow(e.dtype(), multiply_narrow(a, narrow_operand_type(ea).value_or(ir::DType::Int32),
                                                      b, narrow_operand_type(eb).value_or(ir::DType::Int32)));
    }
    if (kind == ExprKind::Mul && !ir::as_const_int(ea) && !ir::as_const_int(eb))
        return multiply_in_place(ea, eb, result_may_stay_in_r0);
    Value a = eval(ea);
    // Multiply and divide move their operands into r0/r1 first, so only other operations may read b from r0.
    call_result_may_stay_in_r0_ = kind != ExprKind::Mul && kind != ExprKind::Div && kind != ExprKind::Mod;
    Value b = eval(eb);
    call_result_may_stay_in_r0_ = false;
    if (a.is_imm() && b.is_imm()) {
        if (auto folded = fold(kind, ea.dtype(), a.imm, b.imm))
            return Value::constant(*folded, e.dtype() == ir::DType::Int64);
    }
    const ir::DType t = e.dtype();
    switch (kind) {
        case ExprKind::Add:
            return wrap_narrow(t, add_sub(false, a, b));
        case ExprKind::Sub:
            return wrap_narrow(t, add_sub(true, a, b));
        case ExprKind::Mul:
            return wrap_narrow(t, multiply(a, b, result_may_stay_in_r0 && !narrowing_mnemonic(t)));
        case ExprKind::Div:
            return wrap_narrow(t, divide(false, a, b));
        case ExprKind::Mod:
            return wrap_narrow(t, divide(true, a, b));
        case ExprKind::Min:
            return min_max(true, a, b);
        case ExprKind::Max:
            return min_max(false, a, b);
        case ExprKind::And:
            return logic("and", a, b);
        case ExprKind::Or:
            return logic("or", a, b);
        default:
            ATIM_CHECK(is_comparison(kind), "unexpected expression kind");
            return compare(kind, a, b);
    }
}

Value KernelEmitter::add_sub(bool subtract, Value a, Value b) {
    if (!a.pair) {
        if (subtract && a.is_imm()) {
            const auto minuend = static_cast<int32_t>(a.imm);
            int rb = reg(b);
            Value d = destination(a, b, false);
            out_.ins("rsub {}, {}, {}", register_name(reg(d)), register_name(rb), minuend);
            return finish(d);
        }
        if (!subtract && a.is_imm()) std::swap(a, b);
        int ra = reg(a);
        std::string ob = operand(b);
        Value d = destination(a, b, false);
        out_.ins("{} {}, {}, {}", subtract ? "sub" : "add", register_name(reg(d)), register_name(ra), ob);
        return finish(d);
    }
    if (!subtract && a.is_imm()) std::swap(a, b);
    int ra = reg(a);
    std::string low = operand(b), high = operand_high(b);
    Value d = destination(a, b, true);
    int rd = reg(d);
    out_.ins("{} r{}, r{}, {}", subtract ? "sub" : "add", rd + 1, ra + 1, low);
    out_.ins("{} r{}, r{}, {}", subtract ? "subc" : "addc", rd, ra, high);
    return finish(d);
}

Value KernelEmitter::logic(const char *op, Value a, Value b) {
    if (a.is_imm()) std::swap(a, b);
    int ra = reg(a);
    std::string ob = operand(b);
    Value d = destination(a, b, false);
    out_.ins("{} {}, {}, {}", op, register_name(reg(d)), register_name(ra), ob);
    return finish(d);
}

// 32-bit products by a constant are shifts and adds when that is short (the compiler's strength reduction);
// anything else calls the runtime's mul_step ladders (__mulsi3, __muldi3) [upmem-hardware.md §2.1].
Value KernelEmitter::multiply(Value a, Value b, bool result_may_stay_in_r0) {
    if (a.is_imm()) std::swap(a, b);
    if (b.is_imm()) return multiply_by_constant(a, b.imm);
    const bool pair = a.pair;
    move_to(0, a);
    move_to(pair ? 2 : 1, b);
    drop(a);
    drop(b);
    out_.ins("call r23, {}", pair ? "__muldi3" : "__mulsi3");
    if (result_may_stay_in_r0) return Value::fixed(0, pair);
    Value d = new_temp(pair);
    if (pair) {
        out_.ins("movd {}, d0", pair_name(reg(d)));
    } else {
        out_.ins("move {}, r0", register_name(reg(d)));
    }
    return finish(d);
}

Value KernelEmitter::multiply_in_place(const ir::Expr &ea, const ir::Expr &eb, bool result_may_stay_in_r0) {
    const bool pair = ea.dtype() == ir::DType::Int64;
    // a may wait in r0 only if evaluating b calls nothing; b goes to r1 (d2) last, right before the call.
    Value a = is_wram_load(ea) && is_call_free(eb) ? load_into(*ea.as<ir::Load>(), 0) : eval(ea);
    Value b = is_wram_load(eb) ? load_into(*eb.as<ir::Load>(), pair ? 2 : 1) : eval(eb);
    if (a.is_imm() && b.is_imm())
        return Value::constant(arith::wrap_to(ea.dtype(), arith::wrapping_mul(a.imm, b.imm)), pair);
    const bool narrow = narrowing_mnemonic(ea.dtype()) != nullptr;
    return wrap_narrow(ea.dtype(), multiply(a, b, result_may_stay_in_r0 && !narrow));
}

Value KernelEmitter::load_into(const ir::Load &op, int target) {
    const ir::Buffer &buffer = op.buffer;
    const bool pair = buffer->dtype == ir::DType::Int64;
    Address address = wram_address(buffer, ir::flatten_index(buffer, op.indices));
    std::string base = register_name(reg(address.base));
    if (pair) {
        out_.ins("ld {}, {}, {}", pair_name(target), base, address.offset);
    } else {
        out_.ins("{} r{}, {}, {}", load_mnemonic(buffer->dtype), target, base, address.offset);
    }
    drop(address.base);
    return Value::fixed(target, pair);
}

Value KernelEmitter::multiply_by_constant(Value a, int64_t factor) {
    const bool pair = a.pair;
    factor = arith::wrap_to(pair ? ir::DType::Int64 : ir::DType::Int32, factor);
    if (factor == 0) {
        drop(a);
        return Value::constant(0, pair);
    }
    if (factor == 1) return a;
    if (int shift = exact_log2(factor); shift > 0 && !pair) return shift_or_mask("lsl", a, shift);
    if (int shift = exact_log2(factor); shift > 0) {
        Value d = own(a);
        int r = reg(d);
        if (shift < 32) {
            out_.ins("lsl r{}, r{}, {}", r, r, shift);
            out_.ins("lsr_add r{}, r{}, r{}, {}", r, r, r + 1, 32 - shift);
            out_.ins("lsl r{}, r{}, {}", r + 1, r + 1, shift);
        } else {
            out_.ins("lsl r{}, r{}, {}", r, r + 1, shift - 32);
            out_.ins("move r{}, zero", r + 1);
        }
        return finish(d);
    }
    auto digits = non_adjacent_form(factor);
    std::erase_if(digits, [](const auto &digit) { return digit.first >= 32; });  // vanish modulo 2^32
    constexpr size_t kMaxShiftAdds = 5;  // beyond this the mul_step ladder of __mulsi3 is as fast
    if (pair || digits.size() > kMaxShiftAdds) {
        Value b = Value::constant(factor, pair);
        move_to(0, a);
        move_to(pair ? 2 : 1, b);
        drop(a);
        out_.ins("call r23, {}", pair ? "__muldi3" : "__mulsi3");
        Value d = new_temp(pair);
        if (pair) {
            out_.ins("movd {}, d0", pair_name(reg(d)));
        } else {
            out_.ins("move {}, r0", register_name(reg(d)));
        }
        return finish(d);
    }
    int ra = reg(a);
    Value d = new_temp(false);
    int rd = reg(d);
    bool first = true;
    for (auto [bit, sign] : digits) {
        out_.ins("{} r{}, {}, {}, {}", sign > 0 ? "lsl_add" : "lsl_sub", rd,
                 first ? "zero" : register_name(rd), register_name(ra), bit);
        first = false;
    }
    drop(a);
    return finish(d);
}

// Floor division and modulo (the IR's semantics): by a positive power of two they are an arithmetic shift and
// a mask (two's complement makes both round toward -infinity); otherwise the kernel's floor-divmod routine
// fixes up the runtime's truncating division.
Value KernelEmitter::divide(bool modulo, Value a, Value b) {
    const bool pair = a.pair;
    if (b.is_imm() && b.imm == 1) {
        if (!modulo) return a;
        drop(a);
        return Value::constant(0, pair);
    }
    int shift = b.is_imm() ? exact_log2(b.imm) : -1;
    if (shift > 0 && !pair)
        return modulo ? shift_or_mask("and", a, (int64_t{1} << shift) - 1) : shift_or_mask("asr", a, shift);
    if (shift > 0) {
        Value d = own(a);
        int r = reg(d);
        if (modulo) {
            if (shift < 32) {
                out_.ins("and r{}, r{}, {}", r + 1, r + 1, low_word((int64_t{1} << shift) - 1));
                out_.ins("move r{}, zero", r);
            } else {
                out_.ins("and r{}, r{}, {}", r, r, low_word((int64_t{1} << (shift - 32)) - 1));
            }
        } else if (shift < 32) {
            out_.ins("lsr r{}, r{}, {}", r + 1, r + 1, shift);
            out_.ins("lsl_add r{}, r{}, r{}, {}", r + 1, r + 1, r, 32 - shift);
            out_.ins("asr r{}, r{}, {}", r, r, shift);
        } else {
            out_.ins("asr r{}, r{}, {}", r + 1, r, shift - 32);
            out_.ins("asr r{}, r{}, 31", r, r);
        }
        return finish(d);
    }
    if (pair)
        user_error(
            "the DPU code generator divides int64 values only by powers of two; keep index arithmetic in "
            "int32 "
            "or use power-of-two tile sizes");
    uses_floor_divmod_ = true;
    move_to(0, a);
    move_to(1, b);
    drop(a);
    drop(b);
    out_.ins("call r23, {}", kFloorDivmodRoutine);
    Value d = new_temp(false);
    out_.ins("move {}, {}", register_name(reg(d)), modulo ? "r1" : "r0");
    return finish(d);
}

Value KernelEmitter::min_max(bool is_min, Value a, Value b) {
    if (a.is_imm()) std::swap(a, b);
    Value d = own(a);
    int rd = reg(d);
    std::string keep = out_.new_label(is_min ? "min" : "max");
    if (!d.pair) {
        std::string ob = operand(b);
        out_.ins("{} r{}, {}, {}", is_min ? "jles" : "jges", rd, ob, keep);
        out_.ins("move r{}, {}", rd, ob);
    } else {
        std::string low = operand(b), high = operand_high(b);
        out_.ins("sub zero, r{}, {}", rd + 1, low);
        out_.ins("subc zero, r{}, {}, {}, {}", rd, high, is_min ? "lts" : "ges", keep);
        out_.ins("move r{}, {}", rd, high);
        out_.ins("move r{}, {}", rd + 1, low);
    }
    out_.label(keep);
    drop(b);
    return finish(d);
}

Value KernelEmitter::compare(ExprKind kind, Value a, Value b) {
    if (!a.pair) {
        if (a.is_imm()) {
            std::swap(a, b);
            kind = mirrored(kind);
        }
        int ra = reg(a);
        std::string ob = operand(b);
        Value d = destination(a, b, false);
        out_.ins("sub {}, {}, {}, {}", register_name(reg(d)), register_name(ra), ob, condition_name(kind));
        return finish(d);
    }
    if (kind == ExprKind::EQ || kind == ExprKind::NE) {
        if (a.is_imm()) std::swap(a, b);
        int ra = reg(a);
        std::string low = operand(b), high = operand_high(b);
        Value d = destination(a, b, false);
        // r4/r5 as scratch: b may be a product still in d0 (call_result_may_stay_in_r0_).
        out_.ins("xor r4, r{}, {}", ra + 1, low);
        out_.ins("xor r5, r{}, {}", ra, high);
        out_.ins("or {}, r4, r5, {}", register_name(reg(d)), condition_name(kind));
        return finish(d);
    }
    // 64-bit order: subtract with borrow; only the sign/overflow conditions see the whole difference.
    if (kind == ExprKind::GT || kind == ExprKind::LE) {
        std::swap(a, b);
        kind = mirrored(kind);
    }
    int ra = reg(a);
    std::string low = operand(b), high = operand_high(b);
    Value d = destination(a, b, false);
    out_.ins("sub zero, r{}, {}", ra + 1, low);
    out_.ins("subc {}, r{}, {}, {}", register_name(reg(d)), ra, high, condition_name(kind));
    return finish(d);
}

// Both values are computed (the IR allows it) and blended with a mask, so the expression has no branches.
Value KernelEmitter::select(const ir::Select &op) {
    if (const int64_t *cond = ir::as_const_int(op.cond)) return eval(*cond ? op.true_value : op.false_value);
    Value mask = own(eval(op.cond));
    temps_.unpin(mask.temp);
    Value chosen = own(eval(op.true_value));
    temps_.unpin(chosen.temp);
    Value other = eval(op.false_value);
    int m = reg(mask), c = reg(chosen);
    out_.ins("sub r{}, zero, r{}", m, m);
    if (!chosen.pair) {
        std::string o = operand(other);
        out_.ins("xor r{}, r{}, {}", c, c, o);
        out_.ins("and r{}, r{}, r{}", c, c, m);
        out_.ins("xor r{}, r{}, {}", c, c, o);
    } else {
        std::string low = operand(other), high = operand_high(other);
        for (auto [r, o] : {std::pair{c, high}, std::pair{c + 1, low}}) {
            out_.ins("xor r{}, r{}, {}", r, r, o);
            out_.ins("and r{}, r{}, r{}", r, r, m);
            out_.ins("xor r{}, r{}, {}", r, r, o);
        }
    }
    drop(mask);
    drop(other);
    return finish(chosen);
}

Value KernelEmitter::cast(const ir::Cast &op) {
    const ir::DType from = op.value.dtype(), to = op.dtype;
    Value v = eval(op.value);
    if (v.is_imm()) {
        int64_t value = to == ir::DType::Bool ? int64_t{v.imm != 0} : arith::wrap_to(to, v.imm);
        return Value::constant(value, to == ir::DType::Int64);
    }
    if (from == to) return v;
    // Narrow values are kept sign/zero-extended to 32 bits, so widening them to int32 changes nothing and
    // to int64 is the usual sign extension of that 32-bit value.
    if (to == ir::DType::Int64) {
        int r = reg(v);
        Value d = new_temp(true);
        int rd = reg(d);
        out_.ins("move r{}, {}", rd + 1, register_name(r));
        out_.ins("asr r{}, {}, 31", rd, register_name(r));
        drop(v);
        return finish(d);
    }
    if (to == ir::DType::Bool) {
        int r = reg(v);
        Value none;
        Value d = destination(v, none, false);
        if (from == ir::DType::Int64) {
            out_.ins("or {}, r{}, r{}, nz", register_name(reg(d)), r, r + 1);
        } else {
            out_.ins("sub {}, {}, 0, nz", register_name(reg(d)), register_name(r));
        }
        return finish(d);
    }
    if (from == ir::DType::Int64) {  // to int32 or narrower: the low word
        int r = reg(v);
        Value d = new_temp(false);
        out_.ins("move {}, r{}", register_name(reg(d)), r + 1);
        drop(v);
        return wrap_narrow(to, finish(d));
    }
    // bool -> any: already 0 or 1; a wider 32-bit value into a narrower type wraps.
    if (from != ir::DType::Bool && ir::bytes_of(to) < ir::bytes_of(from)) return wrap_narrow(to, v);
    if (from != ir::DType::Bool && to == ir::DType::UInt8) return wrap_narrow(to, v);  // int8 -> uint8
    if (from == ir::DType::UInt8 && to == ir::DType::Int8) return wrap_narrow(to, v);
    return v;
}

// The DPU has no 32-bit multiplier, only 8x8 products of a chosen byte of each operand, signed or unsigned
// (mul_{s,u}{l,h}_{s,u}{l,h}, one instruction each) [upmem-hardware.md "Multiply"]. Operands bounded by int8
// or uint8 are their own low byte, so one product is exact. An int16 operand is hi * 256 + lo with a signed
// high byte and an unsigned low byte, so a product with it is the sum of the byte products shifted into place
// (2 for int16 x 8-bit, 4 for int16 x int16, 4 for int32 x 8-bit): 32-bit exact, as the operands' types
// guarantee, whatever the values. The __mulsi3 call it replaces runs a mul_step ladder as long as the smaller
// operand's bit length.
Value KernelEmitter::multiply_narrow(Value a, ir::DType ta, Value b, ir::DType tb) {
    if (ir::bytes_of(ta) < ir::bytes_of(tb)) {
        std::swap(a, b);
        std::swap(ta, tb);
    }
    const int ra = reg(a), rb = reg(b);
    const char b_low = ir::is_signed(tb) && ir::bytes_of(tb) == 1 ? 's' : 'u';
    Value none;
    if (ir::bytes_of(ta) == 1) {
        const char a_low = ir::is_signed(ta) ? 's' : 'u';
        Value d = destination(a, b, false);
        out_.ins("mul_{}l_{}l {}, {}, {}", a_low, b_low, register_name(reg(d)), register_name(ra),
                 register_name(rb));
        return finish(d);
    }
    if (ir::bytes_of(ta) == 4) {
        // a * b = sum of a's unsigned bytes times b, shifted into place: exact modulo 2^32 whatever a's sign.
        // The 8x8 instructions pick byte 0 or 1 of a register, so bytes 2 and 3 come from a >> 16.
        Value upper = new_temp(false), partial = new_temp(false);
        const int ru = reg(upper), rp = reg(partial);
        out_.ins("lsr r{}, {}, 16", ru, register_name(ra));
        out_.ins("mul_uh_{}l r{}, r{}, {}", b_low, rp, ru, register_name(rb));
        out_.ins("mul_ul_{}l r{}, r{}, {}", b_low, ru, ru, register_name(rb));
        out_.ins("lsl_add r{}, r{}, r{}, 8", ru, ru, rp);
        out_.ins("mul_uh_{}l r{}, {}, {}", b_low, rp, register_name(ra), register_name(rb));
        Value d = destination(a, b, false);
        const int rd = reg(d);
        out_.ins("mul_ul_{}l r{}, {}, {}", b_low, rd, register_name(ra), register_name(rb));
        out_.ins("lsl_add r{}, r{}, r{}, 8", rd, rd, rp);
        out_.ins("lsl_add r{}, r{}, r{}, 16", rd, rd, ru);
        drop(partial);
        drop(upper);
        return finish(d);
    }
    // a is int16: product = (a.hi * b) << 8 + a.lo * b, b split the same way when it is int16 too.
    Value high = new_temp(false);
    const int rh = reg(high);
    if (ir::bytes_of(tb) == 1) {
        out_.ins("mul_sh_{}l r{}, {}, {}", b_low, rh, register_name(ra), register_name(rb));
        Value d = destination(a, b, false);
        const int rd = reg(d);
        out_.ins("mul_ul_{}l r{}, {}, {}", b_low, rd, register_name(ra), register_name(rb));
        out_.ins("lsl_add r{}, r{}, r{}, 8", rd, rd, rh);
        drop(high);
        return finish(d);
    }
    Value cross = new_temp(false);
    const int rc = reg(cross);
    out_.ins("mul_sh_ul r{}, {}, {}", rh, register_name(ra), register_name(rb));
    out_.ins("mul_ul_sh r{}, {}, {}", rc, register_name(ra), register_name(rb));
    out_.ins("add r{}, r{}, r{}", rc, rc, rh);
    out_.ins("mul_sh_sh r{}, {}, {}", rh, register_name(ra), register_name(rb));
    Value d = destination(a, b, false);
    const int rd = reg(d);
    out_.ins("mul_ul_ul r{}, {}, {}", rd, register_name(ra), register_name(rb));
    out_.ins("lsl_add r{}, r{}, r{}, 8", rd, rd, rc);
    out_.ins("lsl_add r{}, r{}, r{}, 16", rd, rd, rh);
    drop(cross);
    drop(high);
    return finish(d);
}

std::optional<ir::DType> narrow_operand_type(const ir::Expr &e) {
    auto narrow = [](ir::DType t) { return ir::is_integer(t) && ir::bytes_of(t) <= 2; };
    if (narrow(e.dtype())) return e.dtype();
    // A widening cast keeps the narrow value (registers hold narrow values sign/zero-extended).
    const auto *cast = e.as<ir::Cast>();
    if (cast && e.dtype() == ir::DType::Int32 && narrow(cast->value.dtype())) return cast->value.dtype();
    // A 32-bit product of two byte-bounded operands, one of them signed, lies in
    // [-128 * 255, 127 * 255] (or [-128 * -128, ...] = 16384 at most): inside int16, whatever the values.
    const auto *product = e.as<ir::Mul>();
    if (product && e.dtype() == ir::DType::Int32) {
        const std::optional<ir::DType> a = narrow_operand_type(product->a),
                                       b = narrow_operand_type(product->b);
        if (a && b && ir::bytes_of(*a) == 1 && ir::bytes_of(*b) == 1 &&
            (ir::is_signed(*a) || ir::is_signed(*b)))
            return ir::DType::Int16;
    }
    return std::nullopt;
}

bool is_narrow_multiply(const ir::Expr &product, const ir::Expr &a, const ir::Expr &b) {
    if (product.defined() && ir::bytes_of(product.dtype()) > 4) return false;
    if (a.dtype() == ir::DType::Int64) return false;
    const std::optional<ir::DType> ta = narrow_operand_type(a), tb = narrow_operand_type(b);
    if (ta && tb) return true;
    // A 32-bit operand times a byte-bounded one: four 8x8 products, fewer instructions than any __mulsi3
    // call.
    auto is_byte = [](const std::optional<ir::DType> &t) { return t && ir::bytes_of(*t) == 1; };
    return (is_byte(ta) && !tb && b.dtype() == ir::DType::Int32) ||
           (is_byte(tb) && !ta && a.dtype() == ir::DType::Int32);
}

Value KernelEmitter::wrap_narrow(ir::DType t, Value v) {
    const char *extend = narrowing_mnemonic(t);
    if (!extend) return v;
    if (v.is_imm()) return Value::constant(arith::wrap_to(t, v.imm), false);
    int r = reg(v);
    Value none;
    Value d = destination(v, none, false);
    out_.ins("{} {}, {}", extend, register_name(reg(d)), register_name(r));
    return finish(d);
}

const char *load_mnemonic(ir::DType t) {
    switch (t) {
        case ir::DType::Int8:
            return "lbs";
        case ir::DType::UInt8:
            return "lbu";
        case ir::DType::Int16:
            return "lhs";
        default:
            return "lw";
    }
}

const char *store_mnemonic(ir::DType t) {
    switch (t) {
        case ir::DType::Int8:
        case ir::DType::UInt8:
            return "sb";
        case ir::DType::Int16:
            return "sh";
        default:
            return "sw";
    }
}

const char *narrowing_mnemonic(ir::DType t) {
    switch (t) {
        case ir::DType::Int8:
            return "extsb";
        case ir::DType::UInt8:
            return "extub";
        case ir::DType::Int16:
            return "extsh";
        default:
            return nullptr;
    }
}

Value KernelEmitter::load(const ir::Load &op) {
    const ir::Buffer &buffer = op.buffer;
    ATIM_CHECK(ir::is_integer(buffer->dtype), "DPU buffers hold integers, {} is {}", buffer->name,
               ir::to_string(buffer->dtype));
    ATIM_CHECK(buffer->scope != ir::MemScope::Global, "kernel reads host tensor {}", buffer->name);
    if (buffer->scope == ir::MemScope::Mram) return load_mram(op);
    const bool pair = buffer->dtype == ir::DType::Int64;
    Address address = wram_address(buffer, ir::flatten_index(buffer, op.indices));
    int base = reg(address.base);
    Value none;
    Value d = destination(address.base, none, pair);
    int rd = reg(d);
    if (pair) {
        out_.ins("ld {}, {}, {}", pair_name(rd), register_name(base), address.offset);
    } else {
        out_.ins("{} r{}, {}, {}", load_mnemonic(buffer->dtype), rd, register_name(base), address.offset);
    }
    return finish(d);
}

// Element reads of MRAM (opt level 0) fetch the element's aligned 8-byte word into the tasklet's scratch
// slot: the DMA engine moves at least 8 bytes [upmem-hardware.md §2].
Value KernelEmitter::load_mram(const ir::Load &op) {
    const ir::Buffer &buffer = op.buffer;
    const bool pair = buffer->dtype == ir::DType::Int64;
    Value offset = mram_byte_offset(buffer, ir::flatten_index(buffer, op.indices));
    mram_scratch_addresses(buffer, offset);
    out_.ins("ldma r2, r3, 0");
    if (pair) {
        Value none;
        Value d = destination(offset, none, true);
        out_.ins("ld {}, r2, 0", pair_name(reg(d)));
        return finish(d);
    }
    std::string lane = scratch_lane(offset);
    Value none;
    Value d = destination(offset, none, false);
    out_.ins("{} {}, {}", load_mnemonic(buffer->dtype), register_name(reg(d)), lane);
    return finish(d);
}

// --- addresses ---

const std::string &KernelEmitter::static_symbol(const ir::Buffer &buffer) const {
    auto found = symbols_.static_objects.find(buffer.get());
    ATIM_CHECK(found != symbols_.static_objects.end(),
               "buffer {} has no DPU object (not a slice of the program)", buffer->name);
    return found->second;
}

Value KernelEmitter::wram_pointer(const ir::Buffer &buffer) {
    auto found = pointers_.find(buffer.get());
    ATIM_CHECK(found != pointers_.end(), "per-tasklet buffer {} is used but never allocated", buffer->name);
    const Location &location = found->second;
    if (location.reg >= 0) return Value::fixed(location.reg, false);
    Value t = new_temp(false);
    out_.ins("lw {}, r22, {}", register_name(reg(t)), location.slot);
    return t;
}

KernelEmitter::Address KernelEmitter::wram_address(const ir::Buffer &buffer, const ir::Expr &flat_index) {
    auto [rest, constant] = split_constant(flat_index);
    const int element_bytes = ir::bytes_of(buffer->dtype);
    const int shift = exact_log2(element_bytes);
    const int64_t byte_offset = constant * element_bytes;
    if (buffer->scope == ir::MemScope::WramShared) {
        std::string offset = fmt::format("{}+{}", static_symbol(buffer), byte_offset);
        if (!rest.defined()) return {Value::fixed(kZeroRegister, false), offset};
        return {shift_or_mask("lsl", eval(rest), shift), offset};
    }
    ATIM_CHECK(buffer->scope == ir::MemScope::WramLocal, "{} is not a WRAM buffer", buffer->name);
    if (!rest.defined()) return {wram_pointer(buffer), std::to_string(byte_offset)};
    if (std::optional<Value> cached = cached_address(buffer, rest))
        return {*cached, std::to_string(byte_offset)};
    // address = pointer + (index << shift), written over whichever of the two this code owns.
    Value index = eval(rest);
    Value pointer = wram_pointer(buffer);
    std::string pointer_name = register_name(reg(pointer)), index_name = register_name(reg(index));
    Value address = destination(index, pointer, false);
    out_.ins("lsl_add {}, {}, {}, {}", register_name(reg(address)), pointer_name, index_name, shift);
    return {cache_address(buffer, rest, address), std::to_string(byte_offset)};
}

Value KernelEmitter::mram_byte_offset(const ir::Buffer &buffer, const ir::Expr &flat_index) {
    auto [rest, constant] = split_constant(flat_index);
    const int element_bytes = ir::bytes_of(buffer->dtype);
    if (!rest.defined()) return Value::constant(constant * element_bytes, false);
    ATIM_CHECK(rest.dtype() == ir::DType::Int32, "MRAM index of {} must be int32", buffer->name);
    Value t = shift_or_mask("lsl", eval(rest), exact_log2(element_bytes));
    int r = reg(t);
    if (constant != 0) out_.ins("add r{}, r{}, {}", r, r, constant * element_bytes);
    return finish(t);
}

void KernelEmitter::mram_scratch_addresses(const ir::Buffer &buffer, Value &byte_offset) {
    const std::string &symbol = static_symbol(buffer);
    if (byte_offset.is_imm()) {
        out_.ins("move r3, {}+{}", symbol, byte_offset.imm & ~int64_t{7});
    } else {
        int r = reg(byte_offset);
        out_.ins("and r3, r{}, -8", r);
        out_.ins("add r3, r3, {}", symbol);
    }
    out_.ins("add r2, r22, {}", kFrameMramScratch);
}

std::string KernelEmitter::scratch_lane(Value &byte_offset) {
    if (byte_offset.is_imm()) return fmt::format("r22, {}", kFrameMramScratch + (byte_offset.imm & 7));
    int r = reg(byte_offset);
    out_.ins("and r4, r{}, 7", r);
    out_.ins("add r4, r4, r22");
    return fmt::format("r4, {}", kFrameMramScratch);
}

// --- conditions ---

void KernelEmitter::branch(const ir::Expr &cond, bool when, const std::string &label) {
    if (const int64_t *value = ir::as_const_int(cond)) {
        if ((*value != 0) == when) out_.ins("jump {}", label);
        return;
    }
    switch (cond.kind()) {
        case ExprKind::Not:
            branch(cond.as<ir::Not>()->a, !when, label);
            return;
        case ExprKind::And:
        case ExprKind::Or: {
            auto [a, b] = operands_of(cond);
            // `a && b` jumps on false as soon as one is false; `a || b` jumps on true as soon as one is true.
            const bool short_circuit_value = cond.kind() == ExprKind::Or;
            if (when == short_circuit_value) {
                branch(a, when, label);
                branch(b, when, label);
            } else {
                std::string skip = out_.new_label("skip");
                branch(a, short_circuit_value, skip);
                branch(b, when, label);
                out_.label(skip);
            }
            return;
        }
        default:
            break;
    }
    if (is_comparison(cond.kind())) {
        auto [a, b] = operands_of(cond);
        compare_and_branch(when ? cond.kind() : negated(cond.kind()), a, b, label);
        return;
    }
    Value v = eval(cond);
    int r = reg(v);
    out_.ins("{} {}, {}", when ? "jnz" : "jz", register_name(r), label);
    drop(v);
}

void KernelEmitter::compare_and_branch(ExprKind kind, const ir::Expr &ea, const ir::Expr &eb,
                                       const std::string &label) {
    Value a = eval(ea);
    Value b = eval(eb);
    if (a.is_imm() && b.is_imm()) {
        if (holds(kind, a.imm, b.imm)) out_.ins("jump {}", label);
        return;
    }
    if (!a.pair) {
        if (a.is_imm()) {
            std::swap(a, b);
            kind = mirrored(kind);
        }
        int ra = reg(a);
        std::string ob = operand(b);
        out_.ins("{} {}, {}, {}", compare_jump(kind), register_name(ra), ob, label);
        drop(a);
        drop(b);
        return;
    }
    if (kind == ExprKind::EQ || kind == ExprKind::NE) {
        if (a.is_imm()) std::swap(a, b);
        int ra = reg(a);
        std::string low = operand(b), high = operand_high(b);
        out_.ins("xor r4, r{}, {}", ra + 1, low);
        out_.ins("xor r5, r{}, {}", ra, high);
        out_.ins("or zero, r4, r5, {}, {}", condition_name(kind), label);
    } else {
        if (kind == ExprKind::GT || kind == ExprKind::LE) {
            std::swap(a, b);
            kind = mirrored(kind);
        }
        int ra = reg(a);
        std::string low = operand(b), high = operand_high(b);
        out_.ins("sub zero, r{}, {}", ra + 1, low);
        out_.ins("subc zero, r{}, {}, {}, {}", ra, high, condition_name(kind), label);
    }
    drop(a);
    drop(b);
}

}  // namespace atim::codegen::dpu
