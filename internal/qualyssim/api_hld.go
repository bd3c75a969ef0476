package qualyssim

import (
	"bufio"
	"bytes"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// keepAliveEvery is how many hosts or vulns separate two keep-alive comments.
const keepAliveEvery = 200

// proprietaryComment ends every data response of the API server.
func proprietaryComment(sec int64) string {
	return `<!-- CONFIDENTIAL AND PROPRIETARY INFORMATION. Qualys provides the QualysGuard Service "As Is," without any warranty of any kind. Qualys makes no warranty that the information contained in this report is complete or error-free. Copyright ` +
		strconv.Itoa(time.Unix(sec, 0).UTC().Year()) + `, Qualys, Inc. //-->` + "\n"
}

// matchDet reports whether detection d passes the detection filters of q.
func (q *vmQuery) matchDet(d *detection) bool {
	if d.typ == typInfo {
		if !q.showIGs {
			return false
		}
	} else {
		if q.status&(1<<d.status) == 0 ||
			(q.vulnType == 1 && d.typ != typConfirmed) || (q.vulnType == 2 && d.typ != typPotential) ||
			d.kb.qds < q.qdsMin || d.kb.qds > q.qdsMax {
			return false
		}
		if (d.ignored && !q.inclIgnored) || (d.disabled && !q.inclDisabled) {
			return false
		}
	}
	if q.severities&(1<<d.kb.sev) == 0 || (q.qids != nil && !inRanges(q.qids, int64(d.kb.qid))) {
		return false
	}
	if !q.matchDetDates(d) {
		return false
	}
	kind := int(d.kb.tmpl.arf)
	for k := arfKernel; k <= arfConfig; k++ {
		f := q.arfFilter[k]
		switch {
		case f == 0:
		case k != kind || d.arf < 0:
			if f >= 2 {
				return false
			}
		case f == 1 && d.arf == 0, f == 2 && d.arf != 0, f == 3 && d.arf != 1:
			return false
		}
	}
	return true
}

// daysAgo is the time n days before the page's DATETIME.
func (q *vmQuery) daysAgo(n int) int64 { return q.now - int64(n)*secPerDay }

// matchDetDates applies the detection date filters: LAST_UPDATE_DATETIME
// (detection_updated_*, max_days_since_detection_updated),
// LAST_PROCESSED_DATETIME (detection_processed_*) and LAST_TEST_DATETIME
// (detection_last_tested_*). "since" and "after" bounds are inclusive of
// the instant given, "before" bounds exclusive.
func (q *vmQuery) matchDetDates(d *detection) bool {
	switch {
	case q.updSince != 0 && d.lastUpdate < q.updSince,
		q.updBefore != 0 && d.lastUpdate >= q.updBefore,
		q.maxUpdDays >= 0 && d.lastUpdate < q.daysAgo(q.maxUpdDays),
		q.detProcAfter != 0 && d.processed <= q.detProcAfter,
		q.detProcBefore != 0 && d.processed >= q.detProcBefore,
		q.testSince != 0 && d.lastTest < q.testSince,
		q.testBefore != 0 && d.lastTest >= q.testBefore,
		q.testSinceDays >= 0 && d.lastTest < q.daysAgo(q.testSinceDays),
		q.testBefDays >= 0 && d.lastTest >= q.daysAgo(q.testBefDays):
		return false
	}
	return true
}

// hostFiltered reports whether q filters hosts on values of the loaded host
// record (beyond IDs and the processed date).
func (q *vmQuery) hostFiltered() bool {
	return q.ips != nil || q.ipv6s != nil || q.agIDs != nil || q.agTitles != nil || q.networkIDs != nil ||
		q.compliance >= 0 || q.osPattern != nil || q.scanSince != 0 || q.noScanSince != 0 || q.maxScanDays >= 0 ||
		q.scanDateAfter != 0 || q.scanDateBef != 0 || q.authDateAfter != 0 || q.authDateBef != 0 ||
		q.pcSince != 0 || q.noPCSince != 0 || q.scapSince || (q.useTags && (q.tagIncl != nil || q.tagExcl != nil)) ||
		q.riskMin >= 0 || q.riskMax >= 0
}

// assetGroup is an asset group of the simulated subscription: every host is
// in the group of its OS (titled with the OS as the OS element gives it) and
// the group of its role (titled with the role name), as ASSET_GROUP_IDS
// lists them.
type assetGroup struct {
	id    int64
	title string
}

func hostGroups(m *assetMeta) [2]assetGroup {
	return [2]assetGroup{
		{int64(470000 + int(m.os)*13), osProfiles[m.os].fullName},
		{int64(480000 + int(m.role)*7), roleName(int(m.role))},
	}
}

// matchHost applies the host filters to the loaded host.
func (pg *hostPage) matchHost() bool {
	q, hr := pg.q, &pg.hr
	if q.ips != nil && !inIPRanges(q.ips, hr.ip) {
		return false
	}
	if q.ipv6s != nil {
		a, err := netip.ParseAddr(hr.ipv6)
		if err != nil || !slices.Contains(q.ipv6s, a) {
			return false
		}
	}
	if q.agIDs != nil || q.agTitles != nil {
		in := false
		for _, g := range hostGroups(&hr.meta) {
			in = in || (q.agIDs != nil && inRanges(q.agIDs, g.id)) || slices.Contains(q.agTitles, g.title)
		}
		if !in {
			return false
		}
	}
	// The simulated subscriptions have no custom networks: every host is in
	// the global default network, ID 0.
	if q.networkIDs != nil && !slices.Contains(q.networkIDs, 0) {
		return false
	}
	if q.compliance >= 0 && (hr.pcScan != 0) != (q.compliance == 1) {
		return false
	}
	if q.osPattern != nil && !q.osPattern.MatchString(hr.os) {
		return false
	}
	switch {
	case q.scanSince != 0 && hr.scanEnd < q.scanSince,
		q.noScanSince != 0 && hr.scanEnd >= q.noScanSince,
		q.maxScanDays >= 0 && hr.scanEnd < q.daysAgo(q.maxScanDays),
		q.scanDateAfter != 0 && hr.scanEnd <= q.scanDateAfter,
		q.scanDateBef != 0 && hr.scanEnd >= q.scanDateBef,
		(q.authDateAfter != 0 || q.authDateBef != 0) && !hr.authScan,
		q.authDateAfter != 0 && hr.scanEnd <= q.authDateAfter,
		q.authDateBef != 0 && hr.scanEnd >= q.authDateBef,
		q.pcSince != 0 && (hr.pcScan == 0 || hr.pcScan < q.pcSince),
		q.noPCSince != 0 && hr.pcScan >= q.noPCSince,
		q.scapSince:
		return false
	}
	if q.useTags && !q.matchTags(hr.meta.tags) {
		return false
	}
	if q.riskMin >= 0 || q.riskMax >= 0 {
		tr, _ := pg.trurisk()
		if (q.riskMin >= 0 && tr < q.riskMin) || (q.riskMax >= 0 && tr > q.riskMax) {
			return false
		}
	}
	return true
}

// matchTags applies tag_set_include and tag_set_exclude (use_tags=1) to a
// host's tag bits. Tags are named by ID or, with tag_set_by=name, by exact
// name; an unknown tag matches no host.
func (q *vmQuery) matchTags(bits uint32) bool {
	has := func(ref string) bool {
		for k, t := range tagDefs {
			if bits&(1<<k) != 0 && ((q.tagByName && t.name == ref) || (!q.tagByName && strconv.FormatInt(t.id, 10) == ref)) {
				return true
			}
		}
		return false
	}
	count := func(refs []string) (n int) {
		for _, r := range refs {
			if has(r) {
				n++
			}
		}
		return n
	}
	if len(q.tagIncl) > 0 {
		n := count(q.tagIncl)
		if n == 0 || (q.tagInclAll && n < len(q.tagIncl)) {
			return false
		}
	}
	if len(q.tagExcl) > 0 {
		n := count(q.tagExcl)
		if n > 0 && (!q.tagExclAll || n == len(q.tagExcl)) {
			return false
		}
	}
	return true
}

// cumulative reports whether the QIDs of t are successive releases of one
// product (monthly rollups, product versions, the advisory series of one
// package or OS): a newer one fixes what the older ones did, so it
// supersedes them. Per-package advisory families (pkg "*") name a different
// package each and supersede nothing.
func (t *vulnTmpl) cumulative() bool {
	return t.count > 1 && t.label != lkNone && t.pkg != "*"
}

// supersededBy returns, for filter_superseded_qids, the newest variant of
// each cumulative family the host has open (not Fixed): a detection of an
// older variant of the same family is superseded.
func supersededBy(dets []detection) map[*vulnTmpl]int {
	newest := map[*vulnTmpl]int{}
	for j := range dets {
		d := &dets[j]
		t := d.kb.tmpl
		if !t.cumulative() || d.status == stFixed || d.typ == typInfo {
			continue
		}
		if v, ok := newest[t]; !ok || d.kb.variant < v {
			newest[t] = d.kb.variant
		}
	}
	return newest
}

// hostPage streams one page of the host list or the host list detection API.
type hostPage struct {
	s    *Server
	vm   *vmIndex // the subscription's
	q    *vmQuery
	r    *http.Request
	x    *xw
	g    *gen
	dg   *detGen
	hr   hostRec
	e    *vmEpoch
	dets []int // indexes of matching detections
	res  bytes.Buffer
}

// handleHosts serves a host list or host list detection page.
func (s *Server) handleHosts(w http.ResponseWriter, r *http.Request, sub *subscription, q *vmQuery, plan faultPlan) error {
	vm, e := sub.vm, s.epoch.Load().vm[sub.idx]
	ctx := r.Context()
	if !sleepCtx(ctx, s.cfg.Latency.Base) {
		return errClientGone
	}
	hld := q.api == apiHLD
	idSet := !hld && q.details == "None"
	hostFiltered := q.hostFiltered()
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Server", "Qualys")
	bw := bufio.NewWriterSize(w, 64<<10)
	pg := &hostPage{s: s, vm: vm, q: q, r: r, x: &xw{w: bw}, g: newGen(sub.ds), dg: newDetGen(vm), e: e}
	root, dtd := "HOST_LIST_OUTPUT", "/fo/asset/host/dtd/list/output.dtd"
	if hld {
		root, dtd = "HOST_LIST_VM_DETECTION_OUTPUT", "/fo/asset/host/vm/detection/dtd/output.dtd"
	}
	now := vm.epochTime(e.n)
	q.now = now
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8" ?>` + "\n")
	bw.WriteString(`<!DOCTYPE ` + root + ` SYSTEM "` + baseURL(r) + "/api/" + strconv.Itoa(q.version) + ".0" + dtd + `">` + "\n<" + root + ">")
	if q.echo {
		writeEcho(pg.x, r, sub.username, q.params, now)
	}
	bw.WriteString("\n  <RESPONSE>")
	pg.x.date(4, "DATETIME", now)
	if q.truncation == 0 || q.truncation > 500 {
		pg.x.comment("keep-alive for " + root + " ")
	}
	// First candidate host.
	lo := q.idMin
	if q.ids != nil {
		m := q.ids[0].lo
		for _, rg := range q.ids {
			m = min(m, rg.lo)
		}
		lo = max(lo, m)
	}
	k := sort.Search(len(vm.hosts), func(i int) bool { return vm.hosts[i].id >= lo })
	written, listOpen := 0, false
	var next int64
	var setLo, setHi int64 // pending ID_SET run
	var pending time.Duration
	abortAt := -1
	if plan.truncate {
		abortAt = max(1, q.truncation/2)
		if q.truncation == 0 {
			abortAt = 50
		}
	}
	for ; k < len(vm.hosts); k++ {
		vh := &vm.hosts[k]
		if q.idMax > 0 && vh.id > q.idMax {
			break
		}
		if q.ids != nil && !inRanges(q.ids, vh.id) {
			continue
		}
		if q.procAfter != 0 || q.procBefore != 0 {
			agent := vh.ref >= 0 && vm.ds.meta[vh.ref].source == srcAgent
			_, proc := vm.scanTimes(vh.id, int(e.last[k]), agent)
			if (q.procAfter != 0 && proc <= q.procAfter) || (q.procBefore != 0 && proc >= q.procBefore) {
				continue
			}
		}
		if written%50 == 0 && ctx.Err() != nil {
			return errClientGone
		}
		full := q.truncation > 0 && written == q.truncation
		if hld || hostFiltered || (!idSet && !full) {
			vm.loadHost(&pg.hr, pg.g, k, e)
		}
		if hostFiltered && !pg.matchHost() {
			continue
		}
		if hld && !pg.matching() {
			continue
		}
		if full {
			next = vh.id
			break
		}
		if hld && vh.stuck {
			// This host never delivers: stall until the client gives up.
			_ = bw.Flush()
			_ = http.NewResponseController(w).Flush()
			<-ctx.Done()
			return errClientGone
		}
		switch {
		case idSet:
			if written == 0 {
				pg.x.open(4, "ID_SET")
				setLo, setHi = vh.id, vh.id
			} else if vh.id == setHi+1 {
				setHi = vh.id
			} else {
				pg.writeIDRun(setLo, setHi)
				setLo, setHi = vh.id, vh.id
			}
		default:
			if !listOpen {
				pg.x.open(4, "HOST_LIST")
				listOpen = true
			}
			pg.x.ws = hashKey(uint64(vm.seed), "ws", uint64(vh.id))%10 == 0
			if hld {
				pg.writeHLDHost()
			} else {
				pg.writeListHost()
			}
			pg.x.ws = false
		}
		written++
		if written%keepAliveEvery == 0 && q.truncation != written {
			pg.x.comment("keep-alive for " + root + " ")
		}
		if written == abortAt {
			s.cutBody(w, bw)
		}
		if !s.recordLatency(ctx, bw, &pending) {
			return errClientGone
		}
	}
	if !sleepCtx(ctx, pending) {
		return errClientGone
	}
	if plan.truncate { // a short page: cut it before its end
		s.cutBody(w, bw)
	}
	switch {
	case idSet && written > 0:
		pg.writeIDRun(setLo, setHi)
		pg.x.close(4, "ID_SET")
	case listOpen:
		pg.x.close(4, "HOST_LIST")
	}
	if next != 0 {
		pg.x.open(4, "WARNING")
		pg.x.int(6, "CODE", 1980)
		pg.x.text(6, "TEXT", strconv.Itoa(q.truncation)+" record limit exceeded. Use URL to get next batch of results.")
		pg.x.cdata(6, "URL", nextURL(r, q.params, next))
		pg.x.close(4, "WARNING")
	}
	bw.WriteString("\n  </RESPONSE>\n</" + root + ">\n")
	bw.WriteString(proprietaryComment(now))
	return bw.Flush()
}

// matching generates the loaded host's detections and keeps those the query selects.
func (pg *hostPage) matching() bool {
	dets := pg.dg.generate(&pg.hr, pg.e.n)
	pg.dets = pg.dets[:0]
	var newest map[*vulnTmpl]int
	if pg.q.superseded {
		newest = supersededBy(dets)
	}
	for j := range dets {
		d := &dets[j]
		if v, ok := newest[d.kb.tmpl]; ok && d.kb.variant > v {
			continue
		}
		if pg.q.matchDet(d) {
			pg.dets = append(pg.dets, j)
		}
	}
	return len(pg.dets) > 0
}

func (pg *hostPage) writeIDRun(lo, hi int64) {
	if lo == hi {
		pg.x.int(6, "ID", lo)
		return
	}
	pg.x.raw(6, "ID_RANGE", strconv.FormatInt(lo, 10)+"-"+strconv.FormatInt(hi, 10))
}

// nextURL is the WARNING URL: the same request with id_min set to next.
func nextURL(r *http.Request, params []vmParam, next int64) string {
	var b strings.Builder
	b.WriteString(baseURL(r))
	b.WriteString(r.URL.Path)
	b.WriteByte('?')
	n := 0
	for _, p := range params {
		if p.key == "id_min" {
			continue
		}
		if n > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.key))
		b.WriteByte('=')
		b.WriteString(strings.ReplaceAll(url.QueryEscape(p.value), "%2C", ","))
		n++
	}
	if n > 0 {
		b.WriteByte('&')
	}
	b.WriteString("id_min=" + strconv.FormatInt(next, 10))
	return b.String()
}

// writeMitre writes a QID's MITRE ATT&CK (tactic, technique) pairs at
// indent n: MITRE_ATTACK_LIST/MITRE_ATTACK{MITRE_TACTIC_ID, MITRE_TACTIC_NAME,
// MITRE_TECHNIQUE_ID, MITRE_TECHNIQUE_NAME}, in a KB VULN (details=All) and
// in a DETECTION (mitre_attack_details=1). No public sample or DTD shows the
// element; the names are those of the ETM VMDR connector's fields (see doc.go).
func writeMitre(x *xw, n int, mitre []int8) {
	x.open(n, "MITRE_ATTACK_LIST")
	for _, m := range mitre {
		mt := mitreTechniques[m]
		x.open(n+2, "MITRE_ATTACK")
		x.raw(n+4, "MITRE_TACTIC_ID", mt.tacticID)
		x.cdata(n+4, "MITRE_TACTIC_NAME", mt.tactic)
		x.raw(n+4, "MITRE_TECHNIQUE_ID", mt.techID)
		x.cdata(n+4, "MITRE_TECHNIQUE_NAME", mt.tech)
		x.close(n+2, "MITRE_ATTACK")
	}
	x.close(n, "MITRE_ATTACK_LIST")
}

// writeEcho writes the REQUEST element of echo_request=1, before RESPONSE:
// DATETIME, USER_LOGIN, RESOURCE (the URL called, without query) and
// PARAM_LIST with every parameter received (query, then form body), in order.
func writeEcho(x *xw, r *http.Request, user string, params []vmParam, now int64) {
	x.open(2, "REQUEST")
	x.date(4, "DATETIME", now)
	x.cdata(4, "USER_LOGIN", user)
	x.cdata(4, "RESOURCE", baseURL(r)+r.URL.Path)
	if len(params) > 0 {
		x.open(4, "PARAM_LIST")
		for _, p := range params {
			x.open(6, "PARAM")
			x.cdata(8, "KEY", p.key)
			x.cdata(8, "VALUE", p.value)
			x.close(6, "PARAM")
		}
		x.close(4, "PARAM_LIST")
	}
	x.close(2, "REQUEST")
}

// writeDNS writes DNS and DNS_DATA of the loaded host.
func (pg *hostPage) writeDNS() {
	x, hr := pg.x, &pg.hr
	x.cdata(8, "DNS", hr.fqdn)
	x.open(8, "DNS_DATA")
	x.cdata(10, "HOSTNAME", strings.ToLower(hr.hostname))
	x.cdata(10, "DOMAIN", hr.domain)
	x.cdata(10, "FQDN", hr.fqdn)
	x.close(8, "DNS_DATA")
}

func (pg *hostPage) writeCloud() {
	x, hr := pg.x, &pg.hr
	if hr.cloudProvider == "" {
		return
	}
	x.raw(8, "CLOUD_PROVIDER", hr.cloudProvider)
	x.raw(8, "CLOUD_SERVICE", hr.cloudService)
	x.cdata(8, "CLOUD_RESOURCE_ID", hr.cloudResourceID)
	if hr.ec2InstanceID != "" {
		x.cdata(8, "EC2_INSTANCE_ID", hr.ec2InstanceID)
	}
}

func (pg *hostPage) writeTagsMeta() {
	x, hr, q := pg.x, &pg.hr, pg.q
	if q.showTags && hr.meta.tags != 0 {
		x.open(8, "TAGS")
		for k, t := range tagDefs {
			if hr.meta.tags&(1<<k) == 0 {
				continue
			}
			x.open(10, "TAG")
			x.cdata(12, "TAG_ID", strconv.FormatInt(t.id, 10))
			x.cdata(12, "NAME", t.name)
			x.close(10, "TAG")
		}
		x.close(8, "TAGS")
	}
	if q.metadata&(1<<hr.meta.cloud) != 0 && len(hr.cloudAttrs) > 0 {
		el := map[uint8]string{cloudAWS: "EC2", cloudAzure: "AZURE", cloudGCP: "GOOGLE"}[hr.meta.cloud]
		x.open(8, "METADATA")
		x.open(10, el)
		for j, a := range hr.cloudAttrs {
			if len(q.metaFields) > 0 && !metaFieldWanted(q.metaFields, a[0]) {
				continue
			}
			fail := a[1] == "" || hashKey(uint64(hr.id), "metafail", uint64(j))%25 == 0
			x.open(12, "ATTRIBUTE")
			x.cdata(14, "NAME", a[0])
			if fail {
				x.raw(14, "LAST_STATUS", "Fail")
				x.cdata(14, "VALUE", "")
				x.raw(14, "LAST_SUCCESS_DATE", "")
				x.date(14, "LAST_ERROR_DATE", hr.scanEnd)
				x.cdata(14, "LAST_ERROR", "404 - Not Found")
			} else {
				x.raw(14, "LAST_STATUS", "Success")
				x.cdata(14, "VALUE", a[1])
				x.date(14, "LAST_SUCCESS_DATE", hr.scanEnd)
				x.raw(14, "LAST_ERROR_DATE", "")
				x.cdata(14, "LAST_ERROR", "")
			}
			x.close(12, "ATTRIBUTE")
		}
		x.close(10, el)
		x.close(8, "METADATA")
	}
	if q.showCloudTags && slices.ContainsFunc(hr.cloudTags, q.cloudTagWanted) {
		x.open(8, "CLOUD_PROVIDER_TAGS")
		for _, t := range hr.cloudTags {
			if !q.cloudTagWanted(t) {
				continue
			}
			x.open(10, "CLOUD_TAG")
			x.cdata(12, "NAME", t.Key)
			x.cdata(12, "VALUE", t.Value)
			x.date(12, "LAST_SUCCESS_DATE", hr.scanEnd)
			x.close(10, "CLOUD_TAG")
		}
		x.close(8, "CLOUD_PROVIDER_TAGS")
	}
}

// cloudTagWanted applies cloud_tag_fields: tag names, or name:value pairs.
func (q *vmQuery) cloudTagWanted(t keyValue) bool {
	if len(q.cloudTagFields) == 0 {
		return true
	}
	for _, f := range q.cloudTagFields {
		if f[0] == t.Key && (f[1] == "" || f[1] == t.Value) {
			return true
		}
	}
	return false
}

func metaFieldWanted(fields []string, name string) bool {
	for _, f := range fields {
		if strings.HasSuffix(name, "/"+f) || name == f {
			return true
		}
	}
	return false
}

// writeHLDHost writes the loaded host and its matching detections.
func (pg *hostPage) writeHLDHost() {
	x, hr, q := pg.x, &pg.hr, pg.q
	x.open(6, "HOST")
	x.int(8, "ID", hr.id)
	if q.showAsset && hr.assetID != 0 {
		x.int(8, "ASSET_ID", hr.assetID)
	}
	x.raw(8, "IP", hr.ip)
	if hr.ipv6 != "" {
		x.raw(8, "IPV6", hr.ipv6)
	}
	x.raw(8, "TRACKING_METHOD", hr.tracking)
	x.cdata(8, "OS", hr.os)
	if hr.authScan {
		x.cdata(8, "OS_CPE", hr.osCPE)
	}
	pg.writeDNS()
	pg.writeCloud()
	if hr.netbios != "" {
		x.cdata(8, "NETBIOS", hr.netbios)
	}
	if hr.qgHostID != "" {
		x.cdata(8, "QG_HOSTID", hr.qgHostID)
	}
	x.date(8, "LAST_SCAN_DATETIME", hr.processed)
	x.date(8, "LAST_VM_SCANNED_DATE", hr.scanEnd)
	x.int(8, "LAST_VM_SCANNED_DURATION", int64(hr.duration))
	if hr.authScan {
		x.date(8, "LAST_VM_AUTH_SCANNED_DATE", hr.scanEnd)
		x.int(8, "LAST_VM_AUTH_SCANNED_DURATION", int64(hr.duration))
	}
	if hr.pcScan != 0 {
		x.date(8, "LAST_PC_SCANNED_DATE", hr.pcScan)
	}
	pg.writeTagsMeta()
	x.open(8, "DETECTION_LIST")
	dets := pg.dg.dets
	for _, j := range pg.dets {
		pg.writeDetection(&dets[j])
	}
	x.close(8, "DETECTION_LIST")
	x.close(6, "HOST")
}

// writeDetection writes one DETECTION in the element order of the real API.
func (pg *hostPage) writeDetection(d *detection) {
	x, q, hr := pg.x, pg.q, &pg.hr
	const n = 12
	x.open(10, "DETECTION")
	x.int(n, "UNIQUE_VULN_ID", uniqueVulnID(hr.id, d.slot))
	x.int(n, "QID", int64(d.kb.qid))
	x.raw(n, "TYPE", typeNames[d.typ])
	x.int(n, "SEVERITY", int64(d.kb.sev))
	if d.port != 0 {
		x.int(n, "PORT", int64(d.port))
		x.raw(n, "PROTOCOL", d.proto)
	}
	x.bool01(n, "SSL", d.ssl)
	if q.showResults {
		pg.vm.results(&pg.res, d, hr)
		x.cdataHTML(n, "RESULTS", pg.res.Bytes())
	}
	if d.typ != typInfo {
		x.raw(n, "STATUS", statusNames[d.status])
	}
	x.date(n, "FIRST_FOUND_DATETIME", d.first)
	x.date(n, "LAST_FOUND_DATETIME", d.lastFound)
	if d.typ != typInfo && q.showQDS {
		x.rawAttr(n, "QDS", "severity", qdsSeverity(d.kb.qds), strconv.Itoa(d.kb.qds))
	}
	if d.typ != typInfo && q.showFactors {
		x.open(n, "QDS_FACTORS")
		for _, f := range d.kb.factors {
			x.cdataAttr(n+2, "QDS_FACTOR", "name", f[0], f[1])
		}
		x.close(n, "QDS_FACTORS")
	}
	x.int(n, "TIMES_FOUND", int64(d.timesFound))
	x.date(n, "LAST_TEST_DATETIME", d.lastTest)
	x.date(n, "LAST_UPDATE_DATETIME", d.lastUpdate)
	if d.lastFixed != 0 {
		x.date(n, "LAST_FIXED_DATETIME", d.lastFixed)
	}
	if q.showReopened && d.timesReopened > 0 {
		x.date(n, "FIRST_REOPENED_DATETIME", d.firstReopen)
		x.date(n, "LAST_REOPENED_DATETIME", d.lastReopen)
		x.int(n, "TIMES_REOPENED", int64(d.timesReopened))
	}
	x.bool01(n, "IS_IGNORED", d.ignored)
	x.bool01(n, "IS_DISABLED", d.disabled)
	if d.arf >= 0 && (q.version == 2 || q.showARF) {
		x.bool01(n, [...]string{"", "AFFECT_RUNNING_KERNEL", "AFFECT_RUNNING_SERVICE", "AFFECT_EXPLOITABLE_CONFIG"}[d.kb.tmpl.arf], d.arf == 1)
	}
	x.date(n, "LAST_PROCESSED_DATETIME", d.processed)
	if q.mitre && len(d.kb.tmpl.mitre) > 0 {
		writeMitre(x, n, d.kb.tmpl.mitre)
	}
	x.close(10, "DETECTION")
}

// qdsFactors are the QDS_FACTOR name/value pairs of a QID.
func qdsFactors(kv *kbVuln) [][2]string {
	var out [][2]string
	var rti []string
	for _, id := range kv.threat {
		switch id {
		case 7:
			rti = append(rti, "dos")
		case 13:
			rti = append(rti, "local")
		case 15:
			rti = append(rti, "rce")
		case 4:
			rti = append(rti, "lateral_movement")
		}
	}
	if len(rti) > 0 {
		out = append(out, [2]string{"RTI", strings.Join(rti, ",")})
	}
	if kv.exploitSrc != nil {
		m := "poc"
		for _, id := range kv.threat {
			if id == 3 || id == 18 {
				m = "weaponized,poc"
			}
		}
		out = append(out, [2]string{"exploit_maturity", m})
	}
	for _, id := range kv.threat {
		if id == 18 {
			out = append(out, [2]string{"CISA_vuln", "YES"})
		}
	}
	switch {
	case kv.cvss3.ok:
		out = append(out, [2]string{"CVSS", strconv.FormatFloat(kv.cvss3.base, 'f', -1, 64)}, [2]string{"CVSS_version", "v3.x"})
	case kv.cvss2.ok:
		out = append(out, [2]string{"CVSS", strconv.FormatFloat(kv.cvss2.base, 'f', -1, 64)}, [2]string{"CVSS_version", "v2"})
	}
	out = append(out, [2]string{"epss", kv.epss})
	if kv.trending != "" {
		out = append(out, [2]string{"trending", kv.trending})
	}
	if kv.cvss3.ok {
		out = append(out, [2]string{"CVSS_vector", strings.TrimPrefix(kv.cvss3.vector, "CVSS:3.1/")})
	}
	if kv.tmpl.arf == arfConfig && kv.qid%3 == 0 {
		out = append(out, [2]string{"mitigation_controls", strconv.Itoa(18400+kv.qid%60) + "," + strconv.Itoa(18401+kv.qid%60)})
	}
	return out
}

// writeListHost writes the loaded host of the host list API.
func (pg *hostPage) writeListHost() {
	x, hr, q := pg.x, &pg.hr, pg.q
	all := strings.HasPrefix(q.details, "All")
	x.open(6, "HOST")
	x.int(8, "ID", hr.id)
	if q.showAsset && hr.assetID != 0 {
		x.int(8, "ASSET_ID", hr.assetID)
	}
	x.raw(8, "IP", hr.ip)
	if hr.ipv6 != "" {
		x.raw(8, "IPV6", hr.ipv6)
	}
	if q.showARS || q.showTrurisk || q.showTRFactors || q.showARSFactors {
		// ASSET_RISK_SCORE is the score's former name (ARS): the real
		// payloads carry it with the TruRisk value beside TRURISK_SCORE.
		tr, counts := pg.trurisk()
		if q.showARS || q.showTrurisk {
			x.int(8, "ASSET_RISK_SCORE", int64(tr))
		}
		if q.showTrurisk {
			x.int(8, "TRURISK_SCORE", int64(tr))
			x.int(8, "ASSET_CRITICALITY_SCORE", int64(hr.acs()))
		}
		if q.showTRFactors || q.showARSFactors {
			x.open(8, "TRURISK_SCORE_FACTORS")
			x.raw(10, "TRURISK_SCORE_FORMULA", "")
			for sev := 1; sev <= 5; sev++ {
				x.rawAttr(10, "VULN_COUNT", "qds_severity", strconv.Itoa(sev), strconv.Itoa(counts[sev]))
			}
			x.close(8, "TRURISK_SCORE_FACTORS")
		}
	}
	x.raw(8, "TRACKING_METHOD", hr.tracking)
	pg.writeDNS()
	pg.writeCloud()
	if hr.netbios != "" {
		x.cdata(8, "NETBIOS", hr.netbios)
	}
	x.cdata(8, "OS", hr.os)
	if hr.qgHostID != "" {
		x.cdata(8, "QG_HOSTID", hr.qgHostID)
	}
	if all && hr.agent {
		x.date(8, "LAST_BOOT", hr.lastBoot)
		x.cdata(8, "SERIAL_NUMBER", hr.serial)
		x.cdata(8, "HARDWARE_UUID", hr.hwUUID)
	}
	if all {
		x.date(8, "FIRST_FOUND_DATE", hr.created)
		x.date(8, "LAST_ACTIVITY", hr.processed)
	}
	if all && hr.agent {
		x.cdata(8, "AGENT_STATUS", []string{"Inventory Scan Complete", "Vulnerability Scan Complete", "Configuration Download Complete"}[hr.id%3])
		x.cdata(8, "CLOUD_AGENT_RUNNING_ON", "QAGENT")
	}
	pg.writeTagsMeta()
	x.date(8, "LAST_VULN_SCAN_DATETIME", hr.scanEnd)
	x.date(8, "LAST_VM_SCANNED_DATE", hr.scanEnd)
	x.int(8, "LAST_VM_SCANNED_DURATION", int64(hr.duration))
	if hr.authScan {
		x.date(8, "LAST_VM_AUTH_SCANNED_DATE", hr.scanEnd)
		x.int(8, "LAST_VM_AUTH_SCANNED_DURATION", int64(hr.duration))
	}
	if hr.pcScan != 0 {
		x.date(8, "LAST_COMPLIANCE_SCAN_DATETIME", hr.pcScan)
	}
	if all {
		x.text(8, "OWNER", "qflow_sim")
		if hr.id%4 == 0 {
			x.cdata(8, "COMMENTS", "Managed by "+strings.ToUpper(hr.domain[:1])+hr.domain[1:])
		}
		x.open(8, "USER_DEF")
		x.cdata(10, "VALUE_1", roleName(int(hr.meta.role)))
		x.cdata(10, "VALUE_2", sourceNames[hr.meta.source])
		x.cdata(10, "VALUE_3", "")
		x.close(8, "USER_DEF")
	}
	if strings.HasSuffix(q.details, "/AGs") {
		g := hostGroups(&hr.meta)
		x.raw(8, "ASSET_GROUP_IDS", strconv.FormatInt(g[0].id, 10)+","+strconv.FormatInt(g[1].id, 10))
	}
	x.close(6, "HOST")
}

// trurisk scores the loaded host from its open detections (fixed and Info
// excluded): TruRisk = min(1000, ACS × Σ w × avg(QDS) × count^(1/100)) over
// the QDS bands, with the simulator's weights 1, 0.6, 0.3, 0.1. counts are
// open detections by severity.
func (pg *hostPage) trurisk() (tr int, counts [6]int) {
	dets := pg.dg.generate(&pg.hr, pg.e.n)
	var sum, n [4]float64
	for j := range dets {
		d := &dets[j]
		if d.typ == typInfo || d.status == stFixed || d.kb.qds == 0 {
			continue
		}
		counts[d.kb.sev]++
		b := 3
		switch {
		case d.kb.qds >= 90:
			b = 0
		case d.kb.qds >= 70:
			b = 1
		case d.kb.qds >= 40:
			b = 2
		}
		sum[b] += float64(d.kb.qds)
		n[b]++
	}
	weights := [4]float64{1, 0.6, 0.3, 0.1}
	var t float64
	for b := range sum {
		if n[b] == 0 {
			continue
		}
		avg := sum[b] / n[b]
		t += weights[b] * avg * math.Pow(n[b], 0.01)
	}
	acs := float64(pg.hr.acs())
	return int(math.Min(1000, acs*t)), counts
}
