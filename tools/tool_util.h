/* SPDX-License-Identifier: MPL-2.0 */
/* tool_util: what both command-line tools share: exit codes, messages,
   reading files, passphrases, confirmation, times. libc + libsodium only. */
#ifndef TOOL_UTIL_H
#define TOOL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../keys/keys.h"

/* Exit codes (minisign's split): 0 success, 1 a verification or policy
   check failed, 2 a usage or I/O error.                                     */
#define TOOL_EXIT_OK 0
#define TOOL_EXIT_FAIL 1
#define TOOL_EXIT_USAGE 2

/* ------------------------------------------------------------------------
   Set the program name used as the prefix of every message.                 */
void tool_set_program (const char *name);

/* ------------------------------------------------------------------------
   Print "PROGRAM: error: MESSAGE\n" to stderr.                              */
void tool_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* ------------------------------------------------------------------------
   Print text[0..len), written by another member, for a person at a
   terminal: what could move the cursor, overwrite a line or reorder what
   is shown is printed as a visible mark instead (<CR>, <DEL>, <U+202E> for
   C1 controls, bidirectional marks, overrides and isolates, and line and
   paragraph separators; <0xFF> for a byte that is not UTF-8). Tabs stay;
   newlines stay if multiline, else show as <LF>.                           */
void tool_print_text (FILE *out, const char *text, size_t len,
                      bool multiline);

/* ------------------------------------------------------------------------
   Before any prompt or work: may a command write the new file path? It
   must not exist (files are never replaced), and its directory must exist
   and be writable. Prints what is wrong and what to do; returns 0, or
   TOOL_EXIT_USAGE.                                                          */
int tool_check_out (const char *path);

/* ------------------------------------------------------------------------
   The member name a secret key file's first line carries ("ceptoar-secret-
   key v1 PK NAME"), into out. Returns false if it carries no valid name,
   or if the file cannot be read (then an error was printed).              */
bool tool_key_file_name (const char *path, char out[KEYS_NAME_MAX + 1]);

/* ------------------------------------------------------------------------
   Read a whole file (path "-" is standard input), at most max bytes. The
   result is NUL-terminated (not counted in *len); caller frees. Returns
   NULL and prints an error naming the file if it cannot be read or is too
   large.                                                                    */
char *tool_read_file (const char *path, size_t max, size_t *len);

/* ------------------------------------------------------------------------
   Wipe len bytes of buf and free it (for anything that may hold RED text
   or secrets). NULL is ignored.                                             */
void tool_free_wiped (char *buf, size_t len);

/* ------------------------------------------------------------------------
   Get a passphrase: from the first line of pass_file if given; NULL (no
   passphrase) if none is true; otherwise by asking on the terminal (twice
   when confirm). Without a terminal and without either option it fails and
   says which option to give. On success returns 0 and *out is a
   sodium_malloc'd string or NULL; release with tool_passphrase_free.
   Returns -1 after printing an error.                                       */
int tool_passphrase (const char *pass_file, bool none, bool confirm,
                     char **out);
void tool_passphrase_free (char **pass);

/* ------------------------------------------------------------------------
   Open a secret key file, asking for the passphrase only if the file is
   encrypted (from pass_file, or the terminal). Prints a clear error and
   returns NULL on failure; *exit_code gets the code to exit with.           */
keys_secret_t *tool_open_key (const char *path, const char *pass_file,
                              int *exit_code);

/* ------------------------------------------------------------------------
   Ask "QUESTION [y/N] " on the terminal. Returns true only for y/yes.
   Without a terminal on standard input returns false and says so.          */
bool tool_confirm (const char *question);

/* ------------------------------------------------------------------------
   Parse a time: "2026-11-23", "2026-11-23T10:00:00Z", "2026-11-23 10:00",
   a Unix time in seconds "@1763856000", or an age "30m", "2h", "7d" (that
   long before now). Returns 0 and sets *ms, or -1.                          */
int tool_parse_time (const char *text, uint64_t *ms);

/* ------------------------------------------------------------------------
   Parse a duration: a number and a unit, "30s", "10m", "2h", "7d" (at most
   100 years). Returns 0 and sets *ms, or -1.                                */
int tool_parse_duration (const char *text, uint64_t *ms);

/* ------------------------------------------------------------------------
   Format ms since the epoch as "2026-11-23T03:45:12.345Z" (UTC) into out.   */
#define TOOL_TIME_LEN 32
void tool_format_time (uint64_t ms, char out[TOOL_TIME_LEN]);

/* ------------------------------------------------------------------------
   Parse a decimal unsigned integer in [min, max]. Returns 0 or -1.          */
int tool_parse_uint (const char *text, unsigned long min, unsigned long max,
                     unsigned long *out);

#endif
