/* SPDX-License-Identifier: MPL-2.0 */
/* keys_io: file and text helpers shared by the keys/ modules. */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "keys_io.h"

void
keys_io_error (char *err, size_t errlen, const char *format, ...)
{
    if (!err || errlen == 0)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (err, errlen, format, args);
    va_end (args);
}

int
keys_io_write_all (int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write (fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t) n;
    }
    return 0;
}

void
keys_io_sync_parent (const char *path)
{
    char copy[4096];
    if (strlen (path) >= sizeof copy)
        return;
    strcpy (copy, path);
    int fd = open (dirname (copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync (fd);
        close (fd);
    }
}

const char *
keys_io_quote (char *out, const char *value, size_t len)
{
    size_t n = len > KEYS_IO_QUOTE_MAX ? KEYS_IO_QUOTE_MAX : len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) value[i];
        out[i] = c >= 0x20 && c < 0x7f && c != '"' ? (char) c : '?';
    }
    strcpy (out + n, len > n ? "..." : "");
    return out;
}
