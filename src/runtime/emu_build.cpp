// Compiles generated programs against the SDK emulation with the system C compiler, and runs them.
#include "atim/runtime/emu_build.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>

#include "atim/support/error.h"

namespace atim::runtime {
namespace {

namespace fs = std::filesystem;

std::string shell_quote(const std::string &text) {
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string read_text(const fs::path &path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::string first_lines(const std::string &text, int count) {
    std::string out;
    std::istringstream lines(text);
    std::string line;
    for (int i = 0; i < count && std::getline(lines, line); ++i) out += (i ? "\n" : "") + line;
    return out;
}

std::string c_compiler() {
    const char *cc = std::getenv("CC");
    return cc && *cc ? cc : "cc";
}

/// Runs a shell command with its stderr in `log`; returns the decoded exit status (128 + signal when killed).
int run_shell(const std::string &command, const fs::path &log) {
    int status = std::system((command + " 2>" + shell_quote(log.string())).c_str());
    if (status == -1) return 127;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 127;
}

/// The emulator's host library compiled once per content and compiler, shared by every build (object files
/// are written under a temporary name and renamed, so concurrent builds never see half a file).
fs::path emulator_object(const fs::path &emu) {
    static std::mutex lock;
    std::lock_guard<std::mutex> guard(lock);
    std::string source = read_text(emu / "host" / "dpu_emu.c") + read_text(emu / "host" / "dpu.h") +
                         read_text(emu / "dpu" / "emu_barrier_type.h") + c_compiler();
    fs::path cache = fs::temp_directory_path() / "atim-emu-cache";
    fs::path object = cache / fmt::format("dpu_emu-{:016x}.o", std::hash<std::string>{}(source));
    if (fs::exists(object)) return object;
    fs::create_directories(cache);
    fs::path partial = cache / fmt::format("{}.{}.tmp", object.filename().string(), ::getpid());
    std::string command =
        fmt::format("{} -std=c11 -O2 -c {} -o {}", c_compiler(),
                    shell_quote((emu / "host" / "dpu_emu.c").string()), shell_quote(partial.string()));
    fs::path log = cache / fmt::format("dpu_emu.{}.log", ::getpid());
    int status = run_shell(command, log);
    std::string diagnostics = read_text(log);
    std::error_code ignored;
    fs::remove(log, ignored);
    ATIM_CHECK(status == 0, "the SDK emulation does not compile: {}", first_lines(diagnostics, 8));
    fs::rename(partial, object);
    return object;
}

}  // namespace

fs::path emu_source_dir() {
    const char *override_dir = std::getenv("ATIM_EMU_DIR");
    if (override_dir && *override_dir) return override_dir;
    return ATIM_EMU_DIR;
}

void build_for_emu(const fs::path &dir, const EmuBuildOptions &options) {
    fs::path emu = emu_source_dir();
    ATIM_CHECK(fs::exists(emu / "host" / "dpu_emu.c"),
               "the SDK emulation sources are not in {} (set ATIM_EMU_DIR)", emu.string());
    fs::path abs = fs::absolute(dir);
    // -O2 as build.sh; warnings stay off: the kernel's `#pragma clang loop` is for the DPU compiler. -fwrapv:
    // integer overflow wraps, as in the reference interpreter and on the DPU's 32-bit ALU.
    // -fopenmp on the host: parallel epilogue loops run on real threads, as build.sh builds them.
    std::string kernel = fmt::format(
        "{} -std=c11 -O2 -fwrapv -fPIC -shared -I{} -DNR_TASKLETS={} -DSTACK_SIZE_DEFAULT={} {} -o {}",
        c_compiler(), shell_quote((emu / "dpu").string()), options.tasklets, options.stack_bytes_per_tasklet,
        shell_quote((abs / "dpu.c").string()), shell_quote((abs / "dpu.so").string()));
    std::string host = fmt::format(
        "{} -std=c11 -O2 -fwrapv -fopenmp -I{} {} {} -o {} -rdynamic -pthread -ldl {}", c_compiler(),
        shell_quote((emu / "host").string()), shell_quote((abs / "host.c").string()),
        shell_quote(emulator_object(emu).string()), shell_quote((abs / "host").string()),
        shell_quote(fmt::format("-DDPU_BINARY=\"{}\"", (abs / "dpu.so").string())));
    // The two compilations are independent: run them side by side.
    auto kernel_status = std::async(std::launch::async, run_shell, kernel, abs / "dpu.log");
    int host_status = run_shell(host, abs / "host.log");
    if (kernel_status.get() != 0)
        internal_error(
            __FILE__, __LINE__,
            "the generated kernel does not compile: " + first_lines(read_text(abs / "dpu.log"), 8));
    if (host_status != 0)
        internal_error(
            __FILE__, __LINE__,
            "the generated host program does not compile: " + first_lines(read_text(abs / "host.log"), 8));
}

std::string HostRun::emulator_message() const {
    std::string message;
    std::istringstream lines(stderr_text);
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind("atim-emu: ", 0) == 0) message += (message.empty() ? "" : "; ") + line.substr(10);
    return message;
}

bool HostRun::over_capacity() const {
    return stderr_text.find("atim-emu: over capacity: ") != std::string::npos;
}

HostRun run_host(const fs::path &dir, int timeout_seconds) {
    fs::path abs = fs::absolute(dir);
    HostRun run;
    // coreutils timeout: TERM after the limit, KILL 5 s later; exit status 124 when the limit was hit.
    static const bool have_timeout = std::system("command -v timeout >/dev/null 2>&1") == 0;
    std::string limit =
        timeout_seconds > 0 && have_timeout ? fmt::format("timeout --kill-after=5 {} ", timeout_seconds) : "";
    std::string command = fmt::format("cd {} && {}./host {} >{}", shell_quote(abs.string()), limit,
                                      shell_quote(abs.string()), shell_quote((abs / "host.out").string()));
    run.exit_code = run_shell(command, abs / "host.err");
    run.timed_out = !limit.empty() && (run.exit_code == 124 || run.exit_code == 137);
    run.stdout_text = read_text(abs / "host.out");
    run.stderr_text = read_text(abs / "host.err");
    return run;
}

void check_host_run(const HostRun &run) {
    if (run.exit_code == 0) return;
    if (run.timed_out)
        internal_error(__FILE__, __LINE__,
                       "the generated program did not finish within its time limit on the SDK emulation");
    std::string message = run.emulator_message();
    if (run.over_capacity()) throw UserError(message);
    if (message.empty()) message = first_lines(run.stderr_text, 4);
    if (run.exit_code > 128)
        message =
            fmt::format("killed by signal {}{}{}", run.exit_code - 128, message.empty() ? "" : ": ", message);
    internal_error(__FILE__, __LINE__,
                   fmt::format("the generated program failed on the SDK emulation (exit {}): {}",
                               run.exit_code, message));
}

}  // namespace atim::runtime
