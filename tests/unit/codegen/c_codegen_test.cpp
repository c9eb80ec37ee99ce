// The C code generator: the SDK constructs it must emit for a hand-built program, floor division only where C
// agrees, unique names, and the all-or-nothing directory writer.
#include "atim/codegen/c_codegen.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <unistd.h>

#include "atim/support/error.h"
#include "codegen/c/c_printer.h"
#include "unit/codegen/hand_built_programs.h"

namespace atim::codegen {
namespace {

using namespace atim::ir;

bool contains(const std::string &text, const std::string &snippet) {
    return text.find(snippet) != std::string::npos;
}

TEST(CCodegen, KernelUsesTheSdkConstructs) {
    CSources c = emit_c(testing::vector_add_program(1000, 4, 4, 256));
    for (const char *snippet : {
             "#include <defs.h>\n#include <mram.h>\n#include <alloc.h>\n#include <barrier.h>\n#include "
             "<stdint.h>",
             "BARRIER_INIT(barrier, NR_TASKLETS);",
             "__host atim_dpu_args_t dpu_args;",
             "__mram_noinit int32_t A_m[256];",
             "__mram_noinit int32_t C_m[256];",
             "const int32_t tasklet_id = (int32_t)me();",
             "if (tasklet_id == 0) mem_reset();\n    barrier_wait(&barrier);",
             "int32_t *A_w = (int32_t *)mem_alloc(256);",
             "mram_read((__mram_ptr void const *)&A_m[offset], &A_w[0], 256);",
             "mram_write(&C_w[0], (__mram_ptr void *)&C_m[offset], 256);",
             "const int32_t offset = ((it * 4) + tasklet_id) * 64;",
             "if ((((dpu_x * 256) + offset) + i) < 1000) {",
         }) {
        EXPECT_TRUE(contains(c.dpu_c, snippet)) << "missing: " << snippet << "\n--- dpu.c:\n" << c.dpu_c;
    }
}

TEST(CCodegen, SharedWramBarrierUnrollAndMramElements) {
    CSources c = emit_c(testing::vector_add_program(1000, 4, 4, 256, true));
    for (const char *snippet : {"__dma_aligned int32_t firsts[4];", "barrier_wait(&barrier);\n",
                                "#pragma clang loop unroll(full)\n", "S_m[0] = S_m[0] + firsts[k];",
                                "firsts[tasklet_id] = C_m[(tasklet_id * 64)];"}) {
        EXPECT_TRUE(contains(c.dpu_c, snippet)) << "missing: " << snippet << "\n--- dpu.c:\n" << c.dpu_c;
    }
    EXPECT_TRUE(contains(c.host_c, "T[0] = T[0] + S[j];")) << c.host_c;
}

TEST(CCodegen, HostProgramUsesTheSdkTransferApi) {
    CSources c = emit_c(testing::vector_add_program(1000, 4, 4, 256));
    for (const char *snippet : {
             "#include <dpu.h>",
             "#define NR_DPUS 4",
             "DPU_ASSERT(dpu_alloc(NR_DPUS, NULL, &set));",
             "DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));",
             "DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, \"dpu_args\", 0, sizeof(atim_dpu_args_t), "
             "DPU_XFER_DEFAULT));",
             "DPU_ASSERT(dpu_prepare_xfer(dpu, box));",
             "DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, \"A_m\", 0, 1024, DPU_XFER_DEFAULT));",
             "DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));",
             "DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, \"C_m\", 0, 1024, DPU_XFER_DEFAULT));",
             "const int64_t box_min[] = {(int64_t)(dpu_x * 256)};",
             "atim_read_tensor(dir, \"A\", A, 4000);",
             "atim_write_tensor(dir, \"C\", C, 4000);",
             "DPU_ASSERT(dpu_free(set));",
         }) {
        EXPECT_TRUE(contains(c.host_c, snippet)) << "missing: " << snippet << "\n--- host.c:\n" << c.host_c;
    }
    EXPECT_FALSE(contains(c.host_c, "atim_write_tensor(dir, \"A\"")) << "inputs are not outputs";
}

TEST(CCodegen, HostCallsOnlySdkFunctions) {
    const std::set<std::string> sdk = {
        "dpu_alloc",     "dpu_free",         "dpu_load",    "dpu_launch",    "dpu_prepare_xfer",
        "dpu_push_xfer", "dpu_broadcast_to", "dpu_copy_to", "dpu_copy_from", "dpu_get_nr_dpus"};
    CSources c = emit_c(testing::vector_add_program(1000, 4, 4, 256, true));
    std::regex call(R"(\b(dpu_[a-z_]+)\s*\()");
    int calls = 0;
    for (std::sregex_iterator m(c.host_c.begin(), c.host_c.end(), call), end; m != end; ++m, ++calls)
        EXPECT_TRUE(sdk.count((*m)[1])) << (*m)[1] << " is not an SDK host function";
    EXPECT_GT(calls, 8);
}

TEST(CCodegen, ResidentInputsAreTimedOnlyUnderPrimTiming) {
    lower::PimProgram p = testing::vector_add_program(1000, 4, 4, 256);
    auto timed_part = [](const std::string &host) { return host.substr(host.find("const double t_start")); };
    std::string atim = timed_part(emit_c(p, {TimingMode::Atim}).host_c);
    std::string prim = timed_part(emit_c(p, {TimingMode::Prim}).host_c);
    EXPECT_FALSE(contains(atim, "\"A_m\"")) << atim;
    EXPECT_TRUE(contains(prim, "\"A_m\"")) << prim;
    EXPECT_TRUE(contains(prim, "\"dpu_args\""));
}

// A host-parallel epilogue loop becomes an OpenMP parallel for in canonical form (one declaration in the
// init clause: a computed bound is declared before the pragma); the DPU kernel never has one.
TEST(CCodegen, HostParallelLoopBecomesAnOpenMpParallelFor) {
    lower::PimProgram program = testing::vector_add_program(1000, 4, 4, 256, true);
    const lower::TensorInfo &partials = program.tensors.at(program.tensors.size() - 2);
    ASSERT_EQ(partials.buffer->name, "S");
    Var j("j"), n("n");
    Buffer s = partials.buffer;
    Stmt doubled = Store::make(s, {j}, Load::make(s, {j}) * 2);
    program.host_epilogue = Seq::make(
        {For::make(j, 0, 4, ForKind::HostParallel, doubled),
         LetStmt::make(n, Load::make(s, {0}) % 4, For::make(j, 0, n, ForKind::HostParallel, doubled))});
    CSources c = emit_c(program);
    EXPECT_TRUE(contains(c.host_c, "    #pragma omp parallel for\n    for (int32_t j = 0; j < 4; ++j) {\n"))
        << c.host_c;
    EXPECT_TRUE(std::regex_search(
        c.host_c,
        std::regex(
            R"(\{\n +const int32_t (\w+) = [^;]+;\n +#pragma omp parallel for\n +for \(int32_t j = 0; j < \1; \+\+j\) \{)")))
        << c.host_c;
    EXPECT_FALSE(contains(c.dpu_c, "omp")) << c.dpu_c;
    EXPECT_TRUE(contains(c.build_sh, "-fopenmp")) << c.build_sh;
}

TEST(CCodegen, BuildScriptUsesTheSdkToolchain) {
    CSources c = emit_c(testing::vector_add_program(1000, 4, 4, 256));
    EXPECT_TRUE(contains(
        c.build_sh, "dpu-upmem-dpurte-clang -O2 -DNR_TASKLETS=4 -DSTACK_SIZE_DEFAULT=256 -o dpu.bin dpu.c"));
    EXPECT_TRUE(contains(c.build_sh,
                         "gcc -std=c11 -O2 -fopenmp host.c -o host $(dpu-pkg-config --cflags --libs dpu)"));
}

TEST(CPrinter, FloorDivisionBecomesCDivisionOnlyWhenBothAgree) {
    CNameTable names;
    CPrinter printer(CTarget::DpuKernel, names);
    Var grid("dpu_x"), unknown("n");
    printer.assume_non_negative(grid.get());
    Expr tasklet = Call::make(DType::Int32, "tasklet_id", {});
    struct Case {
        Expr in;
        std::string want;
    };
    for (const auto &[in, want] : std::vector<Case>{
             {grid / 4, "(dpu_x / 4)"},
             {(grid * 8 + tasklet) % 16, "(((dpu_x * 8) + tasklet_id) % 16)"},
             {unknown / 4, "atim_floordiv_i32(n, 4)"},
             {unknown % 4, "atim_floormod_i32(n, 4)"},
             {(grid - 1) / 2, "atim_floordiv_i32((dpu_x - 1), 2)"},
             {grid / unknown, "atim_floordiv_i32(dpu_x, n)"},
             {min(grid, unknown), "atim_min_i32(dpu_x, n)"},
             {cast(DType::Int64, grid) * int64_t{3}, "(((int64_t)dpu_x) * INT64_C(3))"},
             {select(grid < 3, grid, Expr(-2)), "((dpu_x < 3) ? dpu_x : (-2))"},
         }) {
        EXPECT_EQ(printer.expr(in), want);
    }
}

// C computes narrow operands in int; the IR wraps every narrow result to its type, so the printer converts
// back.
TEST(CPrinter, NarrowArithmeticIsConvertedBackToItsType) {
    CNameTable names;
    CPrinter printer(CTarget::DpuKernel, names);
    Var a("a", DType::Int8), b("b", DType::UInt8), h("h", DType::Int16);
    struct Case {
        Expr in;
        std::string want;
    };
    for (const auto &[in, want] : std::vector<Case>{
             {a * a, "((int8_t)(a * a))"},
             {b + b, "((uint8_t)(b + b))"},
             {h - h, "((int16_t)(h - h))"},
             {min(a, a), "atim_min_i32(a, a)"},  // a narrow value's min is one of them: nothing to wrap
             {cast(DType::Int32, a) * cast(DType::Int32, a), "(((int32_t)a) * ((int32_t)a))"},
         }) {
        EXPECT_EQ(printer.expr(in), want);
    }
}

TEST(CPrinter, DistinctVariablesWithOneNameGetDistinctCNames) {
    CNameTable names;
    Var a("i"), b("i"), keyword("int"), helper("atim_x");
    EXPECT_EQ(names.name_of(a.get()), "i");
    EXPECT_EQ(names.name_of(b.get()), "i_1");
    EXPECT_EQ(names.name_of(a.get()), "i");
    EXPECT_EQ(names.name_of(keyword.get()), "int_1");
    EXPECT_EQ(names.name_of(helper.get()), "tatim_x");
}

TEST(CPrinter, FloorHelpersMatchFloorSemantics) {
    // The helpers are C text; check their arithmetic by running the same formulas here.
    auto floordiv = [](int32_t a, int32_t b) {
        int32_t q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    };
    auto floormod = [](int32_t a, int32_t b) {
        int32_t r = a % b;
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    };
    for (int32_t a : {-7, -6, -1, 0, 1, 6, 7})
        for (int32_t b : {-3, 3}) {
            int32_t q = floordiv(a, b), r = floormod(a, b);
            EXPECT_EQ(q * b + r, a);
            EXPECT_TRUE(b > 0 ? (r >= 0 && r < b) : (r <= 0 && r > b)) << a << " mod " << b;
        }
    std::string helpers = c_helper_functions({"atim_floordiv_i32", "atim_floormod_i64"});
    EXPECT_TRUE(contains(helpers, "return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;"));
    EXPECT_TRUE(contains(helpers,
                         "static inline int64_t atim_floormod_i64(int64_t a, int64_t b) {\n"
                         "    int64_t r = a % b;\n    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;"));
    EXPECT_FALSE(contains(helpers, "atim_floordiv_i64")) << "only the helpers the code calls";
    EXPECT_FALSE(contains(helpers, "atim_min_"));
    EXPECT_EQ(c_helper_functions({}), "");
}

TEST(CCodegen, WriterReplacesFilesAtomicallyAndCleansUp) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("atim-codegen-writer-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    CSources c = emit_c(testing::vector_add_program(1000, 4, 4, 256));
    write_c_sources(c, dir / "out");
    for (const char *name : {"dpu.c", "host.c", "build.sh"})
        EXPECT_TRUE(fs::exists(dir / "out" / name)) << name;
    std::ifstream dpu(dir / "out" / "dpu.c");
    std::string text((std::istreambuf_iterator<char>(dpu)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, c.dpu_c);
    EXPECT_TRUE((fs::status(dir / "out" / "build.sh").permissions() & fs::perms::owner_exec) !=
                fs::perms::none);
    int entries = 0;
    for (const auto &entry : fs::directory_iterator(dir)) entries += entry.path().filename() != "out";
    EXPECT_EQ(entries, 0) << "temporary directories left behind";
    fs::remove_all(dir);
}

TEST(CCodegen, RejectsGathersWhereDpusOverwriteEachOther) {
    lower::PimProgram p = testing::vector_add_program(1000, 4, 4, 256);
    p.slices[2].box_min = {ir::Expr(0)};  // every DPU claims C[0, 256)
    EXPECT_THROW(emit_c(p), InternalError);
    p.grid.x = 1;  // one DPU: nothing to overwrite
    EXPECT_NO_THROW(emit_c(p));
}

TEST(CCodegen, TimingModesParse) {
    EXPECT_EQ(parse_timing_mode("atim"), TimingMode::Atim);
    EXPECT_EQ(parse_timing_mode("prim"), TimingMode::Prim);
    EXPECT_THROW(parse_timing_mode("fast"), UserError);
}

}  // namespace
}  // namespace atim::codegen
