// Operator notation: a lexer and a recursive-descent parser for one statement, then the te compute it means.
#include "atim/te/notation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "te/comma_list.h"

namespace atim::te {
namespace {

enum class TokenKind : uint8_t {
    Name,
    Integer,
    LeftBracket,
    RightBracket,
    Comma,
    LeftParen,
    RightParen,
    Plus,
    Minus,
    Star,
    Assign,
    AddAssign,
    End
};

struct Token {
    TokenKind kind;
    std::string text;
    size_t column;  ///< 1-based
};

std::string describe(const Token &t) {
    return t.kind == TokenKind::End ? "the end of the statement" : fmt::format("'{}'", t.text);
}

// One index of a tensor reference: a name, or the constant 0 (a dimension of extent 1).
struct IndexUse {
    std::string name;  ///< empty for the constant 0
    size_t column;
};

struct TensorRef {
    std::string tensor;
    size_t column;
    std::vector<IndexUse> indices;
};

// The right-hand side, before it becomes an ir::Expr (that needs the axis variables compute() makes).
struct Node {
    enum class Kind : uint8_t { Constant, Read, Add, Sub, Mul, Min, Max } kind;
    int64_t value = 0;  ///< Constant
    size_t read = 0;    ///< Read: index into Statement::reads
    size_t column = 0;
    std::vector<std::unique_ptr<Node>> operands;
};

struct Statement {
    TensorRef output;
    bool accumulate = false;  ///< "+=" (a sum) rather than "="
    size_t assign_column = 0;
    std::unique_ptr<Node> value;
    std::vector<TensorRef> reads;
};

class Parser {
public:
    explicit Parser(const std::string &text) : text_(text) { tokenize(); }

    Statement parse() {
        Statement s;
        s.output = tensor_ref(expect(TokenKind::Name, "the output tensor, e.g. C[i]"));
        const Token &assign = peek();
        if (assign.kind != TokenKind::Assign && assign.kind != TokenKind::AddAssign)
            fail(assign, fmt::format("expected '=' or '+=' after the output, found {}", describe(assign)));
        s.accumulate = assign.kind == TokenKind::AddAssign;
        s.assign_column = assign.column;
        ++pos_;
        reads_ = &s.reads;
        s.value = sum();
        if (peek().kind != TokenKind::End)
            fail(peek(), fmt::format("unexpected {} after the expression", describe(peek())));
        return s;
    }

    [[noreturn]] void fail(size_t column, const std::string &reason) const {
        throw NotationError(text_, column, reason);
    }
    [[noreturn]] void fail(const Token &t, const std::string &reason) const { fail(t.column, reason); }

private:
    void tokenize() {
        size_t i = 0;
        while (i < text_.size()) {
            const char c = text_[i];
            const size_t column = i + 1;
            if (std::isspace(static_cast<unsigned char>(c))) {
                ++i;
            } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
                size_t end = i;
                while (end < text_.size() &&
                       (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_'))
                    ++end;
                tokens_.push_back({TokenKind::Name, text_.substr(i, end - i), column});
                i = end;
            } else if (std::isdigit(static_cast<unsigned char>(c))) {
                size_t end = i;
                while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
                tokens_.push_back({TokenKind::Integer, text_.substr(i, end - i), column});
                i = end;
            } else if (c == '+' && i + 1 < text_.size() && text_[i + 1] == '=') {
                tokens_.push_back({TokenKind::AddAssign, "+=", column});
                i += 2;
            } else {
                static const std::map<char, TokenKind> kSingle = {
                    {'[', TokenKind::LeftBracket}, {']', TokenKind::RightBracket}, {',', TokenKind::Comma},
                    {'(', TokenKind::LeftParen},   {')', TokenKind::RightParen},   {'+', TokenKind::Plus},
                    {'-', TokenKind::Minus},       {'*', TokenKind::Star},         {'=', TokenKind::Assign}};
                auto it = kSingle.find(c);
                if (it == kSingle.end())
                    fail(column, fmt::format("unexpected character '{}'; the notation has names, integers, "
                                             "[ ] ( ) , + - * = += min max",
                                             c));
                tokens_.push_back({it->second, std::string(1, c), column});
                ++i;
            }
        }
        tokens_.push_back({TokenKind::End, "", text_.size() + 1});
    }

    const Token &peek() const { return tokens_[pos_]; }

    const Token &expect(TokenKind kind, const std::string &what) {
        const Token &t = peek();
        if (t.kind != kind) fail(t, fmt::format("expected {}, found {}", what, describe(t)));
        ++pos_;
        return t;
    }

    // NAME '[' index (',' index)* ']', the name already consumed.
    TensorRef tensor_ref(const Token &name) {
        TensorRef ref{name.text, name.column, {}};
        expect(TokenKind::LeftBracket, fmt::format("'[' after tensor '{}'", name.text));
        while (true) {
            const Token &t = peek();
            if (t.kind == TokenKind::Name) {
                ref.indices.push_back({t.text, t.column});
            } else if (t.kind == TokenKind::Integer) {
                if (t.text.find_first_not_of('0') != std::string::npos)
                    fail(t, fmt::format("constant index {}: only 0 is allowed (a dimension of extent 1, e.g. "
                                        "ALPHA[0]); index other elements with a named index",
                                        t.text));
                ref.indices.push_back({"", t.column});
            } else {
                fail(t,
                     fmt::format("expected an index name or 0 in {}[...], found {}", name.text, describe(t)));
            }
            ++pos_;
            if (peek().kind == TokenKind::Comma) {
                ++pos_;
                continue;
            }
            expect(TokenKind::RightBracket, fmt::format("',' or ']' in {}[...]", name.text));
            return ref;
        }
    }

    std::unique_ptr<Node> binary(Node::Kind kind, size_t column, std::unique_ptr<Node> a,
                                 std::unique_ptr<Node> b) {
        auto node = std::make_unique<Node>();
        node->kind = kind;
        node->column = column;
        node->operands.push_back(std::move(a));
        node->operands.push_back(std::move(b));
        return node;
    }

    // sum := product (('+' | '-') product)*
    std::unique_ptr<Node> sum() {
        std::unique_ptr<Node> left = product();
        while (peek().kind == TokenKind::Plus || peek().kind == TokenKind::Minus) {
            const Token &op = tokens_[pos_++];
            left = binary(op.kind == TokenKind::Plus ? Node::Kind::Add : Node::Kind::Sub, op.column,
                          std::move(left), product());
        }
        return left;
    }

    // product := unary ('*' unary)*
    std::unique_ptr<Node> product() {
        std::unique_ptr<Node> left = unary();
        while (peek().kind == TokenKind::Star) {
            const size_t column = tokens_[pos_++].column;
            left = binary(Node::Kind::Mul, column, std::move(left), unary());
        }
        return left;
    }

    // unary := '-' unary | primary; a negated constant stays a constant.
    std::unique_ptr<Node> unary() {
        if (peek().kind != TokenKind::Minus) return primary();
        const size_t column = tokens_[pos_++].column;
        std::unique_ptr<Node> operand = unary();
        if (operand->kind == Node::Kind::Constant) {
            operand->value = -operand->value;
            operand->column = column;
            return operand;
        }
        auto zero = std::make_unique<Node>();
        zero->kind = Node::Kind::Constant;
        zero->column = column;
        return binary(Node::Kind::Sub, column, std::move(zero), std::move(operand));
    }

    // primary := INTEGER | NAME '[' ... ']' | ('min' | 'max') '(' sum ',' sum ')' | '(' sum ')'
    std::unique_ptr<Node> primary() {
        const Token &t = peek();
        if (t.kind == TokenKind::Integer) {
            ++pos_;
            auto node = std::make_unique<Node>();
            node->kind = Node::Kind::Constant;
            node->column = t.column;
            auto [ptr, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), node->value);
            if (ec != std::errc()) fail(t, fmt::format("constant {} does not fit 64 bits", t.text));
            return node;
        }
        if (t.kind == TokenKind::LeftParen) {
            ++pos_;
            std::unique_ptr<Node> inner = sum();
            expect(TokenKind::RightParen, "')'");
            return inner;
        }
        if (t.kind != TokenKind::Name) fail(t, fmt::format("expected a value, found {}", describe(t)));
        ++pos_;
        if (peek().kind == TokenKind::LeftParen) {
            if (t.text != "min" && t.text != "max")
                fail(t,
                     fmt::format("unknown function '{}'; the functions are min(a, b) and max(a, b)", t.text));
            ++pos_;
            std::unique_ptr<Node> a = sum();
            expect(TokenKind::Comma, fmt::format("',' between the two operands of {}", t.text));
            std::unique_ptr<Node> b = sum();
            expect(TokenKind::RightParen, fmt::format("')' after the second operand of {}", t.text));
            return binary(t.text == "min" ? Node::Kind::Min : Node::Kind::Max, t.column, std::move(a),
                          std::move(b));
        }
        if (peek().kind != TokenKind::LeftBracket)
            fail(t,
                 fmt::format("'{}' is neither a tensor read ({}[...]) nor min(a, b) or max(a, b); an index "
                             "is only allowed inside [ ]",
                             t.text, t.text));
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::Read;
        node->column = t.column;
        node->read = reads_->size();
        reads_->push_back(tensor_ref(t));
        return node;
    }

    const std::string &text_;
    std::vector<Token> tokens_;
    size_t pos_ = 0;
    std::vector<TensorRef> *reads_ = nullptr;
};

// The checks that need the whole statement: names, ranks, extents, and which indices are summed.
struct Analysis {
    std::vector<std::string> spatial;                   ///< output index names (empty for a 0)
    std::vector<std::string> reduction;                 ///< right-only indices, first use first
    std::map<std::string, int64_t> extent;              ///< of every index
    std::vector<std::string> input_order;               ///< tensors, first read first
    std::map<std::string, std::vector<int64_t>> shape;  ///< of every tensor
};

Analysis analyze(const Statement &s, const IndexExtents &extents, const Parser &parser) {
    Analysis a;
    std::map<std::string, int64_t> given(extents.begin(), extents.end());
    std::set<std::string> tensors = {s.output.tensor}, indices;
    for (const TensorRef &r : s.reads) tensors.insert(r.tensor);

    auto extent_of = [&](const IndexUse &use) -> int64_t {
        if (use.name.empty()) return 1;
        if (tensors.contains(use.name))
            parser.fail(use.column,
                        fmt::format("'{}' names both a tensor and an index; rename one", use.name));
        auto it = given.find(use.name);
        if (it == given.end())
            parser.fail(use.column,
                        fmt::format("index '{}' has no extent in --shape (add {}=N)", use.name, use.name));
        indices.insert(use.name);
        a.extent[use.name] = it->second;
        return it->second;
    };
    auto record_shape = [&](const TensorRef &ref) {
        std::vector<int64_t> shape;
        for (const IndexUse &use : ref.indices) shape.push_back(extent_of(use));
        auto [it, fresh] = a.shape.emplace(ref.tensor, shape);
        if (fresh) return;
        if (it->second.size() != shape.size())
            parser.fail(
                ref.column,
                fmt::format("tensor '{}' is read with {} ind{} here but {} before; give it "
                            "one index per dimension everywhere",
                            ref.tensor, shape.size(), shape.size() == 1 ? "ex" : "ices", it->second.size()));
        for (size_t d = 0; d < shape.size(); ++d) {
            if (shape[d] != it->second[d])
                parser.fail(ref.indices[d].column,
                            fmt::format("dimension {} of tensor '{}' has extent {} here but {} before", d,
                                        ref.tensor, shape[d], it->second[d]));
        }
    };

    std::set<std::string> on_left;
    for (const IndexUse &use : s.output.indices) {
        if (!use.name.empty() && !on_left.insert(use.name).second)
            parser.fail(use.column, fmt::format("index '{}' appears twice in the output {}[...]; each output "
                                                "dimension needs its own index",
                                                use.name, s.output.tensor));
        a.spatial.push_back(use.name);
    }
    record_shape(s.output);
    for (const TensorRef &ref : s.reads) {
        if (ref.tensor == s.output.tensor)
            parser.fail(ref.column,
                        fmt::format("the output '{}' is also read on the right; an operator reads "
                                    "inputs only",
                                    ref.tensor));
        record_shape(ref);
        if (std::find(a.input_order.begin(), a.input_order.end(), ref.tensor) == a.input_order.end())
            a.input_order.push_back(ref.tensor);
        for (const IndexUse &use : ref.indices) {
            if (use.name.empty() || on_left.contains(use.name)) continue;
            if (!s.accumulate)
                parser.fail(use.column, fmt::format("index '{}' appears on the right but not on the left; "
                                                    "write += to sum over it",
                                                    use.name));
            if (std::find(a.reduction.begin(), a.reduction.end(), use.name) == a.reduction.end())
                a.reduction.push_back(use.name);
        }
    }
    if (s.accumulate && a.reduction.empty())
        parser.fail(s.assign_column,
                    "'+=' sums over the indices that appear only on the right, but there are "
                    "none; write '=' for an element-wise operator");
    for (const auto &[name, extent] : extents) {
        if (!indices.contains(name))
            user_error(
                "--shape gives {}={}, but the operator has no index '{}'; give extents of its indices "
                "only",
                name, extent, name);
    }
    return a;
}

// A name for the axis of a constant-0 output dimension that no index of the statement uses ("i" for B[0],
// as the built-in red names it).
std::string free_axis_name(const Analysis &a, size_t dimension) {
    for (const char *candidate : {"i", "j", "l", "m", "n"}) {
        if (!a.extent.contains(candidate) &&
            std::find(a.spatial.begin(), a.spatial.end(), candidate) == a.spatial.end())
            return candidate;
    }
    return fmt::format("d{}", dimension);
}

ir::Expr lower_node(const Node &node, const Statement &s, const std::map<std::string, Tensor> &tensors,
                    const std::map<std::string, ir::Expr> &axes, ir::DType dtype, const Parser &parser) {
    switch (node.kind) {
        case Node::Kind::Constant: {
            if (node.value < ir::min_value(dtype) || node.value > ir::max_value(dtype))
                parser.fail(node.column,
                            fmt::format("constant {} does not fit {}", node.value, ir::to_string(dtype)));
            return ir::make_const(dtype, node.value);
        }
        case Node::Kind::Read: {
            const TensorRef &ref = s.reads[node.read];
            std::vector<ir::Expr> indices;
            for (const IndexUse &use : ref.indices)
                indices.push_back(use.name.empty() ? ir::make_const(ir::DType::Int32, 0) : axes.at(use.name));
            // The accumulation rule (dtype_spec.h): every read is converted to the output's type.
            return as_computation_type(dtype, tensors.at(ref.tensor)(std::move(indices)));
        }
        default:
            break;
    }
    ir::Expr a = lower_node(*node.operands[0], s, tensors, axes, dtype, parser);
    ir::Expr b = lower_node(*node.operands[1], s, tensors, axes, dtype, parser);
    switch (node.kind) {
        case Node::Kind::Add:
            return a + b;
        case Node::Kind::Sub:
            return a - b;
        case Node::Kind::Mul:
            return a * b;
        case Node::Kind::Min:
            return ir::min(a, b);
        default:
            return ir::max(a, b);
    }
}

}  // namespace

NotationError::NotationError(const std::string &statement, size_t column, const std::string &reason)
    : UserError(fmt::format("--op '{}': {} (at column {})", statement, reason, column)),
      column_(column),
      reason_(reason) {}

IndexExtents parse_index_extents(const std::string &text) {
    IndexExtents extents;
    for (const std::string &item : split_comma_list(text)) {
        const size_t equals = item.find('=');
        const std::string name = item.substr(0, equals);
        const bool good_name =
            !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
            std::all_of(name.begin(), name.end(),
                        [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
        int64_t value = 0;
        bool good_value = false;
        if (equals != std::string::npos) {
            const char *begin = item.data() + equals + 1, *end = item.data() + item.size();
            auto [ptr, ec] = std::from_chars(begin, end, value);
            good_value = begin != end && ec == std::errc() && ptr == end && value > 0;
        }
        if (equals == std::string::npos || !good_name || !good_value)
            user_error(
                "--shape item '{}' of an --op must be INDEX=EXTENT with a positive extent, e.g. "
                "--shape i=8192,k=8192",
                item);
        for (const auto &[given, extent] : extents) {
            if (given == name) user_error("--shape gives index '{}' twice; give each index once", name);
        }
        extents.emplace_back(name, value);
    }
    return extents;
}

PrimFunc build_from_notation(const std::string &statement, const IndexExtents &extents, ir::DType dtype,
                             const std::string &name) {
    return build_from_notation(statement, extents, dtype, DTypeSpec(), name);
}

PrimFunc build_from_notation(const std::string &statement, const IndexExtents &extents,
                             ir::DType default_dtype, const DTypeSpec &dtypes, const std::string &name) {
    Parser parser(statement);
    const Statement s = parser.parse();
    const Analysis a = analyze(s, extents, parser);
    std::vector<std::string> tensor_names = a.input_order;
    tensor_names.push_back(s.output.tensor);
    dtypes.check_tensor_names(tensor_names, fmt::format("--op '{}'", statement));
    const ir::DType dtype = dtypes.of(s.output.tensor, default_dtype);

    std::map<std::string, Tensor> tensors;
    std::vector<Tensor> inputs;
    for (const std::string &input : a.input_order) {
        tensors[input] = placeholder(input, a.shape.at(input), dtypes.of(input, default_dtype));
        inputs.push_back(tensors[input]);
    }
    std::vector<IterVar> reduce_axes;
    for (const std::string &index : a.reduction)
        reduce_axes.push_back(reduce_axis(a.extent.at(index), index));
    std::vector<std::string> axis_names;
    for (size_t d = 0; d < a.spatial.size(); ++d)
        axis_names.push_back(a.spatial[d].empty() ? free_axis_name(a, d) : a.spatial[d]);

    Tensor output = compute(
        s.output.tensor, a.shape.at(s.output.tensor), dtype,
        [&](const std::vector<ir::Var> &vars) -> ComputeBody {
            std::map<std::string, ir::Expr> axes;
            for (size_t d = 0; d < vars.size(); ++d) {
                if (!a.spatial[d].empty()) axes[a.spatial[d]] = vars[d];
            }
            for (const IterVar &r : reduce_axes) axes[r.var->name] = r.var;
            ir::Expr value = lower_node(*s.value, s, tensors, axes, dtype, parser);
            if (reduce_axes.empty()) return value;
            return sum(value, reduce_axes);
        },
        axis_names);
    return create_prim_func(name, inputs, {output});
}

}  // namespace atim::te
