/* SPDX-License-Identifier: MPL-2.0 */
/* keys_io: small file and text helpers shared by the keys/ modules, and
   by node/ for its error messages (keys_io_error, keys_io_quote). */
#ifndef KEYS_IO_H
#define KEYS_IO_H

#include <stddef.h>
#include <stdint.h>

/* Characters of an untrusted value shown in an error message; a buffer for
   keys_io_quote needs KEYS_IO_QUOTE_MAX + 4 bytes.                          */
#define KEYS_IO_QUOTE_MAX 40

/* ------------------------------------------------------------------------
   Format a one-line reason into err (errlen bytes), as every keys/ parser
   reports refusals. Does nothing if err is NULL or errlen is 0.             */
void
    keys_io_error (char *err, size_t errlen, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

/* ------------------------------------------------------------------------
   Write all of buf to fd, retrying on EINTR. Returns 0 or -1 (errno).      */
int
    keys_io_write_all (int fd, const char *buf, size_t len);

/* ------------------------------------------------------------------------
   fsync the directory holding path, so that a new or renamed file's entry
   is durable. Best effort: failures are ignored (the file itself was
   synced by the caller).                                                    */
void
    keys_io_sync_parent (const char *path);

/* ------------------------------------------------------------------------
   Copy value[0..len) into out as printable ASCII fit to quote in a message:
   every other byte (controls, escapes, UTF-8, '"') becomes '?', at most
   KEYS_IO_QUOTE_MAX characters, "..." appended when cut. out needs
   KEYS_IO_QUOTE_MAX + 4 bytes. Returns out.                                 */
const char *
    keys_io_quote (char *out, const char *value, size_t len);

/* Length of a UTC time "YYYY-MM-DDTHH:MM:SSZ" (transcripts, rosters).     */
#define KEYS_IO_UTC_LEN 20

/* ------------------------------------------------------------------------
   Parse value[0..len) as a strict UTC time "YYYY-MM-DDTHH:MM:SSZ" (years
   1970..9999, no leap second) into seconds since the epoch. Returns 0 or
   -1.                                                                       */
int
    keys_io_parse_utc (const char *value, size_t len, int64_t *out);

/* ------------------------------------------------------------------------
   Format seconds since the epoch (0 .. 9999-12-31T23:59:59Z) as UTC text
   into out (KEYS_IO_UTC_LEN + 1 bytes). Returns 0 or -1.                    */
int
    keys_io_format_utc (int64_t time, char out[KEYS_IO_UTC_LEN + 1]);

#endif
