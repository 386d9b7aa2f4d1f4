#include "server/metrics.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* Series are fixed arrays indexed by (route pattern, method, status), so
 * counting never allocates or hashes. Patterns get slots when routes are
 * added; slot 0 is every path no route knows (raw paths would make a series
 * per typo). */
#define MAX_SLOTS 64
#define UNMATCHED_SLOT 0
#define MAX_TABLES 4

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
#define METHOD_COUNT (sizeof methods / sizeof methods[0] + 1) /* + "other" */

/* Every status the server itself answers; anything else (none today) is
 * counted as "other" rather than dropped. */
static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 406,
                               409, 412, 413, 414, 415, 422, 500, 503, 507};
#define STATUS_COUNT (sizeof statuses / sizeof statuses[0] + 1)

/* Upper bounds in microseconds, from a cached point read (~30 µs, see
 * PERF-NOTES) to a slow import. */
static const uint64_t bounds_us[] = {100,    250,    500,     1000,    2500,    5000,
                                     10000,  25000,  50000,   100000,  250000,  500000,
                                     1000000, 2500000, 5000000, 10000000};
#define BUCKET_COUNT (sizeof bounds_us / sizeof bounds_us[0] + 1) /* + "+Inf" */

/* A thread's share of the counters. Threads add to their own shard, so two
 * workers rarely touch the same cache line; a shard shared by two threads
 * (more threads than shards) is still exact, the additions being atomic. */
struct shard {
    _Atomic uint64_t requests[MAX_SLOTS][METHOD_COUNT][STATUS_COUNT];
    _Atomic uint64_t buckets[MAX_SLOTS][BUCKET_COUNT]; /* not cumulative */
    _Atomic uint64_t sum_us[MAX_SLOTS];
};
#define SHARD_COUNT 8

struct route_table {
    const struct route *routes;
    size_t count;
    unsigned char *slots; /* each route's slot */
};

struct metrics {
    struct shard *shards; /* SHARD_COUNT of them */
    struct route_table tables[MAX_TABLES];
    size_t table_count;
    const char *patterns[MAX_SLOTS]; /* borrowed from the tables */
    size_t slot_count;
    /* Writes are serialised by the store's lock: no sharding needed. */
    _Atomic uint64_t write_buckets[BUCKET_COUNT];
    _Atomic uint64_t write_sum_us;
    _Atomic uint64_t write_batches, batched_writes;
    char *db_path;
    char *token; /* NULL: anyone may scrape */
    time_t started;
    void (*sample)(void *ctx, struct metrics_gauges *out);
    void *sample_ctx;
};

static atomic_uint next_shard;
static _Thread_local unsigned thread_shard = SHARD_COUNT;

static struct shard *my_shard(struct metrics *m)
{
    if (thread_shard == SHARD_COUNT)
        thread_shard = atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed) % SHARD_COUNT;
    return &m->shards[thread_shard];
}

static void add(_Atomic uint64_t *counter, uint64_t n)
{
    /* Relaxed: each counter is read on its own, never against another. */
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static uint64_t load(_Atomic uint64_t *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

struct metrics *metrics_new(const char *db_path)
{
    struct metrics *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    /* calloc: untouched pages of idle series cost no memory. */
    m->shards = calloc(SHARD_COUNT, sizeof *m->shards);
    m->db_path = strdup(db_path);
    if (m->shards == NULL || m->db_path == NULL) {
        metrics_free(m);
        return NULL;
    }
    m->patterns[UNMATCHED_SLOT] = "unmatched";
    m->slot_count = 1;
    m->started = time(NULL);
    return m;
}

bool metrics_set_token(struct metrics *m, const char *token)
{
    free(m->token);
    m->token = NULL;
    if (token == NULL || token[0] == '\0')
        return true;
    m->token = strdup(token);
    return m->token != NULL;
}

bool metrics_may_scrape(const struct metrics *m, const char *authorization)
{
    static const char scheme[] = "Bearer ";
    if (m->token == NULL)
        return true;
    if (authorization == NULL || strncasecmp(authorization, scheme, sizeof scheme - 1) != 0)
        return false;
    const char *given = authorization + sizeof scheme - 1;
    size_t want = strlen(m->token), got = strlen(given);
    /* Every byte is compared whatever the first difference, so timing does
     * not reveal how much of a guess was right. */
    unsigned char diff = got != want;
    for (size_t i = 0; i < want; i++)
        diff |= (unsigned char)(m->token[i] ^ given[i < got ? i : 0]);
    return diff == 0;
}

static int slot_of_pattern(struct metrics *m, const char *pattern)
{
    for (size_t s = 1; s < m->slot_count; s++)
        if (strcmp(m->patterns[s], pattern) == 0)
            return (int)s;
    if (m->slot_count == MAX_SLOTS)
        return -1;
    m->patterns[m->slot_count] = pattern;
    return (int)m->slot_count++;
}

bool metrics_add_routes(struct metrics *m, const struct route *table, size_t count)
{
    if (m->table_count == MAX_TABLES)
        return false;
    unsigned char *slots = calloc(count > 0 ? count : 1, 1);
    if (slots == NULL)
        return false;
    for (size_t i = 0; i < count; i++) {
        int slot = slot_of_pattern(m, table[i].pattern);
        if (slot < 0) {
            free(slots);
            return false;
        }
        slots[i] = (unsigned char)slot;
    }
    m->tables[m->table_count++] = (struct route_table){table, count, slots};
    return true;
}

void metrics_set_sampler(struct metrics *m, void (*sample)(void *ctx, struct metrics_gauges *out),
                         void *ctx)
{
    m->sample = sample;
    m->sample_ctx = ctx;
}

void metrics_free(struct metrics *m)
{
    if (m == NULL)
        return;
    for (size_t t = 0; t < m->table_count; t++)
        free(m->tables[t].slots);
    free(m->shards);
    free(m->db_path);
    free(m->token);
    free(m);
}

static size_t route_slot(const struct metrics *m, const struct route *route)
{
    if (route == NULL)
        return UNMATCHED_SLOT;
    /* Compared as addresses: the route points into one of the tables. */
    uintptr_t at = (uintptr_t)route;
    for (size_t t = 0; t < m->table_count; t++) {
        uintptr_t first = (uintptr_t)m->tables[t].routes;
        if (at >= first && at < first + m->tables[t].count * sizeof *route)
            return m->tables[t].slots[(at - first) / sizeof *route];
    }
    return UNMATCHED_SLOT;
}

static size_t method_index(const char *method)
{
    for (size_t i = 0; i < METHOD_COUNT - 1; i++)
        if (strcmp(methods[i], method) == 0)
            return i;
    return METHOD_COUNT - 1;
}

static size_t status_index(int status)
{
    for (size_t i = 0; i < STATUS_COUNT - 1; i++)
        if (statuses[i] == status)
            return i;
    return STATUS_COUNT - 1;
}

static size_t bucket_index(uint64_t us)
{
    size_t b = 0;
    while (b < BUCKET_COUNT - 1 && us > bounds_us[b])
        b++;
    return b;
}

void metrics_request_done(struct metrics *m, const struct route *route, const char *method,
                          int status, uint64_t duration_us)
{
    struct shard *sh = my_shard(m);
    size_t slot = route_slot(m, route);
    add(&sh->requests[slot][method_index(method)][status_index(status)], 1);
    add(&sh->buckets[slot][bucket_index(duration_us)], 1);
    add(&sh->sum_us[slot], duration_us);
}

void metrics_write_done(void *ctx, uint64_t held_us)
{
    struct metrics *m = ctx;
    add(&m->write_buckets[bucket_index(held_us)], 1);
    add(&m->write_sum_us, held_us);
}

void metrics_write_batch(struct metrics *m, size_t writes)
{
    add(&m->write_batches, 1);
    add(&m->batched_writes, writes);
}

/* Label values are our own patterns and names; escaping keeps the format
 * valid should one ever hold a quote or backslash. */
static void put_label(FILE *out, const char *value)
{
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', out);
        if (*p == '\n')
            fputs("\\n", out);
        else
            fputc(*p, out);
    }
}

static void put_histogram(FILE *out, const char *name, const char *route,
                          const uint64_t *buckets, uint64_t sum_us)
{
    uint64_t cumulative = 0;
    for (size_t b = 0; b < BUCKET_COUNT; b++) {
        cumulative += buckets[b];
        fprintf(out, "%s_bucket{", name);
        if (route != NULL) {
            fputs("route=\"", out);
            put_label(out, route);
            fputs("\",", out);
        }
        if (b < BUCKET_COUNT - 1)
            fprintf(out, "le=\"%g\"} %llu\n", (double)bounds_us[b] / 1e6,
                    (unsigned long long)cumulative);
        else
            fprintf(out, "le=\"+Inf\"} %llu\n", (unsigned long long)cumulative);
    }
    const char *open = route != NULL ? "{route=\"" : "";
    for (int part = 0; part < 2; part++) {
        fprintf(out, "%s_%s%s", name, part == 0 ? "sum" : "count", open);
        if (route != NULL) {
            put_label(out, route);
            fputs("\"}", out);
        }
        if (part == 0)
            fprintf(out, " %.6f\n", (double)sum_us / 1e6);
        else
            fprintf(out, " %llu\n", (unsigned long long)cumulative);
    }
}

static void put_requests(FILE *out, struct metrics *m)
{
    fputs("# HELP wirebase_http_requests_total HTTP requests answered, by route template, "
          "method and status.\n"
          "# TYPE wirebase_http_requests_total counter\n",
          out);
    for (size_t s = 0; s < m->slot_count; s++) {
        for (size_t me = 0; me < METHOD_COUNT; me++) {
            for (size_t st = 0; st < STATUS_COUNT; st++) {
                uint64_t n = 0;
                for (size_t sh = 0; sh < SHARD_COUNT; sh++)
                    n += load(&m->shards[sh].requests[s][me][st]);
                if (n == 0)
                    continue;
                fputs("wirebase_http_requests_total{route=\"", out);
                put_label(out, m->patterns[s]);
                fprintf(out, "\",method=\"%s\",status=\"",
                        me < METHOD_COUNT - 1 ? methods[me] : "other");
                if (st < STATUS_COUNT - 1)
                    fprintf(out, "%d", statuses[st]);
                else
                    fputs("other", out);
                fprintf(out, "\"} %llu\n", (unsigned long long)n);
            }
        }
    }
}

static void put_latencies(FILE *out, struct metrics *m)
{
    fputs("# HELP wirebase_http_request_duration_seconds Time from the request line to the "
          "answer's completion, by route template.\n"
          "# TYPE wirebase_http_request_duration_seconds histogram\n",
          out);
    for (size_t s = 0; s < m->slot_count; s++) {
        uint64_t buckets[BUCKET_COUNT] = {0}, sum = 0, total = 0;
        for (size_t sh = 0; sh < SHARD_COUNT; sh++) {
            for (size_t b = 0; b < BUCKET_COUNT; b++)
                buckets[b] += load(&m->shards[sh].buckets[s][b]);
            sum += load(&m->shards[sh].sum_us[s]);
        }
        for (size_t b = 0; b < BUCKET_COUNT; b++)
            total += buckets[b];
        /* Only routes that were asked: forty idle routes would be 800
         * lines of zeros in every scrape. */
        if (total > 0)
            put_histogram(out, "wirebase_http_request_duration_seconds", m->patterns[s], buckets,
                          sum);
    }
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static void put_gauges(FILE *out, struct metrics *m)
{
    struct metrics_gauges g = {0};
    if (m->sample != NULL)
        m->sample(m->sample_ctx, &g);
    char wal[1100];
    snprintf(wal, sizeof wal, "%s-wal", m->db_path);
    fprintf(out,
            "# HELP wirebase_http_requests_in_flight Requests received and not yet answered.\n"
            "# TYPE wirebase_http_requests_in_flight gauge\n"
            "wirebase_http_requests_in_flight %lld\n"
            "# HELP wirebase_http_connections_open Open client connections.\n"
            "# TYPE wirebase_http_connections_open gauge\n"
            "wirebase_http_connections_open %lld\n"
            "# HELP wirebase_db_size_bytes Size of the database file.\n"
            "# TYPE wirebase_db_size_bytes gauge\n"
            "wirebase_db_size_bytes %lld\n"
            "# HELP wirebase_db_wal_size_bytes Size of the write-ahead log (0 when absent).\n"
            "# TYPE wirebase_db_wal_size_bytes gauge\n"
            "wirebase_db_wal_size_bytes %lld\n"
            "# HELP wirebase_documents_served_total Articles read from their kept rendered"
            " documents.\n"
            "# TYPE wirebase_documents_served_total counter\n"
            "wirebase_documents_served_total %llu\n"
            "# HELP wirebase_documents_kept_total Rendered article documents kept.\n"
            "# TYPE wirebase_documents_kept_total counter\n"
            "wirebase_documents_kept_total %llu\n",
            (long long)g.in_flight, (long long)g.connections, file_size(m->db_path),
            file_size(wal), (unsigned long long)g.documents_served,
            (unsigned long long)g.documents_kept);

    uint64_t buckets[BUCKET_COUNT];
    for (size_t b = 0; b < BUCKET_COUNT; b++)
        buckets[b] = load(&m->write_buckets[b]);
    fputs("# HELP wirebase_db_write_transaction_duration_seconds How long each write "
          "transaction held the write lock.\n"
          "# TYPE wirebase_db_write_transaction_duration_seconds histogram\n",
          out);
    put_histogram(out, "wirebase_db_write_transaction_duration_seconds", NULL, buckets,
                  load(&m->write_sum_us));
    fprintf(out,
            "# HELP wirebase_db_write_batches_total Batches of writes run together, each in "
            "one transaction (group commit).\n"
            "# TYPE wirebase_db_write_batches_total counter\n"
            "wirebase_db_write_batches_total %llu\n"
            "# HELP wirebase_db_batched_writes_total Writes run in those batches.\n"
            "# TYPE wirebase_db_batched_writes_total counter\n"
            "wirebase_db_batched_writes_total %llu\n",
            (unsigned long long)load(&m->write_batches),
            (unsigned long long)load(&m->batched_writes));

    fprintf(out,
            "# HELP wirebase_build_info The running build: always 1.\n"
            "# TYPE wirebase_build_info gauge\n"
            "wirebase_build_info{version=\"%s\",libmicrohttpd=\"%s\",jansson=\"%s\"} 1\n"
            "# HELP wirebase_start_time_seconds When this server started, in Unix time.\n"
            "# TYPE wirebase_start_time_seconds gauge\n"
            "wirebase_start_time_seconds %lld\n",
            WIREBASE_VERSION, MHD_get_version(), JANSSON_VERSION, (long long)m->started);
}

char *metrics_render(struct metrics *m, size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (out == NULL)
        return NULL;
    put_requests(out, m);
    put_latencies(out, m);
    put_gauges(out, m);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    *len = size;
    return text;
}
