// Errors: a user's mistake (UserError, exit code 2) versus a bug of ours (InternalError, exit code 1).
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace atim {

/// A mistake in the user's input (workload, shape, schedule, machine, file). The message says what to change.
class UserError : public std::runtime_error {
public:
    explicit UserError(const std::string &message) : std::runtime_error(message) {}
};

/// A violated invariant inside atim: a bug to report, never the user's fault.
class InternalError : public std::logic_error {
public:
    explicit InternalError(const std::string &message) : std::logic_error(message) {}
};

/// Throws UserError with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void user_error(fmt::format_string<Args...> format, Args &&...args) {
    throw UserError(fmt::format(format, std::forward<Args>(args)...));
}

[[noreturn]] void internal_error(const char *file, int line, const std::string &message);

}  // namespace atim

/// Asserts an internal invariant; on failure throws InternalError naming the file, line and message.
#define ATIM_CHECK(condition, ...)                                                         \
    do {                                                                                   \
        if (!(condition)) {                                                                \
            ::atim::internal_error(                                                        \
                __FILE__, __LINE__,                                                        \
                std::string("check failed: " #condition ". ") + fmt::format(__VA_ARGS__)); \
        }                                                                                  \
    } while (0)
