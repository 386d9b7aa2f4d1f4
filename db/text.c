#include "db/text.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLUG_MAX 120

bool text_fold(const char *in, char *out, size_t outlen)
{
    size_t i = 0;
    for (; in[i] != '\0'; i++) {
        if (i + 1 >= outlen) {
            out[i] = '\0';
            return false;
        }
        char c = in[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[i] = '\0';
    return true;
}

static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

void text_slugify(const char *in, const char *fallback, char *out, size_t maxlen)
{
    /* One byte of out is the NUL. */
    size_t cap = maxlen - 1 < SLUG_MAX ? maxlen - 1 : SLUG_MAX;
    size_t n = 0;
    bool pending_hyphen = false;

    for (const char *p = in; *p != '\0' && n < cap; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        /* Apostrophes vanish rather than split a word: "don't" -> "dont". */
        if (c == '\'' || (unsigned char)c == 0xE2) {
            /* U+2019 is E2 80 99 in UTF-8; skip its three bytes. */
            if ((unsigned char)c == 0xE2 && (unsigned char)p[1] == 0x80 &&
                ((unsigned char)p[2] == 0x99 || (unsigned char)p[2] == 0x98)) {
                p += 2;
                continue;
            }
            if (c == '\'')
                continue;
        }
        if (!keep) {
            pending_hyphen = n > 0;
            continue;
        }
        if (pending_hyphen) {
            if (n + 2 > cap)
                break;
            out[n++] = '-';
            pending_hyphen = false;
        }
        out[n++] = c;
    }
    /* A cut in mid-word reads badly; back up to the last hyphen if any. */
    if (n == cap) {
        char *hyphen = memrchr(out, '-', n);
        if (hyphen != NULL && hyphen > out)
            n = (size_t)(hyphen - out);
    }
    out[n] = '\0';
    if (n == 0 || all_digits(out)) {
        char tmp[SLUG_MAX + 1];
        memcpy(tmp, out, n + 1);
        size_t flen = strlen(fallback);
        if (n == 0)
            snprintf(out, maxlen, "%s", fallback);
        else if (flen + 1 + n < maxlen)
            snprintf(out, maxlen, "%s-%s", fallback, tmp);
        else
            snprintf(out, maxlen, "%s", fallback);
    }
}

bool text_is_slug(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SLUG_MAX || s[0] == '-' || s[n - 1] == '-' || all_digits(s))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-') {
            if (s[i + 1] == '-')
                return false;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

bool text_parse_id(const char *s, long long *id)
{
    if (!all_digits(s) || strlen(s) > 19)
        return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0)
        return false;
    *id = v;
    return true;
}

static bool digits_at(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int number_at(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

bool text_is_date(const char *s)
{
    static const int days_in_month[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || !digits_at(s, 4) || s[4] != '-' || !digits_at(s + 5, 2) ||
        s[7] != '-' || !digits_at(s + 8, 2))
        return false;
    int year = number_at(s, 4), month = number_at(s + 5, 2), day = number_at(s + 8, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1)
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int last = days_in_month[month - 1] + (month == 2 && leap ? 1 : 0);
    return day <= last;
}

bool text_is_timestamp(const char *s)
{
    size_t n = strlen(s);
    if (n == 10)
        return text_is_date(s);
    if (n != 20)
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    const char *t = s + 10;
    if (!text_is_date(date) || t[0] != 'T' || !digits_at(t + 1, 2) || t[3] != ':' ||
        !digits_at(t + 4, 2) || t[6] != ':' || !digits_at(t + 7, 2) || t[9] != 'Z')
        return false;
    return number_at(t + 1, 2) < 24 && number_at(t + 4, 2) < 60 && number_at(t + 7, 2) < 60;
}

bool text_http_date(const char *timestamp, char out[30])
{
    static const char days[] = "SunMonTueWedThuFriSat";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const int month_offsets[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    out[0] = '\0';
    if (strlen(timestamp) != 20 || !text_is_timestamp(timestamp))
        return false;
    int year = number_at(timestamp, 4), month = number_at(timestamp + 5, 2);
    int day = number_at(timestamp + 8, 2);
    /* Sakamoto's day of the week: 0 is Sunday. */
    int y = month < 3 ? year - 1 : year;
    int weekday = (y + y / 4 - y / 100 + y / 400 + month_offsets[month - 1] + day) % 7;
    char *p = out;
    memcpy(p, days + 3 * weekday, 3);
    memcpy(p + 3, ", ", 2);
    memcpy(p + 5, timestamp + 8, 2); /* day */
    p[7] = ' ';
    memcpy(p + 8, months + 3 * (month - 1), 3);
    p[11] = ' ';
    memcpy(p + 12, timestamp, 4); /* year */
    p[16] = ' ';
    memcpy(p + 17, timestamp + 11, 8); /* HH:MM:SS */
    memcpy(p + 25, " GMT", 5);         /* with the NUL */
    return true;
}

bool text_copy(char *out, size_t cap, const char *src)
{
    size_t n = strlen(src);
    bool whole = n < cap;
    if (!whole)
        n = cap - 1;
    memcpy(out, src, n);
    out[n] = '\0';
    return whole;
}

/* Whether all eight bytes at p are printable ASCII (0x20-0x7F): no high
 * bit in any, and none below the space (subtracting 0x20 from each byte
 * borrows, setting its high bit, only in a byte below 0x20). */
static bool printable_ascii8(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return ((v | ((v - 0x20 * ones) & ~v)) & highs) == 0;
}

bool text_is_clean_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        /* Most of an article's body is plain ASCII: eight bytes a step
         * (the importer's check of each body was 6% of its time). */
        if (end - p >= 8 && printable_ascii8(p)) {
            p += 8;
            continue;
        }
        unsigned char c = *p;
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                return false;
            p++;
            continue;
        }
        int extra;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (end - p <= extra)
            return false;
        for (int i = 1; i <= extra; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        /* Overlong forms, surrogates and code points past U+10FFFF. */
        static const uint32_t min_for[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_for[extra] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        p += extra + 1;
    }
    return true;
}

void text_sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = '\0';
}

uint64_t text_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}
