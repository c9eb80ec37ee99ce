// Instruction encoding: one handler per instruction family; sugar (jeq, neg, not, ...) maps onto the
// decoded opcodes of isa.h. The accepted forms are listed in src/sim/asm/README.md.
#include "sim/asm/encoder.h"

#include <limits>
#include <unordered_map>

#include "atim/support/error.h"

namespace atim::sim::assembly {
namespace {

using Operands = std::vector<Operand>;

Condition parse_condition(const Operand &operand) {
    static const std::unordered_map<std::string, Condition> kConditions = {
        {"true", Condition::True},   {"false", Condition::False}, {"z", Condition::Z},
        {"nz", Condition::Nz},       {"xz", Condition::Xz},       {"xnz", Condition::Xnz},
        {"pl", Condition::Pl},       {"mi", Condition::Mi},       {"sz", Condition::Sz},
        {"snz", Condition::Snz},     {"spl", Condition::Spl},     {"smi", Condition::Smi},
        {"e", Condition::Even},      {"o", Condition::Odd},       {"c", Condition::C},
        {"nc", Condition::Nc},       {"ov", Condition::Ov},       {"nov", Condition::Nov},
        {"ltu", Condition::Ltu},     {"geu", Condition::Geu},     {"leu", Condition::Leu},
        {"gtu", Condition::Gtu},     {"lts", Condition::Lts},     {"ges", Condition::Ges},
        {"les", Condition::Les},     {"gts", Condition::Gts},     {"small", Condition::Small},
        {"large", Condition::Large}, {"max", Condition::Max},     {"nmax", Condition::Nmax}};
    auto name = operand.identifier();
    if (name) {
        auto it = kConditions.find(*name);
        if (it != kConditions.end()) return it->second;
    }
    user_error("unknown condition '{}' (z, nz, ltu, ges, true, ...)", operand.text);
}

bool is_register(const Operand &operand) { return operand.kind == Operand::Kind::Register; }

uint8_t source_register(const Operand &operand) {
    if (operand.kind != Operand::Kind::Register)
        user_error("expected a register (r0..r23, zero, one, lneg, mneg, id, id2, id4, id8), got '{}'",
                   operand.text);
    return operand.reg;
}

uint8_t source_pair(const Operand &operand) {
    if (operand.kind != Operand::Kind::Pair)
        user_error("expected a register pair (d0..d22), got '{}'", operand.text);
    return operand.reg;
}

uint8_t destination(const Operand &operand, WriteMode mode) {
    bool pair_result = mode == WriteMode::PairSigned || mode == WriteMode::PairUnsigned;
    if (pair_result) return source_pair(operand);
    if (operand.kind != Operand::Kind::Register)
        user_error("expected a destination register, got '{}'", operand.text);
    if (operand.reg == reg::kZero) return reg::kSink;
    if (operand.reg >= reg::kWorkRegisters)
        user_error("cannot write the constant register '{}'", operand.text);
    return operand.reg;
}

int32_t immediate(const Operand &operand, const EncodeContext &context) {
    if (operand.kind != Operand::Kind::Expression)
        user_error("expected an immediate, got '{}'", operand.text);
    int64_t value = evaluate(operand, context.resolve, context.pc);
    if (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<uint32_t>::max())
        user_error("immediate '{}' = {} does not fit in 32 bits", operand.text, value);
    return static_cast<int32_t>(static_cast<uint32_t>(value));
}

int32_t bounded_immediate(const Operand &operand, const EncodeContext &context, int64_t low, int64_t high,
                          std::string_view what) {
    int32_t value = immediate(operand, context);
    if (value < low || value > high) user_error("{} '{}' must be in [{}, {}]", what, operand.text, low, high);
    return value;
}

int32_t jump_target(const Operand &operand, const EncodeContext &context) {
    if (operand.kind != Operand::Kind::Expression)
        user_error("expected a jump target, got '{}'", operand.text);
    int64_t value = evaluate(operand, context.resolve, context.pc);
    if (value < 0 || value > 0xffff)
        user_error("jump target '{}' = {} is not an IRAM address", operand.text, value);
    return static_cast<int32_t>(value);
}

void expect_count(const Operands &ops, size_t low, size_t high, std::string_view form) {
    if (ops.size() < low || ops.size() > high) user_error("wrong number of operands; expected {}", form);
}

/// Second operand of a compute instruction: a register or an immediate.
void set_operand_b(Instruction &ins, const Operand &operand, const EncodeContext &context) {
    if (is_register(operand)) {
        ins.rb = operand.reg;
    } else {
        ins.rb = reg::kNone;
        ins.imm = immediate(operand, context);
    }
}

/// Optional trailing `cond` (set form) or `cond, target` (fused jump).
void set_condition_tail(Instruction &ins, const Operands &ops, size_t first, const EncodeContext &context) {
    if (ops.size() <= first) return;
    ins.cond = parse_condition(ops[first]);
    if (ops.size() > first + 1) {
        ins.target = jump_target(ops[first + 1], context);
    } else if (ins.write == WriteMode::Single) {
        ins.write = WriteMode::SetCondition;
    } else {
        user_error("a set-form condition cannot write a pair");
    }
}

Opcode swapped_operands(Opcode op) {
    switch (op) {
        case Opcode::Sub:
            return Opcode::Rsub;
        case Opcode::Rsub:
            return Opcode::Sub;
        case Opcode::Subc:
            return Opcode::Rsubc;
        case Opcode::Rsubc:
            return Opcode::Subc;
        case Opcode::Add:
        case Opcode::Addc:
        case Opcode::And:
        case Opcode::Or:
        case Opcode::Xor:
        case Opcode::Nand:
        case Opcode::Nor:
        case Opcode::Nxor:
            return op;
        default:
            user_error("'{}' needs a register as its first source operand", opcode_name(op));
    }
}

// rc, ra, rb|imm [, cond [, target]]; `op rc, imm, ra` is accepted for ops that can swap.
Instruction encode_alu(Opcode op, WriteMode mode, const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 3, 5, "rc, ra, rb|imm [, cond [, target]]");
    Instruction ins;
    ins.op = op;
    ins.write = mode;
    ins.rc = destination(ops[0], mode);
    if (!is_register(ops[1]) && is_register(ops[2])) {
        ins.op = swapped_operands(op);
        ins.ra = ops[2].reg;
        set_operand_b(ins, ops[1], context);
    } else {
        ins.ra = source_register(ops[1]);
        set_operand_b(ins, ops[2], context);
    }
    set_condition_tail(ins, ops, 3, context);
    return ins;
}

// rc, ra, rb, shift [, cond, target]: rc = ra + (rb shifted by shift).
Instruction encode_shift_add(Opcode op, WriteMode mode, const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 4, 6, "rc, ra, rb, shift [, cond [, target]]");
    Instruction ins;
    ins.op = op;
    ins.write = mode;
    ins.rc = destination(ops[0], mode);
    ins.ra = source_register(ops[1]);
    ins.rb = source_register(ops[2]);
    ins.imm = bounded_immediate(ops[3], context, 0, 31, "shift");
    set_condition_tail(ins, ops, 4, context);
    return ins;
}

// rc, ra|imm [, cond [, target]]
Instruction encode_unary(Opcode op, WriteMode mode, const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 2, 4, "rc, ra [, cond [, target]]");
    Instruction ins;
    ins.op = op;
    ins.write = mode;
    ins.rc = destination(ops[0], mode);
    if (is_register(ops[1])) {
        ins.ra = ops[1].reg;
    } else if (op == Opcode::Move) {
        ins.ra = reg::kNone;
        ins.imm = immediate(ops[1], context);
    } else {
        ins.ra = source_register(ops[1]);
    }
    set_condition_tail(ins, ops, 2, context);
    return ins;
}

Instruction encode_pair_move(Opcode op, const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 2, 4, "dc, da [, cond [, target]]");
    Instruction ins;
    ins.op = op;
    ins.rc = source_pair(ops[0]);
    ins.ra = source_pair(ops[1]);
    if (ops.size() > 2) {
        ins.cond = parse_condition(ops[2]);
        if (ops.size() < 4) user_error("a pair move with a condition needs a jump target");
        ins.target = jump_target(ops[3], context);
    }
    return ins;
}

// rc, ra, offset   (ld: dc, ra, offset)
Instruction encode_load(Opcode op, WriteMode mode, const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 3, 3, "rc, ra, offset");
    Instruction ins;
    ins.op = op;
    ins.write = mode;
    ins.rc = op == Opcode::Ld ? source_pair(ops[0]) : destination(ops[0], mode);
    ins.ra = source_register(ops[1]);
    ins.imm = immediate(ops[2], context);
    return ins;
}

// ra, offset, rb|imm   (sd: ra, offset, db|imm)
Instruction encode_store(Opcode op, const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 3, 3, "ra, offset, rb|imm");
    Instruction ins;
    ins.op = op;
    ins.ra = source_register(ops[0]);
    ins.imm = immediate(ops[1], context);
    if (ops[2].kind == Operand::Kind::Expression) {
        ins.rb = reg::kNone;
        ins.imm2 = immediate(ops[2], context);
    } else {
        ins.rb = op == Opcode::Sd ? source_pair(ops[2]) : source_register(ops[2]);
    }
    return ins;
}

Instruction encode_dma(Opcode op, const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 3, 3, "ra (WRAM address), rb (MRAM address), length field 0..255");
    Instruction ins;
    ins.op = op;
    ins.ra = source_register(ops[0]);
    ins.rb = source_register(ops[1]);
    ins.imm = bounded_immediate(ops[2], context, 0, 255, "DMA length field");
    return ins;
}

// dc, ra, db, shift [, cond, target]
Instruction encode_step(Opcode op, const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 4, 6, "dc, ra, db, shift [, cond, target]");
    Instruction ins;
    ins.op = op;
    ins.rc = source_pair(ops[0]);
    ins.ra = source_register(ops[1]);
    ins.rb = source_pair(ops[2]);
    ins.imm = bounded_immediate(ops[3], context, 0, 31, "shift");
    if (ops.size() > 4) {
        ins.cond = parse_condition(ops[4]);
        if (ops.size() < 6) user_error("'{}' with a condition needs a jump target", opcode_name(op));
        ins.target = jump_target(ops[5], context);
    }
    return ins;
}

// jeq ra, rb|imm, target and friends: a discarded subtraction with a fused jump.
Instruction encode_compare_jump(Condition cond, const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 3, 3, "ra, rb|imm, target");
    Instruction ins;
    ins.op = Opcode::Sub;
    ins.rc = reg::kSink;
    ins.ra = source_register(ops[0]);
    set_operand_b(ins, ops[1], context);
    ins.cond = cond;
    ins.target = jump_target(ops[2], context);
    return ins;
}

Instruction encode_zero_jump(Condition cond, const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 2, 2, "ra, target");
    Instruction ins;
    ins.op = Opcode::Sub;
    ins.rc = reg::kSink;
    ins.ra = source_register(ops[0]);
    ins.rb = reg::kNone;
    ins.cond = cond;
    ins.target = jump_target(ops[1], context);
    return ins;
}

// jump target | jump ra [, offset]
Instruction encode_jump(const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 1, 2, "target | ra [, offset]");
    Instruction ins;
    ins.op = Opcode::Jump;
    if (is_register(ops[0])) {
        ins.ra = ops[0].reg;
        if (ops.size() == 2) ins.imm = immediate(ops[1], context);
    } else {
        if (ops.size() != 1) user_error("jump to a label takes one operand");
        ins.ra = reg::kZero;
        ins.imm = jump_target(ops[0], context);
    }
    return ins;
}

// call rc, target | call rc, ra [, offset]
Instruction encode_call(const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 2, 3, "rc, target | rc, ra [, offset]");
    Instruction ins;
    ins.op = Opcode::Call;
    ins.rc = destination(ops[0], WriteMode::Single);
    if (is_register(ops[1])) {
        ins.ra = ops[1].reg;
        if (ops.size() == 3) ins.imm = immediate(ops[2], context);
    } else {
        if (ops.size() != 2) user_error("call to a label takes two operands");
        ins.ra = reg::kZero;
        ins.imm = jump_target(ops[1], context);
    }
    return ins;
}

// boot/resume/acquire/release ra, imm [, cond [, target]]
Instruction encode_control(Opcode op, const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 2, 4, "ra, imm [, cond [, target]]");
    Instruction ins;
    ins.op = op;
    ins.ra = source_register(ops[0]);
    ins.imm = immediate(ops[1], context);
    if (ops.size() > 2) {
        ins.cond = parse_condition(ops[2]);
        if (ops.size() < 4) user_error("'{}' with a condition needs a jump target", opcode_name(op));
        ins.target = jump_target(ops[3], context);
    }
    return ins;
}

Instruction encode_no_operands(Opcode op, const Operands &ops, const EncodeContext &context) {
    Instruction ins;
    ins.op = op;
    if (op == Opcode::Stop && ops.size() == 2) {  // stop cond, target
        ins.cond = parse_condition(ops[0]);
        ins.target = jump_target(ops[1], context);
        return ins;
    }
    if (op == Opcode::Fault && ops.size() == 1) {
        ins.imm = immediate(ops[0], context);
        return ins;
    }
    if (!ops.empty()) user_error("'{}' takes no operands here", opcode_name(op));
    return ins;
}

Instruction encode_time(const Operands &ops, const EncodeContext &context) {
    expect_count(ops, 1, 3, "rc [, cond [, target]]");
    Instruction ins;
    ins.op = Opcode::Time;
    ins.rc = destination(ops[0], WriteMode::Single);
    set_condition_tail(ins, ops, 1, context);
    return ins;
}

Instruction encode_mul8(int selector, WriteMode mode, const Operands &ops, const EncodeContext &context) {
    Instruction ins = encode_alu(Opcode::Mul8, mode, ops, context);
    ins.imm2 = selector;
    return ins;
}

using Handler = std::function<Instruction(WriteMode, const Operands &, const EncodeContext &)>;

const std::unordered_map<std::string, Handler> &handlers() {
    static const std::unordered_map<std::string, Handler> table = [] {
        std::unordered_map<std::string, Handler> t;
        auto alu = [&](const char *name, Opcode op) {
            t[name] = [op](WriteMode m, const Operands &o, const EncodeContext &c) {
                return encode_alu(op, m, o, c);
            };
        };
        alu("add", Opcode::Add);
        alu("addc", Opcode::Addc);
        alu("sub", Opcode::Sub);
        alu("subc", Opcode::Subc);
        alu("rsub", Opcode::Rsub);
        alu("rsubc", Opcode::Rsubc);
        alu("and", Opcode::And);
        alu("or", Opcode::Or);
        alu("xor", Opcode::Xor);
        alu("andn", Opcode::Andn);
        alu("orn", Opcode::Orn);
        alu("nand", Opcode::Nand);
        alu("nor", Opcode::Nor);
        alu("nxor", Opcode::Nxor);
        alu("lsl", Opcode::Lsl);
        alu("lsr", Opcode::Lsr);
        alu("asr", Opcode::Asr);
        alu("rol", Opcode::Rol);
        alu("ror", Opcode::Ror);
        alu("lsl1", Opcode::Lsl1);
        alu("lsr1", Opcode::Lsr1);
        auto shift_add = [&](const char *name, Opcode op) {
            t[name] = [op](WriteMode m, const Operands &o, const EncodeContext &c) {
                return encode_shift_add(op, m, o, c);
            };
        };
        shift_add("lsl_add", Opcode::LslAdd);
        shift_add("lsl_sub", Opcode::LslSub);
        shift_add("lsr_add", Opcode::LsrAdd);
        shift_add("rol_add", Opcode::RolAdd);
        auto unary = [&](const char *name, Opcode op) {
            t[name] = [op](WriteMode m, const Operands &o, const EncodeContext &c) {
                return encode_unary(op, m, o, c);
            };
        };
        unary("move", Opcode::Move);
        unary("extsb", Opcode::Extsb);
        unary("extsh", Opcode::Extsh);
        unary("extub", Opcode::Extub);
        unary("extuh", Opcode::Extuh);
        unary("cao", Opcode::Cao);
        unary("clz", Opcode::Clz);
        unary("clo", Opcode::Clo);
        unary("cls", Opcode::Cls);
        t["neg"] = [](WriteMode m, const Operands &o, const EncodeContext &c) {
            expect_count(o, 2, 4, "rc, ra [, cond [, target]]");
            Operands full = {o[0], parse_operand("zero"), o[1]};
            full.insert(full.end(), o.begin() + 2, o.end());
            return encode_alu(Opcode::Sub, m, full, c);
        };
        t["not"] = [](WriteMode m, const Operands &o, const EncodeContext &c) {
            expect_count(o, 2, 4, "rc, ra [, cond [, target]]");
            Operands full = {o[0], o[1], parse_operand("lneg")};
            full.insert(full.end(), o.begin() + 2, o.end());
            return encode_alu(Opcode::Xor, m, full, c);
        };
        t["movd"] = [](WriteMode, const Operands &o, const EncodeContext &c) {
            return encode_pair_move(Opcode::Movd, o, c);
        };
        t["swapd"] = [](WriteMode, const Operands &o, const EncodeContext &c) {
            return encode_pair_move(Opcode::Swapd, o, c);
        };
        auto load = [&](const char *name, Opcode op) {
            t[name] = [op](WriteMode m, const Operands &o, const EncodeContext &c) {
                return encode_load(op, m, o, c);
            };
        };
        load("lbs", Opcode::Lbs);
        load("lbu", Opcode::Lbu);
        load("lhs", Opcode::Lhs);
        load("lhu", Opcode::Lhu);
        load("lw", Opcode::Lw);
        load("ld", Opcode::Ld);
        auto store = [&](const char *name, Opcode op) {
            t[name] = [op](WriteMode, const Operands &o, const EncodeContext &c) {
                return encode_store(op, o, c);
            };
        };
        store("sb", Opcode::Sb);
        store("sh", Opcode::Sh);
        store("sw", Opcode::Sw);
        store("sd", Opcode::Sd);
        t["ldma"] = [](WriteMode, const Operands &o, const EncodeContext &c) {
            return encode_dma(Opcode::Ldma, o, c);
        };
        t["sdma"] = [](WriteMode, const Operands &o, const EncodeContext &c) {
            return encode_dma(Opcode::Sdma, o, c);
        };
        t["mul_step"] = [](WriteMode, const Operands &o, const EncodeContext &c) {
            return encode_step(Opcode::MulStep, o, c);
        };
        t["div_step"] = [](WriteMode, const Operands &o, const EncodeContext &c) {
            return encode_step(Opcode::DivStep, o, c);
        };
        struct CompareJump {
            const char *name;
            Condition cond;
        };
        for (auto [name, cond] : {CompareJump{"jeq", Condition::Z},
                                  {"jneq", Condition::Nz},
                                  {"jltu", Condition::Ltu},
                                  {"jgtu", Condition::Gtu},
                                  {"jleu", Condition::Leu},
                                  {"jgeu", Condition::Geu},
                                  {"jlts", Condition::Lts},
                                  {"jgts", Condition::Gts},
                                  {"jles", Condition::Les},
                                  {"jges", Condition::Ges}}) {
            t[name] = [cond](WriteMode, const Operands &o, const EncodeContext &c) {
                return encode_compare_jump(cond, o, c);
            };
        }
        t["jz"] = [](WriteMode, const Operands &o, const EncodeContext &c) {
            return encode_zero_jump(Condition::Z, o, c);
        };
        t["jnz"] = [](WriteMode, const Operands &o, const EncodeContext &c) {
            return encode_zero_jump(Condition::Nz, o, c);
        };
        t["jump"] = [](WriteMode, const Operands &o, const EncodeContext &c) { return encode_jump(o, c); };
        t["call"] = [](WriteMode, const Operands &o, const EncodeContext &c) { return encode_call(o, c); };
        auto control = [&](const char *name, Opcode op) {
            t[name] = [op](WriteMode, const Operands &o, const EncodeContext &c) {
                return encode_control(op, o, c);
            };
        };
        control("boot", Opcode::Boot);
        control("resume", Opcode::Resume);
        control("acquire", Opcode::Acquire);
        control("release", Opcode::Release);
        auto plain = [&](const char *name, Opcode op) {
            t[name] = [op](WriteMode, const Operands &o, const EncodeContext &c) {
                return encode_no_operands(op, o, c);
            };
        };
        plain("stop", Opcode::Stop);
        plain("fault", Opcode::Fault);
        plain("nop", Opcode::Nop);
        t["time"] = [](WriteMode, const Operands &o, const EncodeContext &c) { return encode_time(o, c); };
        // mul_{s,u}{l,h}_{s,u}{l,h}: selector bit0 a signed, bit1 a high byte, bit2 b signed, bit3 b high
        // byte.
        for (int selector = 0; selector < 16; ++selector) {
            std::string name = "mul_";
            name += (selector & 1) ? 's' : 'u';
            name += (selector & 2) ? 'h' : 'l';
            name += '_';
            name += (selector & 4) ? 's' : 'u';
            name += (selector & 8) ? 'h' : 'l';
            t[name] = [selector](WriteMode m, const Operands &o, const EncodeContext &c) {
                return encode_mul8(selector, m, o, c);
            };
        }
        return t;
    }();
    return table;
}

uint32_t bit(uint8_t r) { return r < reg::kWorkRegisters ? (1u << r) : 0u; }
uint32_t pair_bits(uint8_t r) { return bit(r) | bit(static_cast<uint8_t>(r + 1)); }

/// Work registers read and written, for the register-file bank rule (upmem-hardware.md §3.1 item 3).
void set_register_masks(Instruction &ins) {
    bool pair_result = ins.write == WriteMode::PairSigned || ins.write == WriteMode::PairUnsigned;
    switch (ins.op) {
        case Opcode::Movd:
        case Opcode::Swapd:
            ins.read_mask = pair_bits(ins.ra);
            ins.write_mask = pair_bits(ins.rc);
            return;
        case Opcode::MulStep:
        case Opcode::DivStep:
            ins.read_mask = bit(ins.ra) | pair_bits(ins.rb);
            ins.write_mask = pair_bits(ins.rc);
            return;
        case Opcode::Ld:
            ins.read_mask = bit(ins.ra);
            ins.write_mask = pair_bits(ins.rc);
            return;
        case Opcode::Sd:
            ins.read_mask = bit(ins.ra) | (ins.rb == reg::kNone ? 0 : pair_bits(ins.rb));
            return;
        case Opcode::Sb:
        case Opcode::Sh:
        case Opcode::Sw:
        case Opcode::Ldma:
        case Opcode::Sdma:
            ins.read_mask = bit(ins.ra) | (ins.rb == reg::kNone ? 0 : bit(ins.rb));
            return;
        case Opcode::Time:
            ins.write_mask = bit(ins.rc);
            return;
        default:
            ins.read_mask =
                (ins.ra == reg::kNone ? 0 : bit(ins.ra)) | (ins.rb == reg::kNone ? 0 : bit(ins.rb));
            if (ins.op == Opcode::Addc || ins.op == Opcode::Subc || ins.op == Opcode::Rsubc) {
                // carry comes from the flags, not a register
            }
            ins.write_mask = pair_result ? pair_bits(ins.rc) : bit(ins.rc);
            return;
    }
}

}  // namespace

bool is_known_mnemonic(std::string_view mnemonic) { return handlers().contains(std::string(mnemonic)); }

Instruction encode_instruction(std::string_view mnemonic, const std::vector<Operand> &operands,
                               const EncodeContext &context) {
    WriteMode mode = WriteMode::Single;
    std::string base(mnemonic);
    if (base.size() > 2 && base[base.size() - 2] == '.') {
        char suffix = base.back();
        if (suffix == 's' || suffix == 'u') {
            mode = suffix == 's' ? WriteMode::PairSigned : WriteMode::PairUnsigned;
            base.resize(base.size() - 2);
        }
    }
    auto it = handlers().find(base);
    if (it == handlers().end()) user_error("unknown instruction '{}'", mnemonic);
    Instruction ins = it->second(mode, operands, context);
    set_register_masks(ins);
    return ins;
}

}  // namespace atim::sim::assembly
