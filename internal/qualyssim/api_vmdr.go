package qualyssim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// API-server (VMDR) endpoints.
const (
	apiHostList = iota + 1
	apiHLD
	apiKB
)

var apiNames = map[int]string{apiHostList: "host list", apiHLD: "host list detection", apiKB: "knowledge base"}

// vmRoute resolves an API-server path to its API and version (2..5).
func vmRoute(path string) (api, version int) {
	p := strings.TrimSuffix(path, "/")
	rest, ok := strings.CutPrefix(p, "/api/")
	if !ok || len(rest) < 4 || rest[1:4] != ".0/" || rest[0] < '2' || rest[0] > '5' {
		return 0, 0
	}
	version = int(rest[0] - '0')
	switch rest[4:] {
	case "fo/asset/host":
		return apiHostList, version
	case "fo/asset/host/vm/detection":
		return apiHLD, version
	case "fo/knowledge_base/vuln":
		if version == 2 {
			return apiKB, version
		}
	}
	return 0, 0
}

// vmError is a SIMPLE_RETURN answer.
type vmError struct {
	status int
	code   int // 0: no CODE element
	text   string
	items  [][2]string
	decl   bool // starts with the XML declaration
}

func (e *vmError) Error() string { return fmt.Sprintf("%d %d %s", e.status, e.code, e.text) }

func vmBadRequest(code int, text string) *vmError {
	return &vmError{status: http.StatusBadRequest, code: code, text: text}
}

// writeSimpleReturn writes a SIMPLE_RETURN document.
func (s *Server) writeSimpleReturn(w http.ResponseWriter, r *http.Request, e *vmError) {
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	if e.status == http.StatusOK {
		h.Set("Content-Type", "text/xml;charset=UTF-8")
	}
	h.Set("Server", "Qualys")
	w.WriteHeader(e.status)
	bw := bufio.NewWriterSize(w, 4096)
	if e.decl {
		bw.WriteString(`<?xml version="1.0" encoding="UTF-8" ?>` + "\n")
	}
	bw.WriteString(`<!DOCTYPE SIMPLE_RETURN SYSTEM "` + baseURL(r) + `/api/2.0/simple_return.dtd">` + "\n<SIMPLE_RETURN>\n  <RESPONSE>\n    <DATETIME>")
	bw.WriteString(fmtDate(s.vmNow()))
	bw.WriteString("</DATETIME>")
	x := &xw{w: bw}
	if e.code != 0 {
		x.int(4, "CODE", int64(e.code))
	}
	x.text(4, "TEXT", e.text)
	if len(e.items) > 0 {
		x.open(4, "ITEM_LIST")
		for _, it := range e.items {
			x.open(6, "ITEM")
			x.text(8, "KEY", it[0])
			x.text(8, "VALUE", it[1])
			x.close(6, "ITEM")
		}
		x.close(4, "ITEM_LIST")
	}
	bw.WriteString("\n  </RESPONSE>\n</SIMPLE_RETURN>\n")
	_ = bw.Flush()
}

// baseURL is the scheme and host the client called.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "qualysapi.qualys.com"
	}
	return scheme + "://" + host
}

// vmParam is one request parameter in the order received.
type vmParam struct{ key, value string }

// readVMParams returns the query parameters followed by the form body ones.
func readVMParams(w http.ResponseWriter, r *http.Request) ([]vmParam, error) {
	var out []vmParam
	parse := func(raw string) error {
		for _, kv := range strings.Split(raw, "&") {
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			k, err1 := url.QueryUnescape(k)
			v, err2 := url.QueryUnescape(v)
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			out = append(out, vmParam{k, v})
		}
		return nil
	}
	if err := parse(r.URL.RawQuery); err != nil {
		return nil, err
	}
	if r.Method == http.MethodPost && r.Body != nil {
		ct := r.Header.Get("Content-Type")
		if ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
			if err != nil {
				return nil, err
			}
			if err := parse(strings.TrimSpace(string(body))); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// vmQuery is a validated host list, host list detection or KB request.
type vmQuery struct {
	api, version int
	params       []vmParam

	truncation   int // hosts per page; 0 = all
	ids          []idRange
	idMin, idMax int64
	procAfter    int64 // unix seconds; 0 = none
	procBefore   int64
	details      string

	status, severities  uint8 // bit masks; status bit stInfo unused
	qids                []idRange
	vulnType            int // 0 both, 1 confirmed, 2 potential
	showIGs, showQDS    bool
	showFactors         bool
	qdsMin, qdsMax      int
	showResults         bool
	showTags, showAsset bool
	showReopened        bool
	inclIgnored         bool
	inclDisabled        bool
	arfFilter           [4]int // by arf kind: 0 none, 1 exclude not running, 2 only not running, 3 only running, 4 only related
	showARF             bool
	metadata            uint8 // bit per cloud (cloudAWS...)
	metaFields          []string
	showCloudTags       bool
	showTrurisk         bool
	showTRFactors       bool
	showARS             bool
	showARSFactors      bool
	echo                bool // echo_request: a REQUEST element before RESPONSE

	// Host filters (both host APIs unless noted); a zero time is unset.
	ips                        []ipRange // IPv4 addresses and ranges
	ipv6s                      []netip.Addr
	agIDs                      []idRange
	agTitles                   []string
	networkIDs                 []int64 // nil: any
	compliance                 int8    // compliance_enabled: -1 any, 0, 1
	osPattern                  *regexp.Regexp
	scanSince, noScanSince     int64 // vm_scan_since, no_vm_scan_since
	maxScanDays                int   // max_days_since_last_vm_scan (HLD); -1 unset
	scanDateAfter, scanDateBef int64 // vm_scan_date_after/before
	authDateAfter, authDateBef int64 // vm_auth_scan_date_after/before
	pcSince, noPCSince         int64 // compliance_scan_since, no_compliance_scan_since (host list)
	scapSince, noSCAPSince     bool  // scap_scan_since, no_scap_scan_since (host list; no host has a SCAP scan)
	useTags                    bool
	tagByName                  bool
	tagInclAll, tagExclAll     bool
	tagIncl, tagExcl           []string
	cloudTagFields             [][2]string // name, value ("" any)
	riskMin, riskMax           int         // trurisk_min/max, ars_min/max (host list); -1 unset
	now                        int64       // the page's DATETIME, for the *_days filters

	// Detection filters (HLD); a zero time is unset.
	updSince, updBefore         int64 // detection_updated_since/before
	maxUpdDays                  int   // max_days_since_detection_updated; -1 unset
	detProcAfter, detProcBefore int64 // detection_processed_after/before
	testSince, testBefore       int64 // detection_last_tested_since/before
	testSinceDays, testBefDays  int   // detection_last_tested_since_days/before_days; -1 unset
	superseded                  bool  // filter_superseded_qids
	mitre                       bool  // mitre_attack_details (4.0+)

	// KB
	modAfter, modBefore int64 // last_modified_*, last_modified_by_service_*, code_modified_*
	userModAfter        bool  // last_modified_by_user_after/before: no QID is customized
	discovery           string
	authTypes           []string
	pubAfter, pubBefore int64
	patchable           int // -1 any
	showDisabled        bool
	showChangeLog       bool
	showModules         bool
	showPCIReasons      bool
}

// idRange is an inclusive range of ids.
type idRange struct{ lo, hi int64 }

func inRanges(rs []idRange, id int64) bool {
	for _, r := range rs {
		if id >= r.lo && id <= r.hi {
			return true
		}
	}
	return false
}

// Parameter value kinds.
const (
	pkBool = iota
	pkUint
	pkPosInt
	pkIDs
	pkDate
	pkEnum
	pkEnumList
	pkSeverities
	pkQDS
	pkText
	pkIPs
	pkIPv6s
	pkRegex
	pkUintList
)

type paramSpec struct {
	kind  int
	enum  []string
	max   int
	since int // first API version accepting it (0 = 2)
	until int // last API version accepting it (0 = any)
}

var (
	statusEnum = []string{"New", "Active", "Fixed", "Re-Opened"}
	hostCommon = map[string]paramSpec{
		"action": {kind: pkEnum, enum: []string{"list"}}, "truncation_limit": {kind: pkUint, max: 1_000_000},
		"ids": {kind: pkIDs}, "id_min": {kind: pkPosInt}, "id_max": {kind: pkPosInt},
		"vm_processed_after": {kind: pkDate}, "vm_processed_before": {kind: pkDate},
		"show_tags": {kind: pkBool}, "show_asset_id": {kind: pkBool}, "show_cloud_tags": {kind: pkBool},
		"host_metadata": {kind: pkEnum, enum: []string{"all", "ec2", "azure", "gcp"}}, "host_metadata_fields": {kind: pkText},
		"cloud_tag_fields": {kind: pkText},
		"output_format":    {kind: pkEnum, enum: []string{"XML"}},
		"echo_request":     {kind: pkBool},
		"ips":              {kind: pkIPs}, "ipv6": {kind: pkIPv6s},
		"ag_ids": {kind: pkIDs}, "ag_titles": {kind: pkText}, "network_ids": {kind: pkUintList},
		"compliance_enabled": {kind: pkBool}, "os_pattern": {kind: pkRegex},
		"vm_scan_since": {kind: pkDate}, "no_vm_scan_since": {kind: pkDate},
		"vm_scan_date_before": {kind: pkDate}, "vm_scan_date_after": {kind: pkDate},
		"vm_auth_scan_date_before": {kind: pkDate}, "vm_auth_scan_date_after": {kind: pkDate},
		"use_tags": {kind: pkBool}, "tag_set_by": {kind: pkEnum, enum: []string{"id", "name"}},
		"tag_include_selector": {kind: pkEnum, enum: []string{"any", "all"}}, "tag_exclude_selector": {kind: pkEnum, enum: []string{"any", "all"}},
		"tag_set_include": {kind: pkText}, "tag_set_exclude": {kind: pkText},
	}
	hostListOnly = map[string]paramSpec{
		"details":      {kind: pkEnum, enum: []string{"Basic", "Basic/AGs", "All", "All/AGs", "None"}},
		"show_trurisk": {kind: pkBool}, "show_trurisk_factors": {kind: pkBool}, "show_ars": {kind: pkBool}, "show_ars_factors": {kind: pkBool},
		"trurisk_min": {kind: pkUint, max: 1000}, "trurisk_max": {kind: pkUint, max: 1000},
		"ars_min": {kind: pkUint, max: 1000}, "ars_max": {kind: pkUint, max: 1000},
		"compliance_scan_since": {kind: pkDate}, "no_compliance_scan_since": {kind: pkDate},
		"scap_scan_since": {kind: pkDate}, "no_scap_scan_since": {kind: pkDate},
	}
	hldOnly = map[string]paramSpec{
		"status": {kind: pkEnumList, enum: statusEnum}, "severities": {kind: pkSeverities}, "qids": {kind: pkIDs},
		"include_vuln_type": {kind: pkEnum, enum: []string{"confirmed", "potential"}},
		"show_igs":          {kind: pkBool}, "show_qds": {kind: pkBool}, "qds_min": {kind: pkQDS}, "qds_max": {kind: pkQDS},
		"show_qds_factors": {kind: pkBool}, "show_results": {kind: pkBool}, "show_reopened_info": {kind: pkBool},
		"include_ignored": {kind: pkBool}, "include_disabled": {kind: pkBool},
		"arf_kernel_filter": {kind: pkUint, max: 4, until: 2}, "arf_service_filter": {kind: pkUint, max: 4, until: 2},
		"arf_config_filter": {kind: pkUint, max: 4, until: 2}, "active_kernels_only": {kind: pkUint, max: 3, until: 2},
		"show_arf_data":               {kind: pkBool, since: 3},
		"arf_filter_keys":             {kind: pkEnumList, enum: []string{"non-running-kernel", "non-running-service", "config-not-exploitable"}, since: 3},
		"max_days_since_last_vm_scan": {kind: pkUint, max: 100_000},
		"detection_updated_since":     {kind: pkDate}, "detection_updated_before": {kind: pkDate},
		"max_days_since_detection_updated": {kind: pkUint, max: 100_000},
		"detection_processed_after":        {kind: pkDate}, "detection_processed_before": {kind: pkDate},
		"detection_last_tested_since": {kind: pkDate}, "detection_last_tested_before": {kind: pkDate},
		"detection_last_tested_since_days": {kind: pkUint, max: 100_000}, "detection_last_tested_before_days": {kind: pkUint, max: 100_000},
		"filter_superseded_qids":            {kind: pkBool},
		"suppress_duplicated_data_from_csv": {kind: pkBool},
		"mitre_attack_details":              {kind: pkBool, since: 4},
	}
	kbParams = map[string]paramSpec{
		"action": {kind: pkEnum, enum: []string{"list"}}, "details": {kind: pkEnum, enum: []string{"Basic", "All", "None"}},
		"ids": {kind: pkIDs}, "id_min": {kind: pkPosInt}, "id_max": {kind: pkPosInt},
		"last_modified_after": {kind: pkDate}, "last_modified_before": {kind: pkDate},
		"published_after": {kind: pkDate}, "published_before": {kind: pkDate}, "is_patchable": {kind: pkBool},
		"show_disabled_flag": {kind: pkBool}, "show_qid_change_log": {kind: pkBool},
		"show_supported_modules_info": {kind: pkBool}, "show_pci_reasons": {kind: pkBool},
		"echo_request":                   {kind: pkBool},
		"last_modified_by_service_after": {kind: pkDate}, "last_modified_by_service_before": {kind: pkDate},
		"last_modified_by_user_after": {kind: pkDate}, "last_modified_by_user_before": {kind: pkDate},
		"code_modified_after": {kind: pkDate}, "code_modified_before": {kind: pkDate},
		"discovery_method":     {kind: pkEnum, enum: []string{"Remote", "Authenticated", "RemoteOnly", "AuthenticatedOnly", "RemoteAndAuthenticated"}},
		"discovery_auth_types": {kind: pkText},
	}
)

// specFor returns the spec of name for api and version, if accepted.
func specFor(api, version int, name string) (paramSpec, bool) {
	var sp paramSpec
	var ok bool
	switch api {
	case apiKB:
		sp, ok = kbParams[name]
	case apiHostList:
		if sp, ok = hostCommon[name]; !ok {
			sp, ok = hostListOnly[name]
		}
	case apiHLD:
		if sp, ok = hostCommon[name]; !ok {
			sp, ok = hldOnly[name]
		}
	}
	if !ok || (sp.since != 0 && version < sp.since) || (sp.until != 0 && version > sp.until) {
		return paramSpec{}, false
	}
	return sp, true
}

// parseVMQuery validates the parameters: unknown ones give 1901, a missing
// action 1903, bad values 1905 (the texts of the real API).
func parseVMQuery(api, version int, params []vmParam) (*vmQuery, error) {
	vals := map[string]string{}
	var unknown []string
	for _, p := range params {
		if _, ok := specFor(api, version, p.key); !ok {
			if !slices.Contains(unknown, p.key) {
				unknown = append(unknown, p.key)
			}
			continue
		}
		vals[p.key] = p.value // the last one wins
	}
	if len(unknown) > 0 {
		return nil, vmBadRequest(1901, "Unrecognized parameter(s): "+strings.Join(unknown, ", "))
	}
	if _, ok := vals["action"]; !ok {
		return nil, vmBadRequest(1903, "Missing required parameter(s): action")
	}
	for _, pair := range exclusiveParams {
		_, a := vals[pair[0]]
		_, b := vals[pair[1]]
		if a && b {
			return nil, vmBadRequest(1905, "parameters "+pair[0]+" and "+pair[1]+" cannot be used together")
		}
	}
	q := &vmQuery{api: api, version: version, params: params, truncation: 1000, showResults: true, patchable: -1,
		status: 1<<stNew | 1<<stActive | 1<<stReopened, severities: 0x3e, qdsMin: 1, qdsMax: 100, details: "Basic",
		compliance: -1, maxScanDays: -1, riskMin: -1, riskMax: -1, maxUpdDays: -1, testSinceDays: -1, testBefDays: -1}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		v := vals[name]
		sp, _ := specFor(api, version, name)
		if err := q.set(name, v, sp); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// exclusiveParams are the pairs the guide says cannot be combined; the
// simulator answers 1905 (no sample shows the real code and text).
var exclusiveParams = [][2]string{
	{"ag_ids", "ag_titles"},
	{"detection_updated_since", "max_days_since_detection_updated"},
	{"detection_last_tested_since", "detection_last_tested_since_days"},
	{"detection_last_tested_before", "detection_last_tested_before_days"},
	{"vm_scan_since", "max_days_since_last_vm_scan"},
	{"no_vm_scan_since", "max_days_since_last_vm_scan"},
}

// ipRange is an inclusive range of IPv4 addresses.
type ipRange struct{ lo, hi netip.Addr }

// parseIPRanges parses "10.0.0.1,10.0.0.5-10.0.0.9" (IPv4 only).
func parseIPRanges(name, v string) ([]ipRange, error) {
	var out []ipRange
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		a, b, isRange := strings.Cut(item, "-")
		lo, err1 := netip.ParseAddr(strings.TrimSpace(a))
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = netip.ParseAddr(strings.TrimSpace(b))
		}
		if err1 != nil || err2 != nil || !lo.Is4() || !hi.Is4() || hi.Less(lo) {
			return nil, invalid(name, v, "neither an IPv4 address nor a range: "+item)
		}
		out = append(out, ipRange{lo, hi})
	}
	return out, nil
}

func inIPRanges(rs []ipRange, ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, r := range rs {
		if !a.Less(r.lo) && !r.hi.Less(a) {
			return true
		}
	}
	return false
}

// splitList splits a comma-separated value into its trimmed, non-empty items.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func invalid(name, v, why string) error {
	t := "parameter " + name + " has invalid value: " + v
	if why != "" {
		t += " (" + why + ")"
	}
	return vmBadRequest(1905, t)
}

// set validates and applies one parameter.
func (q *vmQuery) set(name, v string, sp paramSpec) error {
	var b bool
	var n int64
	var rs []idRange
	var t int64
	switch sp.kind {
	case pkBool:
		if v != "0" && v != "1" {
			return invalid(name, v, "must be 0 or 1")
		}
		b = v == "1"
	case pkUint, pkPosInt, pkQDS:
		x, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err != nil || x < 0:
			return invalid(name, v, "not a non-negative integer")
		case sp.kind == pkPosInt && x == 0:
			return invalid(name, v, "not a positive integer")
		case sp.kind == pkQDS && (x < 1 || x > 100):
			return invalid(name, v, "must be between 1 and 100")
		case sp.max > 0 && x > int64(sp.max):
			return invalid(name, v, "must be at most "+strconv.Itoa(sp.max))
		}
		n = x
	case pkIDs:
		var err error
		if rs, err = parseIDRanges(name, v); err != nil {
			return err
		}
	case pkDate:
		tm, err := parseVMDate(v)
		if err != nil {
			return invalid(name, v, "expected date/time format YYYY-MM-DD[THH:MM:SSZ]")
		}
		t = tm
	case pkEnum:
		ok := false
		for _, e := range sp.enum {
			if strings.EqualFold(e, v) {
				ok, v = true, e
			}
		}
		if !ok {
			return invalid(name, v, "")
		}
	case pkEnumList:
		var out []string
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			ok := false
			for _, e := range sp.enum {
				if strings.EqualFold(e, item) {
					ok = true
					out = append(out, e)
				}
			}
			if !ok {
				return invalid(name, v, "")
			}
		}
		v = strings.Join(out, ",")
	case pkIPs:
		ips, err := parseIPRanges(name, v)
		if err != nil {
			return err
		}
		q.ips = ips
		return nil
	case pkIPv6s:
		q.ipv6s = nil
		for _, item := range splitList(v) {
			a, err := netip.ParseAddr(item)
			if err != nil || !a.Is6() || a.Is4In6() {
				return invalid(name, v, "not an IPv6 address: "+item)
			}
			q.ipv6s = append(q.ipv6s, a)
		}
		if len(q.ipv6s) == 0 {
			return invalid(name, v, "")
		}
		return nil
	case pkRegex:
		re, err := regexp.Compile(v)
		if err != nil || v == "" {
			return invalid(name, v, "not a valid regular expression")
		}
		q.osPattern = re
		return nil
	case pkUintList:
		q.networkIDs = []int64{}
		for _, item := range strings.Split(v, ",") {
			x, err := strconv.ParseInt(strings.TrimSpace(item), 10, 64)
			if err != nil || x < 0 {
				return invalid(name, v, "not a list of network IDs")
			}
			q.networkIDs = append(q.networkIDs, x)
		}
		return nil
	case pkSeverities:
		var mask uint8
		for _, item := range strings.Split(v, ",") {
			lo, hi, isRange := strings.Cut(strings.TrimSpace(item), "-")
			a, err1 := strconv.Atoi(lo)
			c := a
			var err2 error
			if isRange {
				c, err2 = strconv.Atoi(hi)
			}
			if err1 != nil || err2 != nil || a < 1 || c > 5 || a > c {
				return invalid(name, v, "")
			}
			for s := a; s <= c; s++ {
				mask |= 1 << s
			}
		}
		q.severities = mask
		return nil
	}
	switch name {
	case "truncation_limit":
		q.truncation = int(n)
	case "ids":
		q.ids = rs
	case "qids":
		q.qids = rs
	case "id_min":
		q.idMin = n
	case "id_max":
		q.idMax = n
	case "vm_processed_after":
		q.procAfter = t
	case "vm_processed_before":
		q.procBefore = t
	case "last_modified_after", "last_modified_by_service_after", "code_modified_after":
		q.modAfter = max(q.modAfter, t)
	case "last_modified_before", "last_modified_by_service_before", "code_modified_before":
		if q.modBefore == 0 || t < q.modBefore {
			q.modBefore = t
		}
	case "last_modified_by_user_after", "last_modified_by_user_before":
		q.userModAfter = true
	case "discovery_method":
		q.discovery = v
	case "discovery_auth_types":
		q.authTypes = splitList(v)
	case "published_after":
		q.pubAfter = t
	case "published_before":
		q.pubBefore = t
	case "details":
		q.details = v
	case "status":
		q.status = 0
		for _, st := range strings.Split(v, ",") {
			for k, sn := range statusNames[:4] {
				if st == sn {
					q.status |= 1 << k
				}
			}
		}
	case "include_vuln_type":
		q.vulnType = map[string]int{"confirmed": 1, "potential": 2}[v]
	case "show_igs":
		q.showIGs = b
	case "show_qds":
		q.showQDS = b
	case "show_qds_factors":
		q.showFactors = b
	case "qds_min":
		q.qdsMin = int(n)
	case "qds_max":
		q.qdsMax = int(n)
	case "show_results":
		q.showResults = b
	case "show_tags":
		q.showTags = b
	case "show_asset_id":
		q.showAsset = b
	case "show_reopened_info":
		q.showReopened = b
	case "include_ignored":
		q.inclIgnored = b
	case "include_disabled":
		q.inclDisabled = b
	case "arf_kernel_filter":
		q.arfFilter[arfKernel] = int(n)
	case "active_kernels_only":
		if q.arfFilter[arfKernel] == 0 {
			q.arfFilter[arfKernel] = int(n)
		}
	case "arf_service_filter":
		q.arfFilter[arfService] = int(n)
	case "arf_config_filter":
		q.arfFilter[arfConfig] = int(n)
	case "show_arf_data":
		q.showARF = b
	case "arf_filter_keys":
		for _, k := range strings.Split(v, ",") {
			q.arfFilter[map[string]int{"non-running-kernel": arfKernel, "non-running-service": arfService, "config-not-exploitable": arfConfig}[k]] = 1
		}
	case "host_metadata":
		q.metadata = map[string]uint8{"all": 1<<cloudAWS | 1<<cloudAzure | 1<<cloudGCP, "ec2": 1 << cloudAWS, "azure": 1 << cloudAzure, "gcp": 1 << cloudGCP}[v]
	case "host_metadata_fields":
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				q.metaFields = append(q.metaFields, f)
			}
		}
	case "show_cloud_tags":
		q.showCloudTags = b
	case "show_trurisk":
		q.showTrurisk = b
	case "show_trurisk_factors":
		q.showTRFactors = b
	case "show_ars":
		q.showARS = b
	case "show_ars_factors":
		q.showARSFactors = b
	case "trurisk_min", "ars_min":
		q.riskMin = max(q.riskMin, int(n))
	case "trurisk_max", "ars_max":
		if q.riskMax < 0 || int(n) < q.riskMax {
			q.riskMax = int(n)
		}
	case "echo_request":
		q.echo = b
	case "ag_ids":
		q.agIDs = rs
	case "ag_titles":
		q.agTitles = splitList(v)
	case "compliance_enabled":
		q.compliance = 0
		if b {
			q.compliance = 1
		}
	case "vm_scan_since":
		q.scanSince = t
	case "no_vm_scan_since":
		q.noScanSince = t
	case "max_days_since_last_vm_scan":
		q.maxScanDays = int(n)
	case "vm_scan_date_after":
		q.scanDateAfter = t
	case "vm_scan_date_before":
		q.scanDateBef = t
	case "vm_auth_scan_date_after":
		q.authDateAfter = t
	case "vm_auth_scan_date_before":
		q.authDateBef = t
	case "compliance_scan_since":
		q.pcSince = t
	case "no_compliance_scan_since":
		q.noPCSince = t
	case "scap_scan_since":
		q.scapSince = true
	case "no_scap_scan_since":
		q.noSCAPSince = true
	case "use_tags":
		q.useTags = b
	case "tag_set_by":
		q.tagByName = v == "name"
	case "tag_include_selector":
		q.tagInclAll = v == "all"
	case "tag_exclude_selector":
		q.tagExclAll = v == "all"
	case "tag_set_include":
		q.tagIncl = splitList(v)
	case "tag_set_exclude":
		q.tagExcl = splitList(v)
	case "cloud_tag_fields":
		q.cloudTagFields = nil
		for _, f := range splitList(v) {
			name, value, _ := strings.Cut(f, ":")
			q.cloudTagFields = append(q.cloudTagFields, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
		}
	case "detection_updated_since":
		q.updSince = t
	case "detection_updated_before":
		q.updBefore = t
	case "max_days_since_detection_updated":
		q.maxUpdDays = int(n)
	case "detection_processed_after":
		q.detProcAfter = t
	case "detection_processed_before":
		q.detProcBefore = t
	case "detection_last_tested_since":
		q.testSince = t
	case "detection_last_tested_before":
		q.testBefore = t
	case "detection_last_tested_since_days":
		q.testSinceDays = int(n)
	case "detection_last_tested_before_days":
		q.testBefDays = int(n)
	case "filter_superseded_qids":
		q.superseded = b
	case "mitre_attack_details":
		q.mitre = b
	case "is_patchable":
		q.patchable = 0
		if b {
			q.patchable = 1
		}
	case "show_disabled_flag":
		q.showDisabled = b
	case "show_qid_change_log":
		q.showChangeLog = b
	case "show_supported_modules_info":
		q.showModules = b
	case "show_pci_reasons":
		q.showPCIReasons = b
	}
	return nil
}

// parseIDRanges parses "1,5-9,12" as the real API does.
func parseIDRanges(name, v string) ([]idRange, error) {
	var out []idRange
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		a, err1 := strconv.ParseInt(lo, 10, 64)
		c := a
		var err2 error
		if isRange {
			c, err2 = strconv.ParseInt(hi, 10, 64)
		}
		if err1 != nil || err2 != nil || a <= 0 || c < a {
			return nil, invalid(name, v, "neither a positive integer nor a range: "+item)
		}
		out = append(out, idRange{a, c})
	}
	return out, nil
}

// parseVMDate accepts YYYY-MM-DD and YYYY-MM-DDTHH:MM:SS[Z].
func parseVMDate(v string) (int64, error) {
	for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Unix(), nil
		}
	}
	return 0, errors.New("bad date")
}

// checkBasicAuth returns the subscription of the basic credentials of r, or nil.
func (s *Server) checkBasicAuth(r *http.Request) *subscription {
	u, p, ok := r.BasicAuth()
	if !ok {
		return nil
	}
	return s.login(u, p)
}

// vmNow is the DATETIME the API server reports: the current epoch's time.
func (s *Server) vmNow() int64 { return s.vm.epochTime(s.epoch.Load().n) }

// vmdr serves one API-server call: method, basic auth, X-Requested-With,
// faults, limits, parameters, then the handler.
func (s *Server) vmdr(w http.ResponseWriter, r *http.Request, api, version int) {
	s.countCall(r)
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		s.writeSimpleReturn(w, r, &vmError{status: http.StatusBadRequest, code: 1908, text: "Request method (GET or POST) is incompatible with specified parameter(s): " + r.Method})
		return
	}
	sub := s.checkBasicAuth(r)
	if sub == nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="Qualys API"`)
		s.writeSimpleReturn(w, r, &vmError{status: http.StatusUnauthorized, text: "Bad Login/Password", decl: true})
		return
	}
	if r.Header.Get("X-Requested-With") == "" {
		sub.vmLim.peek(s.cfg.Now()).set(w.Header())
		s.writeSimpleReturn(w, r, &vmError{status: http.StatusBadRequest, code: 1903, text: "Missing required header: X-Requested-With", decl: true})
		return
	}
	params, err := readVMParams(w, r)
	if err != nil {
		s.writeSimpleReturn(w, r, vmBadRequest(1905, "malformed request parameters: "+err.Error()))
		return
	}
	plan := s.planFaults(r.URL.Path, sub.faultKey(canonicalParams(params)), true, true)
	if plan.expired {
		s.countFault(FaultExpired, 1)
		s.writeSimpleReturn(w, r, &vmError{status: http.StatusOK, code: 2001, text: "This account has expired.", decl: true})
		return
	}
	if api == apiKB {
		if !sub.kbMu.TryLock() {
			ls := sub.vmLim.peek(s.cfg.Now())
			ls.concLimit, ls.running = 1, 1
			s.refuseVM(w, r, ls, &refusal{concurrency: true}, 1)
			return
		}
		defer sub.kbMu.Unlock()
	}
	ls, refused := sub.vmLim.acquire(s.cfg.Now())
	if refused != nil {
		s.refuseVM(w, r, ls, refused, ls.running-ls.concLimit+1)
		return
	}
	defer sub.vmLim.release(time.Now())
	ls.set(w.Header())
	q, err := parseVMQuery(api, version, params)
	if err != nil {
		var ve *vmError
		if errors.As(err, &ve) {
			s.writeSimpleReturn(w, r, ve)
		}
		return
	}
	if plan.slow > 0 {
		s.countFault(FaultSlow, 1)
		if !sleepCtx(r.Context(), plan.slow) {
			return
		}
	}
	switch {
	case plan.reset && !plan.truncate:
		s.countFault(FaultReset, 1)
		panic(http.ErrAbortHandler)
	case plan.status != 0:
		s.countFault(Fault5xx, 1)
		writeError(w, &apiError{status: plan.status, vmdr: true})
		return
	}
	if api == apiKB {
		err = s.handleKB(w, r, sub, q, plan)
	} else {
		err = s.handleHosts(w, r, sub, q, plan)
	}
	if err != nil && !errors.Is(err, errClientGone) {
		s.log.Debug("qualyssim vmdr", "api", apiNames[api], "error", err)
	}
}

// refuseVM answers a call refused by the limits: 409 with CODE 1960
// (concurrency) or 1965 (rate) and the limit headers.
func (s *Server) refuseVM(w http.ResponseWriter, r *http.Request, ls limitState, ref *refusal, toFinish int) {
	s.mu.Lock()
	s.violations++
	s.vmViolations++
	s.mu.Unlock()
	ls.set(w.Header())
	if ref.concurrency {
		inst := "instance has"
		if toFinish != 1 {
			inst = "instances have"
		}
		s.writeSimpleReturn(w, r, &vmError{status: http.StatusConflict, code: 1960, decl: true,
			text:  fmt.Sprintf("This API cannot be run again until %d currently running API %s finished.", toFinish, inst),
			items: [][2]string{{"CALLS_TO_FINISH", strconv.Itoa(toFinish)}}})
		return
	}
	s.writeSimpleReturn(w, r, &vmError{status: http.StatusConflict, code: 1965, decl: true,
		text:  "This API cannot be run again for another " + waitText(ls.toWait) + ".",
		items: [][2]string{{"SECONDS_TO_WAIT", strconv.Itoa(ls.toWait)}}})
}

// waitText renders seconds as "23 hours, 57 minutes and 54 seconds".
func waitText(sec int) string {
	var parts []string
	for _, u := range []struct {
		n    int
		name string
	}{{sec / 3600, "hour"}, {sec / 60 % 60, "minute"}, {sec % 60, "second"}} {
		if u.n == 0 {
			continue
		}
		p := strconv.Itoa(u.n) + " " + u.name
		if u.n != 1 {
			p += "s"
		}
		parts = append(parts, p)
	}
	switch len(parts) {
	case 0:
		return "0 seconds"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// canonicalParams is the sorted parameter list, for fault decisions.
func canonicalParams(params []vmParam) string {
	vals := url.Values{}
	for _, p := range params {
		vals.Set(p.key, p.value)
	}
	return vals.Encode()
}

// handleAbout serves /msp/about.php: basic auth, limit headers (the call is
// not counted against the limits), and the version document.
func (s *Server) handleAbout(w http.ResponseWriter, r *http.Request) {
	s.countCall(r)
	sub := s.checkBasicAuth(r)
	if sub == nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="Qualys API"`)
		s.writeSimpleReturn(w, r, &vmError{status: http.StatusUnauthorized, text: "Bad Login/Password", decl: true})
		return
	}
	sub.vmLim.peek(s.cfg.Now()).set(w.Header())
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Server", "Qualys")
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE ABOUT SYSTEM "`+baseURL(r)+`/about.dtd">
<ABOUT>
  <API-VERSION MAJOR="1" MINOR="4" />
  <WEB-VERSION>10.33.1.0-1</WEB-VERSION>
  <SCANNER-VERSION>13.5.58-1</SCANNER-VERSION>
  <VULNSIGS-VERSION>2.6.120-3</VULNSIGS-VERSION>
  <VULNSIGS-SIG-VERSION>VULNSIGS-2.6.120-3</VULNSIGS-SIG-VERSION>
  <QWEB-VERSION>qflow simulator</QWEB-VERSION>
</ABOUT>
<!-- CONFIDENTIAL AND PROPRIETARY INFORMATION. Qualys provides the QualysGuard Service "As Is," without any warranty of any kind. Qualys makes no warranty that the information contained in this report is complete or error-free. Copyright `+strconv.Itoa(time.Unix(s.vmNow(), 0).UTC().Year())+`, Qualys, Inc. //-->
`)
}
