package qualyssim

import (
	"math/rand/v2"
	"strings"
)

// hostRec is a VMDR host as served. Linked hosts take their identity (IP,
// IPv6, DNS, NetBIOS, OS, tags, cloud instance) from their CSAM asset;
// VMDR-only hosts from their own stream.
type hostRec struct {
	idx     int // index in vmIndex.hosts
	id      int64
	assetID int64 // 0 for VMDR-only hosts
	stream  int
	meta    assetMeta
	p       *osProfile
	agent   bool
	changed int // epoch of the last change, 0 = none

	ip, ipv6, hostname, domain, fqdn, netbios string
	os, osCPE, tracking, qgHostID             string
	serial, hwUUID                            string
	created, lastBoot                         int64 // unix seconds

	cloudProvider, cloudService, cloudResourceID, ec2InstanceID string
	cloudAttrs                                                  [][2]string // METADATA attribute name, value
	cloudTags                                                   []keyValue

	scanEnd, processed int64
	duration           int
	authScan           bool
	pcScan             int64
	kernel             string // running kernel release (Linux)
}

// loadHost fills hr with host h as of epoch view e. g is the caller's generator.
func (vm *vmIndex) loadHost(hr *hostRec, g *gen, h int, e *vmEpoch) {
	vh := &vm.hosts[h]
	*hr = hostRec{idx: h, id: vh.id, stream: vm.stream(h), changed: int(e.last[h])}
	if vh.ref >= 0 {
		hr.meta = vm.ds.meta[vh.ref]
		hr.assetID = vm.ds.ids[vh.ref]
		g.load(int(vh.ref))
	} else {
		hr.meta = vm.onlyMeta(hr.stream)
		g.loadAs(hr.stream, 0, &hr.meta)
	}
	d, m := &g.d, &hr.meta
	hr.p = g.p
	hr.agent = m.source == srcAgent
	hr.ip, hr.hostname, hr.domain, hr.fqdn, hr.netbios = d.ip, d.hostname, d.domain, d.fqdn, d.netbios
	if !strings.HasPrefix(d.ipv6, "fe80") {
		hr.ipv6 = d.ipv6
	}
	hr.os = hr.p.fullName
	hr.osCPE = cpeURI(hr.p.cpe)
	hr.serial, hr.hwUUID = d.serial, d.hwUUID
	hr.created, hr.lastBoot = d.created/1000, d.lastBoot/1000
	r := rand.New(rand.NewPCG(hashKey(uint64(vm.seed), "vmhost", uint64(vh.id)), 7))
	switch {
	case hr.agent:
		hr.tracking, hr.qgHostID = "AGENT", d.uuid
	case m.cloud == cloudAWS && r.IntN(100) < 40:
		hr.tracking = "EC2"
	case hr.p.family == famWindows && r.IntN(100) < 15:
		hr.tracking = "NETBIOS"
	case r.IntN(100) < 20:
		hr.tracking = "DNS"
	default:
		hr.tracking = "IP"
	}
	hr.duration = 120 + r.IntN(2400)
	hr.authScan = hr.agent || r.IntN(100) < 60
	if r.IntN(100) < 40 {
		hr.pcScan = vm.anchor - 3*secPerDay - r.Int64N(60*secPerDay)
	}
	if hr.p.family == famLinux {
		ks := kernels(hr.p)
		hr.kernel = ks[len(ks)-1-r.IntN(min(2, len(ks)))]
	}
	hr.scanEnd, hr.processed = vm.scanTimes(vh.id, hr.changed, hr.agent)
	if m.cloud != cloudNone {
		vm.cloudInfo(hr, g)
	}
}

// onlyMeta draws the index entry of a VMDR-only host: a scanner-found host
// (a twin's comes from its root subscription).
func (vm *vmIndex) onlyMeta(stream int) assetMeta {
	var pcg rand.PCG
	r := rand.New(&pcg)
	wd := vm.ds.w
	seedStream(&pcg, wd.seeds[wd.root(vm.ds.sub, stream)], stream, "core")
	total := 0
	for _, p := range osProfiles {
		total += p.weight
	}
	var m assetMeta
	w := r.IntN(total)
	for k, p := range osProfiles {
		if w < p.weight {
			m.os = uint8(k)
			break
		}
		w -= p.weight
	}
	coreMeta(r, &osProfiles[m.os], &m, vm.ds.anchorMs)
	if m.source != srcScanner {
		m.source = srcScanner
		m.tags &^= 1 << tagCloudAgent
	}
	m.hostID = true
	return m
}

// cloudInfo copies the cloud instance of the CSAM record into hr.
func (vm *vmIndex) cloudInfo(hr *hostRec, g *gen) {
	cp, ok := g.cloudProvider().(cloudProvider)
	if !ok {
		return
	}
	ok2 := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	switch {
	case cp.AWS != nil:
		e := &cp.AWS.EC2
		hr.cloudProvider, hr.cloudService, hr.cloudResourceID, hr.ec2InstanceID = "AWS", "EC2", e.InstanceID, e.InstanceID
		const doc = "latest/dynamic/instance-identity/document/"
		hr.cloudAttrs = [][2]string{{doc + "region", e.Region.Code}, {doc + "accountId", e.AccountID}, {doc + "instanceId", e.InstanceID},
			{doc + "availabilityZone", e.AvailabilityZone}, {doc + "instanceType", e.InstanceType}, {doc + "imageId", e.ImageID},
			{doc + "privateIp", e.PrivateIPAddress}, {"latest/meta-data/hostname", e.PrivateDNS}, {"latest/meta-data/public-ipv4", ok2(e.PublicIPAddress)},
			{"latest/meta-data/mac", g.d.mac}}
		hr.cloudTags = cp.AWS.Tags
	case cp.Azure != nil:
		v := &cp.Azure.VM
		hr.cloudProvider, hr.cloudService, hr.cloudResourceID = "Azure", "VM", v.VMID
		hr.cloudAttrs = [][2]string{{"compute/location", v.Location}, {"compute/vmId", v.VMID}, {"compute/vmSize", v.VMSize},
			{"compute/subscriptionId", v.SubscriptionID}, {"compute/resourceGroupName", v.ResourceGroupName}, {"compute/osType", v.OsType},
			{"network/interface/0/ipv4/ipAddress/0/privateIpAddress", v.PrivateIPAddress}, {"network/interface/0/ipv4/ipAddress/0/publicIpAddress", ok2(v.PublicIPAddress)}}
		hr.cloudTags = cp.Azure.Tags
	case cp.GCP != nil:
		c := &cp.GCP.Compute
		hr.cloudProvider, hr.cloudService, hr.cloudResourceID = "GCP", "Compute Engine", c.InstanceID
		hr.cloudAttrs = [][2]string{{"instance/id", c.InstanceID}, {"instance/zone", c.Zone}, {"instance/machine-type", c.MachineType},
			{"instance/hostname", c.Hostname}, {"project/project-id", c.ProjectID}, {"project/numeric-project-id", c.ProjectNumber},
			{"instance/network-interfaces/0/ip", c.PrivateIPAddress}, {"instance/network-interfaces/0/access-configs/0/external-ip", ok2(c.PublicIPAddress)}}
		hr.cloudTags = cp.GCP.Tags
	}
}

// cpeURI turns a CPE 2.3 name into the CPE 2.2 URI form VMDR reports
// ("cpe:/o:redhat:enterprise_linux:8.9:::").
func cpeURI(cpe23 string) string {
	f := strings.Split(cpe23, ":")
	if len(f) < 8 || f[1] != "2.3" {
		return cpe23
	}
	val := func(s string) string {
		if s == "*" {
			return ""
		}
		return s
	}
	return "cpe:/" + f[2] + ":" + f[3] + ":" + f[4] + ":" + val(f[5]) + ":" + val(f[6]) + ":" + val(f[7])
}

// basePorts returns the ports every host of an OS profile listens on,
// before its role adds its own: the table both the CSAM open ports and the
// VMDR host ports come from.
func basePorts(p *osProfile) []portDef {
	var base []portDef
	switch p.family {
	case famWindows:
		if p.server {
			base = winPorts
		} else {
			base = winPorts[:3]
		}
	case famMac:
		base = macPorts
	case famNetwork:
		base = netPorts
	default:
		base = linPorts
	}
	return base
}

// hostPorts lists the ports a host of this kind listens on (the same
// tables the CSAM open ports come from).
func hostPorts(p *osProfile, role uint8) []int {
	base := basePorts(p)
	out := make([]int, 0, len(base)+4)
	for _, pd := range base {
		out = append(out, pd.port)
	}
	for _, pd := range rolePorts[int(role)] {
		out = append(out, pd.port)
	}
	return out
}

// acs is the asset criticality score from the host's tags (default 2).
func (hr *hostRec) acs() int {
	score := 0
	for k, t := range tagDefs {
		if hr.meta.tags&(1<<k) != 0 && t.crit > score {
			score = t.crit
		}
	}
	if score == 0 {
		return 2
	}
	return score
}
