#pragma once
/* Process logging to stderr: errors, notices and the access log (a line per
 * request), as JSON objects or as text. */

#include <stdint.h>
#include <stdio.h>

/* Where access lines go; NULL turns the access log off. Default stderr. */
void log_set_access_stream(FILE *stream);

/* Which lines are written: LOG_ERROR only errors, LOG_INFO (the default)
 * notices too. The access log has its own switch above. */
enum log_level { LOG_ERROR, LOG_INFO };

/* LOG_JSON (the default) for collectors: every line, notices and errors
 * too, is one JSON object. LOG_TEXT for people at a terminal. */
enum log_format { LOG_TEXT, LOG_JSON };

/* Set once at start, before any thread logs. */
void log_configure(enum log_level level, enum log_format format);

void log_error(const char *component, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_info(const char *component, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes one access line: {"time","method","path","route","status","bytes",
 * "duration_us","request_id"} in JSON, the same fields on one line in text.
 * `route` is the route's pattern (or null when no route matched) so lines
 * group by endpoint whatever the ids. */
void log_access(const char *method, const char *path, const char *route, int status,
                uint64_t bytes, uint64_t duration_us, const char *request_id);
