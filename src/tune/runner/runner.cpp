// Runner selection by name.
#include "atim/tune/runner.h"

#include "atim/support/error.h"

namespace atim::tune {

std::unique_ptr<Runner> make_runner(const std::string &name, const RunnerOptions &options) {
    if (name == "sim") return make_sim_runner(options);
    if (name == "emu") return make_emu_runner(options);
    if (name == "hardware") return make_hardware_runner(options);
    user_error("unknown runner '{}'; use sim, emu or hardware", name);
}

}  // namespace atim::tune
