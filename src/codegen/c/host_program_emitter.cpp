// The host program (host.c) of a PimProgram: UPMEM SDK calls only (reference/upmem-api.md §2), the transfer
// and timing order of ATiM's runtime (atim-method.md §7.4).
#include <fmt/format.h>

#include "atim/support/error.h"
#include "c_emitters.h"

namespace atim::codegen {
namespace {

using namespace atim::ir;

constexpr const char *kHostPrelude = R"(#define _POSIX_C_SOURCE 200809L
#include <dpu.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef DPU_BINARY
#define DPU_BINARY "./dpu.bin"
#endif

static void *atim_checked_calloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "out of memory (%zu x %zu bytes)\n", count, size);
        exit(EXIT_FAILURE);
    }
    return p;
}

static double atim_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* Tensors are raw little-endian row-major files DIR/<name>.bin. */
static void atim_read_tensor(const char *dir, const char *name, void *data, size_t bytes) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f || fread(data, 1, bytes, f) != bytes) {
        fprintf(stderr, "cannot read %zu bytes of tensor %s from %s\n", bytes, name, path);
        exit(EXIT_FAILURE);
    }
    fclose(f);
}

static void atim_write_tensor(const char *dir, const char *name, const void *data, size_t bytes) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, bytes, f) != bytes || fclose(f) != 0) {
        fprintf(stderr, "cannot write tensor %s to %s\n", name, path);
        exit(EXIT_FAILURE);
    }
}

/* Copies between a row-major host tensor and one DPU's dense box [box_min, box_min + box_shape) of it, clipped
 * to the tensor: the part of the box outside the tensor, and the last `row_padding` elements of each box row
 * (8-byte row alignment), are padding (left untouched). Offsets in elements. */
static void atim_copy_box_rows(uint8_t *host, const int64_t *host_shape, uint8_t *box, const int64_t *box_min,
                               const int64_t *box_shape, int64_t row_padding, int rank, int dim,
                               int64_t host_offset, int64_t box_offset, size_t element_bytes, int to_box) {
    int64_t lo = box_min[dim] > 0 ? box_min[dim] : 0;
    int64_t end = box_min[dim] + box_shape[dim] - (dim == rank - 1 ? row_padding : 0);
    int64_t hi = end < host_shape[dim] ? end : host_shape[dim];
    if (lo >= hi) return;
    if (dim == rank - 1) {
        uint8_t *h = host + (size_t)(host_offset * host_shape[dim] + lo) * element_bytes;
        uint8_t *b = box + (size_t)(box_offset * box_shape[dim] + (lo - box_min[dim])) * element_bytes;
        size_t bytes = (size_t)(hi - lo) * element_bytes;
        if (to_box)
            memcpy(b, h, bytes);
        else
            memcpy(h, b, bytes);
        return;
    }
    for (int64_t i = lo; i < hi; ++i)
        atim_copy_box_rows(host, host_shape, box, box_min, box_shape, row_padding, rank, dim + 1,
                           host_offset * host_shape[dim] + i, box_offset * box_shape[dim] + (i - box_min[dim]),
                           element_bytes, to_box);
}

/* Packs one DPU's box (zero padding) into `box` of box_bytes bytes. */
static void atim_pack_box(const void *host, const int64_t *host_shape, const int64_t *box_min,
                          const int64_t *box_shape, int64_t row_padding, int rank, size_t element_bytes, void *box,
                          size_t box_bytes) {
    memset(box, 0, box_bytes);
    atim_copy_box_rows((uint8_t *)host, host_shape, (uint8_t *)box, box_min, box_shape, row_padding, rank, 0, 0, 0,
                       element_bytes, 1);
}

/* Unpacks one DPU's box into the host tensor; padding is dropped. */
static void atim_unpack_box(void *host, const int64_t *host_shape, const int64_t *box_min,
                            const int64_t *box_shape, int64_t row_padding, int rank, size_t element_bytes,
                            const void *box) {
    atim_copy_box_rows((uint8_t *)host, host_shape, (uint8_t *)box, box_min, box_shape, row_padding, rank, 0, 0, 0,
                       element_bytes, 0);
}

)";

const char *transfer_words(lower::TransferKind kind) {
    switch (kind) {
        case lower::TransferKind::Parallel:
            return "parallel push";
        case lower::TransferKind::Broadcast:
            return "broadcast";
        case lower::TransferKind::Replicated:
            return "replicated push (one buffer, every DPU)";
    }
    return "?";
}

std::string int64_list(const std::vector<int64_t> &values) {
    std::string out;
    for (int64_t v : values) out += (out.empty() ? "" : ", ") + std::to_string(v);
    return "{" + out + "}";
}

class HostProgramEmitter {
public:
    HostProgramEmitter(const lower::PimProgram &program, const CEmitOptions &options, CNameTable &names)
        : program_(program), options_(options), names_(names), printer_(CTarget::Host, names) {
        for (const char *reserved :
             {"stage", "args", "t_start", "t_launch", "t_kernel_end", "t_end", "box_min"})
            names_.reserve(reserved);
        for (const Var *v : {&program.grid_vars.x, &program.grid_vars.y, &program.grid_vars.z})
            printer_.assume_non_negative(v->get());
    }

    std::string emit() {
        std::string out = fmt::format(
            "/* Host program of '{}', generated by atim: {} DPUs, timing '{}'.\n"
            " * Usage: ./host [DIR]  (inputs DIR/<tensor>.bin, outputs written to DIR/<tensor>.bin)\n"
            " * Build: gcc -std=c11 -O2 -fopenmp host.c -o host $(dpu-pkg-config --cflags --libs dpu) "
            "-DDPU_BINARY='\"./dpu.bin\"' */\n",
            program_.name, program_.grid.count(), to_string(options_.timing));
        out += kHostPrelude;
        out += fmt::format("#define NR_DPUS {}\n\n", program_.grid.count());
        out += fmt::format(
            "typedef struct {{\n    int32_t dpu_x;\n    int32_t dpu_y;\n    int32_t dpu_z;\n    int32_t "
            "unused;\n}} "
            "{};\n\n",
            kDpuArgsType);
        out += "int main(int argc, char **argv) {\n";
        out += "    const char *dir = argc > 1 ? argv[1] : \".\";\n";
        out += "    struct dpu_set_t set, dpu;\n    uint32_t dpu_index;\n\n";
        host_tensors(out);
        staging_buffers(out);
        out += "    DPU_ASSERT(dpu_alloc(NR_DPUS, NULL, &set));\n";
        out += "    DPU_ASSERT(dpu_load(set, DPU_BINARY, NULL));\n\n";
        bool prim = options_.timing == TimingMode::Prim;
        out +=
            prim ? "    /* Timing 'prim': every copy is timed. */\n"
                 : "    /* Timing 'atim': the DPU arguments and the resident inputs are in place before the "
                   "timed call. */\n";
        if (!prim) setup_transfers(out);
        out += "    const double t_start = atim_now_ms();\n";
        if (prim) setup_transfers(out);
        for (size_t i = 0; i < program_.to_dpu.size(); ++i)
            if (prim || !program_.to_dpu[i].resident) to_dpu(program_.to_dpu[i], i, out);
        out += "    const double t_launch = atim_now_ms();\n";
        out += "    DPU_ASSERT(dpu_launch(set, DPU_SYNCHRONOUS));\n";
        out += "    const double t_kernel_end = atim_now_ms();\n";
        for (size_t i = 0; i < program_.from_dpu.size(); ++i) from_dpu(program_.from_dpu[i], i, out);
        if (program_.host_epilogue.defined()) {
            out += "    /* Host epilogue: final reduction of the DPUs' partial results. */\n";
            printer_.stmt(program_.host_epilogue, 1, out);
        }
        out += "    const double t_end = atim_now_ms();\n";
        out +=
            "    printf(\"{\\\"h2d_ms\\\":%.6f,\\\"kernel_ms\\\":%.6f,\\\"after_ms\\\":%.6f}\\n\", t_launch "
            "- "
            "t_start,\n           t_kernel_end - t_launch, t_end - t_kernel_end);\n\n";
        write_outputs_and_free(out);
        out += "    return 0;\n}\n";
        // The helpers main() calls go before it.
        size_t main_start = out.find("int main(");
        return out.insert(main_start, c_helper_functions(printer_.used_helpers()));
    }

private:
    const lower::MramSlice &slice_of(const lower::Transfer &t) const {
        ATIM_CHECK(t.slice < program_.slices.size(), "transfer of slice {} of {}", t.slice,
                   program_.slices.size());
        return program_.slices[t.slice];
    }

    void host_tensors(std::string &out) {
        out += "    /* Host tensors. */\n";
        for (const lower::TensorInfo &tensor : program_.tensors) {
            const Buffer &b = tensor.buffer;
            out += fmt::format("    {} *{} = ({} *)atim_checked_calloc({}, sizeof({}));\n", c_type(b->dtype),
                               names_.name_of(b), c_type(b->dtype), b->num_elements(), c_type(b->dtype));
            if (tensor.role == lower::TensorRole::Input)
                out += fmt::format("    atim_read_tensor(dir, \"{}\", {}, {});\n", b->name, names_.name_of(b),
                                   b->size_bytes());
        }
        out += "\n";
    }

    static std::string stage_name(const char *direction, size_t index) {
        return fmt::format("stage_{}_{}", direction, index);
    }

    void staging_buffers(std::string &out) {
        out += "    /* Staging buffers: one padded box per DPU and transfer; the DPU arguments. */\n";
        for (size_t i = 0; i < program_.to_dpu.size(); ++i) {
            const lower::Transfer &t = program_.to_dpu[i];
            int64_t boxes = t.kind == lower::TransferKind::Parallel ? program_.grid.count() : 1;
            out += fmt::format("    uint8_t *{} = (uint8_t *)atim_checked_calloc({}, {});\n",
                               stage_name("to", i), boxes, t.bytes_per_dpu);
        }
        for (size_t i = 0; i < program_.from_dpu.size(); ++i) {
            out += fmt::format("    uint8_t *{} = (uint8_t *)atim_checked_calloc(NR_DPUS, {});\n",
                               stage_name("from", i), program_.from_dpu[i].bytes_per_dpu);
        }
        out += fmt::format("    {} *args = ({} *)atim_checked_calloc(NR_DPUS, sizeof({}));\n", kDpuArgsType,
                           kDpuArgsType, kDpuArgsType);
        out += fmt::format(
            "    for (uint32_t d = 0; d < NR_DPUS; ++d) {{\n"
            "        args[d].dpu_x = (int32_t)(d % {});\n"
            "        args[d].dpu_y = (int32_t)(d / {} % {});\n"
            "        args[d].dpu_z = (int32_t)(d / {});\n"
            "    }}\n\n",
            program_.grid.x, program_.grid.x, program_.grid.y, program_.grid.x * program_.grid.y);
    }

    void setup_transfers(std::string &out) {
        out += fmt::format(
            "    DPU_FOREACH(set, dpu, dpu_index) DPU_ASSERT(dpu_prepare_xfer(dpu, &args[dpu_index]));\n"
            "    DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, \"{}\", 0, sizeof({}), DPU_XFER_DEFAULT));\n",
            kDpuArgsSymbol, kDpuArgsType);
        if (options_.timing == TimingMode::Atim)
            for (size_t i = 0; i < program_.to_dpu.size(); ++i)
                if (program_.to_dpu[i].resident) to_dpu(program_.to_dpu[i], i, out);
    }

    /// Declares this DPU's grid coordinates and its box origin for a slice (inside a loop over DPUs).
    void box_origin(const lower::MramSlice &slice, const std::string &dpu, int indent, std::string &out) {
        std::string pad(static_cast<size_t>(indent) * 4, ' ');
        const Var &x = program_.grid_vars.x, &y = program_.grid_vars.y, &z = program_.grid_vars.z;
        out += fmt::format("{}const {} {} = ({})({} % {});\n", pad, c_type(x.dtype()),
                           names_.name_of(x.get()), c_type(x.dtype()), dpu, program_.grid.x);
        out += fmt::format("{}const {} {} = ({})({} / {} % {});\n", pad, c_type(y.dtype()),
                           names_.name_of(y.get()), c_type(y.dtype()), dpu, program_.grid.x, program_.grid.y);
        out +=
            fmt::format("{}const {} {} = ({})({} / {});\n", pad, c_type(z.dtype()), names_.name_of(z.get()),
                        c_type(z.dtype()), dpu, program_.grid.x * program_.grid.y);
        std::string origin;
        for (const Expr &e : slice.box_min)
            origin += (origin.empty() ? "" : ", ") + ("(int64_t)" + printer_.expr(e));
        out += fmt::format("{}const int64_t box_min[] = {{{}}};\n", pad, origin);
        out += fmt::format("{}(void){};\n{}(void){};\n{}(void){};\n", pad, names_.name_of(x.get()), pad,
                           names_.name_of(y.get()), pad, names_.name_of(z.get()));
    }

    std::string shapes(const lower::MramSlice &slice) const {
        // A box of a fused view (MramSlice::fused_dims) sees the row-major tensor with its leading
        // dimensions fused: the same flat elements, so host_shape is the view's.
        const std::vector<int64_t> host_shape = slice.host_shape();
        ATIM_CHECK(
            slice.box_min.size() == host_shape.size() && slice.local->shape.size() == host_shape.size(),
            "slice {} of {}: box rank differs from the tensor's", slice.local->name, slice.host->name);
        return fmt::format("const int64_t host_shape[] = {}, box_shape[] = {}, row_padding = {};",
                           int64_list(host_shape), int64_list(slice.local->shape), slice.row_padding);
    }

    void to_dpu(const lower::Transfer &t, size_t index, std::string &out) {
        const lower::MramSlice &slice = slice_of(t);
        std::string stage = stage_name("to", index);
        std::string symbol = names_.name_of(slice.local);
        std::string host = names_.name_of(slice.host);
        int rank = static_cast<int>(slice.host_shape().size());
        size_t element = static_cast<size_t>(bytes_of(slice.host->dtype));
        ATIM_CHECK(t.bytes_per_dpu % 8 == 0 && t.bytes_per_dpu <= slice.bytes_per_dpu,
                   "transfer of {} bytes per DPU into slice {} of {} bytes", t.bytes_per_dpu,
                   slice.local->name, slice.bytes_per_dpu);
        out += fmt::format("    {{ /* {} -> {}: {} of {} bytes per DPU{} */\n", slice.host->name, symbol,
                           transfer_words(t.kind), t.bytes_per_dpu, t.resident ? ", resident input" : "");
        out += "        " + shapes(slice) + "\n";
        if (t.kind != lower::TransferKind::Parallel) {
            ATIM_CHECK(slice.same_for_all_dpus(), "{} of slice {} whose box depends on the DPU",
                       transfer_words(t.kind), slice.local->name);
            out += "        {\n";
            box_origin(slice, "0u", 3, out);
            out += fmt::format(
                "            atim_pack_box({}, host_shape, box_min, box_shape, row_padding, {}, {}, {}, "
                "{});\n",
                host, rank, element, stage, t.bytes_per_dpu);
            out += "        }\n";
        }
        if (t.kind == lower::TransferKind::Broadcast) {
            out += fmt::format(
                "        DPU_ASSERT(dpu_broadcast_to(set, \"{}\", 0, {}, {}, DPU_XFER_DEFAULT));\n", symbol,
                stage, t.bytes_per_dpu);
        } else if (t.kind == lower::TransferKind::Replicated) {
            // PrIM's replication (prim-baselines.md §1.4): every DPU's pointer is the one packed buffer.
            out += fmt::format(
                "        DPU_FOREACH(set, dpu, dpu_index) DPU_ASSERT(dpu_prepare_xfer(dpu, {}));\n", stage);
            out += fmt::format(
                "        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, \"{}\", 0, {}, DPU_XFER_DEFAULT));\n",
                symbol, t.bytes_per_dpu);
        } else {
            out += "        DPU_FOREACH(set, dpu, dpu_index) {\n";
            box_origin(slice, "dpu_index", 3, out);
            out += fmt::format(
                "            uint8_t *box = {} + (size_t)dpu_index * {};\n"
                "            atim_pack_box({}, host_shape, box_min, box_shape, row_padding, {}, {}, box, "
                "{});\n"
                "            DPU_ASSERT(dpu_prepare_xfer(dpu, box));\n        }}\n",
                stage, t.bytes_per_dpu, host, rank, element, t.bytes_per_dpu);
            out += fmt::format(
                "        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_TO_DPU, \"{}\", 0, {}, DPU_XFER_DEFAULT));\n",
                symbol, t.bytes_per_dpu);
        }
        out += "    }\n";
    }

    void from_dpu(const lower::Transfer &t, size_t index, std::string &out) {
        const lower::MramSlice &slice = slice_of(t);
        ATIM_CHECK(t.kind == lower::TransferKind::Parallel, "gather of slice {} must be a parallel transfer",
                   slice.local->name);
        // Every DPU would unpack the same box of the tensor, the last one overwriting the others' results.
        ATIM_CHECK(
            program_.grid.count() == 1 || !slice.same_for_all_dpus(),
            "gather of {} into {}: all {} DPUs hold the same box of the tensor, so their results would "
            "overwrite each other",
            slice.local->name, slice.host->name, program_.grid.count());
        std::string stage = stage_name("from", index);
        std::string symbol = names_.name_of(slice.local);
        int rank = static_cast<int>(slice.host_shape().size());
        out += fmt::format("    {{ /* {} -> {}: gather of {} bytes per DPU{} */\n", symbol, slice.host->name,
                           t.bytes_per_dpu, slice.in_wram ? " from WRAM (control interface)" : "");
        out += "        " + shapes(slice) + "\n";
        out += fmt::format(
            "        DPU_FOREACH(set, dpu, dpu_index) DPU_ASSERT(dpu_prepare_xfer(dpu, {} + "
            "(size_t)dpu_index * "
            "{}));\n",
            stage, t.bytes_per_dpu);
        out += fmt::format(
            "        DPU_ASSERT(dpu_push_xfer(set, DPU_XFER_FROM_DPU, \"{}\", 0, {}, DPU_XFER_DEFAULT));\n",
            symbol, t.bytes_per_dpu);
        out += "        DPU_FOREACH(set, dpu, dpu_index) {\n";
        box_origin(slice, "dpu_index", 3, out);
        out += fmt::format(
            "            atim_unpack_box({}, host_shape, box_min, box_shape, row_padding, {}, {}, {} + "
            "(size_t)dpu_index "
            "* {});\n",
            names_.name_of(slice.host), rank, bytes_of(slice.host->dtype), stage, t.bytes_per_dpu);
        out += "        }\n    }\n";
    }

    void write_outputs_and_free(std::string &out) {
        for (const lower::TensorInfo &tensor : program_.tensors)
            if (tensor.role == lower::TensorRole::Output)
                out += fmt::format("    atim_write_tensor(dir, \"{}\", {}, {});\n", tensor.buffer->name,
                                   names_.name_of(tensor.buffer), tensor.buffer->size_bytes());
        out += "    DPU_ASSERT(dpu_free(set));\n";
        for (const lower::TensorInfo &tensor : program_.tensors)
            out += fmt::format("    free({});\n", names_.name_of(tensor.buffer));
        for (size_t i = 0; i < program_.to_dpu.size(); ++i)
            out += fmt::format("    free({});\n", stage_name("to", i));
        for (size_t i = 0; i < program_.from_dpu.size(); ++i)
            out += fmt::format("    free({});\n", stage_name("from", i));
        out += "    free(args);\n";
    }

    const lower::PimProgram &program_;
    const CEmitOptions &options_;
    CNameTable &names_;
    CPrinter printer_;
};

}  // namespace

std::string emit_host_program(const lower::PimProgram &program, const CEmitOptions &options,
                              CNameTable &names) {
    return HostProgramEmitter(program, options, names).emit();
}

}  // namespace atim::codegen
