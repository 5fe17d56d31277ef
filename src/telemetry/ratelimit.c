/* ratelimit.c - per-second log budget (see ratelimit.h). */
#include "telemetry/ratelimit.h"

#include "core/stats.h"

int ratelimit_allow(ratelimit *rl, uint64_t *suppressed_out) {
    int64_t now = clock_mono_ns() / 1000000;
    *suppressed_out = 0;
    if (now - rl->window_ms >= 1000) {
        rl->window_ms = now;
        rl->used = 0;
        *suppressed_out = rl->suppressed;
        rl->suppressed = 0;
    }
    if (rl->used < rl->burst) {
        rl->used++;
        return 1;
    }
    rl->suppressed++;
    return 0;
}
