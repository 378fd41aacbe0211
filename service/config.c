/*
 * config.c - one table of every setting: defaults, file, environment, flags, --help
 */
#include "config.h"
#include "log.h"
#include "policeuk.h"
#include "vfm.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum type { T_STR, T_INT, T_NUM, T_LISTEN, T_LEVEL, T_ORIGINS };

/*
 * One row per setting of the program. Rows of CONFIG_SERVE fill struct
 * config and are also flags and config-file keys of `serve`; the others are
 * environment variables read by the module that uses them (config_env_load)
 * or, for the process group, where they are needed (getenv). Every row is
 * on `serve --help`.
 */
struct key {
	enum config_group group;
	const char *name; /* lower case; the variable is WHATWORKS_ + upper case */
	enum type type;
	size_t off;
	size_t size;     /* T_STR: buffer size */
	double min, max; /* T_INT, T_NUM; min > max: any number, the module checks */
	const char *def; /* NULL: the module's own default, unchanged when unset */
	int reload;
	const char *desc;
};

#define S(t, f) offsetof(struct t, f), sizeof(((struct t *)0)->f)
#define I(t, f) offsetof(struct t, f), 0
#define ANY 1, 0 /* no range here: the module checks the value */
#define SERVE(name, type, field) CONFIG_SERVE, name, type, field
#define POLICE(name, type, field) CONFIG_POLICE_UK, "police_uk_" name, type, field
#define VFM(name, type, field) CONFIG_VFM, "vfm_" name, type, field

static const struct key keys[] = {
    {SERVE("config_file", T_STR, S(config, config_file)), 0, 0, "", 0,
     "file of `key = value` lines read before the environment and flags"},
    {SERVE("listen", T_LISTEN, S(config, listen)), 0, 0, "127.0.0.1:8080", 0,
     "address and port to serve on"},
    {SERVE("database_url", T_STR, S(config, database_url)), 0, 0, "", 0,
     "PostgreSQL conninfo or URL (default: the cluster in $WHATWORKS_DATA_DIR)"},
    {SERVE("read_database_url", T_STR, S(config, read_database_url)), 0, 0, "", 0,
     "streaming replicas that serve reads, conninfos or URLs separated by ';' (empty: the "
     "primary serves)"},
    {SERVE("read_max_lag_ms", T_INT, I(config, read_max_lag_ms)), 0, 3600000, "5000", 0,
     "a replica further behind the primary than this is left out until it catches up"},
    {SERVE("replica_check_ms", T_INT, I(config, replica_check_ms)), 10, 60000, "100", 0,
     "how often the replicas' replay positions are read"},
    {SERVE("threads", T_INT, I(config, threads)), 0, 1024, "0", 0,
     "HTTP worker threads (0: four per core)"},
    {SERVE("db_pool_size", T_INT, I(config, db_pool_size)), 0, 1024, "0", 0,
     "PostgreSQL connections (0: one per thread)"},
    {SERVE("db_acquire_timeout_ms", T_INT, I(config, db_acquire_timeout_ms)), 1, 60000, "2000", 0,
     "how long a request waits for a free connection before 503"},
    {SERVE("db_statement_timeout_ms", T_INT, I(config, db_statement_timeout_ms)), 0, 3600000,
     "10000", 0, "PostgreSQL statement_timeout for API queries (0: none)"},
    {SERVE("max_connections", T_INT, I(config, max_connections)), 1, 1000000, "1024", 0,
     "concurrent HTTP connections"},
    {SERVE("max_connections_per_ip", T_INT, I(config, max_connections_per_ip)), 0, 1000000, "256",
     0, "concurrent HTTP connections from one address (0: no limit)"},
    {SERVE("connection_timeout", T_INT, I(config, connection_timeout)), 1, 86400, "30", 0,
     "seconds an idle connection is kept"},
    {SERVE("header_timeout", T_INT, I(config, header_timeout)), 1, 3600, "10", 0,
     "seconds a new connection has to send its whole first request header (408 beyond)"},
    {SERVE("body_timeout", T_INT, I(config, body_timeout)), 1, 86400, "60", 0,
     "seconds a request has to send its whole body (408 beyond)"},
    {SERVE("connection_memory_limit", T_INT, I(config, connection_memory_limit)), 8192, 16777216,
     "32768", 0,
     "bytes of buffer per connection (request line and headers must fit; cleared on every "
     "request)"},
    {SERVE("max_url_size", T_INT, I(config, max_url_size)), 64, 65536, "4096", 0,
     "longest request target in bytes (414 beyond)"},
    {SERVE("max_body_size", T_INT, I(config, max_body_size)), 0, 67108864, "65536", 0,
     "largest request body in bytes (413 beyond)"},
    {SERVE("retry_after", T_INT, I(config, retry_after)), 1, 3600, "5", 0,
     "Retry-After seconds sent with 503"},
    {SERVE("shutdown_timeout", T_INT, I(config, shutdown_timeout)), 0, 60, "8", 0,
     "seconds SIGTERM waits for requests in flight"},
    {SERVE("version_ttl_ms", T_INT, I(config, version_ttl_ms)), 0, 60000, "250", 0,
     "how long the evidence version is cached before it is read again"},
    {SERVE("response_cache_mb", T_INT, I(config, response_cache_mb)), 0, 4096, "16", 0,
     "MiB of rendered responses kept per evidence version (0: off)"},
    {SERVE("gzip_min_size", T_INT, I(config, gzip_min_size)), 0, INT_MAX, "512", 0,
     "smallest body compressed when the client accepts gzip"},
    {SERVE("sources", T_STR, S(config, sources)), 0, 0, "", 0,
     "file listing the sources the scheduler imports (see whatworks sources --help)"},
    {SERVE("log_level", T_LEVEL, S(config, log_level)), 0, 0, "info", 1,
     "debug, info, warn or error"},
    {SERVE("cors_origins", T_ORIGINS, S(config, cors_origins)), 0, 0, "*", 1,
     "allowed CORS origins: *, a comma-separated list, or empty for none"},
    {SERVE("cors_max_age", T_INT, I(config, cors_max_age)), 0, 86400, "600", 1,
     "seconds a browser may cache a preflight"},
    {SERVE("cache_control", T_STR, S(config, cache_control)), 0, 0, "public, max-age=60", 1,
     "Cache-Control of GET responses"},
    {SERVE("import_token", T_STR, S(config, import_token)), 0, 0, "", 1,
     "bearer token for POST /v1/imports (empty: disabled)"},
    {SERVE("import_source", T_STR, S(config, import_source)), 0, 0, "evidence", 1,
     "source POST /v1/imports runs when the body names none"},

    {CONFIG_PROCESS, "data_dir", T_STR, 0, 0, 0, 0, "./var", 0,
     "holds the local PostgreSQL cluster and the git mirrors of sources"},
    {CONFIG_PROCESS, "score_threads", T_INT, 0, 0, ANY, "0", 0,
     "threads that score interventions (0: one per CPU once there are enough)"},

    {VFM("discount", T_NUM, I(vfm_params, discount)), ANY, NULL, 0,
     "annual discount rate of future benefits (default: the model's, 0.035)"},
    {VFM("decay", T_NUM, I(vfm_params, decay)), ANY, NULL, 0,
     "yearly decay of an effect after the first year (default: the model's, 0)"},
    {VFM("draws", T_INT, I(vfm_params, draws)), ANY, NULL, 0,
     "Monte Carlo draws per score (default: the model's, 10000)"},
    {VFM("base_year", T_INT, I(vfm_params, base_year)), ANY, NULL, 0,
     "price year of the money figures (default: the model's, 0: the latest deflator year)"},
    {VFM("horizon", T_INT, I(vfm_params, horizon_years)), ANY, NULL, 0,
     "years benefits are counted (default: the model's, 0: each evaluation's follow-up)"},

    {POLICE("url", T_STR, S(policeuk_settings, url)), 0, 0, POLICEUK_DEFAULT_URL, 0,
     "base URL of the data.police.uk API"},
    {POLICE("archive_url", T_STR, S(policeuk_settings, archive_url)), 0, 0, "", 0,
     "where the monthly YYYY-MM.zip archives are (default: the API URL with /api "
     "replaced by /data/archive)"},
    {POLICE("rate", T_NUM, I(policeuk_settings, rate)), 0.1, 1000, "15", 0,
     "requests a second on average"},
    {POLICE("burst", T_NUM, I(policeuk_settings, burst)), 1, 2000, "30", 0,
     "most requests in any one second"},
    {POLICE("connect_timeout", T_NUM, I(policeuk_settings, connect_timeout)), 0.1, 600, "10", 0,
     "seconds to connect"},
    {POLICE("timeout", T_NUM, I(policeuk_settings, timeout)), 0.1, 3600, "60", 0,
     "seconds for one API request, body included"},
    {POLICE("archive_timeout", T_NUM, I(policeuk_settings, archive_timeout)), 1, 86400, "7200", 0,
     "seconds for one archive download"},
    {POLICE("stall", T_NUM, I(policeuk_settings, stall)), 1, 3600, "60", 0,
     "seconds without a byte before a transfer is abandoned"},
    {POLICE("retries", T_INT, I(policeuk_settings, retries)), 0, 20, "5", 0,
     "retries after a 429, a 5xx, a timeout or a dropped connection"},
    {POLICE("backoff", T_NUM, I(policeuk_settings, backoff)), 0, 600, "1", 0,
     "seconds before the first retry, doubled for each next one (with jitter)"},
    {POLICE("backoff_max", T_NUM, I(policeuk_settings, backoff_max)), 0, 3600, "120", 0,
     "longest wait before a retry, Retry-After included"},
#ifdef WW_TESTING
    {POLICE("fail_after_units", T_INT, I(policeuk_settings, fail_after_units)), 0, 1000000, "0", 0,
     "test build only: kill the process (SIGKILL) after storing this many units"},
#endif
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* A setting of serve (flag, config file key) by name. */
static const struct key *find(const char *name, size_t len)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].group == CONFIG_SERVE && strlen(keys[i].name) == len &&
		    strncmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

static void env_name(char *out, size_t size, const char *key)
{
	size_t n = (size_t)snprintf(out, size, "WHATWORKS_");
	for (const char *p = key; *p && n + 1 < size; p++)
		out[n++] = (char)toupper((unsigned char)*p);
	out[n] = '\0';
}

/* A number of an environment-only setting: the variable's own message style. */
static int set_env_number(void *dst, const struct key *k, const char *v, struct err *e)
{
	char env[80], *end;
	int whole = k->type == T_INT;
	double d = strtod(v, &end);

	env_name(env, sizeof(env), k->name);
	if (k->min > k->max) {
		if (*end != '\0' || end == v || (whole && (d != floor(d) || d < 0 || d > 1e8)))
			return err_set(e, WW_EINVALID, "%s=\"%s\" is not a %s", env, v,
			               whole ? "whole number" : "number");
	} else if (*end != '\0' || end == v || !isfinite(d) || d < k->min || d > k->max ||
	           (whole && d != floor(d))) {
		return err_set(e, WW_EINVALID, "%s=\"%s\" must be a %s from %g to %g", env, v,
		               whole ? "whole number" : "number", k->min, k->max);
	}
	if (whole)
		*(int *)dst = (int)d;
	else
		*(double *)dst = d;
	return 0;
}

static int valid_origin(const char *s, size_t n)
{
	if (n >= 8 && strncmp(s, "https://", 8) == 0)
		return n > 8;
	if (n >= 7 && strncmp(s, "http://", 7) == 0)
		return n > 7;
	return 0;
}

/* Sets k in the struct at base from v; origin says where v came from. */
static int set(void *base, const struct key *k, const char *v, const char *origin, struct err *e)
{
	char *dst = (char *)base + k->off;

	if (k->group != CONFIG_SERVE && (k->type == T_INT || k->type == T_NUM))
		return set_env_number(dst, k, v, e);
	switch (k->type) {
	case T_NUM:
	case T_INT: {
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < k->min || n > k->max)
			return err_set(e, WW_EINVALID,
			               "invalid value \"%s\" for %s (from %s): expected an integer "
			               "from %ld to %ld",
			               v, k->name, origin, (long)k->min, (long)k->max);
		*(int *)(void *)dst = (int)n;
		return 0;
	}
	case T_LISTEN: {
		const char *colon = strrchr(v, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : -1;
		if (colon == NULL || colon == v || port < 0 || port > 65535 || *end != '\0' ||
		    colon[1] == '\0')
			return err_set(
			    e, WW_EINVALID,
			    "invalid value \"%s\" for listen (from %s): expected HOST:PORT, "
			    "e.g. 127.0.0.1:8080",
			    v, origin);
		break;
	}
	case T_LEVEL:
		if (log_level_parse(v) < 0)
			return err_set(
			    e, WW_EINVALID,
			    "invalid value \"%s\" for log_level (from %s): expected debug, "
			    "info, warn or error",
			    v, origin);
		break;
	case T_ORIGINS:
		if (strcmp(v, "*") != 0) {
			const char *p = v;
			while (*p) {
				size_t n = strcspn(p, ", ");
				if (n > 0 && !valid_origin(p, n))
					return err_set(
					    e, WW_EINVALID,
					    "invalid value \"%s\" for cors_origins (from "
					    "%s): expected *, or origins like "
					    "https://example.org separated by commas",
					    v, origin);
				p += n;
				p += strspn(p, ", ");
			}
		}
		break;
	case T_STR: break;
	}
	if (strlen(v) >= k->size)
		return err_set(e, WW_EINVALID,
		               "value for %s (from %s) is too long: at most %zu bytes", k->name,
		               origin, k->size - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

char *config_trim(char *s)
{
	char *end;
	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int load_file(struct config *c, const char *path, struct err *e)
{
	FILE *f = fopen(path, "r");
	char line[2048], origin[600];
	int lineno = 0, rc = 0;

	if (f == NULL)
		return err_set(e, WW_EINVALID, "could not open config file \"%s\": %s", path,
		               strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s, *eq;
		const struct key *k;

		lineno++;
		snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
		/* a longer line would come back in pieces, and the tail of a long
		 * comment would be read as a setting */
		if (strchr(line, '\n') == NULL && !feof(f)) {
			rc = err_set(e, WW_EINVALID, "%s: line is longer than %zu bytes", origin,
			             sizeof(line) - 2);
			break;
		}
		s = config_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL) {
			rc = err_set(e, WW_EINVALID, "%s: expected `key = value`", origin);
			break;
		}
		*eq = '\0';
		char *name = config_trim(s), *val = config_trim(eq + 1);
		size_t vl = strlen(val);
		if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
			val[vl - 1] = '\0';
			val++;
		}
		k = find(name, strlen(name));
		if (k == NULL || strcmp(k->name, "config_file") == 0) {
			rc = err_set(e, WW_EINVALID, "%s: unknown setting \"%s\" (see --help)",
			             origin, name);
			break;
		}
		if ((rc = set(c, k, val, origin, e)) < 0)
			break;
	}
	fclose(f);
	return rc;
}

/* Finds --key=value or --key value in argv; -1 when absent, else the value index trick. */
static const char *flag_value(int argc, char **argv, const struct key *k, int *bad)
{
	char flag[80];
	size_t n;

	snprintf(flag, sizeof(flag), "--%s", k->name);
	for (char *p = flag; *p; p++)
		if (*p == '_')
			*p = '-';
	n = strlen(flag);
	const char *found = NULL;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], flag, n) != 0)
			continue;
		if (argv[i][n] == '=')
			found = argv[i] + n + 1;
		else if (argv[i][n] == '\0') {
			if (i + 1 >= argc) {
				*bad = 1;
				return NULL;
			}
			found = argv[++i];
		}
	}
	return found;
}

static int check_args(int argc, char **argv, struct err *e)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char name[80];
		size_t len;

		if (strncmp(a, "--", 2) != 0)
			return err_set(e, WW_EINVALID, "unexpected argument \"%s\" (see --help)",
			               a);
		len = strcspn(a + 2, "=");
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, a + 2, len);
		name[len] = '\0';
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		if (find(name, len) == NULL)
			return err_set(e, WW_EINVALID, "unknown option \"%s\" (see --help)", a);
		if (a[2 + len] != '=')
			i++; /* the value follows */
	}
	return 0;
}

int config_load(struct config *c, int argc, char **argv, FILE *out, struct err *e)
{
	char env[80], origin[128];
	int rc, bad = 0;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			config_usage(out);
			return 1;
		}
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].group == CONFIG_SERVE &&
		    (rc = set(c, &keys[i], keys[i].def, "default", e)) < 0)
			return rc;
	if ((rc = check_args(argc, argv, e)) < 0)
		return rc;
	/* the config file path first: from the flag, else the environment */
	const char *path = flag_value(argc, argv, &keys[0], &bad);
	if (path == NULL)
		path = getenv("WHATWORKS_CONFIG_FILE");
	if (path == NULL)
		path = getenv("WHATWORKS_CONFIG");
	if (path != NULL && path[0] != '\0') {
		if ((rc = set(c, &keys[0], path, "the command line", e)) < 0)
			return rc;
		if ((rc = load_file(c, c->config_file, e)) < 0)
			return rc;
	}
	for (size_t i = 1; i < NKEYS; i++) {
		if (keys[i].group != CONFIG_SERVE)
			continue;
		env_name(env, sizeof(env), keys[i].name);
		const char *v = getenv(env);
		if (v == NULL)
			continue;
		snprintf(origin, sizeof(origin), "environment variable %s", env);
		if ((rc = set(c, &keys[i], v, origin, e)) < 0)
			return rc;
	}
	for (size_t i = 1; i < NKEYS; i++) {
		if (keys[i].group != CONFIG_SERVE)
			continue;
		const char *v = flag_value(argc, argv, &keys[i], &bad);
		if (bad)
			return err_set(e, WW_EINVALID, "option --%s needs a value", keys[i].name);
		if (v == NULL)
			continue;
		snprintf(origin, sizeof(origin), "option --%s", keys[i].name);
		if ((rc = set(c, &keys[i], v, origin, e)) < 0)
			return rc;
	}
	return 0;
}

static const char *const group_title[] = {
    [CONFIG_SERVE] = "",
    [CONFIG_PROCESS] = "Every command (environment only):",
    [CONFIG_VFM] = "Value-for-money model (environment only; `whatworks score --rescore` after "
                   "a change):",
    [CONFIG_POLICE_UK] = "The police-uk importer (environment only):",
};

void config_env_usage(FILE *out, enum config_group g)
{
	char env[80];

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (k->group != g)
			continue;
		env_name(env, sizeof(env), k->name);
		if (k->def != NULL && k->def[0] != '\0')
			fprintf(out, "  %-38s %s (default %s)\n", env, k->desc, k->def);
		else
			fprintf(out, "  %-38s %s\n", env, k->desc);
	}
}

void config_usage(FILE *out)
{
	char env[80], flag[80];

	fprintf(out, "usage: whatworks serve [--KEY VALUE | --KEY=VALUE]...\n\n"
	             "Serves the evidence base over HTTP. Each setting comes from, in rising\n"
	             "priority: its default, the config file (`key = value` lines), the\n"
	             "environment variable, the option. SIGHUP reloads the settings marked\n"
	             "(reload) and the config file; SIGTERM or SIGINT stops cleanly.\n\n");
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (k->group != CONFIG_SERVE)
			continue;
		snprintf(flag, sizeof(flag), "--%s", k->name);
		for (char *p = flag; *p; p++)
			if (*p == '_')
				*p = '-';
		env_name(env, sizeof(env), k->name);
		fprintf(out, "  %-28s %s%s\n", flag, k->desc, k->reload ? " (reload)" : "");
		fprintf(out, "  %-28s env %s, default \"%s\"\n", "", env, k->def);
	}
	for (int g = CONFIG_SERVE + 1; g < CONFIG_NGROUPS; g++) {
		fprintf(out, "\n%s\n", group_title[g]);
		config_env_usage(out, (enum config_group)g);
	}
}

int config_env_load(enum config_group g, void *dst, struct err *e)
{
	char env[80], origin[128];
	int rc;

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (k->group != g)
			continue;
		env_name(env, sizeof(env), k->name);
		const char *v = getenv(env);
		if (v == NULL || v[0] == '\0')
			v = k->def;
		if (v == NULL)
			continue;
		snprintf(origin, sizeof(origin), "environment variable %s", env);
		if ((rc = set(dst, k, v, origin, e)) < 0)
			return rc;
	}
	return 0;
}

int config_env_int(const char *name, int *out, struct err *e)
{
	char env[80];

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (k->type != T_INT || strcmp(k->name, name) != 0)
			continue;
		env_name(env, sizeof(env), k->name);
		const char *v = getenv(env);
		if (v == NULL || v[0] == '\0')
			return 0;
		return set_env_number(out, k, v, e);
	}
	assert(!"config_env_int: no such integer setting");
	return err_set(e, WW_EINVALID, "unknown setting \"%s\"", name);
}

void config_apply_reload(struct config *dst, const struct config *src)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (k->group != CONFIG_SERVE)
			continue;
		const char *a = (const char *)dst + k->off, *b = (const char *)src + k->off;
		size_t n = k->size ? k->size : sizeof(int);

		if (k->size ? strcmp(a, b) == 0 : memcmp(a, b, n) == 0)
			continue;
		if (k->reload)
			memcpy((char *)dst + k->off, b, n);
		else
			log_warn("setting changed but needs a restart", "key=%s", k->name);
	}
}

int config_threads(const struct config *c)
{
	long n;

	if (c->threads > 0)
		return c->threads;
	/* libmicrohttpd's pool threads each own their connections: while one
	 * waits on PostgreSQL (a cache miss, the evidence version) the others
	 * keep its core busy; cached answers cost little more with 4 per core */
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? 4 * (int)(n < 256 ? n : 256) : 4;
}
