// run_pim_program: a direct, checked execution of a PimProgram (tree-walking; tasklets are threads).
#include "pim_program_interp.h"

#include <algorithm>
#include <barrier>
#include <exception>
#include <mutex>
#include <thread>

#include "atim/arith/linear_form.h"
#include "atim/ir/functor.h"
#include "atim/support/error.h"

namespace atim::lower {
namespace {

// mram_read/mram_write rules [upmem-api.md §3.3].
constexpr int64_t kDmaAlignment = 8;
constexpr int64_t kMaxDmaBytes = 2048;
// What an MRAM word holds before anything is written to it (a recognizable pattern, wrapped to the type).
constexpr int64_t kUninitializedMram = 0x5a5a5a5a5a5a5a5a;

using Storage = std::vector<int64_t>;

/// Storage shared by the tasklets of one DPU: its MRAM slices and its WramShared buffers.
struct DpuMemory {
    std::unordered_map<const ir::BufferNode *, Storage> mram;  ///< every slice, also those in WRAM
    std::unordered_map<const ir::BufferNode *, Storage> shared_wram;
    std::mutex shared_wram_mutex;
};

/// Where a run takes its buffers from.
struct MemoryView {
    HostTensors *host = nullptr;  ///< Global buffers (host code only)
    DpuMemory *dpu = nullptr;     ///< Mram and WramShared buffers (kernel code)
};

/// One thread of execution: a host run, or one tasklet of one DPU.
class Executor {
public:
    Executor(MemoryView memory, std::string where, int64_t tasklet_id = 0, std::barrier<> *barrier = nullptr)
        : memory_(memory), where_(std::move(where)), tasklet_id_(tasklet_id), barrier_(barrier) {}

    void bind(const ir::Var &var, int64_t value) { vars_[var.get()] = value; }

    void run(const ir::Stmt &s) {
        if (!s.defined()) return;
        switch (s.kind()) {
            case ir::StmtKind::Store:
                return run_store(*s.as<ir::Store>());
            case ir::StmtKind::For:
                return run_for(*s.as<ir::For>());
            case ir::StmtKind::IfThenElse: {
                const auto &op = *s.as<ir::IfThenElse>();
                return run(eval(op.cond) ? op.then_case : op.else_case);
            }
            case ir::StmtKind::Seq:
                for (const ir::Stmt &inner : s.as<ir::Seq>()->stmts) run(inner);
                return;
            case ir::StmtKind::LetStmt: {
                const auto &op = *s.as<ir::LetStmt>();
                vars_[op.var.get()] = eval(op.value);
                run(op.body);
                vars_.erase(op.var.get());
                return;
            }
            case ir::StmtKind::Allocate:
                return run_allocate(*s.as<ir::Allocate>());
            case ir::StmtKind::Evaluate:
                eval(s.as<ir::Evaluate>()->value);
                return;
            case ir::StmtKind::Barrier:
                if (barrier_) barrier_->arrive_and_wait();
                return;
            case ir::StmtKind::Dma:
                return run_dma(*s.as<ir::Dma>());
        }
    }

    int64_t eval(const ir::Expr &e) {
        using K = ir::ExprKind;
        const ir::DType t = e.dtype();
        switch (e.kind()) {
            case K::IntImm:
                return e.as<ir::IntImm>()->value;
            case K::Var: {
                auto found = vars_.find(e.as<ir::VarNode>());
                ATIM_CHECK(found != vars_.end(), "{}: variable {} has no value", where_,
                           e.as<ir::VarNode>()->name);
                return found->second;
            }
            case K::Add:
                return binary<ir::Add>(e, [&](int64_t a, int64_t b) { return arith::wrapping_add(a, b); });
            case K::Sub:
                return binary<ir::Sub>(e, [&](int64_t a, int64_t b) { return arith::wrapping_add(a, -b); });
            case K::Mul:
                return binary<ir::Mul>(e, [&](int64_t a, int64_t b) { return arith::wrapping_mul(a, b); });
            case K::Div:
                return binary<ir::Div>(e, [&](int64_t a, int64_t b) { return divide(a, b, false); });
            case K::Mod:
                return binary<ir::Mod>(e, [&](int64_t a, int64_t b) { return divide(a, b, true); });
            case K::Min:
                return binary<ir::Min>(e, [](int64_t a, int64_t b) { return std::min(a, b); });
            case K::Max:
                return binary<ir::Max>(e, [](int64_t a, int64_t b) { return std::max(a, b); });
            case K::EQ:
                return binary<ir::EQ>(e, [](int64_t a, int64_t b) { return int64_t{a == b}; });
            case K::NE:
                return binary<ir::NE>(e, [](int64_t a, int64_t b) { return int64_t{a != b}; });
            case K::LT:
                return binary<ir::LT>(e, [](int64_t a, int64_t b) { return int64_t{a < b}; });
            case K::LE:
                return binary<ir::LE>(e, [](int64_t a, int64_t b) { return int64_t{a <= b}; });
            case K::GT:
                return binary<ir::GT>(e, [](int64_t a, int64_t b) { return int64_t{a > b}; });
            case K::GE:
                return binary<ir::GE>(e, [](int64_t a, int64_t b) { return int64_t{a >= b}; });
            case K::And: {
                const auto *op = e.as<ir::And>();
                return eval(op->a) && eval(op->b);
            }
            case K::Or: {
                const auto *op = e.as<ir::Or>();
                return eval(op->a) || eval(op->b);
            }
            case K::Not:
                return !eval(e.as<ir::Not>()->a);
            case K::Select: {
                const auto *op = e.as<ir::Select>();
                return eval(op->cond) ? eval(op->true_value) : eval(op->false_value);
            }
            case K::Cast:
                return arith::wrap_to(t, eval(e.as<ir::Cast>()->value));
            case K::Load: {
                const auto *op = e.as<ir::Load>();
                Storage &storage = storage_of(op->buffer);
                return storage[checked_index(op->buffer, storage, op->indices)];
            }
            case K::Call: {
                const auto *op = e.as<ir::Call>();
                ATIM_CHECK(op->name == "tasklet_id" && op->args.empty(), "{}: unknown intrinsic {}", where_,
                           op->name);
                return tasklet_id_;
            }
        }
        ATIM_CHECK(false, "unknown expression kind");
    }

private:
    template <typename Node, typename F>
    int64_t binary(const ir::Expr &e, F f) {
        const auto *op = e.as<Node>();
        int64_t a = eval(op->a);
        int64_t b = eval(op->b);
        return arith::wrap_to(e.dtype(), f(a, b));
    }

    int64_t divide(int64_t a, int64_t b, bool modulo) const {
        ATIM_CHECK(b != 0, "{}: division by zero", where_);
        return modulo ? arith::floor_mod(a, b) : arith::floor_div(a, b);
    }

    void run_for(const ir::For &loop) {
        const int64_t begin = eval(loop.min);
        const int64_t end = begin + eval(loop.extent);
        const ir::VarNode *var = loop.var.get();
        for (int64_t i = begin; i < end; ++i) {
            vars_[var] = i;
            run(loop.body);
        }
        vars_.erase(var);
    }

    void run_store(const ir::Store &store) {
        int64_t value = arith::wrap_to(store.buffer->dtype, eval(store.value));
        Storage &storage = storage_of(store.buffer);
        storage[checked_index(store.buffer, storage, store.indices)] = value;
    }

    void run_allocate(const ir::Allocate &alloc) {
        const ir::Buffer &buffer = alloc.buffer;
        if (buffer->scope == ir::MemScope::WramShared && memory_.dpu) {
            // One copy per DPU: the first tasklet to get here creates it, the others share it.
            std::lock_guard<std::mutex> lock(memory_.dpu->shared_wram_mutex);
            memory_.dpu->shared_wram.try_emplace(buffer.get(), Storage(buffer->num_elements(), 0));
        } else {
            local_[buffer.get()] = Storage(buffer->num_elements(), 0);
        }
        run(alloc.body);
    }

    void run_dma(const ir::Dma &dma) {
        const int64_t bytes = eval(dma.bytes);
        const int64_t wram_elem = ir::bytes_of(dma.wram->dtype);
        const int64_t mram_elem = ir::bytes_of(dma.mram->dtype);
        ATIM_CHECK(wram_elem == mram_elem, "{}: DMA between buffers of different element types", where_);
        const int64_t wram_offset = eval(dma.wram_offset);
        const int64_t mram_offset = eval(dma.mram_offset);
        ATIM_CHECK(bytes >= kDmaAlignment && bytes <= kMaxDmaBytes && bytes % kDmaAlignment == 0,
                   "{}: DMA of {} bytes (must be a multiple of 8 in [8, 2048])", where_, bytes);
        ATIM_CHECK(
            (wram_offset * wram_elem) % kDmaAlignment == 0 && (mram_offset * mram_elem) % kDmaAlignment == 0,
            "{}: DMA at unaligned offsets {} of {} / {} of {}", where_, wram_offset, dma.wram->name,
            mram_offset, dma.mram->name);
        Storage &wram = storage_of(dma.wram);
        Storage &mram = storage_of(dma.mram);
        const int64_t elements = bytes / wram_elem;
        check_span(dma.wram, wram, wram_offset, elements);
        check_span(dma.mram, mram, mram_offset, elements);
        for (int64_t i = 0; i < elements; ++i) {
            if (dma.direction == ir::DmaDirection::MramToWram) {
                wram[wram_offset + i] = mram[mram_offset + i];
            } else {
                mram[mram_offset + i] = wram[wram_offset + i];
            }
        }
    }

    void check_span(const ir::Buffer &buffer, const Storage &storage, int64_t offset,
                    int64_t elements) const {
        ATIM_CHECK(offset >= 0 && offset + elements <= static_cast<int64_t>(storage.size()),
                   "{}: DMA of elements [{}, {}) outside {} ({} elements allocated)", where_, offset,
                   offset + elements, buffer->name, storage.size());
    }

    Storage &storage_of(const ir::Buffer &buffer) {
        const ir::BufferNode *node = buffer.get();
        switch (buffer->scope) {
            case ir::MemScope::Global: {
                ATIM_CHECK(memory_.host, "{}: global buffer {} used by DPU code", where_, buffer->name);
                auto [it, inserted] = memory_.host->try_emplace(node, Storage(buffer->num_elements(), 0));
                return it->second;
            }
            case ir::MemScope::Mram: {
                ATIM_CHECK(memory_.dpu, "{}: MRAM buffer {} used by host code", where_, buffer->name);
                auto found = memory_.dpu->mram.find(node);
                ATIM_CHECK(found != memory_.dpu->mram.end(), "{}: MRAM buffer {} has no slice", where_,
                           buffer->name);
                return found->second;
            }
            case ir::MemScope::WramShared:
                if (memory_.dpu) {
                    // A slice the host reads from WRAM (MramSlice::in_wram) lives beside the MRAM slices.
                    auto slice = memory_.dpu->mram.find(node);
                    if (slice != memory_.dpu->mram.end()) return slice->second;
                    std::lock_guard<std::mutex> lock(memory_.dpu->shared_wram_mutex);
                    auto found = memory_.dpu->shared_wram.find(node);
                    ATIM_CHECK(found != memory_.dpu->shared_wram.end(), "{}: {} used outside its allocation",
                               where_, buffer->name);
                    return found->second;
                }
                [[fallthrough]];
            case ir::MemScope::WramLocal: {
                auto found = local_.find(node);
                ATIM_CHECK(found != local_.end(), "{}: {} used outside its allocation", where_, buffer->name);
                return found->second;
            }
        }
        ATIM_CHECK(false, "unknown memory scope");
    }

    // Row-major flat index. Per-dimension bounds are not checked (an MRAM tile may run past a row into the
    // next one), but the flat index must stay inside the storage: for MRAM that is the slice's whole
    // allocation, including its over-fetch padding.
    int64_t checked_index(const ir::Buffer &buffer, const Storage &storage,
                          const std::vector<ir::Expr> &indices) {
        ATIM_CHECK(indices.size() == buffer->shape.size(), "{}: {} indexed with {} indices", where_,
                   buffer->name, indices.size());
        int64_t flat = 0;
        for (size_t d = 0; d < indices.size(); ++d) flat = flat * buffer->shape[d] + eval(indices[d]);
        ATIM_CHECK(flat >= 0 && flat < static_cast<int64_t>(storage.size()),
                   "{}: access of element {} of {} outside its {} elements", where_, flat, buffer->name,
                   storage.size());
        return flat;
    }

    MemoryView memory_;
    std::string where_;
    int64_t tasklet_id_;
    std::barrier<> *barrier_;
    std::unordered_map<const ir::VarNode *, int64_t> vars_;
    std::unordered_map<const ir::BufferNode *, Storage> local_;
};

/// DPU number d's grid coordinates (pim_program.h: x fastest).
std::array<int64_t, 3> coordinates_of(const DpuGrid &grid, int64_t dpu) {
    return {dpu % grid.x, (dpu / grid.x) % grid.y, dpu / (grid.x * grid.y)};
}

/// Calls f(host_flat_index, local_flat_index) for every element of the box that lies inside the tensor.
template <typename F>
void for_each_box_element(const MramSlice &slice, const std::vector<int64_t> &box_min, F f) {
    const std::vector<int64_t> host_shape = slice.host_shape();
    const auto &box_shape = slice.local->shape;
    const size_t rank = host_shape.size();
    std::vector<int64_t> pos(rank, 0);
    const int64_t count = slice.local->num_elements();
    for (int64_t n = 0; n < count; ++n) {
        int64_t host_flat = 0, local_flat = 0;
        bool inside = true;
        for (size_t d = 0; d < rank; ++d) {
            int64_t g = box_min[d] + pos[d];
            inside = inside && g >= 0 && g < host_shape[d];
            host_flat = host_flat * host_shape[d] + g;
            local_flat = local_flat * box_shape[d] + pos[d];
        }
        inside = inside && pos[rank - 1] < box_shape[rank - 1] - slice.row_padding;
        if (inside) f(host_flat, local_flat);
        for (size_t d = rank; d-- > 0;) {
            if (++pos[d] < box_shape[d]) break;
            pos[d] = 0;
        }
    }
}

void run_dpu(const PimProgram &program, int64_t dpu, HostTensors &tensors, std::mutex &host_mutex) {
    const auto coords = coordinates_of(program.grid, dpu);
    const ir::Var grid_vars[3] = {program.grid_vars.x, program.grid_vars.y, program.grid_vars.z};
    Executor coordinates_only(MemoryView{}, "host");
    for (int axis = 0; axis < 3; ++axis) coordinates_only.bind(grid_vars[axis], coords[axis]);

    // MRAM is not initialized (__mram_noinit): every slice starts as garbage, so a kernel that used a
    // value it never received would fail to verify. A push writes the transferred bytes: the box, with zero
    // padding outside the tensor.
    DpuMemory memory;
    std::vector<std::vector<int64_t>> box_mins;
    for (const MramSlice &slice : program.slices) {
        std::vector<int64_t> box_min;
        for (const ir::Expr &e : slice.box_min) box_min.push_back(coordinates_only.eval(e));
        box_mins.push_back(box_min);
        const ir::DType dtype = slice.local->dtype;
        memory.mram[slice.local.get()] =
            Storage(slice.bytes_per_dpu / ir::bytes_of(dtype), arith::wrap_to(dtype, kUninitializedMram));
    }
    for (const Transfer &transfer : program.to_dpu) {
        const MramSlice &slice = program.slices[transfer.slice];
        ATIM_CHECK(transfer.bytes_per_dpu % kDmaAlignment == 0 &&
                       transfer.bytes_per_dpu <= slice.bytes_per_dpu &&
                       transfer.bytes_per_dpu >= slice.local->size_bytes(),
                   "push of {} bytes into slice {} of {} bytes", transfer.bytes_per_dpu, slice.local->name,
                   slice.bytes_per_dpu);
        Storage &mram = memory.mram[slice.local.get()];
        std::fill_n(mram.begin(), transfer.bytes_per_dpu / ir::bytes_of(slice.local->dtype), 0);
        std::lock_guard<std::mutex> lock(host_mutex);
        const Storage &host = tensors.at(slice.host.get());
        for_each_box_element(slice, box_mins[transfer.slice], [&](int64_t host_flat, int64_t local_flat) {
            mram[local_flat] = host[host_flat];
        });
    }

    // Launch: all tasklets of the DPU run concurrently and meet at barriers.
    std::barrier<> barrier(program.tasklets);
    std::vector<std::exception_ptr> failures(program.tasklets);
    std::vector<std::thread> threads;
    for (int t = 0; t < program.tasklets; ++t) {
        threads.emplace_back([&, t] {
            try {
                Executor tasklet(MemoryView{nullptr, &memory}, fmt::format("DPU {} tasklet {}", dpu, t), t,
                                 &barrier);
                for (int axis = 0; axis < 3; ++axis) tasklet.bind(grid_vars[axis], coords[axis]);
                tasklet.run(program.kernel);
                barrier.arrive_and_drop();
            } catch (...) {
                failures[t] = std::current_exception();
                barrier.arrive_and_drop();
            }
        });
    }
    for (std::thread &thread : threads) thread.join();
    for (const std::exception_ptr &failure : failures) {
        if (failure) std::rethrow_exception(failure);
    }

    // Gather: the part of each output box inside the tensor.
    for (const Transfer &transfer : program.from_dpu) {
        const MramSlice &slice = program.slices[transfer.slice];
        std::lock_guard<std::mutex> lock(host_mutex);
        Storage &host =
            tensors.try_emplace(slice.host.get(), Storage(slice.host->num_elements(), 0)).first->second;
        const Storage &mram = memory.mram[slice.local.get()];
        for_each_box_element(slice, box_mins[transfer.slice], [&](int64_t host_flat, int64_t local_flat) {
            host[host_flat] = mram[local_flat];
        });
    }
}

}  // namespace

void run_pim_program(const PimProgram &program, HostTensors &tensors) {
    std::mutex host_mutex;
    for (int64_t dpu = 0; dpu < program.grid.count(); ++dpu) run_dpu(program, dpu, tensors, host_mutex);
    if (program.host_epilogue.defined()) run_on_host(program.host_epilogue, tensors);
}

void run_on_host(const ir::Stmt &s, HostTensors &tensors) {
    Executor host(MemoryView{&tensors, nullptr}, "host");
    host.run(s);
}

}  // namespace atim::lower
