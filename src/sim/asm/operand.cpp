// Operand parsing: UPMEM register names, pairs, constant registers and +/- expressions.
#include "sim/asm/operand.h"

#include <cctype>
#include <charconv>

#include "atim/sim/isa.h"
#include "atim/support/error.h"

namespace atim::sim::assembly {
namespace {

bool is_identifier_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$' || c == '@';
}

std::optional<uint8_t> constant_register(std::string_view name) {
    struct Named {
        std::string_view name;
        uint8_t index;
    };
    static constexpr Named kConstants[] = {{"zero", reg::kZero}, {"one", reg::kOne}, {"lneg", reg::kLneg},
                                           {"mneg", reg::kMneg}, {"id", reg::kId},   {"id2", reg::kId2},
                                           {"id4", reg::kId4},   {"id8", reg::kId8}};
    for (const auto &c : kConstants)
        if (c.name == name) return c.index;
    return std::nullopt;
}

std::optional<int> numbered(std::string_view text, char prefix) {
    if (text.size() < 2 || text[0] != prefix) return std::nullopt;
    int value = 0;
    auto [end, ec] = std::from_chars(text.data() + 1, text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

int64_t parse_number(std::string_view text, std::string_view whole) {
    uint64_t value = 0;
    int base = 10;
    std::string_view digits = text;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
    } else if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B')) {
        base = 2;
        digits.remove_prefix(2);
    }
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (ec != std::errc() || end != digits.data() + digits.size())
        user_error("bad number '{}' in operand '{}'", text, whole);
    return static_cast<int64_t>(value);
}

}  // namespace

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

std::optional<int64_t> Operand::constant() const {
    if (kind != Kind::Expression) return std::nullopt;
    int64_t value = 0;
    for (const auto &term : terms) {
        if (!term.symbol.empty()) return std::nullopt;
        value += term.sign * term.number;
    }
    return value;
}

std::optional<std::string> Operand::identifier() const {
    if (kind != Kind::Expression || terms.size() != 1 || terms[0].symbol.empty() || terms[0].sign != 1)
        return std::nullopt;
    return terms[0].symbol;
}

std::vector<std::string_view> split_operands(std::string_view text) {
    std::vector<std::string_view> parts;
    text = trim(text);
    if (text.empty()) return parts;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == ',') {
            parts.push_back(trim(text.substr(start, i - start)));
            start = i + 1;
        }
    }
    return parts;
}

Operand parse_operand(std::string_view text) {
    text = trim(text);
    Operand op;
    op.text = std::string(text);
    if (text.empty()) user_error("empty operand");
    if (auto index = numbered(text, 'r')) {
        if (*index < 0 || *index >= reg::kWorkRegisters) user_error("no register '{}' (r0..r23)", text);
        op.kind = Operand::Kind::Register;
        op.reg = static_cast<uint8_t>(*index);
        return op;
    }
    if (auto index = numbered(text, 'd')) {
        if (*index < 0 || *index > 22 || *index % 2 != 0)
            user_error("no register pair '{}' (d0, d2, .., d22)", text);
        op.kind = Operand::Kind::Pair;
        op.reg = static_cast<uint8_t>(*index);
        return op;
    }
    if (auto index = constant_register(text)) {
        op.kind = Operand::Kind::Register;
        op.reg = *index;
        return op;
    }
    // Expression: term (('+'|'-') term)*, a term being a number, an identifier or '.'.
    size_t i = 0;
    int sign = 1;
    bool expect_term = true;
    while (i < text.size()) {
        char c = text[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
            continue;
        }
        if (c == '+' || c == '-') {
            if (!expect_term) {
                sign = (c == '-') ? -1 : 1;
                expect_term = true;
            } else {
                sign *= (c == '-') ? -1 : 1;
            }
            ++i;
            continue;
        }
        if (!expect_term) user_error("malformed operand '{}'", text);
        size_t start = i;
        while (i < text.size() && is_identifier_char(text[i])) ++i;
        if (i == start) user_error("malformed operand '{}'", text);
        std::string_view word = text.substr(start, i - start);
        ExpressionTerm term;
        term.sign = sign;
        if (std::isdigit(static_cast<unsigned char>(word[0]))) {
            term.number = parse_number(word, text);
        } else {
            term.symbol = std::string(word);
        }
        op.terms.push_back(std::move(term));
        sign = 1;
        expect_term = false;
    }
    if (expect_term) user_error("malformed operand '{}'", text);
    return op;
}

int64_t evaluate(const Operand &operand, const std::function<int64_t(const std::string &)> &resolve,
                 int64_t here) {
    int64_t value = 0;
    for (const auto &term : operand.terms) {
        int64_t term_value = term.number;
        if (term.symbol == ".") {
            term_value = here;
        } else if (!term.symbol.empty()) {
            term_value = resolve(term.symbol);
        }
        value += term.sign * term_value;
    }
    return value;
}

}  // namespace atim::sim::assembly
