package qualyssim

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The KnowledgeBase is built once per server from vulnTmpls: each template
// yields one or more QIDs (monthly rollups, distribution advisories, product
// versions). Detections only ever use QIDs of this catalog; which templates
// apply to a host depends on its OS, role and open ports.

// VULN_TYPE values (KB) and the detection TYPE they produce.
const (
	vtVuln      = iota // Vulnerability → Confirmed
	vtPotential        // Potential Vulnerability → Potential
	vtIG               // Information Gathered → Info
	vtVulnOrPot        // Vulnerability or Potential Vulnerability → Confirmed or Potential
)

var vulnTypeNames = [...]string{"Vulnerability", "Potential Vulnerability", "Information Gathered", "Vulnerability or Potential Vulnerability"}

// OS family bits for template applicability.
const (
	fW = 1 << famWindows
	fL = 1 << famLinux
	fM = 1 << famMac
	fN = 1 << famNetwork
	fU = 1 << famUnix
	fA = fW | fL | fM | fN | fU
)

// Variant label kinds.
const (
	lkNone     = iota // one QID
	lkMonth           // "<Month> <Year>", newest first
	lkAdvisory        // fmt with a descending advisory number
	lkVersion         // fmt with a version from versions
)

// Result kinds: how RESULTS text is produced for a detection.
const (
	rkText = iota
	rkPkg
	rkWinFile
	rkHTTPHeaders
	rkCert
	rkCiphers
	rkSSH
	rkDNS
	rkOS
	rkScanTime
	rkPorts
	rkHostNames
	rkIPName
	rkPkgList
	rkAppList
	rkVersion
	rkSNMP
	rkRPC
	rkQGHost
	rkSSLInfo
	rkWebServer
	rkRegistry
)

// ARF kinds (AFFECT_RUNNING_KERNEL / _SERVICE / AFFECT_EXPLOITABLE_CONFIG).
const (
	arfNone = iota
	arfKernel
	arfService
	arfConfig
)

// portSpec is where a network-bound QID is detected.
type portSpec struct {
	port  int
	proto string
	ssl   bool
}

// vulnTmpl describes a family of QIDs.
type vulnTmpl struct {
	base, count  int
	vt           uint8
	sev          [2]int8 // severity range over variants (newest gets the highest)
	cat          string
	title        string // with %s for the variant label when count > 1
	label        uint8
	advNum       int      // lkAdvisory: newest advisory number
	versions     []string // lkVersion
	sw           [][2]string
	vendorRef    string // fmt with the variant number, "" = none
	cves         [2]int8
	cvss3        string // base vector without prefix, "" = none
	cvss2        string
	threat       []int8
	mitre        []int8 // indexes into mitreTechniques
	exploit      bool
	malware      bool
	cisa         bool
	patchable    bool
	pci          bool
	remote       bool
	auth         []string
	diag, cons   string
	sol          string
	fams         uint8
	distro       string // prefix of osProfile.distro, or network publisher
	roles        uint16 // bit per role; 0 = any host
	server       int8   // 1 servers only, -1 desktops only
	ports        []portSpec
	arf          uint8
	res          uint8
	pkg          string // package / product in RESULTS
	weight       int
	publishedAgo int // lkNone: days before the anchor
}

// mitreTechniques are ATT&CK (tactic, technique) pairs used by the KB.
var mitreTechniques = [...]struct{ tacticID, tactic, techID, tech string }{
	{"TA0001", "Initial Access", "T1190", "Exploit Public-Facing Application"},
	{"TA0002", "Execution", "T1203", "Exploitation for Client Execution"},
	{"TA0004", "Privilege Escalation", "T1068", "Exploitation for Privilege Escalation"},
	{"TA0008", "Lateral Movement", "T1210", "Exploitation of Remote Services"},
	{"TA0006", "Credential Access", "T1212", "Exploitation for Credential Access"},
	{"TA0005", "Defense Evasion", "T1211", "Exploitation for Defense Evasion"},
	{"TA0040", "Impact", "T1499", "Endpoint Denial of Service"},
	{"TA0006", "Credential Access", "T1557", "Adversary-in-the-Middle"},
	{"TA0007", "Discovery", "T1046", "Network Service Discovery"},
	{"TA0003", "Persistence", "T1133", "External Remote Services"},
	{"TA0001", "Initial Access", "T1189", "Drive-by Compromise"},
	{"TA0009", "Collection", "T1040", "Network Sniffing"},
}

const (
	mtPublicApp = iota
	mtClientExec
	mtPrivEsc
	mtRemoteSvc
	mtCredAccess
	mtDefEvasion
	mtDoS
	mtAitM
	mtDiscovery
	mtExtRemote
	mtDriveBy
	mtSniffing
)

// threatIntelNames maps THREAT_INTEL ids to their texts.
var threatIntelNames = map[int8]string{
	1: "Zero_Day", 2: "Exploit_Public", 3: "Active_Attacks", 4: "High_Lateral_Movement", 5: "Easy_Exploit",
	6: "High_Data_Loss", 7: "Denial_of_Service", 8: "No_Patch", 9: "Malware", 10: "Exploit_Kit", 11: "Wormable",
	12: "Predicted_High_Risk", 13: "Privilege_Escalation", 14: "Unauthenticated_Exploitation",
	15: "Remote_Code_Execution", 16: "Ransomware", 17: "Solorigate_Sunburst", 18: "Cisa_Known_Exploited_Vulns",
}

func roleBits(roles ...int) uint16 {
	var b uint16
	for _, r := range roles {
		b |= 1 << r
	}
	return b
}

var (
	webPorts   = []portSpec{{443, "tcp", true}, {80, "tcp", false}, {8443, "tcp", true}}
	tlsPorts   = []portSpec{{443, "tcp", true}, {3389, "tcp", true}, {8443, "tcp", true}, {636, "tcp", true}}
	sshPorts   = []portSpec{{22, "tcp", false}}
	rdpPorts   = []portSpec{{3389, "tcp", false}}
	smbPorts   = []portSpec{{445, "tcp", false}}
	dnsPorts   = []portSpec{{53, "udp", false}}
	snmpPorts  = []portSpec{{161, "udp", false}}
	mssqlPorts = []portSpec{{1433, "tcp", false}}
	pgPorts    = []portSpec{{5432, "tcp", false}}
	mysqlPorts = []portSpec{{3306, "tcp", false}}
	appPorts   = []portSpec{{8080, "tcp", false}, {8443, "tcp", true}}
	fwPorts    = []portSpec{{443, "tcp", true}}
)

const (
	diagPatch   = `%s is affected by multiple vulnerabilities addressed in the vendor advisory.<P>Affected versions: releases prior to the fixed version listed in the vendor advisory.<P>QID Detection Logic (Authenticated):<BR>This QID checks the installed version of the affected component using the package manager or file version information.`
	consPatch   = `Successful exploitation of these vulnerabilities may allow an attacker to execute arbitrary code, elevate privileges, bypass security restrictions or cause a denial of service.`
	solPatch    = `Customers are advised to refer to the vendor advisory for more information pertaining to these vulnerabilities and to apply the latest security updates.<P>Patch:<BR>Following are links for downloading patches to fix the vulnerabilities:<P><A HREF="%s" TARGET="_blank">%s</A>`
	diagWinRoll = `Microsoft releases the security updates for Windows on the second Tuesday of every month (&quot;Patch Tuesday&quot;). This QID covers the cumulative update released for %s.<P>Affected products: Windows 10, Windows 11, Windows Server 2016, 2019 and 2022.<P><B>Note:</B> This QID also checks the registry keys required to enable some of the fixes.`
)

// vulnTmpls is the KB catalog. QID ranges do not overlap (TestKBCatalog).
var vulnTmpls = []vulnTmpl{
	// --- Information Gathered ---
	{base: 6, count: 1, vt: vtIG, sev: [2]int8{1, 1}, cat: "Information gathering", title: "DNS Host Name", sw: [][2]string{{"dns_server", "none"}}, remote: true,
		diag: `The fully qualified domain name of this host, if it was obtained from a DNS server, is displayed in the RESULT section.`, fams: fA, res: rkIPName, weight: 100, publishedAgo: 9600},
	{base: 45017, count: 1, vt: vtIG, sev: [2]int8{2, 2}, cat: "Information gathering", title: "Operating System Detected", sw: [][2]string{{"None", "multi-vendor"}}, remote: true, auth: []string{"Unix", "Windows"},
		diag: `Several different techniques can be used to identify the operating system (OS) running on a host. A short description of these techniques is provided below.<P>1) <B>TCP/IP Fingerprint</B>: The operating system of a host can be identified from a remote system using TCP/IP fingerprinting.<P>2) <B>NetBIOS</B>: Short for Network Basic Input Output System.`,
		cons: `Not applicable.`, sol: `Not applicable.`, fams: fA, res: rkOS, weight: 100, publishedAgo: 8200},
	{base: 45038, count: 1, vt: vtIG, sev: [2]int8{1, 1}, cat: "Information gathering", title: "Host Scan Time - Scanner", sw: [][2]string{{"None", "none"}}, remote: true,
		diag: `The Host Scan Time is the period of time it takes the scanning engine to perform the vulnerability assessment of a single target host. The Host Scan Time for this host is reported in the Result section below.`,
		cons: `N/A`, sol: `N/A`, fams: fA, res: rkScanTime, weight: 100, publishedAgo: 7500},
	{base: 82023, count: 1, vt: vtIG, sev: [2]int8{1, 1}, cat: "TCP/IP", title: "Open TCP Services List", sw: [][2]string{{"None", "none"}}, remote: true,
		diag: `The port scanner enables unauthorized users with the appropriate tools to draw a map of all services on this host that can be accessed from the Internet.`,
		cons: `Unauthorized users can exploit this information to test vulnerabilities in each of the open services.`, sol: `Shut down any unknown or unused service on the list.`, fams: fA, res: rkPorts, weight: 90, publishedAgo: 8900},
	{base: 45039, count: 1, vt: vtIG, sev: [2]int8{1, 1}, cat: "Information gathering", title: "Host Names Found", sw: [][2]string{{"None", "none"}}, remote: true,
		diag: `The following host names were discovered for this computer using various methods such as DNS look up, NetBIOS query, and SQL server name query.`, cons: `N/A`, sol: `N/A`, fams: fA, res: rkHostNames, weight: 80, publishedAgo: 7800},
	{base: 70022, count: 1, vt: vtIG, sev: [2]int8{2, 2}, cat: "SMB / NETBIOS", title: "DCE RPC Interfaces List", sw: [][2]string{{"windows", "microsoft"}}, remote: true,
		diag: `The DCE RPC interfaces were enumerated using the DCE Endpoint Mapper on port 135 or the named pipe <B>\PIPE\epmapper</B>.`, fams: fW, res: rkRPC, weight: 60, publishedAgo: 8100},
	{base: 45179, count: 1, vt: vtIG, sev: [2]int8{1, 1}, cat: "Information gathering", title: "Report Qualys Host ID", sw: [][2]string{{"None", "none"}}, auth: []string{"Unix", "Windows"},
		diag: `This QID reports the Qualys Host ID, a unique identifier of the host assigned by the Cloud Agent or the authenticated scanner.`, fams: fW | fL | fM | fU, res: rkQGHost, weight: 70, publishedAgo: 3300},
	{base: 45141, count: 1, vt: vtIG, sev: [2]int8{1, 1}, cat: "Information gathering", title: "Installed Packages on Unix and Linux Operating Systems", sw: [][2]string{{"None", "none"}}, auth: []string{"Unix"},
		diag: `The following packages were found installed on the host. The list is gathered with the package manager (rpm, dpkg, lslpp).`, fams: fL | fU, res: rkPkgList, weight: 70, publishedAgo: 4400},
	{base: 90235, count: 1, vt: vtIG, sev: [2]int8{1, 1}, cat: "Windows", title: "Installed Applications Enumerated From Windows Installer", sw: [][2]string{{"windows", "microsoft"}}, auth: []string{"Windows"},
		diag: `The applications listed in the result were enumerated from the Windows Installer database (HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall).`, fams: fW, res: rkAppList, weight: 70, publishedAgo: 5000},
	{base: 38116, count: 1, vt: vtIG, sev: [2]int8{1, 1}, cat: "General remote services", title: "SSL Server Information Retrieval", sw: [][2]string{{"None", "none"}}, remote: true,
		diag: `The following is a list of supported SSL ciphers. <BR>Note: If a cipher is included in this list it means that it was possible to establish a SSL connection using that cipher.`, fams: fA, ports: tlsPorts, res: rkSSLInfo, weight: 50, publishedAgo: 6000},
	{base: 86000, count: 1, vt: vtIG, sev: [2]int8{1, 1}, cat: "Web server", title: "Web Server Version", sw: [][2]string{{"None", "none"}}, remote: true,
		diag: `This QID reports the web server name and version as found in the Server response header.`, fams: fW | fL | fN, roles: roleBits(roleWeb, roleApp), ports: webPorts, res: rkWebServer, weight: 60, publishedAgo: 8000},

	// --- Windows ---
	{base: 92080, count: 24, vt: vtVuln, sev: [2]int8{4, 5}, cat: "Windows", title: "Microsoft Windows Security Update for %s", label: lkMonth, sw: [][2]string{{"windows", "microsoft"}}, vendorRef: "KB50%05d",
		cves: [2]int8{8, 24}, cvss3: "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:L/Au:N/C:C/I:C/A:C", threat: []int8{2, 4, 5, 11, 13, 15}, mitre: []int8{mtRemoteSvc, mtPrivEsc}, exploit: true, malware: true, cisa: true, patchable: true, pci: true, auth: []string{"Windows"},
		diag: diagWinRoll, cons: consPatch, sol: solPatch, fams: fW, arf: arfConfig, res: rkWinFile, pkg: `%windir%\system32\ntoskrnl.exe`, weight: 160},
	{base: 110430, count: 18, vt: vtVuln, sev: [2]int8{4, 5}, cat: "Office Application", title: "Microsoft Office and Microsoft 365 Apps Security Update for %s", label: lkMonth, sw: [][2]string{{"office", "microsoft"}}, vendorRef: "KB50%05d",
		cves: [2]int8{2, 8}, cvss3: "AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:M/Au:N/C:C/I:C/A:C", threat: []int8{2, 15}, mitre: []int8{mtClientExec}, exploit: true, patchable: true, pci: true, auth: []string{"Windows"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fW, server: -1, res: rkWinFile, pkg: `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`, weight: 60},
	{base: 91930, count: 12, vt: vtVuln, sev: [2]int8{3, 4}, cat: "Windows", title: "Microsoft .NET Framework Security Update for %s", label: lkMonth, sw: [][2]string{{".net_framework", "microsoft"}}, vendorRef: "KB50%05d",
		cves: [2]int8{1, 4}, cvss3: "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", cvss2: "AV:N/AC:L/Au:N/C:N/I:N/A:C", threat: []int8{7}, mitre: []int8{mtDoS}, patchable: true, pci: true, auth: []string{"Windows"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fW, res: rkWinFile, pkg: `%windir%\Microsoft.NET\Framework64\v4.0.30319\System.dll`, weight: 50},
	{base: 379100, count: 30, vt: vtVuln, sev: [2]int8{3, 5}, cat: "Local", title: "Google Chrome Prior to %s Multiple Vulnerabilities", label: lkVersion,
		versions: []string{"125.0.6422.60", "124.0.6367.201", "124.0.6367.118", "124.0.6367.78", "123.0.6312.122", "123.0.6312.86", "123.0.6312.58", "122.0.6261.128", "122.0.6261.111", "122.0.6261.94", "122.0.6261.57", "121.0.6167.184", "121.0.6167.160", "121.0.6167.139", "121.0.6167.85", "120.0.6099.224", "120.0.6099.199", "120.0.6099.129", "120.0.6099.109", "120.0.6099.71", "119.0.6045.199", "119.0.6045.159", "119.0.6045.123", "119.0.6045.105", "118.0.5993.117", "118.0.5993.88", "118.0.5993.70", "117.0.5938.149", "117.0.5938.132", "117.0.5938.92"},
		sw:       [][2]string{{"chrome", "google"}}, vendorRef: "Chrome %s", cves: [2]int8{1, 12}, cvss3: "AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:M/Au:N/C:P/I:P/A:P", threat: []int8{2, 3, 15}, mitre: []int8{mtDriveBy, mtClientExec}, exploit: true, cisa: true, patchable: true, pci: true, auth: []string{"Windows", "Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fW | fM, server: -1, res: rkVersion, pkg: "Google Chrome", weight: 90},
	{base: 379500, count: 20, vt: vtVuln, sev: [2]int8{3, 4}, cat: "Local", title: "Mozilla Firefox Multiple Vulnerabilities (MFSA2024-%s)", label: lkAdvisory, advNum: 66,
		sw: [][2]string{{"firefox", "mozilla"}}, vendorRef: "MFSA2024-%02d", cves: [2]int8{3, 10}, cvss3: "AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:M/Au:N/C:P/I:P/A:P", threat: []int8{2}, mitre: []int8{mtDriveBy}, exploit: true, patchable: true, pci: true, auth: []string{"Windows", "Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fW | fM | fL, server: -1, res: rkVersion, pkg: "Mozilla Firefox", weight: 40},
	{base: 378400, count: 12, vt: vtVuln, sev: [2]int8{3, 5}, cat: "Local", title: "Adobe Acrobat and Reader Security Update (APSB24-%s)", label: lkAdvisory, advNum: 45,
		sw: [][2]string{{"acrobat_reader_dc", "adobe"}}, vendorRef: "APSB24-%02d", cves: [2]int8{2, 12}, cvss3: "AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:M/Au:N/C:C/I:C/A:C", threat: []int8{2, 15}, mitre: []int8{mtClientExec}, exploit: true, malware: true, patchable: true, pci: true, auth: []string{"Windows"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fW | fM, server: -1, res: rkVersion, pkg: "Adobe Acrobat Reader DC", weight: 35},
	{base: 376900, count: 8, vt: vtVuln, sev: [2]int8{3, 4}, cat: "Local", title: "Oracle Java SE Critical Patch Update - %s", label: lkMonth, sw: [][2]string{{"jdk", "oracle"}, {"jre", "oracle"}}, vendorRef: "cpu%s",
		cves: [2]int8{2, 8}, cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:H/Au:N/C:C/I:C/A:C", threat: []int8{2}, mitre: []int8{mtPublicApp}, patchable: true, pci: true, auth: []string{"Windows", "Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fW | fL, roles: roleBits(roleApp, roleNone), res: rkVersion, pkg: "Java SE Runtime Environment", weight: 25},
	{base: 91649, count: 1, vt: vtVuln, sev: [2]int8{3, 3}, cat: "Windows", title: "Microsoft SMB Server Version 1 (SMBv1) Detected", sw: [][2]string{{"windows", "microsoft"}},
		cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", cvss2: "AV:N/AC:H/Au:N/C:P/I:N/A:N", threat: []int8{4, 11, 16}, mitre: []int8{mtRemoteSvc}, pci: true, remote: true, auth: []string{"Windows"},
		diag: `SMBv1 is the original Server Message Block protocol, deprecated by Microsoft. WannaCry and NotPetya ransomware spread through SMBv1 vulnerabilities.`, cons: `An attacker may exploit weaknesses of the SMBv1 protocol to move laterally.`,
		sol: `Disable SMBv1 as described in <A HREF="https://learn.microsoft.com/en-us/windows-server/storage/file-server/troubleshoot/detect-enable-and-disable-smbv1-v2-v3" TARGET="_blank">Microsoft's guidance</A>.`, fams: fW, ports: smbPorts, arf: arfConfig, res: rkRegistry, pkg: `HKLM\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters SMB1`, weight: 30, publishedAgo: 2900},
	{base: 90788, count: 1, vt: vtPotential, sev: [2]int8{2, 2}, cat: "Windows", title: "Microsoft Windows Remote Desktop Protocol (RDP) Network Level Authentication (NLA) Not Enforced", sw: [][2]string{{"windows", "microsoft"}},
		cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N", cvss2: "AV:N/AC:M/Au:N/C:P/I:N/A:N", mitre: []int8{mtExtRemote}, remote: true,
		diag: `Network Level Authentication is not enforced by the Remote Desktop service; the session is created before the user is authenticated.`, cons: `Unauthenticated users may consume server resources or reach the logon screen.`, sol: `Require Network Level Authentication for remote connections.`,
		fams: fW, ports: rdpPorts, arf: arfConfig, res: rkText, weight: 25, publishedAgo: 4300},
	{base: 105484, count: 1, vt: vtVuln, sev: [2]int8{3, 3}, cat: "Security Policy", title: "Microsoft Windows Unquoted Service Path Enumeration Vulnerability", sw: [][2]string{{"windows", "microsoft"}},
		cvss3: "AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:L/AC:M/Au:N/C:C/I:C/A:C", threat: []int8{13}, mitre: []int8{mtPrivEsc}, auth: []string{"Windows"},
		diag: `A service whose executable path contains spaces and is not enclosed in quotes may allow a local user to run code as the service account.`, cons: `A local attacker may elevate privileges.`, sol: `Enclose the service path in quotes in the registry value ImagePath.`,
		fams: fW, arf: arfConfig, res: rkRegistry, pkg: `HKLM\SYSTEM\CurrentControlSet\Services\AcmeUpdater ImagePath = C:\Program Files\Acme Updater\updater.exe`, weight: 20, publishedAgo: 3100},
	{base: 100420, count: 6, vt: vtVuln, sev: [2]int8{4, 5}, cat: "Database", title: "Microsoft SQL Server Security Update for %s", label: lkMonth, sw: [][2]string{{"sql_server", "microsoft"}}, vendorRef: "KB50%05d",
		cves: [2]int8{1, 6}, cvss3: "AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:L/Au:S/C:C/I:C/A:C", threat: []int8{15}, mitre: []int8{mtPublicApp}, patchable: true, pci: true, auth: []string{"Windows"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fW, roles: roleBits(roleDB), ports: mssqlPorts, res: rkWinFile, pkg: `C:\Program Files\Microsoft SQL Server\MSSQL15.MSSQLSERVER\MSSQL\Binn\sqlservr.exe`, weight: 40},

	// --- Linux distributions ---
	{base: 198700, count: 36, vt: vtVuln, sev: [2]int8{3, 5}, cat: "Ubuntu", title: "Ubuntu Security Notification for Linux kernel Vulnerabilities (USN-%s)", label: lkAdvisory, advNum: 6790,
		sw: [][2]string{{"ubuntu_linux", "canonical"}, {"linux_kernel", "linux"}}, vendorRef: "USN-%d-1", cves: [2]int8{3, 24}, cvss3: "AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:L/AC:L/Au:N/C:C/I:C/A:C", threat: []int8{2, 7, 13}, mitre: []int8{mtPrivEsc}, exploit: true, cisa: true, patchable: true, pci: true, auth: []string{"Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fL, distro: "deb-ubuntu", arf: arfKernel, res: rkPkg, pkg: "linux-image", weight: 150},
	{base: 199400, count: 30, vt: vtVuln, sev: [2]int8{2, 4}, cat: "Ubuntu", title: "Ubuntu Security Notification for %s", label: lkAdvisory, advNum: 6795,
		sw: [][2]string{{"ubuntu_linux", "canonical"}}, vendorRef: "USN-%d-1", cves: [2]int8{1, 6}, cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", cvss2: "AV:N/AC:M/Au:N/C:P/I:N/A:N", threat: []int8{7}, mitre: []int8{mtAitM}, patchable: true, pci: true, auth: []string{"Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fL, distro: "deb-ubuntu", arf: arfService, res: rkPkg, pkg: "*", weight: 110},
	{base: 242100, count: 30, vt: vtVuln, sev: [2]int8{3, 5}, cat: "RedHat", title: "Red Hat Update for kernel (RHSA-2024:%s)", label: lkAdvisory, advNum: 3400,
		sw: [][2]string{{"enterprise_linux", "redhat"}, {"linux_kernel", "linux"}}, vendorRef: "RHSA-2024:%d", cves: [2]int8{2, 16}, cvss3: "AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:L/AC:L/Au:N/C:C/I:C/A:C", threat: []int8{2, 13}, mitre: []int8{mtPrivEsc}, exploit: true, patchable: true, pci: true, auth: []string{"Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fL, distro: "rpm-el", arf: arfKernel, res: rkPkg, pkg: "kernel", weight: 140},
	{base: 242600, count: 36, vt: vtVuln, sev: [2]int8{2, 4}, cat: "RedHat", title: "Red Hat Update for %s", label: lkAdvisory, advNum: 3410,
		sw: [][2]string{{"enterprise_linux", "redhat"}}, vendorRef: "RHSA-2024:%d", cves: [2]int8{1, 5}, cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:H/Au:N/C:P/I:P/A:P", threat: []int8{7}, mitre: []int8{mtPublicApp}, patchable: true, pci: true, auth: []string{"Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fL, distro: "rpm-el", arf: arfService, res: rkPkg, pkg: "*", weight: 110},
	{base: 181900, count: 24, vt: vtVuln, sev: [2]int8{3, 5}, cat: "Debian", title: "Debian Security Update for %s", label: lkAdvisory, advNum: 5690,
		sw: [][2]string{{"debian_linux", "debian"}}, vendorRef: "DSA-%d-1", cves: [2]int8{1, 12}, cvss3: "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:L/Au:N/C:P/I:P/A:P", threat: []int8{2, 15}, mitre: []int8{mtPublicApp}, patchable: true, pci: true, auth: []string{"Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fL, distro: "deb-debian", arf: arfService, res: rkPkg, pkg: "*", weight: 120},
	{base: 354800, count: 24, vt: vtVuln, sev: [2]int8{3, 4}, cat: "Amazon Linux", title: "Amazon Linux Security Advisory for %s", label: lkAdvisory, advNum: 2540,
		sw: [][2]string{{"amazon_linux", "amazon"}}, vendorRef: "ALAS2-2024-%d", cves: [2]int8{1, 8}, cvss3: "AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:L/AC:L/Au:N/C:C/I:C/A:C", threat: []int8{13}, mitre: []int8{mtPrivEsc}, patchable: true, pci: true, auth: []string{"Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fL, distro: "rpm-amzn", arf: arfKernel, res: rkPkg, pkg: "*", weight: 120},
	{base: 755900, count: 24, vt: vtVuln, sev: [2]int8{3, 4}, cat: "SUSE", title: "SUSE Enterprise Linux Security Update for %s", label: lkAdvisory, advNum: 1620,
		sw: [][2]string{{"linux_enterprise_server", "suse"}}, vendorRef: "SUSE-SU-2024:%d-1", cves: [2]int8{1, 10}, cvss3: "AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:L/AC:L/Au:N/C:C/I:C/A:C", threat: []int8{13}, mitre: []int8{mtPrivEsc}, patchable: true, pci: true, auth: []string{"Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fL, distro: "rpm-suse", arf: arfKernel, res: rkPkg, pkg: "*", weight: 120},
	{base: 38913, count: 1, vt: vtVuln, sev: [2]int8{5, 5}, cat: "General remote services", title: "OpenSSH Signal Handler Race Condition Remote Code Execution Vulnerability (regreSSHion)", sw: [][2]string{{"openssh", "openbsd"}},
		cves: [2]int8{1, 1}, cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:H/Au:N/C:C/I:C/A:C", threat: []int8{2, 5, 14, 15}, mitre: []int8{mtPublicApp, mtRemoteSvc}, exploit: true, patchable: true, pci: true, remote: true, auth: []string{"Unix"},
		diag: `A signal handler race condition was found in OpenSSH's server (sshd): if a client does not authenticate within LoginGraceTime seconds, sshd's SIGALRM handler is called asynchronously and calls functions that are not async-signal-safe.`, cons: `An unauthenticated remote attacker may execute arbitrary code as root.`, sol: `Upgrade to OpenSSH 9.8p1 or later.`,
		fams: fL | fU, ports: sshPorts, arf: arfService, res: rkSSH, pkg: "OpenSSH", weight: 30, publishedAgo: 340},
	{base: 38739, count: 1, vt: vtVuln, sev: [2]int8{3, 3}, cat: "General remote services", title: "Deprecated SSH Cryptographic Settings", sw: [][2]string{{"None", "none"}},
		cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N", cvss2: "AV:N/AC:H/Au:N/C:P/I:P/A:N", mitre: []int8{mtAitM}, pci: true, remote: true,
		diag: `The SSH protocol (Secure Shell) is a method for secure remote login from one computer to another. The target is using deprecated SSH cryptographic settings to communicate.`, cons: `A man-in-the-middle attacker may be able to exploit this vulnerability to record the communication to decrypt the session key and even the messages.`, sol: `Avoid using deprecated cryptographic settings.<BR>Use best practices when configuring SSH.`,
		fams: fL | fN | fU | fM, ports: sshPorts, arf: arfConfig, res: rkSSH, pkg: "ciphers", weight: 45, publishedAgo: 2100},
	{base: 38909, count: 1, vt: vtVuln, sev: [2]int8{3, 3}, cat: "General remote services", title: "SSH Prefix Truncation Vulnerability (Terrapin)", sw: [][2]string{{"ssh", "multi-vendor"}},
		cves: [2]int8{1, 1}, cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N", cvss2: "AV:N/AC:H/Au:N/C:N/I:P/A:N", threat: []int8{2}, mitre: []int8{mtAitM}, exploit: true, pci: true, remote: true,
		diag: `The SSH transport protocol with certain OpenSSH extensions allows remote attackers to bypass integrity checks such that some packets are omitted (from the extension negotiation message).`, cons: `A man-in-the-middle may downgrade the connection security.`, sol: `Disable ChaCha20-Poly1305 and Encrypt-then-MAC algorithms, or upgrade the SSH server.`,
		fams: fL | fN | fU | fM, ports: sshPorts, arf: arfService, res: rkSSH, pkg: "terrapin", weight: 40, publishedAgo: 520},

	// --- TLS / web / network services ---
	{base: 38169, count: 1, vt: vtVuln, sev: [2]int8{2, 2}, cat: "General remote services", title: "SSL Certificate - Self-Signed Certificate", sw: [][2]string{{"None", "none"}},
		cvss3: "AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N", cvss2: "AV:N/AC:H/Au:N/C:P/I:P/A:N", mitre: []int8{mtAitM}, pci: true, remote: true,
		diag: `An SSL Certificate associates an entity (person, organization, host, etc.) with a Public Key. The server's certificate is self-signed, so it cannot be validated against a trusted certificate authority.`, cons: `By exploiting this vulnerability, an attacker can launch a man-in-the-middle attack.`, sol: `Please install a server certificate signed by a trusted third-party Certificate Authority.`,
		fams: fA, ports: tlsPorts, res: rkCert, pkg: "self", weight: 45, publishedAgo: 6200},
	{base: 38170, count: 1, vt: vtVuln, sev: [2]int8{2, 2}, cat: "General remote services", title: "SSL Certificate - Subject Common Name Does Not Match Server FQDN", sw: [][2]string{{"None", "none"}},
		cvss3: "AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N", cvss2: "AV:N/AC:H/Au:N/C:P/I:P/A:N", mitre: []int8{mtAitM}, pci: true, remote: true,
		diag: `An SSL Certificate associates an entity (person, organization, host, etc.) with a Public Key. In an SSL connection, the client authenticates the remote server using the server's Certificate and extracts the Public Key in the Certificate to establish the secure connection.`, cons: `A man-in-the-middle attacker can exploit this vulnerability in tandem with a DNS cache poisoning attack to lure the client to another server, and then steal all the encryption communication.`, sol: `Please install a server certificate whose Subject commonName or subjectAltName matches the server FQDN.`,
		fams: fA, ports: tlsPorts, res: rkCert, pkg: "cn", weight: 45, publishedAgo: 6100},
	{base: 38628, count: 1, vt: vtVuln, sev: [2]int8{3, 3}, cat: "General remote services", title: "SSL/TLS Server supports TLSv1.0", sw: [][2]string{{"None", "none"}},
		cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N", cvss2: "AV:N/AC:H/Au:N/C:P/I:N/A:N", mitre: []int8{mtSniffing}, pci: true, remote: true,
		diag: `TLS 1.0 is a deprecated protocol version. The PCI Security Standards Council requires migration away from TLS 1.0.`, cons: `An attacker can exploit cryptographic flaws to conduct man-in-the-middle type attacks and to decrypt communications.`, sol: `Disable the use of TLSv1.0 protocol in favor of a cryptographically stronger protocol such as TLSv1.2.`,
		fams: fA, ports: tlsPorts, arf: arfConfig, res: rkCiphers, pkg: "TLSv1.0", weight: 50, publishedAgo: 2600},
	{base: 38794, count: 1, vt: vtVuln, sev: [2]int8{3, 3}, cat: "General remote services", title: "SSL/TLS Server supports TLSv1.1", sw: [][2]string{{"None", "none"}},
		cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N", cvss2: "AV:N/AC:H/Au:N/C:P/I:N/A:N", mitre: []int8{mtSniffing}, pci: true, remote: true,
		diag: `TLS 1.1 is a deprecated protocol version (RFC 8996).`, cons: `An attacker can exploit cryptographic flaws to conduct man-in-the-middle type attacks.`, sol: `Disable the use of TLSv1.1 protocol in favor of a cryptographically stronger protocol such as TLSv1.2.`,
		fams: fA, ports: tlsPorts, arf: arfConfig, res: rkCiphers, pkg: "TLSv1.1", weight: 45, publishedAgo: 1500},
	{base: 38601, count: 1, vt: vtVuln, sev: [2]int8{3, 3}, cat: "General remote services", title: "SSL/TLS use of weak RC4(Arcfour) cipher", sw: [][2]string{{"None", "none"}},
		cves: [2]int8{2, 2}, cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N", cvss2: "AV:N/AC:M/Au:N/C:P/I:N/A:N", mitre: []int8{mtSniffing}, pci: true, remote: true,
		diag: `The Secure Socket Layer (SSL) protocol allows for secure communication between a client and a server. SSL/TLS supports the RC4 cipher, whose keystream biases make plaintext recovery possible.`, cons: `Secure connections that use RC4 are vulnerable to plaintext recovery.`, sol: `RC4 should not be used where possible.`,
		fams: fW | fN, ports: tlsPorts, arf: arfConfig, res: rkCiphers, pkg: "RC4", weight: 20, publishedAgo: 4000},
	{base: 11827, count: 1, vt: vtVuln, sev: [2]int8{2, 2}, cat: "CGI", title: "HTTP Security Header Not Detected", sw: [][2]string{{"None", "multi-vendor"}},
		cves: [2]int8{0, 0}, threat: []int8{8}, pci: true, remote: true,
		diag: `This QID reports the absence of the following HTTP headers according to CWE-693: Protection Mechanism Failure:<BR>X-Content-Type-Options: This HTTP header will prevent the browser from interpreting files as a different MIME type.`,
		cons: `Depending on the vulnerability being exploited, an unauthenticated remote attacker could conduct cross-site scripting, clickjacking or MIME-type sniffing attacks.`, sol: `<B>Note:</B> To better debug the results of this QID, it is requested that customers execute commands to simulate the following functionality: <BR>curl -lkL --verbose &quot;CUSTOMER_URL&quot;`,
		fams: fW | fL | fN, roles: roleBits(roleWeb, roleApp), ports: webPorts, res: rkHTTPHeaders, weight: 60, publishedAgo: 2700},
	{base: 86473, count: 1, vt: vtVuln, sev: [2]int8{2, 2}, cat: "Web server", title: "Web Server HTTP Trace/Track Method Support Cross-Site Tracing Vulnerability", sw: [][2]string{{"http_server", "apache"}},
		cves: [2]int8{2, 3}, cvss3: "AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", cvss2: "AV:N/AC:M/Au:N/C:P/I:N/A:N", mitre: []int8{mtCredAccess}, pci: true, remote: true,
		diag: `A Web server was detected that supports the HTTP TRACE method. This method allows debugging and connection trace analysis for connections from the client to the Web server.`, cons: `If this vulnerability is successfully exploited, attackers can potentially steal cookies and authentication credentials.`, sol: `Disable these methods in your web server's configuration file.`,
		fams: fW | fL, roles: roleBits(roleWeb, roleApp), ports: webPorts, res: rkHTTPHeaders, pkg: "TRACE", weight: 25, publishedAgo: 7100},
	{base: 86728, count: 1, vt: vtPotential, sev: [2]int8{2, 2}, cat: "Web server", title: "Web Server Uses Plain-Text Form Based Authentication", sw: [][2]string{{"None", "none"}},
		cvss3: "AV:A/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N", cvss2: "AV:N/AC:M/Au:N/C:P/I:N/A:N", mitre: []int8{mtSniffing}, pci: true, remote: true,
		diag: `The Web server uses plain-text form based authentication. A web page exists on the target host which uses an HTML login form.`, cons: `The username/password combination may be sniffed.`, sol: `Please contact the vendor of the hardware/software for a possible fix for the issue.`,
		fams: fW | fL, roles: roleBits(roleWeb, roleApp), ports: []portSpec{{80, "tcp", false}, {8080, "tcp", false}}, res: rkHTTPHeaders, pkg: "form", weight: 20, publishedAgo: 5600},
	{base: 150245, count: 1, vt: vtVuln, sev: [2]int8{3, 3}, cat: "Web Application", title: `Session Cookie Does Not Contain the "Secure" Attribute`, sw: [][2]string{{"None", "none"}},
		cvss3: "AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", mitre: []int8{mtSniffing}, pci: true, remote: true,
		diag: `The session cookie does not contain the &quot;secure&quot; attribute, so the browser may send it over an unencrypted connection.`, cons: `An attacker sniffing the network may steal the session.`, sol: `Set the &quot;Secure&quot; attribute on every session cookie.`,
		fams: fW | fL, roles: roleBits(roleWeb), ports: webPorts, res: rkHTTPHeaders, pkg: "cookie", weight: 15, publishedAgo: 3500},
	{base: 87530, count: 10, vt: vtVuln, sev: [2]int8{3, 5}, cat: "Web server", title: "Apache HTTP Server Prior to %s Multiple Security Vulnerabilities", label: lkVersion,
		versions: []string{"2.4.59", "2.4.58", "2.4.57", "2.4.56", "2.4.55", "2.4.54", "2.4.53", "2.4.52", "2.4.51", "2.4.50"},
		sw:       [][2]string{{"http_server", "apache"}}, vendorRef: "Apache httpd %s", cves: [2]int8{1, 8}, cvss3: "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:L/Au:N/C:P/I:P/A:P", threat: []int8{2, 3, 14, 15}, mitre: []int8{mtPublicApp}, exploit: true, cisa: true, patchable: true, pci: true, remote: true,
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fL, roles: roleBits(roleWeb), ports: webPorts, arf: arfService, res: rkVersion, pkg: "Apache HTTP Server", weight: 40},
	{base: 87610, count: 12, vt: vtVuln, sev: [2]int8{3, 4}, cat: "Web server", title: "Apache Tomcat Prior to %s Multiple Vulnerabilities", label: lkVersion,
		versions: []string{"9.0.89", "9.0.86", "9.0.83", "9.0.81", "9.0.80", "9.0.75", "9.0.71", "9.0.68", "9.0.65", "9.0.63", "9.0.62", "9.0.58"},
		sw:       [][2]string{{"tomcat", "apache"}}, vendorRef: "Tomcat %s", cves: [2]int8{1, 4}, cvss3: "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", cvss2: "AV:N/AC:L/Au:N/C:N/I:N/A:P", threat: []int8{7}, mitre: []int8{mtDoS}, patchable: true, pci: true, remote: true,
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fW | fL, roles: roleBits(roleApp), ports: appPorts, arf: arfService, res: rkVersion, pkg: "Apache Tomcat", weight: 40},
	{base: 20420, count: 8, vt: vtVuln, sev: [2]int8{3, 4}, cat: "Database", title: "PostgreSQL Prior to %s Multiple Vulnerabilities", label: lkVersion,
		versions: []string{"16.3", "16.2", "16.1", "15.5", "15.4", "14.9", "13.12", "12.16"},
		sw:       [][2]string{{"postgresql", "postgresql"}}, vendorRef: "PostgreSQL %s", cves: [2]int8{1, 3}, cvss3: "AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:L/Au:S/C:P/I:P/A:P", mitre: []int8{mtPublicApp}, patchable: true, pci: true, remote: true,
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fL, roles: roleBits(roleDB), ports: pgPorts, arf: arfService, res: rkVersion, pkg: "PostgreSQL", weight: 40},
	{base: 20480, count: 8, vt: vtVulnOrPot, sev: [2]int8{3, 4}, cat: "Database", title: "Oracle MySQL Server Critical Patch Update - %s", label: lkMonth,
		sw: [][2]string{{"mysql", "oracle"}}, vendorRef: "cpu%s", cves: [2]int8{4, 16}, cvss3: "AV:N/AC:L/PR:H/UI:N/S:U/C:N/I:N/A:H", cvss2: "AV:N/AC:L/Au:S/C:N/I:N/A:C", threat: []int8{7}, mitre: []int8{mtDoS}, patchable: true, pci: true, remote: true,
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fL, roles: roleBits(roleDB), ports: mysqlPorts, arf: arfService, res: rkVersion, pkg: "MySQL Server", weight: 30},
	{base: 15033, count: 1, vt: vtVuln, sev: [2]int8{4, 4}, cat: "DNS and BIND", title: "DNS Server Recursive Query Cache Poisoning Weakness", sw: [][2]string{{"bind", "isc"}},
		cves: [2]int8{1, 1}, cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N", cvss2: "AV:N/AC:M/Au:N/C:N/I:P/A:N", threat: []int8{2}, mitre: []int8{mtAitM}, exploit: true, pci: true, remote: true,
		diag: `The DNS server allows recursive queries from the Internet and uses predictable transaction IDs or source ports.`, cons: `An attacker may poison the cache of the DNS server.`, sol: `Restrict recursive queries to internal clients.`,
		fams: fW | fL, roles: roleBits(roleDC, roleInfra), ports: dnsPorts, arf: arfConfig, res: rkDNS, weight: 30, publishedAgo: 6400},
	{base: 15034, count: 1, vt: vtVuln, sev: [2]int8{2, 2}, cat: "DNS and BIND", title: "DNS Server Recursion Enabled", sw: [][2]string{{"bind", "isc"}},
		cvss3: "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", cvss2: "AV:N/AC:L/Au:N/C:N/I:N/A:P", mitre: []int8{mtDoS}, remote: true,
		diag: `The DNS server supports recursive name resolution for any client.`, cons: `The server may be used in DNS amplification attacks.`, sol: `Disable recursion for external clients.`,
		fams: fW | fL, roles: roleBits(roleDC, roleInfra), ports: dnsPorts, arf: arfConfig, res: rkText, weight: 25, publishedAgo: 6300},
	{base: 78030, count: 1, vt: vtVuln, sev: [2]int8{3, 3}, cat: "SNMP", title: "SNMP Default Community Name (public)", sw: [][2]string{{"None", "multi-vendor"}},
		cves: [2]int8{1, 1}, cvss3: "AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", cvss2: "AV:N/AC:L/Au:N/C:P/I:N/A:N", threat: []int8{5, 14}, mitre: []int8{mtDiscovery}, pci: true, remote: true,
		diag: `The SNMP agent responds to the default community name &quot;public&quot;.`, cons: `Unauthorized users can read the configuration of the device.`, sol: `Change the default community name or disable SNMP v1/v2c.`,
		fams: fN | fL, roles: roleBits(roleInfra, roleNone), ports: snmpPorts, arf: arfConfig, res: rkSNMP, weight: 35, publishedAgo: 8300},
	{base: 11, count: 1, vt: vtVuln, sev: [2]int8{2, 2}, cat: "RPC", title: "Hidden RPC Services", sw: [][2]string{{"None", "none"}},
		cvss2: "AV:N/AC:L/Au:N/C:P/I:N/A:N", remote: true, pci: true,
		diag: `The Portmapper/Rpcbind listens on port 111 and stores an updated list of registered RPC services running on the server (RPC name, version and port number).`, cons: `Unauthorized users can build a list of RPC services running on the host.`, sol: `You should remove all RPC services that are not strictly required on this host.`,
		fams: fL | fU, res: rkText, weight: 15, publishedAgo: 9600},
	{base: 1000, count: 1, vt: vtPotential, sev: [2]int8{4, 4}, cat: "Backdoors and trojan horses", title: "Potential UDP Backdoor", sw: [][2]string{{"None", "none"}},
		remote: true, pci: true,
		diag: `There are known backdoors that use specific port numbers. At least one of these ports was found open on this host.`, cons: `If a backdoor is present on your system, then unauthorized users can log in to your system undetected.<P>Some well-known backdoors are &quot;BackOrifice&quot;, &quot;Netbus&quot; and &quot;Netspy&quot;.`, sol: `Call a security specialist and test this host for backdoors.`,
		fams: fW | fL, res: rkText, weight: 5, publishedAgo: 9600},
	{base: 82003, count: 1, vt: vtPotential, sev: [2]int8{1, 1}, cat: "TCP/IP", title: "ICMP Timestamp Request", sw: [][2]string{{"None", "none"}},
		cves: [2]int8{1, 1}, cvss2: "AV:L/AC:L/Au:N/C:N/I:N/A:N", remote: true,
		diag: `ICMP (Internet Control and Error Message Protocol) is a protocol encapsulated in IP packets. The host responded to an ICMP timestamp request.`, cons: `The ICMP timestamp response contains the remote host's date and time.`, sol: `You can filter ICMP messages of type &quot;Timestamp&quot; and &quot;Timestamp Reply&quot; at the firewall level.`,
		fams: fA, res: rkText, weight: 40, publishedAgo: 9000},
	{base: 45555, count: 1, vt: vtVuln, sev: [2]int8{2, 3}, cat: "Security Policy", title: "Docker Daemon Socket Exposed Without TLS Client Authentication", sw: [][2]string{{"docker", "docker"}},
		cvss3: "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", threat: []int8{5, 14, 15}, mitre: []int8{mtPublicApp, mtPrivEsc}, remote: true,
		diag: `The Docker daemon API is reachable on TCP without client certificate authentication.`, cons: `Anyone who can reach the socket controls the host as root.`, sol: `Enable --tlsverify or bind the daemon to the Unix socket only.`,
		fams: fL, roles: roleBits(roleContainer), ports: []portSpec{{2376, "tcp", true}}, arf: arfConfig, res: rkText, weight: 25, publishedAgo: 1800},

	// --- macOS / AIX / network devices ---
	{base: 375400, count: 10, vt: vtVuln, sev: [2]int8{4, 5}, cat: "Local", title: "Apple macOS Security Update (%s)", label: lkAdvisory, advNum: 214106,
		sw: [][2]string{{"macos", "apple"}}, vendorRef: "HT%d", cves: [2]int8{8, 30}, cvss3: "AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:M/Au:N/C:C/I:C/A:C", threat: []int8{2, 3, 13}, mitre: []int8{mtPrivEsc, mtClientExec}, exploit: true, cisa: true, patchable: true, pci: true, auth: []string{"Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fM, res: rkVersion, pkg: "macOS", weight: 120},
	{base: 170120, count: 8, vt: vtVuln, sev: [2]int8{3, 4}, cat: "AIX", title: "IBM AIX Security Advisory (%s)", label: lkAdvisory, advNum: 41,
		sw: [][2]string{{"aix", "ibm"}}, vendorRef: "openssl_advisory%d", cves: [2]int8{1, 6}, cvss3: "AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", cvss2: "AV:N/AC:M/Au:N/C:P/I:N/A:N", mitre: []int8{mtAitM}, patchable: true, pci: true, auth: []string{"Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fU, res: rkPkg, pkg: "openssl.base", weight: 120},
	{base: 317350, count: 6, vt: vtVuln, sev: [2]int8{4, 5}, cat: "Cisco", title: "Cisco IOS XE Software Multiple Vulnerabilities (cisco-sa-%s)", label: lkAdvisory, advNum: 2024,
		sw: [][2]string{{"ios_xe", "cisco"}}, vendorRef: "cisco-sa-%d", cves: [2]int8{1, 3}, cvss3: "AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", cvss2: "AV:N/AC:L/Au:N/C:C/I:C/A:C", threat: []int8{2, 3, 5, 14, 15, 18}, mitre: []int8{mtPublicApp, mtExtRemote}, exploit: true, malware: true, cisa: true, patchable: true, pci: true, remote: true, auth: []string{"SNMP", "Unix"},
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fN, distro: "Cisco", res: rkVersion, pkg: "Cisco IOS XE", weight: 120},
	{base: 43990, count: 6, vt: vtVuln, sev: [2]int8{4, 5}, cat: "Firewall", title: "Fortinet FortiOS Multiple Vulnerabilities (FG-IR-24-%s)", label: lkAdvisory, advNum: 29,
		sw: [][2]string{{"fortios", "fortinet"}}, vendorRef: "FG-IR-24-%03d", cves: [2]int8{1, 2}, cvss3: "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", cvss2: "AV:N/AC:L/Au:N/C:C/I:C/A:C", threat: []int8{2, 3, 14, 15, 16, 18}, mitre: []int8{mtPublicApp, mtExtRemote}, exploit: true, malware: true, cisa: true, patchable: true, pci: true, remote: true,
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fN, distro: "Fortinet", ports: fwPorts, res: rkVersion, pkg: "FortiOS", weight: 120},
	{base: 730580, count: 5, vt: vtVuln, sev: [2]int8{4, 5}, cat: "Firewall", title: "Palo Alto Networks PAN-OS Multiple Vulnerabilities (PAN-SA-2024-%s)", label: lkAdvisory, advNum: 24,
		sw: [][2]string{{"pan-os", "paloaltonetworks"}}, vendorRef: "PAN-SA-2024-%04d", cves: [2]int8{1, 2}, cvss3: "AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", cvss2: "AV:N/AC:L/Au:N/C:C/I:C/A:C", threat: []int8{1, 2, 3, 14, 15, 18}, mitre: []int8{mtPublicApp}, exploit: true, cisa: true, patchable: true, pci: true, remote: true,
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fN, distro: "Palo Alto Networks", ports: fwPorts, res: rkVersion, pkg: "PAN-OS", weight: 120},
	{base: 43860, count: 4, vt: vtVuln, sev: [2]int8{3, 4}, cat: "Hardware", title: "Juniper Networks Junos OS Multiple Vulnerabilities (JSA%s)", label: lkAdvisory, advNum: 79110,
		sw: [][2]string{{"junos", "juniper"}}, vendorRef: "JSA%d", cves: [2]int8{1, 4}, cvss3: "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", cvss2: "AV:N/AC:L/Au:N/C:N/I:N/A:C", threat: []int8{7}, mitre: []int8{mtDoS}, patchable: true, remote: true,
		diag: diagPatch, cons: consPatch, sol: solPatch, fams: fN, distro: "Juniper Networks", res: rkVersion, pkg: "Junos OS", weight: 120},
}

// kbVuln is one materialized KB entry.
type kbVuln struct {
	qid        int
	tmpl       *vulnTmpl
	variant    int
	sev        int
	title      string
	published  int64 // unix seconds
	modified   int64 // LAST_SERVICE_MODIFICATION_DATETIME at epoch 0
	cves       []string
	vendorRefs []string
	bugtraq    []int
	threat     []int8
	exploitSrc []string // EXPLT_SRC names
	malware    bool
	cvss3      cvssScore
	cvss2      cvssScore
	qds        int
	epss       string
	trending   string
	label      string // variant label (month, advisory, version)
	pkgName    string // Linux/AIX package for RESULTS
	compliance bool
	changeLog  bool
	disabled   bool
	factors    [][2]string // QDS_FACTOR name/value pairs
}

// cvssScore is a computed CVSS base and temporal score with its vector.
type cvssScore struct {
	vector         string
	base, temporal float64
	ok             bool
}

// kbCatalog is the KB, sorted by QID, with an index by QID.
type kbCatalog struct {
	vulns []kbVuln
	byQID map[int]int
}

var monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// linuxPackages are the packages advisories name (besides the kernel).
var linuxPackages = []string{"openssl", "curl", "glibc", "sudo", "openssh", "python3", "libxml2", "nss", "bind", "git", "vim", "less", "expat", "systemd", "libssh2", "krb5", "gnutls", "libtiff", "zlib", "perl", "nghttp2", "libxslt", "tar", "ncurses"}

// newKBCatalog materializes the templates relative to the data anchor (all
// dates lie before it). The content does not depend on the seed.
func newKBCatalog(anchorSec int64) *kbCatalog {
	kb := &kbCatalog{byQID: map[int]int{}}
	anchor := time.Unix(anchorSec, 0).UTC()
	for ti := range vulnTmpls {
		t := &vulnTmpls[ti]
		for v := 0; v < t.count; v++ {
			h := hashKey(0, "kb", uint64(t.base*1000+v))
			kv := kbVuln{qid: t.base + v, tmpl: t, variant: v}
			// Newest variant first: severity falls with age, dates go back.
			kv.sev = int(t.sev[1])
			if t.count > 1 && v > t.count/2 {
				kv.sev = int(t.sev[0])
			}
			var pub time.Time
			num := 0
			switch t.label {
			case lkMonth:
				m := time.Date(anchor.Year(), anchor.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1-v, 0)
				pub = patchTuesday(m).Add(time.Duration(17+h%5) * time.Hour)
				kv.label = monthNames[m.Month()-1] + " " + strconv.Itoa(m.Year())
			case lkAdvisory:
				pub = anchor.AddDate(0, 0, -9-v*11).Add(-time.Duration(h%80000) * time.Second)
				num = t.advNum - v*3 - int(h%3)
				switch {
				case strings.HasPrefix(t.vendorRef, "USN"):
					kv.label = fmt.Sprintf(t.vendorRef, num)
				case strings.HasPrefix(t.vendorRef, "cisco"):
					kv.label = "iosxe-" + []string{"webui-privesc-j22SaA4z", "ospf-dos-dR9Sfrxp", "snmp-dos-9hQ3Tsg4", "dhcp-dos-3tgPeKg", "utd-cmd-inj-jQ3Vdmy2", "ikev1-dos-K3ku2ZzP"}[v%6]
				case strings.HasPrefix(t.vendorRef, "FG-IR"):
					kv.label = fmt.Sprintf("%03d", num)
				case strings.HasPrefix(t.vendorRef, "PAN-SA"), strings.HasPrefix(t.vendorRef, "MFSA"), strings.HasPrefix(t.vendorRef, "APSB"):
					kv.label = fmt.Sprintf("%02d", num)
				default:
					kv.label = fmt.Sprintf(t.vendorRef, num)
				}
				if t.pkg == "*" {
					kv.pkgName = linuxPackages[int(h>>8)%len(linuxPackages)]
				}
			case lkVersion:
				pub = anchor.AddDate(0, 0, -12-v*17).Add(-time.Duration(h%80000) * time.Second)
				kv.label = t.versions[v%len(t.versions)]
			default:
				pub = anchor.AddDate(0, 0, -t.publishedAgo).Add(-time.Duration(h%80000) * time.Second)
			}
			if t.pkg == "openssl.base" {
				kv.pkgName = t.pkg
			}
			kv.published = pub.Unix()
			kv.title = t.title
			if strings.Contains(t.title, "%s") {
				lab := kv.label
				if t.pkg == "*" {
					ref := strings.TrimSuffix(fmt.Sprintf(t.vendorRef, num), "-1")
					lab = kv.pkgName + " (" + ref + ")"
					if strings.HasPrefix(t.vendorRef, "USN") {
						lab = kv.pkgName + " Vulnerabilities (" + kv.label + ")"
					}
				}
				kv.title = fmt.Sprintf(t.title, lab)
			}
			// Modification: some time after publication, before the anchor.
			span := anchorSec - 3600 - kv.published
			kv.modified = kv.published
			if span > 0 {
				kv.modified += int64(h>>20) % span
			}
			// References.
			if ref := t.vendorRef; ref != "" {
				switch {
				case strings.Contains(ref, "%s") && t.label == lkMonth:
					ref = fmt.Sprintf(ref, strings.ToLower(kv.label[:3])+strconv.Itoa(pub.Year()))
				case strings.Contains(ref, "%s"):
					ref = fmt.Sprintf(ref, kv.label)
				case strings.HasPrefix(ref, "KB50"):
					ref = fmt.Sprintf(ref, int(h%100000))
				default:
					ref = fmt.Sprintf(ref, num)
				}
				kv.vendorRefs = []string{ref}
			}
			ncve := int(t.cves[0])
			if t.cves[1] > t.cves[0] {
				ncve += int(h>>12) % int(t.cves[1]-t.cves[0]+1)
			}
			if t.cves == [2]int8{} && t.cvss3 != "" && t.label != lkNone {
				ncve = 1
			}
			year := pub.Year()
			for k := 0; k < ncve; k++ {
				y := year - int((h>>uint(k%40))&1)
				if t.label == lkNone && t.publishedAgo > 3000 {
					y = pub.Year()
				}
				kv.cves = append(kv.cves, fmt.Sprintf("CVE-%d-%d", y, 1000+int(hashKey(uint64(kv.qid), "cve", uint64(k))%48000)))
			}
			if pub.Year() < 2016 && t.vt != vtIG && h%3 == 0 {
				kv.bugtraq = []int{1000 + int(h%90000)}
			}
			// Threat intelligence: each listed id with a probability; CISA KEV for some.
			for k, id := range t.threat {
				if hashKey(uint64(kv.qid), "ti", uint64(k))%100 < 70 || v == 0 {
					kv.threat = append(kv.threat, id)
				}
			}
			if t.patchable && !t.cisa && h%7 == 0 {
				kv.threat = append(kv.threat, 8) // No_Patch for a few
				kv.threat = uniqInt8(kv.threat)
			}
			if t.cisa && (v == 0 || h%5 == 0) {
				kv.threat = uniqInt8(append(kv.threat, 3, 18))
			}
			if t.exploit && (v < 3 || h%3 == 0) {
				kv.exploitSrc = []string{"nvd", "The Exploit-DB", "exploitdb", "Metasploit", "seebug"}[:1+int(h>>30)%4]
				kv.threat = uniqInt8(append(kv.threat, 2))
			}
			kv.malware = t.malware && h%4 == 0
			if t.cvss3 != "" {
				kv.cvss3 = cvss3Score(t.cvss3, kv.exploitSrc != nil)
			}
			if t.cvss2 != "" {
				kv.cvss2 = cvss2Score(t.cvss2)
			}
			kv.qds = qdsFor(&kv)
			kv.epss = strconv.FormatFloat(float64(h%9000+10)/10000*float64(1+len(kv.exploitSrc)), 'f', 5, 64)
			if kv.qds >= 70 && h%2 == 0 {
				var days []string
				for k := 0; k < 1+int(h>>40)%8; k++ {
					d := anchor.AddDate(0, 0, -1-k*3-int(h>>(k+3))%3)
					days = append(days, d.Format("01022006"))
				}
				kv.trending = strings.Join(days, ",")
			}
			kv.factors = qdsFactors(&kv)
			kv.compliance = t.pci && h%6 == 0
			kv.changeLog = h%5 == 0
			kv.disabled = false
			kb.vulns = append(kb.vulns, kv)
		}
	}
	sort.Slice(kb.vulns, func(i, j int) bool { return kb.vulns[i].qid < kb.vulns[j].qid })
	for i := range kb.vulns {
		kb.byQID[kb.vulns[i].qid] = i
	}
	return kb
}

func uniqInt8(xs []int8) []int8 {
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// patchTuesday returns the second Tuesday of the month of m.
func patchTuesday(m time.Time) time.Time {
	d := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Tuesday {
		d = d.AddDate(0, 0, 1)
	}
	return d.AddDate(0, 0, 7)
}

// qdsFor derives the Qualys Detection Score from CVSS and threat signals
// (QVS weighting: KEV/malware/active attacks dominate when present).
func qdsFor(kv *kbVuln) int {
	if kv.tmpl.vt == vtIG {
		return 0
	}
	base := 0.0
	switch {
	case kv.cvss3.ok:
		base = kv.cvss3.base
	case kv.cvss2.ok:
		base = kv.cvss2.base
	default:
		base = float64(kv.sev) * 1.6
	}
	score := 0.65*base*10 + 3
	has := func(id int8) bool {
		for _, x := range kv.threat {
			if x == id {
				return true
			}
		}
		return false
	}
	switch {
	case has(18) || has(3):
		score = 90 + base
	case kv.malware:
		score = 80 + base
	case kv.exploitSrc != nil:
		score += 12
	}
	return max(1, min(100, int(math.Round(score))))
}

// qdsSeverity maps a QDS to its band.
func qdsSeverity(q int) string {
	switch {
	case q >= 90:
		return "CRITICAL"
	case q >= 70:
		return "HIGH"
	case q >= 40:
		return "MEDIUM"
	}
	return "LOW"
}

// --- CVSS ---

func cvssRound1(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return (math.Floor(float64(i)/10000) + 1) / 10
}

// cvss3Score computes a CVSS 3.1 base score (and a temporal score) from a
// vector such as "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".
func cvss3Score(vec string, exploited bool) cvssScore {
	m := map[string]string{}
	for _, kv := range strings.Split(vec, "/") {
		k, v, _ := strings.Cut(kv, ":")
		m[k] = v
	}
	av := map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}[m["AV"]]
	ac := map[string]float64{"L": 0.77, "H": 0.44}[m["AC"]]
	changed := m["S"] == "C"
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}[m["PR"]]
	if changed {
		pr = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}[m["PR"]]
	}
	ui := map[string]float64{"N": 0.85, "R": 0.62}[m["UI"]]
	cia := map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	iss := 1 - (1-cia[m["C"]])*(1-cia[m["I"]])*(1-cia[m["A"]])
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	expl := 8.22 * av * ac * pr * ui
	var base float64
	switch {
	case impact <= 0:
		base = 0
	case changed:
		base = cvssRound1(math.Min(1.08*(impact+expl), 10))
	default:
		base = cvssRound1(math.Min(impact+expl, 10))
	}
	e := 0.94 // unproven
	if exploited {
		e = 0.97
	}
	return cvssScore{vector: "CVSS:3.1/" + vec, base: base, temporal: cvssRound1(base * e * 0.95 * 0.96), ok: true}
}

// cvss2Score computes a CVSS 2.0 base and temporal score.
func cvss2Score(vec string) cvssScore {
	m := map[string]string{}
	for _, kv := range strings.Split(vec, "/") {
		k, v, _ := strings.Cut(kv, ":")
		m[k] = v
	}
	av := map[string]float64{"L": 0.395, "A": 0.646, "N": 1}[m["AV"]]
	ac := map[string]float64{"H": 0.35, "M": 0.61, "L": 0.71}[m["AC"]]
	au := map[string]float64{"M": 0.45, "S": 0.56, "N": 0.704}[m["Au"]]
	ci := map[string]float64{"N": 0, "P": 0.275, "C": 0.66}
	impact := 10.41 * (1 - (1-ci[m["C"]])*(1-ci[m["I"]])*(1-ci[m["A"]]))
	expl := 20 * av * ac * au
	f := 1.176
	if impact == 0 {
		f = 0
	}
	base := math.Round(((0.6*impact)+(0.4*expl)-1.5)*f*10) / 10
	temporal := math.Round(base*0.95*0.87*0.95*10) / 10
	return cvssScore{vector: "CVSS:2.0/" + vec, base: base, temporal: temporal, ok: true}
}

// cvssCode maps a vector metric value to the numeric codes the KB uses.
func cvssCode(vec, metric string) string {
	for _, kv := range strings.Split(vec, "/") {
		k, v, _ := strings.Cut(kv, ":")
		if k != metric {
			continue
		}
		switch v {
		case "N":
			if metric == "AV" {
				return "3"
			}
			return "1"
		case "L":
			if metric == "AV" {
				return "1"
			}
			return "2"
		case "A", "M", "S", "P", "R", "U":
			return "2"
		case "H", "C":
			return "3"
		}
		return "1"
	}
	return ""
}

// kbChangeP is the share of QIDs the service modifies per epoch.
const kbChangeP = 0.03

// kbModified is LAST_SERVICE_MODIFICATION_DATETIME of kv as of epoch e.
func (vm *vmIndex) kbModified(kv *kbVuln, e int) int64 {
	for k := e; k >= 1; k-- {
		h := hashKey(uint64(vm.kbSeed), "kbmod", uint64(kv.qid)<<16|uint64(k))
		if unitFloat(h) < kbChangeP {
			return vm.epochTime(k-1) + 600 + int64(h>>40)%(secPerDay-1200)
		}
	}
	return kv.modified
}
