// Variable placement: a weighted greedy register assignment over the tree of scopes of a kernel.
#include "codegen/dpu/variable_placement.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "atim/ir/functor.h"
#include "atim/support/error.h"

namespace atim::codegen::dpu {
namespace {

/// A binding and where it sits in the tree of scopes.
struct Site {
    BindingKey key;
    bool pair = false;           ///< an int64 value: needs an even/odd register pair
    bool needs_register = true;  ///< false for a name of the `id` register (let t = tasklet_id())
    /// The enclosing bindings (their scopes contain this one). Usually one; a statement node shared by
    /// several places of the kernel (e.g. copies of an unrolled loop) has one per place.
    std::vector<int> parents;
    double weight = 0;
};

/// A use inside `depth` loops counts 8^depth times: inner loops run far more often. Capped so that very deep
/// nests do not overflow the comparison.
double use_weight(int loop_depth) { return std::pow(8.0, std::min(loop_depth, 12)); }

class BindingCollector : public ir::Visitor {
public:
    using ir::Visitor::visit;

    BindingCollector(const lower::GridVars &grid_vars) {
        // Grid coordinates are loaded once at entry; they enclose everything.
        for (const ir::Var *var : {&grid_vars.x, &grid_vars.y, &grid_vars.z}) {
            int site = add_site({var->get(), BindingRole::GridCoordinate}, var->dtype() == ir::DType::Int64);
            var_sites_[var->get()] = site;
            current_ = site;
        }
    }

    std::vector<Site> sites;
    std::vector<ir::Buffer> wram_local, wram_shared;

    void add_pointer_sites(const ir::Stmt &kernel) {
        BufferFinder finder(wram_local, wram_shared);
        finder.visit(kernel);
        for (const ir::Buffer &buffer : wram_local) {
            int site = add_site({buffer.get(), BindingRole::WramPointer}, false);
            pointer_sites_[buffer.get()] = site;
            current_ = site;
        }
    }

protected:
    void visit(const ir::For *op) override {
        visit(op->min);
        visit(op->extent);
        int saved = current_;
        int var_site = add_site({op, BindingRole::LoopVariable}, op->var.dtype() == ir::DType::Int64);
        // Each iteration increments and compares the variable.
        sites[var_site].weight += 2 * use_weight(depth_ + 1);
        current_ = var_site;
        if (!ir::as_const_int(op->min) || !ir::as_const_int(op->extent)) {
            int end_site = add_site({op, BindingRole::LoopEnd}, op->var.dtype() == ir::DType::Int64);
            sites[end_site].weight += use_weight(depth_ + 1);
            current_ = end_site;
        }
        auto previous = bind(op->var.get(), var_site);
        ++depth_;
        visit(op->body);
        --depth_;
        unbind(op->var.get(), previous);
        current_ = saved;
    }

    void visit(const ir::LetStmt *op) override {
        visit(op->value);
        int saved = current_;
        int site = add_site({op, BindingRole::LetVariable}, op->var.dtype() == ir::DType::Int64);
        if (is_tasklet_id(op->value)) sites[site].needs_register = false;
        current_ = site;
        auto previous = bind(op->var.get(), site);
        visit(op->body);
        unbind(op->var.get(), previous);
        current_ = saved;
    }

    void visit(const ir::VarNode *op) override {
        auto found = var_sites_.find(op);
        ATIM_CHECK(found != var_sites_.end(), "kernel variable {} is used outside its binding", op->name);
        sites[found->second].weight += use_weight(depth_);
    }

    void visit(const ir::Load *op) override {
        use_buffer(op->buffer);
        ir::Visitor::visit(op);
    }
    void visit(const ir::Store *op) override {
        use_buffer(op->buffer);
        ir::Visitor::visit(op);
    }
    void visit(const ir::Dma *op) override {
        use_buffer(op->wram);
        ir::Visitor::visit(op);
    }

private:
    class BufferFinder : public ir::Visitor {
    public:
        using ir::Visitor::visit;
        BufferFinder(std::vector<ir::Buffer> &local, std::vector<ir::Buffer> &shared)
            : local_(local), shared_(shared) {}

    protected:
        void visit(const ir::Allocate *op) override {
            auto &list = op->buffer->scope == ir::MemScope::WramShared ? shared_ : local_;
            ATIM_CHECK(
                op->buffer->scope == ir::MemScope::WramShared || op->buffer->scope == ir::MemScope::WramLocal,
                "kernel allocates {} in {} memory; only WRAM buffers are allocated on a DPU",
                op->buffer->name, ir::to_string(op->buffer->scope));
            if (std::find(list.begin(), list.end(), op->buffer) == list.end()) list.push_back(op->buffer);
            ir::Visitor::visit(op);
        }

    private:
        std::vector<ir::Buffer> &local_, &shared_;
    };

    int add_site(BindingKey key, bool pair) {
        auto [found, inserted] = site_of_key_.try_emplace(key, static_cast<int>(sites.size()));
        if (inserted) sites.push_back({key, pair, true, {}, 0});
        Site &site = sites[found->second];
        if (current_ >= 0 &&
            std::find(site.parents.begin(), site.parents.end(), current_) == site.parents.end())
            site.parents.push_back(current_);
        return found->second;
    }

    int bind(const ir::VarNode *var, int site) {
        auto found = var_sites_.find(var);
        int previous = found == var_sites_.end() ? -1 : found->second;
        var_sites_[var] = site;
        return previous;
    }

    void unbind(const ir::VarNode *var, int previous) {
        if (previous < 0) {
            var_sites_.erase(var);
        } else {
            var_sites_[var] = previous;
        }
    }

    void use_buffer(const ir::Buffer &buffer) {
        auto found = pointer_sites_.find(buffer.get());
        if (found != pointer_sites_.end()) sites[found->second].weight += use_weight(depth_);
    }

    std::map<BindingKey, int> site_of_key_;
    std::unordered_map<const ir::VarNode *, int> var_sites_;
    std::unordered_map<const ir::BufferNode *, int> pointer_sites_;
    int current_ = -1;
    int depth_ = 0;
};

}  // namespace

bool is_tasklet_id(const ir::Expr &e) {
    const auto *call = e.as<ir::Call>();
    return call && call->name == "tasklet_id" && call->args.empty();
}

namespace {

bool is_ancestor(const std::vector<Site> &sites, int ancestor, int site) {
    for (int parent : sites[site].parents)
        if (parent == ancestor || is_ancestor(sites, ancestor, parent)) return true;
    return false;
}

uint32_t register_mask(int reg, bool pair) { return (pair ? 3u : 1u) << reg; }

}  // namespace

int VariablePlacement::register_of(const BindingKey &key) const {
    auto found = registers.find(key);
    return found == registers.end() ? -1 : found->second;
}

bool VariablePlacement::used(const BindingKey &key) const {
    auto found = weights.find(key);
    return found != weights.end() && found->second > 0;
}

VariablePlacement place_variables(const ir::Stmt &kernel, const lower::GridVars &grid_vars) {
    BindingCollector collector(grid_vars);
    collector.add_pointer_sites(kernel);
    collector.visit(kernel);
    const std::vector<Site> &sites = collector.sites;

    VariablePlacement placement;
    placement.wram_local_buffers = collector.wram_local;
    placement.wram_shared_buffers = collector.wram_shared;
    for (const Site &site : sites) placement.weights[site.key] = site.weight;

    // Heaviest first; a binding conflicts with the holders of a register whose scope contains it or lies
    // inside it (scopes nest, so no other overlap exists).
    std::vector<int> order(sites.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return sites[a].weight > sites[b].weight; });
    std::vector<std::pair<int, uint32_t>> holders;  // site, registers it holds
    for (int site : order) {
        if (sites[site].weight <= 0 || !sites[site].needs_register) continue;
        uint32_t taken = 0;
        for (const auto &[holder, mask] : holders)
            if (is_ancestor(sites, holder, site) || is_ancestor(sites, site, holder)) taken |= mask;
        const bool pair = sites[site].pair;
        for (int reg = kFirstVariableRegister; reg + (pair ? 1 : 0) <= kLastVariableRegister; ++reg) {
            if (pair && reg % 2 != 0) continue;
            uint32_t mask = register_mask(reg, pair);
            if (taken & mask) continue;
            holders.push_back({site, mask});
            placement.registers[sites[site].key] = reg;
            break;
        }
    }
    return placement;
}

}  // namespace atim::codegen::dpu
