#include "server/auth.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db/keys.h"
#include "server/log.h"

/* RFC 6750 section 3: no error code when the request carried no Bearer key
 * at all, invalid_token when it carried a bad one. */
#define CHALLENGE             "Bearer realm=\"wirebase\""
#define CHALLENGE_INVALID     CHALLENGE ", error=\"invalid_token\""
#define CHALLENGE_WRONG_SCOPE CHALLENGE ", error=\"insufficient_scope\", scope=\"write\""

/* The key in an "Authorization: Bearer <key>" value, or NULL when the value
 * uses another scheme or carries nothing after it. RFC 7235 spells the
 * scheme in any case and separates it from the credentials by 1*SP. */
static const char *auth_bearer_token(const char *value)
{
    static const char scheme[] = "Bearer";
    const size_t len = sizeof scheme - 1;

    if (value == NULL || strncasecmp(value, scheme, len) != 0 || value[len] != ' ')
        return NULL;
    const char *token = value + len;
    while (*token == ' ')
        token++;
    return *token != '\0' ? token : NULL;
}

static bool auth_refuse(struct reply *rep, int status, const char *challenge, const char *detail)
{
    reply_problem(rep, status, NULL, detail);
    reply_header(rep, "WWW-Authenticate", challenge);
    return false;
}

bool auth_check(const struct request *req, struct reply *rep, bool is_write, bool reads_need_key)
{
    enum key_scope scope = KEY_SCOPE_READ;

    if (!is_write && !reads_need_key)
        return true;

    const char *value = req->header != NULL ? req->header(req, "Authorization") : NULL;
    const char *key = auth_bearer_token(value);
    if (key == NULL)
        return auth_refuse(rep, 401, CHALLENGE,
                           is_write ? "writing needs an API key: send Authorization: Bearer <key>"
                                    : "this service needs an API key: send Authorization: "
                                      "Bearer <key>");

    /* The details below are fixed texts: the key a client sent must never
     * come back in an answer or reach a log. */
    switch (db_key_check(req->db, key, &scope)) {
    case DB_OK: break;
    case DB_NOT_FOUND:
        return auth_refuse(rep, 401, CHALLENGE_INVALID,
                           "the API key is not valid: unknown, revoked or mistyped");
    case DB_BUSY:
        reply_problem(rep, 503, NULL, "the database is busy; retry shortly");
        reply_header(rep, "Retry-After", "1");
        return false;
    default:
        log_error("auth", "cannot check an API key: %s", db_last_error(req->db));
        reply_problem(rep, 500, NULL, "the API key could not be checked; see the server log");
        return false;
    }
    if (is_write && scope == KEY_SCOPE_READ)
        return auth_refuse(rep, 403, CHALLENGE_WRONG_SCOPE,
                           "this API key may only read; writing needs a key with write scope");
    return true;
}

void auth_client(const struct request *req, char *out, size_t len)
{
    const char *key = auth_bearer_token(req->header != NULL ? req->header(req, "Authorization")
                                                            : NULL);
    /* Keys are wb_<12 hex>_<secret>; only the id part leaves this file. */
    if (key != NULL && strncmp(key, "wb_", 3) == 0 && strlen(key) > 16 && key[15] == '_')
        snprintf(out, len, "%.12s", key + 3);
    else
        snprintf(out, len, "anonymous");
}
