/* SPDX-License-Identifier: MPL-2.0 */
/* cli_board: `ceptoar board`: the situation board of a declared incident. */

/* During a large-scale IT failure the board answers "who is down, who is
   recovering, who has not said anything": the incident (its title, who
   declared it and when), one row per member that may read it (its latest
   state, when it last reported, STALE if that is too long ago, or "no
   report"), and the timeline of every status report against it. The
   entries and their body conventions are cli_incident.c's; this module
   only reads, and never writes the store.

   Convergence: everything on the board is ordered by what the authors
   signed, never by when entries arrived here: the latest incident is the
   one with the greatest (author timestamp, id), a member's latest report
   the one with the greatest (author timestamp, seq, id) among its own
   (seq only decides between two reports of one millisecond, which the
   author's chain orders), the timeline is sorted by (author timestamp,
   id), and the rows follow the roster's member order. So every node that
   holds the same entries (and readable payloads) under the same roster
   draws the same board, byte for byte, except for what depends on the
   current time: the "as of" line and the STALE markers (in JSON, "now"
   and each member's "stale").

   Each draw reads the store afresh (each scan is its own LMDB read
   transaction), so --watch sees what the running daemon stores, and works
   without one. Payloads this command cannot read (RED without the key,
   malformed) are skipped and counted.                                      */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

#define BOARD_INTERVAL_MS 2000
#define BOARD_STALE_DEFAULT "30m"
#define S_HEX_LEN (2 * PROTO_HASH_BYTES + 1)
#define S_STATE_WIDTH 10                /* "recovering"                     */

static const char *s_usage =
    "usage: ceptoar board --dir NODEDIR [--incident ID] [--stale DURATION]\n"
    "                     [--watch] [--interval MS] [--json]\n"
    "                     [--passphrase-file FILE]\n"
    "\n"
    "The situation board of a large-scale IT failure: the incident (title,\n"
    "who declared it and when), one row for every member that may read it\n"
    "(its audience, and the declarer) with its latest state, when it last\n"
    "reported (author's time, UTC) and STALE if that is longer ago than\n"
    "--stale, or \"no report\"; then the timeline of every status report\n"
    "against the incident, oldest first.\n"
    "\n"
    "Everything is ordered by author timestamp, then entry id, never by\n"
    "arrival here: every node holding the same entries shows the same\n"
    "board, except the \"as of\" line and the STALE markers, which depend on\n"
    "the current time.\n"
    "\n"
    "  --incident ID      the incident (64 hex, or a unique prefix of 8+);\n"
    "                     default: the latest declared incident held (by\n"
    "                     author time, then id)\n"
    "  --stale DURATION   mark members whose last report is older than this\n"
    "                     (30s, 10m, 2h, 1d; default " BOARD_STALE_DEFAULT ")\n"
    "  --watch            redraw every --interval ms until Ctrl-C or SIGTERM\n"
    "                     (exit 0)\n"
    "  --interval MS      how often --watch redraws (default 2000, 100 to\n"
    "                     3600000)\n"
    "  --json             one JSON object: incident, now, stale_after,\n"
    "                     stale_after_ms, members[], timeline[], skipped\n"
    "                     (with --watch: one compact object per line)\n"
    "  --passphrase-file FILE  open RED payloads with the node key\n"
    "\n"
    "exit status: 0 shown (also when no incident is held), 1 ID is not a\n"
    "declared incident readable here, 2 usage or I/O error\n";

/* One status report against the incident.                                  */
typedef struct {
    uint8_t id[PROTO_HASH_BYTES];
    uint8_t author[PROTO_PK_BYTES];
    uint64_t time_ms;                   /* the author's timestamp            */
    uint64_t seq;                       /* in the author's chain             */
    cli_state_t state;
    proto_kind_t kind;                  /* damage- or response-status        */
    char *text;                         /* NUL-ended copy (may be RED text)  */
    size_t text_len;
} s_report_t;

/* What one draw shows; rebuilt from the store each time.                   */
typedef struct {
    bool found;                         /* an incident to show               */
    uint8_t id[PROTO_HASH_BYTES];       /* the incident                      */
    uint64_t time_ms;                   /* its author's timestamp            */
    proto_header_t header;              /* level, audience, declarer         */
    int payload_state;                  /* cli_entry_payload's result        */
    bool declared;                      /* follows the incident convention   */
    uint8_t severity;
    char *title;                        /* NUL-ended copies                  */
    size_t title_len;
    char *text;
    size_t text_len;
    s_report_t *reports;                /* by (time, id) once sorted         */
    size_t count, cap;
    size_t skipped;                     /* payloads that could not be read   */
    size_t skipped_refs;                /* ... among those referencing it    */
    bool failed;                        /* out of memory                     */
} s_board_t;

/* How the board is drawn (from the command line).                         */
typedef struct {
    node_store_t *store;
    const keys_roster_t *roster;
    cli_opener_t *opener;
    bool fixed;                         /* --incident given                  */
    uint8_t incident[PROTO_HASH_BYTES]; /* ... and resolved                  */
    const char *stale_text;             /* as given                          */
    uint64_t stale_ms;
    bool json;
    bool watch;
    bool clear;                         /* redraw over a terminal            */
} s_view_t;

static char *
s_copy_text (const char *text, size_t len)
{
    char *copy = malloc (len + 1);
    if (copy) {
        if (len)
            memcpy (copy, text, len);
        copy[len] = 0;
    }
    return copy;
}

static void
s_board_reset (s_board_t *board)
{
    for (size_t i = 0; i < board->count; i++)
        tool_free_wiped (board->reports[i].text, board->reports[i].text_len);
    free (board->reports);
    tool_free_wiped (board->title, board->title_len);
    tool_free_wiped (board->text, board->text_len);
    memset (board, 0, sizeof *board);
}

//  (time, id) order: the one order every node agrees on.
static int
s_order (uint64_t time_a, const uint8_t *id_a, uint64_t time_b,
         const uint8_t *id_b)
{
    if (time_a != time_b)
        return time_a < time_b ? -1 : 1;
    return memcmp (id_a, id_b, PROTO_HASH_BYTES);
}

static int
s_report_order (const void *a, const void *b)
{
    const s_report_t *x = a, *y = b;
    return s_order (x->time_ms, x->id, y->time_ms, y->id);
}

//  Decode entry's payload; count it as skipped if held but unreadable.
//  Returns cli_entry_payload's result.
static int
s_payload (const node_entry_t *entry, cli_opener_t *opener,
           proto_payload_t *payload, uint8_t **plain, size_t *skipped)
{
    int state = cli_entry_payload (entry, opener, payload, plain);
    if (state == 1 || state < 0)
        (*skipped)++;
    return state;
}

static void
s_plain_free (uint8_t **plain, size_t len)
{
    if (*plain) {
        sodium_memzero (*plain, len);
        free (*plain);
        *plain = NULL;
    }
}

typedef struct {
    s_board_t *board;
    cli_opener_t *opener;
} s_visit_t;

//  Looking for the latest declared incident: keep the greatest (time, id).
static int
s_find_visit (const node_entry_t *entry, void *arg)
{
    s_visit_t *visit = arg;
    s_board_t *board = visit->board;
    if (!entry->payload)
        return 0;
    proto_payload_t payload;
    uint8_t *plain = NULL;
    if (s_payload (entry, visit->opener, &payload, &plain, &board->skipped)
            == 0
        && cli_incident_parse (&payload, NULL, NULL)
        && (!board->found
            || s_order (entry->header.timestamp_ms, entry->id,
                        board->time_ms, board->id) > 0)) {
        board->found = true;
        board->time_ms = entry->header.timestamp_ms;
        memcpy (board->id, entry->id, PROTO_HASH_BYTES);
    }
    s_plain_free (&plain, entry->payload_len);
    return 0;
}

//  The incident itself: header, title, text.
static int
s_incident_visit (const node_entry_t *entry, void *arg)
{
    s_visit_t *visit = arg;
    s_board_t *board = visit->board;
    board->header = entry->header;
    board->time_ms = entry->header.timestamp_ms;
    proto_payload_t payload;
    uint8_t *plain = NULL;
    board->payload_state = cli_entry_payload (entry, visit->opener, &payload,
                                              &plain);
    const char *text = NULL;
    size_t text_len = 0;
    if (board->payload_state == 0
        && cli_incident_parse (&payload, &text, &text_len)) {
        board->declared = true;
        board->severity = payload.severity;
        board->title = s_copy_text (payload.title, payload.title_len);
        board->title_len = payload.title_len;
        board->text = s_copy_text (text, text_len);
        board->text_len = text_len;
        if (!board->title || !board->text)
            board->failed = true;
    }
    s_plain_free (&plain, entry->payload_len);
    return board->failed ? -1 : 0;
}

//  An entry referencing the incident: keep it if it is a status report.
static int
s_ref_visit (const node_entry_t *entry, void *arg)
{
    s_visit_t *visit = arg;
    s_board_t *board = visit->board;
    proto_payload_t payload;
    uint8_t *plain = NULL;
    cli_state_t state;
    const char *text;
    size_t text_len;
    if (s_payload (entry, visit->opener, &payload, &plain,
                   &board->skipped_refs) == 0
        && cli_status_parse (&payload, board->id, &state, &text, &text_len)
               == 0) {
        if (board->count == board->cap) {
            size_t cap = board->cap ? 2 * board->cap : 16;
            s_report_t *reports = realloc (board->reports,
                                           cap * sizeof *reports);
            if (!reports)
                board->failed = true;
            else {
                board->reports = reports;
                board->cap = cap;
            }
        }
        if (!board->failed) {
            s_report_t *report = &board->reports[board->count];
            memcpy (report->id, entry->id, PROTO_HASH_BYTES);
            memcpy (report->author, entry->header.author, PROTO_PK_BYTES);
            report->time_ms = entry->header.timestamp_ms;
            report->seq = entry->header.seq;
            report->state = state;
            report->kind = payload.kind;
            report->text = s_copy_text (text, text_len);
            report->text_len = text_len;
            if (report->text)
                board->count++;
            else
                board->failed = true;
        }
    }
    s_plain_free (&plain, entry->payload_len);
    return board->failed ? -1 : 0;
}

//  Fill board from the store. Returns TOOL_EXIT_OK (board->found false if
//  no incident is held), or an exit code after saying why not.
static int
s_collect (s_board_t *board, const s_view_t *view)
{
    s_visit_t visit = { board, view->opener };
    char hex[S_HEX_LEN];
    if (view->fixed)
        memcpy (board->id, view->incident, PROTO_HASH_BYTES);
    else {
        if (node_store_scan_time (view->store, 0, s_find_visit, &visit) != 0)
            goto storage;
        if (!board->found)
            return TOOL_EXIT_OK;
    }
    proto_hex_encode (hex, board->id, PROTO_HASH_BYTES);
    int found = node_store_get (view->store, board->id, s_incident_visit,
                                &visit);
    if (board->failed)
        goto memory;
    if (found == NODE_STORE_NOTFOUND) {
        tool_error ("no entry %s in this node's store", hex);
        return TOOL_EXIT_USAGE;
    }
    if (found != 0)
        goto storage;
    if (!board->declared) {
        if (board->payload_state == 0)
            tool_error ("entry %s is not a declared incident (no "
                        "\"ceptoar-incident: 1\" line): see 'ceptoar "
                        "incident open'", hex);
        else
            tool_error ("cannot read entry %s here (%s)", hex,
                        board->payload_state == 1 ? "sealed: RED needs the "
                                                    "node key, see "
                                                    "--passphrase-file"
                        : board->payload_state == 2 ? "payload not held: "
                                                      "retracted, or not "
                                                      "in its audience"
                                                    : "malformed payload");
        return TOOL_EXIT_FAIL;
    }
    board->found = true;
    if (node_store_scan_refs (view->store, board->id, s_ref_visit, &visit)
        != 0) {
        if (board->failed)
            goto memory;
        goto storage;
    }
    //  With --incident only its references were looked at; otherwise every
    //  held payload was, and unreadable references are among them.
    if (view->fixed)
        board->skipped = board->skipped_refs;
    if (board->count > 1)
        qsort (board->reports, board->count, sizeof *board->reports,
               s_report_order);
    return TOOL_EXIT_OK;
storage:
    tool_error ("cannot read the store: %s",
                node_store_last_error (view->store));
    return TOOL_EXIT_USAGE;
memory:
    tool_error ("out of memory");
    return TOOL_EXIT_USAGE;
}

//  --------------------------------------------------------------------------
//  The rows: every active member that may read the incident, in roster
//  order, each with its latest report (NULL: none).

typedef struct {
    const keys_member_t *member;
    const s_report_t *latest;
    bool stale;
} s_row_t;

//  Is report a later than b, both by one author? By author time, then (two
//  reports in one millisecond) by their order in the author's chain.
static bool
s_later (const s_report_t *a, const s_report_t *b)
{
    if (a->time_ms != b->time_ms)
        return a->time_ms > b->time_ms;
    if (a->seq != b->seq)
        return a->seq > b->seq;
    return memcmp (a->id, b->id, PROTO_HASH_BYTES) > 0;
}

//  Who may read the incident: the disclosure rule for plaintext levels;
//  for RED, those it is sealed to (the named nodes and the declarer).
static bool
s_may_read (const keys_roster_t *roster, const proto_header_t *header,
            const keys_member_t *member)
{
    const uint8_t *pk = member->card.sign_pk;
    if (header->level == PROTO_LEVEL_RED)
        return !memcmp (pk, header->author, PROTO_PK_BYTES)
            || proto_audience_names_node (&header->audience, pk);
    return keys_disclosure_payload (roster, header, pk)
        == KEYS_DISCLOSE_PLAINTEXT;
}

//  Fill rows (room for every roster member); returns how many.
static size_t
s_rows (const s_board_t *board, const s_view_t *view, uint64_t now,
        s_row_t *rows)
{
    size_t n = 0;
    for (size_t i = 0; i < keys_roster_member_count (view->roster); i++) {
        const keys_member_t *member = keys_roster_member (view->roster, i);
        if (!keys_roster_member_active (view->roster, member->card.sign_pk)
            || !s_may_read (view->roster, &board->header, member))
            continue;
        s_row_t *row = &rows[n++];
        row->member = member;
        row->latest = NULL;
        for (size_t r = 0; r < board->count; r++)
            if (!memcmp (board->reports[r].author, member->card.sign_pk,
                         PROTO_PK_BYTES)
                && (!row->latest || s_later (&board->reports[r],
                                             row->latest)))
                row->latest = &board->reports[r];
        //  A report stamped in the future (a fast clock) is not stale.
        row->stale = row->latest && now > row->latest->time_ms
                  && now - row->latest->time_ms > view->stale_ms;
    }
    return n;
}

static const char *
s_sector (const keys_member_t *member)
{
    const char *name = member ? proto_sector_name (member->card.sector)
                              : NULL;
    return name ? name : "-";
}

//  The first line of a report's text, tabs and CRs shown as spaces.
static void
s_print_first_line (FILE *out, const char *text)
{
    //  A member's own words: shown with visible marks (tool_print_text).
    tool_print_text (out, text, strcspn (text, "\n"), false);
}

static void
s_print_text (FILE *out, const s_board_t *board, const s_view_t *view,
              uint64_t now, const s_row_t *rows, size_t row_count)
{
    char when[TOOL_TIME_LEN], hex[S_HEX_LEN], name[KEYS_NAME_MAX + 1];
    tool_format_time (now, when);
    if (!board->found) {
        fprintf (out, "no declared incident held here (declare one with "
                      "'ceptoar incident open')\nas of %s\n", when);
        if (board->skipped)
            fprintf (out, "skipped: %zu entr%s whose payload cannot be read "
                          "here\n", board->skipped,
                     board->skipped == 1 ? "y" : "ies");
        return;
    }
    const keys_member_t *declarer
        = keys_roster_member_by_key (view->roster, board->header.author);
    char audience[2048], declared[TOOL_TIME_LEN];
    proto_hex_encode (hex, board->id, PROTO_HASH_BYTES);
    cli_author_name (view->roster, board->header.author, name, sizeof name);
    cli_audience_text (&board->header.audience, view->roster, audience,
                       sizeof audience);
    tool_format_time (board->time_ms, declared);
    fprintf (out, "INCIDENT %s\n  ", hex);
    tool_print_text (out, board->title, strlen (board->title), false);
    fprintf (out, "\n  declared by %s (%s) at %s\n"
                  "  %s, %s, severity %u\n", name,
             s_sector (declarer), declared,
             proto_level_label (board->header.level), audience,
             board->severity);

    size_t reported = 0, stale = 0;
    int name_w = 6, sector_w = 6;
    for (size_t i = 0; i < row_count; i++) {
        reported += rows[i].latest != NULL;
        stale += rows[i].stale;
        int w = (int) strlen (rows[i].member->card.name);
        name_w = w > name_w ? w : name_w;
        w = (int) strlen (s_sector (rows[i].member));
        sector_w = w > sector_w ? w : sector_w;
    }
    for (size_t i = 0; i < board->count; i++) {
        cli_author_name (view->roster, board->reports[i].author, name,
                         sizeof name);
        int w = (int) strlen (name);
        name_w = w > name_w ? w : name_w;
    }
    //  The one line that depends on the time (with the STALE marks).
    fprintf (out, "as of %s: %zu of %zu members reported, %zu STALE (no "
                  "report for over %s)\n", when, reported, row_count, stale,
             view->stale_text);

    fprintf (out, "\n%-*s  %-*s  %-*s  %s\n", name_w, "MEMBER", sector_w,
             "SECTOR", S_STATE_WIDTH, "STATE",
             "LAST REPORT (author time, UTC)");
    for (size_t i = 0; i < row_count; i++) {
        const s_row_t *row = &rows[i];
        fprintf (out, "%-*s  %-*s  ", name_w, row->member->card.name,
                 sector_w, s_sector (row->member));
        if (!row->latest) {
            fprintf (out, "%-*s  no report\n", S_STATE_WIDTH, "-");
            continue;
        }
        tool_format_time (row->latest->time_ms, when);
        fprintf (out, "%-*s  %s%s\n", S_STATE_WIDTH,
                 cli_state_name (row->latest->state), when,
                 row->stale ? "  STALE" : "");
    }

    fprintf (out, "\nTIMELINE (%zu report%s, oldest first)\n", board->count,
             board->count == 1 ? "" : "s");
    for (size_t i = 0; i < board->count; i++) {
        const s_report_t *report = &board->reports[i];
        tool_format_time (report->time_ms, when);
        proto_hex_encode (hex, report->id, PROTO_HASH_BYTES);
        cli_author_name (view->roster, report->author, name, sizeof name);
        fprintf (out, "%s  %-*s  %-*s  %-15s  %.16s  ", when, name_w, name,
                 S_STATE_WIDTH, cli_state_name (report->state),
                 proto_kind_name (report->kind), hex);
        s_print_first_line (out, report->text);
        fputc ('\n', out);
    }
    if (board->skipped)
        fprintf (out, "\nskipped: %zu entr%s whose payload cannot be read "
                      "here\n", board->skipped,
                 board->skipped == 1 ? "y" : "ies");
}

static json_t *
s_json (const s_board_t *board, const s_view_t *view, uint64_t now,
        const s_row_t *rows, size_t row_count)
{
    char when[TOOL_TIME_LEN], hex[S_HEX_LEN], name[KEYS_NAME_MAX + 1];
    json_t *obj = json_object ();
    if (!board->found)
        json_object_set_new (obj, "incident", json_null ());
    else {
        char audience[2048];
        const keys_member_t *declarer
            = keys_roster_member_by_key (view->roster, board->header.author);
        proto_hex_encode (hex, board->id, PROTO_HASH_BYTES);
        cli_author_name (view->roster, board->header.author, name,
                         sizeof name);
        cli_audience_text (&board->header.audience, view->roster, audience,
                           sizeof audience);
        tool_format_time (board->time_ms, when);
        json_object_set_new (obj, "incident", json_pack (
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s%}", "id", hex,
            "title", board->title, "author", name, "sector",
            s_sector (declarer), "time", when, "level",
            proto_level_label (board->header.level), "audience", audience,
            "severity", (int) board->severity, "text", board->text,
            board->text_len));
    }
    tool_format_time (now, when);
    json_object_set_new (obj, "now", json_string (when));
    json_object_set_new (obj, "stale_after", json_string (view->stale_text));
    json_object_set_new (obj, "stale_after_ms", json_integer (
        (json_int_t) view->stale_ms));
    json_t *members = json_array ();
    for (size_t i = 0; i < row_count; i++) {
        const s_row_t *row = &rows[i];
        json_t *one = json_pack ("{s:s, s:s}", "name", row->member->card.name,
                                 "sector", s_sector (row->member));
        if (row->latest) {
            tool_format_time (row->latest->time_ms, when);
            proto_hex_encode (hex, row->latest->id, PROTO_HASH_BYTES);
            json_object_set_new (one, "state", json_string (
                cli_state_name (row->latest->state)));
            json_object_set_new (one, "last_report", json_string (when));
            json_object_set_new (one, "report", json_string (hex));
        }
        else {
            json_object_set_new (one, "state", json_null ());
            json_object_set_new (one, "last_report", json_null ());
            json_object_set_new (one, "report", json_null ());
        }
        json_object_set_new (one, "stale", json_boolean (row->stale));
        json_array_append_new (members, one);
    }
    json_object_set_new (obj, "members", members);
    json_t *timeline = json_array ();
    for (size_t i = 0; i < board->count; i++) {
        const s_report_t *report = &board->reports[i];
        tool_format_time (report->time_ms, when);
        proto_hex_encode (hex, report->id, PROTO_HASH_BYTES);
        cli_author_name (view->roster, report->author, name, sizeof name);
        json_array_append_new (timeline, json_pack (
            "{s:s, s:s, s:s, s:s, s:s, s:s%}", "id", hex, "time", when,
            "author", name, "state", cli_state_name (report->state), "kind",
            proto_kind_name (report->kind), "text", report->text,
            report->text_len));
    }
    json_object_set_new (obj, "timeline", timeline);
    json_object_set_new (obj, "skipped", json_integer (
        (json_int_t) board->skipped));
    return obj;
}

//  Collect and print one board. Returns an exit code.
static int
s_draw (const s_view_t *view)
{
    s_board_t board;
    memset (&board, 0, sizeof board);
    s_row_t *rows = NULL;
    int rc = s_collect (&board, view);
    if (rc != TOOL_EXIT_OK)
        goto done;
    rc = TOOL_EXIT_USAGE;
    size_t members = keys_roster_member_count (view->roster);
    rows = calloc (members ? members : 1, sizeof *rows);
    if (!rows) {
        tool_error ("out of memory");
        goto done;
    }
    uint64_t now = proto_now_ms ();
    size_t row_count = board.found ? s_rows (&board, view, now, rows) : 0;
    if (view->clear)
        fputs ("\033[H\033[2J", stdout);
    if (view->json) {
        json_t *obj = s_json (&board, view, now, rows, row_count);
        int printed = obj ? cli_json_print (obj, view->watch) : -1;
        json_decref (obj);
        if (printed != 0)
            goto done;
    }
    else {
        s_print_text (stdout, &board, view, now, rows, row_count);
        if (view->watch && !view->clear)
            fputc ('\n', stdout);       /* boards one after another         */
    }
    if (fflush (stdout) != 0 || ferror (stdout)) {
        tool_error ("cannot write to standard output");
        goto done;
    }
    rc = TOOL_EXIT_OK;
done:
    free (rows);
    s_board_reset (&board);
    return rc;
}

int
cli_board (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "incident", required_argument, NULL, 'i' },
        { "stale", required_argument, NULL, 's' },
        { "watch", no_argument, NULL, 'w' },
        { "interval", required_argument, NULL, 'n' },
        { "json", no_argument, NULL, 'j' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL, *incident = NULL, *pass_file = NULL;
    s_view_t view;
    memset (&view, 0, sizeof view);
    view.stale_text = BOARD_STALE_DEFAULT;
    unsigned long interval = BOARD_INTERVAL_MS;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 'i': incident = optarg; break;
        case 's': view.stale_text = optarg; break;
        case 'w': view.watch = true; break;
        case 'j': view.json = true; break;
        case 'p': pass_file = optarg; break;
        case 'n':
            if (tool_parse_uint (optarg, 100, 3600000, &interval)) {
                tool_error ("invalid --interval \"%s\": 100 to 3600000 "
                            "milliseconds", optarg);
                return TOOL_EXIT_USAGE;
            }
            break;
        case 'h': fputs (s_usage, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || optind != argc) {
        tool_error ("board needs --dir NODEDIR");
        fputs (s_usage, stderr);
        return TOOL_EXIT_USAGE;
    }
    if (tool_parse_duration (view.stale_text, &view.stale_ms) != 0
        || view.stale_ms == 0) {
        tool_error ("invalid --stale \"%s\": a duration such as 30s, 10m, "
                    "2h or 1d", view.stale_text);
        return TOOL_EXIT_USAGE;
    }
    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    cli_opener_t opener = { NULL, NULL };
    if (incident) {
        if (cli_resolve_id (dir, incident, view.incident) != 0)
            goto done;
        view.fixed = true;
    }
    cli_opener_init (&opener, dir, pass_file);
    view.store = node_dir_store (dir);
    view.roster = node_dir_roster (dir);
    view.opener = &opener;
    view.clear = view.watch && !view.json && isatty (STDOUT_FILENO);
    if (view.watch) {
        cli_watch_signals ();
        fprintf (stderr, "ceptoar: watching %s every %lu ms (Ctrl-C to "
                         "stop)\n", dir_path, interval);
    }
    do {
        rc = s_draw (&view);
        if (rc != TOOL_EXIT_OK || !view.watch)
            break;
        if (!cli_interrupted ())
            cli_sleep_ms (interval);
    } while (!cli_interrupted ());
done:
    cli_opener_destroy (&opener);
    node_dir_destroy (&dir);
    return rc;
}
