package qualyssim

import (
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strconv"
	"strings"
)

type softwareInstance struct {
	FirstSeen    string `json:"firstSeen"`
	LastSeen     string `json:"lastSeen"`
	InstanceName string `json:"InstanceName"`
	PROC         string `json:"PROC"`
	BinPath      string `json:"BIN_PATH"`
	Product      string `json:"PRODUCT"`
	Version      string `json:"VERSION"`
	Technology   string `json:"TECHNOLOGY"`
	ConfPath     string `json:"CONF_PATH"`
}

type license struct {
	Category    string `json:"category"`
	Subcategory string `json:"subcategory"`
}

// software is one softwareListData.software[] entry.
type software struct {
	ID                          int64              `json:"id"`
	DiscoverySources            string             `json:"discoverySources"`
	FullName                    string             `json:"fullName"`
	SoftwareType                string             `json:"softwareType"`
	IsIgnored                   bool               `json:"isIgnored"`
	IgnoredReason               *string            `json:"ignoredReason"`
	Category                    string             `json:"category"`
	Category1                   string             `json:"category1"`
	Category2                   string             `json:"category2"`
	ProductName                 string             `json:"productName"`
	Component                   *string            `json:"component"`
	Publisher                   string             `json:"publisher"`
	Edition                     string             `json:"edition"`
	MarketVersion               string             `json:"marketVersion"`
	Version                     string             `json:"version"`
	Update                      *string            `json:"update"`
	Architecture                string             `json:"architecture"`
	InstallDate                 *string            `json:"installDate"`
	InstallPath                 *string            `json:"installPath"`
	LastUpdated                 *string            `json:"lastUpdated"`
	LastUseDate                 *string            `json:"lastUseDate"`
	Language                    *string            `json:"language"`
	FormerlyKnownAs             *string            `json:"formerlyKnownAs"`
	IsPackage                   bool               `json:"isPackage"`
	IsPackageComponent          bool               `json:"isPackageComponent"`
	PackageName                 *string            `json:"packageName"`
	ProductURL                  *string            `json:"productUrl"`
	Lifecycle                   osLifecycle        `json:"lifecycle"`
	SupportStageDesc            *string            `json:"supportStageDesc"`
	License                     license            `json:"license"`
	Authorization               *string            `json:"authorization"`
	DiscoveredPublisher         string             `json:"discoveredPublisher"`
	DiscoveredName              string             `json:"discoveredName"`
	DiscoveredVersion           string             `json:"discoveredVersion"`
	AuthorizationDetectionScore int                `json:"authorizationDetectionScore"`
	CpeID                       *string            `json:"cpeId"`
	Cpe                         *string            `json:"cpe"`
	CpeType                     *string            `json:"cpeType"`
	SoftwareInstances           []softwareInstance `json:"softwareInstances,omitempty"`
}

type softwareListData struct {
	Software []software `json:"software"`
}

var formerlyKnownAs = map[string]string{
	"apache2": "httpd", "httpd": "apache2", "Microsoft Edge": "Microsoft Edge Chromium", "Zoom Workplace (64-bit)": "Zoom",
	"Microsoft Teams": "Skype for Business", "Cisco Secure Client - AnyConnect VPN": "Cisco AnyConnect Secure Mobility Client",
	"Microsoft Defender for Endpoint": "Windows Defender ATP", "Webex": "Cisco Webex Meetings",
}

// cpeReplacer turns a product name into a CPE product token (read-only).
var cpeReplacer = strings.NewReplacer(" ", "_", "(", "", ")", "", ":", "")

var openLicenses = []string{"GPL-2.0", "GPL-3.0", "LGPL-2.1", "MIT", "Apache-2.0", "BSD-3-Clause", "MPL-2.0"}

// software renders the asset's software list: exactly m.sw entries, distinct
// by (fullName, version, installPath).
func (g *gen) software() []software {
	p, m := g.p, g.m
	r := g.stream("softwareListData")
	cat := g.ds.catalogs.family(p)
	n := int(m.sw)
	nk := 0
	var ks []string
	if p.family == famLinux {
		ks = kernels(p)
		nk = min(1+r.IntN(min(3, len(ks))), n)
		if n-nk > len(cat) {
			nk = n - len(cat)
		}
	}
	rest := n - nk
	if cap(g.perm) < len(cat) {
		g.perm = make([]int, len(cat))
	}
	perm := g.perm[:len(cat)]
	for k := range perm {
		perm[k] = k
	}
	for k := 0; k < rest; k++ {
		j := k + r.IntN(len(perm)-k)
		perm[k], perm[j] = perm[j], perm[k]
	}
	chosen := perm[:rest]
	slices.Sort(chosen)
	out := make([]software, 0, n)
	for _, ci := range chosen {
		prod := &cat[ci]
		vi := g.versionIndex(r, len(prod.versions))
		out = append(out, g.swEntry(r, prod, prod.versions[vi], vi, len(prod.versions)))
	}
	for k := len(ks) - nk; k < len(ks); k++ {
		out = append(out, g.kernelEntry(r, ks[k], k, len(ks)))
	}
	return out
}

func (g *gen) kernelEntry(r *rand.Rand, kv string, vi, nv int) software {
	p := g.p
	kp := swProduct{name: "linux-image-" + kv + "-generic", publisher: p.publisher, cat1: "Operating System", cat2: "Kernel",
		path: "/boot", typ: 'A', lic: 'o', url: "https://www.kernel.org"}
	version := kv
	if strings.HasPrefix(p.distro, "rpm") {
		kp.name, kp.rpmName = "kernel", "kernel"
	} else if p.distro == "deb-debian" {
		kp.name = "linux-image-" + kv + "-amd64"
	}
	kp.versions = []string{version}
	return g.swEntry(r, &kp, version, vi, nv)
}

// versionIndex picks which catalog version (oldest first) a host runs: Linux
// packages follow the age of the distribution release, other software leans
// towards the newest version.
func (g *gen) versionIndex(r *rand.Rand, n int) int {
	if n == 1 {
		return 0
	}
	if g.p.family == famLinux && r.IntN(10) != 0 {
		return (linuxEra(g.p)*(n-1) + 1) / 2
	}
	u := r.Float64()
	return n - 1 - min(n-1, int(float64(n)*u*u))
}

// linuxEra ranks a distribution release: 0 old, 1 middle, 2 current.
func linuxEra(p *osProfile) int {
	switch p.distro + p.marketVersion {
	case "deb-ubuntu18.04", "deb-ubuntu20.04", "rpm-el77", "rpm-amzn22":
		return 0
	case "deb-ubuntu22.04", "deb-debian11", "rpm-el88", "rpm-suse15":
		return 1
	}
	return 2
}

// linuxRelease renders a distribution package version for upstream version v.
func linuxRelease(p *osProfile, name, v string) (full, rel string) {
	h := hashString(hashString(0, p.distro+p.marketVersion), name+"\x00"+v)
	a, b, c := int(h%4), int(h>>8%9+1), int(h>>16%25)
	switch p.distro {
	case "deb-ubuntu":
		rel = fmt.Sprintf("%dubuntu%d.%d", a, b%4+1, c)
	case "deb-debian":
		rel = fmt.Sprintf("%d+deb%su%d", a+1, p.marketVersion, b)
	case "rpm-el7", "rpm-el8", "rpm-el9":
		rel = fmt.Sprintf("%d.el%s_%d", b+c, p.marketVersion, b%4+1)
		if p.marketVersion == "7" {
			rel = fmt.Sprintf("%d.el7_9", b+c)
		}
	case "rpm-amzn2":
		rel = fmt.Sprintf("%d.amzn2.0.%d", b+c, a+1)
	case "rpm-amzn2023":
		rel = fmt.Sprintf("%d.amzn2023.0.%d", b+c, a+1)
	default:
		rel = fmt.Sprintf("150500.%d.%d", b+c, a+1)
	}
	return v + "-" + rel, rel
}

func marketVersion(v string) string {
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == '.' || r == '-' || r == '+' })
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}

func (g *gen) swEntry(r *rand.Rand, prod *swProduct, version string, vi, nv int) software {
	p, m, d := g.p, g.m, &g.d
	name := prod.name
	linux := p.family == famLinux
	if linux && prod.rpmName != "" && strings.HasPrefix(p.distro, "rpm") {
		name = prod.rpmName
	}
	publisher := prod.publisher
	if publisher == "" {
		publisher = p.publisher
	}
	discVersion, update := version, (*string)(nil)
	if linux && prod.cat2 != "Kernel" {
		full, rel := linuxRelease(p, name, version)
		discVersion, update = full, sp(rel)
	}
	installPath := prod.path
	if installPath != "" && linux && strings.HasPrefix(p.distro, "rpm") {
		installPath = strings.ReplaceAll(installPath, "/lib/x86_64-linux-gnu", "/usr/lib64")
		installPath = strings.ReplaceAll(installPath, "/usr/lib/x86_64-linux-gnu", "/usr/lib64")
		installPath = strings.ReplaceAll(installPath, "/usr/lib/python3/dist-packages", "/usr/lib/python3.9/site-packages")
	}
	id := int64(mix64(hashString(hashString(hashString(0, name), "\x00"+version), "\x00"+installPath)))
	h := mix64(hashString(0, name+"\x00"+version))

	typ := "Application"
	switch prod.typ {
	case 'L':
		typ = "Library"
	case 'D':
		typ = "Driver"
	case 'R':
		typ = "Runtime"
	}
	var component *string
	switch {
	case prod.server:
		component = sp("Server")
	case prod.typ == 'L':
		component = sp("Library")
	case prod.typ == 'A' && h%3 == 0:
		component = sp("Client")
	}
	arch := "x64"
	switch {
	case p.family == famWindows && (strings.Contains(name, "x86") || strings.Contains(installPath, "(x86)")):
		arch = "x86"
	case p.family == famMac:
		arch = pick(r, []string{"arm64", "Universal", "x86_64"})
	case p.family == famNetwork:
		arch = "Unknown"
	case p.family == famUnix:
		arch = "ppc64"
	case linux && (strings.HasPrefix(name, "python3-") || strings.HasPrefix(name, "fonts-") || strings.HasSuffix(name, "-perl") || strings.HasPrefix(name, "perl-") || name == "tzdata" || name == "ca-certificates"):
		arch = "noarch"
	case linux:
		arch = "x86_64"
	}
	span := max(1, m.lastMod-d.created)
	inst := (d.created + r.Int64N(span)) / 1000 * 1000
	upd := (inst + r.Int64N(max(1, m.lastMod-inst))) / 1000 * 1000
	var lastUse *string
	if !p.server && prod.typ == 'A' && m.source == srcAgent && r.IntN(2) == 0 {
		lastUse = sp(isoMs((d.sensorUpd - r.Int64N(30*msPerDay)) / 1000 * 1000))
	}
	var lang *string
	if p.family == famWindows || p.family == famMac {
		if prod.typ == 'A' {
			lang = sp(pick(r, []string{"English", "English", "English", "English (United States)", "Multi-language"}))
		}
	}
	var fka *string
	if v, ok := formerlyKnownAs[name]; ok {
		fka = sp(v)
	}
	var pkgName *string
	if linux || p.family == famUnix {
		pkgName = sp(name)
	}
	var url *string
	if prod.url != "" {
		url = sp(prod.url)
	}
	// Lifecycle: applications and runtimes carry vendor dates; libraries and drivers do not.
	lc := osLifecycle{Stage: "Not Applicable", LifeCycleConfidence: "Not Available"}
	var stageDesc *string
	if prod.typ == 'A' || prod.typ == 'R' {
		ga := g.ds.anchorMs - int64(nv-vi)*300*msPerDay - int64(h%200)*msPerDay
		ga = ga / msPerDay * msPerDay
		eos := ga + int64(2+h%3)*365*msPerDay
		eol := eos + int64(1+h%2)*365*msPerDay
		stage, eosS, eolS := g.stageMs(ga, eos, eol)
		conf := "Exact"
		if h%4 == 0 {
			conf = "Approximate"
		}
		lc = osLifecycle{GaDate: sp(isoMs(ga)), EolDate: sp(isoMs(eol)), EosDate: sp(isoMs(eos)), Stage: stage, LifeCycleConfidence: conf,
			EolSupportStage: eolS, EosSupportStage: eosS, DetectionScore: 60 + int(h%41)}
		stageDesc = eosS
	}
	lic := license{Category: "Commercial", Subcategory: "Proprietary"}
	switch prod.lic {
	case 'o':
		lic = license{Category: "Open Source", Subcategory: openLicenses[h%uint64(len(openLicenses))]}
	case 'f':
		lic = license{Category: "Freeware", Subcategory: "Proprietary Freeware"}
	}
	var auth *string
	switch v := r.IntN(100); {
	case v < 75:
		auth = sp("Authorized")
	case v < 77:
		auth = sp("Unauthorized")
	}
	var cpeID, cpe, cpeType *string
	if (prod.typ == 'A' || prod.typ == 'R') && h%5 < 3 {
		vendor := strings.ToLower(strings.Trim(strings.Fields(publisher + " x")[0], ".,"))
		product := strings.ToLower(cpeReplacer.Replace(name))
		cpeID = sp(strconv.FormatUint(h%9000000+1000000, 10))
		cpe = sp("cpe:2.3:a:" + vendor + ":" + product + ":" + version + ":*:*:*:*:*:*:*")
		cpeType = sp("Application")
	}
	ignored, reason := false, (*string)(nil)
	if r.IntN(1000) < 15 {
		ignored, reason = true, sp(pick(r, []string{"Insufficient Information", "Not Relevant"}))
	}
	sw := software{
		ID: id, DiscoverySources: sourceNames[m.source], FullName: name, SoftwareType: typ, IsIgnored: ignored, IgnoredReason: reason,
		Category: prod.cat1 + " / " + prod.cat2, Category1: prod.cat1, Category2: prod.cat2, ProductName: name, Component: component,
		Publisher: publisher, Edition: "Unknown", MarketVersion: marketVersion(version), Version: version, Update: update,
		Architecture: arch, InstallDate: sp(isoMs(inst)), InstallPath: spIf(installPath != "", installPath), LastUpdated: sp(isoMs(upd)),
		LastUseDate: lastUse, Language: lang, FormerlyKnownAs: fka, IsPackage: linux || p.family == famUnix, PackageName: pkgName,
		ProductURL: url, Lifecycle: lc, SupportStageDesc: stageDesc, License: lic, Authorization: auth,
		DiscoveredPublisher: publisher, DiscoveredName: name, DiscoveredVersion: discVersion, AuthorizationDetectionScore: r.IntN(11),
		CpeID: cpeID, Cpe: cpe, CpeType: cpeType,
	}
	if prod.server && m.source == srcAgent {
		bin := path.Join(strings.ReplaceAll(installPath, `\`, "/"), strings.Fields(strings.ToLower(name))[0])
		conf := "/etc/" + name + "/" + name + ".conf"
		if p.family == famWindows {
			conf = installPath + `\conf\` + strings.Fields(name)[0] + ".conf"
		}
		sw.SoftwareInstances = []softwareInstance{{
			FirstSeen: isoMs(inst), LastSeen: isoMs(d.sensorUpd), InstanceName: strings.ToUpper(strings.Fields(name)[0]),
			PROC:    fmt.Sprintf("%7d       1 root     %s", 300+r.IntN(30000), bin),
			BinPath: bin, Product: name, Version: version, Technology: prod.cat2, ConfPath: conf,
		}}
	}
	return sw
}

// stageMs classifies a lifecycle given unix-ms dates (0 = unknown).
func (g *gen) stageMs(ga, eos, eol int64) (stage string, eosStage, eolStage *string) {
	now := g.ds.anchorMs
	switch {
	case eol != 0 && eol < now:
		return "EOL", sp("End of Life"), sp("End of Life")
	case eos != 0 && eos < now:
		return "EOS", sp("End of Support"), sp("Extended Support")
	case ga != 0:
		return "GA", sp("Mainstream Support"), sp("Mainstream Support")
	}
	return "Unknown", nil, nil
}
