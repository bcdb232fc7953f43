/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_wire: libFuzzer harness for the replication frame decoder. */

/* The input is one ZeroMQ message as a peer could send it: a frame of
   docs/protocol.md section 13. Seeds are the wire vectors' frames and the
   reject vectors' bytes (make_corpus.py). Besides "no crash, no sanitizer
   report", it checks the properties the format promises:

   - a refusal is one of the decoding reasons (1..8), and the type the
     decoder reports with it is 0 or a known type;
   - a decoded frame has a known type and a sequence >= 1, is at most
     PROTO_WIRE_FRAME_MAX octets, and everything it hands out (HELLO
     fields, roster and error text, every item) points inside the input;
   - the iterators hand out exactly the frame's count of items, and the
     items keep the rules the decoder promises (HEADS and PAYLOADS strictly
     ascending, WANT ranges ascending and apart, seqs >= 1, stub and
     payload lengths in range, no payload pointer without a length);
   - one encoding per value: the decoded values re-encode to exactly the
     input, the encoders refuse a buffer one octet short, and an ENTRIES
     writer given the same items writes the same octets;
   - no proper prefix decodes: the input minus its last octet, and minus
     half of it, is TRUNCATED;
   - what a node does next with an ENTRIES item (proto_stub_decode, and
     proto_payload_matches against a decoded header) returns its own
     reasons and never crashes.

   A broken property aborts, so libFuzzer reports it as a crash.            */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "fuzz_common.h"

/* One writer for the whole run: its buffer is allocated once.              */
static proto_wire_writer_t *s_writer;


/* ------------------------------------------------------------------------
   True if p[0..len) lies inside data[0..size).                             */
static bool
s_inside (const void *p, size_t len, const uint8_t *data, size_t size)
{
    const uint8_t *q = p;
    return q && q >= data && len <= size && (size_t) (q - data) <= size - len;
}

/* ------------------------------------------------------------------------
   What a node does with an ENTRIES item before storing it.                 */
static void
s_item_next_steps (const proto_wire_item_t *item)
{
    proto_header_t header;
    uint8_t sig[PROTO_SIG_BYTES];
    proto_reject_t rc
        = proto_stub_decode (&header, sig, item->stub, item->stub_len);
    FUZZ_CHECK ("wire-items",
                rc >= PROTO_OK && rc <= PROTO_REJECT_UTF8);
    if (rc != PROTO_OK || !item->payload_len)
        return;
    rc = proto_payload_matches (&header, item->payload, item->payload_len);
    FUZZ_CHECK ("wire-items", rc == PROTO_OK
                                  || rc == PROTO_REJECT_PAYLOAD_LEN
                                  || rc == PROTO_REJECT_PAYLOAD_HASH
                                  || rc == PROTO_REJECT_SEALING);
}

/* ------------------------------------------------------------------------
   Walk the items, check them, and encode the frame again into out (cap
   octets). With checks, also run the items' next steps and the writer.
   Returns the size written, or 0.                                           */
static size_t
s_items_and_reencode (const proto_wire_frame_t *f, const uint8_t *data,
                      size_t size, uint8_t *out, size_t cap, bool checks)
{
    proto_wire_iter_t it;
    proto_wire_iter_init (&it, f);
    size_t n = 0, written = 0;
    switch (f->type) {
        case PROTO_WIRE_HELLO:
            FUZZ_CHECK ("wire-decode",
                        s_inside (f->hello.sign_pk, PROTO_PK_BYTES, data, size)
                            && s_inside (f->hello.roster_hash,
                                         PROTO_HASH_BYTES, data, size)
                            && f->hello.roster_version >= 1
                            && f->hello.max_batch >= 1
                            && f->hello.max_batch <= PROTO_WIRE_BATCH_MAX);
            return proto_wire_encode_hello (&f->hello, f->sequence, out, cap);
        case PROTO_WIRE_HEADS: {
            proto_wire_head_t *heads = calloc (f->count + 1, sizeof *heads);
            FUZZ_CHECK ("harness", heads);
            while (proto_wire_heads_next (&it, &heads[n])) {
                FUZZ_CHECK ("wire-items", n < f->count);
                FUZZ_CHECK ("wire-items",
                            s_inside (heads[n].author, PROTO_PK_BYTES, data,
                                      size)
                                && s_inside (heads[n].id, PROTO_HASH_BYTES,
                                             data, size)
                                && heads[n].seq >= 1);
                FUZZ_CHECK ("wire-items",
                            n == 0
                                || memcmp (heads[n - 1].author,
                                           heads[n].author, PROTO_PK_BYTES)
                                       < 0);
                n++;
            }
            FUZZ_CHECK ("wire-items", n == f->count);
            written = proto_wire_encode_heads (heads, n, f->sequence, out,
                                               cap);
            free (heads);
            return written;
        }
        case PROTO_WIRE_WANT: {
            proto_wire_range_t *ranges = calloc (f->count + 1, sizeof *ranges);
            FUZZ_CHECK ("harness", ranges);
            while (proto_wire_want_next (&it, &ranges[n])) {
                const proto_wire_range_t *g = &ranges[n];
                FUZZ_CHECK ("wire-items", n < f->count);
                FUZZ_CHECK ("wire-items",
                            s_inside (g->author, PROTO_PK_BYTES, data, size)
                                && g->from_seq >= 1
                                && g->to_seq >= g->from_seq);
                if (n > 0) {
                    int order = memcmp (ranges[n - 1].author, g->author,
                                        PROTO_PK_BYTES);
                    FUZZ_CHECK ("wire-items",
                                order < 0
                                    || (order == 0
                                        && g->from_seq - 1
                                               > ranges[n - 1].to_seq));
                }
                n++;
            }
            FUZZ_CHECK ("wire-items", n == f->count && n >= 1);
            written = proto_wire_encode_want (ranges, n, f->sequence, out,
                                              cap);
            free (ranges);
            return written;
        }
        case PROTO_WIRE_ENTRIES: {
            proto_wire_item_t *items = calloc (f->count + 1, sizeof *items);
            FUZZ_CHECK ("harness", items);
            while (proto_wire_entries_next (&it, &items[n])) {
                const proto_wire_item_t *item = &items[n];
                FUZZ_CHECK ("wire-items", n < f->count);
                FUZZ_CHECK ("wire-items",
                            item->stub_len >= PROTO_WIRE_STUB_MIN
                                && item->stub_len <= PROTO_STUB_MAX
                                && s_inside (item->stub, item->stub_len, data,
                                             size));
                FUZZ_CHECK ("wire-items",
                            item->payload_len <= PROTO_STORED_PAYLOAD_MAX
                                && (item->payload_len
                                        ? s_inside (item->payload,
                                                    item->payload_len, data,
                                                    size)
                                        : item->payload == NULL));
                if (checks)
                    s_item_next_steps (item);
                n++;
            }
            FUZZ_CHECK ("wire-items", n == f->count && n >= 1);
            written = proto_wire_encode_entries (f->flags, items, n,
                                                 f->sequence, out, cap);
            if (!checks) {
                free (items);
                return written;
            }
            /* The writer, given the same items, writes the same octets. */
            FUZZ_CHECK ("wire-writer",
                        proto_wire_writer_begin (s_writer, f->flags, n) == 0);
            for (size_t i = 0; i < n; i++) {
                FUZZ_CHECK ("wire-writer",
                            proto_wire_writer_fits (s_writer,
                                                    items[i].stub_len,
                                                    items[i].payload_len));
                FUZZ_CHECK ("wire-writer",
                            proto_wire_writer_add (s_writer, &items[i]) == 0);
            }
            FUZZ_CHECK ("wire-writer",
                        proto_wire_writer_add (s_writer, &items[0]) == 1);
            size_t writer_size;
            const uint8_t *frame
                = proto_wire_writer_finish (s_writer, f->sequence,
                                            &writer_size);
            FUZZ_CHECK ("wire-writer", frame && writer_size == size
                                           && !memcmp (frame, data, size));
            free (items);
            return written;
        }
        case PROTO_WIRE_PAYLOADS: {
            uint8_t (*ids)[PROTO_HASH_BYTES]
                = calloc (f->count + 1, PROTO_HASH_BYTES);
            const uint8_t *id;
            FUZZ_CHECK ("harness", ids);
            while (proto_wire_payloads_next (&it, &id)) {
                FUZZ_CHECK ("wire-items", n < f->count);
                FUZZ_CHECK ("wire-items",
                            s_inside (id, PROTO_HASH_BYTES, data, size));
                FUZZ_CHECK ("wire-items",
                            n == 0
                                || memcmp (ids[n - 1], id, PROTO_HASH_BYTES)
                                       < 0);
                memcpy (ids[n++], id, PROTO_HASH_BYTES);
            }
            FUZZ_CHECK ("wire-items", n == f->count && n >= 1);
            written = proto_wire_encode_payloads (
                (const uint8_t (*)[PROTO_HASH_BYTES]) ids, n, f->sequence,
                out, cap);
            free (ids);
            return written;
        }
        case PROTO_WIRE_ROSTER:
            FUZZ_CHECK ("wire-decode",
                        f->roster_len >= 1
                            && f->roster_len <= PROTO_WIRE_ROSTER_MAX
                            && s_inside (f->roster, f->roster_len, data,
                                         size));
            return proto_wire_encode_roster (f->roster, f->roster_len,
                                             f->sequence, out, cap);
        case PROTO_WIRE_NOTICE:
            FUZZ_CHECK ("wire-decode",
                        f->notice_len >= 1
                            && f->notice_len <= PROTO_WIRE_NOTICE_MAX
                            && s_inside (f->notice, f->notice_len, data,
                                         size));
            return proto_wire_encode_notice (f->notice, f->notice_len,
                                             f->sequence, out, cap);
        case PROTO_WIRE_ERROR:
            FUZZ_CHECK ("wire-decode",
                        f->error_code >= 1
                            && f->error_text_len <= PROTO_WIRE_TEXT_MAX
                            && (f->error_text_len == 0
                                || s_inside (f->error_text,
                                             f->error_text_len, data, size))
                            && proto_utf8_valid (
                                (const uint8_t *) f->error_text,
                                f->error_text_len, false));
            FUZZ_CHECK ("wire-decode",
                        proto_wire_error_name (f->error_code) != NULL);
            return proto_wire_encode_error (f->error_code, f->error_text,
                                            f->error_text_len, f->sequence,
                                            out, cap);
    }
    FUZZ_CHECK ("wire-decode", !"unknown type decoded");
    return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (proto_init () != 0)
        abort ();
    s_writer = proto_wire_writer_new (PROTO_WIRE_FRAME_MAX);
    if (!s_writer)
        abort ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    proto_wire_frame_t frame;
    proto_reject_t rc = proto_wire_decode (&frame, data, size);
    if (rc != PROTO_OK) {
        FUZZ_CHECK ("wire-reason",
                    rc >= PROTO_REJECT_TRUNCATED && rc <= PROTO_REJECT_UTF8);
        FUZZ_CHECK ("wire-reason",
                    frame.type == 0
                        || (frame.type >= PROTO_WIRE_HELLO
                            && frame.type <= PROTO_WIRE_TYPE_MAX
                            && frame.sequence >= 1));
        return 0;
    }
    FUZZ_CHECK ("wire-decode", frame.type >= PROTO_WIRE_HELLO
                                   && frame.type <= PROTO_WIRE_TYPE_MAX);
    FUZZ_CHECK ("wire-decode", frame.sequence >= 1);
    FUZZ_CHECK ("wire-decode", size >= PROTO_WIRE_HEADER_BYTES
                                   && size <= PROTO_WIRE_FRAME_MAX);
    FUZZ_CHECK ("wire-decode", data[3] == frame.type);
    FUZZ_CHECK ("wire-decode",
                strcmp (proto_wire_type_name (frame.type), "unknown"));

    /* One encoding per value. */
    uint8_t *again = malloc (size);
    FUZZ_CHECK ("harness", again);
    FUZZ_CHECK ("wire-round-trip",
                s_items_and_reencode (&frame, data, size, again, size, true)
                    == size);
    FUZZ_CHECK ("wire-round-trip", memcmp (again, data, size) == 0);
    FUZZ_CHECK ("wire-round-trip",
                s_items_and_reencode (&frame, data, size, again, size - 1,
                                      false)
                    == 0);
    if (frame.type != PROTO_WIRE_ENTRIES) {
        size_t n = frame.count;
        if (frame.type == PROTO_WIRE_ROSTER)
            n = frame.roster_len;
        else if (frame.type == PROTO_WIRE_NOTICE)
            n = frame.notice_len;
        else if (frame.type == PROTO_WIRE_ERROR)
            n = frame.error_text_len;
        FUZZ_CHECK ("wire-round-trip",
                    proto_wire_encoded_size (frame.type, n) == size);
    }
    free (again);

    /* Self-delimiting: no proper prefix decodes. Copies of exactly the
       prefix's length, so ASan sees any read past its end. */
    size_t cuts[2] = { size - 1, size / 2 };
    for (int i = 0; i < 2; i++) {
        uint8_t *part = malloc (cuts[i] ? cuts[i] : 1);
        FUZZ_CHECK ("harness", part);
        memcpy (part, data, cuts[i]);
        proto_wire_frame_t cut;
        FUZZ_CHECK ("wire-prefix",
                    proto_wire_decode (&cut, part, cuts[i])
                        == PROTO_REJECT_TRUNCATED);
        free (part);
    }
    return 0;
}
