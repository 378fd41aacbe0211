/* fuzz_csv.c - the street-level crime CSV of data.police.uk */
#include "crimecsv.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static struct crimecsv_category cats[3];
	static struct crimecsv c;
	struct err e = {0};
	size_t step, off = 0;

	strcpy(cats[0].id, "burglary");
	strcpy(cats[0].name, "Burglary");
	strcpy(cats[1].id, "violent-crime");
	strcpy(cats[1].name, "Violence and sexual offences");
	strcpy(cats[2].id, "anti-social-behaviour");
	strcpy(cats[2].name, "Anti-social behaviour");
	if (size == 0)
		return 0;
	step = 1 + in[0] % 61;
	in++;
	size--;
	crimecsv_init(&c, "2024-12", cats, 3);
	while (off < size) {
		size_t n = size - off < step ? size - off : step;
		if (crimecsv_feed(&c, (const char *)in + off, n, &e) < 0)
			return 0;
		off += n;
	}
	crimecsv_finish(&c, &e);
	return 0;
}
