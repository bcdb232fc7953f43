/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_common: what every libFuzzer harness shares: named property checks
   that a long run may be told to ignore, and the entry points. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* ------------------------------------------------------------------------
   True if CEPTOAR_FUZZ_IGNORE lists name. Only read when a check fails.    */
static inline bool
s_ignored (const char *name)
{
    const char *list = getenv ("CEPTOAR_FUZZ_IGNORE");
    size_t len = strlen (name);
    while (list && *list) {
        const char *comma = strchr (list, ',');
        size_t n = comma ? (size_t) (comma - list) : strlen (list);
        if (n == len && !memcmp (list, name, len))
            return true;
        list = comma ? comma + 1 : NULL;
    }
    return false;
}

/* Each property has a name. A long run can go on past a violation that
   is reported but not fixed yet: CEPTOAR_FUZZ_IGNORE=name[,name...]
   (docs/testing.md). "harness" names the harness's own needs.
   The static analyzer (tests/static/run.sh) checks the harnesses as if
   nothing were ignored: going on past a violation may well trip over what
   the check was about, and that is the price of going on.                 */
#ifdef __clang_analyzer__
#define FUZZ_IGNORED(name) false
#else
#define FUZZ_IGNORED(name) s_ignored (name)
#endif
#define FUZZ_CHECK(name, cond)                                                 \
    do {                                                                       \
        if (!(cond) && !FUZZ_IGNORED (name)) {                                 \
            fprintf (stderr, "%s:%d: property %s violated: %s\n", __FILE__,    \
                     __LINE__, name, #cond);                                   \
            abort ();                                                          \
        }                                                                      \
    } while (0)

/* ------------------------------------------------------------------------
   A reason fit for one log line: not empty, printable ASCII only.          */
static inline bool
s_reason_ok (const char *reason)
{
    if (!reason[0])
        return false;
    for (const char *c = reason; *c; c++)
        if (*c < 0x20 || *c > 0x7e)
            return false;
    return true;
}

#endif
