/* libFuzzer target: decoding pagination cursors, which clients hand back
 * and may forge. The input is the cursor parameter's decoded text, tried
 * against every list's tag. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/search.h"
#include "db/text.h"
#include "server/cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every tag a list handler passes to params_cursor. */
static const char *const tags[] = {"articles", "agreements", "entities", "entities-by-mentions",
                                   "quotes",   "search"};

__attribute__((noreturn)) static void broken(const char *what)
{
    fprintf(stderr, "fuzz_cursor: %s\n", what);
    abort();
}

/* A decoded position is one the list query can bind as it is, and its
 * encoding decodes to the same position again. */
static void check_position(const char *tag, const struct keyset *at)
{
    char again[CURSOR_MAX + 1];
    struct keyset back = {0};

    if (!at->set || at->id <= 0 || memchr(at->key, '\0', sizeof at->key) == NULL ||
        !text_is_clean_utf8(at->key, strlen(at->key)))
        broken("a decoded cursor holds a position no list can use");
    if (!cursor_encode(tag, at, again, sizeof again))
        broken("a decoded cursor cannot be encoded again");
    if (!cursor_decode(again, tag, &back) || back.id != at->id || strcmp(back.key, at->key) != 0)
        broken("a cursor encoded again decodes to another position");
    /* The search list checks its key further; a forged one must not crash. */
    if (strcmp(tag, "search") == 0)
        (void)db_search_is_key(at->key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Query values reach handlers NUL-terminated. */
    char *text = malloc(size + 1);
    struct keyset at;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        memset(&at, 0, sizeof at);
        if (cursor_decode(text, tags[i], &at))
            check_position(tags[i], &at);
    }
    free(text);
    return 0;
}
