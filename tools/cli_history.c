/* SPDX-License-Identifier: MPL-2.0 */
/* cli_history: what happened to an entry after it was posted (show, list). */

/* An entry is never edited: replies, updates, corrections, retractions and
   acknowledgements are new entries whose payload references it (DESIGN §2).
   This module gathers those the store holds (node_store_scan_refs) and the
   store's retraction mark (node_store_retracted), for `ceptoar show` to
   print and for `ceptoar list` to mark lines with. It reads only; it does
   not decide what a retraction purges (the store does). Titles of RED
   entries opened for display are wiped when the history is destroyed.      */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define S_RELATIONS_LEN 96              /* "reply,update,..." or "?"         */

typedef struct {
    uint8_t id[PROTO_HASH_BYTES];       /* the referencing entry             */
    uint8_t author[PROTO_PK_BYTES];
    uint64_t time_ms;                   /* its author's time                 */
    uint64_t row;                       /* local arrival order (tie-break)   */
    char relations[S_RELATIONS_LEN];    /* to the target; "?" if unreadable  */
    int kind;                           /* 0 when the payload is unreadable  */
    char *title;                        /* NUL-ended copy, or NULL           */
    size_t title_len;
} s_item_t;

struct _cli_history_t {
    const keys_roster_t *roster;        /* for author names (borrowed)       */
    cli_opener_t *opener;               /* RED payloads (borrowed)           */
    uint8_t target[PROTO_HASH_BYTES];   /* the entry whose history this is   */
    bool retracted;                     /* node_store_retracted said so      */
    uint8_t by[PROTO_HASH_BYTES];       /* the retracting entry              */
    bool by_held;                       /* ... and the store holds it        */
    uint8_t by_author[PROTO_PK_BYTES];
    uint64_t by_time_ms;
    s_item_t *items;                    /* newest first once collected       */
    size_t count, cap;
    unsigned marks;                     /* CLI_MARK_RETRACTED / _CORRECTED   */
};

//  --------------------------------------------------------------------------
//  One referencing entry: note how it relates to the target. The relation
//  is read from its payload; one the CLI cannot open (RED without the key)
//  is listed with relation "?".

static int
s_visit_ref (const node_entry_t *entry, void *arg)
{
    cli_history_t *self = arg;
    if (self->count == self->cap) {
        size_t cap = self->cap ? 2 * self->cap : 8;
        s_item_t *items = realloc (self->items, cap * sizeof *items);
        if (!items)
            return -1;
        self->items = items;
        self->cap = cap;
    }
    s_item_t *item = &self->items[self->count];
    memset (item, 0, sizeof *item);
    memcpy (item->id, entry->id, PROTO_HASH_BYTES);
    memcpy (item->author, entry->header.author, PROTO_PK_BYTES);
    item->time_ms = entry->header.timestamp_ms;
    item->row = entry->row;
    snprintf (item->relations, sizeof item->relations, "?");

    proto_payload_t payload;
    uint8_t *plain = NULL;
    if (cli_entry_payload (entry, self->opener, &payload, &plain) == 0) {
        size_t used = 0;
        for (size_t i = 0; i < payload.ref_count; i++) {
            if (memcmp (payload.refs[i].id, self->target, PROTO_HASH_BYTES))
                continue;
            int relation = payload.refs[i].relation;
            const char *name = proto_relation_name (relation);
            if (relation == PROTO_REL_CORRECTION
                || relation == PROTO_REL_UPDATE)
                self->marks |= CLI_MARK_CORRECTED;
            if (used < sizeof item->relations)
                used += (size_t) snprintf (item->relations + used,
                                           sizeof item->relations - used,
                                           "%s%s", used ? "," : "",
                                           name ? name : "?");
        }
        item->kind = payload.kind;
        item->title = malloc (payload.title_len + 1);
        if (item->title) {
            memcpy (item->title, payload.title, payload.title_len);
            item->title[payload.title_len] = 0;
            item->title_len = payload.title_len;
        }
    }
    if (plain) {
        sodium_memzero (plain, entry->payload_len);
        free (plain);
    }
    self->count++;
    return 0;
}

static int
s_visit_by (const node_entry_t *entry, void *arg)
{
    cli_history_t *self = arg;
    self->by_held = true;
    memcpy (self->by_author, entry->header.author, PROTO_PK_BYTES);
    self->by_time_ms = entry->header.timestamp_ms;
    return 0;
}

//  Newest first: by author time, then by arrival here.
static int
s_newest_first (const void *a, const void *b)
{
    const s_item_t *x = a, *y = b;
    if (x->time_ms != y->time_ms)
        return x->time_ms < y->time_ms ? 1 : -1;
    if (x->row != y->row)
        return x->row < y->row ? 1 : -1;
    return 0;
}

cli_history_t *
cli_history_new (node_store_t *store, const uint8_t id[PROTO_HASH_BYTES],
                 const keys_roster_t *roster, cli_opener_t *opener)
{
    cli_history_t *self = calloc (1, sizeof *self);
    if (!self) {
        tool_error ("out of memory");
        return NULL;
    }
    self->roster = roster;
    self->opener = opener;
    memcpy (self->target, id, PROTO_HASH_BYTES);
    int retracted = node_store_retracted (store, id, self->by);
    if (retracted < 0
        || node_store_scan_refs (store, id, s_visit_ref, self) != 0) {
        tool_error ("cannot read the history from the store: %s",
                    node_store_last_error (store));
        cli_history_destroy (&self);
        return NULL;
    }
    if (retracted == 1) {
        self->retracted = true;
        self->marks |= CLI_MARK_RETRACTED;
        if (node_store_get (store, self->by, s_visit_by, self) < 0) {
            tool_error ("cannot read the store: %s",
                        node_store_last_error (store));
            cli_history_destroy (&self);
            return NULL;
        }
    }
    if (self->count > 1)
        qsort (self->items, self->count, sizeof *self->items,
               s_newest_first);
    return self;
}

void
cli_history_destroy (cli_history_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cli_history_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        tool_free_wiped (self->items[i].title, self->items[i].title_len);
    free (self->items);
    free (self);
    *self_p = NULL;
}

unsigned
cli_history_marks (const cli_history_t *self)
{
    return self->marks;
}

void
cli_history_print (FILE *out, const cli_history_t *self)
{
    char hex[2 * PROTO_HASH_BYTES + 1], name[KEYS_NAME_MAX + 1];
    char when[TOOL_TIME_LEN];
    if (self->retracted) {
        proto_hex_encode (hex, self->by, PROTO_HASH_BYTES);
        if (self->by_held) {
            tool_format_time (self->by_time_ms, when);
            cli_author_name (self->roster, self->by_author, name,
                             sizeof name);
            fprintf (out, "\nRETRACTED by %s at %s (%s): payload purged\n",
                     hex, when, name);
        }
        else
            fprintf (out, "\nRETRACTED by %s: payload purged\n", hex);
    }
    if (self->count == 0)
        return;
    fprintf (out, "\nhistory (%zu, newest first)\n", self->count);
    for (size_t i = 0; i < self->count; i++) {
        const s_item_t *item = &self->items[i];
        proto_hex_encode (hex, item->id, PROTO_HASH_BYTES);
        tool_format_time (item->time_ms, when);
        when[19] = 0;
        cli_author_name (self->roster, item->author, name, sizeof name);
        fprintf (out, "  %s  %-12s %-14s %.16s  %s\n", when, item->relations,
                 name, hex, item->title ? item->title : "(payload not "
                                                        "readable here)");
    }
}

void
cli_history_json (const cli_history_t *self, json_t *obj)
{
    char hex[2 * PROTO_HASH_BYTES + 1], name[KEYS_NAME_MAX + 1];
    char when[TOOL_TIME_LEN];
    json_t *by = json_array ();
    if (self->retracted) {
        proto_hex_encode (hex, self->by, PROTO_HASH_BYTES);
        json_t *one = json_pack ("{s:s}", "id", hex);
        if (self->by_held) {
            tool_format_time (self->by_time_ms, when);
            cli_author_name (self->roster, self->by_author, name,
                             sizeof name);
            json_object_set_new (one, "author", json_string (name));
            json_object_set_new (one, "time", json_string (when));
        }
        json_array_append_new (by, one);
    }
    json_object_set_new (obj, "retracted_by", by);
    json_t *history = json_array ();
    for (size_t i = 0; i < self->count; i++) {
        const s_item_t *item = &self->items[i];
        proto_hex_encode (hex, item->id, PROTO_HASH_BYTES);
        tool_format_time (item->time_ms, when);
        cli_author_name (self->roster, item->author, name, sizeof name);
        json_t *one = json_pack ("{s:s, s:s, s:s, s:s}", "id", hex,
                                 "relation", item->relations, "author", name,
                                 "time", when);
        if (item->kind)
            json_object_set_new (one, "kind", json_string (
                proto_kind_name (item->kind)));
        if (item->title)
            json_object_set_new (one, "title", json_stringn (
                item->title, item->title_len));
        json_array_append_new (history, one);
    }
    json_object_set_new (obj, "history", history);
}
