// The assembler's driver: reads source lines (labels, directives, instructions), lays out IRAM, WRAM and
// MRAM, links the bootstrap and runtime library, resolves symbols and checks the machine's capacities.
#include "atim/sim/assembler.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>

#include "atim/support/error.h"
#include "sim/asm/encoder.h"
#include "sim/asm/operand.h"
#include "sim/runtime/runtime_library.h"

namespace atim::sim {
namespace {

using assembly::Operand;

enum class Section : uint8_t { Text, Wram, Mram };

struct Location {
    uint16_t file = 0;
    uint32_t line = 0;
};

struct PendingInstruction {
    std::string mnemonic;
    std::vector<Operand> operands;
    Location where;
};

/// A data word whose value is a symbol expression, patched once all symbols are known.
struct DataFixup {
    Section section;
    uint32_t offset;
    int bytes;
    Operand value;
    uint32_t here;  ///< value of `.` at the directive
    Location where;
};

struct LabelDefinition {
    std::string name;
    Section section;
    uint32_t offset;  ///< pc (Text) or byte offset in the section
    Location where;
    bool host_section = false;
};

class Linker {
public:
    explicit Linker(const AssembleOptions &options) : options_(options) {}

    void add_file(std::string_view source, const std::string &filename);
    Program finish();

private:
    // Source reading.
    void read_line(std::string_view line);
    std::string_view strip_comment(std::string_view line) const;
    void define_label(std::string_view name);
    void directive(std::string_view name, std::string_view arguments);
    void switch_section(std::string_view name);
    void emit_data(std::string_view arguments, int bytes);
    void emit_string(std::string_view arguments, bool zero_terminated);
    void align(uint32_t alignment);
    std::vector<uint8_t> &data() { return section_ == Section::Mram ? mram_ : wram_; }
    uint32_t here() const {
        return section_ == Section::Text
                   ? static_cast<uint32_t>(pending_.size())
                   : static_cast<uint32_t>(section_ == Section::Mram ? mram_.size() : wram_.size());
    }
    std::string scoped(std::string_view name) const;
    [[noreturn]] void fail(const std::string &message) const;
    [[noreturn]] void fail_at(const Location &where, const std::string &message) const;

    // Linking.
    void place_stacks(Program &program);
    void build_symbols(Program &program);
    void encode_instructions(Program &program);
    void apply_fixups(Program &program);
    int64_t symbol_value(const Program &program, const std::string &name, const Location &where) const;
    void check_capacity(const Program &program) const;

    const AssembleOptions &options_;
    std::vector<std::string> files_;
    Location current_;
    Section section_ = Section::Text;
    bool host_section_ = false;
    std::vector<PendingInstruction> pending_;
    std::vector<uint8_t> wram_, mram_;
    std::vector<DataFixup> fixups_;
    std::vector<LabelDefinition> labels_;
    std::map<std::string, Location> label_lookup_;
    std::map<std::string, uint32_t> explicit_sizes_;
    std::vector<std::string> globals_;
};

[[noreturn]] void Linker::fail(const std::string &message) const { fail_at(current_, message); }

[[noreturn]] void Linker::fail_at(const Location &where, const std::string &message) const {
    throw UserError(fmt::format("{}:{}: {}", files_.at(where.file), where.line, message));
}

void Linker::add_file(std::string_view source, const std::string &filename) {
    files_.push_back(filename);
    current_.file = static_cast<uint16_t>(files_.size() - 1);
    section_ = Section::Text;
    host_section_ = false;
    uint32_t line_number = 0;
    size_t start = 0;
    while (start <= source.size()) {
        size_t end = source.find('\n', start);
        if (end == std::string_view::npos) end = source.size();
        current_.line = ++line_number;
        try {
            read_line(source.substr(start, end - start));
        } catch (const UserError &error) {
            std::string what = error.what();
            if (what.rfind(filename + ":", 0) == 0) throw;
            fail(what);
        }
        start = end + 1;
    }
}

std::string_view Linker::strip_comment(std::string_view line) const {
    bool in_string = false;
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (c == '"' && (i == 0 || line[i - 1] != '\\')) in_string = !in_string;
        if (in_string) continue;
        if (c == ';' || (c == '/' && i + 1 < line.size() && line[i + 1] == '/')) return line.substr(0, i);
        if (c == '#') return line.substr(0, i);
    }
    return line;
}

// `.L` labels are local to their file, as in LLVM's assembler: a kernel's .LBB0_3 never meets the
// runtime's.
std::string Linker::scoped(std::string_view name) const {
    if (name.size() > 2 && name.substr(0, 2) == ".L") return fmt::format("{}@{}", name, current_.file);
    return std::string(name);
}

void Linker::read_line(std::string_view line) {
    line = assembly::trim(strip_comment(line));
    // Leading labels: `name:` (possibly several).
    while (!line.empty()) {
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) break;
        std::string_view candidate = assembly::trim(line.substr(0, colon));
        bool is_label = !candidate.empty() && std::all_of(candidate.begin(), candidate.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$';
        });
        if (!is_label || line.substr(0, colon).find('"') != std::string_view::npos) break;
        define_label(candidate);
        line = assembly::trim(line.substr(colon + 1));
    }
    if (line.empty()) return;
    size_t space = line.find_first_of(" \t");
    std::string_view head = line.substr(0, space);
    std::string_view rest =
        space == std::string_view::npos ? std::string_view{} : assembly::trim(line.substr(space));
    if (head.front() == '.') {
        directive(head, rest);
        return;
    }
    if (section_ != Section::Text) fail(fmt::format("instruction '{}' outside a code section", head));
    std::string mnemonic(head);
    std::transform(mnemonic.begin(), mnemonic.end(), mnemonic.begin(), ::tolower);
    PendingInstruction instruction{mnemonic, {}, current_};
    for (std::string_view text : assembly::split_operands(rest)) {
        Operand operand = assembly::parse_operand(text);
        for (auto &term : operand.terms) term.symbol = term.symbol == "." ? "." : scoped(term.symbol);
        instruction.operands.push_back(std::move(operand));
    }
    pending_.push_back(std::move(instruction));
}

void Linker::define_label(std::string_view raw_name) {
    std::string name = scoped(raw_name);
    if (auto previous = label_lookup_.find(name); previous != label_lookup_.end())
        fail(fmt::format("symbol '{}' is defined twice (first at {}:{})", raw_name,
                         files_[previous->second.file], previous->second.line));
    label_lookup_[name] = current_;
    labels_.push_back({name, section_, here(), current_, host_section_});
}

void Linker::switch_section(std::string_view name) {
    host_section_ = false;
    if (name.starts_with(".text")) {
        section_ = Section::Text;
    } else if (name.starts_with(".mram")) {
        section_ = Section::Mram;
        host_section_ = true;
    } else if (name.starts_with(".data") || name.starts_with(".rodata") || name.starts_with(".bss") ||
               name.starts_with(".dpu_host") || name.starts_with(".atomic") || name.starts_with(".sdata") ||
               name.starts_with(".sbss")) {
        section_ = Section::Wram;
        host_section_ = name.starts_with(".dpu_host");
    } else if (name.starts_with(".debug") || name.starts_with(".note") || name.starts_with(".comment") ||
               name.starts_with(".stack_sizes")) {
        section_ = Section::Wram;  // tolerated; such sections are empty in our use
    } else {
        fail(fmt::format("unknown section '{}' (.text, .data, .rodata, .bss, .dpu_host, .mram)", name));
    }
}

void Linker::align(uint32_t alignment) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        fail(fmt::format("alignment {} is not a power of two", alignment));
    if (section_ == Section::Text) return;  // instructions are their own unit
    auto &bytes = data();
    while (bytes.size() % alignment != 0) bytes.push_back(0);
}

void Linker::emit_data(std::string_view arguments, int bytes) {
    if (section_ == Section::Text) fail("data directive inside a code section; switch with .section .data");
    for (std::string_view text : assembly::split_operands(arguments)) {
        Operand value = assembly::parse_operand(text);
        for (auto &term : value.terms) term.symbol = term.symbol == "." ? "." : scoped(term.symbol);
        if (value.kind != Operand::Kind::Expression)
            fail(fmt::format("data value '{}' is not a number or symbol", text));
        auto &out = data();
        uint32_t offset = static_cast<uint32_t>(out.size());
        out.resize(out.size() + bytes, 0);
        if (auto constant = value.constant()) {
            uint64_t v = static_cast<uint64_t>(*constant);
            for (int i = 0; i < bytes; ++i) out[offset + i] = static_cast<uint8_t>(v >> (8 * i));
        } else {
            fixups_.push_back({section_, offset, bytes, std::move(value), offset, current_});
        }
    }
}

void Linker::emit_string(std::string_view arguments, bool zero_terminated) {
    if (section_ == Section::Text) fail("string directive inside a code section");
    arguments = assembly::trim(arguments);
    if (arguments.size() < 2 || arguments.front() != '"' || arguments.back() != '"')
        fail(fmt::format("expected a quoted string, got '{}'", arguments));
    auto &out = data();
    for (size_t i = 1; i + 1 < arguments.size(); ++i) {
        char c = arguments[i];
        if (c == '\\' && i + 2 < arguments.size()) {
            char e = arguments[++i];
            if (e == 'n')
                c = '\n';
            else if (e == 't')
                c = '\t';
            else if (e == '0')
                c = '\0';
            else
                c = e;
        }
        out.push_back(static_cast<uint8_t>(c));
    }
    if (zero_terminated) out.push_back(0);
}

void Linker::directive(std::string_view name, std::string_view arguments) {
    auto number = [&](std::string_view text) -> int64_t {
        Operand operand = assembly::parse_operand(text);
        auto value = operand.constant();
        if (!value) fail(fmt::format("'{}' needs a constant, got '{}'", name, text));
        return *value;
    };
    auto args = assembly::split_operands(arguments);
    if (name == ".text") {
        switch_section(".text");
    } else if (name == ".data" || name == ".bss" || name == ".rodata") {
        switch_section(name);
    } else if (name == ".section" || name == ".pushsection") {
        if (args.empty()) fail(".section needs a name");
        switch_section(args[0]);
    } else if (name == ".globl" || name == ".global") {
        for (auto a : args) globals_.push_back(std::string(a));
    } else if (name == ".p2align" || name == ".align") {
        if (args.empty()) fail(fmt::format("{} needs an argument", name));
        int64_t power = number(args[0]);
        if (power < 0 || power > 16) fail(fmt::format("alignment 2^{} is out of range", power));
        align(1u << power);
    } else if (name == ".balign") {
        if (args.empty()) fail(".balign needs an argument");
        align(static_cast<uint32_t>(number(args[0])));
    } else if (name == ".byte") {
        emit_data(arguments, 1);
    } else if (name == ".short" || name == ".hword" || name == ".2byte") {
        emit_data(arguments, 2);
    } else if (name == ".word" || name == ".long" || name == ".int" || name == ".4byte") {
        emit_data(arguments, 4);
    } else if (name == ".quad" || name == ".8byte") {
        emit_data(arguments, 8);
    } else if (name == ".zero" || name == ".space" || name == ".skip") {
        if (section_ == Section::Text) fail(fmt::format("{} inside a code section", name));
        if (args.empty()) fail(fmt::format("{} needs a size", name));
        int64_t size = number(args[0]);
        int64_t fill = args.size() > 1 ? number(args[1]) : 0;
        if (size < 0 || size > (int64_t{1} << 27))
            fail(fmt::format("{} size {} is out of range", name, size));
        data().resize(data().size() + size, static_cast<uint8_t>(fill));
    } else if (name == ".ascii") {
        emit_string(arguments, false);
    } else if (name == ".asciz" || name == ".string") {
        emit_string(arguments, true);
    } else if (name == ".size") {
        if (args.size() == 2) {
            Operand size = assembly::parse_operand(args[1]);
            if (auto value = size.constant())
                explicit_sizes_[scoped(args[0])] = static_cast<uint32_t>(*value);
        }
    } else if (name == ".type" || name == ".file" || name == ".loc" || name == ".ident" ||
               name == ".addrsig" || name == ".addrsig_sym" || name == ".local" || name == ".weak" ||
               name == ".hidden" || name == ".popsection" || name.starts_with(".cfi_") || name == ".set" ||
               name == ".end") {
        // Accepted for compatibility with compiler output; no effect on the image.
    } else {
        fail(fmt::format("unknown directive '{}'", name));
    }
}

void Linker::place_stacks(Program &program) {
    auto align8 = [](std::vector<uint8_t> &v) { v.resize((v.size() + 7) & ~size_t{7}, 0); };
    align8(wram_);
    program.has_bootstrap = options_.link_bootstrap;
    program.stack_bytes_per_tasklet = static_cast<uint32_t>(options_.stack_bytes_per_tasklet);
    uint32_t stacks_start = static_cast<uint32_t>(wram_.size());
    if (options_.link_bootstrap) {
        if (options_.tasklets < 1 || options_.tasklets > 24)
            user_error("cannot link for {} tasklets; a DPU runs 1..24", options_.tasklets);
        if (options_.stack_bytes_per_tasklet < 8 || options_.stack_bytes_per_tasklet % 8 != 0)
            user_error("stack size {} B must be a positive multiple of 8", options_.stack_bytes_per_tasklet);
        program.linked_tasklets = options_.tasklets;
        wram_.resize(wram_.size() + static_cast<size_t>(options_.tasklets) * options_.stack_bytes_per_tasklet,
                     0);
    }
    program.heap_start = static_cast<uint32_t>(wram_.size());
    if (static_cast<int64_t>(wram_.size()) > options_.wram_bytes)
        user_error(
            "{}: WRAM data ({} B) plus stacks ({} tasklets x {} B) exceed the {} B of WRAM; shrink buffers "
            "or use fewer tasklets",
            files_.front(), stacks_start, program.linked_tasklets, options_.stack_bytes_per_tasklet,
            options_.wram_bytes);
    // The bootstrap finds each tasklet's stack in a table the linker fills.
    auto table =
        std::find_if(labels_.begin(), labels_.end(), [](auto &l) { return l.name == "__sys_stack_table"; });
    if (table != labels_.end()) {
        for (int t = 0; t < program.linked_tasklets; ++t) {
            uint32_t base = stacks_start + static_cast<uint32_t>(t * options_.stack_bytes_per_tasklet);
            std::memcpy(&wram_[table->offset + 4 * t], &base, 4);
        }
    }
    auto heap =
        std::find_if(labels_.begin(), labels_.end(), [](auto &l) { return l.name == "__sys_heap_start"; });
    if (heap != labels_.end()) std::memcpy(&wram_[heap->offset], &program.heap_start, 4);
}

void Linker::build_symbols(Program &program) {
    // Sizes default to the distance to the next label of the same section.
    for (size_t i = 0; i < labels_.size(); ++i) {
        const auto &label = labels_[i];
        Symbol symbol;
        symbol.name = label.name;
        symbol.space = label.section == Section::Text   ? MemorySpace::Iram
                       : label.section == Section::Mram ? MemorySpace::Mram
                                                        : MemorySpace::Wram;
        symbol.address = label.section == Section::Mram ? kMramBase + label.offset : label.offset;
        uint32_t end = label.section == Section::Text   ? static_cast<uint32_t>(pending_.size())
                       : label.section == Section::Mram ? static_cast<uint32_t>(mram_.size())
                                                        : static_cast<uint32_t>(wram_.size());
        for (size_t j = i + 1; j < labels_.size(); ++j) {
            if (labels_[j].section == label.section && labels_[j].offset > label.offset) {
                end = labels_[j].offset;
                break;
            }
        }
        symbol.size = end - label.offset;
        if (auto it = explicit_sizes_.find(label.name); it != explicit_sizes_.end()) symbol.size = it->second;
        symbol.host_visible =
            label.host_section || std::find(globals_.begin(), globals_.end(), label.name) != globals_.end();
        program.symbols[label.name] = symbol;
    }
    // DPU_MRAM_HEAP_POINTER_NAME: the rest of MRAM after the program's objects [upmem-api.md, MRAM layout].
    uint32_t used_mram = static_cast<uint32_t>((mram_.size() + 7) & ~size_t{7});
    if (static_cast<int64_t>(used_mram) <= options_.mram_bytes) {
        Symbol heap{"__sys_used_mram_end", MemorySpace::Mram, kMramBase + used_mram,
                    static_cast<uint32_t>(options_.mram_bytes - used_mram), true};
        program.symbols.emplace(heap.name, heap);
    }
}

int64_t Linker::symbol_value(const Program &program, const std::string &name, const Location &where) const {
    const Symbol *symbol = program.find_symbol(name);
    if (!symbol) {
        std::string shown = name.substr(0, name.find('@'));
        fail_at(where, fmt::format("undefined label '{}'", shown));
    }
    return symbol->address;
}

void Linker::encode_instructions(Program &program) {
    program.instructions.reserve(pending_.size());
    for (uint32_t pc = 0; pc < pending_.size(); ++pc) {
        const auto &pending = pending_[pc];
        assembly::EncodeContext context;
        context.pc = pc;
        context.resolve = [&](const std::string &name) { return symbol_value(program, name, pending.where); };
        try {
            Instruction ins = assembly::encode_instruction(pending.mnemonic, pending.operands, context);
            if (ins.target != kNoTarget && static_cast<size_t>(ins.target) >= pending_.size())
                user_error("jump target {} is past the end of the program ({} instructions)", ins.target,
                           pending_.size());
            program.instructions.push_back(ins);
        } catch (const UserError &error) {
            std::string what = error.what();
            if (what.rfind(files_[pending.where.file] + ":", 0) == 0) throw;
            fail_at(pending.where, what);
        }
        program.locations.push_back({pending.where.file, pending.where.line});
    }
}

void Linker::apply_fixups(Program &program) {
    for (const auto &fixup : fixups_) {
        auto resolve = [&](const std::string &name) { return symbol_value(program, name, fixup.where); };
        uint64_t value = static_cast<uint64_t>(assembly::evaluate(fixup.value, resolve, fixup.here));
        auto &out = fixup.section == Section::Mram ? mram_ : wram_;
        for (int i = 0; i < fixup.bytes; ++i) out[fixup.offset + i] = static_cast<uint8_t>(value >> (8 * i));
    }
}

void Linker::check_capacity(const Program &program) const {
    if (static_cast<int64_t>(program.instructions.size()) > options_.iram_instructions)
        user_error("{}: program has {} instructions but IRAM holds {}; shrink the kernel (less unrolling)",
                   files_.front(), program.instructions.size(), options_.iram_instructions);
    if (static_cast<int64_t>(mram_.size()) > options_.mram_bytes)
        user_error("{}: MRAM data ({} B) exceed the {} B of MRAM", files_.front(), mram_.size(),
                   options_.mram_bytes);
}

Program Linker::finish() {
    Program program;
    program.files = files_;
    place_stacks(program);
    build_symbols(program);
    if (options_.link_bootstrap && !program.find_symbol("main"))
        user_error("{}: no 'main' label; the bootstrap calls main (or assemble without the bootstrap)",
                   files_.front());
    encode_instructions(program);
    apply_fixups(program);
    check_capacity(program);
    if (options_.link_bootstrap) {
        program.entry_pc = program.symbol("__bootstrap").address;
    } else if (const Symbol *main = program.find_symbol("main"); main && main->space == MemorySpace::Iram) {
        program.entry_pc = main->address;
    }
    program.wram_image = std::move(wram_);
    // Zero-filled MRAM (.mram.noinit buffers of many MB) need not be carried around: MRAM starts zeroed.
    program.mram_used_bytes = mram_.size();
    size_t last_nonzero = mram_.size();
    while (last_nonzero > 0 && mram_[last_nonzero - 1] == 0) --last_nonzero;
    mram_.resize(last_nonzero);
    mram_.shrink_to_fit();
    program.mram_image = std::move(mram_);
    return program;
}

}  // namespace

Program assemble(std::string_view source, const std::string &filename, const AssembleOptions &options) {
    Linker linker(options);
    // The user's file comes first so its name heads capacity messages; the bootstrap's entry is found
    // by name, so order in IRAM does not matter.
    linker.add_file(source, filename);
    if (options.link_bootstrap || options.link_runtime)
        linker.add_file(runtime::runtime_data_source(), "<runtime>/data.S");
    if (options.link_bootstrap) linker.add_file(runtime::bootstrap_source(), "<runtime>/bootstrap.S");
    if (options.link_runtime) {
        for (const auto &[name, text] : runtime::library_sources()) linker.add_file(text, name);
    }
    return linker.finish();
}

}  // namespace atim::sim
