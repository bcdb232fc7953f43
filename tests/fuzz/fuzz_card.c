/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_card: libFuzzer harness for identity card parsing. */

/* The input is the text of an identity card (docs/formats.md §3), as a
   custodian hands it in. Properties checked:

   - a refusal always comes with a reason, and the reason is one line of
     printable ASCII (it quotes the offending value; a card must not be
     able to put control characters into a terminal or a log);
   - a parsed card formats back to the input text, modulo the two
     documented allowances: blank and '#' lines before the first field, and
     a missing final LF;
   - the formatted text parses to the same card.                             */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "fuzz_common.h"



static bool
s_card_eq (const keys_card_t *a, const keys_card_t *b)
{
    if (strcmp (a->name, b->name) || a->sector != b->sector
        || memcmp (a->sign_pk, b->sign_pk, PROTO_PK_BYTES)
        || memcmp (a->box_pk, b->box_pk, PROTO_BOXPK_BYTES)
        || a->endpoint_count != b->endpoint_count)
        return false;
    for (size_t i = 0; i < a->endpoint_count; i++)
        if (strcmp (a->endpoints[i], b->endpoints[i]))
            return false;
    return true;
}

/* ------------------------------------------------------------------------
   Offset of the first field line: skips blank and '#' lines.               */
static size_t
s_first_field (const char *text, size_t len)
{
    size_t pos = 0;
    while (pos < len && (text[pos] == '\n' || text[pos] == '#')) {
        const char *nl = memchr (text + pos, '\n', len - pos);
        if (!nl)
            return len;
        pos = (size_t) (nl - text) + 1;
    }
    return pos;
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
    keys_card_t card;
    char reason[256] = "";
    if (keys_card_parse (&card, text, size, reason, sizeof reason) != 0) {
        FUZZ_CHECK ("card-reason", s_reason_ok (reason));
        return 0;
    }
    char *formatted = keys_card_format (&card);
    FUZZ_CHECK ("card-round-trip", formatted);
    size_t formatted_len = strlen (formatted);
    FUZZ_CHECK ("card-round-trip", formatted_len <= KEYS_CARD_TEXT_MAX);

    /* The same text, after any leading comments, with or without the last
       LF.                                                                   */
    size_t start = s_first_field (text, size);
    size_t rest = size - start;
    FUZZ_CHECK ("card-round-trip",
                rest == formatted_len
                    || (rest + 1 == formatted_len && text[size - 1] != '\n'));
    FUZZ_CHECK ("card-round-trip", !memcmp (text + start, formatted, rest));

    keys_card_t again;
    FUZZ_CHECK ("card-round-trip",
                keys_card_parse (&again, formatted, formatted_len, reason,
                                 sizeof reason)
                    == 0);
    FUZZ_CHECK ("card-round-trip", s_card_eq (&card, &again));
    free (formatted);
    return 0;
}
