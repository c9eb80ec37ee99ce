// Private header of the schedule_to_loops pass (the public entry is in atim/lower/schedule_to_loops.h).
#pragma once

#include "atim/lower/schedule_to_loops.h"
