package qualyssim

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Per-asset generation: the identity, network and hardware identifiers of
// one CSAM asset, shared by the JSON sections (api_csam_asset.go) and the
// VMDR host records (world_vm_hosts.go).

// ident holds the identity facts of one asset that several sections share.
type ident struct {
	uuid, hwUUID                       string
	hostname, domain, fqdn, netbios    string
	ip, ipv6, publicIP, mac, macVendor string
	macIntro                           int64
	hw                                 hwProfile
	cpu                                cpuProfile
	sockets, cores, threads, memMB     int
	serial, biosDesc                   string
	loc                                int
	first, last, env, dept             string
	created, sensorUpd, lastBoot       int64
	hostID                             int64
	agentVersion, connectedFrom        string
	easmDomain                         string
	junk                               bool  // carries junk identifiers (placeholder serial or UUID, shared virtual MACs)
	junkNICs                           uint8 // bit k: a virtual interface with junkNICMACs[k]
	template                           bool  // a template clone: template serial, MAC and cloud instance ID (see world.template)
}

// junkNICMACs are the shared virtual MAC addresses junk machines report on
// extra interfaces, with the interface names.
var junkNICMACs = [...]struct{ mac, name string }{
	{macAnyConnect, "Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter"},
	{macDocker, "veth-docker"},
	{macZero, "Teredo Tunneling Pseudo-Interface"},
}

// gen renders assets of a dataset. It is not safe for concurrent use; each
// request uses its own.
type gen struct {
	ds   *dataset
	pcg  rand.PCG
	r    *rand.Rand
	perm []int

	i  int
	id int64
	m  *assetMeta
	p  *osProfile
	d  ident

	iseed int64  // seed of the identity streams: the root subscription's
	u     uint64 // machine number (see world.machine)
	rid   int64  // asset ID of the root record (0 for VMDR-only hosts)
}

func newGen(ds *dataset) *gen {
	g := &gen{ds: ds}
	g.r = rand.New(&g.pcg)
	return g
}

// stream resets the generator's random source to the named stream of the current asset.
func (g *gen) stream(label string) *rand.Rand {
	seedStream(&g.pcg, g.iseed, g.i, label)
	return g.r
}

var siteCodes = []string{"nyc", "ash", "sjc", "aus", "lon", "fra", "pun", "sin", "tyo", "syd"}

// load prepares asset i and its identity.
func (g *gen) load(i int) { g.loadAs(i, g.ds.ids[i], &g.ds.meta[i]) }

// loadAs prepares the identity of stream i with the given id and index entry
// (VMDR-only hosts use streams past the assets). A twin is generated from
// the streams of its root subscription, except its assetId, hostId and
// assetUUID/agentId.
func (g *gen) loadAs(i int, id int64, m *assetMeta) {
	g.i, g.id, g.m = i, id, m
	w := g.ds.w
	rs := w.root(g.ds.sub, i)
	g.iseed, g.u, g.rid = w.seeds[rs], w.machine(rs, i), id
	ownUUID := ""
	if rs != g.ds.sub {
		if i < len(w.ds[rs].ids) {
			g.rid = w.ds[rs].ids[i]
		}
		seedStream(&g.pcg, g.ds.seed, i, "ident")
		ownUUID = uuidFrom(g.r)
	}
	g.p = &osProfiles[g.m.os]
	p, m := g.p, g.m
	r := g.stream("ident")
	d := ident{}
	d.uuid = uuidFrom(r)
	if ownUUID != "" {
		d.uuid = ownUUID
	}
	d.first, d.last = pick(r, firstNames), pick(r, lastNames)
	d.dept = pick(r, departments)
	switch {
	case m.tags&(1<<tagProduction) != 0:
		d.env = "Production"
	case m.tags&(1<<tagStaging) != 0:
		d.env = "Staging"
	case m.tags&(1<<tagDevelopment) != 0:
		d.env = "Development"
	case m.tags&(1<<tagTestLab) != 0:
		d.env = "Test"
	default:
		d.env = "Production"
	}
	switch {
	case m.tags&(1<<tagDCEast) != 0:
		d.loc = 1
	case m.tags&(1<<tagDCWest) != 0:
		d.loc = 2
	default:
		d.loc = r.IntN(len(locations))
	}
	// Hardware.
	switch {
	case p.family == famNetwork:
		models := hwNetwork[p.publisher]
		d.hw = models[0]
		if p.publisher == "Cisco" && p.device == "Switch" {
			d.hw = models[1+r.IntN(2)]
		}
		d.cpu = pick(r, cpuNet)
	case p.family == famUnix:
		d.hw, d.cpu = hwPower[0], cpuPower[0]
	case p.family == famMac:
		d.hw, d.cpu = pick(r, hwMacs), pick(r, cpuMac)
	case m.cloud == cloudAWS:
		d.hw, d.cpu = hwAWS[0], pick(r, cpuServer[2:])
	case m.cloud == cloudAzure:
		d.hw, d.cpu = hwAzure[0], pick(r, cpuServer)
	case m.cloud == cloudGCP:
		d.hw, d.cpu = hwGCP[0], pick(r, cpuServer)
	case !p.server:
		d.hw, d.cpu = pick(r, hwClients), pick(r, cpuClient)
	default:
		switch v := r.IntN(100); {
		case v < 60:
			d.hw = pick(r, hwVMware)
		case v < 75:
			d.hw = hwHyperV[0]
		default:
			d.hw = pick(r, hwServers)
		}
		d.cpu = pick(r, cpuServer)
	}
	virtual := d.hw.category2 == "Virtual Machine"
	switch {
	case virtual:
		d.sockets, d.cores, d.threads = 1+r.IntN(2), pick(r, []int{1, 2, 4, 8}), 1
	case p.server:
		d.sockets, d.cores, d.threads = pick(r, []int{1, 2, 2}), d.cpu.cores, 2
	default:
		d.sockets, d.cores, d.threads = 1, d.cpu.cores, pick(r, []int{1, 2})
	}
	switch {
	case p.family == famNetwork:
		d.memMB = pick(r, []int{4096, 8192, 16384})
	case p.family == famUnix:
		d.memMB = pick(r, []int{65536, 131072, 262144, 524288})
	case p.server:
		d.memMB = pick(r, []int{4096, 8192, 8192, 16384, 16384, 32768, 65536, 131072, 262144})
	default:
		d.memMB = pick(r, []int{8192, 16384, 16384, 32768})
	}
	// Network identity.
	site := siteCodes[d.loc]
	octet := 10 + d.loc*12 + r.IntN(12)
	if m.cloud != cloudNone {
		octet = 160 + int(m.cloud)*20 + r.IntN(20)
	}
	d.ip = fmt.Sprintf("10.%d.%d.%d", octet, r.IntN(256), 2+r.IntN(252))
	if m.source == srcEASM || (m.cloud != cloudNone && r.IntN(100) < 40) || m.tags&(1<<tagInternetFacing) != 0 {
		d.publicIP = publicIP(r)
	}
	if m.source == srcEASM {
		d.ip = d.publicIP
	}
	if r.IntN(100) < 70 {
		d.ipv6 = fmt.Sprintf("fe80::%x:%x:%x:%x", r.IntN(0x10000), r.IntN(0x10000), r.IntN(0x10000), r.IntN(0x10000))
	} else {
		d.ipv6 = fmt.Sprintf("2001:db8:%x:%x::%x", r.IntN(0x10000), r.IntN(0x10000), 1+r.IntN(0xffff))
	}
	d.mac, d.macVendor, d.macIntro = macFor(r, d.hw, m.cloud, w.macTail(g.u, 0))
	// Host names end with the machine number (or a code of it), so no two
	// machines share one; Windows names fit NetBIOS's 15 characters.
	_ = r.IntN(999)
	u := g.u
	num := func(width int) string { return fmt.Sprintf("%0*d", width, u) }
	winName := func(prefix, suffix string) string {
		if p.family == famWindows && len(prefix)+len(suffix) > 15 {
			prefix = prefix[:max(0, 15-len(suffix))]
		}
		return prefix + suffix
	}
	switch {
	case m.source == srcEASM:
		d.easmDomain = "example.com"
		d.hostname = pick(r, []string{"portal", "api", "vpn", "mail", "shop", "www", "login", "cdn", "status", "dev"}) + num(1)
		_ = r.IntN(20)
		d.domain = d.easmDomain
	case p.family == famNetwork:
		d.hostname = fmt.Sprintf("%s-%s-%s", site, map[string]string{"Router": "rtr", "Switch": "sw", "Firewall": "fw"}[p.device], num(2))
		d.domain = "net.corp.example.com"
	case p.family == famMac:
		d.hostname = fmt.Sprintf("%s%s-mbp%s", d.first[:1], d.last, num(2))
		d.domain = "corp.example.com"
	case m.cloud == cloudAWS && p.family == famWindows:
		_ = alnum(r, 7, true)
		d.hostname = "EC2AMAZ-" + w.code(u, "ec2name", 7, alnumUpper, alnumUpper)
		d.domain = "corp.example.com"
	case m.cloud == cloudAWS:
		d.hostname = "ip-" + strings.ReplaceAll(d.ip, ".", "-")
		d.domain = "ec2.internal"
	case m.cloud == cloudAzure:
		d.hostname = winName(fmt.Sprintf("vm-%s-%s-", roleName(int(m.role)), strings.ToLower(d.env[:4])), num(2))
		d.domain = "internal.cloudapp.net"
	case m.cloud == cloudGCP:
		_ = alnum(r, 4, false)
		d.hostname = winName(fmt.Sprintf("%s-%s-", roleName(int(m.role)), strings.ToLower(d.env[:4])), num(2))
		d.domain = "c.example-prod.internal"
	case p.family == famWindows && p.server:
		d.hostname = winName(strings.ToUpper(site+roleName(int(m.role))), num(3))
		d.domain = "corp.example.com"
	case p.family == famWindows:
		_, _, _ = r.IntN(10000), alnum(r, 8, true), alnum(r, 7, true)
		switch r.IntN(3) {
		case 0:
			d.hostname = winName("WKS-"+strings.ToUpper(d.dept[:3])+"-", num(4))
		case 1:
			d.hostname = "LAPTOP-" + w.code(u, "laptop", 8, alnumUpper, alnumUpper)
		default:
			d.hostname = "DESKTOP-" + w.code(u, "desktop", 7, alnumUpper, alnumUpper)
		}
		d.domain = "corp.example.com"
	case p.family == famUnix:
		d.hostname = fmt.Sprintf("aix%s%s", strings.ToLower(d.env[:3]), num(2))
		d.domain = "corp.example.com"
	default:
		d.hostname = fmt.Sprintf("%s-%s%s", site, roleName(int(m.role)), num(2))
		d.domain = "prod.example.internal"
	}
	d.fqdn = strings.ToLower(d.hostname) + "." + d.domain
	if p.family == famWindows {
		d.netbios = strings.ToUpper(d.hostname)
		if len(d.netbios) > 15 {
			d.netbios = d.netbios[:15]
		}
	}
	d.serial, d.hwUUID, d.biosDesc = hwIDs(r, d.hw, m.cloud, w, u)
	d.junk = d.hwUUID == amiUUID && m.source != srcEASM // EASM assets report no BIOS
	if w.junk(rs, i) && m.source != srcEASM {
		// Junk identifiers shared with many other machines; the FQDN (and
		// the real MAC, if one is left) still tell this machine apart.
		h := hashKey(uint64(g.iseed), "junkkind", uint64(i))
		d.junk = true
		d.serial, d.hwUUID = junkSerials[h%uint64(len(junkSerials))], zeroUUID
		d.junkNICs = uint8(1 + (h>>8)%7)
		if m.cloud == cloudNone && (h>>16)%3 == 0 {
			// No real MAC: the primary interface reports the VPN adapter's.
			d.mac, d.macVendor, d.macIntro = macAnyConnect, "Cisco Systems, Inc", 940636800000
			d.junkNICs &^= 1
		}
	}
	if !d.junk && m.source != srcEASM && w.template(rs, i) {
		// A template clone: the placeholders of the image it was cloned
		// from, shared with other clones; its agent ID, hardware UUID and
		// names are its own (the UUID keeps it apart).
		d.template = true
		d.serial = templateSerial
		d.mac, d.macVendor, d.macIntro = templateMAC, "VMware, Inc.", templateMACIntro
	}
	// Dates.
	d.created = m.lastMod - msPerDay - r.Int64N(3*365*msPerDay)
	d.sensorUpd = max(m.lastMod-r.Int64N(7*msPerDay), d.created)
	d.sensorUpd = d.sensorUpd / 1000 * 1000
	d.created = d.created / 1000 * 1000
	d.lastBoot = (d.sensorUpd - r.Int64N(60*msPerDay)) / 1000 * 1000
	_ = r.Int64N(7) // keeps the stream of the fields below stable
	d.hostID = csamHostID(g.ds, i)
	switch p.family {
	case famWindows:
		d.agentVersion = pick(r, []string{"6.1.0.28", "5.5.0.29", "5.7.0.12", "6.0.0.41"})
	case famMac:
		d.agentVersion = pick(r, []string{"5.2.0.13", "4.9.0.22"})
	case famUnix:
		d.agentVersion = "1.9.0.12"
	default:
		d.agentVersion = pick(r, []string{"6.1.0.28", "5.1.0.37", "6.0.0.59", "5.8.0.12"})
	}
	switch v := r.IntN(100); {
	case v < 50:
		d.connectedFrom = d.ip
	case v < 90:
		d.connectedFrom = publicIP(r)
	default:
		d.connectedFrom = fmt.Sprintf("2001:db8:%x::%x", r.IntN(0x10000), 1+r.IntN(0xffff))
	}
	g.d = d
}

func roleName(role int) string {
	return [...]string{"host", "web", "db", "app", "fs", "dc", "k8s", "infra"}[role]
}

func uuidFrom(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	a = (a &^ (0xf << 12)) | (4 << 12)
	b = (b &^ (0x3 << 62)) | (0x2 << 62)
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

const alnumUpper = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
const alnumLower = "abcdefghijklmnopqrstuvwxyz0123456789"

func alnum(r *rand.Rand, n int, upper bool) string {
	set := alnumLower
	if upper {
		set = alnumUpper
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.IntN(len(set))]
	}
	return string(b)
}

func hexStr(r *rand.Rand, n int) string {
	const h = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = h[r.IntN(16)]
	}
	return string(b)
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

// publicIP returns an address from the documentation ranges (RFC 5737).
func publicIP(r *rand.Rand) string {
	return fmt.Sprintf("%s.%d", pick(r, []string{"192.0.2", "198.51.100", "203.0.113"}), 1+r.IntN(254))
}

// macFor returns a MAC address of the hardware's vendor ending in tail
// (three bytes, unique to the machine's interface; see world.macTail).
func macFor(r *rand.Rand, hw hwProfile, cloud uint8, tail string) (mac, vendor string, intro int64) {
	_, _, _ = r.IntN(256), r.IntN(256), r.IntN(256)
	switch {
	case cloud == cloudAWS:
		return fmt.Sprintf("0a:%02x:%02x:", r.IntN(256), r.IntN(256)) + tail, "", 0
	case cloud == cloudAzure:
		return "00:0d:3a:" + tail, "Microsoft Corporation", 1134086400000
	case cloud == cloudGCP:
		return "42:01:0a:" + tail, "", 0
	}
	want := map[string]string{"VMware": "VMware, Inc.", "Microsoft": "Microsoft Corporation", "Dell": "Dell Inc.", "HPE": "Hewlett Packard Enterprise", "HP": "Hewlett Packard Enterprise", "Apple": "Apple, Inc.", "Cisco": "Cisco Systems, Inc", "Palo Alto Networks": "Palo Alto Networks", "Fortinet": "Fortinet, Inc."}[hw.manufacturer]
	var cands []int
	for k, v := range macVendors {
		if v.name == want {
			cands = append(cands, k)
		}
	}
	if len(cands) == 0 {
		v := macVendors[5]
		return v.oui + ":" + tail, v.name, v.intro
	}
	v := macVendors[pick(r, cands)]
	return v.oui + ":" + tail, v.name, v.intro
}

// hwIDs returns the BIOS serial, hardware UUID and BIOS description of
// machine u; some physical machines report vendor placeholders. Serials and
// UUIDs embed the machine number, so distinct machines never share one.
func hwIDs(r *rand.Rand, hw hwProfile, cloud uint8, w *world, u uint64) (serial, hwUUID, bios string) {
	hwUUID = uuidFrom(r)
	hwUUID = hwUUID[:24] + w.node48(u, "hwuuid")
	code := func(label string, n int, first, rest string) string { return w.code(u, label, n, first, rest) }
	// hyperVSerial is the 30-digit Hyper-V serial; its last ten digits are unique.
	hyperVSerial := func() string {
		s := fmt.Sprintf("%s-%s-%s-%s-%s-%s-%s", digits(r, 4), digits(r, 4), digits(r, 4), digits(r, 4), digits(r, 4), digits(r, 4), digits(r, 2))
		c := code("hyperv", 10, digitChars, digitChars)
		return s[:20] + c[:4] + "-" + c[4:8] + "-" + c[8:]
	}
	switch {
	case cloud == cloudAWS:
		hwUUID = "ec2" + hwUUID[3:]
		return hwUUID, hwUUID, "Amazon EC2 1.0"
	case cloud == cloudAzure:
		return hyperVSerial(), hwUUID, "Microsoft Corporation Hyper-V UEFI Release v4.1"
	case cloud == cloudGCP:
		s := "GoogleCloud-" + strings.ToUpper(hexStr(r, 32))
		return s[:len(s)-12] + strings.ToUpper(w.node48(u, "gcpserial")), hwUUID, "Google Google 1.0"
	case hw.manufacturer == "VMware":
		h := strings.ReplaceAll(hwUUID, "-", "")
		var sb strings.Builder
		sb.WriteString("VMware-")
		for k := 0; k < 16; k++ {
			if k == 8 {
				sb.WriteString("-")
			} else if k > 0 {
				sb.WriteString(" ")
			}
			sb.WriteString(h[2*k : 2*k+2])
		}
		return sb.String(), hwUUID, "VMW71.00V.21100432.B64.2301110304"
	case hw.manufacturer == "Microsoft":
		return hyperVSerial(), hwUUID, "Hyper-V UEFI Release v4.1"
	}
	if (hw.category2 == "Desktop" || hw.category2 == "Server") && r.IntN(100) < 8 {
		return pick(r, biosPlaceholders), amiUUID, "American Megatrends Inc. 1.0"
	}
	switch hw.manufacturer {
	case "Dell":
		_ = alnum(r, 7, true)
		return code("dell", 7, letters, alnumUpper), hwUUID, "Dell Inc. " + pick(r, []string{"2.19.1", "1.14.0", "2.21.2"})
	case "HPE":
		_ = alnum(r, 7, true)
		return "CZJ" + code("hpe", 7, alnumUpper, alnumUpper), hwUUID, "HPE U30 v2.90"
	case "HP":
		_ = alnum(r, 7, true)
		return "5CG" + code("hp", 7, alnumUpper, alnumUpper), hwUUID, "HP T90 Ver. 01.16.00"
	case "Lenovo":
		_ = alnum(r, 6, true)
		return "PF" + code("lenovo", 6, alnumUpper, alnumUpper), hwUUID, "LENOVO R1MET56W (1.26)"
	case "Apple":
		prefix := pick(r, []string{"C02", "FVF"})
		_ = alnum(r, 7, true)
		return prefix + code("apple", 7, alnumUpper, alnumUpper), hwUUID, "Apple Inc. 10151.101.3"
	case "Cisco":
		_, _ = digits(r, 4), alnum(r, 4, true)
		return "FOC" + code("cisco", 8, alnumUpper, alnumUpper), hwUUID, "Cisco ROMMON 17.6(1r)"
	case "Palo Alto Networks":
		_ = digits(r, 11)
		return "0" + code("pan", 11, digitChars, digitChars), hwUUID, "PAN BIOS 1.0.5"
	case "Fortinet":
		_ = digits(r, 8)
		return "FG100FTK" + code("fortinet", 8, digitChars, digitChars), hwUUID, "FortiGate BIOS 05000017"
	case "Juniper Networks":
		_ = hexStr(r, 10)
		return "JN" + code("juniper", 10, hexUpper, hexUpper), hwUUID, "Juniper BIOS 1.0"
	case "IBM":
		_ = alnum(r, 5, true)
		return "78" + code("ibm", 5, alnumUpper, alnumUpper), hwUUID, "IBM FW950.90"
	}
	_ = alnum(r, 10, true)
	return "SN" + code("serial", 8, alnumUpper, alnumUpper), hwUUID, "BIOS 1.0"
}

func person(r *rand.Rand) string {
	f, l := pick(r, firstNames), pick(r, lastNames)
	return strings.ToUpper(f[:1]) + f[1:] + " " + strings.ToUpper(l[:1]) + l[1:]
}
