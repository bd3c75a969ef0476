package qualyssim

import (
	"bufio"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// kbSelected reports whether kv passes the KB filters of q.
func (vm *vmIndex) kbSelected(q *vmQuery, kv *kbVuln, e int) bool {
	id := int64(kv.qid)
	if (q.ids != nil && !inRanges(q.ids, id)) || (q.idMin > 0 && id < q.idMin) || (q.idMax > 0 && id > q.idMax) {
		return false
	}
	if (q.pubAfter != 0 && kv.published <= q.pubAfter) || (q.pubBefore != 0 && kv.published >= q.pubBefore) {
		return false
	}
	if q.patchable >= 0 && kv.tmpl.patchable != (q.patchable == 1) {
		return false
	}
	// No QID of the simulated KB was customized by a user (no
	// LAST_CUSTOMIZATION): a user modification date selects none.
	if q.userModAfter {
		return false
	}
	t := kv.tmpl
	auth := len(t.auth) > 0
	switch q.discovery {
	case "Remote":
		if !t.remote {
			return false
		}
	case "Authenticated":
		if !auth {
			return false
		}
	case "RemoteOnly":
		if !t.remote || auth {
			return false
		}
	case "AuthenticatedOnly":
		if t.remote || !auth {
			return false
		}
	case "RemoteAndAuthenticated":
		if !t.remote || !auth {
			return false
		}
	}
	if q.authTypes != nil && !slices.ContainsFunc(q.authTypes, func(a string) bool {
		return slices.ContainsFunc(t.auth, func(b string) bool { return strings.EqualFold(a, b) })
	}) {
		return false
	}
	if q.modAfter != 0 || q.modBefore != 0 {
		mod := vm.kbModified(kv, e)
		if (q.modAfter != 0 && mod <= q.modAfter) || (q.modBefore != 0 && mod >= q.modBefore) {
			return false
		}
	}
	return true
}

// handleKB serves /api/2.0/fo/knowledge_base/vuln/?action=list.
func (s *Server) handleKB(w http.ResponseWriter, r *http.Request, sub *subscription, q *vmQuery, plan faultPlan) error {
	vm, e := sub.vm, s.epoch.Load().vm[sub.idx]
	ctx := r.Context()
	if !sleepCtx(ctx, s.cfg.Latency.Base) {
		return errClientGone
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Server", "Qualys")
	bw := bufio.NewWriterSize(w, 64<<10)
	x := &xw{w: bw}
	const root = "KNOWLEDGE_BASE_VULN_LIST_OUTPUT"
	now := vm.epochTime(e.n)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8" ?>` + "\n")
	bw.WriteString(`<!DOCTYPE ` + root + ` SYSTEM "` + baseURL(r) + `/api/2.0/fo/knowledge_base/vuln/knowledge_base_vuln_list_output.dtd">` + "\n<" + root + ">")
	if q.echo {
		writeEcho(x, r, sub.username, q.params, now)
	}
	bw.WriteString("\n  <RESPONSE>")
	x.date(4, "DATETIME", now)
	x.comment("keep-alive for " + root + " ")
	idSet := q.details == "None"
	all := q.details == "All"
	n := 0
	var runLo, runHi int64
	var pending time.Duration
	abortAt := -1
	if plan.truncate {
		abortAt = len(vm.kb.vulns) / 4
	}
	for i := range vm.kb.vulns {
		kv := &vm.kb.vulns[i]
		if !vm.kbSelected(q, kv, e.n) {
			continue
		}
		if n%50 == 0 && ctx.Err() != nil {
			return errClientGone
		}
		id := int64(kv.qid)
		switch {
		case idSet && n == 0:
			x.open(4, "ID_SET")
			runLo, runHi = id, id
		case idSet && id == runHi+1:
			runHi = id
		case idSet:
			writeKBIDRun(x, runLo, runHi)
			runLo, runHi = id, id
		default:
			if n == 0 {
				x.open(4, "VULN_LIST")
			}
			x.ws = hashKey(uint64(vm.kbSeed), "kbws", uint64(kv.qid))%10 == 0
			vm.writeVuln(x, q, kv, e.n, all)
			x.ws = false
		}
		n++
		if n%keepAliveEvery == 0 {
			x.comment("keep-alive for " + root + " ")
		}
		if n == abortAt {
			s.cutBody(w, bw)
		}
		if !s.recordLatency(ctx, bw, &pending) {
			return errClientGone
		}
	}
	if !sleepCtx(ctx, pending) {
		return errClientGone
	}
	if plan.truncate { // a short answer: cut it before its end
		s.cutBody(w, bw)
	}
	switch {
	case n == 0:
	case idSet:
		writeKBIDRun(x, runLo, runHi)
		x.close(4, "ID_SET")
	default:
		x.close(4, "VULN_LIST")
	}
	bw.WriteString("\n  </RESPONSE>\n</" + root + ">\n")
	bw.WriteString(proprietaryComment(now))
	return bw.Flush()
}

func writeKBIDRun(x *xw, lo, hi int64) {
	if lo == hi {
		x.int(6, "ID", lo)
		return
	}
	x.raw(6, "ID_RANGE", strconv.FormatInt(lo, 10)+"-"+strconv.FormatInt(hi, 10))
}

// writeVuln writes one VULN in the DTD's element order. Basic details leave
// out CVSS, CVSS_V3, CORRELATION, COMPLIANCE_LIST and MITRE_ATTACK_LIST.
func (vm *vmIndex) writeVuln(x *xw, q *vmQuery, kv *kbVuln, e int, all bool) {
	t := kv.tmpl
	const n = 8
	x.open(6, "VULN")
	x.int(n, "QID", int64(kv.qid))
	x.raw(n, "VULN_TYPE", vulnTypeNames[t.vt])
	x.int(n, "SEVERITY_LEVEL", int64(kv.sev))
	x.cdata(n, "TITLE", kv.title)
	x.raw(n, "CATEGORY", t.cat)
	x.date(n, "LAST_SERVICE_MODIFICATION_DATETIME", vm.kbModified(kv, e))
	x.date(n, "PUBLISHED_DATETIME", kv.published)
	if len(kv.bugtraq) > 0 {
		x.open(n, "BUGTRAQ_LIST")
		for _, id := range kv.bugtraq {
			x.open(n+2, "BUGTRAQ")
			x.cdata(n+4, "ID", strconv.Itoa(id))
			x.cdata(n+4, "URL", "http://www.securityfocus.com/bid/"+strconv.Itoa(id))
			x.close(n+2, "BUGTRAQ")
		}
		x.close(n, "BUGTRAQ_LIST")
	}
	x.bool01(n, "PATCHABLE", t.patchable)
	if len(t.sw) > 0 {
		x.open(n, "SOFTWARE_LIST")
		for _, sw := range t.sw {
			x.open(n+2, "SOFTWARE")
			x.cdata(n+4, "PRODUCT", sw[0])
			x.cdata(n+4, "VENDOR", sw[1])
			x.close(n+2, "SOFTWARE")
		}
		x.close(n, "SOFTWARE_LIST")
	}
	if len(kv.vendorRefs) > 0 {
		x.open(n, "VENDOR_REFERENCE_LIST")
		for _, ref := range kv.vendorRefs {
			x.open(n+2, "VENDOR_REFERENCE")
			x.cdata(n+4, "ID", ref)
			x.cdata(n+4, "URL", vendorURL(ref))
			x.close(n+2, "VENDOR_REFERENCE")
		}
		x.close(n, "VENDOR_REFERENCE_LIST")
	}
	if len(kv.cves) > 0 {
		x.open(n, "CVE_LIST")
		for k, c := range kv.cves {
			x.open(n+2, "CVE")
			x.cdata(n+4, "ID", c)
			if k != 1 || kv.qid%5 != 0 { // a few CVEs come without URL, as in real data
				x.cdata(n+4, "URL", "https://nvd.nist.gov/vuln/detail/"+c)
			}
			x.close(n+2, "CVE")
		}
		x.close(n, "CVE_LIST")
	}
	if t.diag != "" {
		x.cdata(n, "DIAGNOSIS", fillText(t.diag, kv))
	}
	if t.cons != "" {
		x.cdata(n, "CONSEQUENCE", t.cons)
	}
	if t.sol != "" {
		x.cdata(n, "SOLUTION", fillText(t.sol, kv))
	}
	if all && kv.compliance {
		x.open(n, "COMPLIANCE_LIST")
		for _, c := range [][3]string{{"PCI", "6.2", "Ensure that all system components and software are protected from known vulnerabilities by installing applicable vendor-supplied security patches."}, {"HIPAA", "164.308(a)(5)(ii)(B)", "Procedures for guarding against, detecting, and reporting malicious software."}} {
			x.open(n+2, "COMPLIANCE")
			x.raw(n+4, "TYPE", c[0])
			x.cdata(n+4, "SECTION", c[1])
			x.cdata(n+4, "DESCRIPTION", c[2])
			x.close(n+2, "COMPLIANCE")
		}
		x.close(n, "COMPLIANCE_LIST")
	}
	if all && (kv.exploitSrc != nil || kv.malware) {
		vm.writeCorrelation(x, kv, n)
	}
	if all && kv.cvss2.ok {
		v := kv.cvss2.vector
		x.open(n, "CVSS")
		if kv.qid%2 == 0 {
			x.rawAttr(n+2, "BASE", "source", "service", fmtScore(kv.cvss2.base))
		} else {
			x.raw(n+2, "BASE", fmtScore(kv.cvss2.base))
		}
		x.raw(n+2, "TEMPORAL", fmtScore(kv.cvss2.temporal))
		x.raw(n+2, "VECTOR_STRING", v)
		x.open(n+2, "ACCESS")
		x.raw(n+4, "VECTOR", cvssCode(v, "AV"))
		x.raw(n+4, "COMPLEXITY", cvssCode(v, "AC"))
		x.close(n+2, "ACCESS")
		x.open(n+2, "IMPACT")
		x.raw(n+4, "CONFIDENTIALITY", cvssCode(v, "C"))
		x.raw(n+4, "INTEGRITY", cvssCode(v, "I"))
		x.raw(n+4, "AVAILABILITY", cvssCode(v, "A"))
		x.close(n+2, "IMPACT")
		x.raw(n+2, "AUTHENTICATION", cvssCode(v, "Au"))
		x.raw(n+2, "EXPLOITABILITY", map[bool]string{true: "3", false: "2"}[kv.exploitSrc != nil])
		x.raw(n+2, "REMEDIATION_LEVEL", map[bool]string{true: "1", false: "4"}[t.patchable])
		x.raw(n+2, "REPORT_CONFIDENCE", "3")
		x.close(n, "CVSS")
	}
	if all && kv.cvss3.ok {
		v := kv.cvss3.vector
		x.open(n, "CVSS_V3")
		x.raw(n+2, "BASE", fmtScore(kv.cvss3.base))
		x.raw(n+2, "TEMPORAL", fmtScore(kv.cvss3.temporal))
		x.raw(n+2, "VECTOR_STRING", v)
		x.raw(n+2, "CVSS3_VERSION", "3.1")
		x.open(n+2, "ATTACK")
		x.raw(n+4, "VECTOR", cvssCode(v, "AV"))
		x.raw(n+4, "COMPLEXITY", cvssCode(v, "AC"))
		x.close(n+2, "ATTACK")
		x.open(n+2, "IMPACT")
		x.raw(n+4, "CONFIDENTIALITY", cvssCode(v, "C"))
		x.raw(n+4, "INTEGRITY", cvssCode(v, "I"))
		x.raw(n+4, "AVAILABILITY", cvssCode(v, "A"))
		x.close(n+2, "IMPACT")
		x.raw(n+2, "PRIVILEGES_REQUIRED", cvssCode(v, "PR"))
		x.raw(n+2, "USER_INTERACTION", cvssCode(v, "UI"))
		x.raw(n+2, "SCOPE", map[bool]string{true: "2", false: "1"}[strings.Contains(v, "S:C")])
		x.raw(n+2, "EXPLOIT_CODE_MATURITY", map[bool]string{true: "3", false: "1"}[kv.exploitSrc != nil])
		x.raw(n+2, "REMEDIATION_LEVEL", map[bool]string{true: "1", false: "4"}[t.patchable])
		x.raw(n+2, "REPORT_CONFIDENCE", "3")
		x.close(n, "CVSS_V3")
	}
	x.bool01(n, "PCI_FLAG", t.pci)
	if q.showPCIReasons && t.pci {
		x.open(n, "PCI_REASONS")
		x.text(n+2, "PCI_REASON", map[bool]string{true: "CVSS 3 base score is greater than or equal to 4.0", false: "Vulnerability is in the PCI DSS scope"}[kv.cvss3.ok && kv.cvss3.base >= 4])
		x.close(n, "PCI_REASONS")
	}
	if len(kv.threat) > 0 {
		x.open(n, "THREAT_INTELLIGENCE")
		for _, id := range kv.threat {
			x.cdataAttr(n+2, "THREAT_INTEL", "id", strconv.Itoa(int(id)), threatIntelNames[id])
		}
		x.close(n, "THREAT_INTELLIGENCE")
	}
	if all && len(t.mitre) > 0 {
		writeMitre(x, n, t.mitre)
	}
	if q.showModules {
		mods := "VM"
		if len(t.auth) > 0 {
			mods = "CA-Linux Agent, CA-Windows Agent, VM"
		}
		x.raw(n, "SUPPORTED_MODULES", mods)
	}
	x.open(n, "DISCOVERY")
	x.bool01(n+2, "REMOTE", t.remote)
	if len(t.auth) > 0 {
		x.open(n+2, "AUTH_TYPE_LIST")
		for _, a := range t.auth {
			x.raw(n+4, "AUTH_TYPE", a)
		}
		x.close(n+2, "AUTH_TYPE_LIST")
	}
	var info []string
	if t.patchable {
		info = append(info, "Patch Available")
	}
	if kv.exploitSrc != nil {
		info = append(info, "Exploit Available")
	}
	if kv.malware {
		info = append(info, "Malware Associated")
	}
	if len(info) > 0 {
		x.raw(n+2, "ADDITIONAL_INFO", strings.Join(info, ", "))
	}
	x.close(n, "DISCOVERY")
	if q.showDisabled {
		x.bool01(n, "IS_DISABLED", kv.disabled)
	}
	if q.showChangeLog && kv.changeLog {
		x.open(n, "CHANGE_LOG_LIST")
		x.open(n+2, "CHANGE_LOG_INFO")
		x.date(n+4, "CHANGE_DATE", kv.modified)
		x.cdata(n+4, "COMMENTS", "Updated the detection logic and the list of affected versions.")
		x.close(n+2, "CHANGE_LOG_INFO")
		x.close(n, "CHANGE_LOG_LIST")
	}
	x.close(6, "VULN")
}

// writeCorrelation writes CORRELATION with EXPLOITS and MALWARE.
func (vm *vmIndex) writeCorrelation(x *xw, kv *kbVuln, n int) {
	x.open(n, "CORRELATION")
	if kv.exploitSrc != nil {
		x.open(n+2, "EXPLOITS")
		for k, src := range kv.exploitSrc {
			x.open(n+4, "EXPLT_SRC")
			x.cdata(n+6, "SRC_NAME", src)
			if src != "seebug" { // seebug entries come without a list, as in real data
				x.open(n+6, "EXPLT_LIST")
				ref := "CVE-0000-0000"
				if len(kv.cves) > 0 {
					ref = kv.cves[k%len(kv.cves)]
				}
				x.open(n+8, "EXPLT")
				x.cdata(n+10, "REF", ref)
				x.cdata(n+10, "DESC", kv.title+" - "+src+" exploit")
				x.cdata(n+10, "LINK", "https://www.exploit-db.com/exploits/"+strconv.Itoa(40000+kv.qid%12000+k))
				x.close(n+8, "EXPLT")
				x.close(n+6, "EXPLT_LIST")
			}
			x.close(n+4, "EXPLT_SRC")
		}
		x.close(n+2, "EXPLOITS")
	}
	if kv.malware {
		x.open(n+2, "MALWARE")
		x.open(n+4, "MW_SRC")
		x.cdata(n+6, "SRC_NAME", "Trend Micro")
		x.open(n+6, "MW_LIST")
		x.open(n+8, "MW_INFO")
		x.cdata(n+10, "MW_ID", []string{"TROJ_MALDOC.SMCS", "RANSOM_WCRY.C", "BKDR_COBEACON.A"}[kv.qid%3])
		x.cdata(n+10, "MW_TYPE", []string{"Trojan", "Ransomware", "Backdoor"}[kv.qid%3])
		x.cdata(n+10, "MW_PLATFORM", "Windows")
		x.cdata(n+10, "MW_ALIAS", "")
		x.cdata(n+10, "MW_RATING", []string{"Medium", "High", "High"}[kv.qid%3])
		x.cdata(n+10, "MW_LINK", "https://www.trendmicro.com/vinfo/us/threat-encyclopedia/malware/")
		x.close(n+8, "MW_INFO")
		x.close(n+6, "MW_LIST")
		x.close(n+4, "MW_SRC")
		x.close(n+2, "MALWARE")
	}
	x.close(n, "CORRELATION")
}

// fillText fills the %s placeholders of a KB text template.
func fillText(tmpl string, kv *kbVuln) string {
	switch strings.Count(tmpl, "%s") {
	case 0:
		return tmpl
	case 1:
		if kv.tmpl.label == lkMonth && kv.tmpl.res == rkWinFile && kv.tmpl.base == 92080 {
			return strings.Replace(tmpl, "%s", kv.label, 1)
		}
		name := kv.pkgName
		switch {
		case name != "":
		case kv.tmpl.res == rkVersion:
			name = kv.tmpl.pkg
		case kv.tmpl.res == rkPkg:
			name = "The " + kv.tmpl.pkg + " package"
		default:
			sw := kv.tmpl.sw[0]
			name = strings.ToUpper(sw[1][:1]) + sw[1][1:] + " " + strings.ReplaceAll(sw[0], "_", " ")
		}
		return strings.Replace(tmpl, "%s", name, 1)
	}
	ref := "Vendor advisory"
	if len(kv.vendorRefs) > 0 {
		ref = kv.vendorRefs[0]
	}
	out := strings.Replace(tmpl, "%s", vendorURL(ref), 1)
	return strings.Replace(out, "%s", ref, 1)
}

// vendorURL is the advisory link of a vendor reference.
func vendorURL(ref string) string {
	switch {
	case strings.HasPrefix(ref, "KB"):
		return "https://support.microsoft.com/en-us/help/" + strings.TrimPrefix(ref, "KB")
	case strings.HasPrefix(ref, "USN-"):
		return "https://ubuntu.com/security/notices/" + ref
	case strings.HasPrefix(ref, "RHSA-"):
		return "https://access.redhat.com/errata/" + ref
	case strings.HasPrefix(ref, "DSA-"):
		return "https://www.debian.org/security/" + strings.ToLower(ref)
	}
	return "https://www.example.com/advisories/" + ref
}

// fmtScore formats a CVSS score the way the KB does ("7.5", "10.0").
func fmtScore(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
