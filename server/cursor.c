#include "server/cursor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/text.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static bool base64url_encode(const unsigned char *in, size_t len, char *out, size_t outlen)
{
    size_t need = (len * 4 + 2) / 3 + 1, n = 0;
    if (need > outlen)
        return false;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[n++] = alphabet[(v >> 18) & 63];
        out[n++] = alphabet[(v >> 12) & 63];
        if (i + 1 < len)
            out[n++] = alphabet[(v >> 6) & 63];
        if (i + 2 < len)
            out[n++] = alphabet[v & 63];
    }
    out[n] = '\0';
    return true;
}

static int sextet(char c)
{
    const char *p = c != '\0' ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

/* Decodes unpadded base64url; rejects padding, stray bits and bad lengths,
 * so every cursor has exactly one spelling. */
static bool base64url_decode(const char *in, unsigned char *out, size_t outlen, size_t *written)
{
    size_t len = strlen(in), n = 0;
    if (len % 4 == 1)
        return false;
    for (size_t i = 0; i < len; i += 4) {
        size_t chunk = len - i < 4 ? len - i : 4;
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            int s = j < chunk ? sextet(in[i + j]) : 0;
            if (s < 0)
                return false;
            v = (v << 6) | (uint32_t)s;
        }
        size_t bytes = chunk - 1;
        if (n + bytes > outlen)
            return false;
        if ((chunk == 2 && (v & 0xFFFF)) || (chunk == 3 && (v & 0xFF)))
            return false;
        for (size_t j = 0; j < bytes; j++)
            out[n++] = (unsigned char)(v >> (16 - 8 * j));
    }
    *written = n;
    return true;
}

bool cursor_encode(const char *tag, const struct keyset *at, char *out, size_t outlen)
{
    char plain[KEYSET_KEY_MAX + 64];
    int n = snprintf(plain, sizeof plain, "%s|%" PRId64 "|%s", tag, at->id, at->key);
    if (n < 0 || (size_t)n >= sizeof plain)
        return false;
    return base64url_encode((const unsigned char *)plain, (size_t)n, out, outlen);
}

bool cursor_decode(const char *text, const char *tag, struct keyset *at)
{
    unsigned char plain[KEYSET_KEY_MAX + 64];
    size_t len;

    if (strlen(text) > CURSOR_MAX || !base64url_decode(text, plain, sizeof plain - 1, &len))
        return false;
    plain[len] = '\0';
    if (memchr(plain, '\0', len) != NULL || !text_is_clean_utf8((const char *)plain, len))
        return false;

    char *s = (char *)plain;
    size_t tag_len = strlen(tag);
    if (strncmp(s, tag, tag_len) != 0 || s[tag_len] != '|')
        return false;
    char *id_text = s + tag_len + 1;
    char *bar = strchr(id_text, '|');
    if (bar == NULL)
        return false;
    *bar = '\0';
    long long id;
    if (!text_parse_id(id_text, &id))
        return false;
    const char *key = bar + 1;
    if (strlen(key) >= sizeof at->key)
        return false;
    at->set = true;
    at->id = id;
    snprintf(at->key, sizeof at->key, "%s", key);
    return true;
}
