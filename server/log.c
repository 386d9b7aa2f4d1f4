#include "server/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

static FILE *access_stream;
static int access_configured;

void log_set_access_stream(FILE *stream)
{
    access_stream = stream;
    access_configured = 1;
}

static void utc_now(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void log_line(const char *level, const char *component, const char *fmt, va_list ap)
{
    char when[40], message[1024];
    utc_now(when, sizeof when);
    vsnprintf(message, sizeof message, fmt, ap);
    /* One fprintf per line: stdio locks the stream per call, so lines from
     * worker threads never interleave. */
    fprintf(stderr, "%s %s %s: %s\n", when, level, component, message);
}

void log_error(const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line("error", component, fmt, ap);
    va_end(ap);
}

void log_info(const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line("info", component, fmt, ap);
    va_end(ap);
}

void log_access(const char *method, const char *path, const char *route, int status,
                uint64_t bytes, uint64_t duration_us)
{
    FILE *out = access_configured ? access_stream : stderr;
    if (out == NULL)
        return;
    char when[40];
    utc_now(when, sizeof when);
    /* jansson escapes the path, which is client text and may hold quotes or
     * control characters that would otherwise forge log lines. */
    json_t *line = json_pack("{s:s, s:s, s:s?, s:s?, s:i, s:I, s:I}", "time", when,
                             "method", method, "path", path, "route", route, "status", status,
                             "bytes", (json_int_t)bytes, "duration_us", (json_int_t)duration_us);
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text != NULL)
        fprintf(out, "%s\n", text);
    free(text);
    json_decref(line);
}
