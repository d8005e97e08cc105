/* SPDX-License-Identifier: BSD-3-Clause */
/* Table of the backends selectable with the backend= devarg. */

#include <stdio.h>
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

void
rtap_backend_names(char *buf, size_t len)
{
	unsigned int i;
	size_t off = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < RTE_DIM(rtap_backends) && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i ? ", " : "", rtap_backends[i]->name);
}
