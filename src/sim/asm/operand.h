// Operands of one assembly statement: registers, pairs and symbolic expressions (`sym`, `.+1`, `x-8`).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atim::sim::assembly {

/// One term of an expression: an integer, a symbol, or `.` (the current location).
struct ExpressionTerm {
    int sign = 1;
    std::string symbol;  ///< empty for a number; "." for the current location
    int64_t number = 0;
};

struct Operand {
    enum class Kind { Register, Pair, Expression };
    Kind kind = Kind::Expression;
    uint8_t reg = 0;  ///< Register: reg:: index; Pair: the even register
    std::vector<ExpressionTerm> terms;
    std::string text;  ///< as written, for messages

    /// A plain integer (no symbols), if it is one.
    std::optional<int64_t> constant() const;
    /// The single symbol name of a bare identifier operand (`nz`, `main`), if it is one.
    std::optional<std::string> identifier() const;
};

/// Parses one comma-separated operand; throws UserError (without location) when it is malformed.
Operand parse_operand(std::string_view text);

/// Splits an operand list at top-level commas.
std::vector<std::string_view> split_operands(std::string_view text);

/// Value of an expression; `resolve` gives a symbol's value (or throws), `here` is the value of `.`.
int64_t evaluate(const Operand &operand, const std::function<int64_t(const std::string &)> &resolve,
                 int64_t here);

std::string_view trim(std::string_view text);

}  // namespace atim::sim::assembly
