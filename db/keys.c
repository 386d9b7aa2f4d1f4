#include "db/keys.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/sha2.h>

#include "db/conn.h"

#define KEY_PREFIX        "wb_"
#define KEY_PREFIX_LEN    3
#define KEY_ID_BYTES      6 /* 12 hex characters: enough to find a row, not a secret */
#define KEY_ID_HEX        (2 * KEY_ID_BYTES)
#define KEY_SECRET_BYTES  32 /* 256 bits: beyond guessing, online or offline */
#define KEY_SECRET_TEXT   43 /* base64url of 32 bytes, without padding */
#define KEY_HASH_HEX      (2 * SHA256_DIGEST_SIZE)
#define KEY_SECRET_OFFSET (KEY_PREFIX_LEN + KEY_ID_HEX + 1)

/* A new key's public id can collide with an old one's (48 bits); one retry
 * is already a one-in-many-billions event, the third means broken
 * randomness. */
#define KEY_CREATE_ATTEMPTS 3

static const char *const scope_names[] = {
    [KEY_SCOPE_READ] = "read",
    [KEY_SCOPE_WRITE] = "write",
    [KEY_SCOPE_ADMIN] = "admin",
};

#define SCOPE_COUNT (sizeof scope_names / sizeof scope_names[0])

bool key_scope_parse(const char *text, enum key_scope *out)
{
    for (size_t i = 0; text != NULL && i < SCOPE_COUNT; i++) {
        if (strcmp(text, scope_names[i]) == 0) {
            *out = (enum key_scope)i;
            return true;
        }
    }
    return false;
}

const char *key_scope_name(enum key_scope scope)
{
    /* NULL for a value outside the enum: bound as SQL NULL, the NOT NULL
     * column refuses it instead of storing a wrong scope. */
    return (size_t)scope < SCOPE_COUNT ? scope_names[scope] : NULL;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

bool key_name_is_valid(const char *name)
{
    size_t len = name != NULL ? strnlen(name, KEY_NAME_MAX + 1) : 0;
    if (len == 0 || len > KEY_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_name_char(name[i]))
            return false;
    return true;
}

static bool is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_base64url(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* getrandom(2) without flags blocks only until the kernel's pool is first
 * seeded, then never fails for small requests; the loop covers a signal
 * arriving meanwhile. */
static bool fill_random(unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

static void hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

/* base64url (RFC 4648 section 5) without padding: the key then needs no
 * escaping in a header, a URL or a shell. */
static void base64url_encode(const unsigned char *in, size_t len, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t i = 0, o = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
    }
    out[o] = '\0';
}

/* The secret's text is hashed as the client sends it, so checking a key
 * needs no decoding. A plain hash (no salt, no stretching) is enough: the
 * secret is 256 random bits, not a password a dictionary could find. */
static void hash_secret(const char *secret, size_t len, char out[KEY_HASH_HEX + 1])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];

    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)secret);
    sha256_digest(&ctx, sizeof digest, digest);
    hex_encode(digest, sizeof digest, out);
}

/* Compares every byte whatever the earlier ones were, so the time taken
 * tells an attacker nothing about how much of a hash matched. volatile
 * keeps the compiler from turning the loop into an early exit. */
static bool same_hash(const char *a, const char *b)
{
    volatile unsigned char diff = 0;
    for (size_t i = 0; i < KEY_HASH_HEX; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* Splits "wb_<12 hex>_<43 base64url>" into the public id (copied) and the
 * secret (pointing into key). False for anything else. */
static bool key_split(const char *key, char public_id[KEY_ID_HEX + 1], const char **secret)
{
    if (key == NULL || strnlen(key, KEY_TEXT_LEN + 1) != KEY_TEXT_LEN ||
        strncmp(key, KEY_PREFIX, KEY_PREFIX_LEN) != 0 || key[KEY_SECRET_OFFSET - 1] != '_')
        return false;
    for (size_t i = 0; i < KEY_ID_HEX; i++)
        if (!is_lower_hex(key[KEY_PREFIX_LEN + i]))
            return false;
    for (size_t i = 0; i < KEY_SECRET_TEXT; i++)
        if (!is_base64url(key[KEY_SECRET_OFFSET + i]))
            return false;
    memcpy(public_id, key + KEY_PREFIX_LEN, KEY_ID_HEX);
    public_id[KEY_ID_HEX] = '\0';
    *secret = key + KEY_SECRET_OFFSET;
    return true;
}

enum db_status db_key_create(struct store *store, const char *name, enum key_scope scope,
                             char *key_out, size_t key_len)
{
    unsigned char random[KEY_ID_BYTES + KEY_SECRET_BYTES];
    char public_id[KEY_ID_HEX + 1];
    char secret[KEY_SECRET_TEXT + 1];
    char hash[KEY_HASH_HEX + 1];
    struct db *w = NULL;
    sqlite3_stmt *st = NULL;
    bool inserted = false;
    enum db_status rc = DB_ERR;

    if (!key_name_is_valid(name))
        return DB_INVALID;
    if (key_out == NULL || key_len < KEY_TEXT_SIZE) {
        conn_log("db_key_create: the key buffer holds %zu bytes, needs %d", key_len, KEY_TEXT_SIZE);
        return DB_ERR;
    }

    w = store_writer_begin(store);
    if (w == NULL) {
        rc = DB_READ_ONLY;
        goto done;
    }
    for (int attempt = 0; attempt < KEY_CREATE_ATTEMPTS && !inserted; attempt++) {
        if (!fill_random(random, sizeof random)) {
            conn_log("cannot read random bytes for a key: %s", strerror(errno));
            goto done;
        }
        hex_encode(random, KEY_ID_BYTES, public_id);
        base64url_encode(random + KEY_ID_BYTES, KEY_SECRET_BYTES, secret);
        hash_secret(secret, KEY_SECRET_TEXT, hash);

        /* A taken public id is skipped (DO NOTHING, no row changed) so it
         * can be told from a taken name, which still fails as a UNIQUE
         * violation: DB_CONFLICT. One statement needs no transaction. */
        st = conn_stmt(w, "INSERT INTO api_keys (name, public_id, secret_hash, scope)"
                          " VALUES (?, ?, ?, ?) ON CONFLICT (public_id) DO NOTHING");
        if (st == NULL)
            goto done;
        conn_bind_text(st, 1, name);
        conn_bind_text(st, 2, public_id);
        conn_bind_text(st, 3, hash);
        conn_bind_text(st, 4, key_scope_name(scope));
        int step = sqlite3_step(st);
        conn_done(st);
        st = NULL;
        if (step != SQLITE_DONE) {
            rc = conn_status(w, step);
            goto done;
        }
        inserted = sqlite3_changes(w->handle) == 1;
    }
    if (!inserted) {
        conn_log("%d new API keys in a row had a taken public id; is the random source broken?",
                 KEY_CREATE_ATTEMPTS);
        goto done;
    }
    snprintf(key_out, key_len, KEY_PREFIX "%s_%s", public_id, secret);
    rc = DB_OK;
done:
    conn_done(st);
    if (w != NULL)
        store_writer_end(store);
    /* The secret must outlive this call only in the caller's buffer. */
    explicit_bzero(random, sizeof random);
    explicit_bzero(secret, sizeof secret);
    return rc;
}

enum db_status db_key_list(struct store *store, json_t **out)
{
    struct db *db = NULL;
    sqlite3_stmt *st = NULL;
    json_t *keys = NULL;
    enum db_status rc = DB_ERR;

    db = store_reader(store);
    if (db == NULL)
        goto done;
    keys = json_array();
    if (keys == NULL)
        goto done;
    st = conn_stmt(db, "SELECT name, scope, '" KEY_PREFIX "' || public_id, created_at, revoked_at"
                       " FROM api_keys ORDER BY name");
    if (st == NULL)
        goto done;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        /* "s?": revoked_at is NULL while the key is valid. */
        json_t *key =
            json_pack("{s:s, s:s, s:s, s:s, s:s?}", "name", conn_col_text(st, 0), "scope",
                      conn_col_text(st, 1), "key_prefix", conn_col_text(st, 2), "created_at",
                      conn_col_text(st, 3), "revoked_at", conn_col_text(st, 4));
        if (key == NULL || json_array_append_new(keys, key) != 0)
            goto done;
    }
    if (step != SQLITE_DONE) {
        rc = conn_status(db, step);
        goto done;
    }
    *out = keys;
    keys = NULL; /* the caller owns it now */
    rc = DB_OK;
done:
    conn_done(st);
    json_decref(keys);
    return rc;
}

enum db_status db_key_revoke(struct store *store, const char *name)
{
    struct db *w = NULL;
    sqlite3_stmt *st = NULL;
    enum db_status rc = DB_ERR;

    /* A name no key can have is simply not there. */
    if (!key_name_is_valid(name))
        return DB_NOT_FOUND;

    w = store_writer_begin(store);
    if (w == NULL) {
        rc = DB_READ_ONLY;
        goto done;
    }
    st = conn_stmt(w, "UPDATE api_keys SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
                      " WHERE name = ? AND revoked_at IS NULL");
    if (st == NULL)
        goto done;
    conn_bind_text(st, 1, name);
    int step = sqlite3_step(st);
    if (step != SQLITE_DONE) {
        rc = conn_status(w, step);
        goto done;
    }
    rc = sqlite3_changes(w->handle) == 1 ? DB_OK : DB_NOT_FOUND;
done:
    conn_done(st);
    if (w != NULL)
        store_writer_end(store);
    return rc;
}

enum db_status db_key_check(struct db *db, const char *presented, enum key_scope *scope)
{
    char public_id[KEY_ID_HEX + 1];
    char hash[KEY_HASH_HEX + 1];
    const char *secret = NULL;
    sqlite3_stmt *st = NULL;
    enum db_status rc = DB_ERR;

    /* A malformed key cannot match, and checking the format first keeps
     * junk headers away from the database. */
    if (!key_split(presented, public_id, &secret))
        return DB_NOT_FOUND;
    if (db == NULL)
        return DB_ERR;
    /* Hashed before the lookup, so an unknown id and a wrong secret take
     * the same work. */
    hash_secret(secret, KEY_SECRET_TEXT, hash);

    st = conn_stmt(db, "SELECT secret_hash, scope FROM api_keys"
                       " WHERE public_id = ? AND revoked_at IS NULL");
    if (st == NULL)
        goto done;
    conn_bind_text(st, 1, public_id);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = DB_NOT_FOUND;
        goto done;
    }
    if (step != SQLITE_ROW) {
        rc = conn_status(db, step);
        goto done;
    }
    const char *stored = conn_col_text(st, 0);
    /* The length check may exit early: every stored hash has the same
     * length, so it reveals nothing. */
    if (stored == NULL || sqlite3_column_bytes(st, 0) != KEY_HASH_HEX || !same_hash(stored, hash)) {
        rc = DB_NOT_FOUND;
        goto done;
    }
    if (!key_scope_parse(conn_col_text(st, 1), scope)) {
        conn_log("API key %s has an unknown scope", public_id);
        goto done;
    }
    rc = DB_OK;
done:
    conn_done(st);
    return rc;
}
