/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_payload: libFuzzer harness for the plaintext payload decoder. */

/* The input is a stored plaintext payload (docs/protocol.md §6), as a peer
   or a store could hand it to proto_payload_decode. Besides "no crash, no
   sanitizer report", it checks the properties the format promises:

   - a refusal is one of the decoding reasons (1..8);
   - a decoded payload starts with the plaintext magic, its text fields
     borrow from the input, and it re-encodes to exactly the input bytes
     (one encoding per value), refusing a buffer one byte short;
   - decoding the re-encoding gives the same value;
   - no proper prefix of a valid payload is valid (the format is
     self-delimiting: a truncated payload is never mistaken for another).

   A broken property aborts, so libFuzzer reports it as a crash.            */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "fuzz_common.h"

/* ------------------------------------------------------------------------
   True if text[0..len) lies inside data[0..size) (or is empty).            */
static bool
s_borrows (const char *text, size_t len, const uint8_t *data, size_t size)
{
    if (len == 0)
        return true;
    const uint8_t *p = (const uint8_t *) text;
    return p >= data && len <= size && p - data <= (ptrdiff_t) (size - len);
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
    proto_payload_t payload;
    proto_reject_t rc = proto_payload_decode (&payload, data, size);
    if (rc != PROTO_OK) {
        FUZZ_CHECK ("payload-reason",
                    rc >= PROTO_REJECT_TRUNCATED && rc <= PROTO_REJECT_UTF8);
        return 0;
    }
    FUZZ_CHECK ("payload-decode", proto_payload_is_plaintext (data, size));
    FUZZ_CHECK ("payload-decode",
                s_borrows (payload.title, payload.title_len, data, size));
    FUZZ_CHECK ("payload-decode",
                s_borrows (payload.body, payload.body_len, data, size));
    FUZZ_CHECK ("payload-decode",
                s_borrows (payload.reporter_name, payload.reporter_name_len,
                           data, size));
    for (size_t i = 0; i < payload.attachment_count; i++)
        FUZZ_CHECK ("payload-decode",
                    s_borrows (payload.attachments[i].name,
                               payload.attachments[i].name_len, data, size));

    /* One encoding per value: the re-encoding is the input, byte for
       byte, and the encoder refuses a buffer that is one byte short.       */
    FUZZ_CHECK ("payload-round-trip",
                proto_payload_encoded_size (&payload) == size);
    uint8_t *again = malloc (size);
    FUZZ_CHECK ("harness", again);
    FUZZ_CHECK ("payload-round-trip",
                proto_payload_encode (&payload, again, size) == size);
    FUZZ_CHECK ("payload-round-trip", memcmp (again, data, size) == 0);
    FUZZ_CHECK ("payload-round-trip",
                proto_payload_encode (&payload, again, size - 1) == 0);

    proto_payload_t decoded;
    FUZZ_CHECK ("payload-round-trip",
                proto_payload_decode (&decoded, again, size) == PROTO_OK);
    FUZZ_CHECK ("payload-round-trip", proto_payload_eq (&payload, &decoded));
    free (again);

    /* Self-delimiting: a valid payload minus its last byte is refused.     */
    FUZZ_CHECK ("payload-prefix",
                proto_payload_decode (&decoded, data, size - 1) != PROTO_OK);
    return 0;
}
