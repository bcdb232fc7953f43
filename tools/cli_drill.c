/* SPDX-License-Identifier: MPL-2.0 */
/* cli_drill: `ceptoar drill start` and `ceptoar drill report`. */

/* The annual CEPTOAR drill measures who confirmed receipt of a message
   (the confirmation rate, 疎通確認率). Here a drill is an ordinary signed
   entry of kind drill whose body carries its deadline (protocol.md
   13.9.7); it asks for delivery receipts (the flag is implied), which
   every receiving node sends back automatically, signed, with the time it
   stored the payload; people answer with `ceptoar ack`. `drill report`
   turns those signed entries into the figures (cli_drill_report.c) and
   prints them (cli_drill_render.c).                                        */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_drill_int.h"

/* A drill's free text: room for the body's deadline line around it. */
#define S_DRILL_HEAD_MAX 64

static const char *s_usage =
    "usage: ceptoar drill start --dir NODEDIR --audience AUD\n"
    "                           --deadline DURATION --title TEXT\n"
    "                           [--body-file FILE|-] [--level LEVEL]\n"
    "                           [--passphrase-file FILE]\n"
    "       ceptoar drill report --dir NODEDIR ID [--json|--csv]\n"
    "                           [--passphrase-file FILE]\n"
    "\n"
    "Runs a drill: a signed message that every node in its audience must\n"
    "confirm by a deadline. Nodes confirm delivery automatically (signed\n"
    "receipts, sent to the drill's author); people confirm reading it with\n"
    "'ceptoar ack'. 'drill report' gives the confirmation rates.\n"
    "'ceptoar drill start --help' and 'ceptoar drill report --help' describe\n"
    "each.\n";

static const char *s_usage_start =
    "usage: ceptoar drill start --dir NODEDIR --audience AUD\n"
    "                           --deadline DURATION --title TEXT\n"
    "                           [--body-file FILE|-] [--level LEVEL]\n"
    "                           [--passphrase-file FILE]\n"
    "\n"
    "Posts a drill: an entry of kind drill, severity 0, that asks every\n"
    "receiving node for a delivery receipt. Its body holds the deadline\n"
    "(now + DURATION) and then the text of --body-file. Prints the drill's\n"
    "id, for 'ceptoar drill report' and for the operators' 'ceptoar ack'.\n"
    "\n"
    "  --audience AUD     council | group:NAME | node:NAME[,NAME...]: the\n"
    "                     nodes expected to confirm\n"
    "  --deadline DUR     how long they have: 30s, 15m, 2h, 1d\n"
    "  --title TEXT       one line, at most 256 bytes of UTF-8\n"
    "  --body-file FILE   instructions for the operators (FILE, or - for\n"
    "                     standard input)\n"
    "  --level LEVEL      clear, green (the default), amber, amber+strict,\n"
    "                     red (red needs --audience node:...)\n"
    "  --passphrase-file FILE  the key's passphrase when ceptoard is not\n"
    "                     running (the node signs with its key otherwise)\n";

static const char *s_usage_report =
    "usage: ceptoar drill report --dir NODEDIR ID [--json|--csv]\n"
    "                            [--passphrase-file FILE]\n"
    "\n"
    "Reports drill ID (64 hex characters or a unique prefix of at least 8)\n"
    "from the signed entries this node holds. Expected: every node of the\n"
    "drill's audience in the roster in force, except its author. For each:\n"
    "when it stored the drill (from its signed delivery receipt; the\n"
    "earliest if several), the latency from the drill's time, when and by\n"
    "whom it was acknowledged ('ceptoar ack'), and its status: delivered,\n"
    "LATE (after the deadline) or MISSING, and acked or acked late. Then\n"
    "the rates at the deadline and now (\"delivered 5/7 (71%) at deadline,\n"
    "7/7 (100%) now\"), the delivery latency percentiles (p50, p90, p99, max;\n"
    "nearest rank) with a histogram, the late deliveries with their real\n"
    "times, and the nodes unreachable during the drill (no delivery by the\n"
    "deadline). Receipts and acknowledgements from nodes outside the\n"
    "audience are ignored (and counted as such).\n"
    "\n"
    "Receipts and acknowledgements are addressed to the drill's author: run\n"
    "the report there. Elsewhere it says so and shows what this node holds.\n"
    "\n"
    "  --json             one JSON object with every figure\n"
    "                     (docs/operations.md, \"Drills and\n"
    "                     acknowledgements\")\n"
    "  --csv              a header line, then one line per expected node\n"
    "  --passphrase-file FILE  open a RED drill with the node key\n";

static int
s_drill_start (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "audience", required_argument, NULL, 'a' },
        { "deadline", required_argument, NULL, 'D' },
        { "title", required_argument, NULL, 't' },
        { "body-file", required_argument, NULL, 'b' },
        { "level", required_argument, NULL, 'l' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL, *audience_text = NULL, *deadline = NULL;
    const char *title = NULL, *body_file = NULL, *level_text = "green";
    const char *pass_file = NULL;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 'a': audience_text = optarg; break;
        case 'D': deadline = optarg; break;
        case 't': title = optarg; break;
        case 'b': body_file = optarg; break;
        case 'l': level_text = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'h': fputs (s_usage_start, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_start, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || !audience_text || !deadline || !title
        || optind != argc) {
        tool_error ("drill start needs --dir, --audience, --deadline and "
                    "--title");
        fputs (s_usage_start, stderr);
        return TOOL_EXIT_USAGE;
    }
    uint64_t span_ms;
    if (tool_parse_duration (deadline, &span_ms) != 0 || span_ms == 0) {
        tool_error ("invalid --deadline \"%s\": a duration such as 30s, 15m, "
                    "2h or 1d", deadline);
        return TOOL_EXIT_USAGE;
    }
    proto_level_t level = cli_level_arg (level_text);
    if (!level || !cli_title_ok (title))
        return TOOL_EXIT_USAGE;

    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    char *text = NULL, *body = NULL;
    size_t text_len = 0, body_cap = 0;
    if (body_file) {
        text = tool_read_file (body_file, PROTO_PAYLOAD_MAX - 1024,
                               &text_len);
        if (!text)
            goto done;
        if (!proto_utf8_valid ((const uint8_t *) text, text_len, true)) {
            tool_error ("the body in '%s' is not UTF-8 text", body_file);
            goto done;
        }
    }
    body_cap = S_DRILL_HEAD_MAX + text_len;
    body = malloc (body_cap);
    if (!body) {
        tool_error ("out of memory");
        goto done;
    }
    //  The deadline counts from now; the entry's own time is set when it
    //  is signed, a moment later, and the report measures from that.
    uint64_t deadline_ms = proto_now_ms () + span_ms;
    size_t body_len = proto_drill_body_encode (deadline_ms, text, text_len,
                                               body, body_cap);
    if (body_len == 0) {
        tool_error ("the drill's body could not be written");
        goto done;
    }
    proto_payload_t payload;
    proto_payload_init (&payload, PROTO_KIND_DRILL, 0);
    payload.title = title;
    payload.title_len = strlen (title);
    payload.body = body;
    payload.body_len = body_len;
    uint8_t id[PROTO_HASH_BYTES];
    rc = cli_publish (dir_path, dir, pass_file, level, PROTO_FLAG_RECEIPT,
                      audience_text, &payload, id);
    if (rc != TOOL_EXIT_OK)
        goto done;
    char hex[2 * PROTO_HASH_BYTES + 1];
    proto_hex_encode (hex, id, PROTO_HASH_BYTES);
    printf ("%s\n", hex);
    if (fflush (stdout) != 0 || ferror (stdout)) {
        fprintf (stderr, "ceptoar: error: started drill %s but could not "
                         "print its id\n", hex);
        rc = TOOL_EXIT_USAGE;
    }
done:
    tool_free_wiped (text, text_len);
    tool_free_wiped (body, body_cap);
    node_dir_destroy (&dir);
    return rc;
}

static int
s_drill_report (int argc, char *argv[])
{
    static const struct option options[] = {
        { "dir", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "csv", no_argument, NULL, 'c' },
        { "passphrase-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir_path = NULL, *pass_file = NULL;
    bool json = false, csv = false;
    int opt;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'd': dir_path = optarg; break;
        case 'j': json = true; break;
        case 'c': csv = true; break;
        case 'p': pass_file = optarg; break;
        case 'h': fputs (s_usage_report, stdout); return TOOL_EXIT_OK;
        default: fputs (s_usage_report, stderr); return TOOL_EXIT_USAGE;
        }
    }
    if (!dir_path || optind != argc - 1) {
        tool_error ("drill report needs --dir NODEDIR and one ID");
        fputs (s_usage_report, stderr);
        return TOOL_EXIT_USAGE;
    }
    if (json && csv) {
        tool_error ("give --json or --csv, not both");
        return TOOL_EXIT_USAGE;
    }
    node_dir_t *dir = cli_open_dir (dir_path);
    if (!dir)
        return TOOL_EXIT_USAGE;
    int rc = TOOL_EXIT_USAGE;
    cli_opener_t opener = { NULL, NULL };
    cli_drill_report_t *report = NULL;
    uint8_t id[PROTO_HASH_BYTES];
    if (cli_resolve_id (dir, argv[optind], id) != 0)
        goto done;
    cli_opener_init (&opener, dir, pass_file);
    report = cli_drill_report_new (dir, id, &opener, &rc);
    if (!report)
        goto done;
    int printed = json  ? cli_drill_report_json (report)
                : csv   ? cli_drill_report_csv (report, stdout)
                        : cli_drill_report_print (report, stdout);
    if (printed != 0 || fflush (stdout) != 0) {
        tool_error ("cannot write the report to standard output");
        rc = TOOL_EXIT_USAGE;
    }
    else
        rc = TOOL_EXIT_OK;
done:
    cli_drill_report_destroy (&report);
    cli_opener_destroy (&opener);
    node_dir_destroy (&dir);
    return rc;
}

int
cli_drill (int argc, char *argv[])
{
    static const cli_subcommand_t subs[] = {
        { "start", s_drill_start }, { "report", s_drill_report },
    };
    return cli_subcommand (argc, argv, "drill", s_usage, subs,
                           sizeof subs / sizeof subs[0]);
}
