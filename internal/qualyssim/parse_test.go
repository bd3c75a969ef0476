package qualyssim

import (
	"strings"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		want    Faults
		wantErr string
	}{
		{"", Faults{}, ""},
		{"  ", Faults{}, ""},
		{"5xx=0.05,reset=0.02,nohasmore=0.02,slow=0.01:10s,malformed=0.01", Faults{ServerError: 0.05, Reset: 0.02, NoHasMore: 0.02, Slow: 0.01, SlowDelay: 10 * time.Second, Malformed: 0.01}, ""},
		{" hasmorestring = 0.5 , expire=1 ", Faults{HasMoreString: 0.5, Expire: 1}, ""},
		{"5xx=0", Faults{}, ""},
		{"slow=1:250ms", Faults{Slow: 1, SlowDelay: 250 * time.Millisecond}, ""},
		{"timeout=0.1", Faults{}, `unknown fault "timeout"`},
		{"5xx", Faults{}, "want KIND=PROBABILITY"},
		{"=0.1", Faults{}, "want KIND=PROBABILITY"},
		{"5xx=abc", Faults{}, "5xx"},
		{"5xx=1.5", Faults{}, "[0,1]"},
		{"5xx=-0.1", Faults{}, "[0,1]"},
		{"5xx=NaN", Faults{}, "[0,1]"},
		{"5xx=0.1,5xx=0.2", Faults{}, "given twice"},
		{"slow=0.1", Faults{}, "slow=PROBABILITY:DURATION"},
		{"slow=0.1:fast", Faults{}, `duration "fast"`},
		{"slow=0.1:-1s", Faults{}, "must be positive"},
		{"reset=0.1,", Faults{}, "want KIND=PROBABILITY"},
	} {
		got, err := ParseFaults(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseFaults(%q) error %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseFaults(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if back, err := ParseFaults(got.String()); err != nil || back != got {
			t.Errorf("round trip of %q via %q: %+v, %v", tc.in, got.String(), back, err)
		}
	}
}

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		n       int
		window  time.Duration
		wantErr string
	}{
		{"", 0, 0, ""},
		{"300/1h", 300, time.Hour, ""},
		{"50/24h", 50, 24 * time.Hour, ""},
		{" 2000 / 1h ", 2000, time.Hour, ""},
		{"50/1d", 50, 24 * time.Hour, ""},
		{"10/90s", 10, 90 * time.Second, ""},
		{"300", 0, 0, "CALLS/WINDOW"},
		{"0/1h", 0, 0, "positive integer"},
		{"-3/1h", 0, 0, "positive integer"},
		{"x/1h", 0, 0, "positive integer"},
		{"300/", 0, 0, "window"},
		{"300/soon", 0, 0, "window"},
		{"300/500ms", 0, 0, "at least 1s"},
		{"300/-1h", 0, 0, "at least 1s"},
		{"300/0d", 0, 0, "window"},
	} {
		n, w, err := ParseRateLimit(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseRateLimit(%q) error %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || n != tc.n || w != tc.window {
			t.Errorf("ParseRateLimit(%q) = %d, %v, %v", tc.in, n, w, err)
		}
	}
}

func TestParseLatency(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		want    Latency
		wantErr string
	}{
		{"", Latency{}, ""},
		{"20ms", Latency{Base: 20 * time.Millisecond}, ""},
		{"20ms+50us", Latency{Base: 20 * time.Millisecond, PerRecord: 50 * time.Microsecond}, ""},
		{"+1ms", Latency{PerRecord: time.Millisecond}, ""},
		{"0+1ms", Latency{PerRecord: time.Millisecond}, ""},
		{"1s + 2ms", Latency{Base: time.Second, PerRecord: 2 * time.Millisecond}, ""},
		{"20", Latency{}, "base"},
		{"fast", Latency{}, "base"},
		{"20ms+", Latency{}, "missing per-record"},
		{"20ms+x", Latency{}, "per record"},
		{"-5ms", Latency{}, "negative"},
		{"5ms+-1ms", Latency{}, "negative"},
	} {
		got, err := ParseLatency(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseLatency(%q) error %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseLatency(%q) = %+v, %v", tc.in, got, err)
		}
		if tc.in != "" {
			if back, err := ParseLatency(got.String()); err != nil || back != got {
				t.Errorf("round trip %q: %+v %v", got.String(), back, err)
			}
		}
	}
}

// FuzzParseFaults checks that ParseFaults never panics, that what it accepts
// validates, and that String round-trips.
func FuzzParseFaults(f *testing.F) {
	for _, s := range []string{"", "5xx=0.05,reset=0.02,nohasmore=0.02,slow=0.01:10s,malformed=0.01", "hasmorestring=1,expire=0",
		"slow=0.5:1h2m3.5s", "5xx=1e-3", "reset=0x1p-2", "5xx=0.1,,reset=1", "=", "slow=:", "5xx=+Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFaults(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "qualyssim: ") {
				t.Errorf("error without context: %v", err)
			}
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("ParseFaults(%q) accepted invalid faults %+v: %v", s, got, err)
		}
		back, err := ParseFaults(got.String())
		if err != nil || back != got {
			t.Fatalf("round trip of %q via %q: %+v, %v", s, got.String(), back, err)
		}
	})
}
