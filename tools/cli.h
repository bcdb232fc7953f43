/* SPDX-License-Identifier: MPL-2.0 */
/* cli: the commands of the ceptoar operator CLI and what they share. */
#ifndef CLI_H
#define CLI_H

#include <czmq.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "../keys/keys.h"
#include "../node/node_dir.h"
#include "tool_util.h"

/* Each command takes argc/argv starting at its own name and returns the
   process exit code (tool_util.h).                                          */
int cli_init (int argc, char *argv[]);
int cli_post (int argc, char *argv[]);
int cli_list (int argc, char *argv[]);
int cli_show (int argc, char *argv[]);
int cli_fsck (int argc, char *argv[]);
int cli_audit (int argc, char *argv[]);
int cli_follow (int argc, char *argv[]);
int cli_peers (int argc, char *argv[]);
int cli_roster (int argc, char *argv[]);
int cli_ack (int argc, char *argv[]);
/* "drill start" and "drill report" (cli_drill.c): argv[0] is "drill".      */
int cli_drill (int argc, char *argv[]);
/* "roster revoke" and "roster card-update" (cli_notice.c): argv[0] is the
   subcommand.                                                               */
int cli_roster_notice (int argc, char *argv[]);
/* The large-scale IT failure mode: "incident open" and "status post"
   (cli_incident.c), "board" (cli_board.c).                                  */
int cli_incident (int argc, char *argv[]);
int cli_status (int argc, char *argv[]);
int cli_board (int argc, char *argv[]);

/* A member's state during an incident, as a status entry reports it.
   Explicit numbers; 0 is no state.                                          */
typedef enum {
    CLI_STATE_NORMAL = 1,        /* unaffected                               */
    CLI_STATE_DEGRADED = 2,      /* working, with reduced service            */
    CLI_STATE_OUTAGE = 3,        /* service down                             */
    CLI_STATE_RECOVERING = 4,    /* restoring                                */
    CLI_STATE_RECOVERED = 5,     /* back to normal after the incident        */
} cli_state_t;

/* ------------------------------------------------------------------------
   State by name (case-insensitive; 0 if unknown) and name by state (a
   static string, or NULL if not a state).                                   */
cli_state_t cli_state_parse (const char *name);
const char *cli_state_name (int state);

/* ------------------------------------------------------------------------
   True if payload is a declared incident: kind incident and a body whose
   first line is "ceptoar-incident: 1". text (may be NULL) gets the free
   text after the blank line (borrowed from payload; length 0 if none).      */
bool cli_incident_parse (const proto_payload_t *payload, const char **text,
                         size_t *text_len);

/* ------------------------------------------------------------------------
   Read payload as a status report against the incident: kind
   damage-status or response-status, a reference of relation update to
   incident, a body whose first line is "ceptoar-status: 1" with a line
   "state: STATE" (a known state, lowercase). Returns 0 and fills state and
   text (the free text after the blank line, borrowed from payload), or -1
   if it is not one.                                                         */
int cli_status_parse (const proto_payload_t *payload,
                      const uint8_t incident[PROTO_HASH_BYTES],
                      cli_state_t *state, const char **text,
                      size_t *text_len);

/* ------------------------------------------------------------------------
   Post payload as a new entry of this node (cli_publish.c): flags plus
   those the payload implies (proto_payload_implied_flags), the audience
   resolved from audience_text, sealed to its recipients if level is RED,
   signed and stored by ceptoard if it runs for dir_path, else with the key
   (opened with pass_file if encrypted) into dir's store. Returns
   TOOL_EXIT_OK with id set, or an exit code after printing why.             */
int cli_publish (const char *dir_path, node_dir_t *dir, const char *pass_file,
                 proto_level_t level, uint8_t flags, const char *audience_text,
                 const proto_payload_t *payload, uint8_t id[PROTO_HASH_BYTES]);

/* ------------------------------------------------------------------------
   cli_publish with the audience given as a value (a copy is taken), for
   commands that take it from another entry's header (status post).         */
int cli_publish_to (const char *dir_path, node_dir_t *dir,
                    const char *pass_file, proto_level_t level, uint8_t flags,
                    const proto_audience_t *audience,
                    const proto_payload_t *payload,
                    uint8_t id[PROTO_HASH_BYTES]);

/* ------------------------------------------------------------------------
   Run the subcommand of a command with subcommands (drill, incident,
   roster, status): argv[0] is the command (named what in messages),
   argv[1] the subcommand, which runs with argv + 1. --help, -h and help
   print usage; a missing or unknown subcommand is a usage error naming
   the ones there are.                                                       */
typedef struct {
    const char *name;
    int (*run) (int argc, char *argv[]);
} cli_subcommand_t;
int cli_subcommand (int argc, char *argv[], const char *what,
                    const char *usage, const cli_subcommand_t *subs,
                    size_t count);

/* ------------------------------------------------------------------------
   For commands that run until interrupted (follow, board --watch):
   cli_watch_signals makes SIGINT and SIGTERM set a flag that
   cli_interrupted returns, without SA_RESTART, so that cli_sleep_ms (a
   sleep of ms milliseconds) is cut short by them and Ctrl-C is prompt.      */
void cli_watch_signals (void);
bool cli_interrupted (void);
void cli_sleep_ms (unsigned long ms);

/* ------------------------------------------------------------------------
   Option values that several commands take, each checked with one message:
   a level (0 after saying it is unknown), a severity (-1 after saying it
   is invalid), a title (false after saying it is not one line of 1 to
   PROTO_TITLE_MAX bytes of UTF-8).                                          */
proto_level_t cli_level_arg (const char *text);
int cli_severity_arg (const char *text);
bool cli_title_ok (const char *title);

/* ------------------------------------------------------------------------
   Open NODEDIR, printing a clear error on failure (NULL).                   */
node_dir_t *cli_open_dir (const char *dir);

/* ------------------------------------------------------------------------
   Hand a change to the node at dir_path, decided by the daemon lock: if
   ceptoard runs, daemon (dir_path, arg) sends it through the control
   socket; otherwise local (dir, arg) applies it here while this holds
   the lock, so that no daemon starts halfway on the old files. Each
   returns an exit code, which this returns (TOOL_EXIT_USAGE if the
   directory does not open or the lock cannot be taken).                    */
typedef int (cli_daemon_fn) (const char *dir_path, void *arg);
typedef int (cli_local_fn) (node_dir_t *dir, void *arg);
int cli_through_node (const char *dir_path, cli_daemon_fn *daemon,
                      cli_local_fn *local, void *arg);

/* ------------------------------------------------------------------------
   For commands whose only options are --dir NODEDIR, --json and --help
   (audit, peers, roster show): parse them and open the node directory.
   Returns 0 with *dir (caller destroys), *dir_path (from argv) and *json
   set; or -1 when the command is already over, with *exit_code: --help was
   printed (TOOL_EXIT_OK), or a usage error or a directory that does not
   open was reported (TOOL_EXIT_USAGE). what names the command in errors.  */
int cli_dir_command (int argc, char *argv[], const char *usage,
                     const char *what, node_dir_t **dir,
                     const char **dir_path, bool *json, int *exit_code);

/* ------------------------------------------------------------------------
   Resolve an entry id given as 64 hex characters or a unique prefix of at
   least 8. Returns 0 and fills id; prints an error and returns -1 if none
   or several entries match.                                                 */
int cli_resolve_id (node_dir_t *dir, const char *text,
                    uint8_t id[PROTO_HASH_BYTES]);

/* Keys to open RED payloads with, if this invocation may use them.         */
typedef struct {
    keys_secret_t *key;          /* NULL: sealed payloads stay sealed        */
    const char *note;            /* why key is NULL, said once when a sealed
                                    payload is met; NULL once said          */
} cli_opener_t;

/* ------------------------------------------------------------------------
   Open the node's key for reading RED payloads: without a passphrase if the
   key is unencrypted, with pass_file if given; otherwise leave it closed
   (never prompts). Never fails: a key that cannot be opened only means
   sealed payloads are shown as sealed (a note on stderr says why).          */
void cli_opener_init (cli_opener_t *self, node_dir_t *dir,
                      const char *pass_file);
void cli_opener_destroy (cli_opener_t *self);

/* ------------------------------------------------------------------------
   An entry as JSON (id, author, seq, level, audience, time, payload state
   and, when readable, payload fields). Caller owns the result.              */
json_t *cli_entry_json (const node_entry_t *entry, const keys_roster_t *roster,
                        cli_opener_t *opener);

/* Marks on an entry's line (list, follow) and full text (show).            */
#define CLI_MARK_RETRACTED 0x01  /* "[retracted]": payload purged           */
#define CLI_MARK_CORRECTED 0x02  /* "[corrected]": a correction or update
                                    references it                           */
#define CLI_MARK_URGENT_COL 0x04 /* lead with a column that shows "!" for an
                                    urgent entry (severity 4 or the urgent
                                    flag), blank otherwise (follow)         */

/* ------------------------------------------------------------------------
   Print one line for list and follow, or the full text for show. marks is
   a set of CLI_MARK_* bits.                                                 */
void cli_entry_line (FILE *out, const node_entry_t *entry,
                     const keys_roster_t *roster, cli_opener_t *opener,
                     unsigned marks);
void cli_entry_full (FILE *out, const node_entry_t *entry,
                     const keys_roster_t *roster, cli_opener_t *opener,
                     unsigned marks);

/* Which entries list and follow show: every field 0 / NULL means any.      */
typedef struct {
    proto_kind_t kind;                  /* needs a readable payload         */
    proto_level_t level;
    const uint8_t *author;              /* PROTO_PK_BYTES, borrowed         */
} cli_filter_t;

/* ------------------------------------------------------------------------
   Fill filter from the --kind, --level and --author texts (each may be
   NULL). Returns 0, or prints an error naming the bad value and returns
   -1. author is resolved in roster, which must outlive the filter.          */
int cli_filter_parse (cli_filter_t *filter, const keys_roster_t *roster,
                      const char *kind, const char *level,
                      const char *author);

/* ------------------------------------------------------------------------
   True if entry passes filter.                                              */
bool cli_filter_matches (const cli_filter_t *filter, const node_entry_t *entry,
                         cli_opener_t *opener);

/* The history of one entry (cli_history.c): the held entries that refer to
   it, newest first, and the retraction that purged it, if any.             */
typedef struct _cli_history_t cli_history_t;

/* ------------------------------------------------------------------------
   Collect the history of the entry id from store (node_store_scan_refs,
   node_store_retracted). Returns a new history (caller destroys), or NULL
   after printing an error if the store cannot be read.                      */
cli_history_t *cli_history_new (node_store_t *store,
                                const uint8_t id[PROTO_HASH_BYTES],
                                const keys_roster_t *roster,
                                cli_opener_t *opener);
void cli_history_destroy (cli_history_t **self_p);

/* ------------------------------------------------------------------------
   CLI_MARK_RETRACTED and/or CLI_MARK_CORRECTED as they apply.               */
unsigned cli_history_marks (const cli_history_t *self);

/* ------------------------------------------------------------------------
   Print the history as show does (nothing when there is none).              */
void cli_history_print (FILE *out, const cli_history_t *self);

/* ------------------------------------------------------------------------
   Add "retracted_by" (array: the retracting entry's id, author and time)
   and "history" (array of {id, relation, author, time, kind, title}, newest
   first) to the JSON object obj.                                            */
void cli_history_json (const cli_history_t *self, json_t *obj);

/* ------------------------------------------------------------------------
   Print a JSON value to stdout (indented unless compact) and wipe the text:
   it may hold RED plaintext. Returns 0, or -1 if stdout failed.             */
int cli_json_print (json_t *value, bool compact);

/* ------------------------------------------------------------------------
   Decode an entry's payload for display into *payload, opening a sealed
   one if possible. Returns 0 if readable (and *plain, to free with free(),
   backs the borrowed fields), 1 if sealed and not openable, 2 if the
   payload is not held, -1 if it is held but malformed.                      */
int cli_entry_payload (const node_entry_t *entry, cli_opener_t *opener,
                       proto_payload_t *payload, uint8_t **plain);

/* ------------------------------------------------------------------------
   An audience as text: "council", "group:NAME" or "node:NAME,NAME..." with
   roster names (fingerprints for keys the roster does not name), cut to
   fit len bytes.                                                            */
void cli_audience_text (const proto_audience_t *audience,
                        const keys_roster_t *roster, char *out, size_t len);

/* ------------------------------------------------------------------------
   True if the entry is urgent for its readers: the author's urgent header
   flag, or a payload readable here (opened with opener if sealed) of
   severity 4. The "!" column, follow's bell and the JSON "urgent" all use
   this rule.                                                                */
bool cli_entry_urgent (const node_entry_t *entry, cli_opener_t *opener);

/* ------------------------------------------------------------------------
   Author display name: roster name or fingerprint.                          */
void cli_author_name (const keys_roster_t *roster, const uint8_t *pk,
                      char *out, size_t len);

#endif
