/*
 * test_pgcluster.c - service/pgcluster.sh, what `make run` starts, from a
 * clone whose parent folder only its owner may enter (a home of mode 0700)
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char home[] = "/tmp/whatworks-home-XXXXXX";
static char pghome[] = "/tmp/whatworks-pghome-XXXXXX";
static char var[256];

static int run(const char *cmd, char *out, size_t size)
{
	char line[1024];
	FILE *p;

	snprintf(line, sizeof(line), "WHATWORKS_PG_HOME=%s service/pgcluster.sh %s %s 2>&1", pghome,
	         cmd, var);
	p = popen(line, "r");
	cr_assert_not_null(p);
	if (out != NULL) {
		size_t n = fread(out, 1, size - 1, p);
		out[n] = '\0';
	}
	while (fgetc(p) != EOF)
		;
	return pclose(p);
}

static void cleanup(void)
{
	char line[1024];
	run("stop", NULL, 0);
	snprintf(line, sizeof(line), "rm -rf %s %s", home, pghome);
	cr_expect_eq(system(line), 0);
}

Test(pgcluster, starts_from_a_clone_in_a_private_home, .timeout = 120, .fini = cleanup)
{
	char out[4096], conninfo[512];
	PGconn *c;
	PGresult *res;

	cr_assert_not_null(mkdtemp(home));
	cr_assert_not_null(mkdtemp(pghome));
	cr_assert_eq(chmod(home, 0700), 0);
	cr_assert_eq(chmod(pghome, 0755), 0);
	snprintf(var, sizeof(var), "%s/clone/var", home);
	cr_assert_eq(run("start", out, sizeof(out)), 0, "pgcluster.sh start failed:\n%s", out);
	if (geteuid() == 0)
		cr_expect(strstr(out, "cannot reach") != NULL, "it says what it did:\n%s", out);
	/* what every command connects to when WHATWORKS_DATABASE_URL is unset */
	snprintf(conninfo, sizeof(conninfo), "host=%s dbname=whatworks user=%s", var,
	         geteuid() == 0 ? "postgres" : getenv("USER"));
	c = PQconnectdb(conninfo);
	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	res = PQexec(c, "SELECT 1");
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	PQfinish(c);
	/* a second start finds the running cluster where the first put it */
	cr_assert_eq(run("start", out, sizeof(out)), 0, "second start failed:\n%s", out);
	cr_assert_eq(run("stop", out, sizeof(out)), 0, "%s", out);
	cr_assert_eq(run("status", out, sizeof(out)) == 0, 0, "the cluster stopped:\n%s", out);
}
