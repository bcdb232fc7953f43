/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_notice: libFuzzer harness for revocation certificates and card
   updates (keys_notice), as a node receives them in NOTICE frames and an
   operator hands them in. */

/* The input is one notice text (docs/formats.md section 10); the seeds
   are real, signed notices, so mutations exercise every field before the
   signature check. Checked:
   - a refusal always comes with a reason of printable ASCII, one line;
   - a parsed notice formats back to exactly the input bytes, and parses
     again to the same values;
   - a set takes it once.                                                    */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "fuzz_common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (proto_init () != 0)
        abort ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    keys_notice_t notice;
    char reason[512] = "";
    size_t used = 0;
    if (keys_notice_parse_prefix (&notice, text, size, &used, reason,
                                  sizeof reason)
        != 0) {
        FUZZ_CHECK ("notice-reason", s_reason_ok (reason));
        return 0;
    }
    FUZZ_CHECK ("notice-used", used > 0 && used <= size);
    size_t len = 0;
    char *formatted = keys_notice_format (&notice, &len);
    FUZZ_CHECK ("notice-round-trip", formatted && len == used);
    FUZZ_CHECK ("notice-round-trip", !memcmp (formatted, text, used));
    keys_notice_t again;
    FUZZ_CHECK ("notice-round-trip",
                keys_notice_parse (&again, formatted, len, reason,
                                   sizeof reason)
                    == 0);
    /* Whole values compared on purpose: decoding memsets them first. */
    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
    FUZZ_CHECK ("notice-round-trip", !memcmp (&again, &notice,
                                              sizeof notice));
    keys_notice_set_t *set = keys_notice_set_new ();
    FUZZ_CHECK ("notice-set", keys_notice_set_add (set, &notice) == 1);
    FUZZ_CHECK ("notice-set", keys_notice_set_add (set, &notice) == 0);
    keys_notice_set_destroy (&set);
    free (formatted);
    return 0;
}
