/* SPDX-License-Identifier: MPL-2.0 */
/* cli_drill_int: the drill report as cli_drill_report.c collects it and
   cli_drill_render.c prints it (private to those two and cli_drill.c). */
#ifndef CLI_DRILL_INT_H
#define CLI_DRILL_INT_H

#include "cli.h"

/* One expected recipient of the drill: a member of its audience, other
   than its author, in the roster in force.                                 */
typedef struct {
    const keys_member_t *member;        /* borrowed from the dir's roster   */
    bool delivered;                     /* a signed receipt lists the drill */
    uint64_t delivered_ms;              /* earliest stored time it gives    */
    uint8_t receipt_id[PROTO_HASH_BYTES]; /* the receipt that said so       */
    uint64_t receipt_here_ms;           /* when this node stored it         */
    bool acked;                         /* an acknowledgement is held       */
    uint64_t acked_ms;                  /* its author's timestamp (earliest) */
    uint8_t ack_id[PROTO_HASH_BYTES];
    char by[PROTO_ACK_BY_MAX + 1];      /* the ack's by:, "" if none        */
} cli_drill_node_t;

/* Latency figures of n values (ms, signed: clocks may disagree).           */
typedef struct {
    size_t count;
    int64_t p50, p90, p99, max;         /* nearest rank; 0 when count is 0  */
} cli_drill_latency_t;

/* Upper bounds of the latency histogram's buckets (ms); the last bucket
   holds everything from the last bound up.                                 */
#define CLI_DRILL_BUCKETS 8

typedef struct {
    uint8_t id[PROTO_HASH_BYTES];       /* the drill entry                  */
    uint8_t author[PROTO_PK_BYTES];
    char author_name[KEYS_NAME_MAX + 1]; /* roster name or fingerprint     */
    uint64_t time_ms;                   /* the drill's author timestamp     */
    uint64_t deadline_ms;               /* from its body                    */
    uint64_t now_ms;                    /* when the report was made         */
    proto_level_t level;
    char audience[2048];                /* "council", "group:G", "node:..." */
    char *title;                        /* NUL-ended copy (wiped on free)   */
    size_t title_len;
    uint64_t row;                       /* the drill's row in this store    */
    bool at_author;                     /* this node is the drill's author  */
    char self_name[KEYS_NAME_MAX + 1];  /* this node                        */
    cli_drill_node_t *nodes;            /* expected recipients, roster order */
    size_t count;
    size_t delivered_deadline, delivered_now;
    size_t acked_deadline, acked_now;
    size_t late;                        /* delivered after the deadline     */
    size_t ignored_outside;             /* receipts/acks from outside the
                                           audience (or its author)         */
    size_t ignored_malformed;           /* acks of the drill not as
                                           specified                        */
    cli_drill_latency_t latency;        /* delivery, from time_ms           */
    cli_drill_latency_t ack_latency;    /* acknowledgement, from time_ms    */
    size_t histogram[CLI_DRILL_BUCKETS];      /* deliveries by the deadline */
    size_t histogram_late[CLI_DRILL_BUCKETS]; /* ... and after it           */
} cli_drill_report_t;

extern const int64_t cli_drill_bucket_ms[CLI_DRILL_BUCKETS - 1];

/* ------------------------------------------------------------------------
   Collect the report of drill id from dir's store (see cli_drill_report.c
   for where each figure comes from). Returns a new report (caller
   destroys), or NULL after printing why, with *exit_code: TOOL_EXIT_USAGE
   (not a drill, store unreadable) or TOOL_EXIT_FAIL.                        */
cli_drill_report_t *cli_drill_report_new (node_dir_t *dir,
                                          const uint8_t id[PROTO_HASH_BYTES],
                                          cli_opener_t *opener,
                                          int *exit_code);
void cli_drill_report_destroy (cli_drill_report_t **self_p);

/* ------------------------------------------------------------------------
   Print the report: readable text, one JSON object, or CSV (a header line
   and one row per expected recipient). Return 0, or -1 if out failed.      */
int cli_drill_report_print (const cli_drill_report_t *self, FILE *out);
int cli_drill_report_json (const cli_drill_report_t *self);
int cli_drill_report_csv (const cli_drill_report_t *self, FILE *out);

#endif
