#include "server/log.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static FILE *access_stream;
static int access_configured;
static enum log_level level_wanted = LOG_INFO;
static enum log_format format_wanted = LOG_JSON;

void log_configure(enum log_level level, enum log_format format)
{
    level_wanted = level;
    format_wanted = format;
}

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

/* Writes a JSON object as one line; false when it could not be built. */
static bool put_json_line(FILE *out, json_t *line)
{
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text != NULL)
        fprintf(out, "%s\n", text);
    free(text);
    json_decref(line);
    return text != NULL;
}

/* format(printf, 3, 0): the caller's format is checked where it is written;
 * this only forwards the va_list. */
static void log_line(const char *level, const char *component, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void log_line(const char *level, const char *component, const char *fmt, va_list ap)
{
    char when[40], message[1024];
    utc_now(when, sizeof when);
    vsnprintf(message, sizeof message, fmt, ap);
    /* One fprintf per line: stdio locks the stream per call, so lines from
     * worker threads never interleave. */
    if (format_wanted == LOG_JSON &&
        put_json_line(stderr, json_pack("{s:s, s:s, s:s, s:s}", "time", when, "level", level,
                                        "component", component, "message", message)))
        return;
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
    if (level_wanted < LOG_INFO)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_line("info", component, fmt, ap);
    va_end(ap);
}

/* The path for a text line: client text, so anything that is not
 * printable ASCII (or is a space, which separates the fields) becomes '?'
 * and cannot forge a line or a field. */
static void printable_copy(char *out, size_t len, const char *text)
{
    size_t i = 0;
    for (; text[i] != '\0' && i + 1 < len; i++)
        out[i] = text[i] > 0x20 && text[i] < 0x7f ? text[i] : '?';
    out[i] = '\0';
}

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/* A copy of `path` (malloc'd) with the secret of anything shaped like an API
 * key, wb_<12 hex>_<secret>, replaced: a client that puts its key in a URL
 * must not leave it in the log. The public id before the secret stays. */
static char *without_keys(const char *path)
{
    static const char hidden[] = "[redacted]";
    size_t len = strlen(path);
    char *out = malloc(len + len / 16 * sizeof hidden + sizeof hidden + 1);
    size_t n = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t hex = 0;
        if (strncmp(path + i, "wb_", 3) == 0)
            while (hex < 12 && isxdigit((unsigned char)path[i + 3 + hex]))
                hex++;
        if (hex == 12 && path[i + 15] == '_' && is_key_char(path[i + 16])) {
            memcpy(out + n, path + i, 16);
            n += 16;
            memcpy(out + n, hidden, sizeof hidden - 1);
            n += sizeof hidden - 1;
            for (i += 16; i < len && is_key_char(path[i]); i++)
                ;
            continue;
        }
        out[n++] = path[i++];
    }
    out[n] = '\0';
    return out;
}

void log_access(const char *method, const char *path, const char *route, int status,
                uint64_t bytes, uint64_t duration_us, const char *request_id)
{
    FILE *out = access_configured ? access_stream : stderr;
    if (out == NULL)
        return;
    char when[40];
    char *safe = without_keys(path);
    utc_now(when, sizeof when);
    if (format_wanted == LOG_TEXT) {
        char shown[1024];
        printable_copy(shown, sizeof shown, safe != NULL ? safe : "-");
        fprintf(out, "%s info access: %s %s %d %llu B %llu us route=%s id=%s\n", when, method,
                shown, status, (unsigned long long)bytes, (unsigned long long)duration_us,
                route != NULL ? route : "-", request_id != NULL ? request_id : "-");
    } else {
        /* jansson escapes the path, which is client text and may hold quotes
         * or control characters that would otherwise forge log lines. */
        put_json_line(out, json_pack("{s:s, s:s, s:s, s:s?, s:i, s:I, s:I, s:s?}", "time", when,
                                     "method", method, "path", safe != NULL ? safe : "-",
                                     "route", route, "status", status, "bytes", (json_int_t)bytes,
                                     "duration_us", (json_int_t)duration_us, "request_id",
                                     request_id));
    }
    free(safe);
}
