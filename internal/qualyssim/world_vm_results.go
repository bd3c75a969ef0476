package qualyssim

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// results renders the RESULTS text of a detection (before HTML escaping):
// tab-separated tables, multi-line protocol transcripts, quotes and angle
// brackets, as the scanner reports them.
func (vm *vmIndex) results(b *bytes.Buffer, d *detection, hr *hostRec) {
	r := rand.New(rand.NewPCG(hashKey(uint64(vm.seed), "res", uint64(hr.id)<<20|uint64(d.slot)), 3))
	kv, t := d.kb, d.kb.tmpl
	b.Reset()
	switch t.res {
	case rkIPName:
		fmt.Fprintf(b, "IP address\tHost name\n%s\t%s", hr.ip, hr.fqdn)
	case rkOS:
		fmt.Fprintf(b, "Operating System\tTechnique\tID\n%s\tWindows Registry\t \n", hr.os)
		if hr.p.family != famWindows {
			b.Reset()
			fmt.Fprintf(b, "Operating System\tTechnique\tID\n%s\tLinux/Unix Release File\t \n", hr.os)
		}
		fmt.Fprintf(b, "%s\tTCP/IP Fingerprint\tU%d:%d\n%s\tCPE", hr.p.osName, 1000+r.IntN(9000), []int{22, 135, 443}[r.IntN(3)], hr.osCPE)
	case rkScanTime:
		start := time.Unix(hr.scanEnd-int64(hr.duration), 0).UTC()
		fmt.Fprintf(b, "Scan duration: %d seconds\n\nStart time: %s\n\nEnd time: %s", hr.duration,
			start.Format(http.TimeFormat), time.Unix(hr.scanEnd, 0).UTC().Format(http.TimeFormat))
	case rkPorts:
		b.WriteString("Port\tIANA Assigned Ports/Services\tDescription\tService Detected\tOS On Redirected Port")
		for _, pd := range portDefsOf(hr) {
			if pd.proto == "TCP" {
				fmt.Fprintf(b, "\n%d\t%s\t%s\t%s\t", pd.port, pd.svc, pd.dsc, pd.svc)
			}
		}
	case rkHostNames:
		b.WriteString("Host Name\tSource\n")
		b.WriteString(hr.fqdn + "\tFQDN")
		if hr.netbios != "" {
			fmt.Fprintf(b, "\n%s.%s\tNTLM DNS\n%s\tNTLM NetBIOS", strings.ToUpper(hr.hostname), strings.ToUpper(hr.domain), hr.netbios)
		}
	case rkRPC:
		b.WriteString("Description\tVersion\tTCP Ports\tUDP Ports\tHTTP Ports\tNetBIOS/CIFS Pipes\n")
		b.WriteString("DCE Endpoint Mapper\t3.0\t135\t \t \t\\PIPE\\epmapper\nDCE Remote Management\t1.0\t \t \t \t\\PIPE\\epmapper\n")
		b.WriteString("Microsoft Local Security Architecture\t0.0\t49668\t \t \t\\PIPE\\lsass\nMicrosoft Task Scheduler\t1.0\t \t \t \t\\PIPE\\atsvc")
	case rkQGHost:
		fmt.Fprintf(b, "Host ID: %s", hr.qgHostID)
	case rkPkgList:
		b.WriteString("Package\tVersion")
		for k, p := range vm.ds.catalogs.linux {
			if hr.p.family == famUnix {
				p = vm.ds.catalogs.aix[k%len(vm.ds.catalogs.aix)]
			}
			if k%3 == r.IntN(3) {
				continue
			}
			name := p.name
			if p.rpmName != "" && strings.HasPrefix(hr.p.distro, "rpm") {
				name = p.rpmName
			}
			fmt.Fprintf(b, "\n%s\t%s", name, p.versions[r.IntN(len(p.versions))])
			if b.Len() > 12000 {
				break
			}
		}
	case rkAppList:
		b.WriteString("Name\tVersion\tInstall Date\tPublisher\tInstall Location")
		for k, p := range vm.ds.catalogs.windows {
			if k%2 == r.IntN(2) {
				continue
			}
			fmt.Fprintf(b, "\n%s\t%s\t%s\t%s\t%s", p.name, p.versions[r.IntN(len(p.versions))],
				time.Unix(hr.created+r.Int64N(300*secPerDay), 0).UTC().Format("20060102"), p.publisher, p.path)
			if b.Len() > 12000 {
				break
			}
		}
	case rkPkg:
		pkg, inst, req := vm.pkgVersions(kv, hr, r)
		b.WriteString("Package\tInstalled Version\tRequired Version")
		if kv.tmpl.pkg == "linux-image" {
			for _, sub := range []string{"linux-image-", "linux-headers-", "linux-modules-"} {
				fmt.Fprintf(b, "\n%s%s-generic\t%s\t%s", sub, hr.kernel, inst, req)
			}
		} else {
			fmt.Fprintf(b, "\n%s\t%s\t%s", pkg, inst, req)
			if r.IntN(2) == 0 {
				fmt.Fprintf(b, "\n%s-libs\t%s\t%s", pkg, inst, req)
			}
		}
	case rkWinFile:
		kbRef := "KB5034127"
		if len(kv.vendorRefs) > 0 {
			kbRef = kv.vendorRefs[0]
		}
		ver := hr.p.version
		if k := strings.LastIndexByte(ver, '.'); k > 0 && strings.Count(ver, ".") >= 3 {
			ver = ver[:k]
		}
		fmt.Fprintf(b, "%s  Version is %s.%d\n%s is not installed", t.pkg, ver, 1000+r.IntN(4000), kbRef)
	case rkHTTPHeaders:
		vm.httpTranscript(b, kv, hr, d, r)
	case rkCert:
		if t.pkg == "self" {
			fmt.Fprintf(b, "Certificate #0 CN=%s,O=Acme Corp,OU=%s,C=US is a self signed certificate.", hr.fqdn, strings.ToUpper(hr.domain[:1])+hr.domain[1:])
		} else {
			fmt.Fprintf(b, "Certificate #0 CN=%s (%s) doesn't resolve", strings.ToLower(hr.hostname), strings.ToLower(hr.hostname))
		}
	case rkCiphers, rkSSLInfo:
		b.WriteString("CIPHER\tKEY-EXCHANGE\tAUTHENTICATION\tMAC\tENCRYPTION(KEY-STRENGTH)\tGRADE")
		proto := "TLSv1.2"
		if strings.HasPrefix(t.pkg, "TLSv1") {
			proto = t.pkg
		}
		fmt.Fprintf(b, "\n%s PROTOCOL IS ENABLED\t\t\t\t\t\n%s COMPRESSION METHOD\tNone\t\t\t\t", proto, proto)
		for _, c := range []string{"ECDHE-RSA-AES128-SHA\tECDH\tRSA\tSHA1\tAES(128)\tMEDIUM", "AES256-SHA\tRSA\tRSA\tSHA1\tAES(256)\tHIGH", "DES-CBC3-SHA\tRSA\tRSA\tSHA1\t3DES(168)\tMEDIUM", "RC4-SHA\tRSA\tRSA\tSHA1\tRC4(128)\tLOW"}[:2+r.IntN(3)] {
			b.WriteString("\n" + c)
		}
	case rkSSH:
		switch t.pkg {
		case "OpenSSH":
			fmt.Fprintf(b, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.%d detected on port %d over TCP.", 1+r.IntN(6), d.port)
		case "terrapin":
			b.WriteString("Vulnerable SSH Server Settings:\nchacha20-poly1305@openssh.com cipher is enabled\nhmac-sha2-256-etm@openssh.com MAC is enabled")
		default:
			b.WriteString("Type\tName\nkey exchange\tdiffie-hellman-group1-sha1\nkey exchange\tdiffie-hellman-group-exchange-sha1\ncipher\taes128-cbc\ncipher\t3des-cbc\nmac\thmac-sha1-96")
		}
	case rkDNS:
		for _, fam := range []string{"IPv4", "IPv6"} {
			fmt.Fprintf(b, "--- %s ---\n;; ->>HEADER<<- opcode: QUERY, rcode: NOERROR, id: %d\n;; flags: qr rd ra ; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0\n", fam, r.IntN(65536))
			fmt.Fprintf(b, ";; QUESTION SECTION:\n;; %s. IN SOA\n\n;; ANSWER SECTION:\n%s. 3600 IN SOA ns1.%s. hostmaster.%s. %d 10800 3600 604800 3600\n\n", hr.domain, hr.domain, hr.domain, hr.domain, 2024000000+r.IntN(900000))
			fmt.Fprintf(b, ";; Query time: %d msec\n;; SERVER: %s\n;; MSG SIZE  rcvd: %d\n\n", 1+r.IntN(20), hr.ip, 60+r.IntN(60))
		}
	case rkVersion:
		inst := vm.olderVersion(kv, r)
		path := map[osFamily]string{famWindows: `C:\Program Files\`, famMac: "/Applications/", famLinux: "/usr/lib/", famNetwork: "", famUnix: "/opt/"}[hr.p.family]
		fmt.Fprintf(b, "%s %s detected at %s%s\nVulnerable version: < %s", t.pkg, inst, path, t.pkg, kv.label)
	case rkSNMP:
		fmt.Fprintf(b, "public\nsysDescr: %s\nsysName: %s", hr.os, strings.ToLower(hr.hostname))
	case rkRegistry:
		b.WriteString(t.pkg)
		if t.base == 91649 {
			b.WriteString(" = 1\nSMBv1 dialect negotiated successfully on port 445/tcp")
		}
	case rkWebServer:
		v := []string{"Apache/2.4.52 (Ubuntu)", "nginx/1.18.0 (Ubuntu)", "Microsoft-IIS/10.0", "Apache-Coyote/1.1"}[r.IntN(4)]
		fmt.Fprintf(b, "Server Version\tServer Banner\n%s\t%s", strings.Fields(v)[0], v)
	default:
		switch t.base {
		case 82003:
			fmt.Fprintf(b, "Timestamp of host (network byte ordering): %s GMT", time.Unix(hr.scanEnd, 0).UTC().Format("15:04:05"))
		case 90788:
			b.WriteString("RDP Supported Security Protocols:\tRDP Security, TLS\nNLA required:\tNo")
		default:
			fmt.Fprintf(b, "%s detected on %s", kv.title, hr.ip)
		}
	}
}

// portDefsOf lists the host's ports (base family ports and role ports).
func portDefsOf(hr *hostRec) []portDef {
	var out []portDef
	switch hr.p.family {
	case famWindows:
		out = append(out, winPorts...)
	case famMac:
		out = append(out, macPorts...)
	case famNetwork:
		out = append(out, netPorts...)
	default:
		out = append(out, linPorts...)
	}
	return append(out, rolePorts[int(hr.meta.role)]...)
}

// pkgVersions returns the package, installed and required versions of a
// distribution advisory.
func (vm *vmIndex) pkgVersions(kv *kbVuln, hr *hostRec, r *rand.Rand) (pkg, inst, req string) {
	pkg = kv.pkgName
	if kv.tmpl.pkg == "kernel" || kv.tmpl.pkg == "linux-image" {
		pkg = "kernel"
		inst = hr.kernel
		if inst == "" {
			inst = "5.14.0-362.18.1"
		}
		parts := strings.Split(inst, "-")
		minor := parts[len(parts)-1]
		return pkg, inst + ".el", parts[0] + "-" + bumpVersion(minor, 1+kv.variant%4)
	}
	if pkg == "" {
		pkg = "openssl"
	}
	major := 1 + r.IntN(3)
	inst = fmt.Sprintf("%d.%d.%d-%d", major, r.IntN(10), r.IntN(20), 1+r.IntN(9))
	req = fmt.Sprintf("%d.%d.%d-%d", major, r.IntN(10), 20+r.IntN(10), 1+r.IntN(9))
	if strings.HasPrefix(hr.p.distro, "deb-ubuntu") {
		inst += "ubuntu0." + hr.p.marketVersion
		req += "ubuntu0." + hr.p.marketVersion
	}
	return pkg, inst, req
}

// bumpVersion adds n to the first numeric part of v.
func bumpVersion(v string, n int) string {
	head, tail, _ := strings.Cut(v, ".")
	x, err := strconv.Atoi(head)
	if err != nil {
		return v
	}
	if tail != "" {
		return strconv.Itoa(x+n) + "." + tail
	}
	return strconv.Itoa(x + n)
}

// olderVersion returns a version before the fixed one in the QID label.
func (vm *vmIndex) olderVersion(kv *kbVuln, r *rand.Rand) string {
	if kv.tmpl.label == lkVersion && kv.variant+1 < len(kv.tmpl.versions) {
		return kv.tmpl.versions[kv.variant+1+r.IntN(len(kv.tmpl.versions)-kv.variant-1)]
	}
	return fmt.Sprintf("%d.%d.%d", 1+r.IntN(20), r.IntN(10), r.IntN(100))
}

// httpTranscript is a request/response pair as the web QIDs report it.
func (vm *vmIndex) httpTranscript(b *bytes.Buffer, kv *kbVuln, hr *hostRec, d *detection, r *rand.Rand) {
	scheme := "http"
	if d.ssl {
		scheme = "https"
	}
	day := time.Unix(hr.scanEnd, 0).UTC().Format(http.TimeFormat)
	switch kv.tmpl.pkg {
	case "TRACE":
		fmt.Fprintf(b, "TRACE / HTTP/1.1\nHost: %s\nX-Qualys-Probe: %08x\n\nHTTP/1.1 200 OK\nDate: %s\nContent-Type: message/http\n\nTRACE / HTTP/1.1\nHost: %s", hr.fqdn, r.Uint32(), day, hr.fqdn)
	case "form":
		fmt.Fprintf(b, "%s://%s:%d/login\n<form action=\"/login\" method=\"post\" name='login'>\n<input type=\"password\" name=\"pwd\">", scheme, hr.fqdn, d.port)
	case "cookie":
		fmt.Fprintf(b, "Set-Cookie: JSESSIONID=%s; Path=/; HttpOnly\nURL: %s://%s/", strings.ToUpper(hexStr(r, 32)), scheme, hr.fqdn)
	default:
		fmt.Fprintf(b, "X-Content-Type-Options HTTP Header missing on port %d.\n\nGET / HTTP/1.0\nHost: %s\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:93.0) Gecko/20100101 Firefox/93.0\n\n\n\n", d.port, hr.fqdn)
		fmt.Fprintf(b, "HTTP/1.1 200 OK\nDate: %s\nContent-Type: text/html; charset=\"utf-8\"\nConnection: close\n", day)
		fmt.Fprintf(b, "Report-To: {\"endpoints\":[{\"url\":\"https:\\/\\/reports.%s\\/csp?s=%s\"}],\"group\":\"csp\",\"max_age\":604800}\n", hr.domain, hexStr(r, 24))
		fmt.Fprintf(b, "Set-Cookie: session=%s; path=/; domain=.%s; HttpOnly; Secure; SameSite=None\nServer: %s\nalt-svc: h3=\":443\"; ma=86400", hexStr(r, 40), hr.domain, []string{"nginx", "Apache", "Microsoft-IIS/10.0"}[r.IntN(3)])
	}
}
