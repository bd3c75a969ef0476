package bench

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestCPUModel(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"x86", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: other\n", "AMD EPYC 7B13"},
		{"colon in the name", "model name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n", "Intel(R) Xeon(R) CPU @ 2.20GHz"},
		{"arm64 without a model name", "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n", ""},
		{"model alone is not the name", "model\t\t: 85\n", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cpuModel(strings.NewReader(tc.in)); got != tc.want {
				t.Errorf("cpuModel = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMemTotalMB(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     int64
	}{
		{"24 GiB", "MemTotal:       25165824 kB\nMemFree:        1000 kB\n", 24576},
		{"not first", "MemFree:        1000 kB\nMemTotal:        2048 kB\n", 2},
		{"missing", "MemFree:        1000 kB\n", 0},
		{"garbled", "MemTotal:       lots kB\n", 0},
		{"negative", "MemTotal:       -5 kB\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := memTotalMB(strings.NewReader(tc.in)); got != tc.want {
				t.Errorf("memTotalMB = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestRevision(t *testing.T) {
	s := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		in   []debug.BuildSetting
		want string
	}{
		{"clean", s("vcs", "git", "vcs.revision", "9806209abc", "vcs.modified", "false"), "9806209abc"},
		{"modified", s("vcs.modified", "true", "vcs.revision", "9806209abc"), "9806209abc+modified"},
		{"no vcs", s("-compiler", "gc"), ""},
		{"modified without a revision", s("vcs.modified", "true"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := revision(tc.in); got != tc.want {
				t.Errorf("revision = %q, want %q", got, tc.want)
			}
		})
	}
}

// ThisMachine fills what every platform has; the /proc parts are checked
// on Linux, where the project's machines run.
func TestThisMachine(t *testing.T) {
	m := ThisMachine()
	if m.CPUs != runtime.NumCPU() || m.OS != runtime.GOOS+"/"+runtime.GOARCH || m.Go != runtime.Version() {
		t.Errorf("ThisMachine = %+v", m)
	}
	if runtime.GOOS == "linux" && m.MemoryMB <= 0 {
		t.Errorf("MemoryMB = %d on Linux", m.MemoryMB)
	}
}
