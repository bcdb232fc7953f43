/* SPDX-License-Identifier: MPL-2.0 */
/* keys_io: file and text helpers shared by the keys/ modules. */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
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
    //  cppcheck 2.10 takes n for 0 (its ?: on size_t), so "always false":
    // cppcheck-suppress knownConditionTrueFalse
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) value[i];
        out[i] = c >= 0x20 && c < 0x7f && c != '"' ? (char) c : '?';
    }
    // cppcheck-suppress knownConditionTrueFalse
    strcpy (out + n, len > n ? "..." : "");
    return out;
}

//  Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant).
static int64_t
s_days_from_civil (int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

//  Strict "YYYY-MM-DDTHH:MM:SSZ", years 1970..9999, no leap second.
int
keys_io_parse_utc (const char *value, size_t len, int64_t *out)
{
    static const char *shape = "dddd-dd-ddTdd:dd:ddZ";
    if (len != KEYS_IO_UTC_LEN)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (shape[i] == 'd' ? value[i] < '0' || value[i] > '9'
                            : value[i] != shape[i])
            return -1;
    }
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    for (int i = 0; i < 4; i++)
        year = year * 10 + (value[i] - '0');
    month = (value[5] - '0') * 10 + (value[6] - '0');
    day = (value[8] - '0') * 10 + (value[9] - '0');
    hour = (value[11] - '0') * 10 + (value[12] - '0');
    minute = (value[14] - '0') * 10 + (value[15] - '0');
    second = (value[17] - '0') * 10 + (value[18] - '0');
    static const int month_days[12]
        = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1970 || month < 1 || month > 12 || day < 1
        || day > month_days[month - 1] || (month == 2 && day == 29 && !leap)
        || hour > 23 || minute > 59 || second > 59)
        return -1;
    *out = s_days_from_civil (year, month, day) * 86400 + hour * 3600
           + minute * 60 + second;
    return 0;
}

int
keys_io_format_utc (int64_t time, char out[KEYS_IO_UTC_LEN + 1])
{
    //  9999-12-31T23:59:59Z: the last time of four-digit years.
    if (time < 0 || time > INT64_C (253402300799))
        return -1;
    time_t t = (time_t) time;
    struct tm tm;
    if (!gmtime_r (&t, &tm))
        return -1;
    if (strftime (out, KEYS_IO_UTC_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm)
        != KEYS_IO_UTC_LEN)
        return -1;
    return 0;
}
