#pragma once
/* Process logging: errors and notices to stderr as text, and the access log,
 * one JSON object per request. */

#include <stdint.h>
#include <stdio.h>

/* Where access lines go; NULL turns the access log off. Default stderr. */
void log_set_access_stream(FILE *stream);

void log_error(const char *component, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_info(const char *component, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes one access line: {"time","method","path","route","status","bytes",
 * "duration_us"}. `route` is the route's pattern (or null when no route
 * matched) so lines group by endpoint whatever the ids. */
void log_access(const char *method, const char *path, const char *route, int status,
                uint64_t bytes, uint64_t duration_us);
