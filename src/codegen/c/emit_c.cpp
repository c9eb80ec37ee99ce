// Entry of the C code generator: dpu.c + host.c + build.sh, and writing them without leaving half a
// directory.
#include <fmt/format.h>

#include <fstream>
#include <random>
#include <system_error>

#include "atim/codegen/c_codegen.h"
#include "atim/support/error.h"
#include "c_emitters.h"

namespace atim::codegen {
namespace {

std::string build_script(const lower::PimProgram &program, const CEmitOptions &options) {
    return fmt::format(
        "#!/bin/sh\n"
        "# Builds '{}' with the UPMEM SDK (source upmem_env.sh first). Run: ./host [DIR]\n"
        "set -e\n"
        "cd \"$(dirname \"$0\")\"\n"
        "dpu-upmem-dpurte-clang -O2 -DNR_TASKLETS={} -DSTACK_SIZE_DEFAULT={} -o dpu.bin dpu.c\n"
        "gcc -std=c11 -O2 -fopenmp host.c -o host $(dpu-pkg-config --cflags --libs dpu) "
        "-DDPU_BINARY='\"./dpu.bin\"'\n",
        program.name, program.tasklets, options.stack_bytes_per_tasklet);
}

void write_file(const std::filesystem::path &path, const std::string &text) {
    std::ofstream file(path, std::ios::binary);
    file << text;
    file.close();
    if (!file) user_error("cannot write {}; check that the directory is writable", path.string());
}

}  // namespace

const char *to_string(TimingMode mode) { return mode == TimingMode::Prim ? "prim" : "atim"; }

TimingMode parse_timing_mode(const std::string &name) {
    if (name == "atim") return TimingMode::Atim;
    if (name == "prim") return TimingMode::Prim;
    user_error("unknown timing '{}'; use 'atim' (resident inputs untimed) or 'prim' (every copy timed)",
               name);
}

CSources emit_c(const lower::PimProgram &program, const CEmitOptions &options) {
    ATIM_CHECK(program.grid.count() >= 1 && program.tasklets >= 1, "program {} has {} DPUs and {} tasklets",
               program.name, program.grid.count(), program.tasklets);
    CNameTable names;
    CSources sources;
    sources.dpu_c = emit_dpu_kernel(program, names);
    sources.host_c = emit_host_program(program, options, names);
    sources.build_sh = build_script(program, options);
    return sources;
}

void write_c_sources(const CSources &sources, const std::filesystem::path &dir) {
    namespace fs = std::filesystem;
    fs::path target = fs::absolute(dir);
    std::error_code error;
    fs::create_directories(target.parent_path(), error);
    std::random_device random;
    fs::path staging =
        target.parent_path() / fmt::format(".{}.tmp-{:08x}", target.filename().string(), random());
    if (!fs::create_directory(staging, error))
        user_error("cannot create a directory next to {}: {}", target.string(), error.message());
    try {
        write_file(staging / "dpu.c", sources.dpu_c);
        write_file(staging / "host.c", sources.host_c);
        write_file(staging / "build.sh", sources.build_sh);
        fs::permissions(staging / "build.sh",
                        fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                        fs::perm_options::add);
        fs::create_directories(target);
        for (const char *name : {"dpu.c", "host.c", "build.sh"}) fs::rename(staging / name, target / name);
        fs::remove_all(staging, error);
    } catch (const fs::filesystem_error &e) {
        fs::remove_all(staging, error);
        user_error("cannot write the C sources to {}: {}", target.string(), e.code().message());
    } catch (...) {
        fs::remove_all(staging, error);
        throw;
    }
}

}  // namespace atim::codegen
