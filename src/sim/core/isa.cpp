// Names of opcodes and conditions, for messages and dumps.
#include "atim/sim/isa.h"

#include <array>

namespace atim::sim {

std::string_view opcode_name(Opcode op) {
    static constexpr std::array kNames = {
        "add",   "addc",   "sub",   "subc",    "rsub",     "rsubc",    "and",     "or",   "xor",
        "andn",  "orn",    "nand",  "nor",     "nxor",     "lsl",      "lsr",     "asr",  "rol",
        "ror",   "lsl1",   "lsr1",  "lsl_add", "lsl_sub",  "lsr_add",  "rol_add", "mul8", "move",
        "extsb", "extsh",  "extub", "extuh",   "cao",      "clz",      "clo",     "cls",  "movd",
        "swapd", "lbs",    "lbu",   "lhs",     "lhu",      "lw",       "ld",      "sb",   "sh",
        "sw",    "sd",     "ldma",  "sdma",    "mul_step", "div_step", "jump",    "call", "stop",
        "boot",  "resume", "fault", "nop",     "time",     "acquire",  "release"};
    static_assert(kNames.size() == static_cast<size_t>(Opcode::Release) + 1);
    return kNames[static_cast<size_t>(op)];
}

std::string_view condition_name(Condition cond) {
    static constexpr std::array kNames = {"",    "true", "false", "z",     "nz",    "xz",  "xnz", "pl",
                                          "mi",  "sz",   "snz",   "spl",   "smi",   "e",   "o",   "c",
                                          "nc",  "ov",   "nov",   "ltu",   "geu",   "leu", "gtu", "lts",
                                          "ges", "les",  "gts",   "small", "large", "max", "nmax"};
    static_assert(kNames.size() == static_cast<size_t>(Condition::Nmax) + 1);
    return kNames[static_cast<size_t>(cond)];
}

}  // namespace atim::sim
