/* libFuzzer target: the query-string parser, and the Link header that
 * rewrites a request's query with the next page's cursor. The input is the
 * text after '?'. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/text.h"
#include "server/negotiate.h"
#include "server/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static void broken(const char *what)
{
    fprintf(stderr, "fuzz_query: %s\n", what);
    abort();
}

/* What a parse promises: at most QUERY_MAX_PARAMS pairs of clean text, and
 * on success no name twice, so query_get finds each pair's own value. */
static void check_parse(enum query_status status, const struct query *q, const char *bad_name)
{
    if (q->count > QUERY_MAX_PARAMS)
        broken("more parameters than the limit");
    for (size_t i = 0; i < q->count; i++) {
        const struct query_param *p = &q->params[i];
        if (p->name == NULL || p->value == NULL ||
            !text_is_clean_utf8(p->name, strlen(p->name)) ||
            !text_is_clean_utf8(p->value, strlen(p->value)))
            broken("a parameter is missing or not clean text");
        if (status == QUERY_OK && query_get(q, p->name) != p->value)
            broken("query_get does not find a parameter's own value");
    }
    if ((status == QUERY_BAD_ENCODING || status == QUERY_DUPLICATE) &&
        (bad_name == NULL || !text_is_clean_utf8(bad_name, strlen(bad_name))))
        broken("an error names no parameter, or names it in unclean text");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char prefix[] = "/v1/articles?";
    char *target = malloc(sizeof prefix + size), *link = NULL;
    struct query q = {0};
    const char *bad_name = NULL;

    if (target == NULL)
        return 0;
    /* The server gets NUL-terminated text from libmicrohttpd. */
    memcpy(target, prefix, sizeof prefix - 1);
    memcpy(target + sizeof prefix - 1, data, size);
    target[sizeof prefix - 1 + size] = '\0';
    const char *text = target + sizeof prefix - 1;

    enum query_status status = query_parse(text, &q, &bad_name);
    check_parse(status, &q, bad_name);
    query_free(&q);

    /* Only a query that parsed gets a next page, hence a Link. */
    if (status == QUERY_OK) {
        link = negotiate_next_link(target, "YXJ0aWNsZXN8MXwyMDEwLTA5LTE1");
        if (link == NULL || strstr(link, "cursor=YXJ0aWNsZXN8MXwyMDEwLTA5LTE1") == NULL)
            broken("the Link header lost the cursor");
    }
    free(link);
    free(target);
    return 0;
}
