/* SPDX-License-Identifier: MPL-2.0 */
/* proto_receipt: receipt, acknowledgement and drill bodies. */

/* Each body is a few LF-terminated lines, in one encoding only: a fixed
   first line naming the format and its version, then "name: value" lines
   in a fixed order. Numbers are decimal without leading zeros; ids are 64
   lowercase hex digits. A decoder refuses anything an encoder would not
   have written, so that two nodes never read the same receipt two ways.   */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_receipt.h"
#include "proto_vocab.h"

#define S_RECEIPT_MAGIC "ceptoar-receipt: 1\n"
#define S_ACK_MAGIC "ceptoar-ack: 1\n"
#define S_DRILL_MAGIC "ceptoar-drill: 1\n"
#define S_STORED "stored: "
#define S_BY "by: "
#define S_NOTE "note: "
#define S_DEADLINE "deadline: "

/* "stored: " 64 hex, space, at most 20 digits, LF.                         */
#define S_ITEM_MAX (8 + 64 + 1 + 20 + 1)

//  --------------------------------------------------------------------------
//  Line reading

typedef struct {
    const char *p, *end;
} s_reader_t;

//  Take the next line (without its LF) if it starts with prefix; the line
//  must end in LF. Returns true with *value, *value_len after the prefix.
static bool
s_line (s_reader_t *r, const char *prefix, const char **value,
        size_t *value_len)
{
    size_t plen = strlen (prefix);
    const char *lf = memchr (r->p, '\n', (size_t) (r->end - r->p));
    if (!lf || (size_t) (lf - r->p) < plen || memcmp (r->p, prefix, plen))
        return false;
    *value = r->p + plen;
    *value_len = (size_t) (lf - *value);
    r->p = lf + 1;
    return true;
}

//  A decimal u64 in one encoding: 1..20 digits, no leading zero (but "0").
static bool
s_parse_u64 (const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t digit = (uint64_t) (s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

static int
s_id_cmp (const void *a, const void *b)
{
    return memcmp (((const proto_receipt_item_t *) a)->id,
                   ((const proto_receipt_item_t *) b)->id, PROTO_HASH_BYTES);
}

//  True if two items hold the same id (sorts a copy).
static bool
s_has_repeat (const proto_receipt_item_t *items, size_t n)
{
    if (n < 2)
        return false;
    proto_receipt_item_t *copy = malloc (n * sizeof *copy);
    assert (copy);
    memcpy (copy, items, n * sizeof *copy);
    qsort (copy, n, sizeof *copy, s_id_cmp);
    bool repeat = false;
    for (size_t i = 1; i < n && !repeat; i++)
        repeat = !memcmp (copy[i - 1].id, copy[i].id, PROTO_HASH_BYTES);
    free (copy);
    return repeat;
}

//  --------------------------------------------------------------------------
//  Receipts

size_t
proto_receipt_body_size (size_t n)
{
    return strlen (S_RECEIPT_MAGIC) + n * S_ITEM_MAX;
}

size_t
proto_receipt_body_encode (const proto_receipt_item_t *items, size_t n,
                           char *buf, size_t cap)
{
    assert (items || n == 0);
    if (n == 0 || n > PROTO_RECEIPT_ITEMS_MAX || s_has_repeat (items, n))
        return 0;
    size_t len = strlen (S_RECEIPT_MAGIC);
    if (cap < len)
        return 0;
    memcpy (buf, S_RECEIPT_MAGIC, len);
    for (size_t i = 0; i < n; i++) {
        char hex[2 * PROTO_HASH_BYTES + 1];
        proto_hex_encode (hex, items[i].id, PROTO_HASH_BYTES);
        char line[S_ITEM_MAX + 1];
        int w = snprintf (line, sizeof line, S_STORED "%s %" PRIu64 "\n", hex,
                          items[i].stored_ms);
        if (w < 0 || (size_t) w >= sizeof line || cap - len < (size_t) w)
            return 0;
        memcpy (buf + len, line, (size_t) w);
        len += (size_t) w;
    }
    return len;
}

proto_reject_t
proto_receipt_body_decode (const char *body, size_t len,
                           proto_receipt_item_t *items, size_t *n)
{
    assert (body || len == 0);
    *n = 0;
    s_reader_t r = { body, body + len };
    const char *value;
    size_t value_len;
    if (!s_line (&r, "ceptoar-receipt: 1", &value, &value_len)
        || value_len != 0)
        return PROTO_REJECT_FIELD;
    while (r.p < r.end) {
        if (*n == PROTO_RECEIPT_ITEMS_MAX)
            return PROTO_REJECT_OVERSIZE;
        if (!s_line (&r, S_STORED, &value, &value_len)
            || value_len < 2 * PROTO_HASH_BYTES + 2
            || value[2 * PROTO_HASH_BYTES] != ' ')
            return PROTO_REJECT_FIELD;
        char hex[2 * PROTO_HASH_BYTES + 1];
        memcpy (hex, value, 2 * PROTO_HASH_BYTES);
        hex[2 * PROTO_HASH_BYTES] = 0;
        proto_receipt_item_t *item = &items[*n];
        if (proto_hex_decode (item->id, PROTO_HASH_BYTES, hex) != 0
            || !s_parse_u64 (value + 2 * PROTO_HASH_BYTES + 1,
                             value_len - 2 * PROTO_HASH_BYTES - 1,
                             &item->stored_ms))
            return PROTO_REJECT_FIELD;
        (*n)++;
    }
    if (*n == 0)
        return PROTO_REJECT_FIELD;
    if (s_has_repeat (items, *n))
        return PROTO_REJECT_NONCANONICAL;
    return PROTO_OK;
}

//  --------------------------------------------------------------------------
//  Acknowledgements

static bool
s_one_line (const char *s, size_t len, size_t max)
{
    return len >= 1 && len <= max
           && proto_utf8_valid ((const uint8_t *) s, len, false);
}

size_t
proto_ack_body_size (const proto_ack_t *ack)
{
    return strlen (S_ACK_MAGIC) + strlen (S_BY) + ack->by_len + 1
           + strlen (S_NOTE) + ack->note_len + 1;
}

//  Append "prefix value\n" at buf + *len. Returns false if it does not fit.
static bool
s_put_line (char *buf, size_t cap, size_t *len, const char *prefix,
            const char *value, size_t value_len)
{
    size_t plen = strlen (prefix);
    if (cap - *len < plen + value_len + 1)
        return false;
    memcpy (buf + *len, prefix, plen);
    memcpy (buf + *len + plen, value, value_len);
    buf[*len + plen + value_len] = '\n';
    *len += plen + value_len + 1;
    return true;
}

size_t
proto_ack_body_encode (const proto_ack_t *ack, char *buf, size_t cap)
{
    assert (ack);
    if ((ack->by_len && !s_one_line (ack->by, ack->by_len, PROTO_ACK_BY_MAX))
        || (ack->note_len
            && !s_one_line (ack->note, ack->note_len, PROTO_ACK_NOTE_MAX)))
        return 0;
    size_t len = 0;
    if (!s_put_line (buf, cap, &len, "ceptoar-ack: 1", "", 0)
        || (ack->by_len
            && !s_put_line (buf, cap, &len, S_BY, ack->by, ack->by_len))
        || (ack->note_len
            && !s_put_line (buf, cap, &len, S_NOTE, ack->note,
                            ack->note_len)))
        return 0;
    return len;
}

proto_reject_t
proto_ack_body_decode (proto_ack_t *ack, const char *body, size_t len)
{
    assert (ack);
    memset (ack, 0, sizeof *ack);
    s_reader_t r = { body, body + len };
    const char *value;
    size_t value_len;
    if (!s_line (&r, "ceptoar-ack: 1", &value, &value_len) || value_len)
        return PROTO_REJECT_FIELD;
    if (r.p < r.end && s_line (&r, S_BY, &ack->by, &ack->by_len)
        && !s_one_line (ack->by, ack->by_len, PROTO_ACK_BY_MAX))
        return PROTO_REJECT_FIELD;
    if (r.p < r.end && s_line (&r, S_NOTE, &ack->note, &ack->note_len)
        && !s_one_line (ack->note, ack->note_len, PROTO_ACK_NOTE_MAX))
        return PROTO_REJECT_FIELD;
    return r.p == r.end ? PROTO_OK : PROTO_REJECT_FIELD;
}

//  --------------------------------------------------------------------------
//  Drills

size_t
proto_drill_body_encode (uint64_t deadline_ms, const char *text,
                         size_t text_len, char *buf, size_t cap)
{
    if (text_len
        && !proto_utf8_valid ((const uint8_t *) text, text_len, true))
        return 0;
    char head[64];
    int w = snprintf (head, sizeof head, S_DRILL_MAGIC S_DEADLINE "%" PRIu64
                      "\n", deadline_ms);
    assert (w > 0 && (size_t) w < sizeof head);
    size_t len = (size_t) w + (text_len ? 1 + text_len : 0);
    if (cap < len)
        return 0;
    memcpy (buf, head, (size_t) w);
    if (text_len) {
        buf[w] = '\n';
        memcpy (buf + w + 1, text, text_len);
    }
    return len;
}

proto_reject_t
proto_drill_body_decode (const char *body, size_t len, uint64_t *deadline_ms,
                         const char **text, size_t *text_len)
{
    s_reader_t r = { body, body + len };
    const char *value;
    size_t value_len;
    if (!s_line (&r, "ceptoar-drill: 1", &value, &value_len) || value_len
        || !s_line (&r, S_DEADLINE, &value, &value_len)
        || !s_parse_u64 (value, value_len, deadline_ms))
        return PROTO_REJECT_FIELD;
    *text = NULL;
    *text_len = 0;
    if (r.p == r.end)
        return PROTO_OK;
    //  A blank line, then at least one octet of text.
    if (*r.p != '\n' || r.end - r.p < 2)
        return PROTO_REJECT_FIELD;
    *text = r.p + 1;
    *text_len = (size_t) (r.end - r.p - 1);
    return PROTO_OK;
}

//  --------------------------------------------------------------------------

proto_reject_t
proto_receipt_payload_check (const proto_payload_t *payload)
{
    assert (payload);
    if (payload->kind == PROTO_KIND_RECEIPT) {
        if (payload->severity != 0 || payload->ref_count != 0)
            return PROTO_REJECT_RECEIPT;
        proto_receipt_item_t *items
            = malloc (PROTO_RECEIPT_ITEMS_MAX * sizeof *items);
        assert (items);
        size_t n;
        proto_reject_t r = proto_receipt_body_decode (payload->body,
                                                      payload->body_len,
                                                      items, &n);
        free (items);
        return r == PROTO_OK ? PROTO_OK : PROTO_REJECT_RECEIPT;
    }
    if (payload->kind == PROTO_KIND_ACK) {
        proto_ack_t ack;
        if (payload->severity != 0 || payload->ref_count != 1
            || payload->refs[0].relation != PROTO_REL_ACKNOWLEDGES
            || proto_ack_body_decode (&ack, payload->body, payload->body_len)
                   != PROTO_OK)
            return PROTO_REJECT_RECEIPT;
    }
    return PROTO_OK;
}

//  --------------------------------------------------------------------------
//  Self test

void
proto_receipt_test (bool verbose)
{
    if (verbose)
        printf (" * proto_receipt: ");
    proto_receipt_item_t items[3];
    for (size_t i = 0; i < 3; i++) {
        memset (items[i].id, (int) (0xa0 + i), PROTO_HASH_BYTES);
        items[i].stored_ms = 1763892300000ULL + i;
    }
    items[2].stored_ms = 0;
    char buf[1024];
    size_t len = proto_receipt_body_encode (items, 3, buf, sizeof buf);
    assert (len == strlen (S_RECEIPT_MAGIC) + 2 * (8 + 64 + 1 + 13 + 1)
                       + (8 + 64 + 1 + 1 + 1));
    proto_receipt_item_t *got = malloc (PROTO_RECEIPT_ITEMS_MAX * sizeof *got);
    assert (got);
    size_t n;
    assert (proto_receipt_body_decode (buf, len, got, &n) == PROTO_OK);
    assert (n == 3 && !memcmp (got, items, sizeof items));
    //  One encoding: every other spelling is refused.
    static const char *bad[] = {
        "ceptoar-receipt: 1\n",                          /* no item      */
        "ceptoar-receipt: 2\nstored: ",                  /* version      */
        "ceptoar-receipt: 1",                            /* no LF        */
        "ceptoar-receipt: 1\nstored: "
        "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
        " 01\n",                                         /* leading 0    */
        "ceptoar-receipt: 1\nstored: "
        "A0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
        " 1\n",                                          /* uppercase    */
        "ceptoar-receipt: 1\nstored: "
        "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
        " 18446744073709551616\n",                       /* > u64        */
        "ceptoar-receipt: 1\nstored: "
        "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
        " 1\n\n",                                        /* blank line   */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert (proto_receipt_body_decode (bad[i], strlen (bad[i]), got, &n)
                == PROTO_REJECT_FIELD);
    //  A repeated id: refused both ways.
    items[1] = items[0];
    assert (proto_receipt_body_encode (items, 3, buf, sizeof buf) == 0);
    char twice[512];
    size_t half = strlen (S_RECEIPT_MAGIC) + 8 + 64 + 1 + 13 + 1;
    len = proto_receipt_body_encode (items, 1, twice, sizeof twice);
    assert (len == half);
    memcpy (twice + len, twice + strlen (S_RECEIPT_MAGIC),
            len - strlen (S_RECEIPT_MAGIC));
    len += len - strlen (S_RECEIPT_MAGIC);
    assert (proto_receipt_body_decode (twice, len, got, &n)
            == PROTO_REJECT_NONCANONICAL);
    //  The item limit.
    size_t big_cap = proto_receipt_body_size (PROTO_RECEIPT_ITEMS_MAX + 1);
    char *big = malloc (big_cap);
    proto_receipt_item_t *many
        = calloc (PROTO_RECEIPT_ITEMS_MAX + 1, sizeof *many);
    assert (big && many);
    for (size_t i = 0; i <= PROTO_RECEIPT_ITEMS_MAX; i++)
        memcpy (many[i].id, &i, sizeof i);
    assert (proto_receipt_body_encode (many, PROTO_RECEIPT_ITEMS_MAX + 1, big,
                                       big_cap) == 0);
    len = proto_receipt_body_encode (many, PROTO_RECEIPT_ITEMS_MAX, big,
                                     big_cap);
    assert (len > 0 && len <= 100 * 1024);
    assert (proto_receipt_body_decode (big, len, got, &n) == PROTO_OK
            && n == PROTO_RECEIPT_ITEMS_MAX);
    //  One more line than allowed.
    memcpy (big + len, big + strlen (S_RECEIPT_MAGIC), 8 + 64 + 1 + 1 + 1);
    big[len + 8] = 'f';  /* a different id (ids start with a digit here)  */
    assert (proto_receipt_body_decode (big, len + 8 + 64 + 1 + 1 + 1, got, &n)
            == PROTO_REJECT_OVERSIZE);
    free (big);
    free (many);
    free (got);

    //  Acknowledgements.
    proto_ack_t ack = { "Sato (SOC)", 10, "read, forwarding to members", 27 };
    len = proto_ack_body_encode (&ack, buf, sizeof buf);
    assert (len == proto_ack_body_size (&ack));
    assert (!memcmp (buf, "ceptoar-ack: 1\nby: Sato (SOC)\nnote: read, "
                          "forwarding to members\n", len));
    proto_ack_t back;
    assert (proto_ack_body_decode (&back, buf, len) == PROTO_OK);
    assert (back.by_len == 10 && !memcmp (back.by, "Sato (SOC)", 10));
    assert (back.note_len == 27);
    proto_ack_t bare = { NULL, 0, NULL, 0 };
    len = proto_ack_body_encode (&bare, buf, sizeof buf);
    assert (len == 15 && proto_ack_body_decode (&back, buf, len) == PROTO_OK
            && back.by_len == 0 && back.note_len == 0);
    static const char *bad_ack[] = {
        "ceptoar-ack: 1\nnote: x\nby: y\n",  /* order                       */
        "ceptoar-ack: 1\nby: \n",             /* empty                       */
        "ceptoar-ack: 1\nby: a\tb\n",         /* control character           */
        "ceptoar-ack: 1\nfrom: x\n",          /* unknown line                */
        "ceptoar-ack: 1\nby: x",              /* no LF                       */
    };
    for (size_t i = 0; i < sizeof bad_ack / sizeof bad_ack[0]; i++)
        assert (proto_ack_body_decode (&back, bad_ack[i], strlen (bad_ack[i]))
                == PROTO_REJECT_FIELD);
    proto_ack_t tabbed = { "a\tb", 3, NULL, 0 };
    assert (proto_ack_body_encode (&tabbed, buf, sizeof buf) == 0);

    //  Drills.
    uint64_t deadline;
    const char *text;
    size_t text_len;
    len = proto_drill_body_encode (1763892300000ULL, "Confirm receipt.", 16,
                                   buf, sizeof buf);
    assert (len > 0
            && !memcmp (buf, "ceptoar-drill: 1\ndeadline: 1763892300000\n\n"
                             "Confirm receipt.", len));
    assert (proto_drill_body_decode (buf, len, &deadline, &text, &text_len)
            == PROTO_OK);
    assert (deadline == 1763892300000ULL && text_len == 16);
    len = proto_drill_body_encode (5, NULL, 0, buf, sizeof buf);
    assert (proto_drill_body_decode (buf, len, &deadline, &text, &text_len)
            == PROTO_OK && deadline == 5 && text == NULL);
    assert (proto_drill_body_decode ("ceptoar-drill: 1\ndeadline: 5\n\n", 30,
                                     &deadline, &text, &text_len)
            == PROTO_REJECT_FIELD);
    assert (proto_drill_body_decode ("just text", 9, &deadline, &text,
                                     &text_len) == PROTO_REJECT_FIELD);

    //  Payload rules.
    proto_payload_t p;
    proto_payload_init (&p, PROTO_KIND_ACK, 0);
    p.body = "ceptoar-ack: 1\n";
    p.body_len = 15;
    assert (proto_receipt_payload_check (&p) == PROTO_REJECT_RECEIPT);
    uint8_t target[PROTO_HASH_BYTES] = { 1 };
    proto_payload_add_ref (&p, PROTO_REL_ACKNOWLEDGES, target);
    assert (proto_receipt_payload_check (&p) == PROTO_OK);
    p.refs[0].relation = PROTO_REL_REPLY;
    assert (proto_receipt_payload_check (&p) == PROTO_REJECT_RECEIPT);
    proto_payload_init (&p, PROTO_KIND_RECEIPT, 0);
    p.body = "ceptoar-receipt: 1\n";
    p.body_len = 19;
    assert (proto_receipt_payload_check (&p) == PROTO_REJECT_RECEIPT);
    proto_payload_init (&p, PROTO_KIND_INCIDENT, 4);
    assert (proto_receipt_payload_check (&p) == PROTO_OK);
    if (verbose)
        printf ("OK\n");
}
