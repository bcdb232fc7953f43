/* SPDX-License-Identifier: MPL-2.0 */
/* node_repl_receipt: sending the receipts this node owes (protocol.md
   13.9.7; see node_repl_int.h).

   The store queues an entry when it keeps the payload of another
   member's entry that asks for a receipt (node_store_receipts_due). A
   short while after something arrives (REPL_RECEIPT_DELAY_MS), this posts
   receipts that confirm everything queued, each listing up to
   PROTO_RECEIPT_ITEMS_MAX entries with the times they were stored,
   addressed (named-nodes audience, TLP:AMBER) to the authors of those
   entries, at most PROTO_AUDIENCE_MAX_NODES of them per receipt. So a
   catch-up of many entries costs a handful of receipts, not one each.
   A receipt is an ordinary entry of this node's chain: signed, stored
   durably, then pushed (node_repl_posted), and disclosed like any other
   entry, so only its addressees read it.                                    */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_repl_int.h"

//  Take from due[0..n) the longest prefix whose authors fit one audience,
//  skipping (and so dropping) entries whose author can no longer be
//  addressed (neither a member nor a retired key). Fills items and
//  audience; returns the prefix length consumed; *count gets the items.
static size_t
s_take (node_repl_t *self, const node_receipt_due_t *due, size_t n,
        proto_receipt_item_t *items, size_t *count,
        proto_audience_t *audience)
{
    proto_audience_set_nodes (audience);
    *count = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        if (!keys_roster_member_by_key (self->roster, due[i].author)
            && !keys_roster_retired_by_key (self->roster, due[i].author))
            continue;
        if (!proto_audience_names_node (audience, due[i].author)) {
            if (audience->node_count == PROTO_AUDIENCE_MAX_NODES)
                break;
            int rc = proto_audience_add_node (audience, due[i].author);
            assert (rc == 0);
            (void) rc;
        }
        memcpy (items[*count].id, due[i].id, PROTO_HASH_BYTES);
        items[*count].stored_ms = due[i].stored_ms;
        (*count)++;
    }
    return i;
}

//  Post one receipt for items to audience. Returns 0 with id, or -1.
static int
s_post (node_repl_t *self, const proto_receipt_item_t *items, size_t count,
        const proto_audience_t *audience, uint8_t id[PROTO_HASH_BYTES])
{
    size_t body_cap = proto_receipt_body_size (count);
    char *body = malloc (body_cap);
    assert (body);
    proto_payload_t payload;
    proto_payload_init (&payload, PROTO_KIND_RECEIPT, 0);
    char title[64];
    snprintf (title, sizeof title, "Delivery receipt: %zu %s", count,
              count == 1 ? "entry" : "entries");
    payload.title = title;
    payload.title_len = strlen (title);
    payload.body = body;
    payload.body_len = proto_receipt_body_encode (items, count, body,
                                                  body_cap);
    assert (payload.body_len > 0);
    size_t encoded_cap = proto_payload_encoded_size (&payload);
    uint8_t *encoded = malloc (encoded_cap);
    assert (encoded);
    size_t encoded_len = proto_payload_encode (&payload, encoded,
                                               encoded_cap);
    assert (encoded_len == encoded_cap);
    node_post_t post;
    memset (&post, 0, sizeof post);
    post.level = PROTO_LEVEL_AMBER;
    post.audience = *audience;
    post.payload = encoded;
    post.payload_len = encoded_len;
    uint8_t ids[1][PROTO_HASH_BYTES];
    proto_reject_t r = node_store_post (self->store, self->key, &post, 1,
                                        ids);
    free (encoded);
    free (body);
    if (r != PROTO_OK) {
        REPL_LOG (self, REPL_ERROR, "receipts: cannot post a receipt (%s%s%s)",
                  proto_reject_name (r), r == PROTO_REJECT_STORAGE ? ": " : "",
                  r == PROTO_REJECT_STORAGE
                      ? node_store_last_error (self->store) : "");
        return -1;
    }
    memcpy (id, ids[0], PROTO_HASH_BYTES);
    return 0;
}

void
repl_send_receipts (node_repl_t *self)
{
    int64_t now = repl_now ();
    if (!self->receipts_due_ms || now < self->receipts_due_ms)
        return;
    self->receipts_due_ms = 0;
    if (self->removed)
        return;
    node_receipt_due_t *due = malloc (PROTO_RECEIPT_ITEMS_MAX * sizeof *due);
    proto_receipt_item_t *items = malloc (PROTO_RECEIPT_ITEMS_MAX
                                          * sizeof *items);
    assert (due && items);
    for (int round = 0; round < REPL_RECEIPTS_PER_TICK; round++) {
        size_t n;
        if (node_store_receipts_due (self->store, due,
                                     PROTO_RECEIPT_ITEMS_MAX, &n) != 0) {
            REPL_LOG (self, REPL_ERROR, "receipts: %s",
                      node_store_last_error (self->store));
            break;
        }
        if (n == 0)
            break;
        size_t count;
        proto_audience_t audience;
        size_t taken = s_take (self, due, n, items, &count, &audience);
        uint8_t id[PROTO_HASH_BYTES];
        if (count && s_post (self, items, count, &audience, id) != 0) {
            //  Kept queued: tried again at the next delay.
            self->receipts_due_ms = now + REPL_RECEIPT_RETRY_MS;
            break;
        }
        //  Posted (or only unaddressable entries): off the queue. A crash
        //  before this line sends the same receipt again, which is
        //  harmless: a reader takes the earliest time given per entry.
        if (node_store_receipts_done (self->store, due, taken) != 0) {
            REPL_LOG (self, REPL_ERROR, "receipts: %s",
                      node_store_last_error (self->store));
            break;
        }
        if (count) {
            self->receipts_posted++;
            self->receipts_confirmed += count;
            node_repl_posted (self, (const uint8_t (*)[PROTO_HASH_BYTES]) &id,
                              1);
        }
        if (round == REPL_RECEIPTS_PER_TICK - 1)
            self->receipts_due_ms = now;   /* more next tick                */
    }
    free (items);
    free (due);
}

void
repl_receipts_soon (node_repl_t *self)
{
    int64_t due = repl_now () + REPL_RECEIPT_DELAY_MS;
    if (!self->receipts_due_ms || due < self->receipts_due_ms)
        self->receipts_due_ms = due;
}
