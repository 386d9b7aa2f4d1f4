#include "server/privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool privileges_drop(const char *user, char *err, size_t errlen)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        snprintf(err, errlen, "--user %s: no such user", user);
        return false;
    }
    if (geteuid() == pw->pw_uid && getuid() == pw->pw_uid)
        return true;
    if (geteuid() != 0) {
        snprintf(err, errlen, "--user %s: only a process started as root can switch users", user);
        return false;
    }
    /* Groups first: once the uid is gone, so is the right to change them. */
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        snprintf(err, errlen, "--user %s: cannot switch: %s", user, strerror(errno));
        return false;
    }
    /* setuid from root drops the saved uid too; make sure of it. */
    if (setuid(0) == 0 || geteuid() == 0) {
        snprintf(err, errlen, "--user %s: root could be taken back; refusing to run", user);
        return false;
    }
    return true;
}
