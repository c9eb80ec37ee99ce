// Which compute produced a buffer: the IR's Load nodes name only buffers, so create_prim_func needs this
// map to walk from the outputs back through intermediate computes to the placeholders.
#pragma once

#include <memory>

#include "atim/ir/buffer.h"
#include "atim/te/tensor.h"

namespace atim::te {

/// Remembers that `op` writes `op->output` (held weakly: the registry never keeps an op alive).
void register_producer(const std::shared_ptr<const ComputeOp> &op);

/// The live compute that writes `buffer`, or nullptr for a placeholder (or a buffer of a dead compute).
std::shared_ptr<const ComputeOp> find_producer(const ir::Buffer &buffer);

}  // namespace atim::te
