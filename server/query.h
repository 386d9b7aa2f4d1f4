#pragma once
/* Parsing the parts of a request target: the query string into decoded
 * name/value pairs, and percent-decoding of path segments. Pure functions,
 * no I/O, so they are unit-tested directly. */

#include <stdbool.h>
#include <stddef.h>

#define QUERY_MAX_PARAMS 32

struct query_param {
    char *name;
    char *value;
};

struct query {
    struct query_param params[QUERY_MAX_PARAMS];
    size_t count;
};

enum query_status {
    QUERY_OK = 0,
    QUERY_BAD_ENCODING, /* a % not followed by two hex digits, or not UTF-8 text */
    QUERY_DUPLICATE,    /* a parameter given twice */
    QUERY_TOO_MANY,     /* more than QUERY_MAX_PARAMS parameters */
    QUERY_NO_MEMORY,
};

/* Parses `text` (the part after '?', may be NULL or empty) into q. On error,
 * *bad_name points at the offending parameter's name (decoded if possible,
 * else as written) inside q or text, valid until query_free. */
enum query_status query_parse(const char *text, struct query *q, const char **bad_name);

/* The decoded value of `name`, or NULL if absent. */
const char *query_get(const struct query *q, const char *name);

void query_free(struct query *q);

/* Percent-decodes `in` (len bytes) into a new string in *out; '+' stays '+'
 * unless plus_is_space. Fails on bad escapes, NUL, control characters or
 * invalid UTF-8. */
bool query_decode(const char *in, size_t len, bool plus_is_space, char **out);
