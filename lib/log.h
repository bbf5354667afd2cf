/*
 * log.h: the one logging interface of every herald program, after the
 * OpenBSD daemons.  In the foreground (or for the CLI) messages go to stderr;
 * the daemon's foreground lines carry syslog priority prefixes ("<4>") that
 * journald reads.  Otherwise they go to syslog.
 * depends on: nothing of herald's; used by: every program, through util.h too.
 */
#ifndef HERALD_LOG_H
#define HERALD_LOG_H

#include <stdarg.h>

enum log_dest {
	LOG_TO_STDERR,		/* plain "prog: message" lines (the CLI) */
	LOG_TO_JOURNAL,		/* "<N>message" lines on stderr */
	LOG_TO_SYSLOG,
};

void	log_init(const char *progname, enum log_dest, int verbose);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
