// known_divisor: divisibility facts of integer expressions, for DMA alignment proofs.
#include "known_divisor.h"

#include <numeric>

namespace atim::lower {
namespace {

// Keeps only the power-of-two part of each factor (what alignment proofs need), so products of large
// constants cannot overflow.
int64_t product_divisor(int64_t a, int64_t b) {
    constexpr int64_t kPowerOfTwoCap = int64_t{1} << 30;
    if (a == 0 || b == 0) return 0;
    return std::gcd(a, kPowerOfTwoCap) * std::gcd(b, kPowerOfTwoCap);
}

}  // namespace

int64_t known_divisor(const ir::Expr &e) {
    if (const int64_t *value = ir::as_const_int(e)) return *value < 0 ? -*value : *value;
    if (const auto *add = e.as<ir::Add>()) return std::gcd(known_divisor(add->a), known_divisor(add->b));
    if (const auto *sub = e.as<ir::Sub>()) return std::gcd(known_divisor(sub->a), known_divisor(sub->b));
    if (const auto *mul = e.as<ir::Mul>())
        return product_divisor(known_divisor(mul->a), known_divisor(mul->b));
    if (const auto *cast = e.as<ir::Cast>()) return known_divisor(cast->value);
    // min/max/select of multiples of d are multiples of d.
    if (const auto *mn = e.as<ir::Min>()) return std::gcd(known_divisor(mn->a), known_divisor(mn->b));
    if (const auto *mx = e.as<ir::Max>()) return std::gcd(known_divisor(mx->a), known_divisor(mx->b));
    if (const auto *sel = e.as<ir::Select>()) {
        return std::gcd(known_divisor(sel->true_value), known_divisor(sel->false_value));
    }
    return 1;
}

bool provably_aligned(const ir::Expr &e, int64_t scale, int64_t alignment) {
    int64_t divisor = known_divisor(e);
    if (divisor == 0) return true;
    return (divisor * scale) % alignment == 0;
}

}  // namespace atim::lower
