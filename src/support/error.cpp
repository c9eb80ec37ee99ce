// Out-of-line part of the error helpers.
#include "atim/support/error.h"

namespace atim {

void internal_error(const char *file, int line, const std::string &message) {
    throw InternalError(fmt::format("{}:{}: {}", file, line, message));
}

}  // namespace atim
