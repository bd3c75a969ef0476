package transform

import (
	"fmt"
	"html"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qflow/qflow/internal/model"
)

// A normalizer rewrites a source value (in its text form) before the row's
// type conversion. present=false drops the value (absent).
type normalizeFunc func(s string) (out string, present bool, err error)

// normalizer describes one named normalizer.
type normalizer struct {
	name  string
	fn    normalizeFunc
	types []model.Type // row types it may be used with
	doc   string
	// alias is the type whose conversion the normalizer is (ip, mac,
	// datetime); lenient reports the try_ form (invalid → absent).
	alias   model.Type
	lenient bool
}

var (
	stringish = []model.Type{model.TypeString, model.TypeList}
	allScalar = []model.Type{model.TypeString, model.TypeInteger, model.TypeFloat, model.TypeBoolean,
		model.TypeDatetime, model.TypeIP, model.TypeMAC, model.TypeList}
)

// normalizers returns the normalizer table, by name.
func normalizers() map[string]normalizer {
	list := []normalizer{
		{name: "os", fn: keep(normalizeOS), types: stringish, doc: "operating system name: collapse spaces, vendor capitalisation, strip bitness/build noise"},
		{name: "lower", fn: keep(strings.ToLower), types: stringish, doc: "lower case"},
		{name: "upper", fn: keep(strings.ToUpper), types: stringish, doc: "upper case"},
		{name: "trim", fn: keep(strings.TrimSpace), types: allScalar, doc: "strip leading and trailing white space"},
		{name: "hostname", fn: keep(normalizeHostname), types: stringish, doc: "lower case, no trailing dot"},
		{name: "html_unescape", fn: keep(html.UnescapeString), types: stringish, doc: "HTML entities (&lt; &quot; &apos; &#39; …) unescaped once"},
		{name: "ip", fn: canonicalIP, types: []model.Type{model.TypeIP, model.TypeString, model.TypeList}, alias: model.TypeIP, doc: "canonical IP address; invalid is an error"},
		{name: "mac", fn: canonicalMAC, types: []model.Type{model.TypeMAC, model.TypeString, model.TypeList}, alias: model.TypeMAC, doc: "canonical MAC address; invalid is an error"},
		{name: "datetime", fn: datetimeText, types: []model.Type{model.TypeDatetime, model.TypeString, model.TypeList}, alias: model.TypeDatetime, doc: "date and time in UTC (RFC 3339); invalid is an error"},
		{name: "try_ip", fn: lenient(canonicalIP), types: []model.Type{model.TypeIP, model.TypeString, model.TypeList}, alias: model.TypeIP, lenient: true, doc: "like ip, but an invalid value is left out"},
		{name: "try_mac", fn: lenient(canonicalMAC), types: []model.Type{model.TypeMAC, model.TypeString, model.TypeList}, alias: model.TypeMAC, lenient: true, doc: "like mac, but an invalid value is left out"},
		{name: "try_datetime", fn: lenient(datetimeText), types: []model.Type{model.TypeDatetime, model.TypeString, model.TypeList}, alias: model.TypeDatetime, lenient: true, doc: "like datetime, but an invalid value is left out"},
	}
	m := make(map[string]normalizer, len(list))
	for _, n := range list {
		m[n.name] = n
	}
	return m
}

func keep(f func(string) string) normalizeFunc {
	return func(s string) (string, bool, error) { return f(s), true, nil }
}

func lenient(f func(string) (string, bool, error)) normalizeFunc {
	return func(s string) (string, bool, error) {
		out, ok, err := f(s)
		if err != nil {
			return "", false, nil
		}
		return out, ok, nil
	}
}

// datetimeText is the datetime normalizer: the instant in RFC 3339 (UTC).
func datetimeText(s string) (string, bool, error) {
	t, ok, err := parseDatetime(s)
	if err != nil || !ok {
		return "", ok, err
	}
	return t.Format(time.RFC3339Nano), true, nil
}

// normalizeHostname lower-cases a host name and strips white space and the
// trailing dot of a fully qualified name.
func normalizeHostname(s string) string {
	return strings.TrimRight(strings.ToLower(strings.TrimSpace(s)), ".")
}

// canonicalIP returns the canonical text of an IP address (net/netip):
// IPv4 dotted decimal; IPv6 compressed and lower case (RFC 5952), with its
// zone if any. An IPv4-mapped IPv6 address stays IPv6 ("::ffff:1.2.3.4"):
// the source said IPv6, and unmapping would put an IPv4 address into an IPv6
// field. Surrounding white space is ignored; empty is absent; anything else
// that is not an address is an error.
func canonicalIP(s string) (string, bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", false, fmt.Errorf("not an IP address")
	}
	return a.String(), true, nil
}

// canonicalMAC returns a 48-bit MAC address in lower-case colon form
// ("00:0c:29:15:6a:72"). It accepts colon or hyphen groups of one or two hex
// digits ("00-0C-29-15-6A-72", "0:c:29:15:6a:72"), Cisco dotted groups of
// four ("000c.2915.6a72") and twelve bare hex digits ("000C29156A72").
// Empty is absent; anything else is an error.
func canonicalMAC(s string) (string, bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false, nil
	}
	var hex [12]byte
	n := 0
	bad := fmt.Errorf("not a MAC address")
	switch {
	case strings.ContainsAny(s, ":-"):
		sep := byte(':')
		if strings.IndexByte(s, ':') < 0 {
			sep = '-'
		}
		groups := 0
		for g := range strings.SplitSeq(s, string(sep)) {
			groups++
			if groups > 6 || len(g) < 1 || len(g) > 2 {
				return "", false, bad
			}
			if len(g) == 1 {
				g = "0" + g
			}
			for i := 0; i < 2; i++ {
				if !isHex(g[i]) {
					return "", false, bad
				}
				hex[n] = lowerHex(g[i])
				n++
			}
		}
		if groups != 6 {
			return "", false, bad
		}
	case strings.Contains(s, "."):
		groups := 0
		for g := range strings.SplitSeq(s, ".") {
			groups++
			if groups > 3 || len(g) != 4 {
				return "", false, bad
			}
			for i := 0; i < 4; i++ {
				if !isHex(g[i]) {
					return "", false, bad
				}
				hex[n] = lowerHex(g[i])
				n++
			}
		}
		if groups != 3 {
			return "", false, bad
		}
	default:
		if len(s) != 12 {
			return "", false, bad
		}
		for i := 0; i < 12; i++ {
			if !isHex(s[i]) {
				return "", false, bad
			}
			hex[i] = lowerHex(s[i])
		}
	}
	var out [17]byte
	for i := 0; i < 6; i++ {
		out[i*3], out[i*3+1] = hex[i*2], hex[i*2+1]
		if i < 5 {
			out[i*3+2] = ':'
		}
	}
	return string(out[:]), true, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func lowerHex(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// parseDatetime parses the date and time forms seen in Qualys data and
// returns the instant in UTC:
//   - ISO-8601 / RFC 3339 with or without fractional seconds, with "Z", an
//     offset ("+05:30", "+0530") or no zone (taken as UTC), "T" or a space
//     between date and time: "2025-07-11T14:21:10.000Z";
//   - a date alone, midnight UTC: "2021-10-25";
//   - epoch milliseconds as digits: "1752243670000".
//
// "", "0" and all white space are absent ("never"); anything else, and any
// instant outside the years 1 to 9999, is an error.
func parseDatetime[T string | []byte](s T) (time.Time, bool, error) {
	// trim white space
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	s = s[i:j]
	if len(s) == 0 {
		return time.Time{}, false, nil
	}
	if isEpoch(s) {
		ms, ok := parseInt(s)
		if !ok {
			return time.Time{}, false, errBadDatetime
		}
		return epochMillis(ms)
	}
	t, ok := parseISO(s)
	if !ok || t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, false, errBadDatetime
	}
	return t, true, nil
}

var errBadDatetime = fmt.Errorf("not a date and time")

// Epoch milliseconds are accepted from year 1 to year 9999.
const (
	minEpochMillis = -62135596800000
	maxEpochMillis = 253402300799999
)

func epochMillis(ms int64) (time.Time, bool, error) {
	if ms == 0 {
		return time.Time{}, false, nil
	}
	if ms < minEpochMillis || ms > maxEpochMillis {
		return time.Time{}, false, errBadDatetime
	}
	return time.UnixMilli(ms).UTC(), true, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isEpoch reports whether s is an optionally signed run of digits.
func isEpoch[T string | []byte](s T) bool {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i = 1
	}
	if i == len(s) {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseISO parses YYYY-MM-DD[(T| )hh:mm:ss[.f…][Z|±hh:mm|±hhmm]].
func parseISO[T string | []byte](s T) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	year, ok1 := digits(s, 0, 4)
	month, ok2 := digits(s, 5, 2)
	day, ok3 := digits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return time.Time{}, false
	}
	if len(s) == 10 {
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), true
	}
	if len(s) < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	hour, ok1 := digits(s, 11, 2)
	minute, ok2 := digits(s, 14, 2)
	sec, ok3 := digits(s, 17, 2)
	if !ok1 || !ok2 || !ok3 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i := 19
	nsec := 0
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		scale := 100000000
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if i-start < 9 {
				nsec += int(s[i]-'0') * scale
				scale /= 10
			}
			i++
		}
		if i == start {
			return time.Time{}, false
		}
	}
	offset := 0
	switch {
	case i == len(s):
	case s[i] == 'Z' || s[i] == 'z':
		if i+1 != len(s) {
			return time.Time{}, false
		}
	case s[i] == '+' || s[i] == '-':
		sign := 1
		if s[i] == '-' {
			sign = -1
		}
		rest := s[i+1:]
		var oh, om int
		var ok1, ok2 bool
		switch {
		case len(rest) == 5 && rest[2] == ':':
			oh, ok1 = digits(rest, 0, 2)
			om, ok2 = digits(rest, 3, 2)
		case len(rest) == 4:
			oh, ok1 = digits(rest, 0, 2)
			om, ok2 = digits(rest, 2, 2)
		case len(rest) == 2:
			oh, ok1 = digits(rest, 0, 2)
			ok2 = true
		}
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = sign * (oh*3600 + om*60)
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if offset != 0 {
		t = t.Add(-time.Duration(offset) * time.Second)
	}
	return t, true
}

func digits[T string | []byte](s T, at, n int) (int, bool) {
	v := 0
	for k := at; k < at+n; k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// normalizeOS canonicalises an operating system name:
//  1. white space is trimmed and every run of it becomes one space;
//  2. trailing noise is stripped, repeatedly: a parenthesised bitness,
//     architecture or build ("(64-bit)", "(x64)", "(amd64)", "(Build 17763)")
//     and a bare trailing "64-bit"/"32-bit";
//  3. known vendor and product words (also each part of "gnu/linux") get their canonical spelling whatever
//     their case ("microsoft" → "Microsoft", "centos" → "CentOS", "sp1" →
//     "SP1", "r2" → "R2", "lts" → "LTS");
//  4. when the whole name was in one case (all lower or all upper), the other
//     words made only of letters get an initial capital; names in mixed case
//     keep the source's spelling of unknown words.
func normalizeOS(s string) string {
	words := strings.Fields(s)
	// 2. strip trailing noise
	for len(words) > 0 {
		last := strings.ToLower(words[len(words)-1])
		if osNoiseWord[last] {
			words = words[:len(words)-1]
			continue
		}
		// a parenthesised group at the end, possibly several words long
		if strings.HasSuffix(last, ")") {
			start := -1
			for k := len(words) - 1; k >= 0; k-- {
				if strings.HasPrefix(words[k], "(") {
					start = k
					break
				}
			}
			if start >= 0 && isOSNoiseGroup(strings.ToLower(strings.Join(words[start:], " "))) {
				words = words[:start]
				continue
			}
		}
		break
	}
	joined := strings.Join(words, " ")
	oneCase := joined == strings.ToLower(joined) || joined == strings.ToUpper(joined)
	for k, w := range words {
		if !strings.Contains(w, "/") {
			words[k] = osWord(w, oneCase)
			continue
		}
		parts := strings.Split(w, "/") // "gnu/linux": each part on its own
		for p := range parts {
			parts[p] = osWord(parts[p], oneCase)
		}
		words[k] = strings.Join(parts, "/")
	}
	return strings.Join(words, " ")
}

// osWord canonicalises one word of an operating system name.
func osWord(w string, oneCase bool) string {
	lw := strings.ToLower(w)
	if c, ok := osWords[lw]; ok {
		return c
	}
	if c, ok := osPatternWord(lw); ok {
		return c
	}
	if oneCase && isLetters(lw) {
		r, size := utf8.DecodeRuneInString(lw)
		return strings.ToUpper(string(r)) + lw[size:]
	}
	return w
}

var osNoiseWord = map[string]bool{"64-bit": true, "32-bit": true}

// isOSNoiseGroup reports whether a trailing "(…)" group is bitness,
// architecture or build noise.
func isOSNoiseGroup(g string) bool {
	inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(g, "("), ")"))
	switch inner {
	case "64-bit", "32-bit", "64 bit", "32 bit", "64bit", "32bit", "x64", "x86", "x86_64", "x86-64",
		"amd64", "arm64", "aarch64", "i386", "i686":
		return true
	}
	if rest, ok := strings.CutPrefix(inner, "build "); ok && rest != "" {
		for _, c := range rest {
			if (c < '0' || c > '9') && c != '.' {
				return false
			}
		}
		return true
	}
	return false
}

// osWords is the canonical spelling of known operating system words.
var osWords = func() map[string]string {
	m := map[string]string{}
	for _, w := range []string{
		"Microsoft", "Windows", "Server", "Standard", "Datacenter", "Enterprise", "Professional", "Pro",
		"Home", "Education", "Edition", "Essentials", "Foundation", "Web", "Core", "Workstation", "Embedded",
		"Linux", "Ubuntu", "Debian", "Fedora", "Red", "Hat", "Oracle", "Amazon", "Rocky", "Kali", "Mint",
		"Gentoo", "Arch", "Alpine", "Raspbian", "Solaris", "Android", "Cisco", "Juniper", "Junos", "Apple",
		"Canonical", "Google", "Stream", "Leap", "Tumbleweed", "Container", "Optimized", "Photon",
		"CentOS", "SUSE", "SLES", "openSUSE", "AlmaLinux", "FreeBSD", "OpenBSD", "NetBSD", "macOS", "iOS",
		"iPadOS", "AIX", "HP-UX", "VMware", "ESXi", "RHEL", "LTS", "LTSC", "LTSB", "IOS", "IOS-XE", "IOS-XR",
		"NX-OS", "PAN-OS", "FortiOS", "GNU", "OS", "Chrome", "ChromeOS",
	} {
		m[strings.ToLower(w)] = w
	}
	return m
}()

// osPatternWord canonicalises service packs and releases: sp1 → SP1, r2 → R2.
func osPatternWord(lw string) (string, bool) {
	for _, p := range []string{"sp", "r"} {
		if rest, ok := strings.CutPrefix(lw, p); ok && rest != "" && isDigits(rest) {
			return strings.ToUpper(p) + rest, true
		}
	}
	return "", false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isLetters(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z') {
			return false
		}
	}
	return s != ""
}
