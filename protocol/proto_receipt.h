/* SPDX-License-Identifier: MPL-2.0 */
/* proto_receipt: the bodies of delivery receipts, acknowledgements and
   drills (protocol.md 13.9.7): small line-based texts inside an ordinary
   plaintext payload, so that they are signed, chained, replicated and
   disclosed exactly like every other entry.                                 */
#ifndef PROTO_RECEIPT_H
#define PROTO_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto_crypto.h"
#include "proto_payload.h"
#include "proto_reject.h"

/* Entries one receipt may confirm. 1000 lines of 82 octets keep a receipt
   under 100 KiB, and a receiver's whole catch-up of 100 000 entries that
   ask for receipts under 100 receipts.                                      */
#define PROTO_RECEIPT_ITEMS_MAX 1000

/* Longest "by:" and "note:" of an acknowledgement, in octets.              */
#define PROTO_ACK_BY_MAX 128
#define PROTO_ACK_NOTE_MAX 1024

/* One confirmed entry: its id, and when the receipt's author stored its
   payload (ms since 1970, the receiver's clock).                           */
typedef struct {
    uint8_t id[PROTO_HASH_BYTES];
    uint64_t stored_ms;
} proto_receipt_item_t;

/* ------------------------------------------------------------------------
   Write the receipt body for items[0..n) (1..PROTO_RECEIPT_ITEMS_MAX, ids
   distinct) into buf. Returns its length, or 0 if n is out of range, an id
   repeats, or cap is too small (proto_receipt_body_size (n) suffices).      */
size_t proto_receipt_body_size (size_t n);
size_t proto_receipt_body_encode (const proto_receipt_item_t *items, size_t n,
                                  char *buf, size_t cap);

/* ------------------------------------------------------------------------
   Strictly decode a receipt body into items (room for
   PROTO_RECEIPT_ITEMS_MAX). Returns PROTO_OK with *n, or the reason:
   field (a line not as specified), oversize (too many items),
   noncanonical (an id twice).                                               */
proto_reject_t proto_receipt_body_decode (const char *body, size_t len,
                                          proto_receipt_item_t *items,
                                          size_t *n);

/* An acknowledgement: who read it (optional), and a note (optional).       */
typedef struct {
    const char *by;
    size_t by_len;
    const char *note;
    size_t note_len;
} proto_ack_t;

/* ------------------------------------------------------------------------
   Write an acknowledgement body. Returns its length, or 0 if a field is not
   one line of UTF-8 within its limit, or cap is too small.                  */
size_t proto_ack_body_size (const proto_ack_t *ack);
size_t proto_ack_body_encode (const proto_ack_t *ack, char *buf, size_t cap);

/* ------------------------------------------------------------------------
   Strictly decode; the fields of ack borrow from body.                      */
proto_reject_t proto_ack_body_decode (proto_ack_t *ack, const char *body,
                                      size_t len);

/* ------------------------------------------------------------------------
   A drill's body: the deadline line, then (after a blank line) free text.
   encode returns the length or 0 (cap too small, text not UTF-8);
   decode gives the deadline and the free text (borrowed).                   */
size_t proto_drill_body_encode (uint64_t deadline_ms, const char *text,
                                size_t text_len, char *buf, size_t cap);
proto_reject_t proto_drill_body_decode (const char *body, size_t len,
                                        uint64_t *deadline_ms,
                                        const char **text, size_t *text_len);

/* ------------------------------------------------------------------------
   The rules a receipt or acknowledgement payload follows on its own
   (without the store): a receipt has severity 0, no references, and a body
   that decodes; an acknowledgement has severity 0, exactly one reference
   with relation acknowledges, and a body that decodes. Other kinds pass.
   Returns PROTO_OK or PROTO_REJECT_RECEIPT.                                 */
proto_reject_t proto_receipt_payload_check (const proto_payload_t *payload);

void
    proto_receipt_test (bool verbose);

#endif
