// `atim run|compile|tune --op`: a user-defined operator of a built-in's structure runs and tunes exactly like
// the built-in; bad notation, an operator of no supported structure, and WORKLOAD with --op are refused with
// one line and exit code 2.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "integration/cli/cli_fixture.h"

namespace {

using atim::testing::Outcome;

using OpCli = atim::testing::CliTest;

constexpr const char *kMtvOp = "--op 'C[i] += A[i,k] * B[k]' --shape i=64,k=128";

TEST_F(OpCli, RunsLikeTheBuiltinOfItsStructure) {
    for (const std::string schedule : {"prim", "rc-tile"}) {
        SCOPED_TRACE(schedule);
        const Outcome op = atim(fmt::format("run {} --sim full --schedule {} --json", kMtvOp, schedule));
        const Outcome mtv =
            atim(fmt::format("run mtv --shape 64x128 --sim full --schedule {} --json", schedule));
        ASSERT_EQ(op.exit_code, 0) << op.err;
        ASSERT_EQ(mtv.exit_code, 0) << mtv.err;
        const nlohmann::json a = nlohmann::json::parse(op.out), b = nlohmann::json::parse(mtv.out);
        EXPECT_EQ(a["workload"], "C[i]+=A[i,k]*B[k]");
        EXPECT_EQ(a["shape"], "i=64,k=128");
        EXPECT_TRUE(a["verified"].get<bool>());
        EXPECT_EQ(a["time_ms"], b["time_ms"]);
        EXPECT_EQ(a["dpus"], b["dpus"]);
        EXPECT_EQ(a["tasklets"], b["tasklets"]);
    }
}

TEST_F(OpCli, CompilesTheSameKernelAsTheBuiltin) {
    const Outcome op = atim(fmt::format("compile {} --emit asm", kMtvOp));
    const Outcome mtv = atim("compile mtv --shape 64x128 --emit asm");
    ASSERT_EQ(op.exit_code, 0) << op.err;
    ASSERT_EQ(mtv.exit_code, 0) << mtv.err;
    // The kernel's header comment names the program ('op' or 'mtv'); every instruction must agree.
    auto without_comments = [](const std::string &text) {
        std::string out;
        size_t start = 0;
        while (start < text.size()) {
            size_t end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            const std::string line = text.substr(start, end - start);
            if (line.find("//") == std::string::npos && line.find(';') != 0 && line.find('#') != 0)
                out += line + "\n";
            start = end + 1;
        }
        return out;
    };
    EXPECT_FALSE(without_comments(op.out).empty());
    EXPECT_EQ(without_comments(op.out), without_comments(mtv.out));
}

TEST_F(OpCli, TunesLikeTheBuiltinOfItsStructure) {
    const std::string search = "--trials 8 --batch 4 --population 8 --threads 1 --json";
    const Outcome op = atim(fmt::format("tune {} {} --db op.db", kMtvOp, search));
    const Outcome mtv = atim(fmt::format("tune mtv --shape 64x128 {} --db mtv.db", search));
    ASSERT_EQ(op.exit_code, 0) << op.err;
    ASSERT_EQ(mtv.exit_code, 0) << mtv.err;
    const nlohmann::json a = nlohmann::json::parse(op.out), b = nlohmann::json::parse(mtv.out);
    EXPECT_EQ(a["valid"], 8);
    EXPECT_EQ(a["best"]["trace_hash"], b["best"]["trace_hash"]);
    EXPECT_EQ(a["best"]["time_ms"], b["best"]["time_ms"]);
    EXPECT_TRUE(a["best"]["verified"].get<bool>());
    const std::string command = a["best"]["command"];
    ASSERT_EQ(command.rfind("atim run --op 'C[i] += A[i,k] * B[k]' --shape i=64,k=128 ", 0), 0u) << command;
    // The re-run command the report gives reproduces the tuned program.
    const Outcome rerun = atim(command.substr(5) + " --sim full --json");
    ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
    EXPECT_EQ(nlohmann::json::parse(rerun.out)["time_ms"]["total"], a["best"]["time_ms"]["total"]);
}

TEST_F(OpCli, TunesAnOperatorNoBuiltinHas) {
    const Outcome o = atim(
        "tune --op 'C[i] = min(A[i] * 3, B[i]) - 1' --shape i=4096 --trials 8 --batch 4 --population 8 "
        "--threads 1 --json");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    const nlohmann::json r = nlohmann::json::parse(o.out);
    EXPECT_EQ(r["valid"], 8);
    EXPECT_EQ(r["best"]["sketch"], "spatial/SSSSS");
    EXPECT_TRUE(r["best"]["verified"].get<bool>());
}

TEST_F(OpCli, BadInputIsOneLineAndExitCodeTwo) {
    struct Case {
        std::string arguments, want;
    };
    for (const Case &c : std::vector<Case>{
             {"run --op 'C[i] += A[i,k] * B[q]' --shape i=64,k=128",
              "error: --op 'C[i] += A[i,k] * B[q]': index 'q' has no extent in --shape (add q=N) (at column "
              "20)"},
             {"tune --op 'C[i] = A[i] / 2' --shape i=64",
              "error: --op 'C[i] = A[i] / 2': unexpected character '/'; the notation has names, integers, [ "
              "] ( ) "
              ", + - * = += min max (at column 13)"},
             {"compile --op 'C[i] = A[i,k]' --shape i=64,k=8 --emit ir",
              "error: --op 'C[i] = A[i,k]': index 'k' appears on the right but not on the left; write += to "
              "sum "
              "over it (at column 12)"},
             {"run --op 'O[h,d] += S[h,t] * V[h,t,d]' --shape h=2,t=64,d=16",
              "error: --op 'O[h,d] += S[h,t] * V[h,t,d]' has no structure atim has schedules for; "
              "supported: "},
             {"run --op 'C[i] = A[i]' --shape 64",
              "error: --shape item '64' of an --op must be INDEX=EXTENT"},
             {"run --op 'C[i] = A[i]' --shape i=64,j=8",
              "error: --shape gives j=8, but the operator has no index 'j'"},
             {"run mtv --op 'C[i] = A[i]' --shape i=64", "error: workload excludes --op"},
             {"tune --shape 64",
              "error: give a workload name (see `atim workloads`) or a user-defined operator"},
             {"run --op 'C[i] += A[i,k] * B[k]' --shape i=64,k=128 --schedule simplepim",
              "error: schedule simplepim exists for va and red only"},
         }) {
        SCOPED_TRACE(c.arguments);
        const Outcome o = atim(c.arguments);
        EXPECT_EQ(o.exit_code, 2) << o.err;
        EXPECT_EQ(o.err.rfind(c.want, 0), 0u) << o.err;
        EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << o.err;
        EXPECT_EQ(o.out, "");
    }
}

}  // namespace
