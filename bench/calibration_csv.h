// Reading the real-hardware calibration tables of ../shared/calibration (plain CSV with a header row).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace atim::bench {

/// One CSV row as column name -> text.
struct CsvRow {
    std::map<std::string, std::string> cells;
    const std::string &text(const std::string &column) const {
        auto it = cells.find(column);
        if (it == cells.end()) throw std::runtime_error("calibration CSV has no column " + column);
        return it->second;
    }
    double number(const std::string &column) const { return std::stod(text(column)); }
};

inline std::vector<std::string> split_csv_line(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // files written on Windows
    std::vector<std::string> cells;
    std::stringstream stream(line);
    std::string cell;
    while (std::getline(stream, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    return cells;
}

/// Rows of `calibration/<name>` under the shared directory.
inline std::vector<CsvRow> read_calibration(const std::string &name) {
    std::string path = std::string(ATIM_SHARED_DIR) + "/calibration/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::string line;
    std::getline(in, line);
    std::vector<std::string> header = split_csv_line(line);
    std::vector<CsvRow> rows;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::vector<std::string> cells = split_csv_line(line);
        CsvRow row;
        for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row.cells[header[i]] = cells[i];
        rows.push_back(std::move(row));
    }
    return rows;
}

/// Signed relative error of a model value against a measured one, in percent.
inline double percent_error(double model, double measured) { return 100.0 * (model - measured) / measured; }

/// Mean and maximum of absolute percentage errors.
struct ErrorSummary {
    double sum = 0, max = 0;
    int count = 0;
    void add(double percent) {
        sum += std::abs(percent);
        max = std::max(max, std::abs(percent));
        ++count;
    }
    std::string str() const {
        if (count == 0) return "no rows";
        return fmt::format("{} rows, mean |error| {:.1f}%, max |error| {:.1f}%", count, sum / count, max);
    }
};

}  // namespace atim::bench
