/*
 * config.h - every setting of whatworks, from one table
 *
 * Every setting has one row in the table in config.c: its key, type, default,
 * description and whether SIGHUP can change it. The same row gives the
 * environment variable (WHATWORKS_ + the key in upper case), the flag
 * (--key, with '-' for '_') and the line of --help. Precedence, lowest first:
 * default, config file (`key = value` lines, '#' comments), environment,
 * flag. Loading is strict: the first bad value fails with the key, the value
 * and where it came from. A reload (SIGHUP) goes through the same validation
 * and the caller keeps the old settings when it fails.
 */
#ifndef WW_CONFIG_H
#define WW_CONFIG_H

#include "err.h"

#include <stdio.h>

struct config {
	char config_file[512];
	char listen[128];             /* host:port */
	char database_url[1024];      /* "" = db_conninfo() */
	char read_database_url[4096]; /* replicas, ';'-separated; "" = read the primary */
	int read_max_lag_ms;          /* a replica further behind is left out */
	int replica_check_ms;         /* how often replicas' positions are read */
	int threads;                  /* 0 = number of cores */
	int db_pool_size;             /* 0 = threads */
	int db_acquire_timeout_ms;
	int db_statement_timeout_ms;
	int max_connections;
	int max_connections_per_ip;
	int connection_timeout; /* idle seconds */
	int header_timeout;     /* seconds for a new connection's first request head */
	int body_timeout;       /* seconds for a request's whole body */
	int connection_memory_limit;
	int max_url_size;
	int max_body_size;
	int retry_after;       /* seconds, on 503 */
	int shutdown_timeout;  /* seconds to finish requests in flight */
	int version_ttl_ms;    /* how long the cached evidence version is trusted */
	int response_cache_mb; /* 0 disables the response cache */
	int gzip_min_size;
	char sources[512]; /* the sources file the scheduler runs; "" = no scheduler */
	/* reloadable */
	char log_level[16];
	char cors_origins[1024]; /* "*", or space/comma separated origins, "" = no CORS */
	int cors_max_age;
	char cache_control[256];
	char import_token[256];  /* "" = POST /v1/imports disabled */
	char import_source[256]; /* the source POST /v1/imports runs by default */
};

/*
 * Fills c from the defaults, the config file (from --config or
 * WHATWORKS_CONFIG), the environment and argv (the arguments after the
 * subcommand name). Returns 0, WW_EINVALID naming the key, value and origin,
 * or 1 when --help was asked (after printing it to out).
 */
int config_load(struct config *c, int argc, char **argv, FILE *out, struct err *e);

/* Prints --help, generated from the table. */
void config_usage(FILE *out);

/*
 * Copies the reloadable settings of src into dst and logs, as warnings, the
 * settings that changed but need a restart. This function can't fail.
 */
void config_apply_reload(struct config *dst, const struct config *src);

/* s without leading and trailing white space, cut in place (the sources
 * file is read with it too). */
char *config_trim(char *s);

/* The groups of settings; serve's fill struct config, the others are read
 * from the environment by the module that uses them. */
enum config_group { CONFIG_SERVE, CONFIG_PROCESS, CONFIG_VFM, CONFIG_POLICE_UK, CONFIG_NGROUPS };

/*
 * Fills the struct at dst (struct vfm_params for CONFIG_VFM, struct
 * policeuk_settings for CONFIG_POLICE_UK) from the group's variables: a set
 * one is checked against its row, an unset one takes the row's default, or
 * leaves dst as it is when the row has none. WW_EINVALID names the variable.
 */
int config_env_load(enum config_group g, void *dst, struct err *e);

/* An integer setting of the process group (e.g. "score_threads"): *out is
 * unchanged when unset. WW_EINVALID names the variable and the value. */
int config_env_int(const char *name, int *out, struct err *e);

/* Prints the group's variables, their meanings and defaults. */
void config_env_usage(FILE *out, enum config_group g);

/* The effective thread count (threads, or four per core). */
int config_threads(const struct config *c);

#endif
