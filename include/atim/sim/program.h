// An assembled and linked DPU program: decoded IRAM, initial WRAM/MRAM images and the symbol table.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "atim/sim/isa.h"

namespace atim::sim {

/// DPU address map [upmem-hardware.md §1, SDK25 dpu.lds]: WRAM at 0, MRAM at 0x08000000.
inline constexpr uint32_t kMramBase = 0x08000000;

enum class MemorySpace : uint8_t { Iram, Wram, Mram };

/// A named object of the program. Addresses: IRAM = instruction index, WRAM = byte address,
/// MRAM = kMramBase + byte offset (what a DPU register holds when it points there).
struct Symbol {
    std::string name;
    MemorySpace space = MemorySpace::Wram;
    uint32_t address = 0;
    uint32_t size = 0;          ///< from `.size`, else the distance to the next label in its section
    bool host_visible = false;  ///< in `.dpu_host`/`.mram*` or declared `.globl`
};

/// Where an instruction came from.
struct SourceLocation {
    uint16_t file = 0;  ///< index into Program::files
    uint32_t line = 0;
};

struct Program {
    std::vector<Instruction> instructions;  ///< IRAM contents, indexed by pc
    std::vector<SourceLocation> locations;  ///< parallel to instructions
    std::vector<std::string> files;         ///< source file names (user's first, then runtime files)
    std::vector<uint8_t> wram_image;        ///< initial WRAM bytes from address 0 (data, stacks are zero)
    std::vector<uint8_t> mram_image;        ///< initial MRAM bytes from offset 0, trailing zeros trimmed
    uint64_t mram_used_bytes = 0;           ///< MRAM taken by the program's objects (incl. zero-filled ones)
    std::unordered_map<std::string, Symbol> symbols;
    uint32_t entry_pc = 0;       ///< where booted tasklets start (`__bootstrap`, else `main`, else 0)
    bool has_bootstrap = false;  ///< tasklet 0 starts alone and boots the others
    int linked_tasklets = 0;     ///< stacks reserved for this many tasklets (0 without bootstrap)
    uint32_t stack_bytes_per_tasklet = 0;
    uint32_t heap_start = 0;  ///< first free WRAM byte after data and stacks (8-byte aligned)

    /// The symbol, or nullptr.
    const Symbol *find_symbol(const std::string &name) const;
    /// The symbol; throws UserError naming it when the program does not define it.
    const Symbol &symbol(const std::string &name) const;
    /// "file:line" of the instruction at pc ("?" outside IRAM).
    std::string where(uint32_t pc) const;
};

}  // namespace atim::sim
