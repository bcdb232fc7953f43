/* SPDX-License-Identifier: MPL-2.0 */
/* fuzz_status: libFuzzer harness for the CLI's reading of incident and
   status entries (the body conventions of `ceptoar incident` and
   `ceptoar status post`, shown by `ceptoar board`). */

/* Other members author these bodies: the CLI reads them from entries that
   replication brought in, after proto_payload_decode (fuzz_payload) has
   checked the payload. So the input is one control byte, then a payload
   body; a body that the decoder would refuse (not UTF-8 text) is dropped
   here too. The control byte picks the payload's kind (incident,
   damage-status, response-status, or another) and its references (none,
   update of the incident, related to the incident, update of another
   entry, or update of both). Checked against the contract in tools/cli.h,
   read independently here:

   - cli_incident_parse is true exactly for an incident whose body's first
     line is "ceptoar-incident: 1"; its text is what follows the first
     blank line, inside the body (none if there is no blank line);
   - cli_status_parse succeeds exactly for a damage- or response-status
     that updates the incident, with first line "ceptoar-status: 1" and,
     before the first blank line, a first "state: " line naming a known
     state in lowercase; the state and text are those;
   - cli_state_parse reads every state's name back, in any case.

   tools/ has no library: the harness compiles the CLI's sources (not its
   main) with the fuzzer's instrumentation and links the normal node, keys
   and protocol libraries.                                                   */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz_common.h"

#define S_INCIDENT "ceptoar-incident: 1"
#define S_STATUS   "ceptoar-status: 1"

static const uint8_t s_incident_id[PROTO_HASH_BYTES] = { 0x1c, 0x1d, 0xe7 };
static const uint8_t s_other_id[PROTO_HASH_BYTES] = { 0x07, 0x4e, 0x12 };

/* The model of a body following marker: 0 and the text (NULL, 0 if there
   is no blank line) and the fields (the lines before it), or -1.          */
static int
s_split (const char *body, size_t len, const char *marker,
         const char **fields, size_t *fields_len, const char **text,
         size_t *text_len)
{
    size_t m = strlen (marker);
    *fields = *text = NULL;
    *fields_len = *text_len = 0;
    if (len < m || memcmp (body, marker, m) || (len > m && body[m] != '\n'))
        return -1;
    if (len <= m + 1)
        return 0;
    *fields = body + m + 1;
    /* The first empty line: "\n\n", or a LF right after the marker's.     */
    const char *blank = NULL;
    if (body[m + 1] == '\n')
        blank = body + m + 1;
    for (size_t i = m + 1; !blank && i + 1 < len; i++)
        if (body[i] == '\n' && body[i + 1] == '\n')
            blank = body + i + 1;
    if (!blank) {
        *fields_len = len - m - 1;
        return 0;
    }
    *fields_len = (size_t) (blank - *fields);
    *text = blank + 1;
    *text_len = (size_t) (body + len - *text);
    return 0;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    if (proto_init () != 0)
        abort ();
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *body = (const char *) data + 1;
    size_t len = size - 1;
    if (len > PROTO_PAYLOAD_MAX
        || !proto_utf8_valid ((const uint8_t *) body, len, true))
        return 0;                       /* proto_payload_decode refuses it */
    static const proto_kind_t kinds[4] = {
        PROTO_KIND_INCIDENT, PROTO_KIND_DAMAGE_STATUS,
        PROTO_KIND_RESPONSE_STATUS, PROTO_KIND_EARLY_WARNING };
    proto_payload_t payload;
    proto_payload_init (&payload, kinds[data[0] & 3], 0);
    payload.title = "t";
    payload.title_len = 1;
    payload.body = len ? body : NULL;
    payload.body_len = len;
    unsigned refs = (data[0] >> 2) % 5;
    if (refs == 1 || refs == 4)
        proto_payload_add_ref (&payload, PROTO_REL_UPDATE, s_other_id);
    if (refs == 1 || refs == 3)
        proto_payload_add_ref (&payload, PROTO_REL_UPDATE, s_incident_id);
    if (refs == 2)
        proto_payload_add_ref (&payload, PROTO_REL_RELATED, s_incident_id);
    bool updates = refs == 1 || refs == 3;

    /* Incident.                                                              */
    const char *fields, *text, *got_text = (const char *) 1;
    size_t fields_len, text_len, got_len = 12345;
    bool want = payload.kind == PROTO_KIND_INCIDENT
                && s_split (body, len, S_INCIDENT, &fields, &fields_len,
                            &text, &text_len)
                       == 0;
    bool is = cli_incident_parse (&payload, &got_text, &got_len);
    FUZZ_CHECK ("status-incident", is == want);
    if (is)
        FUZZ_CHECK ("status-incident",
                    got_len == text_len && (!text_len || got_text == text));
    FUZZ_CHECK ("status-incident", cli_incident_parse (&payload, NULL, NULL)
                                       == want);

    /* Status.                                                               */
    cli_state_t want_state = 0;
    if ((payload.kind == PROTO_KIND_DAMAGE_STATUS
         || payload.kind == PROTO_KIND_RESPONSE_STATUS)
        && updates
        && s_split (body, len, S_STATUS, &fields, &fields_len, &text,
                    &text_len)
               == 0) {
        /* The first "state: " line among the fields.                        */
        const char *line = fields, *end = fields ? fields + fields_len : NULL;
        while (line && line < end) {
            const char *lf = memchr (line, '\n', (size_t) (end - line));
            size_t n = lf ? (size_t) (lf - line) : (size_t) (end - line);
            if (n >= 7 && !memcmp (line, "state: ", 7)) {
                for (int s = 1; s <= 5; s++)
                    if (n - 7 == strlen (cli_state_name (s))
                        && !memcmp (line + 7, cli_state_name (s), n - 7))
                        want_state = (cli_state_t) s;
                break;
            }
            line = lf ? lf + 1 : NULL;
        }
    }
    cli_state_t state = 0;
    got_text = (const char *) 1;
    got_len = 12345;
    int rc = cli_status_parse (&payload, s_incident_id, &state, &got_text,
                               &got_len);
    FUZZ_CHECK ("status-status", (rc == 0) == (want_state != 0));
    if (rc == 0) {
        FUZZ_CHECK ("status-status", state == want_state);
        FUZZ_CHECK ("status-status",
                    got_len == text_len && (!text_len || got_text == text));
    }

    /* State names, in any case.                                             */
    for (int s = 1; s <= 5; s++) {
        char name[32];
        snprintf (name, sizeof name, "%s", cli_state_name (s));
        for (size_t i = 0; i < len && name[i]; i++)
            if (body[i] & 1)
                name[i] = (char) toupper ((unsigned char) name[i]);
        FUZZ_CHECK ("status-state", cli_state_parse (name) == (cli_state_t) s);
    }
    FUZZ_CHECK ("status-state", !cli_state_name (0) && !cli_state_name (6));
    return 0;
}
