#include "server/acceptor.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct acceptor {
    struct MHD_Daemon *daemon;
    MHD_socket listener;
    pthread_t thread;
    atomic_bool stopping;
    bool running;
};

static void *accept_loop(void *arg)
{
    struct acceptor *acceptor = arg;
    while (!atomic_load(&acceptor->stopping)) {
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        int fd = accept4(acceptor->listener, (struct sockaddr *)&addr, &len, SOCK_CLOEXEC);
        if (fd < 0) {
            /* Out of descriptors: wait for connections to close rather
             * than spin on a socket that stays readable. */
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
            continue; /* EINTR, ECONNABORTED, or the shutdown that ends the loop */
        }
        /* The daemon owns the socket from here, and closes it if it cannot
         * take it (over a connection limit, out of memory). */
        (void)MHD_add_connection(acceptor->daemon, fd, (const struct sockaddr *)&addr, len);
    }
    return NULL;
}

struct acceptor *acceptor_start(struct MHD_Daemon *daemon)
{
    struct acceptor *acceptor = calloc(1, sizeof *acceptor);
    if (acceptor == NULL)
        return NULL;
    acceptor->daemon = daemon;
    atomic_init(&acceptor->stopping, false);
    acceptor->listener = MHD_quiesce_daemon(daemon);
    if (acceptor->listener == MHD_INVALID_SOCKET) {
        free(acceptor);
        return NULL;
    }
    /* libmicrohttpd made the socket non-blocking for its pollers; this
     * thread waits in accept instead. */
    int flags = fcntl(acceptor->listener, F_GETFL);
    if (flags < 0 || fcntl(acceptor->listener, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
        pthread_create(&acceptor->thread, NULL, accept_loop, acceptor) != 0) {
        /* The daemon no longer accepts on the socket and cannot be told to
         * again: the caller stops it. */
        close(acceptor->listener);
        free(acceptor);
        return NULL;
    }
    acceptor->running = true;
    return acceptor;
}

void acceptor_stop(struct acceptor *acceptor)
{
    if (acceptor == NULL || !acceptor->running)
        return;
    atomic_store(&acceptor->stopping, true);
    /* Wakes the accept the thread is blocked in (it fails with EINVAL). */
    shutdown(acceptor->listener, SHUT_RDWR);
    pthread_join(acceptor->thread, NULL);
    acceptor->running = false;
}

void acceptor_free(struct acceptor *acceptor)
{
    if (acceptor == NULL)
        return;
    acceptor_stop(acceptor);
    close(acceptor->listener);
    free(acceptor);
}
