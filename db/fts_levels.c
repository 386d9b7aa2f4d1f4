#include "db/fts_levels.h"

#include <stdio.h>
#include <string.h>

#include "db/conn.h"

/* FTS5 keeps its index as segments on levels: each statement that writes
 * the index flushes a new segment on level 0, and once a level holds
 * 'automerge' segments (4 by default) they are merged into one on the
 * next level; at 'crisismerge' (16) a level is merged whole at once. The
 * level says how many merges a segment went through, not how big it is.
 * A bulk build ('rebuild', 'optimize') leaves the whole index as one
 * segment on level 0 or 1, so the first dozen posts after it merged that
 * segment with their own small ones: a 100,000-article index (400 MB) was
 * rewritten at the 15th post, and again every few hundred posts after,
 * each time one level up (3,000 posts: 1.1 GB of WAL and 9.9 s; with the
 * segment on its level: 186 MB and 2.6 s). On the lowest level L where 4^L
 * single writes would have put that many rows, it takes part in a merge
 * only after about 3 * 4^(L-1) more single writes, 0.75 to 3 times its own
 * rows: what it would cost had the index grown one write at a time.
 *
 * The structure record (rowid 10 of the %_data table, FTS5's file format
 * in SQLite 3.40, fts5_index.c) is a 4-byte cookie, then varints: the
 * number of levels, of segments, the write counter, and per level the
 * number of segments in an ongoing merge, the number of segments and, per
 * segment, its id and first and last leaf pages. Later SQLite versions
 * read it as written here; a record in any other shape is left alone. */

#define STRUCTURE_ROWID 10
#define AUTOMERGE 4
#define MAX_LEVEL 63
#define VARINT_MAX 9

/* SQLite's varint: big-endian groups of 7 bits, the 9th byte whole. */
static bool get_varint(const unsigned char *p, size_t len, size_t *at, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < VARINT_MAX; i++) {
        if (*at >= len)
            return false;
        unsigned char c = p[(*at)++];
        if (i == VARINT_MAX - 1) {
            *out = (v << 8) | c;
            return true;
        }
        v = (v << 7) | (c & 0x7f);
        if (!(c & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
    unsigned char groups[VARINT_MAX];
    size_t n = 0;
    if (v >> 56) {
        /* Nine bytes: eight groups of 7 bits, then the low 8 bits whole. */
        p[8] = (unsigned char)v;
        v >>= 8;
        for (int i = 7; i >= 0; i--, v >>= 7)
            p[i] = (unsigned char)((v & 0x7f) | 0x80);
        return 9;
    }
    do {
        groups[n++] = (unsigned char)(v & 0x7f);
        v >>= 7;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        p[i] = groups[n - 1 - i] | (i + 1 < n ? 0x80 : 0);
    return n;
}

/* The level 4^L single writes would have filled with `documents` rows. */
static int level_for(int64_t documents)
{
    int level = 0;
    for (int64_t filled = 1; filled < documents && level < MAX_LEVEL; filled *= AUTOMERGE)
        level++;
    return level;
}

/* The one segment of a structure record and the level it is on; false for
 * any other shape (more segments, a merge under way, bytes left over). */
static bool read_single_segment(const unsigned char *p, size_t len, uint64_t *write_counter,
                                uint64_t segment[3], uint64_t *level)
{
    size_t at = 4;
    uint64_t levels, segments, found = 0;
    if (len < 4 || !get_varint(p, len, &at, &levels) || !get_varint(p, len, &at, &segments) ||
        !get_varint(p, len, &at, write_counter) || segments != 1 || levels == 0 ||
        levels > MAX_LEVEL + 1)
        return false;
    for (uint64_t l = 0; l < levels; l++) {
        uint64_t merging, count;
        if (!get_varint(p, len, &at, &merging) || !get_varint(p, len, &at, &count) ||
            merging != 0 || count > 1 || found + count > 1)
            return false;
        for (uint64_t s = 0; s < count; s++) {
            for (int f = 0; f < 3; f++)
                if (!get_varint(p, len, &at, &segment[f]))
                    return false;
            *level = l;
            found++;
        }
    }
    return found == 1 && at == len;
}

/* The record `index` keeps its structure in, copied into buf (cap bytes);
 * 0 when it cannot be read or does not fit. */
static size_t read_structure(struct db *db, const char *index, unsigned char *buf, size_t cap)
{
    char sql[160];
    size_t len = 0;
    snprintf(sql, sizeof sql, "SELECT block FROM \"%s_data\" WHERE id = %d", index,
             STRUCTURE_ROWID);
    sqlite3_stmt *st = conn_stmt(db, sql);
    if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
        const void *block = sqlite3_column_blob(st, 0);
        len = (size_t)sqlite3_column_bytes(st, 0);
        if (block == NULL || len > cap)
            len = 0;
        else
            memcpy(buf, block, len);
    }
    conn_done(st);
    return len;
}

static bool write_structure(struct db *db, const char *index, const unsigned char *record,
                            size_t len)
{
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE \"%s_data\" SET block = ? WHERE id = %d", index,
             STRUCTURE_ROWID);
    sqlite3_stmt *st = conn_stmt(db, sql);
    if (st == NULL)
        return false;
    sqlite3_bind_blob(st, 1, record, (int)len, SQLITE_TRANSIENT);
    bool ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db->handle) == 1;
    conn_done(st);
    return ok;
}

/* A structure record with the cookie of `record` and its one segment alone
 * on `level`, written over `record`; its length. */
static size_t encode_single_segment(unsigned char *record, uint64_t write_counter,
                                    const uint64_t segment[3], int level)
{
    size_t len = 4; /* the cookie stays */
    len += put_varint(record + len, (uint64_t)level + 1);
    len += put_varint(record + len, 1);
    len += put_varint(record + len, write_counter);
    for (int l = 0; l <= level; l++) {
        len += put_varint(record + len, 0);
        len += put_varint(record + len, l == level ? 1 : 0);
    }
    for (int f = 0; f < 3; f++)
        len += put_varint(record + len, segment[f]);
    return len;
}

bool fts_settle_bulk_segment(struct db *db, const char *index, int64_t documents)
{
    /* Large enough for the one-segment record on the top level, and so for
     * any record this rewrites: cookie, 3 counts, 2 per level, 3 fields. */
    unsigned char record[4 + (3 + 2 * (MAX_LEVEL + 1) + 3) * VARINT_MAX];
    uint64_t write_counter, segment[3], level = 0;
    int target = level_for(documents);
    bool ok = false;

    if (conn_exec(db, "BEGIN IMMEDIATE") != DB_OK)
        return false;
    size_t len = read_structure(db, index, record, sizeof record);
    if (len == 0 || !read_single_segment(record, len, &write_counter, segment, &level))
        goto done;
    ok = (int)level >= target ||
         (write_structure(db, index, record,
                          encode_single_segment(record, write_counter, segment, target)) &&
          conn_exec(db, "COMMIT") == DB_OK);
done:
    if (!sqlite3_get_autocommit(db->handle))
        conn_exec(db, "ROLLBACK");
    return ok;
}
