/*
 * test_gitsrc_big.c - a blob far over the file limit is refused from its
 * object header, without inflating it into memory (issue 10 item 14)
 */
#include "evidence.h"
#include "gitrepo.h"
#include "gitsrc.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

Test(gitsrc_big, size_checked_before_reading, .timeout = 120)
{
	struct gitrepo repo;
	char data_dir[256], commit[64], path[512], cmd[1024];
	struct gitsrc_snapshot *snap = NULL;
	struct err e = {0};
	int status;
	pid_t pid;

	gitrepo_init(&repo);
	tmpdir_make(data_dir, sizeof(data_dir));
	/* 128 MiB of one byte: a few hundred KB in git, 128 MiB inflated */
	snprintf(path, sizeof(path), "%s/big.yaml", repo.dir);
	snprintf(cmd, sizeof(cmd), "head -c 134217728 /dev/zero | tr '\\0' 'a' > %s", path);
	cr_assert_eq(system(cmd), 0);
	gitrepo_commit(&repo, "big", commit);
	cr_assert_eq(gitsrc_snapshot(&snap, repo.dir, NULL, "", data_dir, NULL, &e), 0, "%s",
	             e.msg);
	cr_assert_eq(snap->n_entries, 1);
	/* in a child, so its peak memory is the read's alone */
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct rusage ru;
		char *buf = NULL;
		size_t len = 0;
		int rc = gitsrc_read(snap, snap->entries[0].blob, &buf, &len, &e);
		getrusage(RUSAGE_SELF, &ru);
		/* refused, and well under the 128 MiB the object inflates to */
		_exit(rc == WW_EINVALID && ru.ru_maxrss < 96 * 1024 ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "the blob was read whole before its size was checked");
	gitsrc_snapshot_free(snap);
	gitrepo_remove(&repo);
	tmpdir_remove(data_dir);
}
