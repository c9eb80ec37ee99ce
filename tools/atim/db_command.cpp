// `atim db best|export|import`: reading and moving the tuning records database that `atim tune` writes.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "atim/ir/type.h"
#include "atim/schedule/trace.h"
#include "atim/support/error.h"
#include "atim/target/upmem_machine.h"
#include "atim/tune/database.h"
#include "atim/workloads/workload.h"
#include "commands.h"

namespace atim::cli {
namespace {

struct BestArguments {
    std::string db;
    std::string workload;
    std::string shape;
    std::string dtype;
    std::string machine;  ///< preset, machine file or fingerprint; empty: any machine
    std::string trace_output;
    bool json = false;
};

/// The key `atim tune` records the workload under (the workload's default dtype when none is given).
std::string resolve_workload_key(const BestArguments &args) {
    if (args.shape.empty())
        user_error("atim db best {}: pass its --shape (e.g. --shape 8192x8192)", args.workload);
    workloads::Workload workload = workloads::make_workload(
        args.workload, workloads::parse_shape(args.workload, args.shape), args.dtype);
    return tune::workload_key(workload.name, workload.shape_string(), workload.dtype_string());
}

/// A fingerprint ("upmem-2048#...") is taken as is; a preset name or machine file is fingerprinted.
std::string resolve_machine(const std::string &machine) {
    if (machine.empty() || machine.find('#') != std::string::npos) return machine;
    return tune::machine_fingerprint(target::load_machine(machine));
}

void print_record_text(const tune::TuningRecord &record) {
    const tune::MeasureResult &r = record.result;
    fmt::print("{}  on {}\n", record.workload, record.machine);
    fmt::print("  total {:.6f} ms = h2d {:.6f} + kernel {:.6f} + after {:.6f}\n", r.total_ms, r.h2d_ms,
               r.kernel_ms, r.after_ms);
    fmt::print("  {} DPUs x {} tasklets, sketch {}, trial {} of run {}\n", r.dpus, r.tasklets, record.sketch,
               record.trial, record.run);
    fmt::print("  record {}, atim {}, seed {}, measured {}\n", record.id, record.atim_version, record.seed,
               record.created);
}

nlohmann::json record_json(const tune::TuningRecord &record) {
    nlohmann::json json = record.to_json();
    // The trace as a JSON object, so `jq .trace` reads it; the export format keeps the exact text.
    json["trace"] = nlohmann::json::parse(record.trace_json, nullptr, /*allow_exceptions=*/false);
    if (json["trace"].is_discarded()) json["trace"] = record.trace_json;
    return json;
}

void run_best(const BestArguments &args) {
    tune::Database db = tune::Database::open_existing(args.db);
    std::string machine = resolve_machine(args.machine);
    std::vector<std::string> keys =
        args.workload.empty() ? db.workloads() : std::vector<std::string>{resolve_workload_key(args)};
    std::vector<tune::TuningRecord> best;
    for (const std::string &key : keys)
        if (std::optional<tune::TuningRecord> record = db.best(key, machine)) best.push_back(*record);
    if (best.empty()) {
        user_error("no successful record{}{} in {}; run `atim tune` first",
                   args.workload.empty() ? "" : " of ", args.workload.empty() ? "" : keys.front(), args.db);
    }
    if (!args.trace_output.empty()) {
        if (best.size() != 1) user_error("-o writes one trace: name the WORKLOAD and its --shape");
        schedule::Trace::from_json(best.front().trace_json).save(args.trace_output);
    }
    if (args.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const tune::TuningRecord &record : best) out.push_back(record_json(record));
        fmt::print("{}\n", args.workload.empty() ? out.dump() : out.front().dump());
        return;
    }
    for (const tune::TuningRecord &record : best) print_record_text(record);
    if (!args.trace_output.empty()) fmt::print("trace written to {}\n", args.trace_output);
}

void add_best(CLI::App &db_command) {
    auto args = std::make_shared<BestArguments>();
    CLI::App *command = db_command.add_subcommand(
        "best", "the fastest verified record of a workload (of every workload when none is named)");
    command->add_option("--db", args->db, "records database written by `atim tune`")->required();
    command->add_option("workload", args->workload, "operator name (see `atim workloads`)");
    command->add_option("--shape", args->shape, "task tuple, e.g. 8192x8192");
    command->add_option("--dtype", args->dtype, "element type (default: the workload's)");
    command->add_option("--machine", args->machine,
                        "only records of this machine: preset, machine JSON file or fingerprint");
    command->add_option("-o,--output", args->trace_output,
                        "write the best trace here (replay it with `atim run --schedule FILE`)");
    command->add_flag("--json", args->json, "print JSON (the record with its trace)");
    command->callback([args] { run_best(*args); });
}

void run_export(const std::string &db_path, const std::string &output) {
    tune::Database db = tune::Database::open_existing(db_path);
    if (output.empty()) {
        db.export_jsonl(std::cout);
        std::cout.flush();
        return;
    }
    if (std::filesystem::is_directory(output))
        user_error("-o {} is a directory; pass the path of the JSON-lines file to write", output);
    // Write next to the target and rename, so a failed export never leaves half a file.
    std::string temp = output + ".tmp";
    int64_t count = 0;
    {
        std::ofstream out(temp, std::ios::trunc);
        if (!out) user_error("cannot write '{}'; check the directory exists and is writable", output);
        count = db.export_jsonl(out);
        if (!out.flush()) user_error("cannot write '{}'; check the disk space", output);
    }
    std::error_code ec;
    std::filesystem::rename(temp, output, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        user_error("cannot write '{}': {}", output, ec.message());
    }
    fmt::print(stderr, "exported {} records to {}\n", count, output);
}

void run_import(const std::string &db_path, const std::string &input) {
    std::ifstream in(input);
    if (!in || std::filesystem::is_directory(input))
        user_error("cannot read '{}'; pass a JSON-lines file written by `atim db export`", input);
    tune::Database db = tune::Database::open(db_path);
    int64_t before = db.size();
    int64_t added = 0;
    try {
        added = db.import_jsonl(in);
    } catch (const UserError &e) {
        user_error("{}: {}", input, e.what());
    }
    fmt::print("imported {} records into {} ({} before, duplicates skipped)\n", added, db_path, before);
}

void add_db_command(CLI::App &app) {
    CLI::App *db = app.add_subcommand("db", "query and move tuning records (best, export, import)");
    db->require_subcommand(1);
    add_best(*db);

    auto export_db = std::make_shared<std::string>();
    auto export_output = std::make_shared<std::string>();
    CLI::App *export_command = db->add_subcommand("export", "write every record as JSON lines");
    export_command->add_option("--db", *export_db, "records database")->required();
    export_command->add_option("-o,--output", *export_output, "JSON-lines file (default: standard output)");
    export_command->callback([export_db, export_output] { run_export(*export_db, *export_output); });

    auto import_db = std::make_shared<std::string>();
    auto import_input = std::make_shared<std::string>();
    CLI::App *import_command = db->add_subcommand(
        "import", "add the records of a JSON-lines file (all or nothing; skips duplicates)");
    import_command->add_option("--db", *import_db, "records database (created when absent)")->required();
    import_command->add_option("file", *import_input, "JSON-lines file from `atim db export`")->required();
    import_command->callback([import_db, import_input] { run_import(*import_db, *import_input); });
}

const CommandRegistration registration(60, add_db_command);

}  // namespace
}  // namespace atim::cli
