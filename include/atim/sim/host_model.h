// HostModel: time of host<->DPU transfers, kernel launch and host-side work on a UPMEM system.
// Analytic (not simulated): a per-call cost plus bytes over a bandwidth that saturates in the bytes per DPU
// and grows with the ranks involved up to a host-link ceiling [upmem-hardware.md §3.4]. Parameters live in
// target::HostTiming; bench/host_transfer_fit.cpp fits them and prints the error per calibration row.
#pragma once

#include <cstdint>

#include "atim/target/upmem_machine.h"

namespace atim::sim {

/// Direction of a host transfer.
enum class HostDirection : uint8_t { ToDpu, FromDpu };

class HostModel {
public:
    explicit HostModel(const target::UpmemMachine &machine);

    /// One dpu_push_xfer of `bytes_per_dpu` to (ToDpu) or from (FromDpu) each of `dpus` DPUs.
    double parallel_ms(HostDirection direction, int64_t dpus, int64_t bytes_per_dpu) const;
    /// One dpu_broadcast_to of the same `bytes` to each of `dpus` DPUs.
    double broadcast_ms(int64_t dpus, int64_t bytes) const;
    /// dpu_copy_to/dpu_copy_from of `bytes_per_dpu`, one DPU after the other, for `dpus` DPUs.
    double serial_ms(HostDirection direction, int64_t dpus, int64_t bytes_per_dpu) const;
    /// dpu_launch(DPU_SYNCHRONOUS) overhead on top of the slowest DPU's run time.
    double launch_ms() const;
    /// Host-side work (e.g. a final reduction): `integer_ops` simple operations over `bytes_touched` bytes.
    double host_work_ms(int64_t integer_ops, int64_t bytes_touched) const;
    /// The same work done by a parallel loop of `extent` iterations (OpenMP `parallel for`, static schedule)
    /// entered `entries` times: min(extent, host cores) threads, the busiest running ceil(extent / threads)
    /// iterations; memory traffic bounded by the socket's bandwidth; one fork/join per entry.
    double parallel_host_work_ms(int64_t integer_ops, int64_t bytes_touched, int64_t extent,
                                 int64_t entries) const;

    /// Aggregate bandwidth (GB/s) of a parallel transfer; exposed for reports and tests.
    double parallel_gbps(HostDirection direction, int64_t dpus, int64_t bytes_per_dpu) const;

private:
    target::UpmemMachine machine_;
};

}  // namespace atim::sim
