/* SPDX-License-Identifier: BSD-3-Clause */
/* Table of the backends selectable with the backend= devarg. */

#include <string.h>

#include "rtap_backend.h"

static const struct rtap_backend_ops *const rtap_backends[] = {
	&rtap_tap_ops,
	&rtap_packet_ops,
	&rtap_xdp_ops,
};

const struct rtap_backend_ops *
rtap_backend_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(rtap_backends); i++)
		if (strcmp(rtap_backends[i]->name, name) == 0)
			return rtap_backends[i];
	return NULL;
}
