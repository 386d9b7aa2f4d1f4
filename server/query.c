#include "server/query.h"

#include <stdlib.h>
#include <string.h>

#include "db/text.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool query_decode(const char *in, size_t len, bool plus_is_space, char **out)
{
    char *buf = malloc(len + 1);
    size_t n = 0;

    if (buf == NULL)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            int hi = i + 2 < len ? hex_value(in[i + 1]) : -1;
            int lo = i + 2 < len ? hex_value(in[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(buf);
                return false;
            }
            buf[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            buf[n++] = ' ';
        } else {
            buf[n++] = c;
        }
    }
    buf[n] = '\0';
    /* memchr catches a decoded %00; clean UTF-8 rules out the rest. */
    if (memchr(buf, '\0', n) != NULL || !text_is_clean_utf8(buf, n)) {
        free(buf);
        return false;
    }
    *out = buf;
    return true;
}

const char *query_get(const struct query *q, const char *name)
{
    for (size_t i = 0; i < q->count; i++)
        if (strcmp(q->params[i].name, name) == 0)
            return q->params[i].value;
    return NULL;
}

void query_free(struct query *q)
{
    for (size_t i = 0; i < q->count; i++) {
        free(q->params[i].name);
        free(q->params[i].value);
    }
    q->count = 0;
}

enum query_status query_parse(const char *text, struct query *q, const char **bad_name)
{
    static char unreadable[] = "(unreadable parameter name)";
    q->count = 0;
    *bad_name = NULL;
    if (text == NULL)
        return QUERY_OK;

    const char *p = text;
    while (*p != '\0') {
        size_t pair_len = strcspn(p, "&");
        const char *eq = memchr(p, '=', pair_len);
        size_t name_len = eq ? (size_t)(eq - p) : pair_len;
        const char *value = eq ? eq + 1 : p + pair_len;
        size_t value_len = eq ? pair_len - name_len - 1 : 0;

        /* Empty pieces ("a=1&&b=2", a trailing '&') carry nothing. */
        if (pair_len > 0) {
            char *name = NULL, *val = NULL;
            if (!query_decode(p, name_len, true, &name)) {
                *bad_name = unreadable;
                return QUERY_BAD_ENCODING;
            }
            if (!query_decode(value, value_len, true, &val)) {
                if (q->count < QUERY_MAX_PARAMS) {
                    q->params[q->count++] = (struct query_param){name, strdup("")};
                    *bad_name = name;
                } else {
                    free(name);
                    *bad_name = unreadable;
                }
                return QUERY_BAD_ENCODING;
            }
            if (q->count == QUERY_MAX_PARAMS) {
                free(name);
                free(val);
                return QUERY_TOO_MANY;
            }
            q->params[q->count++] = (struct query_param){name, val};
            for (size_t i = 0; i + 1 < q->count; i++) {
                if (strcmp(q->params[i].name, name) == 0) {
                    *bad_name = name;
                    return QUERY_DUPLICATE;
                }
            }
        }
        p += pair_len;
        if (*p == '&')
            p++;
    }
    return QUERY_OK;
}
