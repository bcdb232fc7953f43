/* SPDX-License-Identifier: MPL-2.0 */
/* tool_util: shared helpers of the command-line tools. */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool_util.h"

#define TOOL_PASSPHRASE_MAX 1024

static const char *s_program = "ceptoar";

void
tool_set_program (const char *name)
{
    s_program = name;
}

void
tool_error (const char *fmt, ...)
{
    va_list args;
    fprintf (stderr, "%s: error: ", s_program);
    va_start (args, fmt);
    vfprintf (stderr, fmt, args);
    va_end (args);
    fputc ('\n', stderr);
}

//  --------------------------------------------------------------------------
//  Grow buf to new_cap, wiping the old copy: a file read here may be a RED
//  body, and realloc would leave stale copies in freed memory.

static char *
s_grow_wiped (char *buf, size_t used, size_t new_cap)
{
    char *grown = malloc (new_cap + 1);
    if (grown && used)
        memcpy (grown, buf, used);
    if (buf) {
        sodium_memzero (buf, used);
        free (buf);
    }
    return grown;
}

char *
tool_read_file (const char *path, size_t max, size_t *len)
{
    //  read(2), not stdio: the file may hold a passphrase or a RED body,
    //  and stdio would leave a copy in a buffer that is freed unwiped.
    bool is_stdin = strcmp (path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tool_error ("cannot open '%s': %s", path, strerror (errno));
        return NULL;
    }
    size_t cap = 4096, used = 0;
    char *buf = s_grow_wiped (NULL, 0, cap);
    bool failed = buf == NULL;
    while (!failed) {
        if (used == cap) {
            if (cap > max) {
                tool_error ("'%s' is larger than %zu bytes", path, max);
                failed = true;
                break;
            }
            cap *= 2;
            buf = s_grow_wiped (buf, used, cap);
            if (!buf) {
                tool_error ("out of memory reading '%s'", path);
                failed = true;
                break;
            }
        }
        ssize_t got = read (fd, buf + used, cap - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            tool_error ("cannot read '%s': %s", path, strerror (errno));
            failed = true;
        }
        if (got <= 0)
            break;
        used += (size_t) got;
    }
    if (!failed && used > max) {
        tool_error ("'%s' is larger than %zu bytes", path, max);
        failed = true;
    }
    if (!is_stdin)
        (void) close (fd);
    if (failed) {
        if (buf) {
            sodium_memzero (buf, used);
            free (buf);
        }
        return NULL;
    }
    buf[used] = 0;
    if (len)
        *len = used;
    return buf;
}

void
tool_free_wiped (char *buf, size_t len)
{
    if (buf) {
        sodium_memzero (buf, len);
        free (buf);
    }
}

//  --------------------------------------------------------------------------
//  Read one line from the terminal with echo off into a secure buffer.
//  Interrupted (Ctrl-C, a hang-up), the terminal gets its echo back before
//  the signal does what it would have done: a shell left without echo
//  hides what its user types next.

static int s_tty_fd = -1;               //  the terminal whose echo is off
static struct termios s_tty_saved;      //  ... and how to restore it
static const int s_tty_signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP };
#define S_TTY_SIGNALS (sizeof s_tty_signals / sizeof s_tty_signals[0])

static void
s_tty_restore_and_raise (int sig)
{
    //  tcsetattr and write are async-signal-safe.
    if (s_tty_fd >= 0) {
        (void) tcsetattr (s_tty_fd, TCSAFLUSH, &s_tty_saved);
        (void) write (s_tty_fd, "\n", 1);
    }
    //  Nothing to do if these fail: the process is ending either way.
    (void) signal (sig, SIG_DFL);
    (void) raise (sig);
}

static char *
s_read_hidden (const char *prompt)
{
    int fd = open ("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return NULL;
    struct termios old, quiet;
    bool restore = tcgetattr (fd, &old) == 0;
    struct sigaction saved[S_TTY_SIGNALS];
    if (restore) {
        s_tty_saved = old;
        s_tty_fd = fd;
        struct sigaction on_signal;
        memset (&on_signal, 0, sizeof on_signal);
        on_signal.sa_handler = s_tty_restore_and_raise;
        sigemptyset (&on_signal.sa_mask);
        for (size_t i = 0; i < S_TTY_SIGNALS; i++)
            sigaction (s_tty_signals[i], &on_signal, &saved[i]);
        quiet = old;
        quiet.c_lflag &= (tcflag_t) ~ECHO;
        tcsetattr (fd, TCSAFLUSH, &quiet);
    }
    //  The prompt once echo is off: what is typed after it never shows.
    (void) write (fd, prompt, strlen (prompt));
    //  read(2) a byte at a time into guarded memory: stdio would keep a
    //  copy of the passphrase in its own buffer.
    char *line = sodium_malloc (TOOL_PASSPHRASE_MAX + 2);
    size_t used = 0;
    bool ok = line != NULL;
    while (ok) {
        char c;
        ssize_t got = read (fd, &c, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            ok = used > 0;              //  end of input ends the line
            break;
        }
        if (c == '\n')
            break;
        if (used == TOOL_PASSPHRASE_MAX + 1)
            continue;                   //  too long: kept at the limit,
                                        //  refused by the caller
        line[used++] = c;
    }
    if (line)
        line[used] = 0;
    if (restore) {
        tcsetattr (fd, TCSAFLUSH, &old);
        s_tty_fd = -1;
        for (size_t i = 0; i < S_TTY_SIGNALS; i++)
            sigaction (s_tty_signals[i], &saved[i], NULL);
    }
    (void) write (fd, "\n", 1);
    (void) close (fd);
    if (!ok) {
        if (line)
            sodium_free (line);
        return NULL;
    }
    line[strcspn (line, "\r")] = 0;
    return line;
}

int
tool_passphrase (const char *pass_file, bool none, bool confirm, char **out)
{
    *out = NULL;
    if (pass_file && none) {
        tool_error ("give either --passphrase-file or --no-passphrase, "
                    "not both");
        return -1;
    }
    if (none)
        return 0;
    char *pass = NULL;
    if (pass_file) {
        //  A passphrase others can read protects nothing: say so (the file
        //  is the operator's; changing its mode is theirs to do).
        struct stat st;
        if (strcmp (pass_file, "-") && stat (pass_file, &st) == 0
            && S_ISREG (st.st_mode) && (st.st_mode & 077))
            fprintf (stderr, "%s: warning: the passphrase file '%s' can be "
                             "read by others (mode %03o): chmod 600 it\n",
                     s_program, pass_file, (unsigned) (st.st_mode & 0777));
        size_t len;
        char *text = tool_read_file (pass_file, TOOL_PASSPHRASE_MAX, &len);
        if (!text)
            return -1;
        size_t line = strcspn (text, "\r\n");
        pass = sodium_malloc (line + 1);
        if (pass) {
            memcpy (pass, text, line);
            pass[line] = 0;
        }
        sodium_memzero (text, len);
        free (text);
        if (!pass)
            return -1;
    }
    else {
        if (!isatty (STDIN_FILENO)) {
            tool_error ("no terminal to ask for a passphrase: give "
                        "--passphrase-file FILE (or --no-passphrase where "
                        "that is allowed)");
            return -1;
        }
        pass = s_read_hidden ("Passphrase: ");
        if (pass && confirm) {
            char *again = s_read_hidden ("Passphrase (again): ");
            bool same = again && strcmp (pass, again) == 0;
            if (again)
                sodium_free (again);
            if (!same) {
                sodium_free (pass);
                tool_error ("the passphrases do not match; nothing was "
                            "written");
                return -1;
            }
        }
        if (!pass) {
            tool_error ("could not read a passphrase from the terminal");
            return -1;
        }
    }
    if (pass[0] == 0) {
        sodium_free (pass);
        if (pass_file)
            tool_error ("the passphrase file '%s' is empty: put the "
                        "passphrase on its first line", pass_file);
        else if (confirm)
            tool_error ("the passphrase is empty: use --no-passphrase to "
                        "keep a key unencrypted on purpose");
        else
            tool_error ("the passphrase is empty");
        return -1;
    }
    *out = pass;
    return 0;
}

void
tool_passphrase_free (char **pass)
{
    if (pass && *pass) {
        sodium_free (*pass);
        *pass = NULL;
    }
}

keys_secret_t *
tool_open_key (const char *path, const char *pass_file, int *exit_code)
{
    *exit_code = TOOL_EXIT_USAGE;
    int encrypted = keys_secret_file_encrypted (path);
    if (encrypted < 0) {
        //  Let the loader say precisely why (missing, permissions, damage).
        keys_load_t result = KEYS_LOAD_IO;
        keys_secret_t *none = keys_secret_load (path, NULL, &result);
        keys_secret_destroy (&none);
        tool_error ("cannot open key '%s': %s", path,
                    keys_load_strerror (result));
        return NULL;
    }
    char *pass = NULL;
    if (encrypted && tool_passphrase (pass_file, false, false, &pass) != 0)
        return NULL;
    keys_load_t result = KEYS_LOAD_OK;
    keys_secret_t *key = keys_secret_load (path, pass, &result);
    tool_passphrase_free (&pass);
    if (!key) {
        tool_error ("cannot open key '%s': %s", path,
                    keys_load_strerror (result));
        if (result == KEYS_LOAD_BAD_PASSPHRASE)
            *exit_code = TOOL_EXIT_FAIL;
    }
    return key;
}

bool
tool_confirm (const char *question)
{
    if (!isatty (STDIN_FILENO)) {
        tool_error ("no terminal to confirm on: review the summary above "
                    "and add --yes to proceed without asking");
        return false;
    }
    fprintf (stderr, "%s [y/N] ", question);
    fflush (stderr);
    char answer[16];
    if (!fgets (answer, sizeof answer, stdin))
        return false;
    answer[strcspn (answer, "\r\n")] = 0;
    return strcasecmp (answer, "y") == 0 || strcasecmp (answer, "yes") == 0;
}

int
tool_parse_uint (const char *text, unsigned long min, unsigned long max,
                 unsigned long *out)
{
    if (!text || !*text || *text == '-' || *text == '+')
        return -1;
    errno = 0;
    char *end;
    unsigned long value = strtoul (text, &end, 10);
    if (errno || *end || value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

int
tool_parse_duration (const char *text, uint64_t *ms)
{
    size_t len = strlen (text);
    //  A number followed by s, m, h or d.
    if (len < 2 || !strchr ("smhd", text[len - 1]))
        return -1;
    char unit = text[len - 1];
    char number[24];
    if (len - 1 >= sizeof number)
        return -1;
    memcpy (number, text, len - 1);
    number[len - 1] = 0;
    unsigned long count;
    if (tool_parse_uint (number, 0, 100UL * 365 * 24 * 3600, &count))
        return -1;
    uint64_t scale = unit == 's' ? 1000ULL
                   : unit == 'm' ? 60000ULL
                   : unit == 'h' ? 3600000ULL
                                 : 86400000ULL;
    *ms = (uint64_t) count * scale;
    return 0;
}

int
tool_parse_time (const char *text, uint64_t *ms)
{
    size_t len = strlen (text);
    if (len == 0)
        return -1;
    //  An age: that long before now.
    if (strchr ("smhd", text[len - 1])) {
        uint64_t age;
        if (tool_parse_duration (text, &age) != 0)
            return -1;
        uint64_t now = proto_now_ms ();
        *ms = age > now ? 0 : now - age;
        return 0;
    }
    if (text[0] == '@') {
        unsigned long seconds;
        if (tool_parse_uint (text + 1, 0, 253402300799UL, &seconds))
            return -1;
        *ms = (uint64_t) seconds * 1000;
        return 0;
    }
    struct tm tm;
    memset (&tm, 0, sizeof tm);
    const char *formats[] = { "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S",
                              "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%MZ",
                              "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
                              "%Y-%m-%d" };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        memset (&tm, 0, sizeof tm);
        const char *end = strptime (text, formats[i], &tm);
        if (end && *end == 0) {
            time_t seconds = timegm (&tm);
            if (seconds < 0)
                return -1;
            *ms = (uint64_t) seconds * 1000;
            return 0;
        }
    }
    return -1;
}

void
tool_format_time (uint64_t ms, char out[TOOL_TIME_LEN])
{
    time_t seconds = (time_t) (ms / 1000);
    struct tm tm;
    if (!gmtime_r (&seconds, &tm)) {
        snprintf (out, TOOL_TIME_LEN, "?");
        return;
    }
    char date[24];
    if (strftime (date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf (out, TOOL_TIME_LEN, "?");
        return;
    }
    snprintf (out, TOOL_TIME_LEN, "%s.%03uZ", date, (unsigned) (ms % 1000));
}

//  --------------------------------------------------------------------------
//  The member name a key file's title carries ("ceptoar-secret-key v1 PK
//  NAME"), into out; false if it has none that is a valid name (or the
//  file cannot be read: then an error was printed).

bool
tool_key_file_name (const char *path, char out[KEYS_NAME_MAX + 1])
{
    size_t len;
    char *text = tool_read_file (path, 1024, &len);
    if (!text)
        return false;
    char *nl = memchr (text, '\n', len);
    if (nl)
        *nl = 0;
    const char *prefix = "ceptoar-secret-key v1 ";
    size_t skip = strlen (prefix) + 2 * PROTO_PK_BYTES + 1;
    bool found = strncmp (text, prefix, strlen (prefix)) == 0
                 && strlen (text) > skip
                 && strlen (text + skip) <= KEYS_NAME_MAX
                 && keys_name_valid (text + skip);
    if (found)
        strcpy (out, text + skip);
    tool_free_wiped (text, len);
    return found;
}

int
tool_check_out (const char *path)
{
    if (access (path, F_OK) == 0) {
        tool_error ("'%s' exists: files are never replaced here; choose "
                    "another name, or move the old one away", path);
        return TOOL_EXIT_USAGE;
    }
    char *copy = strdup (path);
    if (!copy) {
        tool_error ("out of memory");
        return TOOL_EXIT_USAGE;
    }
    const char *dir = dirname (copy);
    struct stat st;
    int rc = TOOL_EXIT_OK;
    if (stat (dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
        tool_error ("cannot write '%s': the directory '%s' does not exist; "
                    "create it first (mkdir -m 700 -p '%s')", path, dir, dir);
        rc = TOOL_EXIT_USAGE;
    }
    else if (access (dir, W_OK | X_OK) != 0) {
        tool_error ("cannot write '%s': the directory '%s' is not writable "
                    "(%s)", path, dir, strerror (errno));
        rc = TOOL_EXIT_USAGE;
    }
    free (copy);
    return rc;
}

//  --------------------------------------------------------------------------
//  Others' text at a terminal. The protocol refuses C0 controls but for
//  tab, LF and CR in bodies (proto_utf8_valid); a terminal still obeys CR
//  (back to the line's start: a line can be overwritten), some obey C1
//  controls, and every one obeys Unicode's bidirectional controls, which
//  reorder what is shown ("Trojan Source"). A member could use them to
//  make a warning read other than what was signed.

static bool
s_invisible (uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F)            /* C1 controls          */
           || cp == 0x200E || cp == 0x200F      /* LRM, RLM             */
           || (cp >= 0x202A && cp <= 0x202E)    /* embeddings, overrides */
           || (cp >= 0x2066 && cp <= 0x2069)    /* isolates             */
           || cp == 0x2028 || cp == 0x2029      /* line, paragraph sep. */
           || cp == 0x061C;                     /* Arabic letter mark   */
}

void
tool_print_text (FILE *out, const char *text, size_t len, bool multiline)
{
    const unsigned char *s = (const unsigned char *) text;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c == '\n' && !multiline)
                fputs ("<LF>", out);
            else if (c == '\r')
                fputs ("<CR>", out);
            else if (c == 0x7F)
                fputs ("<DEL>", out);
            else if (c < 0x20 && c != '\t' && c != '\n')
                fprintf (out, "<0x%02X>", c);
            else
                fputc (c, out);
            i++;
            continue;
        }
        //  One UTF-8 sequence (the payload decoder checked the form; this
        //  still refuses to trust it).
        size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        uint32_t cp = n == 4 ? c & 0x07u : n == 3 ? c & 0x0Fu : c & 0x1Fu;
        bool ok = n > 0 && i + n <= len;
        for (size_t k = 1; ok && k < n; k++) {
            ok = (s[i + k] & 0xC0) == 0x80;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if (!ok) {
            fprintf (out, "<0x%02X>", c);
            i++;
            continue;
        }
        if (s_invisible (cp))
            fprintf (out, "<U+%04X>", (unsigned) cp);
        else
            //  Unchecked, like the fprintf and fputc beside it: a
            //  terminal that cannot be written to cannot be told so.
            (void) fwrite (s + i, 1, n, out);
        i += n;
    }
}
