#include "db/json_text.h"

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

/* Whether any of the 8 bytes at p is below 0x20, a quote or a backslash,
 * with the usual bit tricks: a byte of x - 0x01.. borrows into its high bit
 * where x's byte was below the subtrahend. Bytes of 0x80 and above (UTF-8)
 * never count, being masked by ~x. */
static bool word_needs_escape(const char *p)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t x;
    memcpy(&x, p, sizeof x);
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    uint64_t control = (x - ones * 0x20) & ~x;
    uint64_t is_quote = (quote - ones) & ~quote, is_backslash = (backslash - ones) & ~backslash;
    return ((control | is_quote | is_backslash) & highs) != 0;
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
        /* Eight bytes at a time past text that needs no escape: a body is
         * kilobytes of it. */
        while (i + 8 <= n && !word_needs_escape(s + i))
            i += 8;
        if (i >= n)
            break;
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
    char *end = digits + sizeof digits, *p = end;
    /* In unsigned arithmetic, so the most negative value has its digits. */
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0);
    if (value < 0)
        *--p = '-';
    json_text_raw(t, p, (size_t)(end - p));
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
