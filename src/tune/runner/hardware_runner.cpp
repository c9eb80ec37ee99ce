// The hardware runner: builds each candidate's UPMEM SDK sources (dpu.c, host.c, build.sh from codegen::c)
// with the SDK toolchain and runs them on the DPUs of this machine, one candidate at a time (there is one
// PIM system). The path is kept small because it cannot be exercised without UPMEM hardware: only the
// missing-SDK message is tested here.
#include <fmt/format.h>
#include <stdlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "atim/codegen/c_codegen.h"
#include "atim/runtime/emu_build.h"
#include "atim/runtime/verification.h"
#include "atim/support/error.h"
#include "candidate_measurement.h"

namespace atim::tune {
namespace {

namespace fs = std::filesystem;

constexpr const char *kSdkCompiler = "dpu-upmem-dpurte-clang";

bool on_path(const std::string &program) {
    const char *path = std::getenv("PATH");
    if (path == nullptr) return false;
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        std::error_code ignored;
        if (!dir.empty() && fs::exists(fs::path(dir) / program, ignored)) return true;
    }
    return false;
}

/// Tensors are raw little-endian arrays of the buffer's dtype, as the generated host.c reads and writes them.
void write_tensor(const fs::path &path, const ir::Buffer &buffer, const std::vector<int64_t> &values) {
    const auto width = static_cast<size_t>(ir::bytes_of(buffer->dtype));
    std::string bytes(values.size() * width, '\0');
    for (size_t i = 0; i < values.size(); ++i) ir::store_element(buffer->dtype, values[i], &bytes[i * width]);
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<int64_t> read_tensor(const fs::path &path, const ir::Buffer &buffer) {
    const auto width = static_cast<size_t>(ir::bytes_of(buffer->dtype));
    std::ifstream file(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (bytes.size() != static_cast<size_t>(buffer->num_elements()) * width)
        throw std::runtime_error(
            fmt::format("the host program wrote {} bytes of {}", bytes.size(), buffer->name));
    std::vector<int64_t> values(static_cast<size_t>(buffer->num_elements()));
    for (size_t i = 0; i < values.size(); ++i) values[i] = ir::load_element(buffer->dtype, &bytes[i * width]);
    return values;
}

class HardwareRunner : public Runner {
public:
    explicit HardwareRunner(const RunnerOptions &options) : options_(options) {}

    std::string name() const override { return "hardware"; }

    std::vector<MeasureResult> run(const workloads::Workload &workload,
                                   const std::vector<schedule::Trace> &batch,
                                   std::optional<double> /*kernel_ms_bound*/) override {
        std::vector<MeasureResult> results;
        for (const schedule::Trace &trace : batch) results.push_back(measure(workload, trace));
        return results;
    }

    MeasureResult run_full(const workloads::Workload &workload, const schedule::Trace &trace) override {
        return measure(workload, trace);
    }

private:
    MeasureResult measure(const workloads::Workload &workload, const schedule::Trace &trace) const {
        return detail::measure_guarded(options_.timeout_seconds, std::nullopt, [&] {
            lower::PimProgram program = detail::lower_candidate(workload, trace, options_);
            std::string pattern = (fs::temp_directory_path() / "atim-hw-run-XXXXXX").string();
            if (::mkdtemp(pattern.data()) == nullptr)
                throw std::runtime_error("cannot create a work directory");
            const fs::path dir = pattern;
            MeasureResult result = build_and_run(workload, program, dir);
            std::error_code ignored;
            fs::remove_all(dir, ignored);
            return result;
        });
    }

    MeasureResult build_and_run(const workloads::Workload &workload, const lower::PimProgram &program,
                                const fs::path &dir) const {
        codegen::CEmitOptions emit_options;
        emit_options.timing = options_.prim_timing ? codegen::TimingMode::Prim : codegen::TimingMode::Atim;
        emit_options.stack_bytes_per_tasklet = options_.machine.stack_bytes_per_tasklet;
        codegen::write_c_sources(codegen::emit_c(program, emit_options), dir);
        const std::string build =
            fmt::format("sh '{}' > '{}' 2>&1", (dir / "build.sh").string(), (dir / "build.log").string());
        if (std::system(build.c_str()) != 0)
            throw std::runtime_error("the UPMEM SDK build failed; see build.log of the candidate");
        runtime::SeededInputs inputs = runtime::seeded_inputs(workload, options_.seed);
        for (const lower::TensorInfo &tensor : program.tensors)
            if (tensor.role == lower::TensorRole::Input)
                write_tensor(dir / (tensor.buffer->name + ".bin"), tensor.buffer,
                             inputs.by_name.at(tensor.buffer->name));
        runtime::HostRun host = runtime::run_host(dir, static_cast<int>(options_.timeout_seconds));
        runtime::check_host_run(host);
        runtime::TensorValues outputs;
        for (const lower::TensorInfo &tensor : program.tensors)
            if (tensor.role == lower::TensorRole::Output)
                outputs[tensor.buffer->name] =
                    read_tensor(dir / (tensor.buffer->name + ".bin"), tensor.buffer);
        runtime::RunResult run;
        runtime::check_against_reference(workload, inputs, outputs, run);
        // The host program prints one JSON line of phase times measured on the real system.
        nlohmann::json times = nlohmann::json::parse(host.stdout_text.substr(0, host.stdout_text.find('\n')));
        run.time_ms.h2d = times.at("h2d_ms").get<double>();
        run.time_ms.kernel = times.at("kernel_ms").get<double>();
        run.time_ms.after = times.at("after_ms").get<double>();
        run.time_ms.total = *run.time_ms.h2d + *run.time_ms.kernel + *run.time_ms.after;
        run.stats = {{"backend", "hardware"}, {"note", "wall-clock phase times measured on UPMEM hardware"}};
        return detail::result_from_run(run, program);
    }

    RunnerOptions options_;
};

}  // namespace

std::unique_ptr<Runner> make_hardware_runner(const RunnerOptions &options) {
    if (!on_path(kSdkCompiler))
        user_error("the UPMEM SDK ({}) is not installed; use --runner sim", kSdkCompiler);
    return std::make_unique<HardwareRunner>(options);
}

}  // namespace atim::tune
