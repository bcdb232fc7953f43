/* SPDX-License-Identifier: MPL-2.0 */
/* cli_drill_render: a drill report as text (at a glance), JSON and CSV. */

/* The text is for the secretariat watching a drill: a heading, the two
   rates as bars (delivered and acknowledged, at the deadline and now), one
   line that can be pasted into a report ("delivered 5/7 (71%) at
   deadline, 7/7 (100%) now"), a table of every expected node, the
   latency percentiles with a small histogram, the late nodes with their
   real times, and the nodes unreachable during the drill. Times in the
   table are UTC clock times (HH:MM:SS.mmm, "+1d" on a later day); JSON
   and CSV carry full ISO 8601 times and milliseconds. Nothing here
   computes a figure: cli_drill_report.c does.                               */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_drill_int.h"

#define S_BAR_WIDTH 30
#define S_HIST_WIDTH 30
#define S_BY_COLS 16
#define S_SHORT_LEN 32

//  --------------------------------------------------------------------------
//  Small formatting helpers

//  Percent of k in n, rounded to the nearest (0 when n is 0).
static unsigned
s_percent (size_t k, size_t n)
{
    return n ? (unsigned) ((200 * (uint64_t) k + n) / (2 * (uint64_t) n))
             : 0;
}

//  "10:00:04.123" UTC, with " +1d" when on a later day than ref_ms.
static void
s_clock (uint64_t ms, uint64_t ref_ms, char *out, size_t len)
{
    char iso[TOOL_TIME_LEN];
    tool_format_time (ms, iso);
    uint64_t day = ms / 86400000ULL, ref_day = ref_ms / 86400000ULL;
    if (day > ref_day)
        snprintf (out, len, "%s +%" PRIu64 "d", iso + 11, day - ref_day);
    else if (day < ref_day)
        snprintf (out, len, "%.10s %s", iso, iso + 11);
    else
        snprintf (out, len, "%s", iso + 11);
    //  Drop the trailing Z of the ISO form: the heading says UTC.
    char *z = strchr (out, 'Z');
    if (z)
        memmove (z, z + 1, strlen (z));
}

//  A latency for people: "120 ms", "4.2 s", "3 min 05 s", "2 h 10 min",
//  "1 d 4 h"; negative (clocks disagree) with a minus sign.
static void
s_duration (int64_t ms, char *out, size_t len)
{
    const char *sign = ms < 0 ? "-" : "";
    uint64_t v = ms < 0 ? (uint64_t) (-(ms + 1)) + 1 : (uint64_t) ms;
    if (v < 1000)
        snprintf (out, len, "%s%" PRIu64 " ms", sign, v);
    else if (v < 60000)
        snprintf (out, len, "%s%" PRIu64 ".%" PRIu64 " s", sign, v / 1000,
                  (v % 1000) / 100);
    else if (v < 3600000)
        snprintf (out, len, "%s%" PRIu64 " min %02" PRIu64 " s", sign,
                  v / 60000, (v % 60000) / 1000);
    else if (v < 86400000)
        snprintf (out, len, "%s%" PRIu64 " h %02" PRIu64 " min", sign,
                  v / 3600000, (v % 3600000) / 60000);
    else
        snprintf (out, len, "%s%" PRIu64 " d %" PRIu64 " h", sign,
                  v / 86400000, (v % 86400000) / 3600000);
}

//  Terminal columns of the code point c: 2 for East Asian wide and
//  full-width ranges (names and by: may well be Japanese), else 1.
static unsigned
s_cols (uint32_t c)
{
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF)
        || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF)
        || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60)
        || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

//  Display columns of a UTF-8 text.
static unsigned
s_width (const char *text)
{
    unsigned cols = 0;
    const unsigned char *p = (const unsigned char *) text;
    while (*p) {
        uint32_t c = *p;
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (n > 1) {
            c &= 0x3F >> (n - 1);
            for (size_t i = 1; i < n && p[i]; i++)
                c = (c << 6) | (p[i] & 0x3F);
        }
        cols += s_cols (c);
        for (size_t i = 0; i < n && *p; i++)
            p++;
    }
    return cols;
}

//  Print text (valid UTF-8) in exactly cols columns: padded with spaces,
//  or cut to cols - 1 and ended with '~' when too wide.
static void
s_cell (FILE *out, const char *text, unsigned cols)
{
    const unsigned char *p = (const unsigned char *) text;
    unsigned used = 0;
    unsigned total = s_width (text);
    unsigned limit = total > cols ? cols - 1 : cols;
    while (*p) {
        uint32_t c = *p;
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (n > 1) {
            c &= 0x3F >> (n - 1);
            for (size_t i = 1; i < n && p[i]; i++)
                c = (c << 6) | (p[i] & 0x3F);
        }
        if (used + s_cols (c) > limit)
            break;
        used += s_cols (c);
        for (size_t i = 0; i < n && *p; i++)
            fputc (*p++, out);
    }
    if (total > cols) {
        fputc ('~', out);
        used++;
    }
    for (; used < cols; used++)
        fputc (' ', out);
}

//  "delivered" / "LATE" / "MISSING", then ", acked" or ", acked late".
static void
s_status (const cli_drill_report_t *self, const cli_drill_node_t *node,
          char *out, size_t len)
{
    const char *delivery = !node->delivered ? "MISSING"
                         : node->delivered_ms <= self->deadline_ms
                               ? "delivered"
                               : "LATE";
    const char *ack = !node->acked ? ""
                    : node->acked_ms <= self->deadline_ms ? ", acked"
                                                          : ", acked late";
    snprintf (out, len, "%s%s", delivery, ack);
}

static const char *
s_on_time (bool done, uint64_t ms, uint64_t deadline_ms)
{
    return !done ? "missing" : ms <= deadline_ms ? "on-time" : "late";
}

//  --------------------------------------------------------------------------
//  Text

static void
s_bar (FILE *out, const char *what, const char *when, size_t k, size_t n)
{
    size_t fill = n ? (S_BAR_WIDTH * k + n / 2) / n : 0;
    fprintf (out, "  %-13s %-12s [", what, when);
    for (size_t i = 0; i < S_BAR_WIDTH; i++)
        fputc (i < fill ? '#' : '.', out);
    fprintf (out, "] %3zu/%-3zu %3u%%\n", k, n, s_percent (k, n));
}

static void
s_print_latency (FILE *out, const char *what, const cli_drill_latency_t *l)
{
    char p50[S_SHORT_LEN], p90[S_SHORT_LEN], p99[S_SHORT_LEN];
    char max[S_SHORT_LEN];
    if (l->count == 0) {
        fprintf (out, "%s: none\n", what);
        return;
    }
    s_duration (l->p50, p50, sizeof p50);
    s_duration (l->p90, p90, sizeof p90);
    s_duration (l->p99, p99, sizeof p99);
    s_duration (l->max, max, sizeof max);
    fprintf (out, "%s (%zu, from the drill's time):\n"
                  "  p50 %s   p90 %s   p99 %s   max %s\n", what, l->count,
             p50, p90, p99, max);
}

static void
s_print_histogram (FILE *out, const cli_drill_report_t *self)
{
    size_t first = CLI_DRILL_BUCKETS, last = 0, top = 0;
    for (size_t b = 0; b < CLI_DRILL_BUCKETS; b++) {
        size_t n = self->histogram[b] + self->histogram_late[b];
        if (n) {
            if (first == CLI_DRILL_BUCKETS)
                first = b;
            last = b;
            if (n > top)
                top = n;
        }
    }
    if (first == CLI_DRILL_BUCKETS)
        return;
    static const char *labels[CLI_DRILL_BUCKETS] = {
        "< 100 ms", "< 1 s", "< 10 s", "< 1 min", "< 10 min", "< 1 h",
        "< 1 d", ">= 1 d",
    };
    fprintf (out, "  (# by the deadline, ! late)\n");
    for (size_t b = first; b <= last; b++) {
        const char *label = labels[b];
        size_t on = self->histogram[b], late = self->histogram_late[b];
        //  Scaled to the fullest bucket, but a non-empty one shows at
        //  least one mark.
        size_t on_w = top <= S_HIST_WIDTH ? on
                    : on ? (on * S_HIST_WIDTH + top - 1) / top : 0;
        size_t late_w = top <= S_HIST_WIDTH ? late
                      : late ? (late * S_HIST_WIDTH + top - 1) / top : 0;
        fprintf (out, "  %8s  ", label);
        for (size_t i = 0; i < on_w; i++)
            fputc ('#', out);
        for (size_t i = 0; i < late_w; i++)
            fputc ('!', out);
        size_t used = on_w + late_w;
        fprintf (out, "%*s %zu\n",
                 used < S_HIST_WIDTH ? (int) (S_HIST_WIDTH - used) : 0, "",
                 on + late);
    }
}

#define S_COLUMNS 7

//  One row of the table: every expected node, its cells as text.
static void
s_row_cells (const cli_drill_report_t *self, const cli_drill_node_t *node,
             char cells[S_COLUMNS][KEYS_NAME_MAX + 1])
{
    snprintf (cells[0], sizeof cells[0], "%s", node->member->card.name);
    snprintf (cells[1], sizeof cells[1], "%s",
              proto_sector_name (node->member->card.sector));
    snprintf (cells[2], sizeof cells[2], "-");
    snprintf (cells[3], sizeof cells[3], "-");
    snprintf (cells[4], sizeof cells[4], "-");
    if (node->delivered) {
        s_clock (node->delivered_ms, self->time_ms, cells[2],
                 sizeof cells[2]);
        s_duration ((int64_t) (node->delivered_ms - self->time_ms),
                    cells[3], sizeof cells[3]);
    }
    if (node->acked)
        s_clock (node->acked_ms, self->time_ms, cells[4], sizeof cells[4]);
    //  cells[5], by:, may be longer than a cell holds: s_cell cuts it.
    cells[5][0] = 0;
    s_status (self, node, cells[6], sizeof cells[6]);
}

static void
s_print_table (FILE *out, const cli_drill_report_t *self)
{
    static const char *heads[S_COLUMNS] = {
        "NODE", "SECTOR", "DELIVERED (UTC)", "LATENCY", "ACKED (UTC)", "BY",
        "STATUS",
    };
    unsigned widths[S_COLUMNS];
    for (size_t c = 0; c < S_COLUMNS; c++)
        widths[c] = s_width (heads[c]);
    char cells[S_COLUMNS][KEYS_NAME_MAX + 1];
    for (size_t i = 0; i < self->count; i++) {
        s_row_cells (self, &self->nodes[i], cells);
        for (size_t c = 0; c < S_COLUMNS; c++) {
            unsigned w = c == 5 ? s_width (self->nodes[i].by[0]
                                               ? self->nodes[i].by
                                               : "-")
                                : s_width (cells[c]);
            if (w > widths[c])
                widths[c] = w;
        }
    }
    if (widths[5] > S_BY_COLS)
        widths[5] = S_BY_COLS;
    for (size_t c = 0; c < S_COLUMNS; c++) {
        if (c + 1 < S_COLUMNS) {
            s_cell (out, heads[c], widths[c]);
            fputs ("  ", out);
        }
        else
            fprintf (out, "%s\n", heads[c]);
    }
    for (size_t i = 0; i < self->count; i++) {
        const cli_drill_node_t *node = &self->nodes[i];
        s_row_cells (self, node, cells);
        for (size_t c = 0; c + 1 < S_COLUMNS; c++) {
            s_cell (out, c == 5 ? (node->by[0] ? node->by : "-") : cells[c],
                    widths[c]);
            fputs ("  ", out);
        }
        fprintf (out, "%s\n", cells[S_COLUMNS - 1]);
    }
}

int
cli_drill_report_print (const cli_drill_report_t *self, FILE *out)
{
    char hex[2 * PROTO_HASH_BYTES + 1];
    char when[TOOL_TIME_LEN], deadline[TOOL_TIME_LEN], now[TOOL_TIME_LEN];
    char span[S_SHORT_LEN];
    proto_hex_encode (hex, self->id, PROTO_HASH_BYTES);
    const char *author = self->author_name;
    tool_format_time (self->time_ms, when);
    tool_format_time (self->deadline_ms, deadline);
    tool_format_time (self->now_ms, now);
    s_duration ((int64_t) (self->deadline_ms - self->time_ms), span,
                sizeof span);
    fprintf (out, "drill %s\n", hex);
    //  The drill's author wrote the title: visible marks for controls.
    fputs ("  \"", out);
    const char *title = self->title ? self->title : "?";
    tool_print_text (out, title, strlen (title), false);
    fprintf (out, "\"\n  by %s, %s, to %s\n", author,
             proto_level_label (self->level), self->audience);
    fprintf (out, "  posted   %s\n  deadline %s (%s later)\n"
                  "  report   %s at %s\n", when, deadline, span, now,
             self->self_name);
    bool passed = self->now_ms > self->deadline_ms;
    if (!passed) {
        s_duration ((int64_t) (self->deadline_ms - self->now_ms), span,
                    sizeof span);
        fprintf (out, "  the deadline has not passed (%s to go): figures at "
                      "the deadline\n  may still change\n", span);
    }
    if (!self->at_author)
        fprintf (out, "  note: receipts and acknowledgements go to the "
                      "drill's author, %s;\n  this node (%s) shows only what "
                      "it holds: run the report at %s\n",
                 author, self->self_name, author);
    size_t n = self->count;
    fprintf (out, "\n%zu node%s expected (the audience without the author)"
                  "\n", n, n == 1 ? "" : "s");
    if (n == 0) {
        fprintf (out, "nothing to confirm: the audience is the author "
                      "alone\n");
        return ferror (out) ? -1 : 0;
    }
    s_bar (out, "delivered", "at deadline", self->delivered_deadline, n);
    s_bar (out, "", "now", self->delivered_now, n);
    s_bar (out, "acknowledged", "at deadline", self->acked_deadline, n);
    s_bar (out, "", "now", self->acked_now, n);
    fprintf (out, "\ndelivered %zu/%zu (%u%%) at deadline, %zu/%zu (%u%%) "
                  "now\n", self->delivered_deadline, n,
             s_percent (self->delivered_deadline, n), self->delivered_now, n,
             s_percent (self->delivered_now, n));
    fprintf (out, "acknowledged %zu/%zu (%u%%) at deadline, %zu/%zu (%u%%) "
                  "now\n\n", self->acked_deadline, n,
             s_percent (self->acked_deadline, n), self->acked_now, n,
             s_percent (self->acked_now, n));
    s_print_table (out, self);
    fputc ('\n', out);
    s_print_latency (out, "delivery latency", &self->latency);
    s_print_histogram (out, self);
    s_print_latency (out, "acknowledgement latency", &self->ack_latency);

    if (self->late) {
        fprintf (out, "\nLATE: delivered after the deadline\n");
        for (size_t i = 0; i < n; i++) {
            const cli_drill_node_t *node = &self->nodes[i];
            if (!node->delivered || node->delivered_ms <= self->deadline_ms)
                continue;
            char at[TOOL_TIME_LEN], after[S_SHORT_LEN];
            tool_format_time (node->delivered_ms, at);
            s_duration ((int64_t) (node->delivered_ms - self->deadline_ms),
                        after, sizeof after);
            fprintf (out, "  %s: delivered %s, %s after the deadline\n",
                     node->member->card.name, at, after);
        }
    }
    size_t unreachable = n - self->delivered_deadline;
    if (unreachable) {
        fprintf (out, "\n%s (%zu): ", passed
                     ? "unreachable during the drill: no delivery by the "
                       "deadline"
                     : "no delivery yet",
                 unreachable);
        size_t shown = 0;
        for (size_t i = 0; i < n; i++) {
            const cli_drill_node_t *node = &self->nodes[i];
            if (node->delivered && node->delivered_ms <= self->deadline_ms)
                continue;
            fprintf (out, "%s%s (%s)", shown++ ? ", " : "",
                     node->member->card.name,
                     node->delivered ? "late" : "missing");
        }
        fputc ('\n', out);
    }
    if (self->ignored_outside)
        fprintf (out, "\nignored: %zu receipt(s) or acknowledgement(s) from "
                      "outside the drill's\n  audience\n",
                 self->ignored_outside);
    if (self->ignored_malformed)
        fprintf (out, "\nignored: %zu acknowledgement(s) of the drill not as "
                      "specified\n", self->ignored_malformed);
    return ferror (out) ? -1 : 0;
}

//  --------------------------------------------------------------------------
//  JSON

static json_t *
s_time_json (uint64_t ms)
{
    char iso[TOOL_TIME_LEN];
    tool_format_time (ms, iso);
    return json_string (iso);
}

static json_t *
s_rate_json (size_t deadline, size_t now, size_t n)
{
    return json_pack ("{s:I, s:I, s:I, s:I, s:f, s:f}", "at_deadline",
                      (json_int_t) deadline, "now", (json_int_t) now,
                      "percent_at_deadline",
                      (json_int_t) s_percent (deadline, n), "percent_now",
                      (json_int_t) s_percent (now, n), "rate_at_deadline",
                      n ? (double) deadline / (double) n : 0.0, "rate_now",
                      n ? (double) now / (double) n : 0.0);
}

static json_t *
s_latency_json (const cli_drill_latency_t *l)
{
    if (l->count == 0)
        return json_pack ("{s:i, s:n, s:n, s:n, s:n}", "count", 0, "p50",
                          "p90", "p99", "max");
    return json_pack ("{s:I, s:I, s:I, s:I, s:I}", "count",
                      (json_int_t) l->count, "p50", (json_int_t) l->p50,
                      "p90", (json_int_t) l->p90, "p99", (json_int_t) l->p99,
                      "max", (json_int_t) l->max);
}

static json_t *
s_node_json (const cli_drill_report_t *self, const cli_drill_node_t *node)
{
    char fpr[PROTO_FPR_HEX_LEN + 1], hex[2 * PROTO_HASH_BYTES + 1];
    char status[S_SHORT_LEN];
    proto_fingerprint (fpr, node->member->card.sign_pk);
    s_status (self, node, status, sizeof status);
    json_t *obj = json_pack (
        "{s:s, s:s, s:s, s:s, s:s, s:s}", "name", node->member->card.name,
        "sector", proto_sector_name (node->member->card.sector),
        "fingerprint", fpr, "delivery",
        s_on_time (node->delivered, node->delivered_ms, self->deadline_ms),
        "ack", s_on_time (node->acked, node->acked_ms, self->deadline_ms),
        "status", status);
    if (node->delivered) {
        proto_hex_encode (hex, node->receipt_id, PROTO_HASH_BYTES);
        json_object_set_new (obj, "delivered_at",
                             s_time_json (node->delivered_ms));
        json_object_set_new (obj, "delivered_ms",
                             json_integer ((json_int_t) node->delivered_ms));
        json_object_set_new (obj, "latency_ms", json_integer (
            (json_int_t) (int64_t) (node->delivered_ms - self->time_ms)));
        json_object_set_new (obj, "receipt", json_string (hex));
        json_object_set_new (obj, "receipt_stored_here",
                             s_time_json (node->receipt_here_ms));
    }
    else {
        json_object_set_new (obj, "delivered_at", json_null ());
        json_object_set_new (obj, "delivered_ms", json_null ());
        json_object_set_new (obj, "latency_ms", json_null ());
        json_object_set_new (obj, "receipt", json_null ());
    }
    if (node->acked) {
        proto_hex_encode (hex, node->ack_id, PROTO_HASH_BYTES);
        json_object_set_new (obj, "acked_at", s_time_json (node->acked_ms));
        json_object_set_new (obj, "acked_ms",
                             json_integer ((json_int_t) node->acked_ms));
        json_object_set_new (obj, "ack_latency_ms", json_integer (
            (json_int_t) (int64_t) (node->acked_ms - self->time_ms)));
        json_object_set_new (obj, "by", node->by[0] ? json_string (node->by)
                                                    : json_null ());
        json_object_set_new (obj, "ack_id", json_string (hex));
    }
    else {
        json_object_set_new (obj, "acked_at", json_null ());
        json_object_set_new (obj, "acked_ms", json_null ());
        json_object_set_new (obj, "ack_latency_ms", json_null ());
        json_object_set_new (obj, "by", json_null ());
        json_object_set_new (obj, "ack_id", json_null ());
    }
    return obj;
}

int
cli_drill_report_json (const cli_drill_report_t *self)
{
    char hex[2 * PROTO_HASH_BYTES + 1], author[2 * PROTO_PK_BYTES + 1];
    proto_hex_encode (hex, self->id, PROTO_HASH_BYTES);
    proto_hex_encode (author, self->author, PROTO_PK_BYTES);
    json_t *nodes = json_array ();
    json_t *late = json_array ();
    json_t *unreachable = json_array ();
    for (size_t i = 0; i < self->count; i++) {
        const cli_drill_node_t *node = &self->nodes[i];
        json_array_append_new (nodes, s_node_json (self, node));
        if (node->delivered && node->delivered_ms > self->deadline_ms)
            json_array_append_new (late, json_pack (
                "{s:s, s:o, s:I, s:I}", "name", node->member->card.name,
                "delivered_at", s_time_json (node->delivered_ms),
                "delivered_ms", (json_int_t) node->delivered_ms,
                "after_deadline_ms",
                (json_int_t) (node->delivered_ms - self->deadline_ms)));
        if (!node->delivered || node->delivered_ms > self->deadline_ms)
            json_array_append_new (unreachable,
                                   json_string (node->member->card.name));
    }
    json_t *histogram = json_array ();
    for (size_t b = 0; b < CLI_DRILL_BUCKETS; b++)
        json_array_append_new (histogram, json_pack (
            "{s:o, s:I, s:I}", "below_ms",
            b < CLI_DRILL_BUCKETS - 1
                ? json_integer ((json_int_t) cli_drill_bucket_ms[b])
                : json_null (),
            "on_time", (json_int_t) self->histogram[b], "late",
            (json_int_t) self->histogram_late[b]));
    size_t n = self->count;
    json_t *obj = json_object ();
    json_object_set_new (obj, "drill", json_pack (
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:o, s:I}", "id", hex,
        "title", self->title ? self->title : "", "author", self->author_name,
        "author_key", author, "level", proto_level_label (self->level),
        "audience", self->audience, "time", s_time_json (self->time_ms),
        "time_ms", (json_int_t) self->time_ms, "deadline",
        s_time_json (self->deadline_ms), "deadline_ms",
        (json_int_t) self->deadline_ms));
    json_object_set_new (obj, "node", json_string (self->self_name));
    json_object_set_new (obj, "at_author", json_boolean (self->at_author));
    json_object_set_new (obj, "reported_at", s_time_json (self->now_ms));
    json_object_set_new (obj, "reported_ms",
                         json_integer ((json_int_t) self->now_ms));
    json_object_set_new (obj, "deadline_passed",
                         json_boolean (self->now_ms > self->deadline_ms));
    json_object_set_new (obj, "expected", json_integer ((json_int_t) n));
    json_object_set_new (obj, "delivered", s_rate_json (
        self->delivered_deadline, self->delivered_now, n));
    json_object_set_new (obj, "acknowledged", s_rate_json (
        self->acked_deadline, self->acked_now, n));
    json_object_set_new (obj, "latency_ms", s_latency_json (&self->latency));
    json_object_set_new (obj, "ack_latency_ms",
                         s_latency_json (&self->ack_latency));
    json_object_set_new (obj, "histogram", histogram);
    json_object_set_new (obj, "late", late);
    json_object_set_new (obj, "unreachable", unreachable);
    json_object_set_new (obj, "ignored", json_pack (
        "{s:I, s:I}", "outside_audience", (json_int_t) self->ignored_outside,
        "malformed", (json_int_t) self->ignored_malformed));
    json_object_set_new (obj, "nodes", nodes);
    int rc = cli_json_print (obj, false);
    json_decref (obj);
    return rc;
}

//  --------------------------------------------------------------------------
//  CSV (RFC 4180 quoting: a field with a comma, quote or line break is
//  quoted, its quotes doubled; lines end in LF)

static void
s_csv_field (FILE *out, const char *text, bool last)
{
    if (strpbrk (text, ",\"\r\n")) {
        fputc ('"', out);
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                fputc ('"', out);
            fputc (*p, out);
        }
        fputc ('"', out);
    }
    else
        fputs (text, out);
    fputs (last ? "\n" : ",", out);
}

int
cli_drill_report_csv (const cli_drill_report_t *self, FILE *out)
{
    fputs ("node,sector,fingerprint,delivered_at,latency_ms,delivery,"
           "acked_at,ack_latency_ms,ack,by,status\n", out);
    for (size_t i = 0; i < self->count; i++) {
        const cli_drill_node_t *node = &self->nodes[i];
        char fpr[PROTO_FPR_HEX_LEN + 1], status[S_SHORT_LEN];
        char delivered[TOOL_TIME_LEN] = "", latency[S_SHORT_LEN] = "";
        char acked[TOOL_TIME_LEN] = "", ack_latency[S_SHORT_LEN] = "";
        proto_fingerprint (fpr, node->member->card.sign_pk);
        s_status (self, node, status, sizeof status);
        if (node->delivered) {
            tool_format_time (node->delivered_ms, delivered);
            snprintf (latency, sizeof latency, "%" PRId64,
                      (int64_t) (node->delivered_ms - self->time_ms));
        }
        if (node->acked) {
            tool_format_time (node->acked_ms, acked);
            snprintf (ack_latency, sizeof ack_latency, "%" PRId64,
                      (int64_t) (node->acked_ms - self->time_ms));
        }
        s_csv_field (out, node->member->card.name, false);
        s_csv_field (out, proto_sector_name (node->member->card.sector),
                     false);
        s_csv_field (out, fpr, false);
        s_csv_field (out, delivered, false);
        s_csv_field (out, latency, false);
        s_csv_field (out, s_on_time (node->delivered, node->delivered_ms,
                                     self->deadline_ms), false);
        s_csv_field (out, acked, false);
        s_csv_field (out, ack_latency, false);
        s_csv_field (out, s_on_time (node->acked, node->acked_ms,
                                     self->deadline_ms), false);
        s_csv_field (out, node->by, false);
        s_csv_field (out, status, true);
    }
    return ferror (out) ? -1 : 0;
}
