// AsmWriter: accumulates the generated assembly text.
#include "codegen/dpu/asm_writer.h"

#include "atim/support/error.h"

namespace atim::codegen::dpu {

std::string register_name(int reg) {
    if (reg >= 0 && reg < 24) return fmt::format("r{}", reg);
    switch (reg) {
        case kZeroRegister:
            return "zero";
        case kIdRegister:
            return "id";
        default:
            ATIM_CHECK(false, "no register {}", reg);
    }
}

std::string pair_name(int even_reg) {
    ATIM_CHECK(even_reg >= 0 && even_reg < 24 && even_reg % 2 == 0, "no register pair at r{}", even_reg);
    return fmt::format("d{}", even_reg);
}

void AsmWriter::line(std::string_view text) {
    text_ += text;
    text_ += '\n';
}

void AsmWriter::label(std::string_view name) {
    text_ += name;
    text_ += ":\n";
}

void AsmWriter::comment(std::string_view text) {
    text_ += "    // ";
    text_ += text;
    text_ += '\n';
}

std::string AsmWriter::new_label(std::string_view hint) { return fmt::format(".L{}_{}", hint, labels_++); }

}  // namespace atim::codegen::dpu
