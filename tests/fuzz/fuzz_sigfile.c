/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_sigfile: libFuzzer harness for detached roster signature files. */

/* The input is a roster signature file (docs/formats.md §5), as a signer
   hands it to whoever combines the signatures. The format has no
   allowances (six lines in order, each ending in LF, nothing after), so:

   - a refusal always comes with a reason of printable ASCII, one line;
   - a parsed file formats back to exactly the input bytes;
   - the formatted text parses to the same values.                           */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "fuzz_common.h"



static bool
s_sigfile_eq (const keys_sigfile_t *a, const keys_sigfile_t *b)
{
    return a->roster_version == b->roster_version
           && !memcmp (a->roster_hash, b->roster_hash, PROTO_HASH_BYTES)
           && !strcmp (a->signer, b->signer)
           && !memcmp (a->sign_pk, b->sign_pk, PROTO_PK_BYTES)
           && !memcmp (a->sig, b->sig, PROTO_SIG_BYTES);
}

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
    keys_sigfile_t sigfile;
    char reason[256] = "";
    if (keys_sigfile_parse (&sigfile, text, size, reason, sizeof reason) != 0) {
        FUZZ_CHECK ("sigfile-reason", s_reason_ok (reason));
        return 0;
    }
    char *formatted = keys_sigfile_format (&sigfile);
    FUZZ_CHECK ("sigfile-round-trip", formatted);
    size_t formatted_len = strlen (formatted);
    FUZZ_CHECK ("sigfile-round-trip", formatted_len == size);
    FUZZ_CHECK ("sigfile-round-trip", !memcmp (formatted, text, size));

    keys_sigfile_t again;
    FUZZ_CHECK ("sigfile-round-trip",
                keys_sigfile_parse (&again, formatted, formatted_len, reason,
                                    sizeof reason)
                    == 0);
    FUZZ_CHECK ("sigfile-round-trip", s_sigfile_eq (&sigfile, &again));
    free (formatted);
    return 0;
}
