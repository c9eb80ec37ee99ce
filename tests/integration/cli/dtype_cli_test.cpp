// `--dtype` on the command line: one type for every tensor or one per tensor, for built-in workloads and
// --op alike, on run, compile and tune; the tuning record's key carries the per-tensor types; bad types and
// tensor names are refused with one line and exit code 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "integration/cli/cli_fixture.h"

namespace {

using atim::testing::Outcome;

using DTypeCli = atim::testing::CliTest;

TEST_F(DTypeCli, RunsBuiltinsAndOpsInEveryForm) {
    struct Case {
        std::string arguments, dtype;
    };
    for (const Case &c : std::vector<Case>{
             {"mtv --shape 64x128 --dtype int8", "int8"},
             {"mtv --shape 64x128 --dtype uint8 --schedule rc-tile", "uint8"},
             {"va --shape 1000 --dtype int16", "int16"},
             {"gemv --shape 64x64 --dtype A=int8,B=int8,C=int32", "A=int8,B=int8,ALPHA=int32,C=int32"},
             {"red --shape 1001 --dtype A=int8", "A=int8,B=int64"},
             {"--op 'Y[r] += W[r,c] * X[c] + 1' --shape r=64,c=64 --dtype W=int8,X=int8,Y=int32",
              "W=int8,X=int8,Y=int32"},
             {"--op 'C[i] = A[i] * 3' --shape i=100 --dtype int16", "int16"},
         }) {
        SCOPED_TRACE(c.arguments);
        for (const char *backend : {"sim", "emu"}) {
            const Outcome o = atim(fmt::format("run {} --backend {} --json", c.arguments, backend));
            ASSERT_EQ(o.exit_code, 0) << o.err;
            const nlohmann::json r = nlohmann::json::parse(o.out);
            EXPECT_EQ(r["dtype"], c.dtype);
            EXPECT_TRUE(r["verified"].get<bool>()) << backend;
        }
    }
}

TEST_F(DTypeCli, CompileFollowsTheElementWidth) {
    const Outcome c = atim("compile mtv --shape 64x128 --dtype A=int8,B=int8,C=int32 --emit c -o csrc");
    ASSERT_EQ(c.exit_code, 0) << c.err;
    const std::string dpu = atim::testing::slurp(path("csrc/dpu.c"));
    EXPECT_NE(dpu.find("int8_t"), std::string::npos) << dpu;
    const Outcome s = atim("compile mtv --shape 64x128 --dtype A=int8,B=uint8,C=int32 --emit asm");
    ASSERT_EQ(s.exit_code, 0) << s.err;
    EXPECT_NE(s.out.find("lbs "), std::string::npos);  // A: sign-extending byte loads
    EXPECT_NE(s.out.find("lbu "), std::string::npos);  // B: zero-extending byte loads
    // The operand types bound the product: one 8x8 multiply (a signed, b unsigned), no __mulsi3 ladder.
    EXPECT_NE(s.out.find("mul_sl_ul "), std::string::npos) << s.out;
    EXPECT_EQ(s.out.find("call r23, __mulsi3"), std::string::npos) << s.out;
    const Outcome wide = atim("compile mtv --shape 64x128 --emit asm");
    ASSERT_EQ(wide.exit_code, 0) << wide.err;
    EXPECT_NE(wide.out.find("call r23, __mulsi3"), std::string::npos);
    const Outcome half = atim("compile mtv --shape 64x128 --dtype A=int16,B=int16,C=int32 --emit asm");
    ASSERT_EQ(half.exit_code, 0) << half.err;
    for (const char *step : {"mul_sh_ul ", "mul_ul_sh ", "mul_sh_sh ", "mul_ul_ul "})
        EXPECT_NE(half.out.find(step), std::string::npos) << step;
    EXPECT_EQ(half.out.find("call r23, __mulsi3"), std::string::npos);
}

TEST_F(DTypeCli, TuneRecordsThePerTensorTypes) {
    const Outcome o = atim(
        "tune mtv --shape 64x128 --dtype A=int8,B=int8,C=int32 --trials 4 --batch 4 --population 4 --threads "
        "1 "
        "--json --db t.db");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    const nlohmann::json r = nlohmann::json::parse(o.out);
    EXPECT_TRUE(r["best"]["verified"].get<bool>());
    EXPECT_EQ(r["dtype"], "A=int8,B=int8,C=int32");
    const std::string command = r["best"]["command"];
    EXPECT_NE(command.find("--dtype A=int8,B=int8,C=int32"), std::string::npos) << command;
    const Outcome best = atim("db best --db t.db --json");
    ASSERT_EQ(best.exit_code, 0) << best.err;
    EXPECT_NE(best.out.find("mtv/64x128/A=int8,B=int8,C=int32"), std::string::npos) << best.out;
    // The same workload in int32 is another key: nothing recorded for it yet.
    const Outcome again = atim(
        "tune mtv --shape 64x128 --trials 4 --batch 4 --population 4 --threads 1 --json --db t.db --resume");
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(nlohmann::json::parse(again.out)["reused"], 0) << again.out;
}

TEST_F(DTypeCli, WorkloadsListsTheTypes) {
    const Outcome w = atim("workloads");
    ASSERT_EQ(w.exit_code, 0) << w.err;
    EXPECT_NE(w.out.find("--dtype: int8, uint8, int16, int32, int64"), std::string::npos) << w.out;
}

TEST_F(DTypeCli, BadDTypeIsOneLineAndExitCodeTwo) {
    struct Case {
        std::string arguments, want;
    };
    for (const Case &c : std::vector<Case>{
             {"run mtv --shape 64x64 --dtype int7",
              "error: unknown dtype 'int7'; use one of int8, uint8, int16"},
             {"run mtv --shape 64x64 --dtype float32", "error: dtype 'float32' is not supported yet"},
             {"compile mtv --shape 64x64 --dtype A=int8,Q=int8 --emit ir",
              "error: mtv: --dtype names tensor 'Q', which it does not have; its tensors are A, B, C"},
             {"tune --op 'C[i] = A[i]' --shape i=64 --dtype B=int8",
              "error: --op 'C[i] = A[i]': --dtype names tensor 'B', which it does not have"},
             {"run va --shape 64 --dtype A=int8,A=int16", "error: --dtype gives tensor 'A' twice"},
             {"run va --shape 64 --dtype A:int8", "error: unknown dtype 'A:int8'"},
             {"run va --shape 64 --dtype A=", "error: --dtype item 'A=' must be TENSOR=TYPE"},
         }) {
        SCOPED_TRACE(c.arguments);
        const Outcome o = atim(c.arguments);
        EXPECT_EQ(o.exit_code, 2);
        EXPECT_EQ(o.err.rfind(c.want, 0), 0u) << o.err;
        EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
    }
}

}  // namespace
