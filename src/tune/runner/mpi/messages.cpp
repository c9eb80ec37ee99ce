// Messages between the ranks: JSON over MPI point-to-point, non-blocking sends, polled receives.
#include "messages.h"

#include <thread>

#include "atim/support/error.h"

namespace atim::tune::cluster {

nlohmann::json Job::to_json() const {
    return {{"id", id},
            {"kind", static_cast<int>(kind)},
            {"workload", workload},
            {"traces", traces},
            {"bound", kernel_ms_bound ? nlohmann::json(*kernel_ms_bound) : nlohmann::json()},
            {"opt_level", opt_level},
            {"part", part},
            {"parts", parts}};
}

Job Job::from_json(const nlohmann::json &json) {
    Job job;
    job.id = json.at("id").get<int64_t>();
    job.kind = static_cast<JobKind>(json.at("kind").get<int>());
    job.workload = json.at("workload");
    job.traces = json.at("traces").get<std::vector<std::string>>();
    if (!json.at("bound").is_null()) job.kernel_ms_bound = json.at("bound").get<double>();
    job.opt_level = json.at("opt_level").get<int>();
    job.part = json.at("part").get<int>();
    job.parts = json.at("parts").get<int>();
    return job;
}

nlohmann::json workload_to_json(const workloads::Workload &workload) {
    return {{"name", workload.name},
            {"shape", workload.shape},
            {"dtype", workload.dtype_string()},
            {"notation", workload.notation},
            {"extents", workload.is_op() ? workload.shape_string() : ""}};
}

workloads::Workload workload_from_json(const nlohmann::json &json) {
    const std::string dtype = json.at("dtype").get<std::string>();
    const std::string notation = json.at("notation").get<std::string>();
    if (!notation.empty())
        return workloads::make_op_workload(notation, json.at("extents").get<std::string>(), dtype);
    return workloads::make_workload(json.at("name").get<std::string>(),
                                    json.at("shape").get<std::vector<int64_t>>(), dtype);
}

Outbox::~Outbox() {
    // Requests still pending belong to dead peers (flush() emptied the rest); MPI is about to be left
    // without MPI_Finalize, so they are abandoned rather than cancelled.
}

void Outbox::send(int destination, Tag tag, const nlohmann::json &body) {
    Pending &message = pending_.emplace_back();
    message.text = body.dump();
    const int rc = MPI_Isend(message.text.data(), static_cast<int>(message.text.size()), MPI_CHAR,
                             destination, tag, MPI_COMM_WORLD, &message.request);
    if (rc != MPI_SUCCESS) pending_.pop_back();  // a peer known to MPI as failed: nothing will arrive
    progress();
}

void Outbox::progress() {
    for (auto it = pending_.begin(); it != pending_.end();) {
        int done = 0;
        const int rc = MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
        it = (done || rc != MPI_SUCCESS) ? pending_.erase(it) : std::next(it);
    }
}

void Outbox::flush() {
    while (!pending_.empty()) {
        progress();
        if (!pending_.empty()) idle_pause();
    }
}

std::optional<Message> poll_message(int source) {
    int arrived = 0;
    MPI_Status status;
    if (MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &arrived, &status) != MPI_SUCCESS || !arrived)
        return std::nullopt;
    int bytes = 0;
    MPI_Get_count(&status, MPI_CHAR, &bytes);
    std::string text(static_cast<size_t>(bytes), '\0');
    MPI_Recv(text.data(), bytes, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    Message message{status.MPI_SOURCE, status.MPI_TAG, nlohmann::json::object()};
    if (!text.empty()) message.body = nlohmann::json::parse(text);
    return message;
}

void idle_pause() { std::this_thread::sleep_for(std::chrono::microseconds(500)); }

}  // namespace atim::tune::cluster
