#!/usr/bin/env bash
# Fails when a C/C++ file of ours is not clang-formatted (`make format` fixes it).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.h' '*.cpp' '*.c' | grep -v '^src/runtime/emu/.*\.S$' || true)
[ -z "$files" ] && exit 0
clang-format --dry-run --Werror $files
