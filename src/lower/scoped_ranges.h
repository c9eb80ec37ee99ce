// ScopedRanges: the ranges of the loop and tasklet variables in scope while a lowering pass walks a kernel.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "atim/arith/range.h"
#include "atim/ir/stmt.h"
#include "atim/lower/pim_program.h"

namespace atim::lower {

/// The known ranges at the current point of a walk. Passes call enter_*() before recursing into a
/// For/LetStmt body and leave() after, so `ranges()` always describes exactly the enclosing scopes.
class ScopedRanges {
public:
    /// `tasklets`: the range [0, tasklets) of a variable bound to tasklet_id(); `outer`: ranges known
    /// everywhere (e.g. the DPU grid coordinates when they should be relaxed too).
    explicit ScopedRanges(int64_t tasklets = 1, arith::RangeMap outer = {});

    /// Records the loop's variable over [min, min + extent).
    void enter_loop(const ir::For *loop);
    /// Records a let variable: [0, tasklets) for tasklet_id(), the bounds of its value otherwise.
    void enter_let(const ir::LetStmt *let);
    /// Forgets the innermost recorded variable (restoring a shadowed range, if any).
    void leave();

    const arith::RangeMap &ranges() const { return ranges_; }

private:
    void push(const ir::VarNode *var, arith::Range range);

    int64_t tasklets_;
    arith::RangeMap ranges_;
    std::vector<std::pair<const ir::VarNode *, std::optional<arith::Range>>> saved_;
};

/// RAII helper: enter on construction, leave on destruction.
class RangeScope {
public:
    RangeScope(ScopedRanges &scopes, const ir::For *loop) : scopes_(scopes) { scopes_.enter_loop(loop); }
    RangeScope(ScopedRanges &scopes, const ir::LetStmt *let) : scopes_(scopes) { scopes_.enter_let(let); }
    ~RangeScope() { scopes_.leave(); }
    RangeScope(const RangeScope &) = delete;
    RangeScope &operator=(const RangeScope &) = delete;

private:
    ScopedRanges &scopes_;
};

/// The ranges of the grid coordinates: [0, grid extent) each.
arith::RangeMap grid_ranges(const GridVars &vars, const DpuGrid &grid);

}  // namespace atim::lower
