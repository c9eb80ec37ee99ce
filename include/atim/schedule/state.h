// The data a schedule manipulates: blocks, their loops (leaf loops derived from root axes by split/fuse
// relations), annotations and attach points. Read by schedule_to_loops; changed only by Schedule primitives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "atim/ir/buffer.h"
#include "atim/ir/expr.h"
#include "atim/ir/type.h"

namespace atim::schedule {

/// One loop of a block: a root axis of the block or a loop made by split/fuse.
struct LoopState {
    int id = -1;
    int block = -1;    ///< owning block id
    std::string name;  ///< unique within the schedule, e.g. "i_0"
    ir::Var var;       ///< the loop variable in generated code
    int64_t extent = 0;
    bool is_reduce = false;                  ///< derived from a reduction axis that is not rfactored
    bool is_leaf = true;                     ///< false once split/fused away
    ir::ForKind kind = ir::ForKind::Serial;  ///< binding (DpuX/Y/Z, Tasklet) or Unrolled
};

/// parent = ((children[0] * e1 + children[1]) * e2 + children[2]) ...; guarded when the product of the
/// children's extents exceeds the parent's extent.
struct SplitRelation {
    int parent = -1;
    std::vector<int> children;
};

/// child = ((parents[0] * e1 + parents[1]) * e2 + ...), parents[i] = child / stride_i % extent_i.
struct FuseRelation {
    std::vector<int> parents;
    int child = -1;
};

struct Relation {
    bool is_split = true;
    SplitRelation split;
    FuseRelation fuse;
};

/// One root iteration axis of a compute block.
struct RootAxis {
    int loop = -1;  ///< the root loop's id (its var is the axis variable in `value` / `output_indices`)
    bool is_reduce = false;
};

enum class BlockKind : uint8_t {
    Compute,     ///< output[output_indices] = value (or += value for reductions)
    CacheRead,   ///< cache_buffer <- source over the region `consumer` reads at the attach loop
    CacheWrite,  ///< source <- cache_buffer over the region `consumer` writes at the attach loop
};

/// How a compute block takes part in an rfactor.
enum class RfactorRole : uint8_t {
    None,
    MramConsumer,  ///< sums DPU partials (runs in the host epilogue)
    WramConsumer,  ///< sums per-tasklet partials inside the DPU
};

struct BlockState {
    int id = -1;
    std::string name;
    BlockKind kind = BlockKind::Compute;

    // Compute blocks.
    std::vector<RootAxis> roots;           ///< spatial axes, then reduction axes
    std::vector<int> leaves;               ///< leaf loops, outer to inner
    std::vector<Relation> relations;       ///< split/fuse history, in order
    ir::Buffer output;                     ///< written buffer (a Partial buffer for an rfactor producer)
    std::vector<ir::Expr> output_indices;  ///< in root and rfactor-loop variables
    ir::Expr value;                        ///< the value (reductions: the summand) in root variables
    bool is_reduction = false;
    RfactorRole rfactor_role = RfactorRole::None;
    int rfactor_producer = -1;  ///< for consumers: the producer block
    int rfactor_loop = -1;      ///< for producers: the loop the partials are indexed by
    ir::MemScope partial_scope = ir::MemScope::Global;  ///< for producers: where the partials live
    /// The Global partials this block writes (as an rfactor producer, or as the consumer of a second, wram
    /// rfactor): each DPU keeps its box in a `__host` WRAM symbol, not in MRAM (rfactor "host_wram", PrIM
    /// RED's DPU_RESULTS).
    bool partials_in_host_wram = false;
    int decompose_loop = -1;       ///< decompose_reduction position (a leaf loop), -1: guarded init
    std::vector<int> read_caches;  ///< CacheRead blocks feeding this block
    int write_cache = -1;          ///< CacheWrite block of this block, -1: none

    // Cache blocks.
    int consumer = -1;       ///< the compute block the cache serves
    ir::Buffer source;       ///< the cached (global) buffer
    std::string cache_name;  ///< name of the WRAM buffer, e.g. "A_local"

    // Attachment (cache blocks and wram rfactor consumers): the loop (of another block) they sit in.
    int attach_loop = -1;
    bool reverse_attached = false;  ///< placed at the end of the loop body rather than the start
};

/// Everything a schedule knows; ids index the vectors.
struct ScheduleState {
    std::vector<BlockState> blocks;  ///< in creation order (producers are inserted before their consumers)
    std::vector<LoopState> loops;
    std::vector<int> block_order;  ///< execution order of top-level blocks (producer before consumer)
    std::vector<int64_t> values;   ///< sampled values, indexed by ExprRV id
    /// Loop handles made by sample_compute_location: LoopRV id kLoopAliasBase + i names loop_aliases[i], so
    /// a changed decision re-targets every later use of the handle on replay.
    std::vector<int> loop_aliases;
    /// Host calls for inputs every DPU needs: false = ATiM's runtime (dpu_broadcast_to), true = PrIM's (the
    /// same host pointer prepared for every DPU + one dpu_push_xfer). Set by Schedule::annotate_host_calls.
    bool prim_host_calls = false;
};

/// First LoopRV id of an alias handle (see ScheduleState::loop_aliases).
inline constexpr int kLoopAliasBase = 1000000;

}  // namespace atim::schedule
