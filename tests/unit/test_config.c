/*
 * test_config.c - the one table of settings: precedence, checks, --help
 */
#include "config.h"
#include "err.h"
#include "policeuk.h"
#include "vfm.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void clean_env(void)
{
	unsetenv("WHATWORKS_CONFIG");
	unsetenv("WHATWORKS_CONFIG_FILE");
	unsetenv("WHATWORKS_THREADS");
	unsetenv("WHATWORKS_LISTEN");
	unsetenv("WHATWORKS_VFM_DISCOUNT");
	unsetenv("WHATWORKS_VFM_DRAWS");
	unsetenv("WHATWORKS_POLICE_UK_RATE");
	unsetenv("WHATWORKS_POLICE_UK_URL");
	unsetenv("WHATWORKS_SCORE_THREADS");
}

TestSuite(config, .init = clean_env, .fini = clean_env);

#define ARGV(...)                                                                                  \
	(sizeof((char *[]){"serve", __VA_ARGS__}) / sizeof(char *)), (char *[])                    \
	{                                                                                          \
		"serve", __VA_ARGS__                                                               \
	}

Test(config, defaults_then_environment_then_flags)
{
	struct config c;
	struct err e = {0};

	cr_assert_eq(config_load(&c, 1, (char *[]){"serve", NULL}, stdout, &e), 0);
	cr_assert_str_eq(c.listen, "127.0.0.1:8080");
	cr_assert_eq(c.threads, 0);
	setenv("WHATWORKS_THREADS", "3", 1);
	cr_assert_eq(config_load(&c, 1, (char *[]){"serve", NULL}, stdout, &e), 0);
	cr_assert_eq(c.threads, 3);
	cr_assert_eq(config_load(&c, ARGV("--threads", "5"), stdout, &e), 0);
	cr_assert_eq(c.threads, 5);
	cr_assert_eq(config_load(&c, ARGV("--threads=6"), stdout, &e), 0);
	cr_assert_eq(c.threads, 6);
}

Test(config, bad_values_name_the_key_and_where_they_came_from)
{
	struct config c;
	struct err e = {0};

	cr_assert_eq(config_load(&c, ARGV("--threads", "many"), stdout, &e), WW_EINVALID);
	cr_assert_str_eq(e.msg, "invalid value \"many\" for threads (from option --threads): "
	                        "expected an integer from 0 to 1024");
	e = (struct err){0};
	setenv("WHATWORKS_LISTEN", "8080", 1);
	cr_assert_eq(config_load(&c, 1, (char *[]){"serve", NULL}, stdout, &e), WW_EINVALID);
	cr_assert(strstr(e.msg, "(from environment variable WHATWORKS_LISTEN)") != NULL);
	unsetenv("WHATWORKS_LISTEN");
	e = (struct err){0};
	cr_assert_eq(config_load(&c, ARGV("--nope", "1"), stdout, &e), WW_EINVALID);
	cr_assert_str_eq(e.msg, "unknown option \"--nope\" (see --help)");
	cr_assert_eq(config_load(&c, ARGV("--threads"), stdout, &e), WW_EINVALID);
	cr_assert_eq(config_load(&c, ARGV("--cors-origins", "ftp://x"), stdout, &e), WW_EINVALID);
}

Test(config, environment_only_settings_are_not_flags)
{
	struct config c;
	struct err e = {0};

	cr_assert_eq(config_load(&c, ARGV("--vfm-discount", "0.1"), stdout, &e), WW_EINVALID);
	cr_assert_eq(config_load(&c, ARGV("--police-uk-rate", "1"), stdout, &e), WW_EINVALID);
}

Test(config, config_file_sits_between_defaults_and_environment)
{
	char path[] = "/tmp/ww-config-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct config c;
	struct err e = {0};

	fprintf(f, "# a comment\nthreads = 7\ncache_control = \"no-store\"\n");
	fclose(f);
	setenv("WHATWORKS_CONFIG", path, 1);
	cr_assert_eq(config_load(&c, 1, (char *[]){"serve", NULL}, stdout, &e), 0, "%s", e.msg);
	cr_assert_eq(c.threads, 7);
	cr_assert_str_eq(c.cache_control, "no-store");
	setenv("WHATWORKS_THREADS", "2", 1);
	cr_assert_eq(config_load(&c, 1, (char *[]){"serve", NULL}, stdout, &e), 0);
	cr_assert_eq(c.threads, 2);
	f = fopen(path, "w");
	fprintf(f, "vfm_discount = 0.1\n");
	fclose(f);
	cr_assert_eq(config_load(&c, 1, (char *[]){"serve", NULL}, stdout, &e), WW_EINVALID);
	cr_assert(strstr(e.msg, ":1: unknown setting \"vfm_discount\"") != NULL, "%s", e.msg);
	unlink(path);
}

Test(config, reload_copies_only_reloadable_settings)
{
	struct config a, b;
	struct err e = {0};

	cr_assert_eq(config_load(&a, 1, (char *[]){"serve", NULL}, stdout, &e), 0);
	b = a;
	b.threads = 9;
	snprintf(b.cache_control, sizeof(b.cache_control), "no-cache");
	config_apply_reload(&a, &b);
	cr_assert_eq(a.threads, 0);
	cr_assert_str_eq(a.cache_control, "no-cache");
}

Test(config, vfm_variables_fill_the_model_parameters)
{
	struct vfm_params p = vfm_params_default();
	struct err e = {0};

	cr_assert_eq(config_env_load(CONFIG_VFM, &p, &e), 0);
	cr_assert_float_eq(p.discount, 0.035, 1e-12, "unset: the model's default stays");
	setenv("WHATWORKS_VFM_DISCOUNT", "0.05", 1);
	setenv("WHATWORKS_VFM_DRAWS", "200", 1);
	cr_assert_eq(config_env_load(CONFIG_VFM, &p, &e), 0);
	cr_assert_float_eq(p.discount, 0.05, 1e-12);
	cr_assert_eq(p.draws, 200);
	setenv("WHATWORKS_VFM_DRAWS", "2.5", 1);
	cr_assert_eq(config_env_load(CONFIG_VFM, &p, &e), WW_EINVALID);
	cr_assert_str_eq(e.msg, "WHATWORKS_VFM_DRAWS=\"2.5\" is not a whole number");
	e = (struct err){0};
	setenv("WHATWORKS_VFM_DISCOUNT", "lots", 1);
	cr_assert_eq(config_env_load(CONFIG_VFM, &p, &e), WW_EINVALID);
	cr_assert_str_eq(e.msg, "WHATWORKS_VFM_DISCOUNT=\"lots\" is not a number");
}

Test(config, police_uk_variables_have_defaults_and_ranges)
{
	struct policeuk_settings s;
	struct err e = {0};

	cr_assert_eq(policeuk_settings_load(&s, &e), 0, "%s", e.msg);
	cr_assert_float_eq(s.rate, 15, 1e-12);
	cr_assert_eq(s.retries, 5);
	cr_assert_str_eq(s.archive_url, "https://data.police.uk/data/archive");
	setenv("WHATWORKS_POLICE_UK_RATE", "0", 1);
	cr_assert_eq(policeuk_settings_load(&s, &e), WW_EINVALID);
	cr_assert_str_eq(e.msg, "WHATWORKS_POLICE_UK_RATE=\"0\" must be a number from 0.1 to 1000");
}

Test(config, score_threads_reads_its_row)
{
	struct err e = {0};
	int t = -1;

	cr_assert_eq(config_env_int("score_threads", &t, &e), 0);
	cr_assert_eq(t, -1, "unset: unchanged");
	setenv("WHATWORKS_SCORE_THREADS", "3", 1);
	cr_assert_eq(config_env_int("score_threads", &t, &e), 0);
	cr_assert_eq(t, 3);
	setenv("WHATWORKS_SCORE_THREADS", "-3", 1);
	cr_assert_eq(config_env_int("score_threads", &t, &e), WW_EINVALID);
}

Test(config, help_lists_every_setting)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	static const char *const want[] = {
	    "--listen",
	    "WHATWORKS_LISTEN",
	    "--import-source",
	    "WHATWORKS_DATA_DIR",
	    "WHATWORKS_SCORE_THREADS",
	    "WHATWORKS_VFM_DISCOUNT",
	    "WHATWORKS_VFM_DECAY",
	    "WHATWORKS_VFM_DRAWS",
	    "WHATWORKS_VFM_BASE_YEAR",
	    "WHATWORKS_VFM_HORIZON",
	    "WHATWORKS_POLICE_UK_URL",
	    "WHATWORKS_POLICE_UK_BACKOFF_MAX",
	};

	cr_assert_eq(config_load(&(struct config){0}, 2, (char *[]){"serve", "--help", NULL}, f,
	                         &(struct err){0}),
	             1);
	fclose(f);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(strstr(text, want[i]) != NULL, "--help lacks %s", want[i]);
	free(text);
}
