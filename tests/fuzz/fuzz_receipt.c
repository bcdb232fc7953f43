/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_receipt: libFuzzer harness for the bodies of receipts,
   acknowledgements and drills (proto_receipt; docs/protocol.md 15), which
   a node decodes from any member's payload. */

/* The first input octet picks the decoder (mod 3: receipt, ack, drill);
   the rest is the body. Checked:
   - a decoded body encodes back to exactly the input bytes (one encoding);
   - a refusal is one of the reasons the decoder documents;
   - a receipt never holds more than PROTO_RECEIPT_ITEMS_MAX items.        */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "fuzz_common.h"

static proto_receipt_item_t s_items[PROTO_RECEIPT_ITEMS_MAX];

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (proto_init () != 0)
        abort ();
    return 0;
}

static void
s_same (const char *body, size_t len, const char *again, size_t again_len)
{
    FUZZ_CHECK ("round-trip", again_len == len && !memcmp (again, body, len));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *body = (const char *) data + 1;
    size_t len = size - 1;
    size_t cap = len + 64;
    char *again = malloc (cap);
    if (!again)
        abort ();
    proto_reject_t r;
    switch (data[0] % 3) {
    case 0: {
        size_t n = 0;
        r = proto_receipt_body_decode (body, len, s_items, &n);
        if (r == PROTO_OK) {
            FUZZ_CHECK ("item-count", n >= 1 && n <= PROTO_RECEIPT_ITEMS_MAX);
            s_same (body, len, again,
                    proto_receipt_body_encode (s_items, n, again, cap));
        }
        else
            FUZZ_CHECK ("reason", r == PROTO_REJECT_FIELD
                                  || r == PROTO_REJECT_OVERSIZE
                                  || r == PROTO_REJECT_NONCANONICAL);
        break;
    }
    case 1: {
        proto_ack_t ack;
        r = proto_ack_body_decode (&ack, body, len);
        if (r == PROTO_OK)
            s_same (body, len, again, proto_ack_body_encode (&ack, again,
                                                             cap));
        else
            FUZZ_CHECK ("reason", r == PROTO_REJECT_FIELD);
        break;
    }
    default: {
        uint64_t deadline;
        const char *text;
        size_t text_len;
        r = proto_drill_body_decode (body, len, &deadline, &text, &text_len);
        if (r == PROTO_OK) {
            //  The free text is not checked by the decoder (the payload
            //  checked it as UTF-8); the encoder does check it.
            size_t w = proto_drill_body_encode (deadline, text, text_len,
                                                again, cap);
            if (w || proto_utf8_valid ((const uint8_t *) text, text_len,
                                       true))
                s_same (body, len, again, w);
        }
        else
            FUZZ_CHECK ("reason", r == PROTO_REJECT_FIELD);
        break;
    }
    }
    free (again);
    return 0;
}
