package qualyssim

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
)

// Defaults applied by New and TruthFor to zero Config fields.
const (
	DefaultAssets           = 2000
	DefaultUsername         = "qflow"
	DefaultPassword         = "qflow-sim"
	DefaultTokenTTL         = 4 * time.Hour
	DefaultConcurrencyLimit = 2
	// DefaultPageSize is the search page size when the request gives none.
	DefaultPageSize = 100
	// MaxPageSize is the largest pageSize the search API accepts.
	MaxPageSize = 300
	// MaxAssets bounds Config.Assets (the index costs ~40 bytes per asset).
	MaxAssets = 10_000_000
	// MaxHosts bounds Config.Hosts (the VMDR index costs ~20 bytes per host).
	MaxHosts = 20_000_000
	// MaxEpoch bounds Config.Epoch and POST /_sim/advance.
	MaxEpoch = 10_000
	// MaxSubscriptions bounds Config.Subscriptions.
	MaxSubscriptions = 100
	// MaxMachines bounds the machine slots of a server with several
	// subscriptions: Subscriptions × (Assets + VMDR-only hosts). Up to it
	// no two machines share a MAC address (24 bits after the vendor prefix,
	// two interfaces per machine); a single subscription may be larger, and
	// then MAC addresses may repeat. Serials, UUIDs and host names are unique
	// at any size.
	MaxMachines = 1 << 23
	// EpochStep is the simulated time between two epochs: epoch e reports
	// DATETIME anchor+e*EpochStep, and what changed in epoch e happened after
	// the DATETIME of epoch e-1.
	EpochStep = 24 * time.Hour
)

// Config configures a simulated Qualys subscription. The zero value is usable:
// New fills in the defaults documented on each field.
type Config struct {
	// Assets is the number of assets in the data set (default 2000), in
	// each subscription.
	Assets int
	// Hosts is the number of VMDR hosts. Zero means the default: one host per
	// CSAM asset with a hostId (about 93% of the assets; the host ID equals
	// the asset's hostId) plus VMDR-only hosts numbering 5% of Assets. A
	// larger value adds more VMDR-only hosts; a smaller one leaves some
	// CSAM hostIds without a VMDR host (as after a purge in VM). It applies
	// to each subscription.
	Hosts int
	// Epoch is the simulated time the server starts at (default 0). POST
	// /_sim/advance moves it on by one; the data of an epoch depends only on
	// (Seed, epoch), so starting at N equals advancing N times.
	Epoch int
	// Rescan is the share, in (0, 1], of the VMDR hosts rescanned (and
	// changed) in each epoch (default 0.2, a fifth). Benchmarks set it to
	// measure an incremental sync after a given share of hosts changed.
	Rescan float64
	// Seed selects the data set and the fault sequence; equal seeds give identical output.
	Seed int64
	// Subscriptions is the number of Qualys subscriptions the server serves
	// (default 1, at most MaxSubscriptions). Each has its own credentials,
	// assets, hosts, detections, tokens and limits, and Assets and Hosts
	// apply to each; subscription 1 is the same data set whatever their number.
	Subscriptions int
	// Overlap is the fraction, in [0, 1], of the machines of each
	// subscription after the first that are also machines of an earlier
	// subscription (same hardware identifiers, own assetId, hostId and
	// agentId); see the package documentation. It needs Subscriptions > 1.
	Overlap float64
	// Username and Password are the accepted credentials (default "qflow" /
	// "qflow-sim"). With several subscriptions the usernames are Username
	// followed by the subscription number (qflow1, qflow2, ...), all with
	// the same Password.
	Username string
	Password string
	// TokenTTL is the JWT lifetime (default 4h).
	TokenTTL time.Duration
	// ConcurrencyLimit is the number of limited calls allowed in flight:
	// 0 means the default of 2, a negative value means unlimited (the
	// X-Concurrency-Limit-Limit header then reports 1000).
	ConcurrencyLimit int
	// RateLimit is the number of limited calls allowed per rolling RateWindow;
	// 0 means unlimited (the X-RateLimit-* headers then report 1000000 calls per
	// hour, never decreasing).
	RateLimit int
	// RateWindow is the length of the rolling rate window; required when RateLimit > 0.
	RateWindow time.Duration
	// Latency is added to every limited call that answers with data.
	Latency Latency
	// Faults are injected deterministically from Seed (see ParseFaults).
	Faults Faults
	// Now is the clock used for tokens, the rate window and the data anchor (default time.Now).
	Now func() time.Time
	// Logger receives one debug line per request; nil discards.
	Logger *slog.Logger
}

// Latency is the simulated service time of a data call: Base plus PerRecord
// for every asset in the page.
type Latency struct {
	Base      time.Duration
	PerRecord time.Duration
}

// String renders the latency in the form ParseLatency accepts.
func (l Latency) String() string {
	if l.PerRecord == 0 {
		return l.Base.String()
	}
	return l.Base.String() + "+" + l.PerRecord.String()
}

// withDefaults returns cfg with defaults applied, or every problem found.
func (cfg Config) withDefaults() (Config, error) {
	var errs []error
	if cfg.Assets == 0 {
		cfg.Assets = DefaultAssets
	}
	if cfg.Assets < 0 || cfg.Assets > MaxAssets {
		errs = append(errs, fmt.Errorf("assets: %d out of range 1..%d", cfg.Assets, MaxAssets))
	}
	if cfg.Hosts < 0 || cfg.Hosts > MaxHosts {
		errs = append(errs, fmt.Errorf("hosts: %d out of range 0..%d", cfg.Hosts, MaxHosts))
	}
	if cfg.Epoch < 0 || cfg.Epoch > MaxEpoch {
		errs = append(errs, fmt.Errorf("epoch: %d out of range 0..%d", cfg.Epoch, MaxEpoch))
	}
	if cfg.Subscriptions == 0 {
		cfg.Subscriptions = 1
	}
	if cfg.Rescan == 0 {
		cfg.Rescan = vmChangeP
	}
	if math.IsNaN(cfg.Rescan) || cfg.Rescan <= 0 || cfg.Rescan > 1 {
		errs = append(errs, fmt.Errorf("rescan: %v out of range (0, 1] (a share of the hosts per epoch)", cfg.Rescan))
	}
	if cfg.Subscriptions < 1 || cfg.Subscriptions > MaxSubscriptions {
		errs = append(errs, fmt.Errorf("subscriptions: %d out of range 1..%d", cfg.Subscriptions, MaxSubscriptions))
	}
	switch {
	case math.IsNaN(cfg.Overlap) || cfg.Overlap < 0 || cfg.Overlap > 1:
		errs = append(errs, fmt.Errorf("overlap: %v out of range 0..1 (a fraction of the machines)", cfg.Overlap))
	case cfg.Overlap > 0 && cfg.Subscriptions == 1:
		errs = append(errs, fmt.Errorf("overlap: %v needs at least 2 subscriptions (machines of later subscriptions appear in earlier ones)", cfg.Overlap))
	}
	if cfg.Subscriptions > 1 && cfg.Assets > 0 && cfg.Assets <= MaxAssets && cfg.Hosts >= 0 && cfg.Hosts <= MaxHosts {
		if slots := int64(cfg.Subscriptions) * int64(machineStride(cfg.Assets, cfg.Hosts)); slots > MaxMachines {
			errs = append(errs, fmt.Errorf("subscriptions: %d × %d machine slots (assets plus VMDR-only hosts) = %d is more than %d, the most with unique hardware identifiers",
				cfg.Subscriptions, machineStride(cfg.Assets, cfg.Hosts), slots, MaxMachines))
		}
	}
	if cfg.Username == "" {
		cfg.Username = DefaultUsername
	}
	if cfg.Password == "" {
		cfg.Password = DefaultPassword
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.TokenTTL < time.Second {
		errs = append(errs, fmt.Errorf("token TTL: %v is shorter than 1s", cfg.TokenTTL))
	}
	if cfg.ConcurrencyLimit == 0 {
		cfg.ConcurrencyLimit = DefaultConcurrencyLimit
	}
	if cfg.RateLimit < 0 {
		errs = append(errs, fmt.Errorf("rate limit: %d is negative", cfg.RateLimit))
	}
	if cfg.RateLimit > 0 && cfg.RateWindow < time.Second {
		errs = append(errs, fmt.Errorf("rate window: %v must be at least 1s when the rate limit is %d", cfg.RateWindow, cfg.RateLimit))
	}
	if cfg.Latency.Base < 0 || cfg.Latency.PerRecord < 0 {
		errs = append(errs, fmt.Errorf("latency: %v is negative", cfg.Latency))
	}
	if err := cfg.Faults.Validate(); err != nil {
		errs = append(errs, err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, fmt.Errorf("qualyssim: invalid config: %w", err)
	}
	return cfg, nil
}

// ParseRateLimit parses "N/DURATION" such as "300/1h" or "50/24h" (a "d" day
// suffix is accepted too: "50/1d"). The empty string means no rate limit (0, 0).
func ParseRateLimit(s string) (n int, window time.Duration, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, nil
	}
	num, dur, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("qualyssim: rate limit %q: want CALLS/WINDOW such as 300/1h", s)
	}
	n, err = strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n <= 0 {
		return 0, 0, fmt.Errorf("qualyssim: rate limit %q: calls %q must be a positive integer", s, num)
	}
	window, err = parseDuration(strings.TrimSpace(dur))
	if err != nil {
		return 0, 0, fmt.Errorf("qualyssim: rate limit %q: window: %w", s, err)
	}
	if window < time.Second {
		return 0, 0, fmt.Errorf("qualyssim: rate limit %q: window must be at least 1s", s)
	}
	return n, window, nil
}

// parseDuration is time.ParseDuration plus a whole-day form "Nd".
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 10000 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	return d, nil
}

// ParseLatency parses "BASE" or "BASE+PERRECORD", e.g. "20ms" or "20ms+50us".
// The empty string means no added latency.
func ParseLatency(s string) (Latency, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Latency{}, nil
	}
	base, per, _ := strings.Cut(s, "+")
	var l Latency
	var err error
	if b := strings.TrimSpace(base); b != "" {
		if l.Base, err = time.ParseDuration(b); err != nil {
			return Latency{}, fmt.Errorf("qualyssim: latency %q: base: %w", s, err)
		}
	}
	if p := strings.TrimSpace(per); p != "" {
		if l.PerRecord, err = time.ParseDuration(p); err != nil {
			return Latency{}, fmt.Errorf("qualyssim: latency %q: per record: %w", s, err)
		}
	} else if strings.Contains(s, "+") {
		return Latency{}, fmt.Errorf("qualyssim: latency %q: missing per-record duration after '+'", s)
	}
	if l.Base < 0 || l.PerRecord < 0 {
		return Latency{}, fmt.Errorf("qualyssim: latency %q: durations must not be negative", s)
	}
	return l, nil
}
