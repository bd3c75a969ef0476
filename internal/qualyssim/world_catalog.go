package qualyssim

import (
	"fmt"
	"strings"
)

// Static reference tables the data generator draws from. They are read-only:
// nothing in this package writes to them after initialisation.

// osFamily groups operating systems that share software catalogs, ports, users
// and naming conventions.
type osFamily uint8

const (
	famWindows osFamily = iota
	famLinux
	famMac
	famNetwork
	famUnix
)

// osProfile is one operating system release as CSAM describes it.
type osProfile struct {
	osName, fullName, category1, category2 string
	productName, publisher, edition        string
	marketVersion, version, update         string
	arch, productURL, productFamily        string
	release, cpe                           string
	gaDate, eosDate, eolDate               string // YYYY-MM-DD, "" = unknown
	family                                 osFamily
	server                                 bool
	distro                                 string // linux version style: deb-ubuntu, deb-debian, rpm-el7, rpm-el8, rpm-el9, rpm-amzn2, rpm-amzn2023, rpm-suse
	device                                 string // network device kind: Router, Switch, Firewall
	weight                                 int
}

var osProfiles = []osProfile{
	{osName: "Windows Server 2022 Datacenter", fullName: "Microsoft Windows Server 2022 Datacenter 21H2", category1: "Windows", category2: "Windows Server", productName: "Windows Server 2022", publisher: "Microsoft", edition: "Datacenter", marketVersion: "2022", version: "10.0.20348.2340", update: "21H2", arch: "64-Bit", productURL: "https://www.microsoft.com/en-us/windows-server", productFamily: "Windows Server", release: "21H2", cpe: "cpe:2.3:o:microsoft:windows_server_2022:-:*:*:*:*:*:*:*", gaDate: "2021-08-18", eosDate: "2026-10-13", eolDate: "2031-10-14", family: famWindows, server: true, weight: 14},
	{osName: "Windows Server 2019 Standard", fullName: "Microsoft Windows Server 2019 Standard 1809", category1: "Windows", category2: "Windows Server", productName: "Windows Server 2019", publisher: "Microsoft", edition: "Standard", marketVersion: "2019", version: "10.0.17763.5576", update: "1809", arch: "64-Bit", productURL: "https://www.microsoft.com/en-us/windows-server", productFamily: "Windows Server", release: "1809", cpe: "cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*", gaDate: "2018-11-13", eosDate: "2024-01-09", eolDate: "2029-01-09", family: famWindows, server: true, weight: 16},
	{osName: "Windows Server 2016 Standard", fullName: "Microsoft Windows Server 2016 Standard 1607", category1: "Windows", category2: "Windows Server", productName: "Windows Server 2016", publisher: "Microsoft", edition: "Standard", marketVersion: "2016", version: "10.0.14393.6796", update: "1607", arch: "64-Bit", productURL: "https://www.microsoft.com/en-us/windows-server", productFamily: "Windows Server", release: "1607", cpe: "cpe:2.3:o:microsoft:windows_server_2016:-:*:*:*:*:*:*:*", gaDate: "2016-10-15", eosDate: "2022-01-11", eolDate: "2027-01-12", family: famWindows, server: true, weight: 8},
	{osName: "Windows Server 2012 R2 Standard", fullName: "Microsoft Windows Server 2012 R2 Standard", category1: "Windows", category2: "Windows Server", productName: "Windows Server 2012 R2", publisher: "Microsoft", edition: "Standard", marketVersion: "2012 R2", version: "6.3.9600.21620", update: "R2", arch: "64-Bit", productURL: "https://www.microsoft.com/en-us/windows-server", productFamily: "Windows Server", release: "R2", cpe: "cpe:2.3:o:microsoft:windows_server_2012:r2:*:*:*:*:*:*:*", gaDate: "2013-11-25", eosDate: "2018-10-09", eolDate: "2023-10-10", family: famWindows, server: true, weight: 3},
	{osName: "Windows 11 Enterprise", fullName: "Microsoft Windows 11 Enterprise 23H2", category1: "Windows", category2: "Windows Desktop", productName: "Windows 11", publisher: "Microsoft", edition: "Enterprise", marketVersion: "11", version: "10.0.22631.3296", update: "23H2", arch: "64-Bit", productURL: "https://www.microsoft.com/windows/windows-11", productFamily: "Windows", release: "23H2", cpe: "cpe:2.3:o:microsoft:windows_11_23h2:-:*:*:*:*:*:x64:*", gaDate: "2023-10-31", eosDate: "2026-11-10", eolDate: "2026-11-10", family: famWindows, weight: 14},
	{osName: "Windows 10 Enterprise", fullName: "Microsoft Windows 10 Enterprise 22H2", category1: "Windows", category2: "Windows Desktop", productName: "Windows 10", publisher: "Microsoft", edition: "Enterprise", marketVersion: "10", version: "10.0.19045.4170", update: "22H2", arch: "64-Bit", productURL: "https://www.microsoft.com/windows", productFamily: "Windows", release: "22H2", cpe: "cpe:2.3:o:microsoft:windows_10_22h2:-:*:*:*:*:*:x64:*", gaDate: "2022-10-18", eosDate: "2025-10-14", eolDate: "2025-10-14", family: famWindows, weight: 14},
	{osName: "Windows 10 Pro", fullName: "Microsoft Windows 10 Pro 21H2", category1: "Windows", category2: "Windows Desktop", productName: "Windows 10", publisher: "Microsoft", edition: "Pro", marketVersion: "10", version: "10.0.19044.3086", update: "21H2", arch: "64-Bit", productURL: "https://www.microsoft.com/windows", productFamily: "Windows", release: "21H2", cpe: "cpe:2.3:o:microsoft:windows_10_21h2:-:*:*:*:*:*:x64:*", gaDate: "2021-11-16", eosDate: "2023-06-13", eolDate: "2023-06-13", family: famWindows, weight: 3},
	{osName: "Ubuntu 22.04.4 LTS", fullName: "Canonical Ubuntu Linux 22.04.4 LTS", category1: "Linux", category2: "Linux Server", productName: "Ubuntu Linux", publisher: "Canonical", edition: "Server", marketVersion: "22.04", version: "22.04.4", update: "LTS", arch: "x86_64", productURL: "https://ubuntu.com", productFamily: "Ubuntu", release: "Jammy Jellyfish", cpe: "cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*", gaDate: "2022-04-21", eosDate: "2027-06-01", eolDate: "2032-04-30", family: famLinux, server: true, distro: "deb-ubuntu", weight: 10},
	{osName: "Ubuntu 20.04.6 LTS", fullName: "Canonical Ubuntu Linux 20.04.6 LTS", category1: "Linux", category2: "Linux Server", productName: "Ubuntu Linux", publisher: "Canonical", edition: "Server", marketVersion: "20.04", version: "20.04.6", update: "LTS", arch: "x86_64", productURL: "https://ubuntu.com", productFamily: "Ubuntu", release: "Focal Fossa", cpe: "cpe:2.3:o:canonical:ubuntu_linux:20.04:*:*:*:lts:*:*:*", gaDate: "2020-04-23", eosDate: "2025-05-29", eolDate: "2030-04-30", family: famLinux, server: true, distro: "deb-ubuntu", weight: 6},
	{osName: "Ubuntu 18.04.6 LTS", fullName: "Canonical Ubuntu Linux 18.04.6 LTS", category1: "Linux", category2: "Linux Server", productName: "Ubuntu Linux", publisher: "Canonical", edition: "Server", marketVersion: "18.04", version: "18.04.6", update: "LTS", arch: "x86_64", productURL: "https://ubuntu.com", productFamily: "Ubuntu", release: "Bionic Beaver", cpe: "cpe:2.3:o:canonical:ubuntu_linux:18.04:*:*:*:lts:*:*:*", gaDate: "2018-04-26", eosDate: "2023-05-31", eolDate: "2028-04-30", family: famLinux, server: true, distro: "deb-ubuntu", weight: 2},
	{osName: "Ubuntu 22.04.4 LTS", fullName: "Canonical Ubuntu Linux 22.04.4 LTS Desktop", category1: "Linux", category2: "Linux Desktop", productName: "Ubuntu Linux", publisher: "Canonical", edition: "Desktop", marketVersion: "22.04", version: "22.04.4", update: "LTS", arch: "x86_64", productURL: "https://ubuntu.com", productFamily: "Ubuntu", release: "Jammy Jellyfish", cpe: "cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:lts:*:*:*", gaDate: "2022-04-21", eosDate: "2027-06-01", eolDate: "2032-04-30", family: famLinux, distro: "deb-ubuntu", weight: 2},
	{osName: "Red Hat Enterprise Linux 8.9", fullName: "Red Hat Enterprise Linux Server 8.9 (Ootpa)", category1: "Linux", category2: "Linux Server", productName: "Red Hat Enterprise Linux", publisher: "Red Hat", edition: "Server", marketVersion: "8", version: "8.9", update: "8.9", arch: "x86_64", productURL: "https://www.redhat.com/en/technologies/linux-platforms/enterprise-linux", productFamily: "Red Hat Enterprise Linux", release: "Ootpa", cpe: "cpe:2.3:o:redhat:enterprise_linux:8.9:*:*:*:*:*:*:*", gaDate: "2019-05-07", eosDate: "2024-05-31", eolDate: "2029-05-31", family: famLinux, server: true, distro: "rpm-el8", weight: 6},
	{osName: "Red Hat Enterprise Linux 9.3", fullName: "Red Hat Enterprise Linux Server 9.3 (Plow)", category1: "Linux", category2: "Linux Server", productName: "Red Hat Enterprise Linux", publisher: "Red Hat", edition: "Server", marketVersion: "9", version: "9.3", update: "9.3", arch: "x86_64", productURL: "https://www.redhat.com/en/technologies/linux-platforms/enterprise-linux", productFamily: "Red Hat Enterprise Linux", release: "Plow", cpe: "cpe:2.3:o:redhat:enterprise_linux:9.3:*:*:*:*:*:*:*", gaDate: "2022-05-17", eosDate: "2027-05-31", eolDate: "2032-05-31", family: famLinux, server: true, distro: "rpm-el9", weight: 5},
	{osName: "Red Hat Enterprise Linux 7.9", fullName: "Red Hat Enterprise Linux Server 7.9 (Maipo)", category1: "Linux", category2: "Linux Server", productName: "Red Hat Enterprise Linux", publisher: "Red Hat", edition: "Server", marketVersion: "7", version: "7.9", update: "7.9", arch: "x86_64", productURL: "https://www.redhat.com/en/technologies/linux-platforms/enterprise-linux", productFamily: "Red Hat Enterprise Linux", release: "Maipo", cpe: "cpe:2.3:o:redhat:enterprise_linux:7.9:*:*:*:*:*:*:*", gaDate: "2014-06-10", eosDate: "2019-08-06", eolDate: "2024-06-30", family: famLinux, server: true, distro: "rpm-el7", weight: 2},
	{osName: "CentOS Linux 7.9.2009", fullName: "The CentOS Project CentOS Linux 7.9.2009 (Core)", category1: "Linux", category2: "Linux Server", productName: "CentOS Linux", publisher: "The CentOS Project", edition: "Server", marketVersion: "7", version: "7.9.2009", update: "2009", arch: "x86_64", productURL: "https://www.centos.org", productFamily: "CentOS", release: "Core", cpe: "cpe:2.3:o:centos:centos:7:*:*:*:*:*:*:*", gaDate: "2014-07-07", eosDate: "2020-08-06", eolDate: "2024-06-30", family: famLinux, server: true, distro: "rpm-el7", weight: 2},
	{osName: "Debian GNU/Linux 12", fullName: "Debian GNU/Linux 12 (bookworm)", category1: "Linux", category2: "Linux Server", productName: "Debian Linux", publisher: "Debian", edition: "Server", marketVersion: "12", version: "12.5", update: "12.5", arch: "x86_64", productURL: "https://www.debian.org", productFamily: "Debian", release: "bookworm", cpe: "cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*", gaDate: "2023-06-10", eosDate: "2026-06-10", eolDate: "2028-06-30", family: famLinux, server: true, distro: "deb-debian", weight: 3},
	{osName: "Debian GNU/Linux 11", fullName: "Debian GNU/Linux 11 (bullseye)", category1: "Linux", category2: "Linux Server", productName: "Debian Linux", publisher: "Debian", edition: "Server", marketVersion: "11", version: "11.9", update: "11.9", arch: "x86_64", productURL: "https://www.debian.org", productFamily: "Debian", release: "bullseye", cpe: "cpe:2.3:o:debian:debian_linux:11.0:*:*:*:*:*:*:*", gaDate: "2021-08-14", eosDate: "2024-08-14", eolDate: "2026-08-31", family: famLinux, server: true, distro: "deb-debian", weight: 2},
	{osName: "Amazon Linux 2023", fullName: "Amazon Linux 2023.4.20240401", category1: "Linux", category2: "Linux Server", productName: "Amazon Linux", publisher: "Amazon", edition: "Server", marketVersion: "2023", version: "2023.4.20240401", update: "2023.4", arch: "x86_64", productURL: "https://aws.amazon.com/linux/amazon-linux-2023/", productFamily: "Amazon Linux", release: "2023", cpe: "cpe:2.3:o:amazon:amazon_linux:2023:*:*:*:*:*:*:*", gaDate: "2023-03-15", eosDate: "2027-03-15", eolDate: "2029-03-15", family: famLinux, server: true, distro: "rpm-amzn2023", weight: 3},
	{osName: "Amazon Linux 2", fullName: "Amazon Linux 2 (Karoo)", category1: "Linux", category2: "Linux Server", productName: "Amazon Linux", publisher: "Amazon", edition: "Server", marketVersion: "2", version: "2.0.20240329", update: "2", arch: "x86_64", productURL: "https://aws.amazon.com/amazon-linux-2/", productFamily: "Amazon Linux", release: "Karoo", cpe: "cpe:2.3:o:amazon:amazon_linux:2:*:*:*:*:*:*:*", gaDate: "2018-06-26", eosDate: "2025-06-30", eolDate: "2026-06-30", family: famLinux, server: true, distro: "rpm-amzn2", weight: 3},
	{osName: "SUSE Linux Enterprise Server 15 SP5", fullName: "SUSE Linux Enterprise Server 15 SP5", category1: "Linux", category2: "Linux Server", productName: "SUSE Linux Enterprise Server", publisher: "SUSE", edition: "Server", marketVersion: "15", version: "15.5", update: "SP5", arch: "x86_64", productURL: "https://www.suse.com/products/server/", productFamily: "SUSE Linux Enterprise", release: "SP5", cpe: "cpe:2.3:o:suse:sles:15:sp5:*:*:*:*:*:*", gaDate: "2023-06-20", eosDate: "2024-12-31", eolDate: "2031-07-31", family: famLinux, server: true, distro: "rpm-suse", weight: 2},
	{osName: "Oracle Linux 8.9", fullName: "Oracle Linux Server 8.9", category1: "Linux", category2: "Linux Server", productName: "Oracle Linux", publisher: "Oracle", edition: "Server", marketVersion: "8", version: "8.9", update: "8.9", arch: "x86_64", productURL: "https://www.oracle.com/linux/", productFamily: "Oracle Linux", release: "8.9", cpe: "cpe:2.3:o:oracle:linux:8:9:*:*:*:*:*:*", gaDate: "2019-07-18", eosDate: "2029-07-31", eolDate: "2032-07-31", family: famLinux, server: true, distro: "rpm-el8", weight: 1},
	{osName: "macOS Sonoma 14.4.1", fullName: "Apple macOS Sonoma 14.4.1", category1: "Mac", category2: "Mac Desktop", productName: "macOS", publisher: "Apple", edition: "Unknown", marketVersion: "14", version: "14.4.1", update: "14.4.1", arch: "arm64", productURL: "https://www.apple.com/macos/", productFamily: "macOS", release: "Sonoma", cpe: "cpe:2.3:o:apple:macos:14.4.1:*:*:*:*:*:*:*", gaDate: "2023-09-26", eosDate: "", eolDate: "", family: famMac, weight: 4},
	{osName: "macOS Ventura 13.6.6", fullName: "Apple macOS Ventura 13.6.6", category1: "Mac", category2: "Mac Desktop", productName: "macOS", publisher: "Apple", edition: "Unknown", marketVersion: "13", version: "13.6.6", update: "13.6.6", arch: "x86_64", productURL: "https://www.apple.com/macos/", productFamily: "macOS", release: "Ventura", cpe: "cpe:2.3:o:apple:macos:13.6.6:*:*:*:*:*:*:*", gaDate: "2022-10-24", eosDate: "", eolDate: "", family: famMac, weight: 2},
	{osName: "Cisco IOS XE 17.9.4a", fullName: "Cisco IOS XE 17.9.4a", category1: "Network Operating System", category2: "Router", productName: "IOS XE", publisher: "Cisco", edition: "Unknown", marketVersion: "17.9", version: "17.9.4a", update: "17.9.4a", arch: "Unknown", productURL: "https://www.cisco.com/c/en/us/products/ios-nx-os-software/ios-xe/index.html", productFamily: "IOS", release: "Cupertino", cpe: "cpe:2.3:o:cisco:ios_xe:17.9.4a:*:*:*:*:*:*:*", gaDate: "2022-08-01", eosDate: "2025-07-31", eolDate: "2028-07-31", family: famNetwork, device: "Router", weight: 2},
	{osName: "Cisco NX-OS 9.3(10)", fullName: "Cisco NX-OS 9.3(10)", category1: "Network Operating System", category2: "Switch", productName: "NX-OS", publisher: "Cisco", edition: "Unknown", marketVersion: "9.3", version: "9.3(10)", update: "9.3(10)", arch: "Unknown", productURL: "https://www.cisco.com/c/en/us/products/ios-nx-os-software/nx-os/index.html", productFamily: "NX-OS", release: "9.3", cpe: "cpe:2.3:o:cisco:nx-os:9.3(10):*:*:*:*:*:*:*", gaDate: "2019-12-20", eosDate: "2024-04-30", eolDate: "2027-04-30", family: famNetwork, device: "Switch", weight: 1},
	{osName: "PAN-OS 10.2.8", fullName: "Palo Alto Networks PAN-OS 10.2.8", category1: "Network Operating System", category2: "Firewall", productName: "PAN-OS", publisher: "Palo Alto Networks", edition: "Unknown", marketVersion: "10.2", version: "10.2.8", update: "10.2.8", arch: "Unknown", productURL: "https://www.paloaltonetworks.com", productFamily: "PAN-OS", release: "10.2", cpe: "cpe:2.3:o:paloaltonetworks:pan-os:10.2.8:*:*:*:*:*:*:*", gaDate: "2022-02-27", eosDate: "2025-08-27", eolDate: "2025-08-27", family: famNetwork, device: "Firewall", weight: 1},
	{osName: "FortiOS 7.2.7", fullName: "Fortinet FortiOS 7.2.7", category1: "Network Operating System", category2: "Firewall", productName: "FortiOS", publisher: "Fortinet", edition: "Unknown", marketVersion: "7.2", version: "7.2.7", update: "7.2.7", arch: "Unknown", productURL: "https://www.fortinet.com/products/fortigate/fortios", productFamily: "FortiOS", release: "7.2", cpe: "cpe:2.3:o:fortinet:fortios:7.2.7:*:*:*:*:*:*:*", gaDate: "2022-03-31", eosDate: "2025-09-30", eolDate: "2026-03-31", family: famNetwork, device: "Firewall", weight: 1},
	{osName: "Junos OS 21.4R3", fullName: "Juniper Networks Junos OS 21.4R3", category1: "Network Operating System", category2: "Router", productName: "Junos OS", publisher: "Juniper Networks", edition: "Unknown", marketVersion: "21.4", version: "21.4R3-S5", update: "R3", arch: "Unknown", productURL: "https://www.juniper.net/us/en/products/network-operating-system/junos-os.html", productFamily: "Junos", release: "21.4", cpe: "cpe:2.3:o:juniper:junos:21.4:r3-s5:*:*:*:*:*:*", gaDate: "2021-12-21", eosDate: "2024-12-21", eolDate: "2025-06-21", family: famNetwork, device: "Router", weight: 1},
	{osName: "AIX 7.2", fullName: "IBM AIX 7.2 TL5 SP6", category1: "Unix", category2: "Unix Server", productName: "AIX", publisher: "IBM", edition: "Standard", marketVersion: "7.2", version: "7200-05-06-2320", update: "TL5", arch: "ppc64", productURL: "https://www.ibm.com/products/aix", productFamily: "AIX", release: "7.2", cpe: "cpe:2.3:o:ibm:aix:7.2:*:*:*:*:*:*:*", gaDate: "2015-12-04", eosDate: "2026-04-30", eolDate: "2026-04-30", family: famUnix, server: true, weight: 1},
}

// hwProfile is a hardware model.
type hwProfile struct {
	manufacturer, model, productName, category1, category2, family, gaDate string
}

var (
	hwVMware  = []hwProfile{{"VMware", "VMware Virtual Platform", "VMware Virtual Platform", "Computers", "Virtual Machine", "VMware Virtual Platform", "2006-06-01"}, {"VMware", "VMware7,1", "VMware Virtual Platform", "Computers", "Virtual Machine", "VMware Virtual Platform", "2020-04-02"}}
	hwHyperV  = []hwProfile{{"Microsoft", "Virtual Machine", "Hyper-V Virtual Machine", "Computers", "Virtual Machine", "Hyper-V", "2008-06-26"}}
	hwAWS     = []hwProfile{{"Amazon", "EC2", "Amazon EC2 Instance", "Computers", "Virtual Machine", "Amazon EC2", "2006-08-25"}}
	hwAzure   = []hwProfile{{"Microsoft", "Virtual Machine", "Azure Virtual Machine", "Computers", "Virtual Machine", "Azure Virtual Machines", "2012-06-07"}}
	hwGCP     = []hwProfile{{"Google", "Google Compute Engine", "Google Compute Engine", "Computers", "Virtual Machine", "Google Compute Engine", "2013-12-02"}}
	hwServers = []hwProfile{{"Dell", "PowerEdge R740", "Dell PowerEdge R740", "Computers", "Server", "PowerEdge", "2017-07-11"}, {"Dell", "PowerEdge R650", "Dell PowerEdge R650", "Computers", "Server", "PowerEdge", "2021-03-17"}, {"HPE", "ProLiant DL380 Gen10", "HPE ProLiant DL380 Gen10", "Computers", "Server", "ProLiant", "2017-07-11"}, {"HPE", "ProLiant DL360 Gen10 Plus", "HPE ProLiant DL360 Gen10 Plus", "Computers", "Server", "ProLiant", "2021-03-16"}, {"Lenovo", "ThinkSystem SR650", "Lenovo ThinkSystem SR650", "Computers", "Server", "ThinkSystem", "2017-07-11"}}
	hwClients = []hwProfile{{"Dell", "Latitude 5420", "Dell Latitude 5420", "Computers", "Notebook", "Latitude", "2021-02-04"}, {"Dell", "Latitude 7430", "Dell Latitude 7430", "Computers", "Notebook", "Latitude", "2022-03-01"}, {"Lenovo", "ThinkPad T14 Gen 3", "Lenovo ThinkPad T14 Gen 3", "Computers", "Notebook", "ThinkPad", "2022-05-01"}, {"Lenovo", "ThinkPad X1 Carbon Gen 10", "Lenovo ThinkPad X1 Carbon Gen 10", "Computers", "Notebook", "ThinkPad", "2022-04-20"}, {"HP", "EliteBook 840 G9", "HP EliteBook 840 G9", "Computers", "Notebook", "EliteBook", "2022-03-15"}, {"Dell", "OptiPlex 7090", "Dell OptiPlex 7090", "Computers", "Desktop", "OptiPlex", "2021-04-13"}, {"HP", "EliteDesk 800 G6", "HP EliteDesk 800 G6 Tower", "Computers", "Desktop", "EliteDesk", "2020-05-01"}}
	hwMacs    = []hwProfile{{"Apple", "Mac14,9", "MacBook Pro (14-inch, 2023)", "Computers", "Notebook", "MacBook Pro", "2023-01-24"}, {"Apple", "Mac14,2", "MacBook Air (M2, 2022)", "Computers", "Notebook", "MacBook Air", "2022-07-15"}, {"Apple", "MacBookPro16,1", "MacBook Pro (16-inch, 2019)", "Computers", "Notebook", "MacBook Pro", "2019-11-13"}}
	hwNetwork = map[string][]hwProfile{
		"Cisco":              {{"Cisco", "ISR4431/K9", "Cisco ISR 4431", "Networking Device", "Router", "ISR 4000", "2014-09-01"}, {"Cisco", "C9300-48P", "Cisco Catalyst 9300-48P", "Networking Device", "Switch", "Catalyst 9300", "2017-06-20"}, {"Cisco", "N9K-C93180YC-EX", "Cisco Nexus 93180YC-EX", "Networking Device", "Switch", "Nexus 9000", "2016-03-01"}},
		"Palo Alto Networks": {{"Palo Alto Networks", "PA-3220", "PA-3220", "Networking Device", "Firewall", "PA-3200 Series", "2018-03-01"}},
		"Fortinet":           {{"Fortinet", "FG-100F", "FortiGate 100F", "Networking Device", "Firewall", "FortiGate", "2019-10-01"}},
		"Juniper Networks":   {{"Juniper Networks", "MX204", "MX204 Universal Routing Platform", "Networking Device", "Router", "MX Series", "2017-09-01"}},
	}
	hwPower = []hwProfile{{"IBM", "9009-22A", "IBM Power System S922", "Computers", "Server", "Power Systems", "2018-02-27"}}
)

// cpuProfile is a processor model: description, MHz and the usual cores per socket.
type cpuProfile struct {
	desc  string
	mhz   int
	cores int
}

var (
	cpuServer = []cpuProfile{{"Intel(R) Xeon(R) Gold 6230R CPU @ 2.10GHz", 2100, 26}, {"Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz", 2200, 12}, {"Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz", 2500, 24}, {"AMD EPYC 7763 64-Core Processor", 2450, 64}, {"Intel(R) Xeon(R) Gold 6430", 2100, 32}, {"AMD EPYC 7R13 Processor", 2650, 48}}
	cpuClient = []cpuProfile{{"11th Gen Intel(R) Core(TM) i5-1145G7 @ 2.60GHz", 2600, 4}, {"12th Gen Intel(R) Core(TM) i7-1265U", 1800, 10}, {"Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz", 2900, 8}, {"AMD Ryzen 7 PRO 5850U with Radeon Graphics", 1900, 8}}
	cpuMac    = []cpuProfile{{"Apple M2 Pro", 3490, 10}, {"Apple M2", 3490, 8}, {"Intel(R) Core(TM) i9-9880H CPU @ 2.30GHz", 2300, 8}}
	cpuPower  = []cpuProfile{{"PowerPC_POWER9", 3400, 10}}
	cpuNet    = []cpuProfile{{"ARM Cortex-A72", 2200, 4}, {"Intel(R) Atom(TM) CPU C3758 @ 2.20GHz", 2200, 8}}
)

// tagDef is one asset tag; crit 0 means the tag carries no criticality.
type tagDef struct {
	id   int64
	name string
	crit int
	bg   int
}

// Tag indexes used by the generator's rules.
const (
	tagCloudAgent = iota
	tagInternetFacing
	tagProduction
	tagStaging
	tagDevelopment
	tagWindowsServers
	tagLinuxServers
	tagWorkstations
	tagNetworkDevices
	tagPCI
	tagFinance
	tagHR
	tagDMZ
	tagDCEast
	tagDCWest
	tagAWS
	tagAzure
	tagGCP
	tagBusinessCritical
	tagDomainControllers
	tagDatabaseServers
	tagWebServers
	tagEOLOS
	tagShodan
	tagContainerHosts
	tagMacOS
	tagRemoteWorkers
	tagTestLab
)

var tagDefs = []tagDef{
	{7714301, "Cloud Agent", 0, 0x1A73E8},
	{7714338, "Internet Facing Assets", 4, 0xD93025},
	{7714375, "Production", 4, 0xE37400},
	{7714412, "Staging", 3, 0xF9AB00},
	{7714449, "Development", 2, 0x1E8E3E},
	{7714486, "Windows Servers", 0, 0x4285F4},
	{7714523, "Linux Servers", 0, 0x34A853},
	{7714560, "Workstations", 0, 0x9AA0A6},
	{7714597, "Network Devices", 4, 0x5F6368},
	{7714634, "PCI-DSS Scope", 5, 0xA50E0E},
	{7714671, "Finance", 4, 0x188038},
	{7714708, "HR", 3, 0x8430CE},
	{7714745, "DMZ", 4, 0xB31412},
	{7714782, "Datacenter East", 0, 0x12B5CB},
	{7714819, "Datacenter West", 0, 0x129EAF},
	{7714856, "AWS", 0, 0xFF9900},
	{7714893, "Azure", 0, 0x0078D4},
	{7714930, "GCP", 0, 0x4285F4},
	{7714967, "Business Critical", 5, 0xC5221F},
	{7715004, "Domain Controllers", 5, 0x3367D6},
	{7715041, "Database Servers", 4, 0x0D652D},
	{7715078, "Web Servers", 3, 0x174EA6},
	{7715115, "End of Life OS", 0, 0x80868B},
	{25971788, "Shodan", 3, 0x202124},
	{7715152, "Container Hosts", 0, 0x2496ED},
	{7715189, "macOS", 0, 0x555555},
	{7715226, "Remote Workers", 2, 0x7CB342},
	{7715263, "Test Lab", 1, 0xBDC1C6},
}

// Server roles drive ports, services, tags and server software.
const (
	roleNone = iota
	roleWeb
	roleDB
	roleApp
	roleFile
	roleDC
	roleContainer
	roleInfra
)

// Inventory sources (inventory.source, activity.source, discoverySources).
var sourceNames = []string{"QAGENT", "IP SCANNER", "CLOUD CONNECTOR", "EASM"}

const (
	srcAgent = iota
	srcScanner
	srcConnector
	srcEASM
)

// Cloud providers.
const (
	cloudNone = iota
	cloudAWS
	cloudAzure
	cloudGCP
)

var (
	firstNames  = []string{"james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david", "elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "priya", "arjun", "wei", "mei", "lukas", "anna", "mateo", "sofia", "kenji", "yuki", "olga", "ivan", "fatima", "omar", "chloe", "liam", "emma", "noah"}
	lastNames   = []string{"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez", "patel", "kumar", "chen", "wang", "mueller", "schmidt", "rossi", "silva", "tanaka", "sato", "ivanova", "nowak", "dubois", "kowalski", "nguyen", "kim", "lee", "oconnor", "haddad", "larsen"}
	departments = []string{"Engineering", "Finance", "Human Resources", "Sales", "Marketing", "IT Operations", "Security", "Legal", "Customer Support", "Research"}
	companies   = []string{"Acme Corp", "Acme Corp", "Acme Corp", "Acme Financial Services", "Acme Retail"}
	supportGrps = []string{"Windows Server Ops", "Linux Platform", "Network Operations", "End User Computing", "Database Administration", "Cloud Platform", "SecOps"}
	opStatuses  = []string{"Operational", "Operational", "Operational", "Non-Operational", "Repair in Progress", "Retired"}
	domainRoles = map[bool][]string{true: {"Member Server", "Member Server", "Member Server", "Standalone Server"}, false: {"Member Workstation", "Member Workstation", "Standalone Workstation"}}
	locations   = []struct{ name, city, state, country, continent, postal, tz string }{
		{"HQ - New York", "New York", "NY", "United States", "North America", "10001", "-05:00"},
		{"DC East - Ashburn", "Ashburn", "VA", "United States", "North America", "20147", "-05:00"},
		{"DC West - San Jose", "San Jose", "CA", "United States", "North America", "95134", "-08:00"},
		{"Office - Austin", "Austin", "TX", "United States", "North America", "78701", "-06:00"},
		{"Office - London", "London", "England", "United Kingdom", "Europe", "EC2A 2BB", "+00:00"},
		{"Office - Frankfurt", "Frankfurt am Main", "Hesse", "Germany", "Europe", "60311", "+01:00"},
		{"Office - Pune", "Pune", "MH", "India", "Asia", "411014", "+05:30"},
		{"Office - Singapore", "Singapore", "Singapore", "Singapore", "Asia", "018989", "+08:00"},
		{"Office - Tokyo", "Tokyo", "Tokyo", "Japan", "Asia", "100-0005", "+09:00"},
		{"Office - Sydney", "Sydney", "NSW", "Australia", "Oceania", "2000", "+10:00"},
	}
	businessApps = []struct{ id, name, crit string }{
		{"APM0001021", "Payments Gateway", "1 - Most Critical"},
		{"APM0001187", "Customer Portal", "1 - Most Critical"},
		{"APM0002044", "HR Self Service", "3 - Less Critical"},
		{"APM0002310", "Data Warehouse", "2 - Somewhat Critical"},
		{"APM0003001", "Order Management", "1 - Most Critical"},
		{"APM0003472", "Internal Wiki", "4 - Not Critical"},
		{"APM0004120", "Quoting App", "2 - Somewhat Critical"},
		{"APM0004555", "CI/CD Platform", "3 - Less Critical"},
	}
	awsRegions   = []struct{ code, name string }{{"us-east-1", "US East (N. Virginia)"}, {"us-east-2", "US East (Ohio)"}, {"us-west-2", "US West (Oregon)"}, {"eu-west-1", "Europe (Ireland)"}, {"eu-central-1", "Europe (Frankfurt)"}, {"ap-south-1", "Asia Pacific (Mumbai)"}}
	awsTypes     = []string{"t3.medium", "t3.large", "m5.large", "m5.xlarge", "m6i.2xlarge", "c5.xlarge", "r5.large"}
	azureRegions = []string{"eastus", "eastus2", "westus2", "westeurope", "northeurope", "centralindia"}
	azureSizes   = []string{"Standard_D2s_v3", "Standard_D4s_v5", "Standard_B2ms", "Standard_E4s_v5", "Standard_F4s_v2"}
	gcpZones     = []string{"us-central1-a", "us-east1-b", "europe-west1-c", "asia-south1-a"}
	gcpTypes     = []string{"e2-standard-2", "e2-standard-4", "n2-standard-4", "n2-highmem-8"}
	macVendors   = []struct {
		oui, name string
		intro     int64
	}{
		{"00:50:56", "VMware, Inc.", 946944000000}, {"00:0c:29", "VMware, Inc.", 946944000000}, {"00:15:5d", "Microsoft Corporation", 1130371200000},
		{"f4:8e:38", "Dell Inc.", 1410739200000}, {"b0:83:fe", "Dell Inc.", 1336003200000}, {"3c:ec:ef", "Super Micro Computer, Inc.", 1552521600000},
		{"94:40:c9", "Hewlett Packard Enterprise", 1497312000000}, {"a4:bb:6d", "Dell Inc.", 1524787200000}, {"8c:85:90", "Apple, Inc.", 1460332800000},
		{"00:1b:54", "Cisco Systems, Inc", 1165968000000}, {"b4:0c:25", "Palo Alto Networks", 1406851200000}, {"00:09:0f", "Fortinet, Inc.", 1031097600000},
	}
	biosPlaceholders = []string{"To be filled by O.E.M.", "None", "Default string", "System Serial Number", "0"}
)

// Software catalogs. Each line: name|publisher|category1 / category2|versions|install path|flags|product URL.
// For Linux the name may be "debname/rpmname". Flags: A application, L library, D driver, R runtime,
// o open source, c commercial, f freeware, s server software (reported with softwareInstances).
// An empty publisher means the distribution vendor.

var windowsCatalog = []string{
	`Google Chrome|Google|Internet / Web Browsers|122.0.6261.129 123.0.6312.106 124.0.6367.91|C:\Program Files\Google\Chrome\Application|Af|https://www.google.com/chrome/`,
	`Mozilla Firefox (x64 en-US)|Mozilla|Internet / Web Browsers|115.9.1 124.0.2 125.0.1|C:\Program Files\Mozilla Firefox|Ao|https://www.mozilla.org/firefox/`,
	`Microsoft Edge|Microsoft|Internet / Web Browsers|123.0.2420.97 124.0.2478.67|C:\Program Files (x86)\Microsoft\Edge\Application|Af|https://www.microsoft.com/edge`,
	`Microsoft Edge WebView2 Runtime|Microsoft|Development / Runtime Environments|123.0.2420.97 124.0.2478.67|C:\Program Files (x86)\Microsoft\EdgeWebView\Application|Rf|`,
	`Microsoft 365 Apps for enterprise - en-us|Microsoft|Office Productivity / Office Suites|16.0.17328.20282 16.0.17425.20176|C:\Program Files\Microsoft Office|Ac|https://www.microsoft.com/microsoft-365`,
	`Microsoft Office Professional Plus 2016|Microsoft|Office Productivity / Office Suites|16.0.4266.1001|C:\Program Files\Microsoft Office|Ac|`,
	`Microsoft OneDrive|Microsoft|Internet / File Sharing|24.040.0225.0001 24.055.0317.0002|C:\Program Files\Microsoft OneDrive|Af|`,
	`Microsoft Teams|Microsoft|Communications / Collaboration|1.7.00.6058 24060.2623.2790.8046||Ac|https://www.microsoft.com/microsoft-teams`,
	`Microsoft Visual C++ 2005 Redistributable|Microsoft|Development / Runtime Environments|8.0.61001||Rf|`,
	`Microsoft Visual C++ 2008 Redistributable - x64 9.0.30729.6161|Microsoft|Development / Runtime Environments|9.0.30729.6161||Rf|`,
	`Microsoft Visual C++ 2008 Redistributable - x86 9.0.30729.6161|Microsoft|Development / Runtime Environments|9.0.30729.6161||Rf|`,
	`Microsoft Visual C++ 2010  x64 Redistributable - 10.0.40219|Microsoft|Development / Runtime Environments|10.0.40219||Rf|`,
	`Microsoft Visual C++ 2010  x86 Redistributable - 10.0.40219|Microsoft|Development / Runtime Environments|10.0.40219||Rf|`,
	`Microsoft Visual C++ 2012 Redistributable (x64) - 11.0.61030|Microsoft|Development / Runtime Environments|11.0.61030.0||Rf|`,
	`Microsoft Visual C++ 2012 Redistributable (x86) - 11.0.61030|Microsoft|Development / Runtime Environments|11.0.61030.0||Rf|`,
	`Microsoft Visual C++ 2013 Redistributable (x64) - 12.0.40664|Microsoft|Development / Runtime Environments|12.0.40664.0||Rf|`,
	`Microsoft Visual C++ 2013 Redistributable (x86) - 12.0.40664|Microsoft|Development / Runtime Environments|12.0.40664.0||Rf|`,
	`Microsoft Visual C++ 2015-2022 Redistributable (x64)|Microsoft|Development / Runtime Environments|14.38.33135.0 14.38.33130.0 14.36.32532.0||Rf|`,
	`Microsoft Visual C++ 2015-2022 Redistributable (x86)|Microsoft|Development / Runtime Environments|14.38.33135.0 14.36.32532.0||Rf|`,
	`Microsoft Visual C++ 2019 X64 Minimum Runtime|Microsoft|Development / Runtime Environments|14.29.30133||Rf|`,
	`Microsoft Visual C++ 2019 X64 Additional Runtime|Microsoft|Development / Runtime Environments|14.29.30133||Rf|`,
	`Microsoft .NET Framework 4.8|Microsoft|Development / Runtime Environments|4.8.09032 4.8.04084||Rf|`,
	`Microsoft .NET Runtime - 6.0.28 (x64)|Microsoft|Development / Runtime Environments|48.112.11573|C:\Program Files\dotnet|Ro|`,
	`Microsoft .NET Runtime - 8.0.3 (x64)|Microsoft|Development / Runtime Environments|64.12.9151|C:\Program Files\dotnet|Ro|`,
	`Microsoft Windows Desktop Runtime - 6.0.28 (x64)|Microsoft|Development / Runtime Environments|48.112.11573|C:\Program Files\dotnet|Ro|`,
	`Microsoft ASP.NET Core 6.0.28 Shared Framework (x64)|Microsoft|Development / Runtime Environments|6.0.28.24115|C:\Program Files\dotnet|Ro|`,
	`Microsoft ASP.NET Core 8.0.3 Hosting Bundle|Microsoft|Development / Runtime Environments|8.0.3.24127||Ro|`,
	`Microsoft Update Health Tools|Microsoft|Operating System / Updates|3.74.0.0 5.72.0.0||Af|`,
	`Update for Windows 10 for x64-based Systems (KB5001716)|Microsoft|Operating System / Updates|8.94.0.0||Af|`,
	`Windows PC Health Check|Microsoft|System Utilities / Diagnostics|3.7.2204.15001||Af|`,
	`Microsoft Policy Platform|Microsoft|System Utilities / Configuration Management|68.1.1010.0||Af|`,
	`Configuration Manager Client|Microsoft|System Utilities / Configuration Management|5.00.9106.1000 5.00.9122.1000|C:\Windows\CCM|Ac|`,
	`Microsoft Monitoring Agent|Microsoft|System Utilities / Monitoring|10.20.18069.0|C:\Program Files\Microsoft Monitoring Agent|Ac|`,
	`Azure Connected Machine Agent|Microsoft|System Utilities / Configuration Management|1.39.02628.1231|C:\Program Files\AzureConnectedMachineAgent|Ac|`,
	`Microsoft SQL Server 2019 (64-bit)|Microsoft|Databases / Relational Databases|15.0.4355.3|C:\Program Files\Microsoft SQL Server|Acs|https://www.microsoft.com/sql-server`,
	`Microsoft SQL Server 2019 Setup (English)|Microsoft|Databases / Database Tools|15.0.4355.3|C:\Program Files\Microsoft SQL Server\150\Setup Bootstrap|Ac|`,
	`SQL Server 2019 Database Engine Services|Microsoft|Databases / Relational Databases|15.0.4355.3|C:\Program Files\Microsoft SQL Server\MSSQL15.MSSQLSERVER\MSSQL|Ac|`,
	`SQL Server 2019 Common Files|Microsoft|Databases / Database Tools|15.0.4355.3||Ac|`,
	`SQL Server 2019 Connection Info|Microsoft|Databases / Database Tools|15.0.4355.3||Ac|`,
	`Microsoft ODBC Driver 17 for SQL Server|Microsoft|Databases / Database Drivers|17.10.5.1|C:\Windows\System32|Lf|`,
	`Microsoft OLE DB Driver for SQL Server|Microsoft|Databases / Database Drivers|18.6.7.0|C:\Windows\System32|Lf|`,
	`SQL Server Management Studio|Microsoft|Databases / Database Tools|19.3.4.0 20.1.10.0|C:\Program Files (x86)\Microsoft SQL Server Management Studio 19|Af|`,
	`Microsoft SQL Server 2012 Native Client|Microsoft|Databases / Database Drivers|11.4.7462.6||Lf|`,
	`IIS URL Rewrite Module 2|Microsoft|Network Application / Web Servers|7.2.1993||Af|`,
	`Microsoft Web Deploy 4.0|Microsoft|Network Application / Web Servers|10.0.8089|C:\Program Files\IIS\Microsoft Web Deploy V3|Af|`,
	`Git|The Git Development Community|Development / Version Control|2.44.0 2.45.1|C:\Program Files\Git|Ao|https://git-scm.com`,
	`Python 3.11.8 (64-bit)|Python Software Foundation|Development / Programming Languages|3.11.8150.0|C:\Program Files\Python311|Ro|https://www.python.org`,
	`Python 3.12.2 (64-bit)|Python Software Foundation|Development / Programming Languages|3.12.2150.0|C:\Program Files\Python312|Ro|https://www.python.org`,
	`Node.js|OpenJS Foundation|Development / Programming Languages|18.20.2 20.12.2|C:\Program Files\nodejs|Ro|https://nodejs.org`,
	`Microsoft Visual Studio Code|Microsoft|Development / Code Editors|1.87.2 1.88.1|C:\Program Files\Microsoft VS Code|Af|https://code.visualstudio.com`,
	`Notepad++ (64-bit x64)|Notepad++ Team|Office Productivity / Text Editors|8.6.4 8.6.5|C:\Program Files\Notepad++|Ao|https://notepad-plus-plus.org`,
	`7-Zip 23.01 (x64)|Igor Pavlov|System Utilities / Compression|23.01|C:\Program Files\7-Zip|Ao|https://www.7-zip.org`,
	`PuTTY release 0.80 (64-bit)|Simon Tatham|Network Application / Remote Access|0.80.0.0|C:\Program Files\PuTTY|Ao|`,
	`WinSCP 6.3.2|Martin Prikryl|Network Application / File Transfer|6.3.2|C:\Program Files (x86)\WinSCP|Ao|`,
	`Wireshark 4.2.4 x64|The Wireshark developer community|Network Application / Network Analysis|4.2.4|C:\Program Files\Wireshark|Ao|https://www.wireshark.org`,
	`Npcap|Nmap Project|Network Application / Network Analysis|1.79|C:\Program Files\Npcap|Dc|`,
	`Adobe Acrobat Reader DC|Adobe|Office Productivity / Document Viewers|24.001.20643 23.008.20470|C:\Program Files\Adobe\Acrobat DC|Af|https://www.adobe.com/acrobat/pdf-reader.html`,
	`Java 8 Update 401 (64-bit)|Oracle|Development / Runtime Environments|8.0.4010.10|C:\Program Files\Java\jre-1.8|Rc|https://www.java.com`,
	`Java(TM) SE Development Kit 17.0.10 (64-bit)|Oracle|Development / Programming Languages|17.0.10.0|C:\Program Files\Java\jdk-17|Rc|`,
	`Eclipse Temurin JDK with Hotspot 21.0.2+13 (x64)|Eclipse Adoptium|Development / Programming Languages|21.0.2.13|C:\Program Files\Eclipse Adoptium\jdk-21.0.2.13-hotspot|Ro|`,
	`Zoom Workplace (64-bit)|Zoom Video Communications, Inc.|Communications / Video Conferencing|5.17.11.34827 6.0.2.33403|C:\Program Files\Zoom\bin|Af|`,
	`Slack (Machine - MSI)|Slack Technologies Inc.|Communications / Messaging|4.37.94|C:\Program Files\Slack|Af|`,
	`Cisco Webex Meetings|Cisco Webex LLC|Communications / Video Conferencing|44.2.0.292||Af|`,
	`Citrix Workspace 2402|Citrix Systems, Inc.|Network Application / Remote Access|24.2.0.172|C:\Program Files (x86)\Citrix\ICA Client|Af|`,
	`Cisco Secure Client - AnyConnect VPN|Cisco Systems, Inc.|Network Application / VPN Clients|5.1.2.42|C:\Program Files (x86)\Cisco\Cisco Secure Client|Ac|`,
	`GlobalProtect|Palo Alto Networks|Network Application / VPN Clients|6.1.4 6.2.1|C:\Program Files\Palo Alto Networks\GlobalProtect|Ac|`,
	`CrowdStrike Windows Sensor|CrowdStrike, Inc.|Security / Endpoint Protection|7.10.17706.0 7.11.18110.0|C:\Program Files\CrowdStrike|Ac|https://www.crowdstrike.com`,
	`Qualys Cloud Security Agent|Qualys, Inc.|Security / Vulnerability Management|5.5.0.29 6.1.0.28|C:\Program Files\Qualys\QualysAgent|Ac|https://www.qualys.com`,
	`Microsoft Defender for Endpoint|Microsoft|Security / Endpoint Protection|10.8760.20348.1 10.8750.22621.1||Ac|`,
	`Tanium Client 7.4.10.1075|Tanium Inc.|System Utilities / Configuration Management|7.4.10.1075|C:\Program Files (x86)\Tanium\Tanium Client|Ac|`,
	`UniversalForwarder|Splunk, Inc.|System Utilities / Log Management|9.1.3.0 9.2.1.0|C:\Program Files\SplunkUniversalForwarder|Acs|`,
	`VMware Tools|VMware, Inc.|System Utilities / Virtualization|12.3.5.22544099 12.1.5.20735119|C:\Program Files\VMware\VMware Tools|Af|`,
	`Dell Command | Update|Dell Inc.|System Utilities / Drivers and Firmware|5.2.0|C:\Program Files\Dell\CommandUpdate|Af|`,
	`Dell OpenManage Server Administrator|Dell Inc.|System Utilities / Hardware Management|11.0.0.0|C:\Program Files\Dell\SysMgt|Ac|`,
	`HP Support Assistant|HP Inc.|System Utilities / Drivers and Firmware|9.27.42.0||Af|`,
	`HPE iLO 5 Channel Interface Driver|Hewlett Packard Enterprise|System Utilities / Drivers|4.7.0.0||Df|`,
	`Lenovo Vantage Service|Lenovo Group Ltd.|System Utilities / Drivers and Firmware|4.1.19.0||Af|`,
	`Intel(R) Network Connections 28.2.0.0|Intel|System Utilities / Drivers|28.2.0.0||Df|`,
	`Intel(R) Chipset Device Software|Intel(R) Corporation|System Utilities / Drivers|10.1.19444.8378||Df|`,
	`Intel(R) Graphics Driver|Intel Corporation|System Utilities / Drivers|31.0.101.5333||Df|`,
	`Intel(R) Management Engine Components|Intel Corporation|System Utilities / Drivers|2406.5.5.0||Df|`,
	`Realtek Audio Driver|Realtek Semiconductor Corp.|System Utilities / Drivers|6.0.9549.1||Df|`,
	`NVIDIA Graphics Driver 551.86|NVIDIA Corporation|System Utilities / Drivers|551.86||Df|`,
	`Microsoft Visual Studio Installer|Microsoft|Development / Development Tools|3.9.2164.8365|C:\Program Files (x86)\Microsoft Visual Studio\Installer|Af|`,
	`Visual Studio Professional 2022|Microsoft|Development / Integrated Development Environments|17.9.5|C:\Program Files\Microsoft Visual Studio\2022\Professional|Ac|`,
	`Windows Software Development Kit - Windows 10.0.22621.2428|Microsoft|Development / Development Tools|10.1.22621.2428|C:\Program Files (x86)\Windows Kits\10\|Af|`,
	`Windows SDK AddOn|Microsoft|Development / Development Tools|10.1.0.0||Af|`,
	`Universal CRT Tools x64|Microsoft|Development / Development Tools|10.1.22621.2428||Lf|`,
	`Microsoft .NET Framework 4.8 Targeting Pack|Microsoft|Development / Development Tools|4.8.03761||Lf|`,
	`Microsoft .NET SDK 8.0.203 (x64)|Microsoft|Development / Development Tools|8.2.324.11423|C:\Program Files\dotnet|Ao|`,
	`IIS 10.0 Express|Microsoft|Network Application / Web Servers|10.0.08608||Af|`,
	`Microsoft Azure CLI (64-bit)|Microsoft|Development / Command Line Tools|2.58.0 2.59.0|C:\Program Files\Microsoft SDKs\Azure\CLI2|Ao|`,
	`AWS Command Line Interface v2|Amazon Web Services|Development / Command Line Tools|2.15.30|C:\Program Files\Amazon\AWSCLIV2|Ao|`,
	`Amazon SSM Agent|Amazon Web Services|System Utilities / Configuration Management|3.3.131.0|C:\Program Files\Amazon\SSM|Ao|`,
	`AWS PV Drivers|Amazon Web Services|System Utilities / Drivers|8.4.3||Df|`,
	`Google Cloud SDK|Google LLC|Development / Command Line Tools|470.0.0||Ao|`,
	`PowerShell 7-x64|Microsoft Corporation|Development / Command Line Tools|7.4.1.0 7.4.2.0|C:\Program Files\PowerShell\7|Ao|https://github.com/PowerShell/PowerShell`,
	`Microsoft Remote Desktop|Microsoft|Network Application / Remote Access|1.2.5105.0||Af|`,
	`TeamViewer|TeamViewer|Network Application / Remote Access|15.51.5 15.52.3|C:\Program Files\TeamViewer|Ac|`,
	`AnyDesk|philandro Software GmbH|Network Application / Remote Access|8.0.9||Af|`,
	`VLC media player|VideoLAN|Multimedia / Media Players|3.0.20|C:\Program Files\VideoLAN\VLC|Ao|`,
	`Greenshot 1.2.10.6|Greenshot|Multimedia / Screen Capture|1.2.10.6|C:\Program Files\Greenshot|Ao|`,
	`Paint.NET|dotPDN LLC|Multimedia / Image Editors|5.0.13||Af|`,
	`KeePass Password Safe 2.56|Dominik Reichl|Security / Password Managers|2.56|C:\Program Files\KeePass Password Safe 2|Ao|`,
	`1Password|AgileBits Inc.|Security / Password Managers|8.10.28||Ac|`,
	`Microsoft Power BI Desktop (x64)|Microsoft Corporation|Office Productivity / Business Intelligence|2.127.1080.0||Af|`,
	`Tableau Desktop 2023.3|Tableau Software|Office Productivity / Business Intelligence|23.3.2327.0|C:\Program Files\Tableau\Tableau 2023.3|Ac|`,
	`SAP GUI for Windows 8.00|SAP|Office Productivity / Business Applications|8.00 Compilation 1||Ac|`,
	`Microsoft Project Professional 2019|Microsoft|Office Productivity / Project Management|16.0.10407.20032||Ac|`,
	`Microsoft Visio Professional 2019|Microsoft|Office Productivity / Diagramming|16.0.10407.20032||Ac|`,
	`Snagit 2024|TechSmith Corporation|Multimedia / Screen Capture|24.1.0.2221||Ac|`,
	`Docker Desktop|Docker Inc.|System Utilities / Virtualization|4.28.0 4.29.0|C:\Program Files\Docker\Docker|Ac|`,
	`Oracle VM VirtualBox 7.0.14|Oracle Corporation|System Utilities / Virtualization|7.0.14|C:\Program Files\Oracle\VirtualBox|Ao|`,
	`Postman x64 10.24.16|Postman|Development / Development Tools|10.24.16||Af|`,
	`JetBrains IntelliJ IDEA 2023.3.6|JetBrains s.r.o.|Development / Integrated Development Environments|233.15026.9|C:\Program Files\JetBrains\IntelliJ IDEA 2023.3.6|Ac|`,
	`Apache Tomcat 9.0 Tomcat9 (remove only)|The Apache Software Foundation|Network Application / Application Servers|9.0.86|C:\Program Files\Apache Software Foundation\Tomcat 9.0|Aos|https://tomcat.apache.org`,
	`nginx for Windows|Nginx, Inc.|Network Application / Web Servers|1.24.0 1.25.4|C:\nginx|Aos|`,
	`MySQL Server 8.0|Oracle Corporation|Databases / Relational Databases|8.0.36|C:\Program Files\MySQL\MySQL Server 8.0|Aos|`,
	`PostgreSQL 15 |PostgreSQL Global Development Group|Databases / Relational Databases|15.6-1|C:\Program Files\PostgreSQL\15|Aos|`,
	`Veeam Agent for Microsoft Windows|Veeam Software Group GmbH|System Utilities / Backup and Recovery|6.1.0.349|C:\Program Files\Veeam\Endpoint Backup|Ac|`,
	`Veritas NetBackup Client|Veritas Technologies LLC|System Utilities / Backup and Recovery|10.2.0.1|C:\Program Files\Veritas\NetBackup|Ac|`,
	`Microsoft Azure AD Connect|Microsoft Corporation|Security / Identity Management|2.2.8.0|C:\Program Files\Microsoft Azure Active Directory Connect|Ac|`,
	`Microsoft Azure AD Connect Health agent for sync|Microsoft Corporation|Security / Identity Management|4.5.2466.0||Ac|`,
	`Local Administrator Password Solution|Microsoft Corporation|Security / Identity Management|6.2.0.0||Af|`,
	`Microsoft Intune Management Extension|Microsoft Corporation|System Utilities / Configuration Management|1.76.108.0||Ac|`,
	`Microsoft Silverlight|Microsoft Corporation|Internet / Browser Plug-ins|5.1.50918.0||Af|`,
	`Adobe Flash Player 32 NPAPI|Adobe|Internet / Browser Plug-ins|32.0.0.465||Af|`,
	`WinRAR 6.24 (64-bit)|win.rar GmbH|System Utilities / Compression|6.24.0|C:\Program Files\WinRAR|Ac|`,
	`FileZilla 3.66.5|Tim Kosse|Network Application / File Transfer|3.66.5|C:\Program Files\FileZilla FTP Client|Ao|`,
	`Microsoft Access database engine 2016 (English)|Microsoft Corporation|Databases / Database Drivers|16.0.5044.1000||Lf|`,
	`Crystal Reports Basic Runtime for Visual Studio 2008|Microsoft Corporation|Office Productivity / Reporting|10.5.0.0||Rf|`,
	`Microsoft Report Viewer 2015 Runtime|Microsoft Corporation|Office Productivity / Reporting|12.0.2402.15||Rf|`,
	`Microsoft System CLR Types for SQL Server 2019|Microsoft Corporation|Databases / Database Drivers|15.0.2000.5||Lf|`,
	`Microsoft Analysis Services OLE DB Provider|Microsoft Corporation|Databases / Database Drivers|16.0.20054.0||Lf|`,
	`Windows Admin Center|Microsoft Corporation|System Utilities / Server Management|1.5.2306.14001|C:\Program Files\Windows Admin Center|Af|`,
	`Remote Server Administration Tools|Microsoft|System Utilities / Server Management|10.0.20348.1||Af|`,
	`Microsoft Azure Recovery Services Agent|Microsoft Corporation|System Utilities / Backup and Recovery|2.0.9270.0||Ac|`,
	`Trellix Agent|Musarubra US LLC|Security / Endpoint Protection|5.8.0.161||Ac|`,
	`SentinelOne Agent|SentinelOne|Security / Endpoint Protection|23.4.4.223|C:\Program Files\SentinelOne\Sentinel Agent 23.4.4.223|Ac|`,
	`Zscaler|Zscaler Inc.|Security / Secure Web Gateway|4.3.0.188|C:\Program Files\Zscaler|Ac|`,
	`Nessus Agent (x64)|Tenable, Inc.|Security / Vulnerability Management|10.5.1.20001||Ac|`,
	`BeyondTrust Privilege Management for Windows|BeyondTrust|Security / Privileged Access Management|23.9.213.0||Ac|`,
	`Duo Authentication for Windows Logon x64|Duo Security|Security / Identity Management|4.3.0.0||Ac|`,
	`OpenSSL 3.2.1 (64-bit)|OpenSSL Win64 Installer Team|Libraries / Cryptographic Libraries|3.2.1|C:\Program Files\OpenSSL-Win64|Lo|`,
	`Microsoft Windows Terminal|Microsoft Corporation|System Utilities / Command Line Tools|1.19.10573.0||Ao|`,
	`Microsoft Sysinternals Suite|Microsoft Corporation|System Utilities / Diagnostics|2024.3.0||Af|`,
	`Windows Subsystem for Linux|Microsoft Corporation|System Utilities / Virtualization|2.1.5.0||Af|`,
	`Microsoft Application Compatibility Toolkit|Microsoft Corporation|Development / Development Tools|10.1.22621.2428||Af|`,
	`Microsoft Windows ADK Deployment Tools|Microsoft Corporation|Development / Development Tools|10.1.25398.1||Af|`,
	`Windows Assessment Toolkit|Microsoft Corporation|Development / Development Tools|10.1.25398.1||Af|`,
	`Microsoft Office 64-bit Components 2016|Microsoft Corporation|Office Productivity / Office Suites|16.0.4266.1001||Ac|`,
	`Microsoft Office Shared 64-bit MUI (English) 2016|Microsoft Corporation|Office Productivity / Office Suites|16.0.4266.1001||Ac|`,
	`Microsoft Office Proofing (English) 2016|Microsoft Corporation|Office Productivity / Office Suites|16.0.4266.1001||Ac|`,
	`Outils de vérification linguistique 2016 de Microsoft Office - Français|Microsoft Corporation|Office Productivity / Office Suites|16.0.4266.1001||Ac|`,
	`Microsoft Office Shared Setup Metadata MUI (English) 2016|Microsoft Corporation|Office Productivity / Office Suites|16.0.4266.1001||Ac|`,
	`Windows Driver Package - Intel (e1dexpress) Net  (09/27/2023 12.19.2.60)|Intel|System Utilities / Drivers|09/27/2023 12.19.2.60||Df|`,
	`Windows Driver Package - Dell Inc. (DDDriver) System  (02/14/2024 1.0.2.0)|Dell Inc.|System Utilities / Drivers|02/14/2024 1.0.2.0||Df|`,
	`Synaptics Pointing Device Driver|Synaptics Incorporated|System Utilities / Drivers|19.5.35.1||Df|`,
	`Broadcom NetXtreme-E Drivers|Broadcom Inc.|System Utilities / Drivers|226.0.145.0||Df|`,
	`Mellanox WinOF-2|Mellanox Technologies|System Utilities / Drivers|3.10.50000||Df|`,
	`Emulex OneCommand Manager|Broadcom Inc.|System Utilities / Hardware Management|14.0.326.20||Af|`,
	`Microsoft Exchange Server 2019 Cumulative Update 14|Microsoft Corporation|Communications / Email Servers|15.2.1544.4|C:\Program Files\Microsoft\Exchange Server\V15|Acs|`,
	`Microsoft SharePoint Server 2019|Microsoft Corporation|Office Productivity / Collaboration|16.0.10408.20000|C:\Program Files\Common Files\microsoft shared\Web Server Extensions\16|Acs|`,
	`Active Directory Rights Management Services Client 2.1|Microsoft Corporation|Security / Identity Management|1.0.3644.0||Af|`,
	`Microsoft Baseline Configuration Analyzer 2.0|Microsoft Corporation|System Utilities / Diagnostics|2.0.6130.0||Af|`,
	`Microsoft Message Analyzer|Microsoft Corporation|Network Application / Network Analysis|4.0.8112.0||Af|`,
	`Microsoft Agent Health Tools|Microsoft Corporation|System Utilities / Monitoring|1.0.0.4||Af|`,
	`Microsoft Azure Storage Explorer|Microsoft Corporation|Development / Development Tools|1.33.0||Af|`,
	`Microsoft SQL Server 2019 T-SQL Language Service|Microsoft Corporation|Databases / Database Tools|15.0.2000.5||Af|`,
	`Microsoft Help Viewer 2.3|Microsoft Corporation|Office Productivity / Document Viewers|2.3.28107||Af|`,
	`Microsoft SQL Server Data-Tier Application Framework|Microsoft Corporation|Databases / Database Tools|162.1.167.1||Af|`,
	`Microsoft VSS Writer for SQL Server 2019|Microsoft Corporation|Databases / Database Tools|15.0.4355.3||Af|`,
	`Browser for SQL Server 2019|Microsoft Corporation|Databases / Database Tools|15.0.4355.3||Af|`,
	`SQL Server 2019 Batch Parser|Microsoft Corporation|Databases / Database Tools|15.0.4355.3||Af|`,
	`SQL Server 2019 Shared Management Objects|Microsoft Corporation|Databases / Database Tools|15.0.4355.3||Lf|`,
	`SQL Server 2019 XEvent|Microsoft Corporation|Databases / Database Tools|15.0.4355.3||Lf|`,
	`SQL Server 2019 DMF|Microsoft Corporation|Databases / Database Tools|15.0.4355.3||Lf|`,
	`Microsoft Command Line Utilities 15 for SQL Server|Microsoft Corporation|Databases / Database Tools|15.0.4298.1||Af|`,
	`Windows Resource Protection Tools|Microsoft Corporation|System Utilities / Diagnostics|10.0.19041.1||Af|`,
	`Microsoft GameInput|Microsoft Corporation|System Utilities / Drivers|10.1.22621.3036||Df|`,
	`Microsoft Windows Media Feature Pack|Microsoft Corporation|Multimedia / Media Players|10.0.19041.1||Af|`,
	`Microsoft XML Parser (MSXML) 4.0 SP3|Microsoft Corporation|Libraries / XML Libraries|4.30.2117.0||Lf|`,
	`Microsoft Windows Firewall Configuration Provider|Microsoft Corporation|Security / Firewalls|10.0.19041.1||Af|`,
	`Microsoft Edge Update|Microsoft Corporation|System Utilities / Software Updaters|1.3.185.29||Af|`,
	`Google Update Helper|Google LLC|System Utilities / Software Updaters|1.3.36.372||Af|`,
	`Mozilla Maintenance Service|Mozilla|System Utilities / Software Updaters|124.0.2||Ao|`,
	`Adobe Refresh Manager|Adobe Systems Incorporated|System Utilities / Software Updaters|1.8.0||Af|`,
	`Java Auto Updater|Oracle Corporation|System Utilities / Software Updaters|2.8.401.10||Af|`,
	`Apple Mobile Device Support|Apple Inc.|System Utilities / Drivers|17.0.0.27||Df|`,
	`Bonjour|Apple Inc.|Network Application / Network Services|3.1.0.1||Af|`,
	`iTunes|Apple Inc.|Multimedia / Media Players|12.13.1.3||Af|`,
	`Spotify|Spotify AB|Multimedia / Media Players|1.2.33.1039||Af|`,
	`Grammarly for Windows|Grammarly|Office Productivity / Writing Tools|1.0.62.1468||Af|`,
	`Foxit PDF Reader|Foxit Software Inc.|Office Productivity / Document Viewers|2024.1.0.23997||Af|`,
	`LibreOffice 7.6.5.2|The Document Foundation|Office Productivity / Office Suites|7.6.5.2|C:\Program Files\LibreOffice|Ao|`,
	`GIMP 2.10.36|The GIMP Team|Multimedia / Image Editors|2.10.36|C:\Program Files\GIMP 2|Ao|`,
	`Audacity 3.4.2|Audacity Team|Multimedia / Audio Editors|3.4.2|C:\Program Files\Audacity|Ao|`,
	`OBS Studio|OBS Project|Multimedia / Video Editors|30.1.2||Ao|`,
	`Microsoft Whiteboard|Microsoft Corporation|Office Productivity / Collaboration|24.20418.1||Af|`,
	`Microsoft To Do|Microsoft Corporation|Office Productivity / Task Management|2.114.7122.0||Af|`,
	`Microsoft Loop|Microsoft Corporation|Office Productivity / Collaboration|1.0.0.0||Af|`,
	`Webex|Cisco Systems, Inc|Communications / Video Conferencing|44.3.0.28993||Af|`,
	`RingCentral|RingCentral|Communications / VoIP|24.1.21.1||Af|`,
	`DBeaver 24.0.2|DBeaver Corp|Databases / Database Tools|24.0.2|C:\Program Files\DBeaver|Ao|`,
	`MongoDB Compass|MongoDB Inc.|Databases / Database Tools|1.42.3||Af|`,
	`Redis on Windows|Microsoft Open Tech|Databases / NoSQL Databases|3.0.504||Ao|`,
	`Erlang OTP 26|Ericsson AB|Development / Programming Languages|14.2.3||Ro|`,
	`RabbitMQ Server 3.13.0|Broadcom Inc.|Network Application / Message Brokers|3.13.0|C:\Program Files\RabbitMQ Server|Aos|`,
	`Apache HTTP Server 2.4|Apache Lounge|Network Application / Web Servers|2.4.58 2.4.59|C:\Apache24|Aos|https://httpd.apache.org`,
	`PHP 8.2|The PHP Group|Development / Programming Languages|8.2.17||Ro|`,
	`Strawberry Perl (64-bit)|strawberryperl.com project|Development / Programming Languages|5.38.2.2||Ro|`,
	`Ruby 3.2.3-1-x64|RubyInstaller Team|Development / Programming Languages|3.2.3-1|C:\Ruby32-x64|Ro|`,
	`Go Programming Language amd64 go1.22.2|https://go.dev|Development / Programming Languages|1.22.2|C:\Program Files\Go|Ro|`,
	`Terraform|HashiCorp|Development / Infrastructure as Code|1.7.5||Ao|`,
	`Vagrant|HashiCorp|System Utilities / Virtualization|2.4.1||Ao|`,
	`kubectl|The Kubernetes Authors|Development / Command Line Tools|1.29.3||Ao|`,
	`Helm|The Helm Authors|Development / Command Line Tools|3.14.3||Ao|`,
	`GitHub Desktop|GitHub, Inc.|Development / Version Control|3.3.12||Ao|`,
	`TortoiseGit 2.15.0.0 (64 bit)|TortoiseGit|Development / Version Control|2.15.0.0|C:\Program Files\TortoiseGit|Ao|`,
	`TortoiseSVN 1.14.6.29673 (64 bit)|TortoiseSVN|Development / Version Control|1.14.29673|C:\Program Files\TortoiseSVN|Ao|`,
	`Beyond Compare 4.4.7|Scooter Software|Development / Development Tools|4.4.7.28397||Ac|`,
	`WinMerge 2.16.38.0 x64|Thingamahoochie Software|Development / Development Tools|2.16.38.0||Ao|`,
	`Microsoft Windows Performance Toolkit|Microsoft Corporation|System Utilities / Diagnostics|10.1.22621.2428||Af|`,
	`SolarWinds Agent|SolarWinds Worldwide, LLC|System Utilities / Monitoring|2024.1.0.2033||Ac|`,
	`Datadog Agent|Datadog, Inc.|System Utilities / Monitoring|7.52.1.1 7.53.0.1|C:\Program Files\Datadog\Datadog Agent|Acs|`,
	`Zabbix Agent 2 (64-bit)|Zabbix SIA|System Utilities / Monitoring|6.4.13.2400|C:\Program Files\Zabbix Agent 2|Aos|`,
	`New Relic Infrastructure Agent|New Relic, Inc.|System Utilities / Monitoring|1.51.0||Ac|`,
	`Elastic Agent|Elastic|System Utilities / Log Management|8.13.2||Ao|`,
	`Winlogbeat|Elastic|System Utilities / Log Management|8.13.2||Ao|`,
	`NXLog-CE|NXLog Ltd.|System Utilities / Log Management|3.2.2329||Ao|`,
	`Rapid7 Insight Agent|Rapid7 LLC|Security / Vulnerability Management|4.0.6.14||Ac|`,
	`Ivanti Secure Access Client|Ivanti, Inc.|Network Application / VPN Clients|22.6.1.18657||Ac|`,
	`FortiClient VPN|Fortinet Technologies Inc|Network Application / VPN Clients|7.2.3.0929||Af|`,
	`OpenVPN 2.6.10-I001 amd64|OpenVPN, Inc.|Network Application / VPN Clients|2.6.1001||Ao|`,
	`WireGuard|WireGuard LLC|Network Application / VPN Clients|0.5.3||Ao|`,
	`Microsoft Azure VPN Client|Microsoft Corporation|Network Application / VPN Clients|3.2.1.0||Af|`,
	`Microsoft Purview Information Protection|Microsoft Corporation|Security / Data Loss Prevention|2.16.79.0||Ac|`,
	`Symantec Endpoint Protection|Broadcom|Security / Endpoint Protection|14.3.10148.8000||Ac|`,
	`Microsoft Security Client|Microsoft Corporation|Security / Endpoint Protection|4.10.209.0||Af|`,
	`CCleaner|Piriform Software Ltd|System Utilities / System Optimization|6.22||Af|`,
	`Everything 1.4.1.1024 (x64)|voidtools|System Utilities / File Management|1.4.1.1024||Af|`,
	`TreeSize Free V4.7.1|JAM Software|System Utilities / File Management|4.7.1||Af|`,
	`WinDirStat 1.1.2|Bernhard Seifert and Oliver Schneider|System Utilities / File Management|1.1.2||Ao|`,
	`Rufus|Akeo Consulting|System Utilities / Disk Management|4.4||Ao|`,
	`Microsoft Azure Information Protection|Microsoft Corporation|Security / Data Loss Prevention|2.16.73.0||Ac|`,
	`Windows Live Essentials|Microsoft Corporation|Communications / Email Clients|16.4.3528.0331||Af|`,
	`Mozilla Thunderbird (x64 en-US)|Mozilla|Communications / Email Clients|115.10.1||Ao|`,
	`Citrix Virtual Delivery Agent 2203 LTSR CU4|Citrix Systems, Inc.|Network Application / Remote Access|2203.0.4000.4142||Ac|`,
	`VMware Horizon Agent|VMware, Inc.|Network Application / Remote Access|8.12.0.23142606||Ac|`,
	`Microsoft Visual Studio Tools for Applications 2019|Microsoft Corporation|Development / Development Tools|16.0.31110||Af|`,
	`Microsoft Visual Basic for Applications 7.1 (x64)|Microsoft Corporation|Development / Programming Languages|7.1.1120||Rf|`,
	`vs_CoreEditorFonts|Microsoft Corporation|Development / Development Tools|17.7.40001||Lf|`,
	`vs_communitymsi|Microsoft Corporation|Development / Development Tools|17.9.34607||Lf|`,
	`vs_minshellmsi|Microsoft Corporation|Development / Development Tools|17.9.34607||Lf|`,
	`vs_filehandler_amd64|Microsoft Corporation|Development / Development Tools|17.9.34607||Lf|`,
	`vs_BlendMsi|Microsoft Corporation|Development / Development Tools|3.0.1||Lf|`,
	`Microsoft Visual Studio Setup WMI Provider|Microsoft Corporation|Development / Development Tools|3.9.2164.8365||Lf|`,
	`Microsoft Visual Studio Setup Configuration|Microsoft Corporation|Development / Development Tools|3.9.2164.8365||Lf|`,
	`Entity Framework 6.2.0 Tools  for Visual Studio 2022|Microsoft Corporation|Development / Development Tools|6.2.0.0||Lf|`,
	`IntelliTraceProfilerProxy|Microsoft Corporation|Development / Development Tools|15.0.21225.01||Lf|`,
	`Microsoft TestPlatform SDK Local Feed|Microsoft Corporation|Development / Development Tools|17.0.0.5175695||Lf|`,
	`Windows App Certification Kit Native Components|Microsoft Corporation|Development / Development Tools|10.1.22621.2428||Lf|`,
	`Windows IP Over USB|Microsoft Corporation|System Utilities / Drivers|10.1.22621.2428||Df|`,
	`Kits Configuration Installer|Microsoft Corporation|Development / Development Tools|10.1.22621.2428||Lf|`,
	`WinRT Intellisense Desktop - en-us|Microsoft Corporation|Development / Development Tools|10.1.22621.2428||Lf|`,
	`Windows SDK for Windows Store Apps Headers|Microsoft Corporation|Development / Development Tools|10.1.22621.2428||Lf|`,
	`Windows SDK Desktop Tools x64|Microsoft Corporation|Development / Development Tools|10.1.22621.2428||Lf|`,
	`Windows SDK Desktop Libs x64|Microsoft Corporation|Development / Development Tools|10.1.22621.2428||Lf|`,
	`Windows SDK Desktop Headers x86|Microsoft Corporation|Development / Development Tools|10.1.22621.2428||Lf|`,
	`Windows SDK Signing Tools|Microsoft Corporation|Development / Development Tools|10.1.22621.2428||Lf|`,
	`Universal General MIDI DLS Extension SDK|Microsoft Corporation|Development / Development Tools|10.1.22621.2428||Lf|`,
	`Microsoft Azure Compute Emulator - v2.9.7|Microsoft Corporation|Development / Development Tools|2.9.8999.43||Af|`,
	`Microsoft Azure Authoring Tools - v2.9.7|Microsoft Corporation|Development / Development Tools|2.9.8999.45||Af|`,
	`Microsoft Azure Libraries for .NET – v2.9|Microsoft Corporation|Development / Development Tools|3.0.0127.060||Lf|`,
	`Microsoft Web Platform Installer 5.1|Microsoft Corporation|Development / Development Tools|5.1.51515.0||Af|`,
	`IIS Express Application Compatibility Database for x64|Microsoft Corporation|Network Application / Web Servers|10.0.08608||Lf|`,
	`Microsoft Windows Desktop Runtime - 7.0.17 (x64)|Microsoft Corporation|Development / Runtime Environments|56.68.13613||Ro|`,
	`Microsoft .NET Host - 8.0.3 (x64)|Microsoft Corporation|Development / Runtime Environments|64.12.9151||Ro|`,
	`Microsoft .NET Host FX Resolver - 8.0.3 (x64)|Microsoft Corporation|Development / Runtime Environments|64.12.9151||Ro|`,
	`Microsoft .NET Toolset 8.0.203 (x64)|Microsoft Corporation|Development / Development Tools|32.11.28321||Ao|`,
	`Microsoft .NET AppHost Pack - 8.0.3 (x64)|Microsoft Corporation|Development / Development Tools|64.12.9151||Lo|`,
	`Microsoft .NET Targeting Pack - 8.0.3 (x64)|Microsoft Corporation|Development / Development Tools|64.12.9151||Lo|`,
	`Microsoft ASP.NET Core 8.0.3 Targeting Pack (x64)|Microsoft Corporation|Development / Development Tools|8.0.3.24127||Lo|`,
	`Microsoft Windows Desktop Targeting Pack - 8.0.3 (x64)|Microsoft Corporation|Development / Development Tools|64.12.9151||Lo|`,
	`Microsoft NetStandard SDK|Microsoft Corporation|Development / Development Tools|15.0.51105||Lo|`,
	`Microsoft Windows Communication Foundation Diagnostic Pack for x64|Microsoft Corporation|Development / Development Tools|1.0.0.0||Lf|`,
	`Microsoft Edge Dev|Microsoft Corporation|Internet / Web Browsers|125.0.2535.6||Af|`,
	`Google Chrome Beta|Google LLC|Internet / Web Browsers|124.0.6367.29||Af|`,
	`Brave|Brave Software Inc|Internet / Web Browsers|1.64.122||Ao|`,
	`Opera Stable 109.0.5097.45|Opera Software|Internet / Web Browsers|109.0.5097.45||Af|`,
}

// linuxCatalog entries use upstream versions; the generator adds the distribution's release suffix.
var linuxCatalog = []string{
	`openssl|OpenSSL Software Foundation|Libraries / Cryptographic Libraries|1.1.1f 3.0.2 3.0.7|/usr/bin|Ao|https://www.openssl.org`,
	`libssl3/openssl-libs|OpenSSL Software Foundation|Libraries / Cryptographic Libraries|3.0.2 3.0.7|/usr/lib64|Lo|`,
	`openssh-server|OpenBSD Foundation|Network Application / Remote Access|8.2p1 8.9p1 9.2p1|/usr/sbin|Aos|https://www.openssh.com`,
	`openssh-client/openssh-clients|OpenBSD Foundation|Network Application / Remote Access|8.2p1 8.9p1 9.2p1|/usr/bin|Ao|`,
	`bash||System Utilities / Command Line Tools|5.0 5.1 5.2|/bin|Ao|`,
	`coreutils||System Utilities / Command Line Tools|8.30 8.32 9.1|/bin|Ao|`,
	`sudo|Todd C. Miller|Security / Privileged Access Management|1.8.31 1.9.9 1.9.13p3|/usr/bin|Ao|https://www.sudo.ws`,
	`systemd||Operating System / System Services|245.4 249.11 252.22|/lib/systemd|Ao|`,
	`libsystemd0/systemd-libs||Libraries / System Libraries|245.4 249.11 252.22|/lib/x86_64-linux-gnu|Lo|`,
	`libc6/glibc|GNU Project|Libraries / System Libraries|2.31 2.35 2.36|/lib/x86_64-linux-gnu|Lo|https://www.gnu.org/software/libc/`,
	`libc-bin/glibc-common|GNU Project|Libraries / System Libraries|2.31 2.35 2.36|/usr/bin|Lo|`,
	`zlib1g/zlib||Libraries / Compression Libraries|1.2.11 1.2.13|/lib/x86_64-linux-gnu|Lo|`,
	`curl|Daniel Stenberg|Network Application / File Transfer|7.68.0 7.81.0 8.5.0|/usr/bin|Ao|https://curl.se`,
	`libcurl4/libcurl|Daniel Stenberg|Libraries / Network Libraries|7.68.0 7.81.0 8.5.0|/usr/lib/x86_64-linux-gnu|Lo|`,
	`wget|GNU Project|Network Application / File Transfer|1.20.3 1.21.2|/usr/bin|Ao|`,
	`tar|GNU Project|System Utilities / Compression|1.30 1.34|/bin|Ao|`,
	`gzip|GNU Project|System Utilities / Compression|1.10 1.12|/bin|Ao|`,
	`bzip2||System Utilities / Compression|1.0.8|/bin|Ao|`,
	`xz-utils/xz||System Utilities / Compression|5.2.4 5.2.5 5.4.1|/usr/bin|Ao|`,
	`liblzma5/xz-libs||Libraries / Compression Libraries|5.2.4 5.2.5 5.4.1|/lib/x86_64-linux-gnu|Lo|`,
	`zstd||System Utilities / Compression|1.4.4 1.4.8 1.5.4|/usr/bin|Ao|`,
	`gnupg/gnupg2|The GnuPG Project|Security / Encryption|2.2.19 2.2.27 2.2.40|/usr/bin|Ao|`,
	`ca-certificates||Security / Certificates|20230311 20240203|/usr/share/ca-certificates|Ao|`,
	`tzdata||Operating System / System Services|2024a|/usr/share/zoneinfo|Ao|`,
	`python3|Python Software Foundation|Development / Programming Languages|3.8.10 3.10.12 3.11.2|/usr/bin|Ro|https://www.python.org`,
	`perl/perl-interpreter|Perl Foundation|Development / Programming Languages|5.30.0 5.34.0 5.36.0|/usr/bin|Ro|`,
	`vim/vim-enhanced|Bram Moolenaar|Office Productivity / Text Editors|8.1.2269 8.2.3995 9.0.1378|/usr/bin|Ao|`,
	`nano||Office Productivity / Text Editors|4.8 6.2 7.2|/bin|Ao|`,
	`less||System Utilities / Command Line Tools|551 590|/usr/bin|Ao|`,
	`grep|GNU Project|System Utilities / Command Line Tools|3.4 3.7 3.8|/bin|Ao|`,
	`sed|GNU Project|System Utilities / Command Line Tools|4.7 4.8 4.9|/bin|Ao|`,
	`gawk|GNU Project|System Utilities / Command Line Tools|5.0.1 5.1.0 5.2.1|/usr/bin|Ao|`,
	`findutils|GNU Project|System Utilities / Command Line Tools|4.7.0 4.8.0 4.9.0|/usr/bin|Ao|`,
	`util-linux||System Utilities / Command Line Tools|2.34 2.37.2 2.38.1|/bin|Ao|`,
	`procps/procps-ng||System Utilities / Command Line Tools|3.3.16 3.3.17 4.0.2|/bin|Ao|`,
	`iproute2/iproute||Network Application / Network Utilities|5.5.0 5.15.0 6.1.0|/sbin|Ao|`,
	`iptables|Netfilter Core Team|Security / Firewalls|1.8.4 1.8.7 1.8.9|/usr/sbin|Ao|`,
	`nftables|Netfilter Core Team|Security / Firewalls|0.9.3 1.0.2 1.0.6|/usr/sbin|Ao|`,
	`net-tools||Network Application / Network Utilities|1.60+git20180626|/bin|Ao|`,
	`iputils-ping/iputils||Network Application / Network Utilities|20190709 20211215|/bin|Ao|`,
	`dnsutils/bind-utils|Internet Systems Consortium|Network Application / Network Utilities|9.16.1 9.18.18|/usr/bin|Ao|`,
	`rsync||Network Application / File Transfer|3.1.3 3.2.3 3.2.7|/usr/bin|Ao|`,
	`cron/cronie||Operating System / System Services|3.0pl1 1.5.7|/usr/sbin|Ao|`,
	`rsyslog|Adiscon GmbH|System Utilities / Log Management|8.2001.0 8.2112.0 8.2302.0|/usr/sbin|Aos|`,
	`logrotate||System Utilities / Log Management|3.14.0 3.19.0 3.21.0|/usr/sbin|Ao|`,
	`dbus||Operating System / System Services|1.12.16 1.12.20 1.14.10|/usr/bin|Ao|`,
	`udev/systemd-udev||Operating System / System Services|245.4 249.11 252.22|/lib/udev|Ao|`,
	`kmod||Operating System / System Services|27 29 30|/bin|Ao|`,
	`e2fsprogs||System Utilities / Disk Management|1.45.5 1.46.5 1.47.0|/sbin|Ao|`,
	`xfsprogs||System Utilities / Disk Management|5.3.0 5.13.0 6.1.0|/sbin|Ao|`,
	`lvm2||System Utilities / Disk Management|2.03.07 2.03.11 2.03.16|/sbin|Ao|`,
	`mdadm||System Utilities / Disk Management|4.1 4.2|/sbin|Ao|`,
	`parted|GNU Project|System Utilities / Disk Management|3.3 3.4 3.5|/sbin|Ao|`,
	`grub2-common/grub2-tools|GNU Project|Operating System / Boot Loaders|2.04 2.06|/usr/sbin|Ao|`,
	`shim-signed/shim-x64||Operating System / Boot Loaders|15.7 15.8|/boot/efi|Ao|`,
	`linux-firmware||System Utilities / Drivers and Firmware|20220329 20230323 20240318|/lib/firmware|Do|`,
	`intel-microcode/microcode_ctl|Intel|System Utilities / Drivers and Firmware|3.20231114 3.20240312|/lib/firmware|Dc|`,
	`openldap/openldap-clients|OpenLDAP Foundation|Security / Identity Management|2.4.49 2.5.16 2.6.3|/usr/bin|Ao|`,
	`sssd||Security / Identity Management|2.2.3 2.6.3 2.8.2|/usr/sbin|Aos|`,
	`krb5-user/krb5-workstation|MIT|Security / Identity Management|1.17 1.19.2 1.20.1|/usr/bin|Ao|`,
	`libkrb5-3/krb5-libs|MIT|Libraries / Security Libraries|1.17 1.19.2 1.20.1|/usr/lib/x86_64-linux-gnu|Lo|`,
	`pam/pam|Linux-PAM|Security / Authentication|1.3.1 1.4.0 1.5.2|/lib/x86_64-linux-gnu/security|Lo|`,
	`libpam-modules/pam-libs|Linux-PAM|Security / Authentication|1.3.1 1.4.0 1.5.2|/lib/x86_64-linux-gnu/security|Lo|`,
	`libselinux1/libselinux||Libraries / Security Libraries|3.0 3.3 3.4|/lib/x86_64-linux-gnu|Lo|`,
	`apparmor/selinux-policy||Security / Access Control|2.13.3 3.0.4 3.0.8|/sbin|Ao|`,
	`auditd/audit||Security / Auditing|2.8.5 3.0.7 3.0.9|/sbin|Aos|`,
	`aide||Security / Intrusion Detection|0.16.1 0.17.4 0.18.3|/usr/bin|Ao|`,
	`fail2ban||Security / Intrusion Prevention|0.11.1 0.11.2 1.0.2|/usr/bin|Aos|`,
	`chrony||Operating System / Time Synchronization|3.5 4.2 4.3|/usr/sbin|Aos|`,
	`ntp/ntpsec||Operating System / Time Synchronization|4.2.8p12 1.2.2|/usr/sbin|Ao|`,
	`nginx|F5, Inc.|Network Application / Web Servers|1.18.0 1.22.1 1.24.0|/usr/sbin|Aos|https://nginx.org`,
	`apache2/httpd|Apache Software Foundation|Network Application / Web Servers|2.4.41 2.4.52 2.4.57|/usr/sbin|Aos|https://httpd.apache.org`,
	`haproxy|HAProxy Technologies|Network Application / Load Balancers|2.0.33 2.4.24 2.6.12|/usr/sbin|Aos|`,
	`tomcat9/tomcat|Apache Software Foundation|Network Application / Application Servers|9.0.31 9.0.58 9.0.70|/usr/share/tomcat9|Aos|https://tomcat.apache.org`,
	`postgresql-14/postgresql-server|PostgreSQL Global Development Group|Databases / Relational Databases|12.18 14.11 15.6|/usr/lib/postgresql|Aos|https://www.postgresql.org`,
	`postgresql-client-14/postgresql|PostgreSQL Global Development Group|Databases / Database Tools|12.18 14.11 15.6|/usr/bin|Ao|`,
	`mysql-server-8.0/mysql-server|Oracle|Databases / Relational Databases|8.0.36|/usr/sbin|Aos|https://www.mysql.com`,
	`mariadb-server|MariaDB Foundation|Databases / Relational Databases|10.3.39 10.6.16 10.11.6|/usr/sbin|Aos|`,
	`redis-server/redis|Redis Ltd.|Databases / NoSQL Databases|5.0.7 6.0.16 7.0.15|/usr/bin|Aos|`,
	`mongodb-org-server|MongoDB Inc.|Databases / NoSQL Databases|6.0.14 7.0.7|/usr/bin|Acs|`,
	`memcached||Databases / Caching|1.5.22 1.6.14 1.6.18|/usr/bin|Aos|`,
	`elasticsearch|Elastic|Databases / Search Engines|7.17.18 8.12.2|/usr/share/elasticsearch|Aos|`,
	`docker-ce|Docker, Inc.|System Utilities / Containers|24.0.7 25.0.4 26.0.0|/usr/bin|Aos|https://www.docker.com`,
	`docker-ce-cli|Docker, Inc.|System Utilities / Containers|24.0.7 25.0.4 26.0.0|/usr/bin|Ao|`,
	`containerd.io|Docker, Inc.|System Utilities / Containers|1.6.28 1.6.31|/usr/bin|Aos|`,
	`docker-compose-plugin|Docker, Inc.|System Utilities / Containers|2.24.7 2.25.0|/usr/libexec/docker/cli-plugins|Ao|`,
	`runc||System Utilities / Containers|1.1.12|/usr/sbin|Ao|`,
	`kubelet|The Kubernetes Authors|System Utilities / Containers|1.27.12 1.28.8 1.29.3|/usr/bin|Aos|`,
	`kubeadm|The Kubernetes Authors|System Utilities / Containers|1.27.12 1.28.8 1.29.3|/usr/bin|Ao|`,
	`kubectl|The Kubernetes Authors|System Utilities / Containers|1.27.12 1.28.8 1.29.3|/usr/bin|Ao|`,
	`podman||System Utilities / Containers|3.4.4 4.6.1 4.9.4|/usr/bin|Ao|`,
	`openjdk-11-jre-headless/java-11-openjdk-headless|Oracle|Development / Runtime Environments|11.0.22|/usr/lib/jvm|Ro|`,
	`openjdk-17-jre-headless/java-17-openjdk-headless|Oracle|Development / Runtime Environments|17.0.10|/usr/lib/jvm|Ros|`,
	`nodejs|OpenJS Foundation|Development / Programming Languages|12.22.9 18.19.1 20.11.1|/usr/bin|Ro|`,
	`php8.1-cli/php-cli|The PHP Group|Development / Programming Languages|7.4.3 8.1.2 8.2.7|/usr/bin|Ro|`,
	`ruby||Development / Programming Languages|2.7.0 3.0.2 3.1.2|/usr/bin|Ro|`,
	`golang-go/golang|Google|Development / Programming Languages|1.18.1 1.19.8 1.21.7|/usr/lib/go|Ro|`,
	`git|Software Freedom Conservancy|Development / Version Control|2.25.1 2.34.1 2.39.2|/usr/bin|Ao|https://git-scm.com`,
	`make|GNU Project|Development / Build Tools|4.2.1 4.3|/usr/bin|Ao|`,
	`gcc|GNU Project|Development / Compilers|9.4.0 11.4.0 12.2.0|/usr/bin|Ao|`,
	`g++/gcc-c++|GNU Project|Development / Compilers|9.4.0 11.4.0 12.2.0|/usr/bin|Ao|`,
	`binutils|GNU Project|Development / Build Tools|2.34 2.38 2.40|/usr/bin|Ao|`,
	`cpp|GNU Project|Development / Compilers|9.4.0 11.4.0 12.2.0|/usr/bin|Ao|`,
	`libstdc++6/libstdc++|GNU Project|Libraries / System Libraries|10.5.0 12.3.0|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libgcc-s1/libgcc|GNU Project|Libraries / System Libraries|10.5.0 12.3.0|/lib/x86_64-linux-gnu|Lo|`,
	`libxml2|GNOME Project|Libraries / XML Libraries|2.9.10 2.9.13 2.9.14|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libxslt1.1/libxslt|GNOME Project|Libraries / XML Libraries|1.1.34 1.1.35|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libexpat1/expat||Libraries / XML Libraries|2.2.9 2.4.7 2.5.0|/lib/x86_64-linux-gnu|Lo|`,
	`libsqlite3-0/sqlite-libs||Libraries / Database Libraries|3.31.1 3.37.2 3.40.1|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libpcre3/pcre||Libraries / System Libraries|8.39 8.44|/lib/x86_64-linux-gnu|Lo|`,
	`libpcre2-8-0/pcre2||Libraries / System Libraries|10.34 10.39 10.42|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libffi8/libffi||Libraries / System Libraries|3.3 3.4.2 3.4.4|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libgnutls30/gnutls|GnuTLS|Libraries / Cryptographic Libraries|3.6.13 3.7.3 3.7.9|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libgcrypt20/libgcrypt|The GnuPG Project|Libraries / Cryptographic Libraries|1.8.5 1.9.4 1.10.1|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libnss3/nss|Mozilla|Libraries / Cryptographic Libraries|3.49.1 3.68.2 3.87.1|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libsasl2-2/cyrus-sasl-lib||Libraries / Security Libraries|2.1.27|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libssh-4/libssh||Libraries / Network Libraries|0.9.3 0.9.6 0.10.6|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libnghttp2-14/libnghttp2||Libraries / Network Libraries|1.40.0 1.43.0 1.52.0|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libidn2-0/libidn2||Libraries / Network Libraries|2.2.0 2.3.2 2.3.3|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libpsl5/libpsl||Libraries / Network Libraries|0.21.0 0.21.1 0.21.2|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libcap2/libcap||Libraries / Security Libraries|2.32 2.44 2.66|/lib/x86_64-linux-gnu|Lo|`,
	`libseccomp2/libseccomp||Libraries / Security Libraries|2.5.1 2.5.4|/lib/x86_64-linux-gnu|Lo|`,
	`libacl1/libacl||Libraries / System Libraries|2.2.53 2.3.1|/lib/x86_64-linux-gnu|Lo|`,
	`libattr1/libattr||Libraries / System Libraries|2.4.48 2.5.1|/lib/x86_64-linux-gnu|Lo|`,
	`libaudit1/audit-libs||Libraries / Security Libraries|2.8.5 3.0.7 3.0.9|/lib/x86_64-linux-gnu|Lo|`,
	`libblkid1/libblkid||Libraries / System Libraries|2.34 2.37.2 2.38.1|/lib/x86_64-linux-gnu|Lo|`,
	`libmount1/libmount||Libraries / System Libraries|2.34 2.37.2 2.38.1|/lib/x86_64-linux-gnu|Lo|`,
	`libuuid1/libuuid||Libraries / System Libraries|2.34 2.37.2 2.38.1|/lib/x86_64-linux-gnu|Lo|`,
	`libudev1/systemd-udev-libs||Libraries / System Libraries|245.4 249.11 252.22|/lib/x86_64-linux-gnu|Lo|`,
	`libdbus-1-3/dbus-libs||Libraries / System Libraries|1.12.16 1.12.20 1.14.10|/lib/x86_64-linux-gnu|Lo|`,
	`libglib2.0-0/glib2|GNOME Project|Libraries / System Libraries|2.64.6 2.72.4 2.74.6|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libtinfo6/ncurses-libs||Libraries / System Libraries|6.2 6.3 6.4|/lib/x86_64-linux-gnu|Lo|`,
	`libncursesw6/ncurses||Libraries / System Libraries|6.2 6.3 6.4|/lib/x86_64-linux-gnu|Lo|`,
	`libreadline8/readline|GNU Project|Libraries / System Libraries|8.0 8.1 8.2|/lib/x86_64-linux-gnu|Lo|`,
	`libbz2-1.0/bzip2-libs||Libraries / Compression Libraries|1.0.8|/lib/x86_64-linux-gnu|Lo|`,
	`liblz4-1/lz4-libs||Libraries / Compression Libraries|1.9.2 1.9.3 1.9.4|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libzstd1/libzstd||Libraries / Compression Libraries|1.4.4 1.4.8 1.5.4|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libjson-c5/json-c||Libraries / Data Libraries|0.13.1 0.15 0.16|/lib/x86_64-linux-gnu|Lo|`,
	`libyaml-0-2/libyaml||Libraries / Data Libraries|0.2.2 0.2.5|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libpng16-16/libpng||Libraries / Graphics Libraries|1.6.37 1.6.39|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libjpeg-turbo8/libjpeg-turbo||Libraries / Graphics Libraries|2.0.3 2.1.2 2.1.5|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libtiff5/libtiff||Libraries / Graphics Libraries|4.1.0 4.3.0 4.5.0|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libfreetype6/freetype||Libraries / Graphics Libraries|2.10.1 2.11.1 2.12.1|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libfontconfig1/fontconfig||Libraries / Graphics Libraries|2.13.1 2.14.1|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libx11-6/libX11|X.Org Foundation|Libraries / Graphics Libraries|1.6.9 1.7.5 1.8.4|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libkeyutils1/keyutils-libs||Libraries / Security Libraries|1.6 1.6.1 1.6.3|/lib/x86_64-linux-gnu|Lo|`,
	`libtasn1-6/libtasn1|GNU Project|Libraries / Cryptographic Libraries|4.16.0 4.18.0 4.19.0|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libp11-kit0/p11-kit||Libraries / Cryptographic Libraries|0.23.20 0.24.0 0.24.1|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libnettle8/nettle||Libraries / Cryptographic Libraries|3.5.1 3.7.3 3.8.1|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libhogweed6/nettle-hogweed||Libraries / Cryptographic Libraries|3.5.1 3.7.3 3.8.1|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libgmp10/gmp|GNU Project|Libraries / Math Libraries|6.2.0 6.2.1|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libmpfr6/mpfr|GNU Project|Libraries / Math Libraries|4.0.2 4.1.0 4.2.0|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libelf1/elfutils-libelf||Libraries / System Libraries|0.176 0.186 0.188|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libnl-3-200/libnl3||Libraries / Network Libraries|3.4.0 3.5.0 3.7.0|/lib/x86_64-linux-gnu|Lo|`,
	`libpcap0.8/libpcap|The Tcpdump Group|Libraries / Network Libraries|1.9.1 1.10.1 1.10.3|/usr/lib/x86_64-linux-gnu|Lo|`,
	`tcpdump|The Tcpdump Group|Network Application / Network Analysis|4.9.3 4.99.1 4.99.3|/usr/sbin|Ao|`,
	`libevent-2.1-7/libevent||Libraries / Network Libraries|2.1.11 2.1.12|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libuv1/libuv||Libraries / System Libraries|1.34.2 1.43.0 1.44.2|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libmagic1/file-libs||Libraries / System Libraries|5.38 5.41 5.44|/usr/lib/x86_64-linux-gnu|Lo|`,
	`file||System Utilities / File Management|5.38 5.41 5.44|/usr/bin|Ao|`,
	`libarchive13/libarchive||Libraries / Compression Libraries|3.4.0 3.6.0 3.6.2|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libldap-2.5-0/openldap|OpenLDAP Foundation|Libraries / Network Libraries|2.4.49 2.5.16 2.6.3|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libpq5/libpq|PostgreSQL Global Development Group|Libraries / Database Libraries|12.18 14.11 15.6|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libmysqlclient21/mysql-libs|Oracle|Libraries / Database Libraries|8.0.36|/usr/lib/x86_64-linux-gnu|Lo|`,
	`libpython3.10/python3-libs|Python Software Foundation|Libraries / Runtime Libraries|3.8.10 3.10.12 3.11.2|/usr/lib/x86_64-linux-gnu|Lo|`,
	`python3-pip|Python Packaging Authority|Development / Package Managers|20.0.2 22.0.2 23.0.1|/usr/lib/python3/dist-packages|Ao|`,
	`python3-setuptools|Python Packaging Authority|Development / Build Tools|45.2.0 59.6.0 66.1.1|/usr/lib/python3/dist-packages|Lo|`,
	`python3-requests|Python Software Foundation|Libraries / Python Libraries|2.22.0 2.25.1 2.28.1|/usr/lib/python3/dist-packages|Lo|`,
	`python3-urllib3|Python Software Foundation|Libraries / Python Libraries|1.25.8 1.26.5 1.26.12|/usr/lib/python3/dist-packages|Lo|`,
	`python3-yaml/python3-pyyaml||Libraries / Python Libraries|5.3.1 5.4.1 6.0|/usr/lib/python3/dist-packages|Lo|`,
	`python3-jinja2||Libraries / Python Libraries|2.10.1 3.0.3 3.1.2|/usr/lib/python3/dist-packages|Lo|`,
	`python3-cryptography||Libraries / Python Libraries|2.8 3.4.8 38.0.4|/usr/lib/python3/dist-packages|Lo|`,
	`python3-six||Libraries / Python Libraries|1.14.0 1.16.0|/usr/lib/python3/dist-packages|Lo|`,
	`python3-certifi||Libraries / Python Libraries|2019.11.28 2020.6.20 2022.9.24|/usr/lib/python3/dist-packages|Lo|`,
	`python3-chardet||Libraries / Python Libraries|3.0.4 4.0.0 5.1.0|/usr/lib/python3/dist-packages|Lo|`,
	`python3-idna||Libraries / Python Libraries|2.8 3.3 3.3|/usr/lib/python3/dist-packages|Lo|`,
	`python3-dbus||Libraries / Python Libraries|1.2.16 1.2.18 1.3.2|/usr/lib/python3/dist-packages|Lo|`,
	`python3-gi/python3-gobject||Libraries / Python Libraries|3.36.0 3.42.1 3.42.2|/usr/lib/python3/dist-packages|Lo|`,
	`python3-apt/python3-rpm||Libraries / Python Libraries|2.0.1 2.4.0 2.6.0|/usr/lib/python3/dist-packages|Lo|`,
	`python3-distro||Libraries / Python Libraries|1.4.0 1.7.0 1.8.0|/usr/lib/python3/dist-packages|Lo|`,
	`python3-dateutil||Libraries / Python Libraries|2.7.3 2.8.1 2.8.2|/usr/lib/python3/dist-packages|Lo|`,
	`python3-jwt/python3-pyjwt||Libraries / Python Libraries|1.7.1 2.3.0 2.6.0|/usr/lib/python3/dist-packages|Lo|`,
	`python3-oauthlib||Libraries / Python Libraries|3.1.0 3.2.0 3.2.2|/usr/lib/python3/dist-packages|Lo|`,
	`python3-markupsafe||Libraries / Python Libraries|1.1.0 2.0.1 2.1.2|/usr/lib/python3/dist-packages|Lo|`,
	`python3-attr/python3-attrs||Libraries / Python Libraries|19.3.0 21.2.0 22.2.0|/usr/lib/python3/dist-packages|Lo|`,
	`python3-blinker||Libraries / Python Libraries|1.4 1.5|/usr/lib/python3/dist-packages|Lo|`,
	`python3-configobj||Libraries / Python Libraries|5.0.6|/usr/lib/python3/dist-packages|Lo|`,
	`python3-httplib2||Libraries / Python Libraries|0.14.0 0.20.2 0.20.4|/usr/lib/python3/dist-packages|Lo|`,
	`python3-pyparsing||Libraries / Python Libraries|2.4.6 2.4.7 3.0.9|/usr/lib/python3/dist-packages|Lo|`,
	`python3-serial/python3-pyserial||Libraries / Python Libraries|3.4 3.5|/usr/lib/python3/dist-packages|Lo|`,
	`python3-netifaces||Libraries / Python Libraries|0.10.4 0.11.0|/usr/lib/python3/dist-packages|Lo|`,
	`python3-pexpect||Libraries / Python Libraries|4.6.0 4.8.0|/usr/lib/python3/dist-packages|Lo|`,
	`python3-ptyprocess||Libraries / Python Libraries|0.6.0 0.7.0|/usr/lib/python3/dist-packages|Lo|`,
	`python3-psutil||Libraries / Python Libraries|5.5.1 5.9.0 5.9.4|/usr/lib/python3/dist-packages|Lo|`,
	`python3-lxml||Libraries / Python Libraries|4.5.0 4.8.0 4.9.2|/usr/lib/python3/dist-packages|Lo|`,
	`python3-simplejson||Libraries / Python Libraries|3.16.0 3.17.6 3.18.3|/usr/lib/python3/dist-packages|Lo|`,
	`python3-babel||Libraries / Python Libraries|2.6.0 2.8.0 2.10.3|/usr/lib/python3/dist-packages|Lo|`,
	`python3-pkg-resources||Libraries / Python Libraries|45.2.0 59.6.0 66.1.1|/usr/lib/python3/dist-packages|Lo|`,
	`python3-wheel||Development / Build Tools|0.34.2 0.37.1 0.38.4|/usr/lib/python3/dist-packages|Lo|`,
	`python3-software-properties/dnf-plugins-core||System Utilities / Package Management|0.99.9 0.99.22 4.3.0|/usr/lib/python3/dist-packages|Lo|`,
	`liberror-perl/perl-Error||Libraries / Perl Libraries|0.17029|/usr/share/perl5|Lo|`,
	`libwww-perl/perl-libwww-perl||Libraries / Perl Libraries|6.43 6.61 6.67|/usr/share/perl5|Lo|`,
	`libjson-perl/perl-JSON||Libraries / Perl Libraries|4.02 4.04 4.10|/usr/share/perl5|Lo|`,
	`libdbi-perl/perl-DBI||Libraries / Perl Libraries|1.643 1.643 1.643|/usr/lib/x86_64-linux-gnu/perl5|Lo|`,
	`libtext-charwidth-perl/perl-Text-CharWidth||Libraries / Perl Libraries|0.04|/usr/lib/x86_64-linux-gnu/perl5|Lo|`,
	`liblocale-gettext-perl/perl-Locale-gettext||Libraries / Perl Libraries|1.07|/usr/lib/x86_64-linux-gnu/perl5|Lo|`,
	`libtimedate-perl/perl-TimeDate||Libraries / Perl Libraries|2.3200 2.3300|/usr/share/perl5|Lo|`,
	`liburi-perl/perl-URI||Libraries / Perl Libraries|1.76 5.10 5.17|/usr/share/perl5|Lo|`,
	`libhttp-message-perl/perl-HTTP-Message||Libraries / Perl Libraries|6.22 6.36 6.44|/usr/share/perl5|Lo|`,
	`libio-socket-ssl-perl/perl-IO-Socket-SSL||Libraries / Perl Libraries|2.067 2.074 2.081|/usr/share/perl5|Lo|`,
	`libnet-ssleay-perl/perl-Net-SSLeay||Libraries / Perl Libraries|1.88 1.92 1.92|/usr/lib/x86_64-linux-gnu/perl5|Lo|`,
	`libdigest-sha-perl/perl-Digest-SHA||Libraries / Perl Libraries|6.02 6.02 6.04|/usr/lib/x86_64-linux-gnu/perl5|Lo|`,
	`libterm-readkey-perl/perl-TermReadKey||Libraries / Perl Libraries|2.38|/usr/lib/x86_64-linux-gnu/perl5|Lo|`,
	`fonts-dejavu-core/dejavu-sans-fonts||Multimedia / Fonts|2.37|/usr/share/fonts|Ao|`,
	`fonts-liberation/liberation-fonts-common||Multimedia / Fonts|1.07.4 2.1.5|/usr/share/fonts|Ao|`,
	`fontconfig-config/fontconfig-common||Multimedia / Fonts|2.13.1 2.14.1|/etc/fonts|Ao|`,
	`man-db||System Utilities / Documentation|2.9.1 2.10.2 2.11.2|/usr/bin|Ao|`,
	`manpages/man-pages||System Utilities / Documentation|5.05 5.10 6.03|/usr/share/man|Ao|`,
	`lsof||System Utilities / Diagnostics|4.93.2 4.94.0 4.95.0|/usr/bin|Ao|`,
	`strace||System Utilities / Diagnostics|5.5 5.16 6.1|/usr/bin|Ao|`,
	`htop||System Utilities / Monitoring|2.2.0 3.0.5 3.2.2|/usr/bin|Ao|`,
	`sysstat||System Utilities / Monitoring|12.2.0 12.5.2 12.6.1|/usr/bin|Ao|`,
	`screen||System Utilities / Command Line Tools|4.8.0 4.9.0|/usr/bin|Ao|`,
	`tmux||System Utilities / Command Line Tools|3.0a 3.2a 3.3a|/usr/bin|Ao|`,
	`unzip||System Utilities / Compression|6.0|/usr/bin|Ao|`,
	`zip||System Utilities / Compression|3.0|/usr/bin|Ao|`,
	`jq||System Utilities / Command Line Tools|1.6 1.6 1.6|/usr/bin|Ao|`,
	`bc|GNU Project|System Utilities / Command Line Tools|1.07.1|/usr/bin|Ao|`,
	`hostname||Network Application / Network Utilities|3.23|/bin|Ao|`,
	`traceroute||Network Application / Network Utilities|2.1.0 2.1.3|/usr/bin|Ao|`,
	`netcat-openbsd/nmap-ncat||Network Application / Network Utilities|1.206 1.218 1.219|/bin|Ao|`,
	`telnet||Network Application / Remote Access|0.17|/usr/bin|Ao|`,
	`ftp||Network Application / File Transfer|0.17|/usr/bin|Ao|`,
	`nfs-common/nfs-utils||Network Application / File Sharing|1.3.4 2.6.1 2.6.2|/sbin|Ao|`,
	`samba-common/samba-common||Network Application / File Sharing|4.13.17 4.15.13 4.17.12|/usr/bin|Ao|`,
	`cifs-utils||Network Application / File Sharing|6.9 6.14 7.0|/sbin|Ao|`,
	`isc-dhcp-client/dhcp-client|Internet Systems Consortium|Network Application / Network Services|4.4.1 4.4.3|/sbin|Ao|`,
	`netplan.io/NetworkManager||Network Application / Network Utilities|0.99 0.106 1.42.2|/usr/sbin|Ao|`,
	`ethtool||Network Application / Network Utilities|5.4 5.16 6.1|/sbin|Ao|`,
	`snmpd/net-snmp||Network Application / Network Management|5.8 5.9.1 5.9.3|/usr/sbin|Aos|`,
	`postfix|Wietse Venema|Communications / Email Servers|3.4.13 3.6.4 3.7.10|/usr/sbin|Aos|`,
	`mailutils/mailx|GNU Project|Communications / Email Clients|3.7 3.14 3.15|/usr/bin|Ao|`,
	`cloud-init|Canonical|System Utilities / Configuration Management|23.1.2 23.4.4 24.1.3|/usr/bin|Ao|`,
	`cloud-guest-utils/cloud-utils-growpart|Canonical|System Utilities / Configuration Management|0.31 0.32 0.33|/usr/bin|Ao|`,
	`amazon-ssm-agent|Amazon Web Services|System Utilities / Configuration Management|3.3.131.0|/usr/bin|Ao|`,
	`google-guest-agent|Google|System Utilities / Configuration Management|20240314.00|/usr/bin|Ao|`,
	`walinuxagent/WALinuxAgent|Microsoft|System Utilities / Configuration Management|2.2.53 2.9.1.1|/usr/sbin|Ao|`,
	`open-vm-tools|VMware|System Utilities / Virtualization|11.3.0 12.1.5 12.3.5|/usr/bin|Ao|`,
	`qemu-guest-agent||System Utilities / Virtualization|4.2 6.2 7.2|/usr/sbin|Ao|`,
	`hyperv-daemons/hyperv-tools|Microsoft|System Utilities / Virtualization|5.15.0 6.1.0|/usr/sbin|Ao|`,
	`qualys-cloud-agent|Qualys, Inc.|Security / Vulnerability Management|5.1.0.37 6.1.0.28|/usr/local/qualys/cloud-agent|Ac|https://www.qualys.com`,
	`falcon-sensor|CrowdStrike, Inc.|Security / Endpoint Protection|7.10.0-16303 7.11.0-16405|/opt/CrowdStrike|Ac|`,
	`splunkforwarder|Splunk, Inc.|System Utilities / Log Management|9.1.3 9.2.1|/opt/splunkforwarder|Acs|`,
	`datadog-agent|Datadog, Inc.|System Utilities / Monitoring|7.52.1 7.53.0|/opt/datadog-agent|Acs|`,
	`zabbix-agent|Zabbix SIA|System Utilities / Monitoring|5.0.42 6.0.27 6.4.13|/usr/sbin|Aos|`,
	`node-exporter/golang-github-prometheus-node-exporter|Prometheus Authors|System Utilities / Monitoring|0.18.1 1.3.1 1.5.0|/usr/bin|Aos|`,
	`filebeat|Elastic|System Utilities / Log Management|7.17.18 8.12.2|/usr/share/filebeat|Ao|`,
	`td-agent-bit/fluent-bit|Fluent Bit|System Utilities / Log Management|1.9.10 2.2.2|/opt/fluent-bit|Ao|`,
	`ansible|Red Hat|System Utilities / Configuration Management|2.9.6 2.10.8 7.3.0|/usr/bin|Ao|`,
	`puppet-agent|Puppet|System Utilities / Configuration Management|7.28.0 8.5.1|/opt/puppetlabs|Ac|`,
	`salt-minion|VMware|System Utilities / Configuration Management|3006.7|/usr/bin|Ao|`,
	`apt/dnf||System Utilities / Package Management|2.0.10 2.4.12 4.14.0|/usr/bin|Ao|`,
	`dpkg/rpm||System Utilities / Package Management|1.19.7 1.21.1 4.16.1.3|/usr/bin|Ao|`,
	`debconf/yum||System Utilities / Package Management|1.5.73 1.5.79 4.14.0|/usr/bin|Ao|`,
	`adduser/shadow-utils||Security / Identity Management|3.118 4.9 4.6|/usr/sbin|Ao|`,
	`passwd/passwd||Security / Authentication|4.8.1 4.13|/usr/bin|Ao|`,
	`login/util-linux-user||Security / Authentication|4.8.1 4.13|/bin|Ao|`,
	`base-files/setup||Operating System / System Files|11ubuntu5 12.4 2.13.7|/etc|Ao|`,
	`base-passwd/filesystem||Operating System / System Files|3.5.47 3.5.52 3.16|/etc|Ao|`,
	`lsb-release/redhat-lsb-core||Operating System / System Files|11.1.0 12.0|/usr/bin|Ao|`,
	`ubuntu-advantage-tools/subscription-manager||System Utilities / Package Management|30 31.2 1.28.40|/usr/bin|Ao|`,
	`unattended-upgrades/dnf-automatic||System Utilities / Software Updaters|2.3 2.8 4.14.0|/usr/bin|Ao|`,
	`needrestart/yum-utils||System Utilities / Software Updaters|3.5 3.6 4.14.0|/usr/sbin|Ao|`,
	`apport/abrt||System Utilities / Diagnostics|2.20.11 2.20.11 2.14.6|/usr/bin|Ao|`,
	`ufw/firewalld||Security / Firewalls|0.36 0.36.1 1.2.5|/usr/sbin|Ao|`,
	`polkitd/polkit||Security / Access Control|0.105 0.105 0.117|/usr/lib/policykit-1|Ao|`,
	`snapd||System Utilities / Package Management|2.61.3 2.62|/usr/bin|Ao|`,
	`multipath-tools/device-mapper-multipath||System Utilities / Disk Management|0.8.3 0.8.8 0.9.4|/sbin|Ao|`,
	`open-iscsi/iscsi-initiator-utils||System Utilities / Disk Management|2.0.874 2.1.5 2.1.8|/sbin|Ao|`,
	`btrfs-progs||System Utilities / Disk Management|5.4.1 5.16.2 6.2|/bin|Ao|`,
	`dosfstools||System Utilities / Disk Management|4.1 4.2|/sbin|Ao|`,
	`squashfs-tools||System Utilities / Compression|4.4 4.5 4.5.1|/usr/bin|Ao|`,
	`irqbalance||Operating System / System Services|1.6.0 1.8.0 1.9.0|/usr/sbin|Ao|`,
	`acpid||Operating System / System Services|2.0.32 2.0.33 2.0.34|/usr/sbin|Ao|`,
	`pciutils||System Utilities / Hardware Management|3.6.4 3.7.0 3.9.0|/usr/bin|Ao|`,
	`usbutils||System Utilities / Hardware Management|012 014 014|/usr/bin|Ao|`,
	`dmidecode||System Utilities / Hardware Management|3.2 3.3 3.4|/usr/sbin|Ao|`,
	`smartmontools||System Utilities / Hardware Management|7.1 7.2 7.3|/usr/sbin|Ao|`,
	`lshw||System Utilities / Hardware Management|02.18.85 02.19|/usr/bin|Ao|`,
	`ipmitool||System Utilities / Hardware Management|1.8.18 1.8.19|/usr/bin|Ao|`,
	`numactl||System Utilities / Hardware Management|2.0.12 2.0.14 2.0.16|/usr/bin|Ao|`,
	`tuned||System Utilities / System Optimization|2.13.0 2.19.0 2.21.0|/usr/sbin|Ao|`,
	`policycoreutils||Security / Access Control|3.0 3.3 3.4|/sbin|Ao|`,
	`openscap-scanner||Security / Compliance|1.2.17 1.3.6 1.3.7|/usr/bin|Ao|`,
	`clamav|Cisco Talos|Security / Antivirus|0.103.11 1.0.5|/usr/bin|Ao|`,
	`rkhunter||Security / Intrusion Detection|1.4.6|/usr/bin|Ao|`,
	`certbot|Electronic Frontier Foundation|Security / Certificates|0.40.0 1.21.0 2.1.0|/usr/bin|Ao|`,
	`varnish|Varnish Software|Network Application / Web Caches|6.2.1 6.6.1 7.1.1|/usr/sbin|Aos|`,
	`squid||Network Application / Proxy Servers|4.10 5.7 5.7|/usr/sbin|Aos|`,
	`bind9/bind|Internet Systems Consortium|Network Application / DNS Servers|9.16.1 9.18.18|/usr/sbin|Aos|`,
	`dnsmasq||Network Application / DNS Servers|2.80 2.86 2.89|/usr/sbin|Ao|`,
	`keepalived||Network Application / Load Balancers|2.0.19 2.2.4 2.2.7|/usr/sbin|Ao|`,
	`vsftpd||Network Application / File Transfer|3.0.3 3.0.5|/usr/sbin|Aos|`,
	`proftpd-basic/proftpd||Network Application / File Transfer|1.3.6c 1.3.7c 1.3.8|/usr/sbin|Ao|`,
	`jenkins|Jenkins project|Development / Continuous Integration|2.426.3 2.440.2|/usr/share/java|Aos|`,
	`gitlab-runner|GitLab Inc.|Development / Continuous Integration|16.9.1 16.10.0|/usr/bin|Ao|`,
	`rabbitmq-server|Broadcom|Network Application / Message Brokers|3.8.2 3.9.13 3.12.13|/usr/lib/rabbitmq|Aos|`,
	`kafka|Apache Software Foundation|Network Application / Message Brokers|3.5.2 3.6.1|/opt/kafka|Aos|`,
	`zookeeper/zookeeper|Apache Software Foundation|Network Application / Coordination Services|3.4.13 3.8.0|/usr/share/zookeeper|Ao|`,
	`consul|HashiCorp|Network Application / Service Discovery|1.17.3 1.18.1|/usr/bin|Ao|`,
	`vault|HashiCorp|Security / Secrets Management|1.15.6 1.16.1|/usr/bin|Acs|`,
	`terraform|HashiCorp|Development / Infrastructure as Code|1.7.5|/usr/bin|Ao|`,
	`awscli/aws-cli|Amazon Web Services|Development / Command Line Tools|1.22.34 2.15.30|/usr/bin|Ao|`,
	`azure-cli|Microsoft|Development / Command Line Tools|2.58.0 2.59.0|/usr/bin|Ao|`,
	`google-cloud-cli|Google|Development / Command Line Tools|470.0.0|/usr/lib/google-cloud-sdk|Ao|`,
}

var macCatalog = []string{
	`Google Chrome|Google|Internet / Web Browsers|122.0.6261.129 123.0.6312.106 124.0.6367.91|/Applications/Google Chrome.app|Af|https://www.google.com/chrome/`,
	`Firefox|Mozilla|Internet / Web Browsers|124.0.2 125.0.1|/Applications/Firefox.app|Ao|`,
	`Safari|Apple|Internet / Web Browsers|17.4.1 16.6|/Applications/Safari.app|Af|`,
	`Microsoft Edge|Microsoft|Internet / Web Browsers|124.0.2478.67|/Applications/Microsoft Edge.app|Af|`,
	`Microsoft Word|Microsoft|Office Productivity / Word Processors|16.83 16.84|/Applications/Microsoft Word.app|Ac|`,
	`Microsoft Excel|Microsoft|Office Productivity / Spreadsheets|16.83 16.84|/Applications/Microsoft Excel.app|Ac|`,
	`Microsoft PowerPoint|Microsoft|Office Productivity / Presentation|16.83 16.84|/Applications/Microsoft PowerPoint.app|Ac|`,
	`Microsoft Outlook|Microsoft|Communications / Email Clients|16.83 16.84|/Applications/Microsoft Outlook.app|Ac|`,
	`Microsoft OneNote|Microsoft|Office Productivity / Note Taking|16.83 16.84|/Applications/Microsoft OneNote.app|Ac|`,
	`Microsoft Teams (work or school)|Microsoft|Communications / Collaboration|24060.2623.2790.8046|/Applications/Microsoft Teams.app|Ac|`,
	`OneDrive|Microsoft|Internet / File Sharing|24.040.0225.0001|/Applications/OneDrive.app|Af|`,
	`Microsoft AutoUpdate|Microsoft|System Utilities / Software Updaters|4.69 4.70|/Library/Application Support/Microsoft/MAU2.0/Microsoft AutoUpdate.app|Af|`,
	`Microsoft Defender|Microsoft|Security / Endpoint Protection|101.24022.0005|/Applications/Microsoft Defender.app|Ac|`,
	`Company Portal|Microsoft|System Utilities / Configuration Management|5.2403.0|/Applications/Company Portal.app|Af|`,
	`Slack|Slack Technologies, Inc.|Communications / Messaging|4.37.94 4.38.115|/Applications/Slack.app|Af|`,
	`zoom.us|Zoom Video Communications, Inc.|Communications / Video Conferencing|5.17.11 6.0.2|/Applications/zoom.us.app|Af|`,
	`Visual Studio Code|Microsoft|Development / Code Editors|1.87.2 1.88.1|/Applications/Visual Studio Code.app|Af|`,
	`iTerm|George Nachman|System Utilities / Command Line Tools|3.4.23 3.5.0|/Applications/iTerm.app|Ao|`,
	`Docker|Docker Inc.|System Utilities / Virtualization|4.28.0 4.29.0|/Applications/Docker.app|Ac|`,
	`Xcode|Apple|Development / Integrated Development Environments|15.3 15.2|/Applications/Xcode.app|Af|`,
	`Command Line Tools for Xcode|Apple|Development / Development Tools|15.3|/Library/Developer/CommandLineTools|Af|`,
	`Homebrew|Homebrew|System Utilities / Package Management|4.2.17|/opt/homebrew|Ao|`,
	`Python|Python Software Foundation|Development / Programming Languages|3.11.8 3.12.2|/Library/Frameworks/Python.framework|Ro|`,
	`Node.js|OpenJS Foundation|Development / Programming Languages|20.12.2|/usr/local/bin|Ro|`,
	`Git|Software Freedom Conservancy|Development / Version Control|2.39.3|/usr/bin|Ao|`,
	`OpenSSH|OpenBSD Foundation|Network Application / Remote Access|9.6p1|/usr/bin|Ao|`,
	`LibreSSL|OpenBSD Foundation|Libraries / Cryptographic Libraries|3.3.6|/usr/bin|Lo|`,
	`curl|Daniel Stenberg|Network Application / File Transfer|8.4.0 8.6.0|/usr/bin|Ao|`,
	`1Password 8|AgileBits Inc.|Security / Password Managers|8.10.28|/Applications/1Password.app|Ac|`,
	`Adobe Acrobat Reader|Adobe|Office Productivity / Document Viewers|24.001.20643|/Applications/Adobe Acrobat Reader.app|Af|`,
	`Adobe Creative Cloud|Adobe|Multimedia / Creative Suites|6.1.0.587|/Applications/Utilities/Adobe Creative Cloud|Ac|`,
	`Adobe Photoshop 2024|Adobe|Multimedia / Image Editors|25.6.0|/Applications/Adobe Photoshop 2024|Ac|`,
	`Figma|Figma, Inc.|Multimedia / Design Tools|124.1.12|/Applications/Figma.app|Af|`,
	`Keynote|Apple|Office Productivity / Presentation|14.0|/Applications/Keynote.app|Af|`,
	`Pages|Apple|Office Productivity / Word Processors|14.0|/Applications/Pages.app|Af|`,
	`Numbers|Apple|Office Productivity / Spreadsheets|14.0|/Applications/Numbers.app|Af|`,
	`GarageBand|Apple|Multimedia / Audio Editors|10.4.11|/Applications/GarageBand.app|Af|`,
	`iMovie|Apple|Multimedia / Video Editors|10.4|/Applications/iMovie.app|Af|`,
	`Spotify|Spotify AB|Multimedia / Media Players|1.2.33|/Applications/Spotify.app|Af|`,
	`VLC|VideoLAN|Multimedia / Media Players|3.0.20|/Applications/VLC.app|Ao|`,
	`Cisco Secure Client|Cisco Systems, Inc.|Network Application / VPN Clients|5.1.2.42|/Applications/Cisco/Cisco Secure Client.app|Ac|`,
	`GlobalProtect|Palo Alto Networks|Network Application / VPN Clients|6.1.4 6.2.1|/Applications/GlobalProtect.app|Ac|`,
	`Falcon|CrowdStrike, Inc.|Security / Endpoint Protection|7.10.18005|/Applications/Falcon.app|Ac|`,
	`QualysCloudAgent|Qualys, Inc.|Security / Vulnerability Management|4.9.0.22 5.2.0.13|/Applications/QualysCloudAgent.app|Ac|`,
	`Jamf Connect|Jamf|Security / Identity Management|2.32.0|/Applications/Jamf Connect.app|Ac|`,
	`Self Service|Jamf|System Utilities / Configuration Management|10.52.0|/Applications/Self Service.app|Ac|`,
	`Rectangle|Ryan Hanson|System Utilities / Window Management|0.77|/Applications/Rectangle.app|Ao|`,
	`The Unarchiver|MacPaw Inc.|System Utilities / Compression|4.3.6|/Applications/The Unarchiver.app|Af|`,
	`Postman|Postman, Inc.|Development / Development Tools|10.24.16|/Applications/Postman.app|Af|`,
	`IntelliJ IDEA|JetBrains s.r.o.|Development / Integrated Development Environments|2023.3.6|/Applications/IntelliJ IDEA.app|Ac|`,
	`PyCharm CE|JetBrains s.r.o.|Development / Integrated Development Environments|2023.3.5|/Applications/PyCharm CE.app|Ao|`,
	`Sublime Text|Sublime HQ Pty Ltd|Office Productivity / Text Editors|4169|/Applications/Sublime Text.app|Ac|`,
	`Wireshark|The Wireshark developer community|Network Application / Network Analysis|4.2.4|/Applications/Wireshark.app|Ao|`,
	`Tunnelblick|Tunnelblick Project|Network Application / VPN Clients|4.0.0|/Applications/Tunnelblick.app|Ao|`,
	`Microsoft Remote Desktop|Microsoft|Network Application / Remote Access|10.9.6|/Applications/Microsoft Remote Desktop.app|Af|`,
	`Webex|Cisco Webex LLC|Communications / Video Conferencing|44.3.0|/Applications/Webex.app|Af|`,
	`WhatsApp|WhatsApp Inc.|Communications / Messaging|24.6.77|/Applications/WhatsApp.app|Af|`,
	`Notion|Notion Labs, Inc.|Office Productivity / Note Taking|3.4.0|/Applications/Notion.app|Af|`,
	`Grammarly Desktop|Grammarly|Office Productivity / Writing Tools|1.77.0|/Applications/Grammarly Desktop.app|Af|`,
	`OpenJDK|Eclipse Adoptium|Development / Runtime Environments|17.0.10 21.0.2|/Library/Java/JavaVirtualMachines|Ro|`,
}

var networkCatalog = []string{
	`OpenSSH|OpenBSD Foundation|Network Application / Remote Access|7.4p1 8.0p1|/usr/sbin|Ao|`,
	`OpenSSL|OpenSSL Software Foundation|Libraries / Cryptographic Libraries|1.0.2zh 1.1.1w|/usr/lib|Lo|`,
	`BusyBox||System Utilities / Command Line Tools|1.31.1 1.35.0|/bin|Ao|`,
	`Linux Kernel|Linux Foundation|Operating System / Kernel|4.19.106 5.10.186|/boot|Ao|`,
	`lighttpd||Network Application / Web Servers|1.4.55 1.4.64|/usr/sbin|Aos|`,
	`nginx|F5, Inc.|Network Application / Web Servers|1.20.2 1.22.1|/usr/sbin|Aos|`,
	`dnsmasq||Network Application / DNS Servers|2.80 2.86|/usr/sbin|Ao|`,
	`Net-SNMP||Network Application / Network Management|5.8 5.9.1|/usr/sbin|Aos|`,
	`NTP||Operating System / Time Synchronization|4.2.8p15|/usr/sbin|Ao|`,
	`zlib||Libraries / Compression Libraries|1.2.11 1.2.13|/usr/lib|Lo|`,
	`libxml2|GNOME Project|Libraries / XML Libraries|2.9.10 2.9.14|/usr/lib|Lo|`,
	`libcurl|Daniel Stenberg|Libraries / Network Libraries|7.79.1 8.4.0|/usr/lib|Lo|`,
	`Python|Python Software Foundation|Development / Programming Languages|3.6.8 3.9.16|/usr/bin|Ro|`,
	`bash||System Utilities / Command Line Tools|4.4.23 5.1.16|/bin|Ao|`,
	`glibc|GNU Project|Libraries / System Libraries|2.28 2.31|/lib|Lo|`,
	`iptables|Netfilter Core Team|Security / Firewalls|1.8.4 1.8.7|/usr/sbin|Ao|`,
	`strongSwan|strongSwan Project|Network Application / VPN Servers|5.8.4 5.9.10|/usr/sbin|Aos|`,
	`FRRouting|FRRouting Project|Network Application / Routing|7.5.1 8.4.2|/usr/lib/frr|Aos|`,
	`Guest Shell|Cisco|System Utilities / Virtualization|3.0.0 4.0.0|/bootflash|Ac|`,
	`Smart Licensing Utility|Cisco|System Utilities / Licensing|1.1.0 2.1.0|/usr/binos|Ac|`,
	`GlobalProtect Gateway|Palo Alto Networks|Network Application / VPN Servers|10.2.8|/opt/pancfg|Acs|`,
	`App-ID Content|Palo Alto Networks|Security / Threat Intelligence|8830-8669 8842-8708|/opt/pancfg|Ac|`,
	`FortiGuard IPS Engine|Fortinet|Security / Intrusion Prevention|7.00322 7.00511|/data|Ac|`,
	`FortiGuard AV Engine|Fortinet|Security / Antivirus|6.00289 7.00024|/data|Ac|`,
	`Junos Web Management|Juniper Networks|Network Application / Network Management|21.4R3|/usr/libexec/web-management|Ac|`,
	`sqlite|D. Richard Hipp|Libraries / Database Libraries|3.31.1 3.40.1|/usr/lib|Lo|`,
	`Dropbear SSH|Matt Johnston|Network Application / Remote Access|2019.78 2022.83|/usr/sbin|Ao|`,
	`U-Boot|DENX Software Engineering|Operating System / Boot Loaders|2018.03 2020.10|/boot|Ao|`,
	`tcpdump|The Tcpdump Group|Network Application / Network Analysis|4.9.3 4.99.1|/usr/sbin|Ao|`,
	`Radius Client|FreeRADIUS Project|Security / Authentication|1.1.7|/usr/lib|Ao|`,
	`TACACS+ Client|Cisco|Security / Authentication|4.0.4|/usr/lib|Ac|`,
	`libpcap|The Tcpdump Group|Libraries / Network Libraries|1.9.1 1.10.1|/usr/lib|Lo|`,
}

var aixCatalog = []string{
	`bos.rte|IBM|Operating System / Components|7.2.5.200 7.2.5.201|/usr/lib/objrepos|Ac|`,
	`bos.mp64|IBM|Operating System / Kernel|7.2.5.201 7.2.5.202|/usr/lib/boot|Ac|`,
	`bos.net.tcp.client|IBM|Network Application / Network Utilities|7.2.5.200 7.2.5.201|/usr/lib/objrepos|Ac|`,
	`bos.net.tcp.server|IBM|Network Application / Network Services|7.2.5.200 7.2.5.201|/usr/lib/objrepos|Ac|`,
	`bos.net.nfs.client|IBM|Network Application / File Sharing|7.2.5.200|/usr/lib/objrepos|Ac|`,
	`bos.perf.tools|IBM|System Utilities / Monitoring|7.2.5.200|/usr/lib/objrepos|Ac|`,
	`bos.sysmgt.serv_aid|IBM|System Utilities / Diagnostics|7.2.5.200|/usr/lib/objrepos|Ac|`,
	`bos.adt.base|IBM|Development / Development Tools|7.2.5.200|/usr/lib/objrepos|Ac|`,
	`bos.security.rte|IBM|Security / Access Control|7.2.5.200|/usr/lib/objrepos|Ac|`,
	`bos.rte.libc|IBM|Libraries / System Libraries|7.2.5.200 7.2.5.201|/usr/lib/objrepos|Lc|`,
	`bos.rte.libpthreads|IBM|Libraries / System Libraries|7.2.5.200|/usr/lib/objrepos|Lc|`,
	`bos.rte.shell|IBM|System Utilities / Command Line Tools|7.2.5.200|/usr/lib/objrepos|Ac|`,
	`devices.common.IBM.ethernet|IBM|System Utilities / Drivers|7.2.5.200|/usr/lib/objrepos|Dc|`,
	`devices.vdevice.IBM.l-lan|IBM|System Utilities / Drivers|7.2.5.0|/usr/lib/objrepos|Dc|`,
	`devices.fcp.disk|IBM|System Utilities / Drivers|7.2.5.0|/usr/lib/objrepos|Dc|`,
	`openssh.base.server|OpenBSD Foundation|Network Application / Remote Access|8.1.102.2105 9.2.112.2300|/usr/sbin|Aos|`,
	`openssh.base.client|OpenBSD Foundation|Network Application / Remote Access|8.1.102.2105 9.2.112.2300|/usr/bin|Ao|`,
	`openssl.base|OpenSSL Software Foundation|Libraries / Cryptographic Libraries|1.0.2.2107 3.0.8.1000|/usr/lib|Lo|`,
	`rpm.rte|IBM|System Utilities / Package Management|4.15.1.3|/usr/lib/objrepos|Ao|`,
	`perl.rte|Perl Foundation|Development / Programming Languages|5.28.1.6|/usr/opt/perl5|Ro|`,
	`python3.9.base|Python Software Foundation|Development / Programming Languages|3.9.18.0|/opt/freeware|Ro|`,
	`Java8_64.jre|IBM|Development / Runtime Environments|8.0.0.810|/usr/java8_64|Rc|`,
	`Java11_64.jre|IBM|Development / Runtime Environments|11.0.21.0|/usr/java11_64|Rc|`,
	`xlC.rte|IBM|Development / Runtime Environments|16.1.0.15|/usr/lpp/xlC|Rc|`,
	`xlC.aix61.rte|IBM|Development / Runtime Environments|16.1.0.15|/usr/lpp/xlC|Rc|`,
	`bash|GNU Project|System Utilities / Command Line Tools|5.2.15|/opt/freeware/bin|Ao|`,
	`curl|Daniel Stenberg|Network Application / File Transfer|8.4.0|/opt/freeware/bin|Ao|`,
	`sudo|Todd C. Miller|Security / Privileged Access Management|1.9.13p3|/opt/freeware/bin|Ao|`,
	`zlib|Jean-loup Gailly|Libraries / Compression Libraries|1.2.13|/opt/freeware/lib|Lo|`,
	`gettext|GNU Project|Libraries / System Libraries|0.21.1|/opt/freeware/lib|Lo|`,
	`libiconv|GNU Project|Libraries / System Libraries|1.17|/opt/freeware/lib|Lo|`,
	`db2_11.5|IBM|Databases / Relational Databases|11.5.9.0|/opt/IBM/db2/V11.5|Acs|`,
	`mqm.server.rte|IBM|Network Application / Message Brokers|9.3.0.15|/usr/mqm|Acs|`,
	`tivoli.tsm.client.ba.64bit|IBM|System Utilities / Backup and Recovery|8.1.21.0|/usr/tivoli/tsm/client/ba/bin64|Ac|`,
	`powerHA.es.server.rte|IBM|System Utilities / High Availability|7.2.7.0|/usr/es/sbin/cluster|Ac|`,
	`rsct.core.rmc|IBM|System Utilities / Monitoring|3.2.6.5|/usr/sbin/rsct|Ac|`,
	`Tivoli_Management_Agent.client.rte|IBM|System Utilities / Configuration Management|3.7.1.0|/usr/Tivoli|Ac|`,
	`lwi.runtime|IBM|Development / Runtime Environments|7.2.5.0|/usr/lib/objrepos|Rc|`,
	`X11.base.rte|IBM|Libraries / Graphics Libraries|7.2.5.200|/usr/lpp/X11|Lc|`,
	`ifor_ls.base.cli|IBM|System Utilities / Licensing|7.2.0.0|/usr/lib/objrepos|Ac|`,
	`csm.client|IBM|System Utilities / Configuration Management|1.7.1.20|/opt/csm|Ac|`,
	`qualys-cloud-agent|Qualys, Inc.|Security / Vulnerability Management|1.9.0.12|/usr/local/qualys/cloud-agent|Ac|`,
	`nmon|IBM|System Utilities / Monitoring|16m|/usr/bin|Af|`,
	`lsof|Vic Abell|System Utilities / Diagnostics|4.95.0|/opt/freeware/bin|Ao|`,
	`tar|GNU Project|System Utilities / Compression|1.34|/opt/freeware/bin|Ao|`,
	`gzip|GNU Project|System Utilities / Compression|1.12|/opt/freeware/bin|Ao|`,
	`wget|GNU Project|Network Application / File Transfer|1.21.3|/opt/freeware/bin|Ao|`,
	`vim-enhanced|Bram Moolenaar|Office Productivity / Text Editors|9.0.1378|/opt/freeware/bin|Ao|`,
	`git|Software Freedom Conservancy|Development / Version Control|2.39.2|/opt/freeware/bin|Ao|`,
	`libgcc|GNU Project|Libraries / System Libraries|10.3.0|/opt/freeware/lib|Lo|`,
	`libstdc++|GNU Project|Libraries / System Libraries|10.3.0|/opt/freeware/lib|Lo|`,
	`expat|Expat development team|Libraries / XML Libraries|2.5.0|/opt/freeware/lib|Lo|`,
	`sqlite|D. Richard Hipp|Libraries / Database Libraries|3.40.1|/opt/freeware/lib|Lo|`,
	`readline|GNU Project|Libraries / System Libraries|8.2|/opt/freeware/lib|Lo|`,
	`ncurses|GNU Project|Libraries / System Libraries|6.4|/opt/freeware/lib|Lo|`,
	`logrotate||System Utilities / Log Management|3.21.0|/opt/freeware/sbin|Ao|`,
	`rsync||Network Application / File Transfer|3.2.7|/opt/freeware/bin|Ao|`,
	`unzip||System Utilities / Compression|6.0|/opt/freeware/bin|Ao|`,
	`coreutils|GNU Project|System Utilities / Command Line Tools|9.1|/opt/freeware/bin|Ao|`,
	`yum|IBM|System Utilities / Package Management|4.14.0|/opt/freeware/bin|Ao|`,
}

// Windows and Linux service names per role; generic ones apply to every host of the family.
var (
	winServices = []string{"wuauserv|Windows Update", "WinRM|Windows Remote Management (WS-Management)", "EventLog|Windows Event Log", "Dnscache|DNS Client", "LanmanServer|Server", "LanmanWorkstation|Workstation", "W32Time|Windows Time", "Schedule|Task Scheduler", "BITS|Background Intelligent Transfer Service", "CryptSvc|Cryptographic Services", "Dhcp|DHCP Client", "MpsSvc|Windows Defender Firewall", "Spooler|Print Spooler", "TermService|Remote Desktop Services", "RemoteRegistry|Remote Registry", "WinDefend|Microsoft Defender Antivirus Service", "QualysAgent|Qualys Cloud Agent", "VMTools|VMware Tools"}
	winRoleSvc  = map[int][]string{roleWeb: {"W3SVC|World Wide Web Publishing Service", "WAS|Windows Process Activation Service"}, roleDB: {"MSSQLSERVER|SQL Server (MSSQLSERVER)", "SQLSERVERAGENT|SQL Server Agent (MSSQLSERVER)", "SQLBrowser|SQL Server Browser"}, roleDC: {"NTDS|Active Directory Domain Services", "DNS|DNS Server", "Kdc|Kerberos Key Distribution Center", "Netlogon|Netlogon", "DFSR|DFS Replication"}, roleFile: {"DFSR|DFS Replication", "SMBWitness|SMB Witness"}, roleApp: {"Tomcat9|Apache Tomcat 9.0 Tomcat9", "RabbitMQ|RabbitMQ"}}
	linServices = []string{"sshd.service|OpenSSH server daemon", "systemd-journald.service|Journal Service", "systemd-networkd.service|Network Configuration", "systemd-resolved.service|Network Name Resolution", "systemd-logind.service|User Login Management", "cron.service|Regular background program processing daemon", "rsyslog.service|System Logging Service", "dbus.service|D-Bus System Message Bus", "chronyd.service|NTP client/server", "auditd.service|Security Auditing Service", "qualys-cloud-agent.service|Qualys Cloud Agent", "systemd-journal-flush.service|Flush Journal to Persistent Storage", "polkit.service|Authorization Manager", "irqbalance.service|irqbalance daemon"}
	linRoleSvc  = map[int][]string{roleWeb: {"nginx.service|A high performance web server and a reverse proxy server", "apache2.service|The Apache HTTP Server"}, roleDB: {"postgresql.service|PostgreSQL RDBMS", "mysql.service|MySQL Community Server", "redis-server.service|Advanced key-value store"}, roleApp: {"tomcat9.service|Apache Tomcat 9 Web Application Server", "rabbitmq-server.service|RabbitMQ Messaging Server"}, roleContainer: {"docker.service|Docker Application Container Engine", "containerd.service|containerd container runtime", "kubelet.service|kubelet: The Kubernetes Node Agent"}, roleInfra: {"named.service|BIND Domain Name Server", "haproxy.service|HAProxy Load Balancer", "snmpd.service|Simple Network Management Protocol (SNMP) Daemon."}}
)

// portDef is an open port with its usual service.
type portDef struct {
	port            int
	proto, svc, dsc string
}

var (
	winPorts  = []portDef{{135, "TCP", "msrpc", "Microsoft Windows RPC"}, {139, "TCP", "netbios-ssn", "NetBIOS Session Service"}, {445, "TCP", "microsoft-ds", "Microsoft SMB"}, {3389, "TCP", "ms-wbt-server", "Microsoft Terminal Services"}, {5985, "TCP", "http", "Microsoft HTTPAPI httpd 2.0 (WinRM)"}}
	linPorts  = []portDef{{22, "TCP", "ssh", "OpenSSH"}, {111, "TCP", "rpcbind", "RPC portmapper"}, {9100, "TCP", "http", "Prometheus node exporter"}, {123, "UDP", "ntp", "Network Time Protocol"}}
	macPorts  = []portDef{{22, "TCP", "ssh", "OpenSSH"}, {5900, "TCP", "vnc", "Apple Remote Desktop VNC"}, {88, "TCP", "kerberos-sec", "Heimdal Kerberos"}}
	netPorts  = []portDef{{22, "TCP", "ssh", "Cisco SSH"}, {23, "TCP", "telnet", "Telnet"}, {161, "UDP", "snmp", "SNMPv2 server"}, {443, "TCP", "https", "HTTP over TLS/SSL"}, {179, "TCP", "bgp", "Border Gateway Protocol"}}
	rolePorts = map[int][]portDef{
		roleWeb:       {{80, "TCP", "http", "HTTP"}, {443, "TCP", "https", "http protocol over TLS/SSL"}},
		roleDB:        {{1433, "TCP", "ms-sql-s", "Microsoft SQL Server"}, {5432, "TCP", "postgresql", "PostgreSQL DB"}, {3306, "TCP", "mysql", "MySQL"}, {6379, "TCP", "redis", "Redis key-value store"}},
		roleApp:       {{8080, "TCP", "http-proxy", "Apache Tomcat"}, {8443, "TCP", "https-alt", "Apache Tomcat SSL"}, {5672, "TCP", "amqp", "RabbitMQ"}},
		roleDC:        {{53, "TCP", "domain", "Microsoft DNS"}, {88, "TCP", "kerberos-sec", "Microsoft Windows Kerberos"}, {389, "TCP", "ldap", "Microsoft Windows Active Directory LDAP"}, {636, "TCP", "ldapssl", "LDAP over SSL"}, {3268, "TCP", "globalcatLDAP", "Global Catalog"}},
		roleFile:      {{2049, "TCP", "nfs", "NFS"}},
		roleContainer: {{2376, "TCP", "docker", "Docker TLS"}, {10250, "TCP", "https", "Kubernetes kubelet"}, {6443, "TCP", "https", "Kubernetes API server"}},
		roleInfra:     {{53, "UDP", "domain", "ISC BIND"}, {161, "UDP", "snmp", "net-snmp"}},
	}
)

// --- software catalogs ---

// swProduct is one parsed catalog line.
type swProduct struct {
	name, rpmName, publisher, cat1, cat2 string
	versions                             []string
	path, url                            string
	typ, lic                             byte
	server                               bool
}

type catalogs struct {
	windows, linux, mac, network, aix []swProduct
}

func parseCatalogs() (catalogs, error) {
	var c catalogs
	var err error
	for _, x := range []struct {
		dst   *[]swProduct
		lines []string
		name  string
	}{{&c.windows, windowsCatalog, "windows"}, {&c.linux, linuxCatalog, "linux"}, {&c.mac, macCatalog, "mac"}, {&c.network, networkCatalog, "network"}, {&c.aix, aixCatalog, "aix"}} {
		if *x.dst, err = parseCatalog(x.lines); err != nil {
			return c, fmt.Errorf("qualyssim: %s software catalog: %w", x.name, err)
		}
	}
	return c, nil
}

func parseCatalog(lines []string) ([]swProduct, error) {
	out := make([]swProduct, 0, len(lines))
	for i, l := range lines {
		f := strings.Split(l, "|")
		if len(f) != 7 {
			// Windows names may contain '|' (e.g. "Dell Command | Update"): join the excess into the name.
			if len(f) > 7 {
				f = append([]string{strings.Join(f[:len(f)-6], "|")}, f[len(f)-6:]...)
			} else {
				return nil, fmt.Errorf("line %d: want 7 fields, got %d", i, len(f))
			}
		}
		cat1, cat2, ok := strings.Cut(f[2], " / ")
		if !ok {
			return nil, fmt.Errorf("line %d: category %q lacks ' / '", i, f[2])
		}
		p := swProduct{name: f[0], publisher: f[1], cat1: cat1, cat2: cat2, versions: strings.Fields(f[3]), path: f[4], url: f[6]}
		if deb, rpm, ok := strings.Cut(f[0], "/"); ok && !strings.Contains(f[0], " ") {
			p.name, p.rpmName = deb, rpm
		}
		if len(p.versions) == 0 || len(f[5]) < 2 {
			return nil, fmt.Errorf("line %d: no versions or flags", i)
		}
		p.typ, p.lic = f[5][0], f[5][1]
		p.server = strings.Contains(f[5][2:], "s")
		out = append(out, p)
	}
	return out, nil
}

// family returns the software catalog of an OS.
func (c *catalogs) family(p *osProfile) []swProduct {
	switch p.family {
	case famWindows:
		return c.windows
	case famLinux:
		return c.linux
	case famMac:
		return c.mac
	case famNetwork:
		return c.network
	default:
		return c.aix
	}
}

func (c *catalogs) capacity(p *osProfile) int {
	n := len(c.family(p))
	if p.family == famLinux {
		n += len(kernels(p)) // installed kernels
	}
	return n
}

// kernels lists the kernel releases of a Linux distribution, newest last.
func kernels(p *osProfile) []string {
	switch {
	case p.distro == "deb-ubuntu" && p.marketVersion == "22.04":
		return []string{"5.15.0-100", "5.15.0-101", "5.15.0-102", "5.15.0-105"}
	case p.distro == "deb-ubuntu" && p.marketVersion == "20.04":
		return []string{"5.4.0-172", "5.4.0-173", "5.4.0-174"}
	case p.distro == "deb-ubuntu":
		return []string{"4.15.0-212", "4.15.0-213"}
	case p.distro == "deb-debian" && p.marketVersion == "12":
		return []string{"6.1.0-18", "6.1.0-20"}
	case p.distro == "deb-debian":
		return []string{"5.10.0-27", "5.10.0-28"}
	case p.distro == "rpm-el7":
		return []string{"3.10.0-1160.108.1", "3.10.0-1160.114.2"}
	case p.distro == "rpm-el8":
		return []string{"4.18.0-513.11.1", "4.18.0-513.18.1", "4.18.0-513.24.1"}
	case p.distro == "rpm-el9":
		return []string{"5.14.0-362.18.1", "5.14.0-362.24.1"}
	case p.distro == "rpm-amzn2":
		return []string{"5.10.213-201.855", "5.10.214-202.855"}
	case p.distro == "rpm-amzn2023":
		return []string{"6.1.82-99.168", "6.1.84-99.169"}
	default:
		return []string{"5.14.21-150500.55.49", "5.14.21-150500.55.52"}
	}
}
