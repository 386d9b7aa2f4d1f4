#include "server/router.h"

#include <stdio.h>
#include <string.h>

/* Compares a pattern with a path segment by segment; on success points id at
 * the path's {id} segment. */
static bool pattern_matches(const char *pattern, const char *path, const char **id,
                            size_t *id_len)
{
    *id = NULL;
    *id_len = 0;
    while (*pattern != '\0' && *path != '\0') {
        if (*pattern != '/' || *path != '/')
            return false;
        pattern++;
        path++;
        size_t plen = strcspn(pattern, "/"), slen = strcspn(path, "/");
        if (plen == 4 && strncmp(pattern, "{id}", 4) == 0) {
            if (slen == 0)
                return false;
            *id = path;
            *id_len = slen;
        } else if (plen != slen || strncmp(pattern, path, plen) != 0) {
            return false;
        }
        pattern += plen;
        path += slen;
    }
    return *pattern == '\0' && *path == '\0';
}

static void add_allowed(char *allow, size_t len, const char *method)
{
    /* Each method once, in table order. */
    size_t mlen = strlen(method);
    for (const char *p = allow; (p = strstr(p, method)) != NULL; p += mlen)
        if ((p == allow || p[-1] == ' ') && (p[mlen] == ',' || p[mlen] == '\0'))
            return;
    size_t used = strlen(allow);
    snprintf(allow + used, len - used, "%s%s", used ? ", " : "", method);
}

enum route_result router_match(const struct route *routes, size_t count, const char *method,
                               const char *path, struct route_match *match)
{
    bool path_known = false;
    const char *wanted = strcmp(method, "HEAD") == 0 ? "GET" : method;

    memset(match, 0, sizeof *match);
    for (size_t i = 0; i < count; i++) {
        const char *id;
        size_t id_len;
        if (!pattern_matches(routes[i].pattern, path, &id, &id_len))
            continue;
        path_known = true;
        if (match->path_route == NULL)
            match->path_route = &routes[i];
        add_allowed(match->allow, sizeof match->allow, routes[i].method);
        if (strcmp(routes[i].method, "GET") == 0)
            add_allowed(match->allow, sizeof match->allow, "HEAD");
        if (match->route == NULL && strcmp(routes[i].method, wanted) == 0) {
            match->route = &routes[i];
            match->id = id;
            match->id_len = id_len;
        }
    }
    if (match->route != NULL)
        return ROUTE_FOUND;
    return path_known ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}
