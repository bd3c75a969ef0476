package qualyssim

import (
	"fmt"
	"strconv"
	"strings"
)

// assetKeys are the top-level keys of a CSAM asset, in the order the real API
// (as recorded in the Elastic mock) emits them. includeFields/excludeFields
// name these keys.
var assetKeys = [...]string{
	"assetId", "assetUUID", "hostId", "lastModifiedDate", "agentId", "createdDate", "sensorLastUpdatedDate",
	"assetType", "address", "dnsName", "assetName", "netbiosName", "timeZone", "biosDescription", "lastBoot",
	"totalMemory", "cpuCount", "lastLoggedOnUser", "domainRole", "hwUUID", "biosSerialNumber", "biosAssetTag",
	"isContainerHost", "operatingSystem", "hardware", "userAccountListData", "openPortListData", "volumeListData",
	"networkInterfaceListData", "softwareListData", "softwareComponent", "provider", "cloudProvider", "agent",
	"sensor", "container", "inventory", "inventory_list_data", "activity", "tagList", "serviceList", "lastLocation",
	"criticality", "businessInformation", "assignedLocation", "businessAppListData", "riskScore", "domain",
	"subdomain", "missingSoftware", "whois", "organizationName", "isp", "asn", "easmTags", "hostingCategory1",
	"customAttributes", "lparId", "processor",
}

func assetKeyIndex(k string) int {
	for i, x := range assetKeys {
		if x == k {
			return i
		}
	}
	return -1
}

// nullable helpers
func sp(s string) *string { return &s }
func spIf(ok bool, s string) *string {
	if !ok {
		return nil
	}
	return &s
}
func ip64(v int64) *int64 { return &v }

// absent marks a key the asset does not carry at all.
type absentT struct{}

var absent = absentT{}

// value returns the JSON value of a top-level key of the loaded asset, or
// absent when the asset has no such key.
func (g *gen) value(key string) any {
	p, m, d := g.p, g.m, &g.d
	agent := m.source == srcAgent
	switch key {
	case "assetId":
		return g.id
	case "assetUUID":
		return d.uuid
	case "hostId":
		if !m.hostID {
			return nil
		}
		return d.hostID
	case "lastModifiedDate":
		return isoMs(m.lastMod)
	case "agentId":
		if !agent {
			return nil
		}
		return d.uuid
	case "createdDate":
		return isoMs(d.created)
	case "sensorLastUpdatedDate":
		return isoMs(d.sensorUpd)
	case "assetType":
		return "HOST"
	case "address":
		return d.ip
	case "dnsName":
		return d.fqdn
	case "assetName":
		if m.source == srcEASM {
			return d.fqdn
		}
		return d.hostname
	case "netbiosName":
		if d.netbios == "" {
			return nil
		}
		return d.netbios
	case "timeZone":
		if m.cloud != cloudNone || p.family == famNetwork {
			return "+00:00"
		}
		return locations[d.loc].tz
	case "biosDescription":
		if m.source == srcEASM {
			return nil
		}
		return d.biosDesc
	case "lastBoot":
		if m.source == srcEASM {
			return nil
		}
		return isoMs(d.lastBoot)
	case "totalMemory":
		if m.source == srcEASM {
			return 0
		}
		return d.memMB
	case "cpuCount":
		if m.source == srcEASM {
			return 0
		}
		return d.sockets * d.cores * d.threads
	case "lastLoggedOnUser":
		return g.lastUser()
	case "domainRole":
		if p.family != famWindows {
			return nil
		}
		if m.role == roleDC {
			return pick(g.stream(key), []string{"Primary Domain Controller", "Backup Domain Controller"})
		}
		return pick(g.stream(key), domainRoles[p.server])
	case "hwUUID":
		if m.source == srcEASM {
			return nil
		}
		return d.hwUUID
	case "biosSerialNumber":
		if m.source == srcEASM {
			return nil
		}
		return d.serial
	case "biosAssetTag":
		r := g.stream(key)
		switch {
		case d.hw.category2 == "Virtual Machine":
			return "No Asset Tag"
		case r.IntN(100) < 50:
			return "ACME-" + digits(r, 6)
		default:
			return nil
		}
	case "isContainerHost":
		return m.role == roleContainer
	case "operatingSystem":
		return g.operatingSystem()
	case "hardware":
		return g.hardware()
	case "userAccountListData":
		return g.userAccounts()
	case "openPortListData":
		return g.openPorts()
	case "volumeListData":
		return g.volumes()
	case "networkInterfaceListData":
		return g.interfaces()
	case "softwareListData":
		return softwareListData{Software: g.software()}
	case "softwareComponent":
		if m.source != srcEASM {
			return absent
		}
		return pick(g.stream(key), []string{"Apache HTTP Server", "nginx", "Microsoft IIS", "OpenSSL"})
	case "provider":
		switch m.cloud {
		case cloudAWS:
			return "AWS"
		case cloudAzure:
			return "AZURE"
		case cloudGCP:
			return "GCP"
		}
		return nil
	case "cloudProvider":
		return g.cloudProvider()
	case "agent":
		return g.agent()
	case "sensor":
		return g.sensor()
	case "container":
		return g.container()
	case "inventory":
		return inventory{Source: sourceNames[m.source], Created: d.created, LastUpdated: d.sensorUpd}
	case "inventory_list_data":
		return g.inventoryList()
	case "activity":
		return activity{Source: sourceNames[m.source], LastScannedDate: d.sensorUpd - g.stream(key).Int64N(msPerDay)/1000*1000}
	case "tagList":
		return g.tagList()
	case "serviceList":
		return g.services()
	case "lastLocation":
		return g.lastLocation()
	case "criticality":
		return g.criticality()
	case "businessInformation":
		return g.businessInformation()
	case "assignedLocation":
		r := g.stream(key)
		if r.IntN(100) >= 60 {
			return nil
		}
		l := locations[d.loc]
		return assignedLocation{Name: l.name, City: l.city, State: l.state, Country: l.country}
	case "businessAppListData":
		return g.businessApps()
	case "riskScore":
		r := g.stream(key)
		if r.IntN(100) < 30 {
			return 0
		}
		u := r.Float64()
		return int(1000 * u * u)
	case "domain", "subdomain", "whois", "organizationName", "isp", "asn", "easmTags", "hostingCategory1":
		if m.source != srcEASM {
			return absent
		}
		return g.easm(key)
	case "missingSoftware":
		r := g.stream(key)
		if !agent || r.IntN(100) >= 12 {
			return absent
		}
		all := []string{"CrowdStrike Falcon Sensor", "Microsoft Defender for Endpoint", "Splunk Universal Forwarder", "Tanium Client", "BitLocker Drive Encryption"}
		return all[:1+r.IntN(3)]
	case "customAttributes":
		return g.customAttributes()
	case "lparId":
		if p.family != famUnix {
			return absent
		}
		return strconv.Itoa(1 + g.stream(key).IntN(40))
	case "processor":
		if m.source == srcEASM {
			return nil
		}
		mt := "Disabled"
		if d.threads > 1 {
			mt = "Enabled"
		}
		return processor{Description: d.cpu.desc, Speed: d.cpu.mhz, NumCPUs: d.sockets * d.cores, NoOfSocket: d.sockets, ThreadsPerCore: d.threads, CoresPerSocket: d.cores, MultithreadingStatus: mt}
	}
	return absent
}

func (g *gen) lastUser() any {
	p, m, d := g.p, g.m, &g.d
	if p.family == famNetwork || m.source == srcEASM {
		return nil
	}
	r := g.stream("lastLoggedOnUser")
	switch p.family {
	case famWindows:
		if p.server {
			return pick(r, []string{`CORP\adm-` + d.first[:1] + d.last, `CORP\svc_backup`, `CORP\Administrator`, `CORP\svc_sccm`})
		}
		return `CORP\` + d.first[:1] + d.last
	case famMac:
		return d.first[:1] + d.last
	case famUnix:
		return pick(r, []string{"root", "oracle", "db2inst1"})
	}
	if m.cloud == cloudAWS {
		return pick(r, []string{"ec2-user", "ubuntu", "ssm-user"})
	}
	return pick(r, []string{"root", d.first[:1] + d.last, "ansible", "deploy"})
}

// --- JSON shapes (field order follows the real payload) ---

type osLifecycle struct {
	GaDate              *string `json:"gaDate"`
	EolDate             *string `json:"eolDate"`
	EosDate             *string `json:"eosDate"`
	Stage               string  `json:"stage"`
	LifeCycleConfidence string  `json:"lifeCycleConfidence"`
	EolSupportStage     *string `json:"eolSupportStage"`
	EosSupportStage     *string `json:"eosSupportStage"`
	DetectionScore      int     `json:"detectionScore"`
}

type taxonomy struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Category1 string `json:"category1"`
	Category2 string `json:"category2"`
}

type operatingSystem struct {
	OsName        string      `json:"osName"`
	FullName      string      `json:"fullName"`
	Category      string      `json:"category"`
	Category1     string      `json:"category1"`
	Category2     string      `json:"category2"`
	ProductName   string      `json:"productName"`
	Publisher     string      `json:"publisher"`
	Edition       string      `json:"edition"`
	MarketVersion string      `json:"marketVersion"`
	Version       string      `json:"version"`
	Update        string      `json:"update"`
	Architecture  string      `json:"architecture"`
	Lifecycle     osLifecycle `json:"lifecycle"`
	Taxonomy      taxonomy    `json:"taxonomy"`
	ProductURL    string      `json:"productUrl"`
	ProductFamily string      `json:"productFamily"`
	InstallDate   *string     `json:"installDate"`
	Release       string      `json:"release"`
	CpeID         string      `json:"cpeId"`
	Cpe           string      `json:"cpe"`
	CpeType       string      `json:"cpeType"`
}

func (g *gen) stageOf(ga, eos, eol string) (stage string, eosStage, eolStage *string) {
	return g.stageMs(dateMs(ga), dateMs(eos), dateMs(eol))
}

func (g *gen) operatingSystem() any {
	p := g.p
	stage, eosS, eolS := g.stageOf(p.gaDate, p.eosDate, p.eolDate)
	conf := "Exact"
	if p.eolDate == "" {
		conf = "Not Available"
	}
	h := hashString(0, p.fullName)
	arch := p.arch
	if p.family == famWindows && g.stream("operatingSystem").IntN(100) < 3 {
		arch = "32-Bit"
	}
	return operatingSystem{
		OsName: p.osName, FullName: p.fullName, Category: "Operating System / " + p.category1,
		Category1: p.category1, Category2: p.category2, ProductName: p.productName, Publisher: p.publisher,
		Edition: p.edition, MarketVersion: p.marketVersion, Version: p.version, Update: p.update, Architecture: arch,
		Lifecycle: osLifecycle{GaDate: isoDate(p.gaDate), EolDate: isoDate(p.eolDate), EosDate: isoDate(p.eosDate), Stage: stage,
			LifeCycleConfidence: conf, EolSupportStage: eolS, EosSupportStage: eosS, DetectionScore: 100},
		Taxonomy:   taxonomy{ID: strconv.FormatUint(h%900000+100000, 10), Name: p.productFamily, Category1: "Operating System", Category2: p.category1},
		ProductURL: p.productURL, ProductFamily: p.productFamily, InstallDate: sp(isoMs(g.d.created - 2*msPerDay)),
		Release: p.release, CpeID: strconv.FormatUint(h%9000000+1000000, 10), Cpe: p.cpe, CpeType: "Operating System",
	}
}

type hwLifecycle struct {
	IntroDate           *string `json:"introDate"`
	GaDate              *string `json:"gaDate"`
	EosDate             *string `json:"eosDate"`
	ObsoleteDate        *string `json:"obsoleteDate"`
	Stage               string  `json:"stage"`
	LifeCycleConfidence string  `json:"lifeCycleConfidence"`
}

type hardware struct {
	FullName      string      `json:"fullName"`
	Category      string      `json:"category"`
	Category1     string      `json:"category1"`
	Category2     string      `json:"category2"`
	Manufacturer  string      `json:"manufacturer"`
	ProductName   string      `json:"productName"`
	Model         string      `json:"model"`
	Lifecycle     hwLifecycle `json:"lifecycle"`
	Taxonomy      taxonomy    `json:"taxonomy"`
	ProductURL    *string     `json:"productUrl"`
	ProductFamily string      `json:"productFamily"`
}

func (g *gen) hardware() any {
	hw := g.d.hw
	if g.m.source == srcEASM {
		return nil
	}
	lc := hwLifecycle{Stage: "Not Applicable", LifeCycleConfidence: "Not Available"}
	if hw.category2 != "Virtual Machine" {
		ga := dateMs(hw.gaDate)
		lc = hwLifecycle{IntroDate: isoDate(hw.gaDate), GaDate: isoDate(hw.gaDate), EosDate: sp(isoMs(ga + 5*365*msPerDay)),
			ObsoleteDate: sp(isoMs(ga + 7*365*msPerDay)), Stage: "GA", LifeCycleConfidence: "Exact"}
		if ga+5*365*msPerDay < g.ds.anchorMs {
			lc.Stage = "EOS"
		}
	}
	h := hashString(0, hw.productName)
	var url *string
	if hw.manufacturer != "" {
		url = sp("https://www." + strings.ToLower(strings.Fields(hw.manufacturer)[0]) + ".com")
	}
	return hardware{
		FullName: hw.manufacturer + " " + hw.productName, Category: hw.category1 + " / " + hw.category2,
		Category1: hw.category1, Category2: hw.category2, Manufacturer: hw.manufacturer, ProductName: hw.productName,
		Model: hw.model, Lifecycle: lc,
		Taxonomy:   taxonomy{ID: strconv.FormatUint(h%900000+100000, 10), Name: hw.family, Category1: hw.category1, Category2: hw.category2},
		ProductURL: url, ProductFamily: hw.family,
	}
}

type named struct {
	Name string `json:"name"`
}
type userAccountListData struct {
	UserAccount []named `json:"userAccount"`
}

func (g *gen) userAccounts() any {
	p, m, d := g.p, g.m, &g.d
	if m.source != srcAgent {
		return absent
	}
	r := g.stream("userAccountListData")
	var names []string
	switch p.family {
	case famWindows:
		names = []string{"Administrator", "Guest", "DefaultAccount", "WDAGUtilityAccount"}
		if !p.server {
			names = append(names, d.first[:1]+d.last)
		} else {
			names = append(names, "svc_backup", "svc_monitor")
		}
	case famMac:
		names = []string{"root", "daemon", "nobody", "_www", d.first[:1] + d.last}
	case famUnix:
		names = []string{"root", "daemon", "bin", "sys", "adm", "guest", "nobody", "oracle", "db2inst1"}
	default:
		names = []string{"root", "daemon", "bin", "sys", "sync", "nobody", "systemd-network", "sshd", "chrony"}
		if m.cloud == cloudAWS {
			names = append(names, "ec2-user", "ssm-user")
		}
		names = append(names, d.first[:1]+d.last)
	}
	n := len(names) - r.IntN(2)
	out := make([]named, n)
	for k := range out {
		out[k] = named{names[k]}
	}
	return userAccountListData{out}
}

type openPort struct {
	Port             int     `json:"port"`
	Description      string  `json:"description"`
	Protocol         string  `json:"protocol"`
	DetectedService  string  `json:"detectedService"`
	FirstFound       string  `json:"firstFound"`
	LastUpdated      string  `json:"lastUpdated"`
	Authorization    *string `json:"authorization"`
	DetectionScore   int     `json:"detectionScore"`
	DiscoverySources string  `json:"discoverySources"`
}
type openPortListData struct {
	OpenPort []openPort `json:"openPort"`
}

func (g *gen) openPorts() any {
	p, m, d := g.p, g.m, &g.d
	r := g.stream("openPortListData")
	base := basePorts(p)
	if m.source == srcEASM {
		base = nil
	}
	ports := append([]portDef(nil), base...)
	for _, pd := range rolePorts[int(m.role)] {
		if r.IntN(100) < 70 {
			ports = append(ports, pd)
		}
	}
	if len(ports) == 0 {
		ports = rolePorts[roleWeb]
	}
	if r.IntN(100) < 5 {
		return absent
	}
	out := make([]openPort, 0, len(ports))
	for _, pd := range ports {
		first := d.created + r.Int64N(max(1, m.lastMod-d.created))
		var auth *string
		switch v := r.IntN(100); {
		case v < 70:
			auth = sp("Authorized")
		case v < 75:
			auth = sp("Unauthorized")
		}
		out = append(out, openPort{Port: pd.port, Description: pd.dsc, Protocol: pd.proto, DetectedService: pd.svc,
			FirstFound: isoMs(first / 1000 * 1000), LastUpdated: isoMs(d.sensorUpd), Authorization: auth,
			DetectionScore: 50 + r.IntN(51), DiscoverySources: sourceNames[m.source]})
	}
	return openPortListData{out}
}

type volume struct {
	Name string `json:"name"`
	Free int64  `json:"free"`
	Size int64  `json:"size"`
}
type volumeListData struct {
	Volume []volume `json:"volume"`
}

func (g *gen) volumes() any {
	p, m := g.p, g.m
	if m.source != srcAgent {
		return absent
	}
	r := g.stream("volumeListData")
	var names []string
	switch p.family {
	case famWindows:
		names = []string{"C:"}
		if p.server && r.IntN(100) < 60 {
			names = append(names, "D:")
		}
		if m.role == roleDB || m.role == roleFile {
			names = append(names, "E:")
		}
	case famMac:
		names = []string{"/", "/System/Volumes/Data"}
	case famUnix:
		names = []string{"/", "/usr", "/var", "/tmp", "/home", "/opt"}
	default:
		names = []string{"/", "/boot"}
		if r.IntN(100) < 50 {
			names = append(names, "/var", "/home")
		}
		names = append(names, "/run/lock")
	}
	out := make([]volume, len(names))
	for k, n := range names {
		size := int64(pick(r, []int{32, 64, 100, 128, 256, 512, 1024})) << 30
		if n == "/boot" || n == "/run/lock" {
			size = pick(r, []int64{1 << 30, 5 << 20})
		}
		out[k] = volume{Name: n, Size: size, Free: int64(float64(size) * (0.05 + 0.9*r.Float64()))}
	}
	return volumeListData{out}
}

type networkInterface struct {
	Hostname           string  `json:"hostname"`
	AddressIPV4        *string `json:"addressIpV4"`
	AddressIPV6        *string `json:"addressIpV6"`
	MacAddress         string  `json:"macAddress"`
	InterfaceName      string  `json:"interfaceName"`
	DNSAddress         *string `json:"dnsAddress"`
	GatewayAddress     *string `json:"gatewayAddress"`
	Manufacturer       *string `json:"manufacturer"`
	MacVendorIntroDate *int64  `json:"macVendorIntroDate"`
	Netmask            *string `json:"netmask"`
	Addresses          string  `json:"addresses"`
}
type networkInterfaceListData struct {
	NetworkInterface []networkInterface `json:"networkInterface"`
}

func (g *gen) interfaces() any {
	p, m, d := g.p, g.m, &g.d
	if m.source == srcEASM {
		return absent
	}
	r := g.stream("networkInterfaceListData")
	name := "eth0"
	switch {
	case p.family == famWindows:
		name = pick(r, []string{"Ethernet0", "Ethernet", "Ethernet 2", "vmxnet3 Ethernet Adapter"})
	case p.family == famMac:
		name = "en0"
	case p.family == famNetwork:
		name = pick(r, []string{"GigabitEthernet0/0/0", "mgmt0", "ethernet1/1", "port1"})
	case p.family == famUnix:
		name = "en0"
	case d.hw.manufacturer == "VMware":
		name = "ens192"
	}
	gw := d.ip[:strings.LastIndex(d.ip, ".")] + ".1"
	var vendor *string
	var intro *int64
	if d.macVendor != "" {
		vendor, intro = sp(d.macVendor), ip64(d.macIntro)
	}
	nics := []networkInterface{{
		Hostname: d.hostname, AddressIPV4: sp(d.ip), AddressIPV6: spIf(d.ipv6 != "", d.ipv6), MacAddress: d.mac,
		InterfaceName: name, DNSAddress: sp(gw[:strings.LastIndex(gw, ".")] + ".10"), GatewayAddress: sp(gw),
		Manufacturer: vendor, MacVendorIntroDate: intro, Netmask: sp("255.255.255.0"), Addresses: d.ip + "," + d.ipv6,
	}}
	if r.IntN(100) < 15 {
		mac, v, t := macFor(r, d.hw, m.cloud, g.ds.w.macTail(g.u, 1))
		ip := fmt.Sprintf("10.%d.%d.%d", 200+r.IntN(50), r.IntN(256), 2+r.IntN(252))
		nics = append(nics, networkInterface{Hostname: d.hostname, AddressIPV4: sp(ip), MacAddress: mac, InterfaceName: name + "-backup",
			Manufacturer: spIf(v != "", v), MacVendorIntroDate: ipIf(t != 0, t), Netmask: sp("255.255.0.0"), Addresses: ip})
	}
	if p.family == famWindows && r.IntN(100) < 20 {
		nics = append(nics, networkInterface{Hostname: d.hostname, AddressIPV6: sp("fe80::5efe:" + d.ip), MacAddress: "00:00:00:00:00:00",
			InterfaceName: "Microsoft ISATAP Adapter", Addresses: "fe80::5efe:" + d.ip})
	}
	if m.role == roleContainer {
		nics = append(nics, networkInterface{Hostname: d.hostname, AddressIPV4: sp("172.17.0.1"), MacAddress: "02:42:" + fmt.Sprintf("%02x:%02x:%02x:%02x", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256)),
			InterfaceName: "docker0", Netmask: sp("255.255.0.0"), Addresses: "172.17.0.1"})
	}
	for k, j := range junkNICMACs {
		if d.junkNICs&(1<<k) != 0 {
			nics = append(nics, networkInterface{Hostname: d.hostname, MacAddress: j.mac, InterfaceName: j.name})
		}
	}
	return networkInterfaceListData{nics}
}

func ipIf(ok bool, v int64) *int64 {
	if !ok {
		return nil
	}
	return &v
}

type keyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type awsEC2 struct {
	AccountID        string  `json:"accountId"`
	AvailabilityZone string  `json:"availabilityZone"`
	HasAgent         bool    `json:"hasAgent"`
	Hostname         string  `json:"hostname"`
	ImageID          string  `json:"imageId"`
	InstanceID       string  `json:"instanceId"`
	InstanceState    string  `json:"instanceState"`
	InstanceType     string  `json:"instanceType"`
	QualysScanner    bool    `json:"qualysScanner"`
	KernelID         *string `json:"kernelId"`
	Launchdate       int64   `json:"launchdate"`
	PrivateDNS       string  `json:"privateDNS"`
	PrivateIPAddress string  `json:"privateIpAddress"`
	PublicDNS        *string `json:"publicDNS"`
	PublicIPAddress  *string `json:"publicIpAddress"`
	Region           struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"region"`
	SpotInstance bool   `json:"spotInstance"`
	SubnetID     string `json:"subnetId"`
	VpcID        string `json:"vpcId"`
}
type awsCloud struct {
	EC2  awsEC2     `json:"ec2"`
	Tags []keyValue `json:"tags"`
}
type azureVM struct {
	VMID              string  `json:"vmId"`
	Name              string  `json:"name"`
	Hostname          string  `json:"hostname"`
	Location          string  `json:"location"`
	ResourceGroupName string  `json:"resourceGroupName"`
	SubscriptionID    string  `json:"subscriptionId"`
	VMSize            string  `json:"vmSize"`
	State             string  `json:"state"`
	OsType            string  `json:"osType"`
	ImageOffer        string  `json:"imageOffer"`
	ImagePublisher    string  `json:"imagePublisher"`
	ImageVersion      string  `json:"imageVersion"`
	MacAddress        string  `json:"macAddress"`
	PrivateIPAddress  string  `json:"privateIpAddress"`
	PublicIPAddress   *string `json:"publicIpAddress"`
}
type azureCloud struct {
	VM   azureVM    `json:"vm"`
	Tags []keyValue `json:"tags"`
}
type gcpCompute struct {
	Hostname         string  `json:"hostname"`
	InstanceID       string  `json:"instanceId"`
	MacAddress       string  `json:"macAddress"`
	MachineType      string  `json:"machineType"`
	Network          string  `json:"network"`
	PrivateIPAddress string  `json:"privateIpAddress"`
	ProjectID        string  `json:"projectId"`
	ProjectNumber    string  `json:"projectNumber"`
	PublicIPAddress  *string `json:"publicIpAddress"`
	Zone             string  `json:"zone"`
	State            string  `json:"state"`
	ImageID          string  `json:"imageId"`
}
type gcpCloud struct {
	Compute gcpCompute `json:"compute"`
	Tags    []keyValue `json:"tags"`
}
type cloudProvider struct {
	AWS     *awsCloud   `json:"aws"`
	Azure   *azureCloud `json:"azure"`
	GCP     *gcpCloud   `json:"gcp"`
	OCI     any         `json:"oci"`
	IBM     any         `json:"ibm"`
	Alibaba any         `json:"alibaba"`
}

func (g *gen) cloudProvider() any {
	m, d, p := g.m, &g.d, g.p
	if m.cloud == cloudNone {
		return nil
	}
	r := g.stream("cloudProvider")
	tags := []keyValue{{"Name", d.hostname}, {"Environment", strings.ToLower(d.env)}, {"Owner", d.first + "." + d.last + "@example.com"}}
	if r.IntN(2) == 0 {
		tags = append(tags, keyValue{"CostCenter", "CC-" + digits(r, 4)})
	}
	pub := spIf(d.publicIP != "", d.publicIP)
	state := pick(r, []string{"RUNNING", "RUNNING", "RUNNING", "RUNNING", "STOPPED"})
	var cp cloudProvider
	switch m.cloud {
	case cloudAWS:
		reg := awsRegions[int(hashKey(uint64(g.iseed), "awsregion", uint64(g.rid>>20))%uint64(len(awsRegions)))]
		e := awsEC2{AccountID: pick(r, []string{"123456789012", "210987654321", "345678901234"}), AvailabilityZone: reg.code + pick(r, []string{"a", "b", "c"}),
			HasAgent: m.source == srcAgent, Hostname: d.hostname, ImageID: "ami-0" + hexStr(r, 16), InstanceID: "i-0" + hexStr(r, 16),
			InstanceState: state, InstanceType: pick(r, awsTypes), Launchdate: d.created + r.Int64N(msPerDay)/1000*1000,
			PrivateDNS: "ip-" + strings.ReplaceAll(d.ip, ".", "-") + ".ec2.internal", PrivateIPAddress: d.ip, PublicIPAddress: pub,
			SpotInstance: r.IntN(100) < 10, SubnetID: "subnet-0" + hexStr(r, 16), VpcID: "vpc-0" + hexStr(r, 16)}
		if pub != nil {
			e.PublicDNS = sp("ec2-" + strings.ReplaceAll(*pub, ".", "-") + ".compute-1.amazonaws.com")
		}
		e.InstanceID = e.InstanceID[:7] + g.ds.w.node48(g.u, "ec2id")
		if d.template {
			e.InstanceID = templateInstanceID
		}
		e.Region.Code, e.Region.Name = reg.code, reg.name
		cp.AWS = &awsCloud{EC2: e, Tags: tags}
	case cloudAzure:
		offer, pubr := "0001-com-ubuntu-server-jammy", "Canonical"
		ostype := "Linux"
		if p.family == famWindows {
			offer, pubr, ostype = "WindowsServer", "MicrosoftWindowsServer", "Windows"
		}
		cp.Azure = &azureCloud{VM: azureVM{VMID: uuidFrom(r), Name: d.hostname, Hostname: d.hostname, Location: pick(r, azureRegions),
			ResourceGroupName: "rg-" + roleName(int(m.role)) + "-" + strings.ToLower(d.env[:4]), SubscriptionID: pick(r, []string{"9f0b2c7e-1d3a-4e5f-8a6b-7c8d9e0f1a2b", "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d"}),
			VMSize: pick(r, azureSizes), State: state, OsType: ostype, ImageOffer: offer, ImagePublisher: pubr, ImageVersion: "latest",
			MacAddress: strings.ToUpper(strings.ReplaceAll(d.mac, ":", "-")), PrivateIPAddress: d.ip, PublicIPAddress: pub}, Tags: tags}
		cp.Azure.VM.VMID = cp.Azure.VM.VMID[:24] + g.ds.w.node48(g.u, "azurevm")
		if d.template {
			cp.Azure.VM.VMID = templateInstanceID
		}
	case cloudGCP:
		img := "projects/debian-cloud/global/images/debian-12-bookworm-v20240312"
		if p.family == famWindows {
			img = "projects/windows-cloud/global/images/windows-server-2022-dc-v20240313"
		}
		cp.GCP = &gcpCloud{Compute: gcpCompute{Hostname: d.hostname + "." + d.domain, InstanceID: digits(r, 19), MacAddress: d.mac,
			MachineType: pick(r, gcpTypes), Network: pick(r, []string{"default", "vpc-prod", "vpc-shared"}), PrivateIPAddress: d.ip,
			ProjectID: "example-prod-" + digits(r, 6), ProjectNumber: digits(r, 12), PublicIPAddress: pub, Zone: pick(r, gcpZones),
			State: state, ImageID: img}, Tags: tags}
		cp.GCP.Compute.InstanceID = cp.GCP.Compute.InstanceID[:7] + g.ds.w.code(g.u, "gcpid", 12, digitChars, digitChars)
		if d.template {
			cp.GCP.Compute.InstanceID = templateInstanceID
		}
	}
	return cp
}

type activation struct {
	Key    string `json:"key"`
	Status string `json:"status"`
}
type agentInfo struct {
	Version              string       `json:"version"`
	ConfigurationProfile string       `json:"configurationProfile"`
	Activations          []activation `json:"activations"`
	ConnectedFrom        string       `json:"connectedFrom"`
	LastActivity         int64        `json:"lastActivity"`
	LastCheckedIn        int64        `json:"lastCheckedIn"`
	LastInventory        int64        `json:"lastInventory"`
	UdcManifestAssigned  bool         `json:"udcManifestAssigned"`
	ErrorStatus          bool         `json:"errorStatus"`
}

func (g *gen) agent() any {
	p, m, d := g.p, g.m, &g.d
	if m.source != srcAgent {
		return nil
	}
	r := g.stream("agent")
	profile := map[osFamily]string{famWindows: "Default Windows Profile", famLinux: "Linux Servers Profile", famMac: "macOS Workstations", famUnix: "AIX Profile"}[p.family]
	if p.family == famWindows && !p.server {
		profile = "Workstations Profile"
	}
	var acts []activation
	if r.IntN(100) < 92 {
		for _, k := range []string{"VM", "PC", "SCA", "PM", "FIM", "EDR"} {
			switch v := r.IntN(100); {
			case k == "VM" || v < 40:
				acts = append(acts, activation{k, "ACTIVE"})
			case v < 45:
				acts = append(acts, activation{k, "INACTIVE"})
			}
		}
	}
	checked := d.sensorUpd - r.Int64N(6*msPerHour)/1000*1000
	return agentInfo{Version: d.agentVersion, ConfigurationProfile: profile, Activations: acts, ConnectedFrom: d.connectedFrom,
		LastActivity: checked, LastCheckedIn: checked, LastInventory: d.sensorUpd, UdcManifestAssigned: r.IntN(100) < 20, ErrorStatus: r.IntN(100) < 3}
}

type sensor struct {
	ActivatedForModules         []string `json:"activatedForModules"`
	PendingActivationForModules []string `json:"pendingActivationForModules"`
	LastVMScan                  int64    `json:"lastVMScan"`
	LastComplianceScan          int64    `json:"lastComplianceScan"`
	LastFullScan                int64    `json:"lastFullScan"`
	LastVMScanDateScanner       int64    `json:"lastVmScanDateScanner"`
	LastVMScanDateAgent         int64    `json:"lastVmScanDateAgent"`
	LastPcScanDateScanner       int64    `json:"lastPcScanDateScanner"`
	LastPcScanDateAgent         int64    `json:"lastPcScanDateAgent"`
	FirstEasmScanDate           *int64   `json:"firstEasmScanDate"`
	LastEasmScanDate            *int64   `json:"lastEasmScanDate"`
}

func (g *gen) sensor() any {
	m, d := g.m, &g.d
	r := g.stream("sensor")
	s := sensor{ActivatedForModules: []string{}, PendingActivationForModules: []string{}}
	scan := func() int64 { return (d.sensorUpd - r.Int64N(14*msPerDay)) / 1000 * 1000 }
	switch m.source {
	case srcAgent:
		s.ActivatedForModules = []string{"VM", "PC", "CSAM"}
		if r.IntN(100) < 20 {
			s.PendingActivationForModules = []string{"PM"}
		}
		s.LastVMScanDateAgent = scan()
		s.LastPcScanDateAgent = scan()
		s.LastVMScan = s.LastVMScanDateAgent
		s.LastComplianceScan = s.LastPcScanDateAgent
		s.LastFullScan = scan()
	case srcScanner:
		s.ActivatedForModules = []string{"VM"}
		s.LastVMScanDateScanner = scan()
		s.LastVMScan = s.LastVMScanDateScanner
		if r.IntN(100) < 40 {
			s.LastPcScanDateScanner = scan()
			s.LastComplianceScan = s.LastPcScanDateScanner
		}
	case srcConnector:
		s.ActivatedForModules = []string{"CSAM"}
	case srcEASM:
		s.ActivatedForModules = []string{"EASM"}
		first, last := d.created, d.sensorUpd
		s.FirstEasmScanDate, s.LastEasmScanDate = &first, &last
	}
	return s
}

type container struct {
	Product        string `json:"product"`
	Version        string `json:"version"`
	NoOfContainers int    `json:"noOfContainers"`
	NoOfImages     int    `json:"noOfImages"`
	HasSensor      string `json:"hasSensor"`
}

func (g *gen) container() any {
	if g.m.role != roleContainer {
		return nil
	}
	r := g.stream("container")
	prod := pick(r, []string{"Docker", "Docker", "containerd", "Podman"})
	ver := map[string]string{"Docker": pick(r, []string{"24.0.7", "25.0.4", "26.0.0"}), "containerd": "1.6.28", "Podman": "4.6.1"}[prod]
	return container{Product: prod, Version: ver, NoOfContainers: r.IntN(60), NoOfImages: 1 + r.IntN(40), HasSensor: pick(r, []string{"true", "false"})}
}

type inventory struct {
	Source      string `json:"source"`
	Created     int64  `json:"created"`
	LastUpdated int64  `json:"lastUpdated"`
}
type inventoryEntry struct {
	LastUpdated string `json:"last_updated"`
	Created     string `json:"created"`
	Source      string `json:"source"`
}
type inventoryListData struct {
	Inventory []inventoryEntry `json:"inventory"`
}

func (g *gen) inventoryList() any {
	m, d := g.m, &g.d
	r := g.stream("inventory_list_data")
	if m.source != srcEASM && r.IntN(100) >= 20 {
		return absent
	}
	out := []inventoryEntry{{LastUpdated: isoMs(d.sensorUpd), Created: isoMs(d.created), Source: sourceNames[m.source]}}
	if m.source == srcAgent && r.IntN(2) == 0 {
		out = append(out, inventoryEntry{LastUpdated: isoMs(d.sensorUpd - msPerDay), Created: isoMs(d.created + msPerDay), Source: "IP SCANNER"})
	}
	return inventoryListData{out}
}

type activity struct {
	Source          string `json:"source"`
	LastScannedDate int64  `json:"lastScannedDate"`
}

type tag struct {
	TagID            int64   `json:"tagId"`
	TagName          string  `json:"tagName"`
	ForegroundColor  int     `json:"foregroundColor"`
	BackgroundColor  int     `json:"backgroundColor"`
	BusinessImpact   *string `json:"businessImpact"`
	CriticalityScore *int    `json:"criticalityScore"`
}
type tagList struct {
	Tag []tag `json:"tag"`
}

var impactNames = [...]string{"", "Minor", "Low", "Medium", "High", "Critical"}

func (g *gen) tagList() any {
	if g.m.tags == 0 {
		return absent
	}
	var out []tag
	for k, t := range tagDefs {
		if g.m.tags&(1<<k) == 0 {
			continue
		}
		tg := tag{TagID: t.id, TagName: t.name, ForegroundColor: 0xFFFFFF, BackgroundColor: t.bg}
		if t.crit > 0 {
			c := t.crit
			tg.CriticalityScore, tg.BusinessImpact = &c, sp(impactNames[c])
		}
		if t.bg > 0xAAAAAA {
			tg.ForegroundColor = 0
		}
		out = append(out, tg)
	}
	return tagList{out}
}

type service struct {
	Description string `json:"description"`
	Name        string `json:"name"`
	Status      string `json:"status"`
}
type serviceList struct {
	Service []service `json:"service"`
}

func (g *gen) services() any {
	p, m := g.p, g.m
	if m.source != srcAgent || p.family == famMac {
		return absent
	}
	r := g.stream("serviceList")
	var defs []string
	windows := p.family == famWindows
	if windows {
		defs = append(append(defs, winServices...), winRoleSvc[int(m.role)]...)
	} else {
		defs = append(append(defs, linServices...), linRoleSvc[int(m.role)]...)
	}
	out := make([]service, 0, len(defs))
	for _, s := range defs {
		name, desc, _ := strings.Cut(s, "|")
		if r.IntN(100) < 15 {
			continue
		}
		status := "Running"
		if windows {
			if r.IntN(100) < 15 {
				status = "Stopped"
			}
		} else {
			status = pickWeighted(r, []string{"loaded/active/running", "loaded/active/exited", "loaded/inactive/dead", "loaded/failed/failed"}, []int{75, 15, 8, 2})
		}
		out = append(out, service{Description: desc, Name: name, Status: status})
	}
	return serviceList{out}
}

type lastLocation struct {
	City      string `json:"city"`
	State     string `json:"state"`
	Country   string `json:"country"`
	Name      string `json:"name"`
	Continent string `json:"continent"`
	Postal    string `json:"postal"`
}

func (g *gen) lastLocation() any {
	if g.p.server || g.p.family == famNetwork || g.m.source != srcAgent {
		return absent
	}
	r := g.stream("lastLocation")
	l := locations[(g.d.loc+r.IntN(2)*r.IntN(len(locations)))%len(locations)]
	return lastLocation{City: l.city, State: l.state, Country: l.country, Name: l.country, Continent: l.continent, Postal: l.postal}
}

type criticality struct {
	Score       int     `json:"score"`
	IsDefault   bool    `json:"isDefault"`
	LastUpdated *string `json:"lastUpdated"`
}

func (g *gen) criticality() any {
	score := 0
	for k, t := range tagDefs {
		if g.m.tags&(1<<k) != 0 && t.crit > score {
			score = t.crit
		}
	}
	if score == 0 {
		return criticality{Score: 2, IsDefault: true}
	}
	return criticality{Score: score, LastUpdated: sp(isoMs(g.d.created + (g.m.lastMod-g.d.created)/2/1000*1000))}
}

type businessInformation struct {
	Company           string `json:"company"`
	Department        string `json:"department"`
	OwnedBy           string `json:"ownedBy"`
	Environment       string `json:"environment"`
	ManagedBy         string `json:"managedBy"`
	SupportedBy       string `json:"supportedBy"`
	SupportGroup      string `json:"supportGroup"`
	OperationalStatus string `json:"operationalStatus"`
}

func (g *gen) businessInformation() any {
	r := g.stream("businessInformation")
	if r.IntN(100) >= 70 {
		return nil
	}
	return businessInformation{Company: pick(r, companies), Department: g.d.dept, OwnedBy: person(r), Environment: g.d.env,
		ManagedBy: person(r), SupportedBy: person(r), SupportGroup: pick(r, supportGrps), OperationalStatus: pick(r, opStatuses)}
}

type assignedLocation struct {
	Name    string `json:"name"`
	City    string `json:"city"`
	State   string `json:"state"`
	Country string `json:"country"`
}

type businessApp struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	Environment         string `json:"environment"`
	BusinessCriticality string `json:"businessCriticality"`
	ManagedBy           string `json:"managedBy"`
	OwnedBy             string `json:"ownedBy"`
	SupportedBy         string `json:"supportedBy"`
	SupportGroup        string `json:"supportGroup"`
	OperationalStatus   string `json:"operationalStatus"`
	Status              string `json:"status"`
	UsedFor             string `json:"usedFor"`
}
type businessAppListData struct {
	BusinessApp []businessApp `json:"businessApp"`
}

func (g *gen) businessApps() any {
	r := g.stream("businessAppListData")
	if !g.p.server || r.IntN(100) >= 35 {
		return nil
	}
	n := 1 + r.IntN(2)
	out := make([]businessApp, n)
	for k := range out {
		a := businessApps[r.IntN(len(businessApps))]
		out[k] = businessApp{ID: a.id, Name: a.name, Environment: g.d.env, BusinessCriticality: a.crit, ManagedBy: person(r), OwnedBy: person(r),
			SupportedBy: person(r), SupportGroup: pick(r, supportGrps), OperationalStatus: "Operational", Status: "Installed", UsedFor: g.d.env}
	}
	return businessAppListData{out}
}

type whois struct {
	Domain                 string `json:"domain"`
	CreatedDate            string `json:"createdDate"`
	Dnssec                 string `json:"dnssec"`
	DomainStatus           string `json:"domainStatus"`
	RegistrantOrganization string `json:"registrantOrganization"`
	RegistrantName         string `json:"registrantName"`
	RegistrantEmail        string `json:"registrantEmail"`
	RegistrantContact      string `json:"registrantContact"`
	Registrar              string `json:"registrar"`
	RegistrantCountry      string `json:"registrantCountry"`
	ExpirationDate         string `json:"expirationDate"`
	UpdatedDate            string `json:"updatedDate"`
}

func (g *gen) easm(key string) any {
	d := &g.d
	r := g.stream(key)
	switch key {
	case "domain":
		return []string{d.easmDomain}
	case "subdomain":
		return []string{d.fqdn}
	case "whois":
		return []whois{{Domain: d.easmDomain, CreatedDate: "1992-01-01T00:00:00.000Z", Dnssec: "unsigned",
			DomainStatus: "clientDeleteProhibited clientTransferProhibited clientUpdateProhibited", RegistrantOrganization: "Acme Corp",
			RegistrantName: "Domain Administrator", RegistrantEmail: "hostmaster@example.com", RegistrantContact: "Domain Administrator",
			Registrar: "Example Registrar, Inc.", RegistrantCountry: "UNITED STATES", ExpirationDate: "2026-01-01T00:00:00.000Z",
			UpdatedDate: isoMs((d.created - 30*msPerDay) / msPerDay * msPerDay)}}
	case "organizationName":
		return []string{"Acme Corp"}
	case "isp":
		return pick(r, []string{"Amazon.com, Inc.", "Cloudflare, Inc.", "Microsoft Corporation", "Acme Corp"})
	case "asn":
		return pick(r, []string{"AS16509", "AS13335", "AS8075", "AS64500"})
	case "easmTags":
		return pick(r, [][]string{{"cloud"}, {"cdn"}, {"cloud", "cdn"}, {"login-page"}, {}})
	case "hostingCategory1":
		return pick(r, []string{"Cloud", "CDN", "Self-Hosted", "ThirdParty"})
	}
	return absent
}

type customAttribute struct {
	Key           string `json:"key"`
	Value         string `json:"value"`
	ConnectorName string `json:"connectorName"`
}

func (g *gen) customAttributes() any {
	r := g.stream("customAttributes")
	if r.IntN(100) >= 20 {
		return absent
	}
	class := map[osFamily]string{famWindows: "cmdb_ci_win_server", famLinux: "cmdb_ci_linux_server", famMac: "cmdb_ci_computer", famNetwork: "cmdb_ci_netgear", famUnix: "cmdb_ci_aix_server"}[g.p.family]
	return []customAttribute{
		{Key: "CMDB CI Class", Value: class, ConnectorName: "ServiceNow CMDB"},
		{Key: "CMDB Sys ID", Value: hexStr(r, 32), ConnectorName: "ServiceNow CMDB"},
		{Key: "Cost Center", Value: "CC-" + digits(r, 4), ConnectorName: "ServiceNow CMDB"},
	}
}

type processor struct {
	Description          string `json:"description"`
	Speed                int    `json:"speed"`
	NumCPUs              int    `json:"numCPUs"`
	NoOfSocket           int    `json:"noOfSocket"`
	ThreadsPerCore       int    `json:"threadsPerCore"`
	CoresPerSocket       int    `json:"coresPerSocket"`
	MultithreadingStatus string `json:"multithreadingStatus"`
}
