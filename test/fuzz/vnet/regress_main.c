/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replays fuzz inputs (files, or directories of files) through the same
 * LLVMFuzzerTestOneInput() as the libFuzzer build, as a plain program: the
 * corpus and every crash found so far run in `make test` with any compiler.
 * Fails if no input was found, so a missing corpus cannot pass silently.
 */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "fuzz_vnet_regress: %s: %s\n", path,
			strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "fuzz_vnet_regress: %s: short read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

static int
cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char **argv)
{
	unsigned long n = 0;
	int i, errors = 0;

	for (i = 1; i < argc; i++) {
		struct dirent **ents;
		struct stat st;
		int k, nent;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "fuzz_vnet_regress: %s: %s\n",
				argv[i], strerror(errno));
			errors++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			errors += run_file(argv[i]) != 0;
			n++;
			continue;
		}
		nent = scandir(argv[i], &ents, NULL, cmp_names);
		if (nent < 0) {
			fprintf(stderr, "fuzz_vnet_regress: %s: %s\n",
				argv[i], strerror(errno));
			errors++;
			continue;
		}
		for (k = 0; k < nent; k++) {
			if (ents[k]->d_name[0] != '.') {
				char path[4096];

				snprintf(path, sizeof(path), "%s/%s", argv[i],
					 ents[k]->d_name);
				errors += run_file(path) != 0;
				n++;
			}
			free(ents[k]);
		}
		free(ents);
	}
	printf("fuzz_vnet_regress: %lu inputs, %d unreadable\n", n, errors);
	if (n == 0) {
		fprintf(stderr, "fuzz_vnet_regress: no inputs given\n");
		return 1;
	}
	return errors ? 1 : 0;
}
