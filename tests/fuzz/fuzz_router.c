/* libFuzzer target: matching a request line to the route table, then
 * percent-decoding the path and its {id} as the server does. The input is
 * "METHOD PATH": everything before the first space is the method. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/text.h"
#include "server/query.h"
#include "server/router.h"
#include "server/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Our checks stop the run the way a sanitizer does, so libFuzzer keeps the
 * input that broke them. */
__attribute__((noreturn)) static void broken(const char *what)
{
    fprintf(stderr, "fuzz_router: %s\n", what);
    abort();
}

/* What a successful decode promises: clean text, never longer than its
 * source, and percent-encoding it again decodes to the same text. */
static void check_decoded(const char *decoded, size_t source_len)
{
    size_t len = strlen(decoded);
    char *again = NULL, *encoded = malloc(3 * len + 1);

    if (encoded == NULL)
        goto done;
    if (len > source_len || !text_is_clean_utf8(decoded, len))
        broken("query_decode returned text it should have refused");
    for (size_t i = 0; i < len; i++)
        snprintf(encoded + 3 * i, 4, "%%%02X", (unsigned char)decoded[i]);
    if (!query_decode(encoded, 3 * len, false, &again) || strcmp(again, decoded) != 0)
        broken("encoding decoded text and decoding it again changed it");
done:
    free(again);
    free(encoded);
}

static void check_match(enum route_result result, const struct route_match *m, const char *method,
                        const char *path)
{
    const char *wanted = strcmp(method, "HEAD") == 0 ? "GET" : method;

    if (memchr(m->allow, '\0', sizeof m->allow) == NULL)
        broken("the Allow list is not terminated");
    if (result == ROUTE_NOT_FOUND && (m->route != NULL || m->allow[0] != '\0'))
        broken("an unknown path carries a route or methods");
    if (result == ROUTE_BAD_METHOD && (m->route != NULL || m->allow[0] == '\0'))
        broken("a wrong method lists no allowed methods");
    if (result != ROUTE_FOUND)
        return;
    if (m->route == NULL || strcmp(m->route->method, wanted) != 0)
        broken("the route found is not for the method asked");
    if (m->id != NULL && (m->id < path || m->id + m->id_len > path + strlen(path) ||
                          m->id_len == 0 || memchr(m->id, '/', m->id_len) != NULL))
        broken("the {id} is not one non-empty segment of the path");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The server gets NUL-terminated text from libmicrohttpd. */
    char *line = malloc(size + 1), *id = NULL, *path_text = NULL;
    struct route_match match;

    if (line == NULL)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    char *space = strchr(line, ' ');
    const char *method = line, *path = "";
    if (space != NULL) {
        *space = '\0';
        path = space + 1;
    }

    enum route_result result = router_match(routes, route_count, method, path, &match);
    check_match(result, &match, method, path);
    if (match.id != NULL && query_decode(match.id, match.id_len, false, &id))
        check_decoded(id, match.id_len);
    if (query_decode(path, strlen(path), false, &path_text))
        check_decoded(path_text, strlen(path));

    free(path_text);
    free(id);
    free(line);
    return 0;
}
