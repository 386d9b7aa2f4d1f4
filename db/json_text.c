#include "db/json_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct json_text *t, size_t more)
{
    if (t->failed)
        return false;
    if (t->len + more + 1 <= t->cap)
        return true;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + more + 1)
        cap *= 2;
    char *grown = realloc(t->text, cap);
    if (grown == NULL) {
        t->failed = true;
        return false;
    }
    t->text = grown;
    t->cap = cap;
    return true;
}

void json_text_raw(struct json_text *t, const char *s, size_t n)
{
    if (!reserve(t, n))
        return;
    memcpy(t->text + t->len, s, n);
    t->len += n;
    t->text[t->len] = '\0';
}

void json_text_string(struct json_text *t, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t plain_from = 0;

    /* Room for the usual case, no escapes; an escape grows it as needed. */
    if (!reserve(t, n + 2))
        return;
    JSON_TEXT_LIT(t, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        json_text_raw(t, s + plain_from, i - plain_from);
        plain_from = i + 1;
        char escape[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t len = 2;
        switch (c) {
        case '"':
        case '\\': break;
        case '\n': escape[1] = 'n'; break;
        case '\r': escape[1] = 'r'; break;
        case '\t': escape[1] = 't'; break;
        case '\b': escape[1] = 'b'; break;
        case '\f': escape[1] = 'f'; break;
        default:
            memcpy(escape + 1, "u00", 3);
            escape[4] = hex[c >> 4];
            escape[5] = hex[c & 0xf];
            len = 6;
        }
        json_text_raw(t, escape, len);
    }
    json_text_raw(t, s + plain_from, n - plain_from);
    JSON_TEXT_LIT(t, "\"");
}

void json_text_int(struct json_text *t, int64_t value)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRId64, value);
    json_text_raw(t, digits, (size_t)n);
}

void json_text_col_string(struct json_text *t, sqlite3_stmt *st, int col)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    if (text == NULL)
        JSON_TEXT_LIT(t, "null");
    else
        json_text_string(t, text, (size_t)sqlite3_column_bytes(st, col));
}

void json_text_col_int(struct json_text *t, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        JSON_TEXT_LIT(t, "null");
    else
        json_text_int(t, sqlite3_column_int64(st, col));
}
