package identify

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/qflow/qflow/internal/model"
)

// Of returns the identifiers of a normalized record (the host values of
// the csam-default or vmdr-default map) seen in one subscription. Values are
// canonicalized (case, separators) and junk is left out: it never matches.
func Of(rec *model.Record, subscription string) Identifiers {
	h := rec.Host
	ids := Identifiers{}
	add := func(a Attribute, v string) {
		if v != "" && !contains(ids[a], v) {
			ids[a] = append(ids[a], v)
		}
	}
	if hostID, ok := h.Int("host_id"); ok && hostID > 0 {
		add(NativeKey, subscription+"/host/"+strconv.FormatInt(hostID, 10))
	}
	if rec.NativeKey != "" {
		add(NativeKey, subscription+"/"+strings.ToLower(string(rec.Source))+"/"+rec.NativeKey)
	}
	add(AgentID, Canonical(AgentID, h.String("agent_id")))
	add(BIOSSerial, Canonical(BIOSSerial, h.String("bios_serial_number")))
	add(HardwareUUID, Canonical(HardwareUUID, h.String("hw_uuid")))
	add(CloudInstanceID, Canonical(CloudInstanceID, h.String("cloud_instance_id")))
	macs, _ := h["mac_addresses"].([]string)
	for _, m := range macs {
		add(MAC, Canonical(MAC, m))
	}
	add(FQDN, Canonical(FQDN, h.String("fqdn")))
	if nb, dom := Canonical(NetBIOSDomain, h.String("netbios_name")), strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h.String("domain")), ".")); nb != "" {
		if dom == "" {
			if fq := Canonical(FQDN, h.String("fqdn")); fq != "" {
				if _, d, ok := strings.Cut(fq, "."); ok {
					dom = d
				}
			}
		}
		if dom != "" {
			add(NetBIOSDomain, nb+"|"+dom)
		}
	}
	add(IP, Canonical(IP, h.String("ip_address")))
	ips, _ := h["ip_addresses"].([]string)
	for _, ip := range ips {
		add(IP, Canonical(IP, ip))
	}
	return ids
}

func contains(xs []string, v string) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

// placeholderSerials are serial numbers that firmware ships unset; they are
// shared by unrelated machines and never identify one. Compared in upper
// case with spaces, dots and dashes removed.
var placeholderSerials = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range []string{
		"To be filled by O.E.M.", "To Be Filled By O.E.M.", "Default string", "System Serial Number",
		"Chassis Serial Number", "Not Specified", "Not Applicable", "Not Available", "None", "N/A", "NA",
		"Unknown", "Invalid", "0", "00000000", "0123456789", "123456789", "1234567890", "Serial", "SerialNumber",
		"xxxxxxxxxx", "OEM", "Base Board Serial Number", "Type1Sku0", "No Asset Tag", "Empty", "Null",
	} {
		m[squash(s)] = true
	}
	return m
}()

func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '.', '-', '_', '/':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sameChar reports whether s is one character repeated ("0000", "FFFF").
func sameChar(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

// Canonical returns the canonical form of an identifier value, or "" when
// the value is junk that must never match: placeholder or all-same-digit
// serials, all-zero or virtual MACs, loopback, link-local or unspecified
// IPs, names that are IP addresses or "localhost".
func Canonical(a Attribute, v string) string {
	v = strings.TrimSpace(v)
	if v == "" || templatePlaceholder(v) {
		return ""
	}
	switch a {
	case AgentID, HardwareUUID:
		v = strings.ToLower(v)
		if sameChar(strings.ReplaceAll(v, "-", "")) || v == "03000200-0400-0500-0006-000700080009" {
			return ""
		}
		return v
	case BIOSSerial:
		sq := squash(v)
		if len(sq) < 3 || placeholderSerials[sq] || sameChar(sq) || strings.HasPrefix(sq, "VMWARE") && len(sq) < 8 {
			return ""
		}
		return strings.ToUpper(v)
	case CloudInstanceID:
		v = strings.ToLower(v)
		if sq := squash(v); len(sq) < 3 || placeholderSerials[strings.ToUpper(sq)] || sameChar(strings.TrimPrefix(sq, "I")) {
			return ""
		}
		return v
	case MAC:
		return canonicalMAC(v)
	case FQDN:
		v = strings.ToLower(strings.TrimSuffix(v, "."))
		if !dnsName(v) || !strings.Contains(v, ".") || isIPShaped(v) || strings.HasPrefix(v, "localhost.") {
			return ""
		}
		return v
	case NetBIOSDomain:
		v = strings.ToUpper(v)
		if isIPShaped(v) || v == "LOCALHOST" {
			return ""
		}
		return v
	case IP:
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return ""
		}
		ip = ip.Unmap()
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() {
			return ""
		}
		return ip.String()
	case NativeKey:
		return v
	}
	return ""
}

// templatePlaceholder reports values that asset templates and sample
// payloads leave in place of a real one: "instanceId_value",
// "hostname_value" (seen in real CSAM payloads of cloned assets).
func templatePlaceholder(v string) bool {
	l := strings.ToLower(v)
	return strings.HasSuffix(l, "_value") || l == "value"
}

// dnsName reports whether s is a syntactically plausible DNS name: labels
// of letters, digits, '-' and '_', none empty.
func dnsName(s string) bool {
	for _, l := range strings.Split(s, ".") {
		if l == "" {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func isIPShaped(s string) bool {
	_, err := netip.ParseAddr(s)
	if err == nil {
		return true
	}
	// "10-1-2-3" or "ip-10-1-2-3": names made from an address.
	t := strings.TrimPrefix(strings.ToLower(s), "ip-")
	if i := strings.IndexByte(t, '.'); i >= 0 {
		t = t[:i]
	}
	_, err = netip.ParseAddr(strings.ReplaceAll(t, "-", "."))
	return err == nil
}

// virtualOUIs are MAC prefixes of virtual, VPN and tunnel adapters that
// many unrelated machines share.
var virtualOUIs = []string{
	"00:05:9a", // Cisco AnyConnect VPN
	"00:09:0f", // Fortinet VPN
	"00:ff:",   // TAP / OpenVPN and other tunnel adapters
	"0a:00:27", // VirtualBox host-only
	"02:00:4c", // Microsoft loopback
	"02:42:",   // Docker bridges
	"00:00:00", // null OUI
}

// canonicalMAC returns a MAC address as lower-case colon-separated hex, or
// "" when it is not one or is junk: all zeros or all ones, multicast,
// locally administered (randomized, container and VM bridges), or a known
// virtual-adapter prefix.
func canonicalMAC(v string) string {
	var hex []byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
			hex = append(hex, c)
		case c >= 'A' && c <= 'F':
			hex = append(hex, c+'a'-'A')
		case c == ':' || c == '-' || c == '.':
		default:
			return ""
		}
	}
	if len(hex) != 12 {
		return ""
	}
	var b strings.Builder
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.Write(hex[i : i+2])
	}
	m := b.String()
	first, _ := strconv.ParseUint(m[:2], 16, 8)
	if sameChar(string(hex)) || first&1 == 1 || first&2 == 2 {
		return ""
	}
	for _, p := range virtualOUIs {
		if strings.HasPrefix(m, p) {
			return ""
		}
	}
	return m
}
