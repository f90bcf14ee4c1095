/* jobs.c - run one command over several processes and merge what they
 * print, whole lines only.
 *
 * Usage:
 *	status = cli_jobs_run(n, job, user);	   job(user, k, n) in each
 *
 * Each of the n forked workers runs job(user, k, n) with its standard
 * output on a pipe of its own and exits with what job returned.  The
 * parent copies what the workers write to its own standard output as it
 * comes, but lines never mix: once the piece copied from a worker ends
 * inside a line, only that worker is read until it has finished the line
 * (or exited).  So a line of any length (a report of a million records is
 * one line, written in pieces) reaches the reader whole, whether stdout
 * is a file, a pipe or a terminal.  A worker's lines keep their order;
 * the workers' lines interleave as they come.  A worker waiting for its
 * turn blocks on its full pipe, which bounds what is held in memory.
 *
 * Returns the worst exit status: a worker's own (the first non-zero),
 * EX_SOFTWARE for a worker that died, EX_OSERR when none could start.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define MAX_JOBS	8
#define COPY_CHUNK	(256 * 1024)
#define PIPE_SIZE	(1024 * 1024)	/* asked for, where it can be */

static gboolean
write_all(int fd, const char *p, gsize n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return FALSE;
		p += w;
		n -= (gsize)w;
	}
	return TRUE;
}

/* Start worker k; its read end in *fd.  -1 when fork or pipe failed. */
static pid_t
start(guint k, guint n, int (*job)(void *, guint, guint), void *user,
    const int *fds, int *fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
#ifdef F_SETPIPE_SZ
	/* A worker's output in a few large pieces, not sixteen 4 KiB
	 * pages: fewer wake-ups on both sides.  Refused above the
	 * system's limit: the default size does as well. */
	(void)fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE);
#endif
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		for (guint i = 0; i < k; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		close(p[0]);
		if (dup2(p[1], STDOUT_FILENO) < 0)
			_exit(EX_OSERR);
		close(p[1]);
		_exit(job(user, k, n));
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

/* Copy the workers' output until every pipe is closed.  FALSE when our
 * own stdout refused it. */
static gboolean
copy_lines(int *fds, guint n)
{
	static char buf[COPY_CHUNK];
	struct pollfd pfd[MAX_JOBS];
	guint map[MAX_JOBS], open = 0, np, i;
	int owner = -1;		/* the worker whose line is half copied */
	gboolean ok = TRUE;
	ssize_t r;

	for (i = 0; i < n; i++)
		open += fds[i] >= 0;
	while (open > 0) {
		for (np = 0, i = 0; i < n; i++)
			if (fds[i] >= 0 && (owner < 0 || owner == (int)i)) {
				pfd[np].fd = fds[i];
				pfd[np].events = POLLIN;
				map[np++] = i;
			}
		if (poll(pfd, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			return FALSE;
		}
		for (i = 0; i < np && (owner < 0 || owner == (int)map[i]); i++) {
			if (pfd[i].revents == 0)
				continue;
			r = read(pfd[i].fd, buf, sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(fds[map[i]]);
				fds[map[i]] = -1;
				open--;
				if (owner == (int)map[i])
					owner = -1;
				continue;
			}
			/* After a failed write keep reading, so that no
			 * worker blocks on a full pipe forever. */
			if (ok && !write_all(STDOUT_FILENO, buf, (gsize)r))
				ok = FALSE;
			owner = buf[r - 1] == '\n' ? -1 : (int)map[i];
		}
	}
	return ok;
}

int
cli_jobs_run(guint n, int (*job)(void *user, guint k, guint n), void *user)
{
	int fds[MAX_JOBS];
	pid_t pids[MAX_JOBS];
	guint started = 0, i;
	int status = 0, ws;

	n = CLAMP(n, 1, MAX_JOBS);
	for (i = 0; i < n; i++) {
		fds[i] = -1;
		pids[i] = start(i, n, job, user, fds, &fds[i]);
		if (pids[i] < 0) {
			status = EX_OSERR;
			break;
		}
		started++;
	}
	if (started == 0)
		return EX_OSERR;
	if (!copy_lines(fds, started))
		status = EX_IOERR;
	for (i = 0; i < started; i++) {
		pid_t w;

		while ((w = waitpid(pids[i], &ws, 0)) < 0 && errno == EINTR)
			;
		ws = w < 0 || !WIFEXITED(ws) ? EX_SOFTWARE : WEXITSTATUS(ws);
		if (status == 0)
			status = ws;
	}
	return status;
}
