// The assembler: accepted syntax, data layout, symbols, and errors that name file:line.
#include <cstring>
#include <string>

#include "sim_test_util.h"

namespace atim::sim {
namespace {

AssembleOptions bare() {
    AssembleOptions options;
    options.link_bootstrap = false;
    options.link_runtime = false;
    return options;
}

std::string assembly_error(const std::string &source, AssembleOptions options = bare()) {
    try {
        assemble(source, "kernel.S", options);
    } catch (const UserError &error) {
        return error.what();
    }
    return "no error";
}

TEST(Assembler, ErrorsNameFileAndLine) {
    struct Case {
        std::string source;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"main:\n  foo r0, r1\n", "kernel.S:2: unknown instruction 'foo'"},
        {"main:\n  nop\n  add r0, r99, 1\n", "kernel.S:3: no register 'r99'"},
        {"main:\n  jump nowhere\n", "kernel.S:2: undefined label 'nowhere'"},
        {"main:\n  add r0, r1\n", "kernel.S:2: wrong number of operands"},
        {"main:\n  add r0, r1, 2, maybe, main\n", "kernel.S:2: unknown condition 'maybe'"},
        {"main:\n  move one, 1\n", "kernel.S:2: cannot write the constant register 'one'"},
        {"main:\n  ldma r0, r1, 256\n", "kernel.S:2: DMA length field '256' must be in [0, 255]"},
        {"main:\nmain:\n", "kernel.S:2: symbol 'main' is defined twice (first at kernel.S:1)"},
        {"  .frobnicate 3\n", "kernel.S:1: unknown directive '.frobnicate'"},
        {"  .data\n  add r0, r0, 1\n", "kernel.S:2: instruction 'add' outside a code section"},
        {"  .long 5\n", "kernel.S:1: data directive inside a code section"},
        {"main:\n  ld d1, r0, 0\n", "kernel.S:2: no register pair 'd1'"},
        {"main:\n  move r0, 0x1g\n", "kernel.S:2: bad number"},
    };
    for (const auto &c : cases) {
        std::string message = assembly_error(c.source);
        EXPECT_NE(message.find(c.expected), std::string::npos) << message << "\n expected: " << c.expected;
    }
}

TEST(Assembler, CapacityErrors) {
    std::string too_long = "main:\n";
    for (int i = 0; i < 4097; ++i) too_long += "  nop\n";
    EXPECT_NE(assembly_error(too_long).find("4097 instructions but IRAM holds 4096"), std::string::npos);
    std::string fits = "main:\n";
    for (int i = 0; i < 4096; ++i) fits += "  nop\n";
    EXPECT_EQ(assembly_error(fits), "no error");

    EXPECT_NE(assembly_error("  .data\nbig: .zero 70000\n  .text\nmain:\n  stop\n")
                  .find("exceed the 65536 B of WRAM"),
              std::string::npos);
    // Stacks count: 60 KB of data leaves no room for 24 stacks of 256 B.
    AssembleOptions with_runtime;
    EXPECT_NE(
        assembly_error("  .data\nbig: .zero 61440\n  .text\nmain:\n  stop\n", with_runtime).find("WRAM"),
        std::string::npos);
    EXPECT_NE(assembly_error("nop\n", with_runtime).find("no 'main' label"), std::string::npos);
}

TEST(Assembler, DataDirectivesLayOutWram) {
    const char *source = R"(
    .section .data           // comment
bytes:  .byte 1, 2, 0xff     ; another comment
    .p2align 2
shorts: .short 0x1234, -1
words:  .long 7, words       # a symbol as data
    .balign 8
quad:   .quad 0x0102030405060708
text:   .asciz "hi\n"
raw:    .ascii "ab"
gap:    .zero 5
after:  .space 3, 9
    .size after, 3
    .section .bss
zeros:  .zero 16
    .text
main:   stop
)";
    Program program = assemble(source, "kernel.S", bare());
    auto address = [&](const char *name) { return program.symbol(name).address; };
    EXPECT_EQ(address("bytes"), 0u);
    EXPECT_EQ(address("shorts"), 4u);
    EXPECT_EQ(address("words"), 8u);
    EXPECT_EQ(address("quad"), 16u);
    EXPECT_EQ(address("text"), 24u);
    EXPECT_EQ(address("raw"), 28u);
    EXPECT_EQ(address("gap"), 30u);
    EXPECT_EQ(address("after"), 35u);
    EXPECT_EQ(address("zeros"), 38u);
    EXPECT_EQ(program.symbol("words").size, 8u);
    EXPECT_EQ(program.symbol("after").size, 3u);
    EXPECT_EQ(program.symbol("main").space, MemorySpace::Iram);
    const auto &image = program.wram_image;
    EXPECT_EQ(image[2], 0xff);
    uint32_t word;
    std::memcpy(&word, &image[12], 4);
    EXPECT_EQ(word, 8u);  // `.long words` holds the address of words
    uint16_t half;
    std::memcpy(&half, &image[6], 2);
    EXPECT_EQ(half, 0xffff);
    EXPECT_EQ(image[16], 0x08);
    EXPECT_EQ(std::string(reinterpret_cast<const char *>(&image[24]), 3), "hi\n");
    EXPECT_EQ(image[27], 0);
    EXPECT_EQ(image[35], 9);
}

TEST(Assembler, MramAndHostSections) {
    const char *source = R"(
    .section .dpu_host
    .globl count
count: .long 3
    .section .mram
    .p2align 3
table: .quad 1, 2
    .text
main: stop
)";
    Program program = assemble(source, "kernel.S", bare());
    EXPECT_EQ(program.symbol("table").space, MemorySpace::Mram);
    EXPECT_EQ(program.symbol("table").address, kMramBase);
    EXPECT_EQ(program.symbol("table").size, 16u);
    EXPECT_TRUE(program.symbol("table").host_visible);
    EXPECT_TRUE(program.symbol("count").host_visible);
    EXPECT_EQ(program.mram_image.size(), 9u);  // trailing zeros are not stored
    EXPECT_EQ(program.mram_used_bytes, 16u);
    EXPECT_EQ(program.mram_image[8], 2);
    // The MRAM heap (DPU_MRAM_HEAP_POINTER_NAME) starts after the program's MRAM objects.
    EXPECT_EQ(program.symbol("__sys_used_mram_end").address, kMramBase + 16);
    EXPECT_EQ(program.symbol("__sys_used_mram_end").size, (64u << 20) - 16);
}

TEST(Assembler, CompilerStyleSyntax) {
    // Forms as UPMEM's clang prints them (upmem-hardware.md Appendix B).
    const char *source = R"(
    .text
    .file "kernel.c"
    .globl main
    .p2align 3
    .type main,@function
main:                                   // @main
    .cfi_startproc
    sd r22, 0, d22
    add r22, r22, 16
    lw r1, r22, -16
    lbu r0, zero, 28
    ld d16, zero, 464
    lsl_add r0, r1, r0, 24
    add r2, r2, -1, nz, .LBB0_4
    sub r0, r1, r0, z
    move r20, r0, true, .LBB0_4
.LBB0_4:
    jlts r0, r1, .LBB0_4
    jeq r4, 14, .+1
    call r23, __mulsi3
    acquire r0, 0, nz, .
    release r0, 0, nz, .+1
    mul_ul_ul r0, r1, r2, small, .LBB0_4
    mul_step d0, r2, d0, 3, z, .LBB0_4
    ldma r0, r1, 255
    jump r23
.Lfunc_end0:
    .size main, .Lfunc_end0-main
    .cfi_endproc
)";
    AssembleOptions options = bare();
    options.link_runtime = true;
    Program program = assemble(source, "kernel.S", options);
    EXPECT_EQ(program.symbol("main").address, program.entry_pc);
    const Instruction &fused = program.instructions[6];
    EXPECT_EQ(fused.op, Opcode::Add);
    EXPECT_EQ(fused.cond, Condition::Nz);
    EXPECT_EQ(fused.target, 9);
    EXPECT_EQ(program.instructions[7].write, WriteMode::SetCondition);
    EXPECT_EQ(program.instructions[10].target, 11);  // .+1
    EXPECT_EQ(program.instructions[12].target, 12);  // .
    EXPECT_EQ(program.where(6), "kernel.S:15");
    // Runtime routines keep their own file names for messages.
    EXPECT_NE(program.where(program.symbol("__mulsi3").address).find("<runtime>/multiply.S"),
              std::string::npos);
}

TEST(Assembler, LocalLabelsBelongToTheirFile) {
    // The user's .L labels cannot collide with the runtime's, and are not visible to it.
    Program program = assemble("main:\n.L1:\n  jump .L1\n", "kernel.S");
    EXPECT_EQ(program.instructions[program.symbol("main").address].imm,
              static_cast<int32_t>(program.symbol("main").address));
}

TEST(Assembler, RuntimeCanBeLeftOut) {
    EXPECT_NE(assembly_error("main:\n  call r23, __mulsi3\n").find("undefined label '__mulsi3'"),
              std::string::npos);
    EXPECT_EQ(assembly_error("main:\n  call r23, __mulsi3\n  stop\n", AssembleOptions{}), "no error");
}

}  // namespace
}  // namespace atim::sim
