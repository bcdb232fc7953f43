/* SPDX-License-Identifier: MPL-2.0 */
/* cli_drill_report: the figures of a drill, from signed entries only. */

/* Who was expected: every member of the drill's audience in the roster in
   force (council: every member; group: its members; named nodes: those),
   other than the drill's author, whose key may receive the payload
   (keys_disclosure_payload: a revoked key gets nothing, so it is not
   expected).

   Delivered: a receipt (kind receipt, protocol.md 13.9.7) held here whose
   body lists the drill's id, authored by an expected recipient. Its line
   gives the time that node stored the payload, on its own clock; with
   several receipts the earliest time counts. Receipts from anyone else
   (a node outside the audience, the author) are counted as ignored and
   change no figure. Every receipt for the drill was stored at the drill
   author's node after the drill itself, so only rows from the drill's row
   on are read (node_store_scan_rows), and only plaintext payloads of kind
   receipt are decoded.

   Acknowledged: an acknowledgement (kind ack) held here whose single
   reference acknowledges the drill (node_store_scan_refs finds them),
   authored by an expected recipient; its time is its author's timestamp,
   the earliest if several.

   At the deadline: a delivery whose stored time, or an acknowledgement
   whose timestamp, is at or before the deadline in the drill's body. Now:
   every one held. Latencies are from the drill entry's timestamp; the
   percentiles use the nearest rank (the value at rank ceil(p/100 * n)).

   Receipts and acknowledgements are addressed to the drill's author, so
   the figures are complete only there; elsewhere the report shows what
   this node holds (its own receipt and acknowledgement at least).           */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_drill_int.h"

const int64_t cli_drill_bucket_ms[CLI_DRILL_BUCKETS - 1] = {
    100, 1000, 10000, 60000, 600000, 3600000, 86400000,
};

/* State of the scans. */
typedef struct {
    cli_drill_report_t *report;
    proto_receipt_item_t *items;        /* PROTO_RECEIPT_ITEMS_MAX          */
    cli_opener_t *opener;
    bool found;                         /* the drill entry was visited      */
    proto_header_t header;              /* its header (a plain value)       */
    int state;                          /* its payload (cli_entry_payload)  */
    bool is_drill;
    bool body_ok;
} s_scan_t;

//  --------------------------------------------------------------------------
//  The drill entry itself: header figures, title, deadline.

static int
s_visit_drill (const node_entry_t *entry, void *arg)
{
    s_scan_t *scan = arg;
    cli_drill_report_t *self = scan->report;
    scan->found = true;
    scan->header = entry->header;
    memcpy (self->author, entry->header.author, PROTO_PK_BYTES);
    self->time_ms = entry->header.timestamp_ms;
    self->level = entry->header.level;
    self->row = entry->row;
    proto_payload_t payload;
    uint8_t *plain = NULL;
    scan->state = cli_entry_payload (entry, scan->opener, &payload, &plain);
    if (scan->state == 0 && payload.kind == PROTO_KIND_DRILL) {
        scan->is_drill = true;
        const char *text;
        size_t text_len;
        scan->body_ok = proto_drill_body_decode (payload.body,
                                                 payload.body_len,
                                                 &self->deadline_ms, &text,
                                                 &text_len)
                        == PROTO_OK;
        self->title = malloc (payload.title_len + 1);
        if (self->title) {
            memcpy (self->title, payload.title, payload.title_len);
            self->title[payload.title_len] = 0;
            self->title_len = payload.title_len;
        }
    }
    if (plain) {
        sodium_memzero (plain, entry->payload_len);
        free (plain);
    }
    return 0;
}

//  The expected recipient with this key, or NULL.
static cli_drill_node_t *
s_expected (cli_drill_report_t *self, const uint8_t *pk)
{
    for (size_t i = 0; i < self->count; i++)
        if (!memcmp (self->nodes[i].member->card.sign_pk, pk,
                     PROTO_PK_BYTES))
            return &self->nodes[i];
    return NULL;
}

//  --------------------------------------------------------------------------
//  Every entry stored after the drill: keep the receipts that list it.

static int
s_visit_row (const node_entry_t *entry, void *arg)
{
    s_scan_t *scan = arg;
    cli_drill_report_t *self = scan->report;
    //  Receipts are plaintext (never RED): a quick look before decoding.
    if (!entry->payload
        || !proto_payload_is_plaintext (entry->payload, entry->payload_len))
        return 0;
    proto_payload_t payload;
    if (proto_payload_decode (&payload, entry->payload, entry->payload_len)
            != PROTO_OK
        || payload.kind != PROTO_KIND_RECEIPT)
        return 0;
    //  One not as specified is no receipt at all (the daemon refuses
    //  them; one here came in another way): it confirms nothing.
    size_t n = 0;
    if (payload.severity != 0 || payload.ref_count != 0
        || proto_receipt_body_decode (payload.body, payload.body_len,
                                      scan->items, &n) != PROTO_OK)
        return 0;
    const proto_receipt_item_t *item = NULL;
    for (size_t i = 0; i < n && !item; i++)
        if (!memcmp (scan->items[i].id, self->id, PROTO_HASH_BYTES))
            item = &scan->items[i];
    if (!item)
        return 0;
    cli_drill_node_t *node = s_expected (self, entry->header.author);
    if (!node) {
        self->ignored_outside++;
        return 0;
    }
    if (!node->delivered || item->stored_ms < node->delivered_ms) {
        node->delivered = true;
        node->delivered_ms = item->stored_ms;
        memcpy (node->receipt_id, entry->id, PROTO_HASH_BYTES);
        node->receipt_here_ms = entry->stored_ms;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Every entry that references the drill: keep the acknowledgements.

static int
s_visit_ref (const node_entry_t *entry, void *arg)
{
    s_scan_t *scan = arg;
    cli_drill_report_t *self = scan->report;
    if (!entry->payload
        || !proto_payload_is_plaintext (entry->payload, entry->payload_len))
        return 0;
    proto_payload_t payload;
    if (proto_payload_decode (&payload, entry->payload, entry->payload_len)
            != PROTO_OK
        || payload.kind != PROTO_KIND_ACK)
        return 0;
    proto_ack_t ack;
    if (payload.severity != 0 || payload.ref_count != 1
        || payload.refs[0].relation != PROTO_REL_ACKNOWLEDGES
        || memcmp (payload.refs[0].id, self->id, PROTO_HASH_BYTES)
        || proto_ack_body_decode (&ack, payload.body, payload.body_len)
               != PROTO_OK) {
        self->ignored_malformed++;
        return 0;
    }
    cli_drill_node_t *node = s_expected (self, entry->header.author);
    if (!node) {
        self->ignored_outside++;
        return 0;
    }
    uint64_t when = entry->header.timestamp_ms;
    if (!node->acked || when < node->acked_ms) {
        node->acked = true;
        node->acked_ms = when;
        memcpy (node->ack_id, entry->id, PROTO_HASH_BYTES);
        size_t len = ack.by_len < PROTO_ACK_BY_MAX ? ack.by_len
                                                   : PROTO_ACK_BY_MAX;
        memcpy (node->by, ack.by ? ack.by : "", len);
        node->by[len] = 0;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Who is expected to confirm the drill: see the module comment.

static int
s_expect (cli_drill_report_t *self, const keys_roster_t *roster,
          const proto_header_t *header)
{
    size_t members = keys_roster_member_count (roster);
    self->nodes = calloc (members ? members : 1, sizeof *self->nodes);
    if (!self->nodes)
        return -1;
    for (size_t i = 0; i < members; i++) {
        const keys_member_t *member = keys_roster_member (roster, i);
        if (!memcmp (member->card.sign_pk, self->author, PROTO_PK_BYTES))
            continue;
        keys_disclosure_t form = keys_disclosure_payload (
            roster, header, member->card.sign_pk);
        //  A RED drill is disclosed sealed to every member; only the
        //  named nodes can open it, so only they are expected.
        bool expected = header->audience.type == PROTO_AUDIENCE_NODES
                            ? form != KEYS_DISCLOSE_NONE
                                  && proto_audience_names_node (
                                      &header->audience, member->card.sign_pk)
                            : form == KEYS_DISCLOSE_PLAINTEXT;
        if (expected)
            self->nodes[self->count++].member = member;
    }
    return 0;
}

static int
s_cmp_i64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

//  Nearest-rank percentile p of sorted values[0..n), n >= 1.
static int64_t
s_rank (const int64_t *values, size_t n, unsigned p)
{
    size_t rank = (p * n + 99) / 100;
    return values[rank ? rank - 1 : 0];
}

static void
s_latency (cli_drill_latency_t *out, int64_t *values, size_t n)
{
    memset (out, 0, sizeof *out);
    out->count = n;
    if (n == 0)
        return;
    qsort (values, n, sizeof *values, s_cmp_i64);
    out->p50 = s_rank (values, n, 50);
    out->p90 = s_rank (values, n, 90);
    out->p99 = s_rank (values, n, 99);
    out->max = values[n - 1];
}

static size_t
s_bucket (int64_t latency)
{
    size_t b = 0;
    while (b < CLI_DRILL_BUCKETS - 1 && latency >= cli_drill_bucket_ms[b])
        b++;
    return b;
}

//  The rates, latencies and histogram from the per-node findings.
static int
s_figures (cli_drill_report_t *self)
{
    int64_t *delivered = calloc (self->count + 1, sizeof *delivered);
    int64_t *acked = calloc (self->count + 1, sizeof *acked);
    if (!delivered || !acked) {
        free (delivered);
        free (acked);
        return -1;
    }
    size_t nd = 0, na = 0;
    for (size_t i = 0; i < self->count; i++) {
        const cli_drill_node_t *node = &self->nodes[i];
        if (node->delivered) {
            int64_t latency = (int64_t) (node->delivered_ms - self->time_ms);
            delivered[nd++] = latency;
            self->delivered_now++;
            if (node->delivered_ms <= self->deadline_ms) {
                self->delivered_deadline++;
                self->histogram[s_bucket (latency)]++;
            }
            else {
                self->late++;
                self->histogram_late[s_bucket (latency)]++;
            }
        }
        if (node->acked) {
            acked[na++] = (int64_t) (node->acked_ms - self->time_ms);
            self->acked_now++;
            if (node->acked_ms <= self->deadline_ms)
                self->acked_deadline++;
        }
    }
    s_latency (&self->latency, delivered, nd);
    s_latency (&self->ack_latency, acked, na);
    free (delivered);
    free (acked);
    return 0;
}

cli_drill_report_t *
cli_drill_report_new (node_dir_t *dir, const uint8_t id[PROTO_HASH_BYTES],
                      cli_opener_t *opener, int *exit_code)
{
    *exit_code = TOOL_EXIT_USAGE;
    node_store_t *store = node_dir_store (dir);
    const keys_roster_t *roster = node_dir_roster (dir);
    cli_drill_report_t *self = calloc (1, sizeof *self);
    s_scan_t scan;
    memset (&scan, 0, sizeof scan);
    scan.items = malloc (PROTO_RECEIPT_ITEMS_MAX * sizeof *scan.items);
    if (!self || !scan.items) {
        tool_error ("out of memory");
        goto fail;
    }
    scan.report = self;
    scan.opener = opener;
    memcpy (self->id, id, PROTO_HASH_BYTES);
    self->now_ms = proto_now_ms ();
    snprintf (self->self_name, sizeof self->self_name, "%s",
              node_dir_name (dir));

    //  The drill: what it is, its deadline, its audience.
    int found = node_store_get (store, id, s_visit_drill, &scan);
    if (found < 0) {
        tool_error ("cannot read the store: %s",
                    node_store_last_error (store));
        goto fail;
    }
    char hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (hex, id, PROTO_HASH_BYTES);
    if (found == NODE_STORE_NOTFOUND || !scan.found) {
        tool_error ("no entry %s in this node's store", hex);
        goto fail;
    }
    if (scan.state == 2) {
        tool_error ("this node does not hold the payload of %.16s (it is "
                    "not in its audience): run the report at the drill's "
                    "author", hex);
        *exit_code = TOOL_EXIT_FAIL;
        goto fail;
    }
    if (scan.state == 1) {
        tool_error ("%.16s is a RED entry this invocation cannot open: give "
                    "--passphrase-file", hex);
        goto fail;
    }
    if (!scan.is_drill) {
        tool_error ("%.16s is not a drill: give the id 'ceptoar drill "
                    "start' printed", hex);
        goto fail;
    }
    if (!scan.body_ok) {
        tool_error ("the drill %.16s has no valid deadline in its body "
                    "(posted with 'ceptoar post' instead of 'ceptoar drill "
                    "start'?): there is nothing to measure against", hex);
        *exit_code = TOOL_EXIT_FAIL;
        goto fail;
    }
    cli_author_name (roster, self->author, self->author_name,
                     sizeof self->author_name);
    self->at_author = !memcmp (self->author, node_dir_self_pk (dir),
                               PROTO_PK_BYTES);
    cli_audience_text (&scan.header.audience, roster, self->audience,
                       sizeof self->audience);
    if (s_expect (self, roster, &scan.header) != 0) {
        tool_error ("out of memory");
        goto fail;
    }

    //  Receipts from the drill's row on, then acknowledgements by
    //  reference.
    if (node_store_scan_rows (store, self->row, s_visit_row, &scan) != 0
        || node_store_scan_refs (store, id, s_visit_ref, &scan) != 0) {
        tool_error ("cannot read the store: %s",
                    node_store_last_error (store));
        goto fail;
    }
    if (s_figures (self) != 0) {
        tool_error ("out of memory");
        goto fail;
    }
    free (scan.items);
    *exit_code = TOOL_EXIT_OK;
    return self;

fail:
    free (scan.items);
    cli_drill_report_destroy (&self);
    return NULL;
}

void
cli_drill_report_destroy (cli_drill_report_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cli_drill_report_t *self = *self_p;
    tool_free_wiped (self->title, self->title_len);
    free (self->nodes);
    free (self);
    *self_p = NULL;
}
