/*
 * herald-smtp.c: the mail plugin's SMTP client, run as a child of heraldd
 * (so the loop never waits on a mail server): reads one RFC 5322 message
 * on standard input and sends it with libcurl's smtp:// (STARTTLS
 * required unless --tls none) or smtps://, logging in with the netrc file
 * given, which must be readable by its owner only.  Exit status as
 * sysexits(3): 0 sent; 75 try again later (no connection, a 4xx reply,
 * TLS trouble); 65, 69, 77 or 78 do not (a 5xx reply, refused login,
 * a bad configuration).
 *
 *   herald-smtp --url smtp://mail.example.org:587 --from a@b --to c@d
 *       [--to e@f] [--netrc FILE] [--tls starttls|none] [--ca FILE]
 *       [--timeout SECONDS] < message
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>

#define MESSAGE_MAX	(32 * 1024 * 1024)

struct upload {
	char	*data;
	size_t	 len;
	size_t	 off;
};

static size_t
read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct upload	*u = arg;
	size_t		 n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

/* The whole message, its line ends made CRLF as SMTP wants them. */
static int
read_message(struct upload *u)
{
	char	 buf[65536];
	size_t	 n, i, cap = 0;

	memset(u, 0, sizeof(*u));
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
		for (i = 0; i < n; i++) {
			if (u->len + 2 >= cap) {
				cap = cap ? cap * 2 : 65536;
				if (cap > MESSAGE_MAX ||
				    (u->data = realloc(u->data, cap)) == NULL)
					return -1;
			}
			if (buf[i] == '\n' && (u->len == 0 ||
			    u->data[u->len - 1] != '\r'))
				u->data[u->len++] = '\r';
			u->data[u->len++] = buf[i];
		}
	}
	return ferror(stdin) ? -1 : 0;
}

/* The credentials file: a regular file only its owner, this user, reads. */
static int
netrc_check(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "herald-smtp: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 ||
	    st.st_uid != geteuid()) {
		fprintf(stderr, "herald-smtp: %s: must be a file of this user "
		    "that only it can read (mode 0600 or 0400)\n", path);
		return -1;
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: herald-smtp --url smtp[s]://HOST[:PORT] "
	    "--from ADDR --to ADDR [--to ADDR]...\n"
	    "       [--netrc FILE] [--tls starttls|none] [--ca FILE] "
	    "[--timeout SECONDS] < message\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "netrc", required_argument, NULL, 'n' },
		{ "tls", required_argument, NULL, 's' },
		{ "ca", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	struct curl_slist	*rcpt = NULL;
	struct upload		 u;
	const char		*url = NULL, *from = NULL, *netrc = NULL;
	const char		*ca = NULL;
	char			 errbuf[CURL_ERROR_SIZE] = "";
	long			 timeout = 60, reply = 0;
	int			 ch, tls = 1, ret = EX_TEMPFAIL;
	CURLcode		 rc;
	CURL			*c;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			url = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			rcpt = curl_slist_append(rcpt, optarg);
			break;
		case 'n':
			netrc = optarg;
			break;
		case 's':
			if (strcmp(optarg, "none") == 0)
				tls = 0;
			else if (strcmp(optarg, "starttls") != 0) {
				usage();
				return EX_USAGE;
			}
			break;
		case 'c':
			ca = optarg;
			break;
		case 'T':
			timeout = strtol(optarg, NULL, 10);
			if (timeout < 1 || timeout > 3600)
				timeout = 60;
			break;
		default:
			usage();
			return EX_USAGE;
		}
	}
	if (url == NULL || from == NULL || rcpt == NULL || optind != argc ||
	    (strncasecmp(url, "smtp://", 7) != 0 &&
	    strncasecmp(url, "smtps://", 8) != 0)) {
		usage();
		return EX_USAGE;
	}
	if (netrc != NULL && netrc_check(netrc) == -1)
		return EX_CONFIG;
	if (read_message(&u) == -1) {
		fprintf(stderr, "herald-smtp: reading the message failed\n");
		return EX_DATAERR;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (c = curl_easy_init()) == NULL) {
		fprintf(stderr, "herald-smtp: libcurl did not start\n");
		return EX_TEMPFAIL;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u.len);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout < 30 ? timeout :
	    30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* smtp:// must upgrade with STARTTLS, or not be used at all */
	curl_easy_setopt(c, CURLOPT_USE_SSL, tls ? (long)CURLUSESSL_ALL :
	    (long)CURLUSESSL_NONE);
	if (ca != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	if (netrc != NULL) {
		curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_REQUIRED);
		curl_easy_setopt(c, CURLOPT_NETRC_FILE, netrc);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
	if (rc == CURLE_OK)
		ret = EX_OK;
	else {
		fprintf(stderr, "herald-smtp: %s: %s%s%s (reply %ld)\n", url,
		    curl_easy_strerror(rc), *errbuf ? ": " : "", errbuf, reply);
		if (rc == CURLE_LOGIN_DENIED)
			ret = EX_NOPERM;
		else if (rc == CURLE_USE_SSL_FAILED)
			ret = EX_CONFIG;	/* no STARTTLS: never in clear */
		else if (reply >= 500 && reply < 600)
			ret = EX_UNAVAILABLE;
		else
			ret = EX_TEMPFAIL;
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(rcpt);
	curl_global_cleanup();
	free(u.data);
	return ret;
}
