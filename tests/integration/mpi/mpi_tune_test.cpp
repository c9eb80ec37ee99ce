// `atim tune` under `mpirun -n 3 --oversubscribe` (issue 16): the records are those of the single-process
// run; a worker killed with SIGKILL mid-run, or jobs held past the deadline, still give the complete,
// identical run; killing rank 0 leaves a database that `--resume` continues to the same records, measuring
// none of the recorded trials again.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "atim/tune/database.h"
#include "integration/cli/cli_fixture.h"

namespace {

using atim::testing::Outcome;
using atim::testing::slurp;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// Small enough for a 2-core machine running three ranks: a K-split mtv, two batches of 8.
// 32 trials in batches of 8: rank 0 is killed once 4 records exist, and three more batches leave a wide
// window before the run could finish. (With 16 trials the rank-0 test failed once in about 20 runs on an
// idle machine; its output was lost, so "killed too late" is the likeliest cause, not a seen one.)
constexpr int kTrials = 32;
constexpr const char *kTune =
    "tune mtv --shape 128x256 --trials 32 --batch 8 --population 16 --seed 3 --threads 1 "
    "--worker-silence 3 --json";

/// mpirun with three ranks on however few cores there are; recovery on, so that a killed rank does not
/// end the job (the runner re-queues its candidates). Root (CI) must say so.
std::string mpirun() {
    return fmt::format("{} -n 3 --oversubscribe --enable-recovery{}", ATIM_MPIEXEC,
                       ::getuid() == 0 ? " --allow-run-as-root" : "");
}

/// What a record says about a trial, without its creation time and runner statistics.
std::string record_line(const atim::tune::TuningRecord &r) {
    return fmt::format("{} {} {:016x} {} {} {} {} {} {} {} {} {}", r.trial, r.sketch, r.trace_hash,
                       atim::tune::to_string(r.result.status), r.result.error, r.result.h2d_ms,
                       r.result.kernel_ms, r.result.after_ms, r.result.total_ms, r.result.dpus,
                       r.result.tasklets, r.run);
}

std::vector<std::string> record_lines(const std::string &db_path) {
    std::vector<std::string> lines;
    for (const atim::tune::TuningRecord &r : atim::tune::Database::open_existing(db_path).all())
        lines.push_back(record_line(r));
    return lines;
}

/// Records in a database another process is writing (0 while it does not exist yet).
int64_t record_count(const std::string &db_path) {
    if (!fs::exists(db_path)) return 0;
    try {
        return atim::tune::Database::open_existing(db_path).size();
    } catch (const std::exception &) {
        return 0;  // being created
    }
}

/// An `atim` job started in the background in the scratch directory (`exec`, so its pid is mpirun's).
class Job {
public:
    Job(const fs::path &dir, const std::string &command) : dir_(dir) {
        pid_ = ::fork();
        if (pid_ == 0) {
            const std::string line =
                fmt::format("cd {} && exec {} >job.out 2>job.err", dir.string(), command);
            ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char *>(nullptr));
            ::_exit(127);
        }
    }
    /// Whether the job has ended (its exit code is then kept for wait()).
    bool ended() {
        int status = 0;
        if (!exit_code_ && ::waitpid(pid_, &status, WNOHANG) == pid_)
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_.has_value();
    }
    /// Waits for the job; its exit code, or nullopt when it runs past `limit` (then it is killed).
    std::optional<int> wait(std::chrono::seconds limit) {
        const auto start = std::chrono::steady_clock::now();
        while (!ended()) {
            if (std::chrono::steady_clock::now() - start > limit) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                return std::nullopt;
            }
            std::this_thread::sleep_for(50ms);
        }
        return exit_code_;
    }
    std::string out() const { return slurp(dir_ / "job.out"); }
    std::string err() const { return slurp(dir_ / "job.err"); }

private:
    fs::path dir_;
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

/// The pid of MPI rank `rank` among the processes whose environment has ATIM_TEST_MARK=`mark`.
std::optional<pid_t> rank_pid(const std::string &mark, int rank) {
    const std::string want_mark = "ATIM_TEST_MARK=" + mark,
                      want_rank = fmt::format("OMPI_COMM_WORLD_RANK={}", rank);
    for (const fs::directory_entry &entry : fs::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream file(entry.path() / "environ", std::ios::binary);
        bool marked = false, ranked = false;
        for (std::string var; std::getline(file, var, '\0');) {
            marked |= var == want_mark;
            ranked |= var == want_rank;
        }
        if (marked && ranked) return static_cast<pid_t>(std::stol(name));
    }
    return std::nullopt;
}

/// Waits until the database holds at least `count` records; false when the job ends first or after `limit`.
bool wait_for_records(Job &job, const std::string &db_path, int64_t count, std::chrono::seconds limit) {
    const auto start = std::chrono::steady_clock::now();
    while (record_count(db_path) < count) {
        if (job.ended() || std::chrono::steady_clock::now() - start > limit) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

class MpiTune : public atim::testing::CliTest {
protected:
    /// The single-process run every MPI run must reproduce.
    std::vector<std::string> reference_records() {
        Outcome one = atim(fmt::format("{} --db one.db", kTune));
        EXPECT_EQ(one.exit_code, 0) << one.err;
        return record_lines(path("one.db"));
    }
    std::string mark() const { return dir_.filename().string(); }
    std::string atim_under_mpirun(const std::string &arguments) const {
        return fmt::format("env ATIM_TEST_MARK={} {} {}/tools/atim/atim {}", mark(), mpirun(),
                           ATIM_BINARY_DIR, arguments);
    }
};

TEST_F(MpiTune, ThreeRanksWriteTheRecordsOfOneProcess) {
    const std::vector<std::string> reference = reference_records();
    ASSERT_EQ(reference.size(), static_cast<size_t>(kTrials));
    Job three(dir_, atim_under_mpirun(fmt::format("{} --db three.db", kTune)));
    ASSERT_EQ(three.wait(300s), 0) << three.err();
    EXPECT_EQ(record_lines(path("three.db")), reference);
    // Every rank measured: the records are the same because results do not depend on who measured.
    std::smatch counts;
    const std::string err = three.err();
    ASSERT_TRUE(std::regex_search(err, counts, std::regex(R"(done by rank 0\.\.2: (\d+) (\d+) (\d+))")))
        << err;
    EXPECT_GT(std::stoi(counts[2]), 0) << err;
    EXPECT_GT(std::stoi(counts[3]), 0) << err;
    Outcome one = atim(fmt::format("{} --db one.db", kTune));  // run #2 of the same key: the same report
    ASSERT_EQ(one.exit_code, 0) << one.err;
    nlohmann::json report_three = nlohmann::json::parse(three.out()),
                   report_one = nlohmann::json::parse(one.out);
    EXPECT_EQ(report_three["best"], report_one["best"]);
    EXPECT_EQ(report_three["baseline"], report_one["baseline"]);
}

TEST_F(MpiTune, AKilledWorkerStillGivesTheCompleteRun) {
    const std::vector<std::string> reference = reference_records();
    Job job(dir_, atim_under_mpirun(fmt::format("{} --db killed.db", kTune)));
    ASSERT_TRUE(wait_for_records(job, path("killed.db"), 2, 120s)) << job.err();
    const std::optional<pid_t> worker = rank_pid(mark(), 1);
    ASSERT_TRUE(worker) << "rank 1 not found";
    ASSERT_EQ(::kill(*worker, SIGKILL), 0);
    ASSERT_EQ(job.wait(300s), 0) << job.err();
    EXPECT_NE(job.err().find("worker rank 1 silent"), std::string::npos) << job.err();
    EXPECT_EQ(record_lines(path("killed.db")), reference) << job.err();
    EXPECT_EQ(nlohmann::json::parse(job.out())["trials"], kTrials);
}

TEST_F(MpiTune, JobsPastTheDeadlineAreDoneTwiceAndChangeNothing) {
    // A deadline shorter than any measurement: every job a worker takes is also given to another rank, as
    // for a worker that hangs; the first result of each is kept.
    const std::vector<std::string> reference = reference_records();
    Job job(dir_, atim_under_mpirun(fmt::format("{} --db deadline.db --worker-deadline 0.001", kTune)));
    ASSERT_EQ(job.wait(300s), 0) << job.err();
    EXPECT_NE(job.err().find("past the 0.001 s deadline"), std::string::npos) << job.err();
    EXPECT_EQ(record_lines(path("deadline.db")), reference) << job.err();
}

TEST_F(MpiTune, ResumeAfterRankZeroWasKilledMeasuresOnlyWhatIsMissing) {
    const std::vector<std::string> reference = reference_records();
    Job first(dir_, atim_under_mpirun(fmt::format("{} --db resumed.db", kTune)));
    ASSERT_TRUE(wait_for_records(first, path("resumed.db"), 4, 120s)) << first.err();
    const std::optional<pid_t> master = rank_pid(mark(), 0);
    ASSERT_TRUE(master) << "rank 0 not found";
    ASSERT_EQ(::kill(*master, SIGKILL), 0);
    ASSERT_NE(first.wait(120s), std::nullopt) << "the workers did not leave after rank 0 died";
    const std::vector<std::string> survived = record_lines(path("resumed.db"));
    ASSERT_GE(survived.size(), 4u);
    ASSERT_LT(survived.size(), static_cast<size_t>(kTrials)) << "rank 0 was killed too late to test anything";
    // What was recorded is the start of the uninterrupted run: nothing half-written.
    EXPECT_EQ(survived, std::vector<std::string>(reference.begin(), reference.begin() + survived.size()));

    Job resumed(dir_, atim_under_mpirun(fmt::format("{} --db resumed.db --resume", kTune)));
    ASSERT_EQ(resumed.wait(300s), 0) << resumed.err();
    EXPECT_EQ(record_lines(path("resumed.db")), reference);
    EXPECT_EQ(nlohmann::json::parse(resumed.out())["reused"], static_cast<int>(survived.size()));
}

}  // namespace
