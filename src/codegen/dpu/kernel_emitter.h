// KernelEmitter: instruction selection for one DPU kernel (statements, expressions, conditions), over the
// variable placement and the expression temporaries. Shared by kernel_statements.cpp and
// kernel_expressions.cpp.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "atim/arith/range.h"
#include "atim/ir/stmt.h"
#include "atim/ir/utils.h"
#include "atim/lower/pim_program.h"
#include "atim/target/upmem_machine.h"
#include "codegen/dpu/asm_writer.h"
#include "codegen/dpu/temp_registers.h"
#include "codegen/dpu/variable_placement.h"

namespace atim::codegen::dpu {

/// Fixed slots of every tasklet's frame (bytes from r22); variables and spills follow.
inline constexpr int64_t kFrameReturnAddress = 0;
inline constexpr int64_t kFrameDivisionScratch = 4;  ///< 3 words for __atim_floor_divmod
inline constexpr int64_t kFrameMramScratch = 16;     ///< the 8-byte landing slot of element access to MRAM
inline constexpr int64_t kFrameFirstFree = 24;

/// Atomic bit guarding read-modify-write of MRAM words (bits 0..7 belong to the runtime library).
inline constexpr int kMramWordLock = 8;

/// Name of the routine computing floor division and modulo of r0 by r1 (emitted when used).
inline constexpr const char *kFloorDivmodRoutine = "__atim_floor_divmod";

/// WRAM load of one element of type t into a register, in the canonical form of narrow values: int8 and
/// int16 sign-extended, uint8 zero-extended to 32 bits (lbs, lbu, lhs, lw).
const char *load_mnemonic(ir::DType t);
/// WRAM store of the low bytes of a register as one element of type t (sb, sh, sw).
const char *store_mnemonic(ir::DType t);
/// The extension that puts a 32-bit result into t's canonical form (extsb, extub, extsh), or nullptr when
/// t is 32 or 64 bits wide.
const char *narrowing_mnemonic(ir::DType t);

/// The narrow type (int8, uint8, int16) whose range bounds e's value by its type alone: e's own type, or the
/// source of a widening cast of a narrow value to 16 or 32 bits; nullopt otherwise.
std::optional<ir::DType> narrow_operand_type(const ir::Expr &e);
/// True when a 32-bit (or narrower) product of a and b can use the DPU's 8x8 multiplier: both operands are
/// bounded by narrow types (int16 ones take a few 8x8 steps), or one is bounded by a byte type and the other
/// is int32 (four steps).
bool is_narrow_multiply(const ir::Expr &product, const ir::Expr &a, const ir::Expr &b);

/// Where a bound value lives: a register (even register of a pair for int64) or a frame slot.
struct Location {
    int reg = -1;
    int64_t slot = -1;
    bool pair = false;
};

/// An expression's value during instruction selection: a constant, a register owned by someone else
/// (variable, `id`, `zero`), or a temporary this expression owns and must consume.
struct Value {
    enum class Kind : uint8_t { Imm, Fixed, Temp };
    Kind kind = Kind::Imm;
    bool pair = false;  ///< int64: a register pair (even = high word, odd = low word)
    int64_t imm = 0;
    int reg = -1;   ///< Fixed: its register
    int temp = -1;  ///< Temp: its TempRegisters id

    static Value constant(int64_t value, bool pair) { return {Kind::Imm, pair, value, -1, -1}; }
    static Value fixed(int reg, bool pair) { return {Kind::Fixed, pair, 0, reg, -1}; }
    static Value temporary(int temp, bool pair) { return {Kind::Temp, pair, 0, -1, temp}; }
    bool is_imm() const { return kind == Kind::Imm; }
};

/// The names the emitted program gives its data objects.
struct KernelSymbols {
    std::string args;                                                        ///< grid coordinates (__host)
    std::unordered_map<const ir::BufferNode *, std::string> static_objects;  ///< MRAM and WramShared buffers
};

class KernelEmitter {
public:
    KernelEmitter(const lower::PimProgram &program, const target::UpmemMachine &machine,
                  const VariablePlacement &placement, const KernelSymbols &symbols, AsmWriter &out);

    /// Emits `main` for `kernel` (the program's kernel after codegen's own clean-ups).
    void emit_main(const ir::Stmt &kernel);
    bool uses_floor_divmod() const { return uses_floor_divmod_; }
    int64_t frame_bytes() const { return frame_.size(); }
    /// Distinct bindings the kernel kept in registers / in frame slots.
    int bindings_in_registers() const { return static_cast<int>(in_registers_.size()); }
    int bindings_in_frame() const { return static_cast<int>(in_frame_.size()); }

private:
    // --- statements (kernel_statements.cpp) ---
    void prologue();
    void stmt(const ir::Stmt &s);
    void seq(const std::vector<ir::Stmt> &stmts);
    /// Consecutive WRAM stores with no loop, branch or let between them (e.g. an unrolled loop body),
    /// compiled as clang -O2 compiles straight-line code: an address used by several of them is computed once
    /// (GVN), and an accumulation reuses the value the previous accumulation of the same element stored
    /// (store-to-load forwarding). Every store is still emitted: WRAM pointers may alias for clang.
    void straight_line(const std::vector<ir::Stmt> &stores);
    void for_loop(const ir::For &loop);
    void if_then_else(const ir::IfThenElse &branch);
    void let_stmt(const ir::LetStmt &let);
    void store(const ir::Store &store);
    void store_mram(const ir::Store &store);
    /// True when the store's 8-byte MRAM word can be written by another tasklet at the same time.
    bool store_needs_word_lock(const ir::Store &store) const;
    bool is_accumulation(const ir::Store &store) const;
    void accumulate(const ir::Store &store);
    void dma(const ir::Dma &dma);
    void barrier();
    Location bind(const BindingKey &key, bool pair);
    void unbind(const Location &location);
    /// Moves `value` into `location` and consumes it.
    void assign(const Location &location, Value value);

    // --- conditions (kernel_expressions.cpp) ---
    /// Jumps to `label` when `cond` evaluates to `when`; falls through otherwise.
    void branch(const ir::Expr &cond, bool when, const std::string &label);
    void compare_and_branch(ir::ExprKind kind, const ir::Expr &a, const ir::Expr &b,
                            const std::string &label);

    // --- expressions (kernel_expressions.cpp) ---
    Value eval(const ir::Expr &e);
    Value variable(const ir::VarNode *var);
    Value binary(const ir::Expr &e, bool result_may_stay_in_r0);
    Value add_sub(bool subtract, Value a, Value b);
    Value logic(const char *op, Value a, Value b);
    Value multiply(Value a, Value b, bool result_may_stay_in_r0);
    Value multiply_by_constant(Value a, int64_t factor);
    /// a * b of operands bounded by narrow types ta and tb, from 8x8 multiplies (one for two bytes).
    Value multiply_narrow(Value a, ir::DType ta, Value b, ir::DType tb);
    /// a * b through the runtime, loading WRAM operands straight into the argument registers when nothing
    /// evaluated after them can overwrite those registers.
    Value multiply_in_place(const ir::Expr &a, const ir::Expr &b, bool result_may_stay_in_r0);
    /// Loads a WRAM element into r`target` (d`target` for int64) and returns that register.
    Value load_into(const ir::Load &op, int target);
    Value divide(bool modulo, Value a, Value b);
    Value min_max(bool is_min, Value a, Value b);
    Value compare(ir::ExprKind kind, Value a, Value b);
    Value select(const ir::Select &op);
    Value cast(const ir::Cast &op);
    /// v (a 32-bit result of type t's arithmetic) wrapped to t's canonical form when t is narrow.
    Value wrap_narrow(ir::DType t, Value v);
    Value load(const ir::Load &op);
    Value load_mram(const ir::Load &op);

    // --- addresses (kernel_expressions.cpp) ---
    /// Register + immediate text addressing element `indices` of a WRAM buffer.
    struct Address {
        Value base;
        std::string offset;
    };
    Address wram_address(const ir::Buffer &buffer, const ir::Expr &flat_index);
    /// Byte offset of element `flat_index` of an MRAM buffer from the start of its object.
    Value mram_byte_offset(const ir::Buffer &buffer, const ir::Expr &flat_index);
    /// Puts the aligned MRAM address of `byte_offset` in r3 and the scratch slot's WRAM address in r2.
    void mram_scratch_addresses(const ir::Buffer &buffer, Value &byte_offset);
    /// WRAM address register of a word of the scratch slot after a load: r4 for the lane of `byte_offset`.
    std::string scratch_lane(Value &byte_offset);
    Value wram_pointer(const ir::Buffer &buffer);
    const std::string &static_symbol(const ir::Buffer &buffer) const;

    // --- value plumbing (kernel_expressions.cpp) ---
    /// The value's register (a constant is first moved into a temporary); pins temporaries.
    int reg(Value &v);
    /// Register name or constant text for the second operand of an instruction (low word for pairs).
    std::string operand(Value &v);
    std::string operand_high(Value &v);
    /// A temporary this code may overwrite holding v's value.
    Value own(Value v);
    /// A destination register for an operation reading a and b: reuses one of their temporaries.
    Value destination(Value &a, Value &b, bool pair);
    Value new_temp(bool pair);
    void drop(Value &v);
    /// The result is done: unpin it so it may be spilled while siblings are evaluated.
    Value finish(Value v);
    /// Moves v into r`reg` (or the pair d`reg`), for a call.
    void move_to(int reg, Value &v);
    /// `mnemonic d, v, amount` for a 32-bit v (lsl, asr, and): d is v's temporary when it has one.
    Value shift_or_mask(const char *mnemonic, Value v, int64_t amount);

    const lower::PimProgram &program_;
    const target::UpmemMachine &machine_;
    const VariablePlacement &placement_;
    const KernelSymbols &symbols_;
    AsmWriter &out_;
    Frame frame_;
    TempRegisters temps_;
    std::unordered_map<const ir::VarNode *, Location> variables_;
    std::unordered_map<const ir::BufferNode *, Location> pointers_;
    /// What the MRAM store analysis knows in scope: loop ranges and let values expanded down to loop
    /// variables, grid coordinates and `tasklet_` (tasklet_id()).
    arith::RangeMap loop_ranges_;
    ir::VarMap let_values_;
    ir::Var tasklet_{"tasklet"};
    /// GVN state of the straight-line run being emitted (see straight_line()).
    struct StraightLine {
        struct CachedAddress {
            const ir::BufferNode *buffer;
            ir::Expr index;  ///< the non-constant part of the flat element index
            int temp;        ///< holds pointer + (index << log2(element bytes))
        };
        std::vector<CachedAddress> addresses;
        const ir::Store *stored = nullptr;  ///< the last accumulation, whose value is still in...
        Value stored_value;                 ///< ...this temporary
        std::vector<int> pinned;            ///< temporaries lent to the current statement
    };
    /// A cached address of `buffer` (pinned for the current statement), or nullopt.
    std::optional<Value> cached_address(const ir::Buffer &buffer, const ir::Expr &index);
    /// Keeps `address` (a temporary) as the address of (buffer, index) for the rest of the run.
    Value cache_address(const ir::Buffer &buffer, const ir::Expr &index, Value address);
    /// The value of `st`'s element if the previous statement of the run stored it, or nullopt.
    std::optional<Value> forwarded_value(const ir::Store &st);
    /// `value` was just stored by accumulation `st`: keep it for the next statement, or drop it.
    void remember_stored(const ir::Store &st, Value value);
    std::optional<StraightLine> line_;
    bool uses_floor_divmod_ = false;
    /// Set just before evaluating the last operand of an operation that makes no call: a product may then
    /// be left in r0/d0 where __mulsi3 put it (nothing runs in between that could overwrite it).
    bool call_result_may_stay_in_r0_ = false;
    std::set<BindingKey> in_registers_, in_frame_;
};

}  // namespace atim::codegen::dpu
