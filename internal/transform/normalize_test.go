package transform

import (
	"net"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"
)

// normalizerCases is the golden table of every normalizer: input → output,
// "-" for absent, "!" for an error.
var normalizerCases = map[string][][2]string{
	"os": {
		{"microsoft windows server 2019 standard", "Microsoft Windows Server 2019 Standard"},
		{"  Microsoft  Windows\t10 Pro (64-bit) ", "Microsoft Windows 10 Pro"},
		{"MICROSOFT WINDOWS 11 ENTERPRISE 64-BIT", "Microsoft Windows 11 Enterprise"},
		{"Windows Server 2012 r2 datacenter (x64) (Build 9600)", "Windows Server 2012 R2 Datacenter"},
		{"windows 7 professional sp1", "Windows 7 Professional SP1"},
		{"ubuntu linux 22.04.5 lts", "Ubuntu Linux 22.04.5 LTS"},
		{"centos linux 7.9.2009 (amd64)", "CentOS Linux 7.9.2009"},
		{"RED HAT ENTERPRISE LINUX 9.4", "Red Hat Enterprise Linux 9.4"},
		{"suse linux enterprise server 15 sp5", "SUSE Linux Enterprise Server 15 SP5"},
		{"Mock OS", "Mock OS"},
		{"Canonical Ubuntu Jammy Jellyfish", "Canonical Ubuntu Jammy Jellyfish"},
		{"debian gnu/linux 12", "Debian GNU/Linux 12"},
		{"freebsd 14.0-release", "FreeBSD 14.0-release"},
		{"Oracle Linux Server release 8.9 (x86_64)", "Oracle Linux Server release 8.9"},
		{"HP-UX 11i v3", "HP-UX 11i v3"},
		{"(64-bit)", ""},
		{"", ""},
	},
	"lower":    {{"Web-01 PROD", "web-01 prod"}, {"", ""}},
	"upper":    {{"web-01 prod", "WEB-01 PROD"}, {"é", "É"}},
	"trim":     {{"  a b \t\n", "a b"}, {"   ", ""}},
	"hostname": {{" WEB-01.Corp.Example.COM. ", "web-01.corp.example.com"}, {"host..", "host"}, {"", ""}},
	"ip": {
		{"10.0.0.1", "10.0.0.1"}, {" 10.0.0.1 ", "10.0.0.1"}, {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
		{"::FFFF:10.0.0.2", "::ffff:10.0.0.2"}, {"::ffff:432b:9c00", "::ffff:67.43.156.0"}, {"fe80::1%eth0", "fe80::1%eth0"},
		{"", "-"}, {"10.0.0.256", "!"}, {"010.0.0.1", "!"}, {"10.0.0.0/24", "!"}, {"mock_address", "!"},
	},
	"mac": {
		{"00:0c:29:15:6a:72", "00:0c:29:15:6a:72"}, {"00-0C-29-15-6A-72", "00:0c:29:15:6a:72"},
		{"000c.2915.6a72", "00:0c:29:15:6a:72"}, {"000C29156A72", "00:0c:29:15:6a:72"}, {"0:c:29:15:6a:72", "00:0c:29:15:6a:72"},
		{" 00:0C:29:15:6A:72 ", "00:0c:29:15:6a:72"}, {"", "-"}, {"mock_mac_address", "!"}, {"00:0c:29:15:6a", "!"},
		{"00:0c:29:15:6a:72:01:02", "!"}, {"00:0c-29:15:6a:72", "!"}, {"000c.2915.6a7", "!"}, {"000C29156A7G", "!"},
		{"001:0c:29:15:6a:72", "!"},
	},
	"datetime": {
		{"2025-07-11T14:21:10.000Z", "2025-07-11T14:21:10Z"}, {"2025-07-11T14:21:10Z", "2025-07-11T14:21:10Z"},
		{"2025-07-11T19:51:10.5+05:30", "2025-07-11T14:21:10.5Z"}, {"2025-07-11T14:21:10-0400", "2025-07-11T18:21:10Z"},
		{"2025-07-11 14:21:10", "2025-07-11T14:21:10Z"}, {"2021-10-25", "2021-10-25T00:00:00Z"},
		{"1752243670000", "2025-07-11T14:21:10Z"}, {"0", "-"}, {"", "-"}, {"  ", "-"},
		{"2025-02-30", "!"}, {"2025-13-01T00:00:00Z", "!"}, {"2025-07-11T24:00:00Z", "!"}, {"yesterday", "!"},
		{"2025-07-11T14:21:10.Z", "!"}, {"2025-07-11T14:21:10Zjunk", "!"}, {"99999999999999999", "!"},
	},
	"html_unescape": {
		{"Vulnerable version: &lt; 38", "Vulnerable version: < 38"}, {"&quot;OpenSSH_9.6&quot;", `"OpenSSH_9.6"`},
		{"&apos;a&apos; &#39;b&#39; &#x27;c&#x27;", "'a' 'b' 'c'"}, {"&lt;tr&gt;&lt;/tr&gt;", "<tr></tr>"},
		{"&amp;lt; unescaped once", "&lt; unescaped once"}, {"R&amp;D", "R&D"}, {"a bare & and &bogus; stay", "a bare & and &bogus; stay"},
		{"no entities", "no entities"}, {"", ""},
	},
	"try_ip":       {{"10.0.0.1", "10.0.0.1"}, {"mock", "-"}, {"", "-"}},
	"try_mac":      {{"00-0C-29-15-6A-72", "00:0c:29:15:6a:72"}, {"mock_mac_address", "-"}},
	"try_datetime": {{"2021-10-25", "2021-10-25T00:00:00Z"}, {"last tuesday", "-"}},
}

func TestNormalizers(t *testing.T) {
	norms := normalizers()
	for name := range norms {
		if _, ok := normalizerCases[name]; !ok {
			t.Errorf("normalizer %q has no table", name)
		}
	}
	for name, cases := range normalizerCases {
		n, ok := norms[name]
		if !ok {
			t.Errorf("no normalizer %q", name)
			continue
		}
		for _, c := range cases {
			out, present, err := n.fn(c[0])
			got := out
			switch {
			case err != nil:
				got = "!"
			case !present:
				got = "-"
			}
			if got != c[1] {
				t.Errorf("%s(%q) = %q, want %q", name, c[0], got, c[1])
			}
		}
	}
}

func TestConvert(t *testing.T) {
	str := func(s string) value { return value{kind: kindString, b: []byte(s)} }
	num := func(s string) value { return value{kind: kindNumber, b: []byte(s)} }
	tru, fls := value{kind: kindTrue}, value{kind: kindFalse}
	date := func(s string) time.Time { return must(time.Parse(time.RFC3339Nano, s)) }
	const absent, bad = "absent", "error"
	tests := []struct {
		conv converter
		name string
		in   value
		want any
	}{
		{toString, "string", str("a b"), "a b"},
		{toString, "empty string kept", str(""), ""},
		{toString, "number as text", num("2.40"), "2.40"},
		{toString, "bool as text", tru, "true"},
		{toInteger, "integer", num("8464359598295418000"), int64(8464359598295418000)},
		{toInteger, "min int64", num("-9223372036854775808"), int64(-9223372036854775808)},
		{toInteger, "overflow", num("9223372036854775808"), bad},
		{toInteger, "integral float", num("3200.0"), int64(3200)},
		{toInteger, "exponent", num("1e3"), int64(1000)},
		{toInteger, "fraction", num("1.5"), bad},
		{toInteger, "numeric string", str(" 42 "), int64(42)},
		{toInteger, "empty string", str(""), absent},
		{toInteger, "not a number", str("not-a-number"), bad},
		{toInteger, "bool", tru, bad},
		{toFloat, "float", num("3.25"), 3.25},
		{toFloat, "float string", str("1e-3"), 0.001},
		{toFloat, "empty", str(""), absent},
		{toFloat, "NaN string", str("NaN"), bad},
		{toFloat, "integer number", num("5"), 5.0},
		{toFloat, "numeric string", str(" 4.3 "), 4.3},
		{toFloat, "bool", tru, bad},
		{toFloat, "not a number", str("high"), bad},
		{toBoolean, "true", tru, true},
		{toBoolean, "false", fls, false},
		{toBoolean, "1", num("1"), true},
		{toBoolean, "0", num("0"), false},
		{toBoolean, "2", num("2"), bad},
		{toBoolean, `"1"`, str("1"), true},
		{toBoolean, `"0"`, str("0"), false},
		{toBoolean, `"true"`, str("true"), true},
		{toBoolean, `"false"`, str("false"), false},
		{toBoolean, "-1", num("-1"), bad},
		{toBoolean, "1.0", num("1.0"), bad},
		{toBoolean, `"TRUE"`, str("TRUE"), true},
		{toBoolean, `"yes"`, str("yes"), true},
		{toBoolean, `"No"`, str("No"), false},
		{toBoolean, `""`, str(""), absent},
		{toBoolean, `"maybe"`, str("maybe"), bad},
		{toDatetime, "iso ms", str("2025-07-11T14:21:10.000Z"), date("2025-07-11T14:21:10Z")},
		{toDatetime, "epoch ms number", num("1752243670000"), date("2025-07-11T14:21:10Z")},
		{toDatetime, "epoch ms string", str("1752243670000"), date("2025-07-11T14:21:10Z")},
		{toDatetime, "epoch ms exponent", num("1.75224367e12"), date("2025-07-11T14:21:10Z")},
		{toDatetime, "zero", num("0"), absent},
		{toDatetime, "empty", str(""), absent},
		{toDatetime, "fractional epoch", num("1.5"), bad},
		{toDatetime, "bool", tru, bad},
		{toDatetime, "garbage", str("soon"), bad},
		{toIP, "ipv4", str("10.1.2.3"), "10.1.2.3"},
		{toIP, "mapped", str("::ffff:10.1.2.3"), "::ffff:10.1.2.3"},
		{toIP, "empty", str(""), absent},
		{toIP, "number", num("167772161"), bad},
		{toIP, "invalid", str("10.1.2"), bad},
		{toMAC, "hyphen", str("00-0C-29-15-6A-72"), "00:0c:29:15:6a:72"},
		{toMAC, "empty", str(""), absent},
		{toMAC, "invalid", str("mock_mac_address"), bad},
	}
	for _, tt := range tests {
		got, present, err := tt.conv(tt.in)
		switch {
		case err != nil:
			got = bad
		case !present:
			got = absent
		}
		if wt, ok := tt.want.(time.Time); ok {
			if gt, ok := got.(time.Time); !ok || !gt.Equal(wt) || gt.Location() != time.UTC {
				t.Errorf("%s: got %v, want %v", tt.name, got, wt)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s: got %#v, want %#v", tt.name, got, tt.want)
		}
	}
}

func TestPlainASCII(t *testing.T) {
	for _, s := range []string{"", "abc", "abcdefgh", "abcdefghi", "with\\escape here", "ctl\x01char and more", "naïve text here",
		"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "0123456789abcdef\x1f", strings.Repeat("x", 31) + "\\", "        \"       "} {
		want := true
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c == '\\' || c >= 0x80 {
				want = false
			}
		}
		if got := plainASCII([]byte(s)); got != want {
			t.Errorf("plainASCII(%q) = %v, want %v", s, got, want)
		}
	}
}

var macRE = regexp.MustCompile(`^([0-9a-f]{2}:){5}[0-9a-f]{2}$`)

func FuzzCanonicalMAC(f *testing.F) {
	for _, c := range normalizerCases["mac"] {
		f.Add(c[0])
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok, err := canonicalMAC(s)
		if err != nil || !ok {
			return
		}
		if !macRE.MatchString(out) {
			t.Fatalf("canonicalMAC(%q) = %q: not canonical", s, out)
		}
		if again, _, _ := canonicalMAC(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
		if hw, err := net.ParseMAC(out); err != nil || hw.String() != out {
			t.Fatalf("net.ParseMAC(%q) = %v, %v", out, hw, err)
		}
	})
}

func FuzzCanonicalIP(f *testing.F) {
	for _, c := range normalizerCases["ip"] {
		f.Add(c[0])
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok, err := canonicalIP(s)
		if err != nil || !ok {
			return
		}
		a, perr := netip.ParseAddr(out)
		if perr != nil || a.String() != out {
			t.Fatalf("canonicalIP(%q) = %q: not canonical (%v)", s, out, perr)
		}
		if again, _, _ := canonicalIP(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
	})
}

func FuzzParseDatetime(f *testing.F) {
	for _, c := range normalizerCases["datetime"] {
		f.Add(c[0])
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, ok, err := parseDatetime(s)
		tb, okb, errb := parseDatetime([]byte(s))
		if ok != okb || (err == nil) != (errb == nil) || !tm.Equal(tb) {
			t.Fatalf("string and []byte forms disagree on %q", s)
		}
		if err != nil || !ok {
			return
		}
		if tm.Location() != time.UTC {
			t.Fatalf("parseDatetime(%q) = %v: not UTC", s, tm)
		}
		// The canonical form parses back to the same instant.
		back, ok2, err2 := parseDatetime(tm.Format(time.RFC3339Nano))
		if err2 != nil || !ok2 || !back.Equal(tm) {
			t.Fatalf("round trip of %q (%v): %v %v %v", s, tm, back, ok2, err2)
		}
		// Where the standard library reads the text as RFC 3339, so do we.
		if std, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s)); err == nil && !std.Equal(tm) {
			t.Fatalf("parseDatetime(%q) = %v, time.Parse = %v", s, tm, std)
		}
	})
}
