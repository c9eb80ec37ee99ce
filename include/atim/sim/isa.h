// The decoded UPMEM DPU instruction set as the simulator runs it: opcodes, conditions, registers and the
// compact instruction record the assembler produces (see src/sim/asm/README.md for the accepted syntax).
#pragma once

#include <cstdint>
#include <string_view>

namespace atim::sim {

/// Register indices inside a tasklet's register file. r0..r23 are the 24 work registers
/// [upmem-hardware.md §1]; the constant registers follow; kSink absorbs writes to `zero`.
namespace reg {
inline constexpr uint8_t kWorkRegisters = 24;
inline constexpr uint8_t kZero = 24;  ///< reads 0
inline constexpr uint8_t kOne = 25;   ///< reads 1
inline constexpr uint8_t kLneg = 26;  ///< reads 0xffffffff
inline constexpr uint8_t kMneg = 27;  ///< reads 0x80000000
inline constexpr uint8_t kId = 28;    ///< tasklet id
inline constexpr uint8_t kId2 = 29;   ///< tasklet id * 2
inline constexpr uint8_t kId4 = 30;   ///< tasklet id * 4
inline constexpr uint8_t kId8 = 31;   ///< tasklet id * 8
inline constexpr uint8_t kSink = 32;  ///< destination `zero`: the result is discarded
inline constexpr uint8_t kFileSize = 33;
inline constexpr uint8_t kNone = 0xff;  ///< operand absent: the immediate is used instead
}  // namespace reg

/// Operation of one decoded instruction. The assembler maps sugar (jeq, neg, not, ...) onto these.
enum class Opcode : uint8_t {
    // rc = f(ra, b) where b is rb or the immediate; fused condition/jump optional.
    Add,
    Addc,
    Sub,
    Subc,
    Rsub,
    Rsubc,
    And,
    Or,
    Xor,
    Andn,
    Orn,
    Nand,
    Nor,
    Nxor,
    Lsl,
    Lsr,
    Asr,
    Rol,
    Ror,
    Lsl1,
    Lsr1,
    // rc = ra + (rb shifted by imm): address arithmetic fusions.
    LslAdd,
    LslSub,
    LsrAdd,
    RolAdd,
    // rc = byte(ra) * byte(b); imm2 selects signedness and byte of each operand (bit0 a signed, bit1 a high,
    // bit2 b signed, bit3 b high).
    Mul8,
    // rc = f(ra) (b unused).
    Move,
    Extsb,
    Extsh,
    Extub,
    Extuh,
    Cao,
    Clz,
    Clo,
    Cls,
    // 64-bit pair moves: dc = da.
    Movd,
    Swapd,
    // WRAM loads rc = mem[ra + imm]; Ld writes the pair rc/rc+1.
    Lbs,
    Lbu,
    Lhs,
    Lhu,
    Lw,
    Ld,
    // WRAM stores mem[ra + imm] = rb (or imm2 when rb is reg::kNone); Sd stores the pair rb/rb+1.
    Sb,
    Sh,
    Sw,
    Sd,
    // DMA between WRAM address ra and MRAM address rb, length (1 + ((imm + (ra >> 24)) & 0xff)) * 8 bytes.
    Ldma,
    Sdma,
    // Arithmetic ladders on the pair rc <- (rb, rb+1) with ra shifted by imm.
    MulStep,
    DivStep,
    // pc = r[ra] + imm (ra may be `zero`); Call also writes pc + 1 into rc.
    Jump,
    Call,
    // Tasklet control.
    Stop,
    Boot,
    Resume,
    Fault,
    Nop,
    Time,
    Acquire,
    Release,
};

/// Condition of a fused jump or a set-form instruction [upmem-hardware.md §2].
enum class Condition : uint8_t {
    None,  ///< no condition: plain compute, no jump
    True,
    False,
    Z,
    Nz,
    Xz,
    Xnz,
    Pl,
    Mi,
    Sz,
    Snz,
    Spl,
    Smi,
    Even,
    Odd,
    C,
    Nc,
    Ov,
    Nov,
    Ltu,
    Geu,
    Leu,
    Gtu,
    Lts,
    Ges,
    Les,
    Gts,
    Small,
    Large,  ///< 8x8 multiplies: both operands fit in 8 bits / not
    Max,
    Nmax,  ///< count instructions: result is 32 / not
};

/// What an instruction writes into its destination.
enum class WriteMode : uint8_t {
    Single,        ///< rc = value
    PairSigned,    ///< `.s` forms: odd half = value, even half = its sign extension
    PairUnsigned,  ///< `.u` forms: odd half = value, even half = 0
    SetCondition,  ///< rc = condition ? 1 : 0 (the `rric`/`rrrc` forms)
};

/// Sentinel of Instruction::target when the instruction does not jump.
inline constexpr int32_t kNoTarget = -1;

/// One decoded instruction: a small record so the simulator dispatches with one switch and no lookups.
/// Pairs dN are named by their even register N; the even register holds the high 32 bits.
struct Instruction {
    Opcode op = Opcode::Nop;
    uint8_t rc = reg::kSink;  ///< destination register (even register of a pair)
    uint8_t ra = reg::kZero;  ///< first source
    uint8_t rb = reg::kNone;  ///< second source, or kNone when the immediate is the operand
    Condition cond = Condition::None;
    WriteMode write = WriteMode::Single;
    int32_t imm = 0;             ///< immediate operand, memory offset, shift or DMA length field
    int32_t imm2 = 0;            ///< second immediate: stored value of store-immediate forms, Mul8 selector
    int32_t target = kNoTarget;  ///< jump target (instruction index) of a fused conditional jump
    uint32_t read_mask = 0;      ///< work registers read (bit i = r_i), for the register-bank stall rule
    uint32_t write_mask = 0;     ///< work registers written
};

/// Mnemonic-level name of an opcode (for messages and dumps).
std::string_view opcode_name(Opcode op);
/// Assembly spelling of a condition ("nz", "ltu", ...).
std::string_view condition_name(Condition cond);

}  // namespace atim::sim
