// End-to-end runs on the SDK emulation, verified bit-exactly against the reference interpreter.
#include "atim/runtime/emu_runner.h"
#include "atim/runtime/verification.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <cstring>
#include <fstream>

#include "atim/interp/interpreter.h"
#include "atim/runtime/emu_build.h"
#include "atim/support/error.h"

namespace atim::runtime {
namespace {

namespace fs = std::filesystem;

/// A fresh working directory, removed on destruction unless kept.
class WorkDir {
public:
    explicit WorkDir(bool keep) : keep_(keep) {
        std::string pattern = (fs::temp_directory_path() / "atim-emu-run-XXXXXX").string();
        ATIM_CHECK(::mkdtemp(pattern.data()) != nullptr, "cannot create a directory under {}",
                   fs::temp_directory_path().string());
        path_ = pattern;
    }
    ~WorkDir() {
        std::error_code ignored;
        if (!keep_) fs::remove_all(path_, ignored);
    }
    WorkDir(const WorkDir &) = delete;
    WorkDir &operator=(const WorkDir &) = delete;
    const fs::path &path() const { return path_; }

private:
    fs::path path_;
    bool keep_;
};

void write_tensor(const fs::path &path, const ir::Buffer &buffer, const std::vector<int64_t> &values) {
    ATIM_CHECK(static_cast<int64_t>(values.size()) == buffer->num_elements(), "{} values for tensor {} of {}",
               values.size(), buffer->name, buffer->num_elements());
    std::string bytes(static_cast<size_t>(buffer->size_bytes()), '\0');
    const auto width = static_cast<size_t>(ir::bytes_of(buffer->dtype));
    for (size_t i = 0; i < values.size(); ++i) ir::store_element(buffer->dtype, values[i], &bytes[i * width]);
    std::ofstream file(path, std::ios::binary);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ATIM_CHECK(file.good(), "cannot write {}", path.string());
}

std::vector<int64_t> read_tensor(const fs::path &path, const ir::Buffer &buffer) {
    std::ifstream file(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    ATIM_CHECK(static_cast<int64_t>(bytes.size()) == buffer->size_bytes(),
               "the generated program wrote {} bytes of tensor {} instead of {}", bytes.size(), buffer->name,
               buffer->size_bytes());
    std::vector<int64_t> values(static_cast<size_t>(buffer->num_elements()));
    const auto width = static_cast<size_t>(ir::bytes_of(buffer->dtype));
    for (size_t i = 0; i < values.size(); ++i) values[i] = ir::load_element(buffer->dtype, &bytes[i * width]);
    return values;
}

/// The host program's one JSON line of phase times.
void read_phase_times(const HostRun &run, EmuExecution &execution) {
    nlohmann::json times;
    try {
        times = nlohmann::json::parse(run.stdout_text.substr(0, run.stdout_text.find('\n')));
        execution.h2d_ms = times.at("h2d_ms").get<double>();
        execution.kernel_ms = times.at("kernel_ms").get<double>();
        execution.after_ms = times.at("after_ms").get<double>();
    } catch (const nlohmann::json::exception &e) {
        internal_error(__FILE__, __LINE__,
                       fmt::format("the generated host program printed no phase times ({}): '{}'", e.what(),
                                   run.stdout_text.substr(0, 200)));
    }
}

}  // namespace

EmuExecution execute_on_emu(const lower::PimProgram &program, const TensorValues &inputs,
                            const RunOptions &options) {
    WorkDir dir(options.keep_dir);
    for (const lower::TensorInfo &tensor : program.tensors) {
        if (tensor.role != lower::TensorRole::Input) continue;
        auto found = inputs.find(tensor.buffer->name);
        ATIM_CHECK(found != inputs.end(), "no values for input tensor {}", tensor.buffer->name);
        write_tensor(dir.path() / (tensor.buffer->name + ".bin"), tensor.buffer, found->second);
    }
    codegen::CEmitOptions emit_options;
    emit_options.timing = options.timing;
    codegen::write_c_sources(codegen::emit_c(program, emit_options), dir.path());
    build_for_emu(dir.path(), {program.tasklets, emit_options.stack_bytes_per_tasklet});
    HostRun run = run_host(dir.path(), options.timeout_seconds);
    check_host_run(run);
    EmuExecution execution;
    read_phase_times(run, execution);
    for (const lower::TensorInfo &tensor : program.tensors)
        if (tensor.role == lower::TensorRole::Output)
            execution.outputs[tensor.buffer->name] =
                read_tensor(dir.path() / (tensor.buffer->name + ".bin"), tensor.buffer);
    if (options.keep_dir) execution.work_dir = dir.path().string();
    return execution;
}

RunResult run_emu(const workloads::Workload &workload, const lower::PimProgram &program,
                  const RunOptions &options) {
    SeededInputs inputs = seeded_inputs(workload, options.seed);
    EmuExecution execution = execute_on_emu(program, inputs.by_name, options);
    RunResult result;
    check_against_reference(workload, inputs, execution.outputs, result);
    result.work_dir = execution.work_dir;
    result.stats = {
        {"backend", "emu"},
        {"note",
         "native emulation of the UPMEM SDK: time_ms is null because wall times of the emulation are not DPU "
         "hardware times; emu_wall_ms is the host program's own measurement"},
        {"emu_wall_ms",
         {{"h2d", execution.h2d_ms},
          {"kernel", execution.kernel_ms},
          {"after", execution.after_ms},
          {"total", execution.h2d_ms + execution.kernel_ms + execution.after_ms}}},
        {"mismatches", result.mismatch_count},
        {"seed", options.seed},
        {"wram_bytes_per_dpu", program.wram_bytes_per_dpu},
    };
    return result;
}

}  // namespace atim::runtime
