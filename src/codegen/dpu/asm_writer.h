// AsmWriter: the text of a DPU assembly file being generated: instructions, labels, comments, data.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace atim::codegen::dpu {

/// Work registers r0..r23 and the constant registers, as the assembler names them [upmem-hardware.md §2].
inline constexpr int kZeroRegister = 24;
inline constexpr int kIdRegister = 28;  ///< `id`: the tasklet's number
inline constexpr int kStackPointer = 22;
inline constexpr int kReturnAddress = 23;

/// "r5", "zero", "id", ...
std::string register_name(int reg);
/// "d8": the pair r8 (high word) / r9 (low word).
std::string pair_name(int even_reg);

class AsmWriter {
public:
    /// One instruction line; counts towards the IRAM size.
    template <typename... Args>
    void ins(fmt::format_string<Args...> format, Args &&...args) {
        text_ += "    ";
        text_ += fmt::format(format, std::forward<Args>(args)...);
        text_ += '\n';
        ++instructions_;
    }
    /// A raw line that is not an instruction (directive, data).
    void line(std::string_view text);
    void label(std::string_view name);
    void comment(std::string_view text);
    /// A fresh file-local label (".L<hint>_<n>").
    std::string new_label(std::string_view hint);

    int64_t instruction_count() const { return instructions_; }
    const std::string &text() const { return text_; }

private:
    std::string text_;
    int64_t instructions_ = 0;
    int64_t labels_ = 0;
};

}  // namespace atim::codegen::dpu
