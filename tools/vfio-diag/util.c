// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-diag: small helpers over sysfs and procfs files.  Every reader
 * returns 0 or a negative errno and leaves the buffer NUL-terminated
 * with the trailing newline removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"

void vd_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", vd_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vd_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int vd_readf(char *buf, size_t len, const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return vd_read(path, buf, len);
}

/* One write(2) of the whole string, as sysfs wants it. */
int vd_write(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

/* The last component of a symlink's target, e.g. a driver's name. */
int vd_link_name(const char *path, char *buf, size_t len)
{
	char target[512];
	const char *base;
	ssize_t n;

	buf[0] = '\0';
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(buf, len, "%s", base ? base + 1 : target);
	return 0;
}

bool vd_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int vd_cmp_names(const void *a, const void *b)
{
	const char *x = *(char * const *)a, *y = *(char * const *)b;
	char *ex, *ey;
	long nx, ny;

	/* Numeric names (IOMMU groups, pids) in numeric order. */
	nx = strtol(x, &ex, 10);
	ny = strtol(y, &ey, 10);
	if (*x && *y && !*ex && !*ey)
		return nx < ny ? -1 : nx > ny;
	return strcmp(x, y);
}

/*
 * The entries of @dir except "." and "..", sorted (numbers numerically);
 * returns how many, or a negative errno.
 */
int vd_list_dir(const char *dir, char ***names)
{
	struct dirent *de;
	char **list = NULL, **grown;
	int n = 0, cap = 0;
	DIR *d;

	*names = NULL;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown)
				goto nomem;
			list = grown;
		}
		list[n] = strdup(de->d_name);
		if (!list[n])
			goto nomem;
		n++;
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof(*list), vd_cmp_names);
	*names = list;
	return n;
nomem:
	closedir(d);
	vd_free_list(list, n);
	return -ENOMEM;
}

void vd_free_list(char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Run "prog arg" through PATH; returns its exit status, or -1. */
int vd_run(const char *prog, const char *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		execlp(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A byte count the way people read it: "1.5 GiB", "4 KiB", "100 B". */
void vd_human(unsigned long long bytes, char *buf, size_t len)
{
	static const char * const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", bytes);
	else if (v == (unsigned long long)v)
		snprintf(buf, len, "%llu %s", (unsigned long long)v, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
}

/* "4096", "64K", "512M", "2G", "1T" (powers of 1024); 0 or -EINVAL. */
int vd_parse_size(const char *s, unsigned long long *bytes)
{
	unsigned long long v, mult = 1;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 't': case 'T':
		mult <<= 10;
		/* fall through */
	case 'g': case 'G':
		mult <<= 10;
		/* fall through */
	case 'm': case 'M':
		mult <<= 10;
		/* fall through */
	case 'k': case 'K':
		mult <<= 10;
		end++;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || (v && mult > ~0ULL / v))
		return -EINVAL;
	*bytes = v * mult;
	return 0;
}

/* Whether the effective capability set holds @cap (/proc/self/status). */
bool vd_has_cap(int cap)
{
	unsigned long long eff = 0;
	char line[256];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = true;
			break;
		}
	}
	fclose(f);
	return found && (eff >> cap & 1);
}
