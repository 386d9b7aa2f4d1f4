/* The ceiling wirebase is measured against: a bare libmicrohttpd server with
 * wirebase's own daemon settings (internal polling thread, one poller per
 * worker thread, automatic poll/epoll choice, strict parsing) that answers
 * every request with one fixed JSON body. No routing, no database, no JSON
 * building: what is left is the HTTP library and the kernel. bench/run drives
 * it and wirebase in the same run and reports wirebase as a ratio of it.
 *
 *   bench/baseline [--port N (0: any)] [--threads N (2)] [--body-bytes N (5000)]
 *
 * It prints "listening on 127.0.0.1:PORT" once ready and runs until SIGINT
 * or SIGTERM. It listens on the loopback address only. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* A JSON object of exactly `bytes` bytes (at least 16): an article-shaped
 * member list padded with a body of words. */
static char *make_body(size_t bytes)
{
    static const char head[] = "{\"id\":1,\"slug\":\"baseline\",\"body\":\"";
    static const char tail[] = "\"}";
    char *body = malloc(bytes + 1);
    if (body == NULL)
        return NULL;
    size_t fixed = sizeof head - 1 + sizeof tail - 1;
    size_t text = bytes > fixed ? bytes - fixed : 0;
    memcpy(body, head, sizeof head - 1);
    for (size_t i = 0; i < text; i++)
        body[sizeof head - 1 + i] = i % 8 == 7 ? ' ' : "baseline"[i % 8];
    memcpy(body + sizeof head - 1 + text, tail, sizeof tail);
    return body;
}

/* libmicrohttpd 0.9.75 answers a response queued on the first call (before
 * the empty body phase) with Connection: close, so every request would pay
 * a new connection. wirebase queues on the second call; so does this. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    static int marker;
    struct MHD_Response *response = cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &marker;
        return MHD_YES;
    }
    /* A body (a POST) is read and dropped. */
    if (*upload_data_size > 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(connection, MHD_HTTP_OK, response);
}

static unsigned long option(int argc, char **argv, const char *name, unsigned long fallback)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return strtoul(argv[i + 1], NULL, 10);
    return fallback;
}

int main(int argc, char **argv)
{
    unsigned long port = option(argc, argv, "--port", 0);
    unsigned long threads = option(argc, argv, "--threads", 2);
    unsigned long bytes = option(argc, argv, "--body-bytes", 5000);
    struct MHD_Response *response = NULL;
    struct MHD_Daemon *daemon = NULL;
    char *body = NULL;
    int status = 1;

    if (port > 65535 || threads < 1 || threads > 64 || bytes < 16 || bytes > (1ul << 24)) {
        fprintf(stderr, "usage: baseline [--port N] [--threads 1-64] [--body-bytes 16-16M]\n");
        return 2;
    }
    body = make_body(bytes);
    if (body == NULL)
        goto done;
    response = MHD_create_response_from_buffer(bytes, body, MHD_RESPMEM_PERSISTENT);
    if (response == NULL ||
        MHD_add_response_header(response, "Content-Type", "application/json") != MHD_YES)
        goto done;

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG,
        (uint16_t)port, NULL, NULL, on_request, response,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(threads > 1 ? threads : 0),
        MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_CONNECTION_LIMIT, 1024u,
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
        MHD_OPTION_END);
    if (daemon == NULL) {
        fprintf(stderr, "baseline: cannot listen on 127.0.0.1:%lu\n", port);
        goto done;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    printf("listening on 127.0.0.1:%u\n", info != NULL ? info->port : (unsigned)port);
    fflush(stdout);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stopping)
        pause();
    status = 0;
done:
    if (daemon != NULL)
        MHD_stop_daemon(daemon);
    if (response != NULL)
        MHD_destroy_response(response);
    free(body);
    return status;
}
