/* `lakehouse shell`: an interactive SQL shell. On a terminal it edits lines with libedit, keeps a
 * bounded history file, and lets Ctrl-C clear the line being typed or cancel the running
 * statement; with other input it reads the script without prompts and goes on after errors. One
 * session serves every statement, so SET, USE, temporary tables and transactions carry over. */
#include <curl/curl.h>
#include <editline/readline.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/conn.h"
#include "cli/script.h"

#define HISTORY_MAX 2000

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: lakehouse shell [options]\n\n"
	        "An interactive SQL shell on a lakehouse server. Statements end with ';'; \\? lists the\n"
	        "shell's commands. Standard input that is not a terminal is read as a script.\n\n"
	        "Options:\n" CLI_ARGS_HELP
	        "\nHistory is kept in $LAKEHOUSE_HISTORY, else $XDG_STATE_HOME/lakehouse/history when\n"
	        "XDG_STATE_HOME is set, else ~/.lakehouse_history (the last %d lines).\n",
	        HISTORY_MAX);
}

/* The history file's path (malloc'd), or NULL when there is no home to keep it in. */
static char *history_path(void)
{
	const char *env = getenv("LAKEHOUSE_HISTORY");
	if (env && *env)
		return strdup(env);
	char *path = NULL;
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	if (state && *state) {
		if (asprintf(&path, "%s/lakehouse", state) < 0)
			return NULL;
		mkdir(path, 0700);
		free(path);
		if (asprintf(&path, "%s/lakehouse/history", state) < 0)
			return NULL;
	} else if (home && *home) {
		if (asprintf(&path, "%s/.lakehouse_history", home) < 0)
			return NULL;
	}
	return path;
}

/* The line the editor handed over, and whether input ended. */
static char *typed;
static bool typed_done, typed_eof;

static void on_line(char *line)
{
	typed = line;
	typed_eof = !line;
	typed_done = true;
	rl_callback_handler_remove();
}

static void drain(int fd)
{
	char b[64];
	while (read(fd, b, sizeof(b)) > 0) {
	}
}

/* Reads one line at the prompt; NULL at end of input. Ctrl-C (a byte on wake) discards the line and
 * the unfinished statement and prompts again. */
static char *read_line(struct cli_script *s, int wake)
{
	drain(wake);
	typed = NULL;
	typed_done = typed_eof = false;
	rl_callback_handler_install(cli_script_pending(s) ? "lakehouse-> " : "lakehouse> ", on_line);
	while (!typed_done) {
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(STDIN_FILENO, &fds);
		FD_SET(wake, &fds);
		if (select(wake + 1, &fds, NULL, NULL, NULL) < 0) {
			if (errno == EINTR)
				continue;
			rl_callback_handler_remove();
			return NULL;
		}
		if (FD_ISSET(wake, &fds)) {
			drain(wake);
			rl_replace_line("", 0);
			rl_callback_handler_remove();
			fputs("^C\n", stdout);
			fflush(stdout);
			cli_script_clear(s);
			rl_callback_handler_install("lakehouse> ", on_line);
			continue;
		}
		if (FD_ISSET(STDIN_FILENO, &fds))
			rl_callback_read_char();
	}
	return typed;
}

static void remember(const char *line)
{
	if (!*line)
		return;
	HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
	if (!last || strcmp(last->line, line) != 0)
		add_history(line);
}

static int interactive(struct cli_script *s, const char *url)
{
	int pipefd[2];
	if (pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) < 0) {
		fprintf(stderr, "%s: %m\n", s->who);
		return CLI_ERR_SERVER;
	}
	cli_interrupt_init(pipefd[1]);
	rl_catch_signals = 0;
	rl_readline_name = "lakehouse";
	using_history();
	stifle_history(HISTORY_MAX);
	char *hist = history_path();
	if (hist)
		read_history(hist);
	printf("lakehouse %s on %s. Statements end with ';'. Type \\? for help, \\q to quit.\n", LAKEHOUSE_VERSION, url);
	for (;;) {
		char *line = read_line(s, pipefd[0]);
		if (!line) {
			putchar('\n');
			break;
		}
		remember(line);
		bool go_on = cli_script_line(s, line, strlen(line));
		free(line);
		if (!go_on)
			break;
	}
	if (hist) {
		write_history(hist);
		chmod(hist, 0600);
		free(hist);
	}
	close(pipefd[0]);
	close(pipefd[1]);
	/* A session's errors are shown as they happen; leaving it is a success. */
	return CLI_OK;
}

static int from_stream(struct cli_script *s, FILE *in)
{
	cli_interrupt_init(-1);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool go_on = true;
	while (go_on && (n = getline(&line, &cap, in)) >= 0) {
		if (n && line[n - 1] == '\n')
			n--;
		go_on = cli_script_line(s, line, (size_t)n);
	}
	free(line);
	if (go_on)
		cli_script_finish(s);
	return s->status;
}

int cli_shell_main(const char *prog, int argc, char **argv)
{
	(void)prog;
	const char *who = "lakehouse shell";
	struct cli_args a;
	int rc = cli_args_parse(&a, who, false, argc, argv, usage);
	if (rc >= 0)
		return rc;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct cli_conn conn;
	if (cli_conn_open(&conn, &a.target, a.session_id) < 0) {
		fprintf(stderr, "%s: %s\n", who, CLI_CREDENTIALS_HINT);
		curl_global_cleanup();
		return CLI_ERR_USAGE;
	}
	cli_args_apply(&a, &conn);
	struct cli_out out;
	cli_out_init(&out, a.format, stdout);
	out.quiet_success = true;
	struct cli_script s;
	cli_script_init(&s, &conn, &out, who);
	rc = isatty(STDIN_FILENO) ? interactive(&s, a.target.url) : from_stream(&s, stdin);
	cli_script_free(&s);
	cli_out_free(&out);
	cli_conn_close(&conn);
	curl_global_cleanup();
	return rc;
}
