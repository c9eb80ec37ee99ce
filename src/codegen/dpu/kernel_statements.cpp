// KernelEmitter, statements: the entry sequence of `main`, loops, branches, lets, stores, DMA and barriers.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#include "atim/ir/buffer.h"
#include "atim/ir/printer.h"
#include "atim/ir/utils.h"
#include "atim/support/error.h"
#include "codegen/dpu/kernel_emitter.h"
#include "codegen/dpu/mram_word_ownership.h"

namespace atim::codegen::dpu {

KernelEmitter::KernelEmitter(const lower::PimProgram &program, const target::UpmemMachine &machine,
                             const VariablePlacement &placement, const KernelSymbols &symbols, AsmWriter &out)
    : program_(program),
      machine_(machine),
      placement_(placement),
      symbols_(symbols),
      out_(out),
      frame_(kFrameFirstFree),
      temps_(out, frame_) {}

void KernelEmitter::emit_main(const ir::Stmt &kernel) {
    out_.line("    .text");
    out_.line("    .globl main");
    out_.label("main");
    prologue();
    stmt(kernel);
    out_.ins("lw r23, r22, {}", kFrameReturnAddress);
    out_.ins("move r0, zero");
    out_.ins("jump r23");
}

// The WRAM heap is reset once per launch by tasklet 0, and nobody allocates before that is done (the
// barrier), as the SDK's mem_reset contract requires [upmem-api.md §3].
void KernelEmitter::prologue() {
    out_.ins("sw r22, {}, r23", kFrameReturnAddress);
    std::string heap_ready = out_.new_label("heap_ready");
    out_.ins("jnz id, {}", heap_ready);
    out_.ins("call r23, mem_reset");
    out_.label(heap_ready);
    barrier();
    for (const ir::Buffer &buffer : placement_.wram_local_buffers) {
        BindingKey key{buffer.get(), BindingRole::WramPointer};
        if (!placement_.used(key)) continue;
        out_.comment(fmt::format("{} = mem_alloc({}) (per tasklet)", buffer->name, buffer->size_bytes()));
        Location location = bind(key, false);
        out_.ins("move r0, {}", (buffer->size_bytes() + 7) / 8 * 8);
        out_.ins("call r23, mem_alloc");
        assign(location, Value::fixed(0, false));
        pointers_[buffer.get()] = location;
    }
    const ir::Var *coordinates[] = {&program_.grid_vars.x, &program_.grid_vars.y, &program_.grid_vars.z};
    for (int axis = 0; axis < 3; ++axis) {
        const ir::Var &var = *coordinates[axis];
        BindingKey key{var.get(), BindingRole::GridCoordinate};
        if (!placement_.used(key)) continue;
        ATIM_CHECK(var.dtype() == ir::DType::Int32, "grid coordinate {} must be int32", var.name());
        Location location = bind(key, false);
        out_.ins("lw r0, zero, {}+{}", symbols_.args, 4 * axis);
        assign(location, Value::fixed(0, false));
        variables_[var.get()] = location;
    }
}

void KernelEmitter::stmt(const ir::Stmt &s) {
    if (!s.defined()) return;
    switch (s.kind()) {
        case ir::StmtKind::Store:
            store(*s.as<ir::Store>());
            break;
        case ir::StmtKind::For:
            for_loop(*s.as<ir::For>());
            break;
        case ir::StmtKind::IfThenElse:
            if_then_else(*s.as<ir::IfThenElse>());
            break;
        case ir::StmtKind::Seq:
            seq(s.as<ir::Seq>()->stmts);
            break;
        case ir::StmtKind::LetStmt:
            let_stmt(*s.as<ir::LetStmt>());
            break;
        case ir::StmtKind::Allocate:
            // WRAM buffers are static (shared) or allocated at entry (per tasklet): see prologue().
            stmt(s.as<ir::Allocate>()->body);
            break;
        case ir::StmtKind::Evaluate: {
            Value v = eval(s.as<ir::Evaluate>()->value);
            drop(v);
            break;
        }
        case ir::StmtKind::Barrier:
            barrier();
            break;
        case ir::StmtKind::Dma:
            dma(*s.as<ir::Dma>());
            break;
    }
    ATIM_CHECK(temps_.none_live(), "a temporary outlived its statement");
}

namespace {

bool is_wram_store(const ir::Stmt &s) {
    const auto *store = s.as<ir::Store>();
    return store && (store->buffer->scope == ir::MemScope::WramLocal ||
                     store->buffer->scope == ir::MemScope::WramShared);
}

bool same_element(const ir::Store &a, const ir::Store &b) {
    if (a.buffer != b.buffer || a.indices.size() != b.indices.size()) return false;
    for (size_t d = 0; d < a.indices.size(); ++d)
        if (!ir::equal(a.indices[d], b.indices[d])) return false;
    return true;
}

// Registers a run keeps addresses in: more would push the statements' own temporaries into the frame.
constexpr size_t kMaxCachedAddresses = 3;

}  // namespace

void KernelEmitter::seq(const std::vector<ir::Stmt> &stmts) {
    for (size_t i = 0; i < stmts.size();) {
        size_t end = i;
        while (end < stmts.size() && is_wram_store(stmts[end])) ++end;
        if (end - i >= 2) {
            straight_line({stmts.begin() + static_cast<std::ptrdiff_t>(i),
                           stmts.begin() + static_cast<std::ptrdiff_t>(end)});
            i = end;
        } else {
            stmt(stmts[i++]);
        }
    }
}

void KernelEmitter::straight_line(const std::vector<ir::Stmt> &stores) {
    line_.emplace();
    for (const ir::Stmt &s : stores) {
        store(*s.as<ir::Store>());
        for (int temp : line_->pinned) temps_.unpin(temp);
        line_->pinned.clear();
    }
    for (StraightLine::CachedAddress &a : line_->addresses) temps_.release(a.temp);
    drop(line_->stored_value);
    line_.reset();
    ATIM_CHECK(temps_.none_live(), "a temporary outlived its straight-line run");
}

std::optional<Value> KernelEmitter::cached_address(const ir::Buffer &buffer, const ir::Expr &index) {
    if (!line_) return std::nullopt;
    for (const StraightLine::CachedAddress &a : line_->addresses) {
        if (a.buffer != buffer.get() || !ir::equal(a.index, index)) continue;
        line_->pinned.push_back(a.temp);
        return Value::fixed(temps_.reg(a.temp), false);
    }
    return std::nullopt;
}

Value KernelEmitter::cache_address(const ir::Buffer &buffer, const ir::Expr &index, Value address) {
    if (!line_ || address.kind != Value::Kind::Temp || line_->addresses.size() >= kMaxCachedAddresses)
        return address;
    line_->addresses.push_back({buffer.get(), index, address.temp});
    line_->pinned.push_back(address.temp);
    return Value::fixed(temps_.reg(address.temp), false);
}

std::optional<Value> KernelEmitter::forwarded_value(const ir::Store &st) {
    if (!line_ || !line_->stored || !same_element(*line_->stored, st)) return std::nullopt;
    line_->stored = nullptr;
    Value value = line_->stored_value;
    line_->stored_value = Value::constant(0, false);
    return value;
}

void KernelEmitter::remember_stored(const ir::Store &st, Value value) {
    // Only per-tasklet buffers: another tasklet may write a shared element between the store and the reuse.
    if (!line_ || value.kind != Value::Kind::Temp || st.buffer->scope != ir::MemScope::WramLocal) {
        drop(value);
        return;
    }
    temps_.unpin(value.temp);
    line_->stored = &st;
    line_->stored_value = value;
}

Location KernelEmitter::bind(const BindingKey &key, bool pair) {
    Location location;
    location.pair = pair;
    location.reg = placement_.register_of(key);
    (location.reg >= 0 ? in_registers_ : in_frame_).insert(key);
    if (location.reg >= 0) {
        uint32_t mask = (pair ? 3u : 1u) << location.reg;
        ATIM_CHECK((temps_.reserved() & mask) == 0, "register r{} is bound twice", location.reg);
        temps_.set_reserved(temps_.reserved() | mask);
    } else {
        location.slot = frame_.allocate(pair ? 8 : 4);
    }
    return location;
}

void KernelEmitter::unbind(const Location &location) {
    if (location.reg >= 0) {
        temps_.set_reserved(temps_.reserved() & ~((location.pair ? 3u : 1u) << location.reg));
    } else if (location.slot >= 0) {
        frame_.release(location.slot, location.pair ? 8 : 4);
    }
}

void KernelEmitter::assign(const Location &location, Value value) {
    ATIM_CHECK(location.pair == value.pair, "assignment between int32 and int64");
    if (location.reg >= 0) {
        if (location.pair && value.is_imm()) {
            out_.ins("move r{}, {}", location.reg, operand_high(value));
            out_.ins("move r{}, {}", location.reg + 1, operand(value));
        } else if (location.pair) {
            out_.ins("movd {}, {}", pair_name(location.reg), pair_name(reg(value)));
        } else {
            out_.ins("move r{}, {}", location.reg, operand(value));
        }
    } else {
        bool fits_store_immediate = value.is_imm() && value.imm >= INT32_MIN && value.imm <= INT32_MAX;
        if (fits_store_immediate) {
            out_.ins("{} r22, {}, {}", location.pair ? "sd" : "sw", location.slot, value.imm);
        } else if (location.pair) {
            out_.ins("sd r22, {}, {}", location.slot, pair_name(reg(value)));
        } else {
            out_.ins("sw r22, {}, {}", location.slot, register_name(reg(value)));
        }
    }
    drop(value);
}

// for (v = min; v < min + extent; ++v): the bound is compared at the bottom, and once at the top unless
// the trip count is a known positive constant.
void KernelEmitter::for_loop(const ir::For &loop) {
    ATIM_CHECK(!ir::is_dpu_binding(loop.for_kind) && loop.for_kind != ir::ForKind::Tasklet,
               "kernel still has a {} loop over {}; lowering binds those to the grid and tasklet_id",
               ir::to_string(loop.for_kind), loop.var.name());
    const int64_t *const_min = ir::as_const_int(loop.min);
    const int64_t *const_extent = ir::as_const_int(loop.extent);
    const bool constant_trip = const_min && const_extent;
    if (constant_trip && *const_extent <= 0) return;
    const ir::DType type = loop.var.dtype();
    const bool pair = type == ir::DType::Int64;

    out_.comment(fmt::format("for {} in [{}, {} + {})", loop.var.name(), ir::to_string(loop.min),
                             ir::to_string(loop.min), ir::to_string(loop.extent)));
    Location var_location = bind({&loop, BindingRole::LoopVariable}, pair);
    Location end_location;
    ir::Expr end;
    ir::Var end_var(loop.var.name() + "_end", type);
    if (constant_trip) {
        end = ir::make_const(type, *const_min + *const_extent);
    } else {
        end_location = bind({&loop, BindingRole::LoopEnd}, pair);
        assign(end_location, eval(ir::Add::make(loop.min, loop.extent)));
        variables_[end_var.get()] = end_location;
        end = end_var;
    }
    assign(var_location, eval(loop.min));
    auto shadowed = variables_.find(loop.var.get());
    std::optional<Location> outer;
    if (shadowed != variables_.end()) outer = shadowed->second;
    variables_[loop.var.get()] = var_location;
    auto shadowed_range = loop_ranges_.find(loop.var.get());
    std::optional<arith::Range> outer_range;
    if (shadowed_range != loop_ranges_.end()) outer_range = shadowed_range->second;
    loop_ranges_[loop.var.get()] =
        arith::loop_range(ir::substitute(loop.min, let_values_), ir::substitute(loop.extent, let_values_));

    std::string top = out_.new_label("loop");
    std::string exit = out_.new_label("loop_exit");
    if (!constant_trip) branch(ir::GE::make(loop.var, end), true, exit);
    out_.label(top);
    stmt(loop.body);
    if (!pair && var_location.reg >= 0) {
        out_.ins("add r{}, r{}, 1", var_location.reg, var_location.reg);
    } else {
        assign(var_location, eval(ir::Add::make(loop.var, ir::make_const(type, 1))));
    }
    branch(ir::LT::make(loop.var, end), true, top);
    out_.label(exit);

    if (outer) {
        variables_[loop.var.get()] = *outer;
    } else {
        variables_.erase(loop.var.get());
    }
    if (outer_range) {
        loop_ranges_[loop.var.get()] = *outer_range;
    } else {
        loop_ranges_.erase(loop.var.get());
    }
    variables_.erase(end_var.get());
    if (!constant_trip) unbind(end_location);
    unbind(var_location);
}

void KernelEmitter::if_then_else(const ir::IfThenElse &branch_stmt) {
    if (const int64_t *value = ir::as_const_int(branch_stmt.cond)) {
        stmt(*value ? branch_stmt.then_case : branch_stmt.else_case);
        return;
    }
    std::string end = out_.new_label("endif");
    std::string otherwise = branch_stmt.else_case.defined() ? out_.new_label("else") : end;
    branch(branch_stmt.cond, false, otherwise);
    stmt(branch_stmt.then_case);
    if (branch_stmt.else_case.defined()) {
        out_.ins("jump {}", end);
        out_.label(otherwise);
        stmt(branch_stmt.else_case);
    }
    out_.label(end);
}

void KernelEmitter::let_stmt(const ir::LetStmt &let) {
    BindingKey key{&let, BindingRole::LetVariable};
    if (!placement_.used(key)) {  // values are pure: an unused one need not be computed
        stmt(let.body);
        return;
    }
    const bool names_id = is_tasklet_id(let.value);
    Location location =
        names_id ? Location{kIdRegister, -1, false} : bind(key, let.var.dtype() == ir::DType::Int64);
    if (!names_id) assign(location, eval(let.value));
    auto shadowed = variables_.find(let.var.get());
    std::optional<Location> outer;
    if (shadowed != variables_.end()) outer = shadowed->second;
    variables_[let.var.get()] = location;
    auto shadowed_value = let_values_.find(let.var.get());
    std::optional<ir::Expr> outer_value;
    if (shadowed_value != let_values_.end()) outer_value = shadowed_value->second;
    let_values_[let.var.get()] = names_id ? ir::Expr(tasklet_) : ir::substitute(let.value, let_values_);
    stmt(let.body);
    if (outer) {
        variables_[let.var.get()] = *outer;
    } else {
        variables_.erase(let.var.get());
    }
    if (outer_value) {
        let_values_[let.var.get()] = *outer_value;
    } else {
        let_values_.erase(let.var.get());
    }
    if (!names_id) unbind(location);
}

void KernelEmitter::store(const ir::Store &st) {
    const ir::Buffer &buffer = st.buffer;
    ATIM_CHECK(ir::is_integer(buffer->dtype), "DPU buffers hold integers, {} is {}", buffer->name,
               ir::to_string(buffer->dtype));
    if (buffer->scope == ir::MemScope::Mram) {
        store_mram(st);
        return;
    }
    ATIM_CHECK(buffer->scope != ir::MemScope::Global, "kernel stores into host tensor {}", buffer->name);
    const bool pair = buffer->dtype == ir::DType::Int64;
    if (is_accumulation(st)) {
        accumulate(st);
        return;
    }
    if (line_) {  // the element the run forwards may alias this one
        line_->stored = nullptr;
        drop(line_->stored_value);
    }
    Value value = eval(st.value);
    ATIM_CHECK(value.pair == pair, "store of a value of another width into {}", buffer->name);
    Address address = wram_address(buffer, ir::flatten_index(buffer, st.indices));
    std::string base = register_name(reg(address.base));
    const char *mnemonic = pair ? "sd" : store_mnemonic(buffer->dtype);
    if (value.is_imm() && value.imm >= INT32_MIN && value.imm <= INT32_MAX) {
        out_.ins("{} {}, {}, {}", mnemonic, base, address.offset, value.imm);
    } else if (pair) {
        out_.ins("sd {}, {}, {}", base, address.offset, pair_name(reg(value)));
    } else {
        out_.ins("{} {}, {}, {}", mnemonic, base, address.offset, register_name(reg(value)));
    }
    drop(address.base);
    drop(value);
}

bool KernelEmitter::is_accumulation(const ir::Store &st) const {
    const auto *add = st.value.as<ir::Add>();
    const auto *current = add ? add->a.as<ir::Load>() : nullptr;
    if (!current || current->buffer != st.buffer || current->indices.size() != st.indices.size())
        return false;
    for (size_t d = 0; d < st.indices.size(); ++d)
        if (!ir::equal(current->indices[d], st.indices[d])) return false;
    return true;
}

// X[i] = X[i] + rhs, the update of a reduction: the element's address is computed once for the load and the
// store, as a C compiler would.
void KernelEmitter::accumulate(const ir::Store &st) {
    const ir::Buffer &buffer = st.buffer;
    const bool pair = buffer->dtype == ir::DType::Int64;
    std::optional<Value> forwarded = forwarded_value(st);
    if (line_ && !forwarded) {  // another element follows: what the run forwarded may alias it
        line_->stored = nullptr;
        drop(line_->stored_value);
    }
    Address address = wram_address(buffer, ir::flatten_index(buffer, st.indices));
    if (address.base.kind == Value::Kind::Temp) temps_.unpin(address.base.temp);
    Value current = forwarded ? *forwarded : new_temp(pair);
    std::string base = register_name(reg(address.base));
    if (forwarded) {
        reg(current);  // reloads it if the address computation spilled it
    } else if (pair) {
        out_.ins("ld {}, {}, {}", pair_name(reg(current)), base, address.offset);
    } else {
        out_.ins("{} {}, {}, {}", load_mnemonic(buffer->dtype), register_name(reg(current)), base,
                 address.offset);
    }
    temps_.unpin(current.temp);
    call_result_may_stay_in_r0_ = true;  // nothing but the add runs between the right-hand side and its use
    Value sum = wrap_narrow(buffer->dtype, add_sub(false, current, eval(st.value.as<ir::Add>()->b)));
    base = register_name(reg(address.base));
    if (pair) {
        out_.ins("sd {}, {}, {}", base, address.offset, pair_name(reg(sum)));
    } else {
        out_.ins("{} {}, {}, {}", store_mnemonic(buffer->dtype), base, address.offset,
                 register_name(reg(sum)));
    }
    drop(address.base);
    remember_stored(st, sum);
}

// A sub-word store rewrites its whole 8-byte word: it needs a lock when another tasklet may write the word's
// other half at the same time. UPMEM's clang emits no lock (the C program's tasklets own whole words when
// rows are split as [tasklets, ., 8 / sizeof(element)]); we drop it where that ownership is proven.
bool KernelEmitter::store_needs_word_lock(const ir::Store &st) const {
    if (st.buffer->dtype == ir::DType::Int64 || program_.tasklets <= 1) return false;
    StoreScope scope{loop_ranges_, let_values_, tasklet_.get(), {}, program_.tasklets};
    for (const ir::Var *grid : {&program_.grid_vars.x, &program_.grid_vars.y, &program_.grid_vars.z})
        if (grid->defined()) scope.uniform_vars.push_back(grid->get());
    return !tasklets_store_disjoint_words(ir::flatten_index(st.buffer, st.indices),
                                          ir::bytes_of(st.buffer->dtype), scope);
}

// Element stores to MRAM (opt level 0) go through an 8-byte WRAM slot: an int64 element fills the slot, an
// int32 element is a read-modify-write of its 8-byte word (under a lock unless the word is this tasklet's).
void KernelEmitter::store_mram(const ir::Store &st) {
    const ir::Buffer &buffer = st.buffer;
    const bool pair = buffer->dtype == ir::DType::Int64;
    Value value = eval(st.value);
    ATIM_CHECK(value.pair == pair, "store of a value of another width into {}", buffer->name);
    Value offset = mram_byte_offset(buffer, ir::flatten_index(buffer, st.indices));
    std::string value_reg = pair ? pair_name(reg(value)) : register_name(reg(value));
    const bool lock = store_needs_word_lock(st);
    if (lock) out_.ins("acquire zero, {}, nz, .", kMramWordLock);
    mram_scratch_addresses(buffer, offset);
    if (pair) {
        out_.ins("sd r2, 0, {}", value_reg);
    } else {
        out_.ins("ldma r2, r3, 0");
        out_.ins("{} {}, {}", store_mnemonic(buffer->dtype), scratch_lane(offset), value_reg);
    }
    out_.ins("sdma r2, r3, 0");
    if (lock) out_.ins("release zero, {}, nz, .+1", kMramWordLock);
    drop(offset);
    drop(value);
}

// ldma/sdma move (1 + length field) * 8 bytes; a length only known at run time goes into bits 24..31 of the
// WRAM address register, which the DMA adds to the field [upmem-hardware.md §2].
void KernelEmitter::dma(const ir::Dma &transfer) {
    const bool to_wram = transfer.direction == ir::DmaDirection::MramToWram;
    const char *mnemonic = to_wram ? "ldma" : "sdma";
    Address wram = wram_address(transfer.wram, transfer.wram_offset);
    Value wram_reg;
    if (wram.base.kind == Value::Kind::Temp) {
        wram_reg = wram.base;
        int r = reg(wram_reg);
        if (wram.offset != "0") out_.ins("add r{}, r{}, {}", r, r, wram.offset);
    } else {
        std::string base = register_name(reg(wram.base));
        wram_reg = new_temp(false);
        out_.ins("add {}, {}, {}", register_name(reg(wram_reg)), base, wram.offset);
    }
    temps_.unpin(wram_reg.temp);

    Value mram_offset = mram_byte_offset(transfer.mram, transfer.mram_offset);
    const std::string &symbol = static_symbol(transfer.mram);
    Value mram_reg;
    if (mram_offset.is_imm()) {
        mram_reg = new_temp(false);
        out_.ins("move {}, {}+{}", register_name(reg(mram_reg)), symbol, mram_offset.imm);
    } else {
        mram_reg = own(mram_offset);
        int r = reg(mram_reg);
        out_.ins("add r{}, r{}, {}", r, r, symbol);
    }
    temps_.unpin(mram_reg.temp);

    if (const int64_t *bytes = ir::as_const_int(transfer.bytes)) {
        ATIM_CHECK(*bytes > 0 && *bytes % 8 == 0, "DMA of {} bytes; the DPU moves multiples of 8", *bytes);
        const int64_t max_chunk = std::min<int64_t>(machine_.max_dma_bytes, 2048);
        for (int64_t done = 0; done < *bytes; done += max_chunk) {
            int64_t chunk = std::min(max_chunk, *bytes - done);
            int w = reg(wram_reg), m = reg(mram_reg);
            if (done > 0) {
                out_.ins("add r{}, r{}, {}", w, w, max_chunk);
                out_.ins("add r{}, r{}, {}", m, m, max_chunk);
            }
            out_.ins("{} r{}, r{}, {}", mnemonic, w, m, chunk / 8 - 1);
        }
    } else {
        Value length = own(eval(transfer.bytes));
        int l = reg(length), w = reg(wram_reg), m = reg(mram_reg);
        out_.ins("lsr r{}, r{}, 3", l, l);
        out_.ins("sub r{}, r{}, 1", l, l);
        out_.ins("lsl_add r{}, r{}, r{}, 24", w, w, l);
        out_.ins("{} r{}, r{}, 0", mnemonic, w, m);
        drop(length);
    }
    drop(wram_reg);
    drop(mram_reg);
}

void KernelEmitter::barrier() {
    out_.ins("move r0, __sys_barrier");
    out_.ins("call r23, barrier_wait");
}

}  // namespace atim::codegen::dpu
