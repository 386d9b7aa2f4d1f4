#pragma once
/* Request ids: the client's X-Request-Id when it is a sane one, else one of
 * ours, so a request can be followed from a proxy's log to ours. */

#include <stdbool.h>
#include <stddef.h>

/* The longest id we take or echo. */
#define REQUEST_ID_MAX 128

/* True when `given` is 1..REQUEST_ID_MAX printable ASCII characters
 * (space to tilde): it goes back out in a header and into the log. */
bool request_id_is_valid(const char *given);

/* Writes a new id into out (at least 17 bytes): 16 hex digits, distinct for
 * every call in this process and unlikely to repeat across restarts. */
void request_id_generate(char *out, size_t len);
