// Convenience: the whole IR (nodes, visitor/mutator, printer, structural utilities).
#pragma once

#include "atim/ir/buffer.h"
#include "atim/ir/expr.h"
#include "atim/ir/functor.h"
#include "atim/ir/printer.h"
#include "atim/ir/stmt.h"
#include "atim/ir/utils.h"
