// Turns one assembly instruction (mnemonic + parsed operands) into a decoded Instruction.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "atim/sim/isa.h"
#include "sim/asm/operand.h"

namespace atim::sim::assembly {

/// What the encoder needs from the linker: the instruction's own pc and symbol values.
struct EncodeContext {
    uint32_t pc = 0;
    std::function<int64_t(const std::string &)> resolve;
};

/// Whether `mnemonic` (without a `.s`/`.u` suffix) names an instruction the assembler supports.
bool is_known_mnemonic(std::string_view mnemonic);

/// Encodes one instruction; throws UserError (without file:line, the caller adds it) on bad operands.
Instruction encode_instruction(std::string_view mnemonic, const std::vector<Operand> &operands,
                               const EncodeContext &context);

}  // namespace atim::sim::assembly
