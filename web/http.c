/*
 * http.c - the portal's HTTP side with libmicrohttpd: request bodies read
 * up to WEB_BODY_MAX (more is refused at once with 413), the static page,
 * the API (api.c), and the headers every answer carries (a Content-Security-
 * Policy without inline script, no framing, no sniffing, no referrer, no
 * caching of anything personal).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "web.h"

#define CONNECTIONS_MAX 2048
#define CONNECTION_TIMEOUT 30          /* seconds without a byte */

static struct MHD_Daemon *daemon_running;

struct conn_state {
	char *body;
	size_t len, cap;
	bool refused;                     /* too large: answered already */
};

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                          "frame-ancestors 'none'; base-uri 'none'";

static void security_headers(struct web *w, struct MHD_Response *resp, bool personal)
{
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(resp, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	if (w->cfg.secure_cookie)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	MHD_add_response_header(resp, "Cache-Control", personal ? "no-store" : "no-cache");
}

static enum MHD_Result send_bytes(struct web *w, struct MHD_Connection *c, unsigned status,
                                  const char *type, const void *data, size_t len,
                                  enum MHD_ResponseMemoryMode mode, bool personal)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)data, mode);
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	security_headers(w, resp, personal);
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result send_error(struct web *w, struct MHD_Connection *c, unsigned status,
                                  const char *message)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}", message);

	return send_bytes(w, c, status, "application/json", body, (size_t)n, MHD_RESPMEM_MUST_COPY,
	                  true);
}

/* The client's address: the TCP peer, or behind a proxy on loopback the
 * last address of its X-Forwarded-For (the one the proxy added). */
static void client_address(struct web *w, struct MHD_Connection *c, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	bool loopback = false;

	snprintf(out, size, "unknown");
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)size);
		loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)size);
		loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	if (w->cfg.behind_proxy && loopback) {
		const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
		const char *last = xff ? strrchr(xff, ',') : NULL;
		unsigned char probe[sizeof(struct in6_addr)];
		char addr[WEB_ADDR_MAX];

		last = last ? last + 1 : xff;
		while (last && *last == ' ')
			last++;
		if (last && strlen(last) < sizeof(addr)) {
			strcpy(addr, last);
			addr[strcspn(addr, " ")] = '\0';
			/* Only an address is believed, nothing else a header may say. */
			if (inet_pton(AF_INET, addr, probe) == 1 || inet_pton(AF_INET6, addr, probe) == 1)
				snprintf(out, size, "%s", addr);
		}
	}
}

/* /a/ID: an approval link. Any short run of letters and digits gets the
 * page, so that a mistyped id is told so there rather than by a bare 404. */
static bool approval_page(const char *path)
{
	static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                            "abcdefghijklmnopqrstuvwxyz";
	size_t n;

	if (strncmp(path, "/a/", 3) != 0)
		return false;
	n = strlen(path + 3);
	return n > 0 && n <= 32 && strspn(path + 3, alnum) == n;
}

static const struct web_file *static_file(const char *path)
{
	/* The page's own routes all load the one page. */
	if (!strcmp(path, "/") || !strcmp(path, "/invite") || !strcmp(path, "/staff") ||
	    approval_page(path))
		path = "/index.html";
	for (size_t i = 0; i < web_files_count; i++)
		if (!strcmp(web_files[i].path, path))
			return &web_files[i];
	return NULL;
}

static enum MHD_Result answer_api(struct web *w, struct MHD_Connection *c, const char *method,
                                  const char *url, struct conn_state *st)
{
	const char *cookie_name = w->cfg.secure_cookie ? WEB_COOKIE_SECURE : WEB_COOKIE_PLAIN;
	struct web_request rq = { .web = w, .method = method, .path = url };
	struct web_reply rp = { .status = 500 };
	struct MHD_Response *resp;
	enum MHD_Result r = MHD_NO;

	rq.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	rq.origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	rq.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	rq.csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
	rq.body = st->body ? st->body : "";
	rq.body_len = st->len;
	client_address(w, c, rq.client, sizeof(rq.client));
	rq.device = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
	                                        w->cfg.secure_cookie ? WEB_DEVICE_COOKIE_SECURE
	                                                             : WEB_DEVICE_COOKIE_PLAIN);
	rq.has_session = session_get(w->sessions,
	                             MHD_lookup_connection_value(c, MHD_COOKIE_KIND, cookie_name),
	                             &rq.session);
	api_handle(&rq, &rp);
	OPENSSL_cleanse(&rq.session, sizeof(rq.session));
	if (!rp.body)
		return send_error(w, c, 500, "The portal could not answer: try again later.");
	resp = MHD_create_response_from_buffer(rp.len, rp.body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(rp.body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
	                        rp.content_type ? rp.content_type : "application/json");
	if (rp.disposition)
		MHD_add_response_header(resp, "Content-Disposition", rp.disposition);
	if (rp.cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", rp.cookie);
	if (rp.device_cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", rp.device_cookie);
	security_headers(w, resp, true);
	r = MHD_queue_response(c, rp.status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct conn_state *st = *con_cls;
	bool is_get = !strcmp(method, "GET") || !strcmp(method, "HEAD");

	(void)version;
	if (!st) {
		const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);

		if (!(st = calloc(1, sizeof(*st))))
			return MHD_NO;
		*con_cls = st;
		/* Too large by its own account: refused before a byte is read
		 * (a client that waits for "100 Continue" gets the answer). */
		if (length && strtoull(length, NULL, 10) > WEB_BODY_MAX) {
			st->refused = true;
			return send_error(w, c, 413, "The request is too large.");
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		*upload_size = 0;
		if (st->refused)
			return MHD_YES;
		if (is_get || n > WEB_BODY_MAX - st->len) {
			st->refused = true;
			return send_error(w, c, 413, "The request is too large.");
		}
		if (st->len + n + 1 > st->cap) {
			size_t cap = st->len + n + 1 < 4096 ? 4096 : st->len + n + 1;
			char *body = malloc(cap);

			if (!body)
				return MHD_NO;
			if (st->body) {
				memcpy(body, st->body, st->len);
				OPENSSL_cleanse(st->body, st->cap);
				free(st->body);
			}
			st->body = body;
			st->cap = cap;
		}
		memcpy(st->body + st->len, upload, n);
		st->len += n;
		st->body[st->len] = '\0';
		return MHD_YES;
	}
	if (st->refused)
		return MHD_YES;
	if (!strncmp(url, "/api/", 5))
		return answer_api(w, c, method, url, st);
	if (is_get) {
		const struct web_file *f = static_file(url);

		if (f)
			return send_bytes(w, c, 200, f->type, f->data, f->len, MHD_RESPMEM_PERSISTENT,
			                  false);
		return send_error(w, c, 404, "No such page.");
	}
	return send_error(w, c, 405, "Method not allowed.");
}

/* The request is over: its body may hold a password or a code. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
	struct conn_state *st = *con_cls;

	(void)cls;
	(void)c;
	(void)why;
	if (!st)
		return;
	if (st->body) {
		OPENSSL_cleanse(st->body, st->cap);
		free(st->body);
	}
	free(st);
	*con_cls = NULL;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	web_log(LOG_WARNING, "%s", line);
}

int http_serve(struct web *w, int listen_fd, const char *cert_pem, const char *key_pem)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	                 MHD_USE_POLL | MHD_USE_ERROR_LOG;

	if (cert_pem)
		flags |= MHD_USE_TLS;
	daemon_running = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, w,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL,
		MHD_OPTION_LISTEN_SOCKET, listen_fd,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024),
		cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, key_pem,
		MHD_OPTION_END);
	return daemon_running ? MFA_OK : MFA_ERR_SYSTEM;
}

void http_stop(void)
{
	if (daemon_running) {
		MHD_stop_daemon(daemon_running);
		daemon_running = NULL;
	}
}
