// reads_memory: a visitor that looks for Load nodes.
#include "memory_reads.h"

#include "atim/ir/functor.h"

namespace atim::lower {
namespace {

class LoadFinder : public ir::Visitor {
public:
    using ir::Visitor::visit;
    bool found = false;

protected:
    void visit(const ir::Load *) override { found = true; }
};

}  // namespace

bool reads_memory(const ir::Expr &e) {
    LoadFinder finder;
    finder.visit(e);
    return finder.found;
}

}  // namespace atim::lower
