// The reference interpreter: compiles a statement once into closures over a frame of variable slots and
// resolved buffers, then runs them.
#include "atim/interp/interpreter.h"

#include <barrier>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "atim/ir/functor.h"
#include "atim/support/error.h"
#include "interp/integer_ops.h"

namespace atim::interp {
namespace {

using Barrier = std::barrier<>;

struct BufferView {
    int64_t *data = nullptr;
    int64_t size = 0;
};

/// The run-time state one tasklet sees: variable values, buffer storage, its barrier.
struct Frame {
    std::vector<int64_t> vars;
    std::vector<BufferView> buffers;
    std::vector<std::vector<int64_t>> allocations;  // backing storage of Allocate'd buffers, by buffer slot
    Barrier *barrier = nullptr;
};

using ExprFn = std::function<int64_t(Frame &)>;

/// An operand of a compiled operation: constants and variables are read inline, anything else is called.
/// Most operands in index arithmetic are leaves, and a branch is much cheaper than an indirect call.
struct Operand {
    enum class Kind : uint8_t { Constant, Variable, Computed };
    Kind kind = Kind::Constant;
    int64_t value = 0;  // the constant, or the variable's slot
    ExprFn fn;
    int64_t operator()(Frame &f) const {
        switch (kind) {
            case Kind::Constant:
                return value;
            case Kind::Variable:
                return f.vars[static_cast<size_t>(value)];
            case Kind::Computed:
                break;
        }
        return fn(f);
    }
};
using StmtFn = std::function<void(Frame &)>;

[[noreturn]] void out_of_bounds(const ir::BufferNode *b, size_t dim, int64_t index) {
    internal_error(__FILE__, __LINE__,
                   fmt::format("index {} of dimension {} of buffer {} is outside [0, {})", index, dim,
                               b->name, b->shape[dim]));
}

/// The row-major flat offset of a buffer access, each index checked against its dimension. Ranks 1 and 2
/// (nearly every access) are unrolled.
struct Offset {
    const ir::BufferNode *node = nullptr;
    size_t rank = 0;
    Operand i0, i1;
    int64_t n0 = 0, n1 = 0;
    std::vector<Operand> indices;  // rank > 2
    std::vector<int64_t> strides;

    int64_t operator()(Frame &f) const {
        if (rank == 1) {
            int64_t x = i0(f);
            if (x < 0 || x >= n0) out_of_bounds(node, 0, x);
            return x;
        }
        if (rank == 2) {
            int64_t x = i0(f), y = i1(f);
            if (x < 0 || x >= n0) out_of_bounds(node, 0, x);
            if (y < 0 || y >= n1) out_of_bounds(node, 1, y);
            return x * n1 + y;
        }
        int64_t flat = 0;
        for (size_t d = 0; d < indices.size(); ++d) {
            int64_t x = indices[d](f);
            if (x < 0 || x >= node->shape[d]) out_of_bounds(node, d, x);
            flat += x * strides[d];
        }
        return flat;
    }
};

struct BufferSlot {
    ir::Buffer buffer;
    int index;
};

bool contains_barrier(const ir::Stmt &s) {
    struct Finder : ir::Visitor {
        bool found = false;
        using ir::Visitor::visit;
        void visit(const ir::Barrier *) override { found = true; }
    } finder;
    finder.visit(s);
    return finder.found;
}

class Compiler {
public:
    Compiler(Memory &memory, const VarValues &free_vars) : memory_(memory) {
        for (const auto &[var, value] : free_vars) {
            scope_[var] = new_slot();
            free_values_.emplace_back(scope_[var], value);
        }
    }

    StmtFn compile(const ir::Stmt &s) {
        if (!s.defined()) return [](Frame &) {};
        switch (s.kind()) {
            case ir::StmtKind::Store:
                return compile_store(*s.as<ir::Store>());
            case ir::StmtKind::For:
                return compile_for(*s.as<ir::For>());
            case ir::StmtKind::IfThenElse: {
                const auto *op = s.as<ir::IfThenElse>();
                ExprFn cond = compile(op->cond);
                StmtFn then_case = compile(op->then_case), else_case = compile(op->else_case);
                return [cond, then_case, else_case](Frame &f) { cond(f) ? then_case(f) : else_case(f); };
            }
            case ir::StmtKind::Seq: {
                std::vector<StmtFn> stmts;
                for (const ir::Stmt &inner : s.as<ir::Seq>()->stmts) stmts.push_back(compile(inner));
                return [stmts](Frame &f) {
                    for (const StmtFn &stmt : stmts) stmt(f);
                };
            }
            case ir::StmtKind::LetStmt: {
                const auto *op = s.as<ir::LetStmt>();
                ExprFn value = compile(op->value);
                int slot = bind(op->var.get());
                StmtFn body = compile(op->body);
                unbind(op->var.get());
                return [slot, value, body](Frame &f) {
                    f.vars[slot] = value(f);
                    body(f);
                };
            }
            case ir::StmtKind::Allocate:
                return compile_allocate(*s.as<ir::Allocate>());
            case ir::StmtKind::Evaluate: {
                ExprFn value = compile(s.as<ir::Evaluate>()->value);
                return [value](Frame &f) { value(f); };
            }
            case ir::StmtKind::Barrier:
                return [](Frame &f) {
                    if (f.barrier) f.barrier->arrive_and_wait();
                };
            case ir::StmtKind::Dma:
                return compile_dma(*s.as<ir::Dma>());
        }
        ATIM_CHECK(false, "unknown statement kind {}", static_cast<int>(s.kind()));
        return {};
    }

    /// The frame the compiled program starts with.
    Frame initial_frame() {
        Frame f;
        f.vars.assign(static_cast<size_t>(num_vars_), 0);
        for (const auto &[slot, value] : free_values_) f.vars[static_cast<size_t>(slot)] = value;
        f.buffers.resize(buffer_slots_.size());
        f.allocations.resize(buffer_slots_.size());
        for (const auto &[node, slot] : buffer_slots_) {
            if (allocated_.count(node)) continue;
            std::vector<int64_t> &values = memory_.values(slot.buffer);
            f.buffers[static_cast<size_t>(slot.index)] =
                BufferView{values.data(), static_cast<int64_t>(values.size())};
        }
        return f;
    }

private:
    // ---- expressions ----

    ExprFn compile(const ir::Expr &e) {
        using K = ir::ExprKind;
        ir::DType t = e.dtype();
        switch (e.kind()) {
            case K::IntImm: {
                int64_t v = e.as<ir::IntImm>()->value;
                return [v](Frame &) { return v; };
            }
            case K::Var: {
                int slot = lookup(e.as<ir::VarNode>());
                return [slot](Frame &f) { return f.vars[static_cast<size_t>(slot)]; };
            }
            case K::Add:
                return arithmetic<ir::Add>(e, [](int64_t a, int64_t b) { return detail::add(a, b); });
            case K::Sub:
                return arithmetic<ir::Sub>(e, [](int64_t a, int64_t b) { return detail::sub(a, b); });
            case K::Mul:
                return arithmetic<ir::Mul>(e, [](int64_t a, int64_t b) { return detail::mul(a, b); });
            case K::Div:
                return division<ir::Div>(e, [](int64_t a, int64_t b) { return detail::floor_div(a, b); });
            case K::Mod:
                return division<ir::Mod>(e, [](int64_t a, int64_t b) { return detail::floor_mod(a, b); });
            case K::Min:
                return arithmetic<ir::Min>(e, [](int64_t a, int64_t b) { return std::min(a, b); });
            case K::Max:
                return arithmetic<ir::Max>(e, [](int64_t a, int64_t b) { return std::max(a, b); });
            case K::EQ:
                return comparison<ir::EQ>(e, std::equal_to<int64_t>());
            case K::NE:
                return comparison<ir::NE>(e, std::not_equal_to<int64_t>());
            case K::LT:
                return comparison<ir::LT>(e, std::less<int64_t>());
            case K::LE:
                return comparison<ir::LE>(e, std::less_equal<int64_t>());
            case K::GT:
                return comparison<ir::GT>(e, std::greater<int64_t>());
            case K::GE:
                return comparison<ir::GE>(e, std::greater_equal<int64_t>());
            case K::And: {
                ExprFn a = compile(e.as<ir::And>()->a), b = compile(e.as<ir::And>()->b);
                return [a, b](Frame &f) -> int64_t { return a(f) && b(f); };
            }
            case K::Or: {
                ExprFn a = compile(e.as<ir::Or>()->a), b = compile(e.as<ir::Or>()->b);
                return [a, b](Frame &f) -> int64_t { return a(f) || b(f); };
            }
            case K::Not: {
                ExprFn a = compile(e.as<ir::Not>()->a);
                return [a](Frame &f) -> int64_t { return !a(f); };
            }
            case K::Select: {
                // Only the chosen branch runs, so a guarded out-of-bounds load in the other is harmless.
                const auto *op = e.as<ir::Select>();
                ExprFn c = compile(op->cond), x = compile(op->true_value), y = compile(op->false_value);
                return [c, x, y](Frame &f) { return c(f) ? x(f) : y(f); };
            }
            case K::Cast: {
                ExprFn v = compile(e.as<ir::Cast>()->value);
                return [v, t](Frame &f) { return detail::wrap(t, v(f)); };
            }
            case K::Load:
                return compile_load(*e.as<ir::Load>());
            case K::Call: {
                const auto *op = e.as<ir::Call>();
                auto it = memory_.intrinsics().find(op->name);
                ATIM_CHECK(op->args.empty() && it != memory_.intrinsics().end(),
                           "the interpreter does not know intrinsic {} with {} arguments", op->name,
                           op->args.size());
                int64_t v = it->second;
                return [v](Frame &) { return v; };
            }
        }
        ATIM_CHECK(false, "unknown expression kind {}", static_cast<int>(e.kind()));
        return {};
    }

    Operand operand(const ir::Expr &e) {
        if (const auto *imm = e.as<ir::IntImm>()) return Operand{Operand::Kind::Constant, imm->value, {}};
        if (const auto *var = e.as<ir::VarNode>()) return Operand{Operand::Kind::Variable, lookup(var), {}};
        return Operand{Operand::Kind::Computed, 0, compile(e)};
    }

    // Results narrower than 64 bits are wrapped after every operation, as a register of the type's width
    // would hold them (ir/type.h).
    template <typename Node, typename Op>
    ExprFn arithmetic(const ir::Expr &e, Op op) {
        const auto *node = e.as<Node>();
        Operand a = operand(node->a), b = operand(node->b);
        if (e.dtype() == ir::DType::Int32) {
            return [a, b, op](Frame &f) -> int64_t { return static_cast<int32_t>(op(a(f), b(f))); };
        }
        if (e.dtype() != ir::DType::Int64) {
            const ir::DType t = e.dtype();
            return [a, b, op, t](Frame &f) -> int64_t { return detail::wrap(t, op(a(f), b(f))); };
        }
        return [a, b, op](Frame &f) { return op(a(f), b(f)); };
    }

    template <typename Node, typename Op>
    ExprFn division(const ir::Expr &e, Op op) {
        const auto *node = e.as<Node>();
        Operand a = operand(node->a), b = operand(node->b);
        ir::DType t = e.dtype();
        return [a, b, op, t](Frame &f) {
            int64_t x = a(f), y = b(f);
            ATIM_CHECK(y != 0, "division by zero");
            return detail::wrap(t, op(x, y));
        };
    }

    template <typename Node, typename Op>
    ExprFn comparison(const ir::Expr &e, Op op) {
        const auto *node = e.as<Node>();
        Operand a = operand(node->a), b = operand(node->b);
        return [a, b, op](Frame &f) -> int64_t { return op(a(f), b(f)); };
    }

    /// Flat row-major offset of `indices` in buffer `b`, each index checked against its dimension.
    Offset compile_offset(const ir::Buffer &b, const std::vector<ir::Expr> &indices) {
        Offset offset;
        offset.node = b.get();
        offset.rank = indices.size();
        offset.strides = b->strides();
        if (offset.rank >= 1) offset.i0 = operand(indices[0]), offset.n0 = b->shape[0];
        if (offset.rank >= 2) offset.i1 = operand(indices[1]), offset.n1 = b->shape[1];
        if (offset.rank > 2) {
            for (const ir::Expr &index : indices) offset.indices.push_back(operand(index));
        }
        return offset;
    }

    ExprFn compile_load(const ir::Load &op) {
        auto slot = static_cast<size_t>(buffer_slot(op.buffer));
        Offset offset = compile_offset(op.buffer, op.indices);
        return [slot, offset](Frame &f) { return f.buffers[slot].data[offset(f)]; };
    }

    // ---- statements ----

    StmtFn compile_store(const ir::Store &op) {
        auto slot = static_cast<size_t>(buffer_slot(op.buffer));
        Offset offset = compile_offset(op.buffer, op.indices);
        Operand value = operand(op.value);
        ir::DType t = op.buffer->dtype;
        return [slot, offset, value, t](Frame &f) {
            int64_t v = detail::wrap(t, value(f));
            f.buffers[slot].data[offset(f)] = v;
        };
    }

    StmtFn compile_for(const ir::For &op) {
        Operand min = operand(op.min), extent = operand(op.extent);
        int slot = bind(op.var.get());
        StmtFn body = compile(op.body);
        unbind(op.var.get());
        if (op.for_kind == ir::ForKind::Tasklet && contains_barrier(op.body)) {
            return [min, extent, slot, body](Frame &f) { run_tasklets(f, min(f), extent(f), slot, body); };
        }
        return [min, extent, slot, body](Frame &f) {
            int64_t lo = min(f), hi = lo + extent(f);
            for (int64_t v = lo; v < hi; ++v) {
                f.vars[static_cast<size_t>(slot)] = v;
                body(f);
            }
        };
    }

    // Tasklets that synchronise run as threads meeting at a real barrier; one that finishes (or fails)
    // leaves the barrier so the others are never stranded.
    static void run_tasklets(Frame &f, int64_t lo, int64_t count, int slot, const StmtFn &body) {
        if (count <= 0) return;
        Barrier barrier(count);
        std::exception_ptr failure;
        std::mutex failure_mutex;
        std::vector<std::thread> tasklets;
        for (int64_t t = 0; t < count; ++t) {
            tasklets.emplace_back([&, t] {
                Frame local = f;
                local.vars[static_cast<size_t>(slot)] = lo + t;
                local.barrier = &barrier;
                try {
                    body(local);
                } catch (...) {
                    std::lock_guard<std::mutex> lock(failure_mutex);
                    if (!failure) failure = std::current_exception();
                }
                barrier.arrive_and_drop();
            });
        }
        for (std::thread &t : tasklets) t.join();
        if (failure) std::rethrow_exception(failure);
    }

    StmtFn compile_allocate(const ir::Allocate &op) {
        int slot = buffer_slot(op.buffer);
        allocated_.insert(op.buffer.get());
        StmtFn body = compile(op.body);
        auto size = static_cast<size_t>(op.buffer->num_elements());
        return [slot, size, body](Frame &f) {
            auto s = static_cast<size_t>(slot);
            // Fresh storage per execution; the previous view is restored so an enclosing owner is unaffected.
            std::vector<int64_t> saved_storage = std::move(f.allocations[s]);
            BufferView saved_view = f.buffers[s];
            f.allocations[s].assign(size, 0);
            f.buffers[s] = BufferView{f.allocations[s].data(), static_cast<int64_t>(size)};
            body(f);
            f.allocations[s] = std::move(saved_storage);
            f.buffers[s] = saved_view;
        };
    }

    StmtFn compile_dma(const ir::Dma &op) {
        int wram = buffer_slot(op.wram), mram = buffer_slot(op.mram);
        ExprFn wram_offset = compile(op.wram_offset), mram_offset = compile(op.mram_offset);
        ExprFn bytes = compile(op.bytes);
        bool to_wram = op.direction == ir::DmaDirection::MramToWram;
        ir::DType wram_type = op.wram->dtype, mram_type = op.mram->dtype;
        return [=](Frame &f) {
            int64_t w = wram_offset(f), m = mram_offset(f), n = bytes(f);
            ATIM_CHECK(w >= 0 && m >= 0 && n >= 0, "dma with a negative offset or size ({}, {}, {} bytes)", w,
                       m, n);
            const BufferView &wv = f.buffers[static_cast<size_t>(wram)];
            const BufferView &mv = f.buffers[static_cast<size_t>(mram)];
            if (to_wram) {
                copy_bytes(mv, mram_type, m, wv, wram_type, w, n);
            } else {
                copy_bytes(wv, wram_type, w, mv, mram_type, m, n);
            }
        };
    }

    // Copies n bytes, reinterpreting little-endian two's complement elements when the types differ.
    static void copy_bytes(const BufferView &src, ir::DType src_type, int64_t src_offset,
                           const BufferView &dst, ir::DType dst_type, int64_t dst_offset, int64_t n) {
        int64_t src_size = ir::bytes_of(src_type), dst_size = ir::bytes_of(dst_type);
        if (src_type == dst_type && n % src_size == 0) {
            for (int64_t k = 0; k < n / src_size; ++k) {
                if (dst_offset + k >= dst.size) break;
                dst.data[dst_offset + k] = src_offset + k < src.size ? src.data[src_offset + k] : 0;
            }
            return;
        }
        for (int64_t byte = 0; byte < n; ++byte) {
            int64_t s = src_offset * src_size + byte, d = dst_offset * dst_size + byte;
            if (d / dst_size >= dst.size) break;
            uint64_t value = s / src_size < src.size ? static_cast<uint64_t>(src.data[s / src_size]) : 0;
            uint64_t b = (value >> (8 * (s % src_size))) & 0xff;
            auto &target = dst.data[d / dst_size];
            uint64_t shift = 8 * static_cast<uint64_t>(d % dst_size);
            uint64_t updated = (static_cast<uint64_t>(target) & ~(uint64_t{0xff} << shift)) | (b << shift);
            target = detail::wrap(dst_type, static_cast<int64_t>(updated));
        }
    }

    // ---- slots ----

    int new_slot() { return num_vars_++; }

    // Every binding gets its own slot, so a variable bound again inside its own scope cannot clobber it.
    int bind(const ir::VarNode *v) {
        auto previous = scope_.find(v);
        if (previous != scope_.end()) shadowed_.emplace_back(v, previous->second);
        int slot = new_slot();
        scope_[v] = slot;
        return slot;
    }

    void unbind(const ir::VarNode *v) {
        for (auto it = shadowed_.rbegin(); it != shadowed_.rend(); ++it) {
            if (it->first == v) {
                scope_[v] = it->second;
                shadowed_.erase(std::next(it).base());
                return;
            }
        }
        scope_.erase(v);
    }

    int lookup(const ir::VarNode *v) {
        auto it = scope_.find(v);
        ATIM_CHECK(it != scope_.end(), "variable {} is used outside its loop or let and has no given value",
                   v->name);
        return it->second;
    }

    int buffer_slot(const ir::Buffer &b) {
        auto it = buffer_slots_.find(b.get());
        if (it != buffer_slots_.end()) return it->second.index;
        int index = static_cast<int>(buffer_slots_.size());
        buffer_slots_.emplace(b.get(), BufferSlot{b, index});
        return index;
    }

    Memory &memory_;
    int num_vars_ = 0;
    std::unordered_map<const ir::VarNode *, int> scope_;
    std::vector<std::pair<const ir::VarNode *, int>> shadowed_;
    std::vector<std::pair<int, int64_t>> free_values_;
    std::unordered_map<const ir::BufferNode *, BufferSlot> buffer_slots_;
    std::unordered_set<const ir::BufferNode *> allocated_;
};

}  // namespace

void run(const ir::Stmt &s, Memory &memory, const VarValues &free_vars) {
    Compiler compiler(memory, free_vars);
    StmtFn program = compiler.compile(s);
    Frame frame = compiler.initial_frame();
    program(frame);
}

}  // namespace atim::interp
