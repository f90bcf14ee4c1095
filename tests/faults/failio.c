/* failio.c - an LD_PRELOAD shim that makes file operations fail on purpose,
 * for tests/t/faults.sh: errors a test cannot provoke for real without a
 * broken disk or a full file system.
 *
 *	FAILIO_READ=STR	  read() on a file whose path contains STR fails
 *			  with EIO (a bad sector)
 *	FAILIO_RENAME=STR  rename() of a path containing STR fails with ENOSPC
 *			  (the target directory cannot grow: disk full)
 *
 *	cc -shared -fPIC -o failio.so tests/faults/failio.c -ldl
 *	FAILIO_READ=1790 LD_PRELOAD=./failio.so mailsift ingest --maildir DIR
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define MAXFD	4096

static unsigned char bad[MAXFD];	/* fds whose reads fail */

static int
matches(const char *path, const char *var)
{
	const char *s = getenv(var);

	return path != NULL && s != NULL && *s != '\0' && strstr(path, s);
}

static void
track(int fd, const char *path)
{
	if (fd >= 0 && fd < MAXFD)
		bad[fd] = matches(path, "FAILIO_READ") != 0;
}

static int
opener(const char *name, const char *path, int flags, va_list ap)
{
	int (*real)(const char *, int, ...) =
	    (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
	mode_t mode = 0;
	int fd;

	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	fd = real(path, flags, mode);
	track(fd, path);
	return fd;
}

int
open(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = opener("open", path, flags, ap);
	va_end(ap);
	return fd;
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = opener("open64", path, flags, ap);
	va_end(ap);
	return fd;
}

/* Maildir messages are opened relative to their directory. */
static int
opener_at(const char *name, int dirfd, const char *path, int flags,
    va_list ap)
{
	int (*real)(int, const char *, int, ...) =
	    (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, name);
	mode_t mode = 0;
	int fd;

	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	fd = real(dirfd, path, flags, mode);
	track(fd, path);
	return fd;
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = opener_at("openat", dirfd, path, flags, ap);
	va_end(ap);
	return fd;
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = opener_at("openat64", dirfd, path, flags, ap);
	va_end(ap);
	return fd;
}

ssize_t
read(int fd, void *buf, size_t n)
{
	static ssize_t (*real)(int, void *, size_t);

	if (fd >= 0 && fd < MAXFD && bad[fd]) {
		errno = EIO;
		return -1;
	}
	if (real == NULL)
		real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	return real(fd, buf, n);
}

ssize_t
__read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	(void)buflen;
	return read(fd, buf, n);
}

int
close(int fd)
{
	static int (*real)(int);

	if (fd >= 0 && fd < MAXFD)
		bad[fd] = 0;
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "close");
	return real(fd);
}

int
rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);

	if (matches(from, "FAILIO_RENAME")) {
		errno = ENOSPC;
		return -1;
	}
	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
		    "rename");
	return real(from, to);
}
