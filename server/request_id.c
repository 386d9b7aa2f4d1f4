#include "server/request_id.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

bool request_id_is_valid(const char *given)
{
    size_t len = 0;
    for (const unsigned char *p = (const unsigned char *)given; *p != '\0'; p++, len++)
        if (*p < 0x20 || *p > 0x7e || len == REQUEST_ID_MAX)
            return false;
    return len > 0;
}

/* splitmix64's finaliser: a bijection, so distinct inputs stay distinct,
 * and consecutive counters come out looking unrelated. */
static uint64_t mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static atomic_uint_fast64_t counter;
static _Atomic uint64_t process_base;

void request_id_generate(char *out, size_t len)
{
    uint64_t base = atomic_load_explicit(&process_base, memory_order_relaxed);
    if (base == 0) {
        /* A random start per process, so restarts do not reuse ids. Two
         * threads racing here may both draw; the first store wins. */
        uint64_t drawn = 0;
        if (getrandom(&drawn, sizeof drawn, GRND_NONBLOCK) != (ssize_t)sizeof drawn)
            drawn = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
        drawn |= 1; /* never 0, which means "not drawn yet" */
        uint64_t expected = 0;
        atomic_compare_exchange_strong(&process_base, &expected, drawn);
        base = atomic_load(&process_base);
    }
    uint64_t n = atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
    /* Sixteen hex digits, written by hand: this runs on every request. */
    static const char hex[] = "0123456789abcdef";
    uint64_t id = mix(base + n);
    char digits[16];
    for (int i = 15; i >= 0; i--, id >>= 4)
        digits[i] = hex[id & 0xf];
    if (len == 0)
        return;
    size_t kept = len - 1 < sizeof digits ? len - 1 : sizeof digits;
    memcpy(out, digits, kept);
    out[kept] = '\0';
}
