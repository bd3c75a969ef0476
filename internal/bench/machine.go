package bench

import (
	"bufio"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// Machine says where and with what a benchmark ran, so that a figure
// carries its machine and build with it: the same binary's figures differ
// between an AMD EPYC and an Intel Xeon host of the same size, and within
// a day on either.
type Machine struct {
	// CPU is the processor's model name ("" where /proc/cpuinfo has none).
	CPU string `json:"cpu"`
	// CPUs is the number of logical CPUs the process may use.
	CPUs int `json:"cpus"`
	// MemoryMB is the machine's memory (0 where /proc/meminfo is missing).
	MemoryMB int64 `json:"memory_mb"`
	// OS is GOOS/GOARCH.
	OS string `json:"os"`
	// Go is the Go version the binary was built with.
	Go string `json:"go"`
	// Revision is the commit the binary was built from, with "+modified"
	// when the work tree had changes ("" when the build recorded none, as
	// with `go run` or `go test`).
	Revision string `json:"revision,omitempty"`
}

// ThisMachine describes the machine and the running binary.
func ThisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		m.CPU = cpuModel(f)
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		m.MemoryMB = memTotalMB(f)
		f.Close()
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		m.Revision = revision(bi.Settings)
	}
	return m
}

// cpuModel returns the first processor's model name in a /proc/cpuinfo
// listing (x86's "model name"; arm64 kernels may list none).
func cpuModel(r io.Reader) string {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// memTotalMB returns MemTotal of a /proc/meminfo listing in MiB (0 when it
// has none).
func memTotalMB(r io.Reader) int64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil || kb < 0 {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}

// revision returns the build's vcs.revision, with "+modified" when
// vcs.modified is true.
func revision(settings []debug.BuildSetting) string {
	var rev string
	var modified bool
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" && modified {
		rev += "+modified"
	}
	return rev
}
