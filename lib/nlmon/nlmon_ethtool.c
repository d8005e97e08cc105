/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ethtool generic netlink: family/group resolution (nlctrl), bitset
 * parsing, the ETH_SS_FEATURES name table and features get/set.
 *
 * Bitsets (Documentation/networking/ethtool-netlink.rst, "Bit sets") come
 * in two forms: compact (ETHTOOL_A_BITSET_SIZE + VALUE [+ MASK] as arrays
 * of host-order u32) when the request asked ETHTOOL_FLAG_COMPACT_BITSETS,
 * verbose (a BITS nest of BIT {INDEX, NAME, VALUE}) otherwise; kernel
 * notifications carry no request flags, so they are verbose.  Feature sets
 * are sent with NOMASK: in verbose form every listed bit is set.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>

#include "nlmon_priv.h"

/* ---- nlctrl family lookup ---- */

static int
grp_cb(const struct nlattr *grp, struct nlmon_genl_ids *ids)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return -EBADMSG;
			name = mnl_attr_get_str(a);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			id = mnl_attr_get_u32(a);
			break;
		default:
			break;
		}
	}
	if (name != NULL && strcmp(name, ETHTOOL_MCGRP_MONITOR_NAME) == 0)
		ids->monitor_grp = id;
	return 0;
}

static int
family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlmon_genl_ids *ids = data;
	const struct nlattr *a, *g;

	if (nlh->nlmsg_len < mnl_nlmsg_size(GENL_HDRLEN))
		return MNL_CB_ERROR;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return MNL_CB_ERROR;
			ids->family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a)
				if (grp_cb(g, ids) < 0)
					return MNL_CB_ERROR;
			break;
		default:
			break;
		}
	}
	return MNL_CB_OK;
}

int
nlmon_ethtool_resolve(struct mnl_socket *s, struct nlmon_genl_ids *ids)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	memset(ids, 0, sizeof(*ids));
	nlh->nlmsg_type = GENL_ID_CTRL;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME);
	return nlmon_talk(s, nlh, family_cb, ids);
}

/* ---- bitsets ---- */

static int
set_bit(uint64_t *bits, unsigned int nwords, uint32_t bit)
{
	if (bit >= nwords * 64)
		return -ERANGE;
	bits[bit / 64] |= UINT64_C(1) << (bit % 64);
	return 0;
}

static int
parse_verbose_bit(const struct nlattr *bitnest, uint64_t *bits,
		  unsigned int nwords, bool nomask,
		  struct nlmon_feat_names *names)
{
	const struct nlattr *a;
	const char *name = NULL;
	bool have_idx = false, value = false;
	uint32_t idx = 0;

	if (!nlmon_nest_complete(bitnest))
		return -EBADMSG;
	mnl_attr_for_each_nested(a, bitnest) {
		switch (mnl_attr_get_type(a)) {
		case ETHTOOL_A_BITSET_BIT_INDEX:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			idx = mnl_attr_get_u32(a);
			have_idx = true;
			break;
		case ETHTOOL_A_BITSET_BIT_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return -EBADMSG;
			name = mnl_attr_get_str(a);
			break;
		case ETHTOOL_A_BITSET_BIT_VALUE:
			value = true;
			break;
		default:
			break;
		}
	}
	if (!have_idx)
		return -EBADMSG;
	if (names != NULL && name != NULL && idx < RTAP_NLMON_FEAT_MAX &&
	    names->name[idx] == NULL) {
		names->name[idx] = strdup(name);
		if (names->name[idx] != NULL && idx >= names->count)
			names->count = idx + 1;
	}
	if (nomask || value)
		return set_bit(bits, nwords, idx);
	return 0;
}

int
nlmon_parse_bitset(const struct nlattr *nest, uint64_t *bits,
		   unsigned int nwords, unsigned int *nbits,
		   struct nlmon_feat_names *names)
{
	const struct nlattr *a, *b;
	const struct nlattr *value = NULL, *list = NULL;
	bool nomask = false;
	uint32_t size = 0;
	int ret;

	memset(bits, 0, nwords * sizeof(*bits));
	*nbits = 0;
	if (!nlmon_nest_complete(nest))
		return -EBADMSG;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case ETHTOOL_A_BITSET_NOMASK:
			nomask = true;
			break;
		case ETHTOOL_A_BITSET_SIZE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			size = mnl_attr_get_u32(a);
			break;
		case ETHTOOL_A_BITSET_BITS:
			list = a;
			break;
		case ETHTOOL_A_BITSET_VALUE:
			value = a;
			break;
		default:
			break;	/* MASK: we only read full sets */
		}
	}
	*nbits = size;
	if (value != NULL) {
		/* Compact: ceil(size / 32) host-order u32 words. */
		const uint32_t *w = mnl_attr_get_payload(value);
		uint32_t nw = (size + 31) / 32, i, bit;

		if (mnl_attr_get_payload_len(value) < nw * sizeof(uint32_t))
			return -EBADMSG;
		for (i = 0; i < nw; i++) {
			uint32_t v;

			memcpy(&v, &w[i], sizeof(v)); /* may be unaligned */
			for (bit = 0; v != 0; bit++, v >>= 1) {
				if (!(v & 1))
					continue;
				if (i * 32 + bit >= size)
					return -EBADMSG;
				ret = set_bit(bits, nwords, i * 32 + bit);
				if (ret < 0)
					return ret;
			}
		}
		return 0;
	}
	if (list == NULL)
		return 0;	/* verbose form of an empty set */
	if (!nlmon_nest_complete(list))
		return -EBADMSG;
	mnl_attr_for_each_nested(b, list) {
		if (mnl_attr_get_type(b) != ETHTOOL_A_BITSET_BITS_BIT)
			continue;
		ret = parse_verbose_bit(b, bits, nwords, nomask, names);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- features ---- */

static int
header_ifindex(const struct nlattr *hdr, int *ifindex, char *ifname)
{
	const struct nlattr *a;

	if (!nlmon_nest_complete(hdr))
		return -EBADMSG;
	mnl_attr_for_each_nested(a, hdr) {
		switch (mnl_attr_get_type(a)) {
		case ETHTOOL_A_HEADER_DEV_INDEX:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			*ifindex = (int)mnl_attr_get_u32(a);
			break;
		case ETHTOOL_A_HEADER_DEV_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
			    mnl_attr_get_payload_len(a) > RTAP_NLMON_IFNAMSIZ)
				return -EBADMSG;
			strncpy(ifname, mnl_attr_get_str(a), RTAP_NLMON_IFNAMSIZ - 1);
			break;
		default:
			break;
		}
	}
	return *ifindex > 0 ? 0 : -EBADMSG;
}

int
nlmon_parse_features(const struct nlmsghdr *nlh,
		     struct rtap_nlmon_features *out,
		     struct nlmon_feat_names *names)
{
	const struct nlattr *a;
	unsigned int nb;
	uint64_t *dst;
	bool have_hdr = false;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!nlmon_attrs_complete(nlh, GENL_HDRLEN))
		return -EBADMSG;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case ETHTOOL_A_FEATURES_HEADER:
			ret = header_ifindex(a, &out->ifindex, out->ifname);
			if (ret < 0)
				return ret;
			have_hdr = true;
			continue;
		case ETHTOOL_A_FEATURES_HW:
			dst = out->hw;
			break;
		case ETHTOOL_A_FEATURES_WANTED:
			dst = out->wanted;
			break;
		case ETHTOOL_A_FEATURES_ACTIVE:
			dst = out->active;
			break;
		case ETHTOOL_A_FEATURES_NOCHANGE:
			dst = out->nochange;
			break;
		default:
			continue;
		}
		ret = nlmon_parse_bitset(a, dst, RTAP_NLMON_FEAT_WORDS, &nb,
					 names);
		if (ret < 0)
			return ret;
		if (nb > out->nbits)
			out->nbits = nb;
	}
	return have_hdr ? 0 : -EBADMSG;
}

struct nlmsghdr *
nlmon_features_get_req(void *buf, uint16_t family, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	struct nlattr *hdr;

	nlh->nlmsg_type = family;
	if (ifindex == 0)
		nlh->nlmsg_flags = NLM_F_DUMP;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = ETHTOOL_MSG_FEATURES_GET;
	g->version = ETHTOOL_GENL_VERSION;
	hdr = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_HEADER);
	if (ifindex != 0)
		mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX,
				 (uint32_t)ifindex);
	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_FLAGS,
			 ETHTOOL_FLAG_COMPACT_BITSETS);
	mnl_attr_nest_end(nlh, hdr);
	return nlh;
}

/* ---- ETH_SS_FEATURES names ---- */

static int
string_cb(const struct nlattr *s, struct nlmon_feat_names *names)
{
	const struct nlattr *a;
	const char *val = NULL;
	uint32_t idx = UINT32_MAX;

	mnl_attr_for_each_nested(a, s) {
		switch (mnl_attr_get_type(a)) {
		case ETHTOOL_A_STRING_INDEX:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			idx = mnl_attr_get_u32(a);
			break;
		case ETHTOOL_A_STRING_VALUE:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return -EBADMSG;
			val = mnl_attr_get_str(a);
			break;
		default:
			break;
		}
	}
	if (val == NULL || idx >= RTAP_NLMON_FEAT_MAX || val[0] == '\0')
		return 0;	/* beyond what we track: ignore */
	free(names->name[idx]);
	names->name[idx] = strdup(val);
	if (names->name[idx] == NULL)
		return -ENOMEM;
	if (idx >= names->count)
		names->count = idx + 1;
	return 0;
}

static int
strset_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlmon_feat_names *names = data;
	const struct nlattr *a, *set, *f, *str;

	if (nlh->nlmsg_len < mnl_nlmsg_size(GENL_HDRLEN))
		return MNL_CB_ERROR;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != ETHTOOL_A_STRSET_STRINGSETS)
			continue;
		mnl_attr_for_each_nested(set, a) {
			uint32_t id = UINT32_MAX;

			mnl_attr_for_each_nested(f, set) {
				if (mnl_attr_get_type(f) == ETHTOOL_A_STRINGSET_ID &&
				    mnl_attr_validate(f, MNL_TYPE_U32) == 0)
					id = mnl_attr_get_u32(f);
			}
			if (id != ETH_SS_FEATURES)
				continue;
			mnl_attr_for_each_nested(f, set) {
				if (mnl_attr_get_type(f) != ETHTOOL_A_STRINGSET_STRINGS)
					continue;
				mnl_attr_for_each_nested(str, f)
					if (string_cb(str, names) < 0)
						return MNL_CB_ERROR;
			}
		}
	}
	return MNL_CB_OK;
}

int
nlmon_fetch_feat_names(struct mnl_socket *s, uint16_t family,
		       struct nlmon_feat_names *names)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	struct nlattr *sets, *set;

	nlh->nlmsg_type = family;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = ETHTOOL_MSG_STRSET_GET;
	g->version = ETHTOOL_GENL_VERSION;
	/* No device: ETH_SS_FEATURES is a global string set. */
	sets = mnl_attr_nest_start(nlh, ETHTOOL_A_STRSET_HEADER);
	mnl_attr_nest_end(nlh, sets);
	sets = mnl_attr_nest_start(nlh, ETHTOOL_A_STRSET_STRINGSETS);
	set = mnl_attr_nest_start(nlh, ETHTOOL_A_STRINGSETS_STRINGSET);
	mnl_attr_put_u32(nlh, ETHTOOL_A_STRINGSET_ID, ETH_SS_FEATURES);
	mnl_attr_nest_end(nlh, set);
	mnl_attr_nest_end(nlh, sets);
	return nlmon_talk(s, nlh, strset_cb, names);
}

void
nlmon_free_feat_names(struct nlmon_feat_names *names)
{
	unsigned int i;

	for (i = 0; i < RTAP_NLMON_FEAT_MAX; i++) {
		free(names->name[i]);
		names->name[i] = NULL;
	}
	names->count = 0;
}
