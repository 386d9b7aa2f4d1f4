#include "db/doc_sizes.h"

#include <stdlib.h>

#define BLOCK_BITS 12
#define BLOCK_ROWS (1u << BLOCK_BITS)
/* Rows past 64 million (an import's chosen ids) are not kept: the block
 * table stays under 128 KiB. */
#define MAX_BLOCKS 16384
/* At most this many blocks are held (8 KiB each: 1 MiB, a million rows):
 * past it the oldest made gives way. Searches rank the newest matches of
 * their words, a few blocks of the articles and under a hundred of the
 * quotes on the 1M store; without a bound, a reader that ranked every row
 * of a big store would keep 2 bytes for each, on each connection. */
#define MAX_LIVE_BLOCKS 128

/* A slot holds tokens + 1, so 0 is "not kept"; a longer row is not kept. */
#define MAX_TOKENS 65534

struct doc_sizes {
    int64_t version; /* the index's last rewrite, as the counts saw it */
    bool versioned;  /* version was declared */
    uint16_t **blocks;
    size_t block_count; /* entries of blocks */
    /* The blocks held, in the order they were made: a ring whose next slot
     * (made_next) holds the oldest once live reaches MAX_LIVE_BLOCKS. */
    uint32_t made[MAX_LIVE_BLOCKS];
    size_t live, made_next;
};

struct doc_sizes *doc_sizes_new(void)
{
    return calloc(1, sizeof(struct doc_sizes));
}

static void forget_all(struct doc_sizes *sizes)
{
    for (size_t i = 0; i < sizes->block_count; i++)
        free(sizes->blocks[i]);
    free(sizes->blocks);
    sizes->blocks = NULL;
    sizes->block_count = 0;
    sizes->live = 0;
    sizes->made_next = 0;
}

/* A new, empty block for `block`, the oldest given up if the bound is
 * reached. NULL when out of memory. */
static uint16_t *make_block(struct doc_sizes *sizes, uint32_t block)
{
    uint16_t *made = calloc(BLOCK_ROWS, sizeof(uint16_t));
    if (made == NULL)
        return NULL;
    if (sizes->live == MAX_LIVE_BLOCKS) {
        uint32_t oldest = sizes->made[sizes->made_next];
        free(sizes->blocks[oldest]);
        sizes->blocks[oldest] = NULL;
    } else {
        sizes->live++;
    }
    sizes->made[sizes->made_next] = block;
    sizes->made_next = (sizes->made_next + 1) % MAX_LIVE_BLOCKS;
    sizes->blocks[block] = made;
    return made;
}

void doc_sizes_free(struct doc_sizes *sizes)
{
    if (sizes == NULL)
        return;
    forget_all(sizes);
    free(sizes);
}

bool doc_sizes_rewritten_at(struct doc_sizes *sizes, int64_t version)
{
    if (sizes->versioned && version < sizes->version)
        return false;
    if (!sizes->versioned || version > sizes->version) {
        forget_all(sizes);
        sizes->version = version;
        sizes->versioned = true;
    }
    return true;
}

bool doc_sizes_get(const struct doc_sizes *sizes, int64_t rowid, int *tokens)
{
    if (rowid < 0)
        return false;
    uint64_t block = (uint64_t)rowid >> BLOCK_BITS;
    if (block >= sizes->block_count || sizes->blocks[block] == NULL)
        return false;
    uint16_t kept = sizes->blocks[block][(uint64_t)rowid & (BLOCK_ROWS - 1)];
    if (kept == 0)
        return false;
    *tokens = kept - 1;
    return true;
}

void doc_sizes_put(struct doc_sizes *sizes, int64_t rowid, int tokens)
{
    if (rowid < 0 || tokens < 0 || tokens > MAX_TOKENS)
        return;
    uint64_t block = (uint64_t)rowid >> BLOCK_BITS;
    if (block >= MAX_BLOCKS)
        return;
    if (block >= sizes->block_count) {
        size_t count = sizes->block_count ? sizes->block_count : 64;
        while (count <= block)
            count *= 2;
        uint16_t **grown = realloc(sizes->blocks, count * sizeof *grown);
        if (grown == NULL)
            return;
        for (size_t i = sizes->block_count; i < count; i++)
            grown[i] = NULL;
        sizes->blocks = grown;
        sizes->block_count = count;
    }
    uint16_t *kept = sizes->blocks[block];
    if (kept == NULL && (kept = make_block(sizes, (uint32_t)block)) == NULL)
        return;
    kept[(uint64_t)rowid & (BLOCK_ROWS - 1)] = (uint16_t)(tokens + 1);
}

size_t doc_sizes_bytes(const struct doc_sizes *sizes)
{
    return sizes->live * BLOCK_ROWS * sizeof(uint16_t) + sizes->block_count * sizeof(uint16_t *);
}
